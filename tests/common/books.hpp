#pragma once
// The books of a running engine, recomputed from every HIT's full record
// (engine::inspect_hit) and checked against themselves: shared by the
// randomized concurrency test (tests/actors) and the crash test
// (tests/crash), which compare the result with the ledger, the requesters'
// balances and the workers' dashboards.
//
// scan_hits() visits every HIT number below hit_count() and checks, per HIT:
// no over-assignment, no worker holding two assignments of one HIT, the
// HIT's counts against its assignments, every deadline at or before `now`
// applied (expiry, abandonment, auto-approval), and the escrow against what
// the HIT must hold (hit_rules.hpp: required_hold). Violations are counted by
// kind with a few examples each, naming the HIT or assignment.

#include <gtest/gtest.h>

#include <hitd/hitd.hpp>

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace hitd::books {

// Counts violations of one kind and keeps a few examples.
struct violations {
  std::map<std::string, std::pair<int64_t, std::vector<std::string>>> kinds;
  void add(const std::string& kind, const std::string& example) {
    auto& [n, ex] = kinds[kind];
    ++n;
    if (ex.size() < 5)
      ex.push_back(example);
  }
  bool empty() const { return kinds.empty(); }
  std::string describe(const std::string& label, const std::string& kind) const {
    const auto& [n, ex] = kinds.at(kind);
    std::ostringstream os;
    os << label << ": " << kind << " (" << n << " times), e.g.";
    for (const auto& x : ex)
      os << "\n    " << x;
    return os.str();
  }
  // Each kind as a test failure.
  void report(const std::string& label) const {
    for (const auto& kv : kinds)
      ADD_FAILURE() << describe(label, kv.first);
  }
};

// A worker's statistics as its assignments and bonuses say they must be.
struct worker_tally {
  int64_t accepted = 0, submitted = 0, approved = 0, rejected = 0, pending = 0, returned = 0, abandoned = 0;
  money reward, bonus;
};

struct hit_books {
  std::map<std::string, hit_inspection> hits;          // by HIT id, when asked to keep them
  std::map<std::string, money> held_by_requester;      // the HITs' escrow
  std::map<std::string, money> spent_by_requester;     // approved rewards + fees, bonuses + fees
  std::map<std::string, worker_tally> by_worker;
  money approved_rewards, reward_fees, bonuses, bonus_fees;
  int64_t hits_seen = 0, assignments_seen = 0;
};

inline bool taken(assignment_status s) {
  return s == assignment_status::accepted || s == assignment_status::submitted || s == assignment_status::approved ||
         s == assignment_status::rejected;
}

inline bool live(assignment_status s) { return s == assignment_status::accepted || s == assignment_status::submitted; }

inline const char* status_name(assignment_status s) {
  static constexpr const char* names[] = {"accepted", "submitted", "approved", "rejected", "returned", "abandoned"};
  return names[static_cast<size_t>(s)];
}

inline const char* status_name(hit_status s) {
  static constexpr const char* names[] = {"assignable", "unassignable", "reviewable", "reviewing", "disposed"};
  return names[static_cast<size_t>(s)];
}

// Every HIT below hit_count(), inspected and checked; `now` is the engine's
// time after every due deadline was applied. With `keep`, the inspections
// are returned too.
inline hit_books scan_hits(engine& e, timestamp now, violations& bad, bool keep) {
  const auto& fees = e.config().fees;
  hit_books b;
  const uint64_t hit_count = e.hit_count();
  for (uint64_t n = 1; n < hit_count; ++n) {
    auto id = format_id(id_kind::hit, n);
    auto in = e.inspect_hit(id);
    if (!in.ok()) {
      // A create the ledger refused used its number and left no HIT.
      if (in.code() != errc::hit_does_not_exist)
        bad.add("a HIT below hit_count() cannot be inspected", id + ": " + in.err().message);
      continue;
    }
    ++b.hits_seen;
    const auto& h = in->hit;
    const int64_t max = h.max_assignments;
    const money fee = reward_fee(fees, h.reward, max);
    int64_t taken_n = 0, accepted_n = 0, completed_n = 0;
    money live_hold;
    std::map<std::string, int> per_worker;
    auto& spent = b.spent_by_requester[h.requester_id];
    for (const auto& a : in->assignments) {
      ++b.assignments_seen;
      auto& rw = b.by_worker[a.worker_id];
      ++rw.accepted;   // every assignment began as an accept
      using s_t = assignment_status;
      switch (a.status) {
        case s_t::accepted: ++accepted_n; break;
        case s_t::submitted: ++rw.submitted; ++rw.pending; break;
        case s_t::approved: ++rw.submitted; ++rw.approved; rw.reward += a.reward; ++completed_n; break;
        case s_t::rejected: ++rw.submitted; ++rw.rejected; ++completed_n; break;
        case s_t::returned: ++rw.returned; break;
        case s_t::abandoned: ++rw.abandoned; break;
      }
      if (a.status == s_t::approved) {
        auto f = reward_fee(fees, a.reward, max);
        b.approved_rewards += a.reward;
        b.reward_fees += f;
        spent += a.reward + f;
      }
      if (taken(a.status)) {
        ++taken_n;
        if (++per_worker[a.worker_id] == 2)
          bad.add("a worker holds two assignments of one HIT", h.hit_id + " worker " + a.worker_id);
      }
      if (live(a.status))
        live_hold += a.reward + reward_fee(fees, a.reward, max);
      if (a.status == s_t::accepted && a.deadline <= now)
        bad.add("an assignment past its deadline is still accepted (not abandoned)",
                a.assignment_id + " deadline " + std::to_string(a.deadline) + " <= now " + std::to_string(now));
      if (a.status == s_t::submitted && a.auto_approval_time && *a.auto_approval_time <= now)
        bad.add("a submitted assignment past its auto-approval time is not approved",
                a.assignment_id + " auto_approval_time " + std::to_string(*a.auto_approval_time) + " <= now " +
                  std::to_string(now));
    }
    for (const auto& bp : in->bonuses) {
      auto f = bonus_fee(fees, bp.amount);
      b.bonuses += bp.amount;
      b.bonus_fees += f;
      spent += bp.amount + f;
      b.by_worker[bp.worker_id].bonus += bp.amount;
    }
    if (taken_n > max)
      bad.add("a HIT is over-assigned", h.hit_id + ": " + std::to_string(taken_n) + " taken of " + std::to_string(max));
    if (h.assignments_pending != accepted_n)
      bad.add("hit_view.assignments_pending differs from the accepted assignments",
              h.hit_id + ": " + std::to_string(h.assignments_pending) + " vs " + std::to_string(accepted_n));
    if (h.assignments_completed != completed_n)
      bad.add("hit_view.assignments_completed differs from the approved + rejected assignments",
              h.hit_id + ": " + std::to_string(h.assignments_completed) + " vs " + std::to_string(completed_n));
    if (h.status == hit_status::assignable && h.expiration <= now)
      bad.add("a HIT past its expiration is still assignable (not expired)",
              h.hit_id + " expiration " + std::to_string(h.expiration) + " <= now " + std::to_string(now));
    // What the ledger must hold for this HIT (hit_rules.hpp: required_hold):
    // reward + fee for every assignment in progress or awaiting review, plus
    // reward + fee for every slot still open while the HIT is unexpired
    // (assignments_available is the open slots then, 0 once expired).
    money required;
    if (h.status != hit_status::disposed)
      required = money{(h.reward + fee).cents * h.assignments_available} + live_hold;
    if (h.assignments_available > max - taken_n)
      bad.add("assignments_available exceeds the open slots",
              h.hit_id + ": " + std::to_string(h.assignments_available) + " > " + std::to_string(max - taken_n));
    if (h.escrow_held != required)
      bad.add("a HIT's escrow differs from what it must hold",
              h.hit_id + " (" + h.requester_id + ", max " + std::to_string(max) + ", reward " +
                std::to_string(h.reward.cents) + "): held " + std::to_string(h.escrow_held.cents) + " required " +
                std::to_string(required.cents));
    b.held_by_requester[h.requester_id] += h.escrow_held;
    if (keep)
      b.hits.emplace(id, std::move(*in));
  }
  return b;
}

// A worker's dashboard against its recomputed statistics. The withdrawn
// amount is the dashboard's own (the caller checks it against what was
// withdrawn); the balance must be the earnings less it.
inline void check_dashboard(const std::string& id, const worker_dashboard& d, const worker_tally& rw, violations& bad) {
  const auto& t = d.totals;
  auto field = [&](const char* name, int64_t got, int64_t want) {
    if (got != want)
      bad.add(std::string{"dashboard "} + name + " differs from the assignments",
              id + ": dashboard " + std::to_string(got) + " recomputed " + std::to_string(want));
  };
  field("totals.accepted", t.accepted, rw.accepted);
  field("totals.submitted", t.submitted, rw.submitted);
  field("totals.approved", t.approved, rw.approved);
  field("totals.rejected", t.rejected, rw.rejected);
  field("totals.pending", t.pending, rw.pending);
  field("totals.returned", t.returned, rw.returned);
  field("totals.abandoned", t.abandoned, rw.abandoned);
  field("totals.reward_income", t.reward_income.cents, rw.reward.cents);
  field("totals.bonus_income", t.bonus_income.cents, rw.bonus.cents);
  field("total_earnings", d.total_earnings.cents, (rw.reward + rw.bonus).cents);
  field("available_balance", d.available_balance.cents, (rw.reward + rw.bonus - d.withdrawn).cents);
}

} // namespace hitd::books
