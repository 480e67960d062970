// The crash test: a concurrent workload on a RocksDB store, killed with
// SIGKILL at random moments, restarted each time, and checked after each
// restart.
//
// Each round starts hitd_crash_worker (crash_worker.cpp) in a child process
// on the same data directory, lets it run a random 150-900 ms, kills it with
// SIGKILL and reaps it. Then the test opens the store and an engine itself,
// with a manual clock set to when the next run starts (the end of the run
// plus a random downtime, so deadlines fall due while nothing runs), lets
// the deadlines that passed fire (advance_clock(0)), and checks against the
// worker's ack log (crash_log.hpp):
//
//   - every acknowledged command is there: parties, HITs (with at least
//     their acknowledged assignments added), accepts, submissions, returns,
//     approvals, rejections, bonuses, deletions, blocks and grants, in their
//     acknowledged state or one that follows from it; nothing happened that
//     no command asked for (a submission never tried, a bonus never sent, a
//     repeated token or key that took effect twice);
//   - money is conserved to the cent: the ledger sums to zero; each
//     requester's deposits (balance + escrow + what its HITs paid) and each
//     worker's withdrawals are its acknowledged ones plus some of those whose
//     answer the kill lost; the external account is minus deposits less
//     withdrawals; fees are the platform's; the workers' balances plus their
//     withdrawals are the approved rewards and bonuses (nothing paid twice);
//   - no HIT is over-assigned, and every HIT's escrow is what it must hold;
//   - every deadline up to now has fired (no assignable HIT past its
//     expiration, no accepted assignment past its deadline, no submitted one
//     past its auto-approval) and fired once: each dashboard agrees with the
//     assignments recomputed from the HITs, and no assignment was published
//     abandoned, approved or returned twice across all runs;
//   - each requester's list_hits and list_reviewable_hits agree with its HITs;
//   - a requester's blocks and grants agree with what the worker checks
//     requirements against (engine::worker_credentials_of).
//
// The seed is printed; HITD_SEED=<n> replays the test's choices (the kill
// moments and the workload's choices; not the threads' interleaving).
// HITD_CRASH_KEEP=1 keeps the directory (store, ack log, worker's stderr);

#include <gtest/gtest.h>

#include <hitd/hitd.hpp>
#include <hitd/records.hpp>
#include <hitd/storage/rocksdb_store.hpp>

#include "../common/books.hpp"
#include "crash_log.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using namespace hitd;
using namespace hitd::crash;
using steady = std::chrono::steady_clock;
using books::violations;

constexpr int rounds = 6;
constexpr int run_ms_min = 150, run_ms_max = 900;
constexpr int64_t downtime_s_max = 1'200;

uint64_t seed_from_env() {
  if (const char* s = std::getenv("HITD_SEED"); s && *s)
    return std::strtoull(s, nullptr, 10);
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

std::string tail_of(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > n ? "..." + all.substr(all.size() - n) : all;
}

// A temporary directory, removed at the end.
struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/hitd-crash-XXXXXX";
    if (char* p = ::mkdtemp(tmpl))
      path = p;
  }
  ~temp_dir() {
    if (const char* k = std::getenv("HITD_CRASH_KEEP"); k && *k) {
      std::cout << "[ kept  ] " << path << std::endl;
      return;
    }
    if (!path.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  }
};

// Sums reachable from a subset of `amounts` (all of them when few).
bool subset_sum(const std::vector<int64_t>& amounts, int64_t target) {
  if (target == 0)
    return true;
  if (target < 0 || amounts.size() > 24)
    return target >= 0;   // too many to enumerate: the caller's bounds stand alone
  std::set<int64_t> reach{0};
  for (auto a : amounts) {
    std::set<int64_t> next = reach;
    for (auto r : reach)
      next.insert(r + a);
    reach = std::move(next);
  }
  return reach.count(target) > 0;
}

// Counts from the test's own engines (the restarts), kept across rounds.
struct restart_events {
  std::mutex m;
  std::map<std::string, int> abandoned, approved, returned, expired;
  int64_t fired = 0;
};

class crash_run {
public:
  crash_run(uint64_t seed, std::string dir) : seed_(seed), rng_(seed), dir_(std::move(dir)) {
    data_ = dir_ + "/db";
    log_ = dir_ + "/acks.log";
    stderr_ = dir_ + "/worker-stderr.log";
  }

  // One round: run, kill, restart, check. False when the worker did not die
  // of our SIGKILL (it stopped by itself: the run is over).
  bool round(int k) {
    const int run_ms = std::uniform_int_distribution<int>{run_ms_min, run_ms_max}(rng_);
    const int64_t downtime_s = std::uniform_int_distribution<int64_t>{0, downtime_s_max}(rng_);
    const auto started = steady::now();
    std::vector<std::string> args = {HITD_CRASH_WORKER, data_, std::to_string(seed_), std::to_string(k),
                                     std::to_string(clock_), log_};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, stderr_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
      return false;
    }
    // Sleep until the kill, watching for a worker that stops by itself.
    int status = 0;
    bool exited = false;
    const auto kill_at = started + std::chrono::milliseconds(run_ms);
    while (steady::now() < kill_at) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
    }
    if (!exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    const auto elapsed = steady::now() - started;
    if (exited || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
      ADD_FAILURE() << "round " << k << ": the worker stopped by itself before the kill ("
                    << (WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                          : "signal " + std::to_string(WTERMSIG(status)))
                    << "); its stderr:\n" << tail_of(stderr_, 3000);
      return false;
    }
    ++kills_;
    // The worker's clock ran at most 1000 x the real time since the spawn:
    // one simulated millisecond per real microsecond.
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    const timestamp run_end = clock_ + us + 1;
    clock_ = run_end + seconds(downtime_s);
    std::cout << "[ round " << k << " ] killed after " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
              << " ms (planned " << run_ms << "); " << downtime_s << " s down; restarting at clock " << clock_
              << std::endl;
    check(k, "round " + std::to_string(k));
    return true;
  }

  int kills() const { return kills_; }
  int64_t acks() const { return acks_; }

private:
  void check(int k, const std::string& label) {
    const auto t0 = steady::now();
    const model m = read_log(log_);
    acks_ = m.acks;

    hitd::storage::store_options so;
    so.path = data_;
    so.mode = hitd::storage::durability::sync;
    auto opened = hitd::storage::rocksdb_store::open(so);
    ASSERT_TRUE(opened.ok()) << label << ": the store does not open: " << opened.err().message;
    auto store = *opened;
    auto clock = std::make_shared<manual_clock>(clock_);
    engine_config config;
    config.scheduler_threads = 2;
    std::unique_ptr<engine> eng;
    try {
      eng = std::make_unique<engine>(engine::options{config, clock, store});
    } catch (const std::exception& ex) {
      FAIL() << label << ": the engine does not start on the store: " << ex.what();
    }
    auto& e = *eng;
    // Deadlines that passed while it was down fire now.
    int64_t fired_before = events_.fired;
    e.subscribe([this](const event& ev) {
      std::lock_guard<std::mutex> g{events_.m};
      switch (ev.type) {
        case event_type::assignment_abandoned: ++events_.abandoned[ev.assignment_id()]; ++events_.fired; break;
        case event_type::assignment_approved: ++events_.approved[ev.assignment_id()]; ++events_.fired; break;
        case event_type::assignment_returned: ++events_.returned[ev.assignment_id()]; break;
        case event_type::hit_expired: ++events_.expired[ev.hit_id()]; ++events_.fired; break;
        default: break;
      }
    });
    e.advance_clock(0);
    e.drain();
    const timestamp now = e.now();

    violations bad;
    auto b = books::scan_hits(e, now, bad, true);
    auto find_assignment = [&](const std::string& hit, const std::string& id) -> const assignment_view* {
      auto h = b.hits.find(hit);
      if (h == b.hits.end())
        return nullptr;
      for (const auto& a : h->second.assignments)
        if (a.assignment_id == id)
          return &a;
      return nullptr;
    };

    // ---- parties -----------------------------------------------------------------------------
    for (const auto& r : m.requesters)
      if (auto v = e.get_account_balance(r); !v.ok())
        bad.add("an acknowledged requester is missing", r + ": " + v.err().message);
    for (const auto& w : m.workers)
      if (auto v = e.dashboard(w); !v.ok())
        bad.add("an acknowledged worker is missing", w + ": " + v.err().message);

    // ---- HITs --------------------------------------------------------------------------------
    for (const auto& [id, h] : m.hits) {
      if (h.requester.empty())
        continue;   // only adds were logged: the create's answer was lost
      auto it = b.hits.find(id);
      if (it == b.hits.end()) {
        bad.add("an acknowledged HIT is missing", id + " of " + h.requester);
        continue;
      }
      const auto& v = it->second.hit;
      if (v.requester_id != h.requester)
        bad.add("a HIT belongs to another requester than acknowledged", id + ": " + v.requester_id + " vs " + h.requester);
      int64_t lo = h.max, hi = h.max;
      for (const auto& [token, n] : h.adds_tried) {
        hi += n;
        if (h.adds_acked.count(token))
          lo += n;
      }
      if (v.max_assignments < lo || v.max_assignments > hi)
        bad.add("a HIT's max assignments is not its acknowledged ones plus some of the unanswered",
                id + ": " + std::to_string(v.max_assignments) + " not in [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "]");
      if (h.deleted && v.status != hit_status::disposed)
        bad.add("an acknowledged delete did not stick", id + " is " + books::status_name(v.status));
    }
    for (const auto& [token, ids] : m.create_tokens)
      if (ids.size() > 1)
        bad.add("a repeated create token answered with another HIT", token + ": " + *ids.begin() + " and " + *ids.rbegin());

    // ---- assignments -------------------------------------------------------------------------
    using s_t = assignment_status;
    std::set<std::string> acked_accepts;
    for (const auto& [id, a] : m.assignments) {
      if (a.worker.empty())
        continue;
      acked_accepts.insert(id);
      const auto* v = find_assignment(a.hit, id);
      if (!v) {
        bad.add("an acknowledged accept is missing", id + " (worker " + a.worker + ", HIT " + a.hit + ")");
        continue;
      }
      auto is = [&](std::initializer_list<s_t> ok) { return std::find(ok.begin(), ok.end(), v->status) != ok.end(); };
      auto state = id + " is " + books::status_name(v->status);
      if (v->worker_id != a.worker)
        bad.add("an assignment belongs to another worker than acknowledged", id + ": " + v->worker_id + " vs " + a.worker);
      if (a.submitted && !is({s_t::submitted, s_t::approved, s_t::rejected}))
        bad.add("an acknowledged submit did not stick", state);
      if ((a.approved || a.overridden) && !is({s_t::approved}))
        bad.add("an acknowledged approval did not stick", state);
      if (a.rejected && !is({s_t::rejected}) && !(a.override_tried && is({s_t::approved})))
        bad.add("an acknowledged rejection did not stick", state);
      if (a.returned && !is({s_t::returned}))
        bad.add("an acknowledged return did not stick", state);
      if (is({s_t::submitted, s_t::approved, s_t::rejected}) && !a.submit_tried)
        bad.add("an assignment is submitted though no submit was sent", state);
      if (is({s_t::returned}) && !a.return_tried)
        bad.add("an assignment is returned though no return was sent", state);
      if (is({s_t::rejected}) && !a.reject_tried)
        bad.add("an assignment is rejected though no reject was sent", state);
    }
    for (const auto& [hit, in] : b.hits)
      for (const auto& a : in.assignments)
        if (!acked_accepts.count(a.assignment_id) && a.status != s_t::accepted && a.status != s_t::abandoned)
          bad.add("an assignment whose accept was never answered went on without us",
                  a.assignment_id + " is " + books::status_name(a.status));
    for (const auto& [key, ids] : m.accept_keys)
      if (ids.size() > 1)
        bad.add("a repeated accept key answered with another assignment", key + ": " + *ids.begin() + " and " + *ids.rbegin());

    // ---- each requester's index of its HITs agrees with the HITs ------------------------------
    for (int i = 0; i < requester_count; ++i) {
      auto r = requester_id(i);
      std::set<std::string> mine, reviewable;
      for (const auto& [id, in] : b.hits)
        if (in.hit.requester_id == r && in.hit.status != hit_status::disposed) {
          mine.insert(id);
          if (in.hit.status == hit_status::reviewable)
            reviewable.insert(id);
        }
      auto listed = [&](bool reviewable_only) {
        std::set<std::string> ids;
        page_request p;
        for (int pages = 0; pages < 1'000; ++pages) {
          auto l = reviewable_only ? e.list_reviewable_hits(r, {}, false, p) : e.list_hits(r, p);
          if (!l.ok()) {
            if (l.code() != errc::requester_does_not_exist)
              bad.add("listing a requester's HITs failed", r + ": " + l.err().message);
            break;
          }
          for (const auto& h : l->items)
            ids.insert(h.hit_id);
          if (l->next_token.empty())
            break;
          p.next_token = l->next_token;
        }
        return ids;
      };
      auto compare = [&](const char* what, const std::set<std::string>& got, const std::set<std::string>& want) {
        for (const auto& id : want)
          if (!got.count(id))
            bad.add(std::string{what} + " leaves out one of its HITs", r + ": " + id);
        for (const auto& id : got)
          if (!want.count(id))
            bad.add(std::string{what} + " lists a HIT it should not", r + ": " + id);
      };
      compare("list_hits", listed(false), mine);
      compare("list_reviewable_hits", listed(true), reviewable);
    }

    // ---- bonuses: the acknowledged ones, and none never sent -----------------------------------
    {
      std::map<std::string, std::multiset<int64_t>> acked, tried, paid;
      for (const auto& [token, bo] : m.bonuses) {
        if (bo.assignment.empty() || (!bo.acked && m.refused.count(token)))
          continue;   // (answered with an error: it had no effect)
        tried[bo.assignment].insert(bo.amount);
        if (bo.acked)
          acked[bo.assignment].insert(bo.amount);
      }
      for (const auto& [hit, in] : b.hits)
        for (const auto& bp : in.bonuses)
          paid[bp.assignment_id].insert(bp.amount.cents);
      auto text = [](const std::multiset<int64_t>& s) {
        std::string t;
        for (auto a : s)
          t += (t.empty() ? "" : ",") + std::to_string(a);
        return "{" + t + "}";
      };
      for (const auto& [id, s] : acked)
        if (!std::includes(paid[id].begin(), paid[id].end(), s.begin(), s.end()))
          bad.add("an acknowledged bonus is missing", id + ": paid " + text(paid[id]) + ", acknowledged " + text(s));
      for (const auto& [id, s] : paid)
        if (!std::includes(tried[id].begin(), tried[id].end(), s.begin(), s.end()))
          bad.add("a bonus was paid that was never sent (or paid twice)",
                  id + ": paid " + text(s) + ", sent " + text(tried[id]));
    }

    // ---- blocks and grants: as acknowledged, and the same for the worker ----------------------
    // (what the worker checks requirements against: its record is only a
    // cache of the requesters' records, refreshed when it is activated)
    std::map<std::string, std::shared_ptr<const worker_state>> worker_records;
    for (int i = 0; i < worker_count; ++i) {
      auto id = worker_id(i);
      auto r = store->get(worker_key(id));
      if (r.ok() && *r)
        worker_records[id] = std::static_pointer_cast<const worker_state>(*r);
    }
    std::map<std::string, worker_credentials> creds_of;
    auto credentials = [&](const std::string& id) -> const worker_credentials* {
      if (auto it = creds_of.find(id); it != creds_of.end())
        return &it->second;
      auto c = e.worker_credentials_of(id);
      if (!c.ok()) {
        bad.add("worker_credentials_of failed", id + ": " + c.err().message);
        return nullptr;
      }
      return &creds_of.emplace(id, std::move(*c)).first->second;
    };
    for (const auto& r : m.requesters) {
      std::set<std::string> blocked;
      page_request p;
      for (int pages = 0; pages < 100; ++pages) {
        auto l = e.list_worker_blocks(r, p);
        if (!l.ok()) {
          bad.add("list_worker_blocks failed", r + ": " + l.err().message);
          break;
        }
        for (const auto& wb : l->items)
          blocked.insert(wb.worker_id);
        if (l->next_token.empty())
          break;
        p.next_token = l->next_token;
      }
      for (const auto& [id, record] : worker_records) {
        (void)record;
        int on = blocked.count(id) ? 1 : 0;
        auto it = m.blocks.find({r, id});
        if (it == m.blocks.end() ? on != 0 : !it->second.count(on))
          bad.add("a block is not as acknowledged", r + " / " + id + ": " + (on ? "blocked" : "not blocked"));
        auto creds = credentials(id);
        if (creds && on != static_cast<int>(creds->blocked_by.count(r)))
          bad.add("the requester's block list and the worker disagree",
                  r + " / " + id + ": requester says " + (on ? "blocked" : "not blocked") + ", the worker says " +
                    (on ? "not blocked" : "blocked"));
      }
      auto q = m.qtypes.find(r);
      if (q == m.qtypes.end())
        continue;
      for (const auto& [id, record] : worker_records) {
        (void)record;
        auto s = e.get_qualification_score(r, q->second, id);
        int value = -1;
        if (s.ok() && s->status == qualification_status::granted)
          value = s->integer_value;
        else if (!s.ok() && s.code() != errc::qualification_does_not_exist)
          bad.add("get_qualification_score failed", r + " / " + id + ": " + s.err().message);
        auto it = m.grants.find({q->second, id});
        if (it == m.grants.end() ? value != -1 : !it->second.count(value))
          bad.add("a qualification grant is not as acknowledged", q->second + " / " + id + ": " + std::to_string(value));
        auto creds = credentials(id);
        if (!creds)
          continue;
        auto g = creds->find(q->second);
        int held = g && g->integer ? *g->integer : -1;
        if (held != value)
          bad.add("the requester's grant and the worker disagree",
                  q->second + " / " + id + ": requester says " + std::to_string(value) + ", the worker says " +
                    std::to_string(held));
      }
    }

    // ---- money -------------------------------------------------------------------------------
    auto audit = e.audit_ledger();
    ASSERT_TRUE(audit.ok()) << label << ": audit_ledger: " << audit.err().message;
    if (audit->total.cents != 0)
      bad.add("the ledger does not sum to zero", "total " + std::to_string(audit->total.cents));
    money available_sum, held_sum, deposited_sum, withdrawn_sum;
    for (int i = 0; i < requester_count; ++i) {
      auto r = requester_id(i);
      auto bal = e.get_account_balance(r);
      if (!bal.ok())
        continue;   // never created (checked above when acknowledged)
      available_sum += bal->available;
      held_sum += bal->on_hold;
      if (bal->on_hold != b.held_by_requester[r])
        bad.add("a requester's on_hold differs from the escrow of its HITs",
                r + ": on_hold " + std::to_string(bal->on_hold.cents) + ", HITs' escrow " +
                  std::to_string(b.held_by_requester[r].cents));
      const money deposited = bal->available + bal->on_hold + b.spent_by_requester[r];
      deposited_sum += deposited;
      int64_t acked = 0, tried = 0;
      std::vector<int64_t> lost;
      for (const auto& [token, d] : m.deposits)
        if (d.owner == r && (d.acked || !m.refused.count(token))) {
          tried += d.amount;
          if (d.acked)
            acked += d.amount;
          else
            lost.push_back(d.amount);
        }
      if (deposited.cents < acked || deposited.cents > tried || !subset_sum(lost, deposited.cents - acked))
        bad.add("a requester's deposits are not its acknowledged ones plus some of the unanswered",
                r + ": balance " + std::to_string(bal->available.cents) + " + escrow " + std::to_string(bal->on_hold.cents) +
                  " + paid " + std::to_string(b.spent_by_requester[r].cents) + " = " + std::to_string(deposited.cents) +
                  "; acknowledged " + std::to_string(acked) + ", sent " + std::to_string(tried));
    }
    money dashboard_balances;
    for (int i = 0; i < worker_count; ++i) {
      auto w = worker_id(i);
      auto d = e.dashboard(w);
      if (!d.ok())
        continue;
      books::check_dashboard(w, *d, b.by_worker[w], bad);
      dashboard_balances += d->available_balance;
      withdrawn_sum += d->withdrawn;
      int64_t acked = 0, tried = 0;
      std::vector<int64_t> lost;
      for (const auto& [key, wd] : m.withdrawals)
        if (wd.owner == w && (wd.acked || !m.refused.count(key))) {
          tried += wd.amount;
          if (wd.acked)
            acked += wd.amount;
          else
            lost.push_back(wd.amount);
        }
      if (d->withdrawn.cents < acked || d->withdrawn.cents > tried || !subset_sum(lost, d->withdrawn.cents - acked))
        bad.add("a worker's withdrawals are not its acknowledged ones plus some of the unanswered",
                w + ": withdrawn " + std::to_string(d->withdrawn.cents) + "; acknowledged " + std::to_string(acked) +
                  ", sent " + std::to_string(tried));
    }
    auto money_check = [&](const char* what, money got, money want) {
      if (got != want)
        bad.add(what, std::to_string(got.cents) + " vs " + std::to_string(want.cents));
    };
    money_check("the requesters' available balances differ from the ledger's", available_sum, audit->requesters_available);
    money_check("the requesters' on_hold differs from the ledger's", held_sum, audit->requesters_held);
    money_check("the workers' dashboard balances differ from the ledger's", dashboard_balances, audit->workers);
    money_check("the platform's account differs from the fees of approvals and bonuses", audit->platform,
                b.reward_fees + b.bonus_fees);
    money_check("workers' balances + withdrawals differ from approved rewards + bonuses (paid twice, or not at all)",
                audit->workers + withdrawn_sum, b.approved_rewards + b.bonuses);
    money_check("the external account is not minus (deposits - withdrawals)", audit->external,
                money{} - (deposited_sum - withdrawn_sum));

    // ---- each deadline fired once ----------------------------------------------------------------
    {
      std::lock_guard<std::mutex> g{events_.m};
      auto status_of = [&](const std::string& id) -> const assignment_view* {
        auto ref = parse_assignment_id(id);
        return ref ? find_assignment(format_id(id_kind::hit, ref->hit), id) : nullptr;
      };
      auto once = [&](const char* what, const std::map<std::string, int>& in_log, const std::map<std::string, int>& here,
                      std::optional<s_t> final_status) {
        std::map<std::string, int> all = in_log;
        for (const auto& [id, n] : here)
          all[id] += n;
        for (const auto& [id, n] : all) {
          if (n > 1)
            bad.add(std::string{"an assignment was published "} + what + " more than once",
                    id + ": " + std::to_string(n) + " times (" + std::to_string(here.count(id) ? here.at(id) : 0) +
                      " after a restart)");
          const auto* v = status_of(id);
          if (final_status && (!v || v->status != *final_status))
            bad.add(std::string{"an assignment published "} + what + " is not",
                    id + " is " + (v ? books::status_name(v->status) : "missing"));
        }
      };
      once("abandoned", m.abandoned_events, events_.abandoned, s_t::abandoned);
      once("approved", m.approved_events, events_.approved, s_t::approved);
      once("returned", m.returned_events, events_.returned, s_t::returned);
      std::map<std::string, int> expired = m.expired_events;
      for (const auto& [id, n] : events_.expired)
        expired[id] += n;
      for (const auto& [id, n] : expired)
        if (n > 1 && !m.extend_tried.count(id))
          bad.add("a HIT never extended was published expired more than once", id + ": " + std::to_string(n) + " times");
    }

    bad.report(label);
    const auto fired = events_.fired - fired_before;
    std::cout << "[ round " << k << " ] " << m.runs << " runs, " << m.lines << " log lines: " << m.acks
              << " acknowledged commands, " << m.attempts << " attempts, " << m.events << " deadline events; " << b.hits_seen
              << " HITs, " << b.assignments_seen << " assignments; " << fired << " deadlines fired at the restart; "
              << "deposits " << deposited_sum.cents << ", requesters " << (available_sum + held_sum).cents << " (held "
              << held_sum.cents << "), workers " << audit->workers.cents << ", withdrawn " << withdrawn_sum.cents
              << ", platform " << audit->platform.cents << " (cents); checked in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0).count() << " ms"
              << (bad.empty() ? "" : " -- FAILED") << std::endl;
    eng.reset();
    if (auto s = store->close(); !s.ok())
      ADD_FAILURE() << label << ": closing the store: " << s.err().message;
  }

  uint64_t seed_;
  std::mt19937_64 rng_;
  std::string dir_, data_, log_, stderr_;
  timestamp clock_ = base_time;
  int kills_ = 0;
  int64_t acks_ = 0;
  restart_events events_;
};

TEST(Crash, KilledAtRandomMomentsTheEngineComesBackWithEveryAcknowledgedCommand) {
  const auto started = steady::now();
  const uint64_t seed = seed_from_env();
  std::cout << "[ seed  ] HITD_SEED=" << seed << std::endl;
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  temp_dir dir;
  ASSERT_FALSE(dir.path.empty()) << "mkdtemp failed";
  crash_run run(seed, dir.path);
  for (int k = 1; k <= rounds; ++k) {
    if (!run.round(k) || ::testing::Test::HasFatalFailure())
      break;
  }
  EXPECT_GE(run.kills(), 5) << "fewer than 5 kills";
  EXPECT_GE(run.acks(), 200) << "the workload acknowledged too little to test anything";
  std::cout << "[ time  ] " << std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count()
            << " ms (seed " << seed << ")" << std::endl;
}

} // namespace
