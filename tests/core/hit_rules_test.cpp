// The HIT and assignment state machines (hitd/hit_rules.hpp) as plain
// functions: every transition's success, every error it returns, the events
// it emits and the money it moves.
//
// Every transition in these tests goes through hit_book, which checks the
// money invariant after each step:
//   * h.held == required_hold(h, fees), and
//   * publish_hold + everything held later == held + released + paid out
//     (reward + fee of every approval paid from the hold),
// and that no HIT ever has more taken assignments than its maximum.

#include "hitd/hit_rules.hpp"

#include <gtest/gtest.h>

#include <map>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hitd/ids.hpp"
#include "hitd/limits.hpp"

namespace hitd {
namespace {

constexpr timestamp t0 = 1'767'225'600'000;   // 2026-01-01T00:00:00Z
constexpr int64_t lifetime_s = 3'600;          // the HIT lives an hour
constexpr int64_t duration_s = 600;            // an assignment has ten minutes
constexpr int64_t auto_s = 86'400;             // auto-approval after a day
constexpr timestamp expiry = t0 + seconds(lifetime_s);
const std::string requester = "AR0000000000001";
const std::string other_requester = "AR0000000000002";
constexpr std::string_view custom_q = "Q0000000000001";

timestamp at(int64_t s) { return t0 + seconds(s); }

std::shared_ptr<const hit_definition> make_definition(money reward = cents(100),
                                                      int64_t assignment_s = duration_s,
                                                      int64_t auto_approval_s = auto_s,
                                                      std::vector<qualification_requirement> reqs = {}) {
  auto d = std::make_shared<hit_definition>();
  d->number = 42;
  d->requester_id = requester;
  d->hit_type_id = "T0000000000001";
  hit_properties props;
  props.title = "Label the picture";
  props.description = "One label";
  props.keywords = "image";
  props.reward = reward;
  props.assignment_duration_s = assignment_s;
  props.auto_approval_delay_s = auto_approval_s;
  props.requirements = std::move(reqs);
  d->properties = std::make_shared<const hit_properties>(std::move(props));
  d->question = "<q/>";
  d->requester_annotation = "batch 7";
  d->creation_time = t0;
  return d;
}

worker_credentials worker(std::string id) {
  worker_credentials w;
  w.worker_id = std::move(id);
  return w;
}

int64_t taken_count(const hit_state& h) {
  int64_t n = 0;
  for (const auto& a : h.assignments)
    if (a.status != assignment_status::returned && a.status != assignment_status::abandoned)
      ++n;
  return n;
}

std::vector<event_type> types_of(const hit_effects& fx) {
  std::vector<event_type> out;
  for (const auto& c : fx.changes)
    out.push_back(c.type);
  return out;
}

std::optional<hit_effects::change> find_change(const hit_effects& fx, event_type t) {
  for (const auto& c : fx.changes)
    if (c.type == t)
      return c;
  return std::nullopt;
}

bool has_change(const hit_effects& fx, event_type t) { return find_change(fx, t).has_value(); }

bool has_deadline(const hit_state& h, timestamp due, uint32_t ordinal, deadline_kind kind) {
  auto it = h.deadlines.find({due, ordinal});
  return it != h.deadlines.end() && it->second == kind;
}

// A HIT and its money, run like the HIT actor runs it: each transition gets a
// fresh hit_effects, the holds the actor would take first are added to
// `extra`, and the invariant is checked after every step.
class hit_book {
public:
  explicit hit_book(int64_t max_assignments, std::shared_ptr<const hit_definition> def = make_definition(),
                    int64_t lifetime = lifetime_s, fee_schedule f = {})
      : fees(f) {
    auto hold = publish_hold(fees, def->properties->reward, max_assignments);
    EXPECT_TRUE(hold.has_value());
    initial = hold.value_or(money{});
    fx = {};
    h = make_hit(std::move(def), max_assignments, t0, lifetime, initial, fx);
    absorb("make_hit");
  }

  result<uint32_t> accept(const worker_credentials& w, timestamp now) {
    fx = {};
    auto r = hitd::accept(h, w, now, fees, fx);
    absorb("accept");
    return r;
  }

  status submit(uint32_t ordinal, std::string_view worker_id, timestamp now, std::string_view token = {},
                std::string answer = "<a/>") {
    fx = {};
    auto r = hitd::submit(h, ordinal, worker_id, std::move(answer), token, now, fees, fx);
    absorb("submit");
    return r;
  }

  status give_back(uint32_t ordinal, std::string_view worker_id, timestamp now) {
    fx = {};
    auto r = hitd::return_assignment(h, ordinal, worker_id, now, fees, fx);
    absorb("return");
    return r;
  }

  void advance(timestamp now) {
    fx = {};
    advance_to(h, now, fees, fx);
    absorb("advance_to");
  }

  // As the actor does: advance, plan, (charge the balance,) approve.
  result<approval_plan> approve(uint32_t ordinal, timestamp now, bool override_rejection = false,
                                std::string feedback = {}) {
    fx = {};
    advance_to(h, now, fees, fx);
    auto plan = plan_approval(h, ordinal, override_rejection, now);
    if (plan.ok()) {
      if (plan->charge)
        charged += plan->reward + plan->fee;
      hitd::approve(h, ordinal, std::move(feedback), now, fees, fx);
    }
    absorb("approve");
    return plan;
  }

  status reject(uint32_t ordinal, std::string feedback, timestamp now) {
    fx = {};
    auto r = hitd::reject(h, ordinal, std::move(feedback), now, fees, fx);
    absorb("reject");
    return r;
  }

  // As the actor does: advance, compute the extra hold, hold it, update.
  status update_expiration(timestamp new_expiration, timestamp now) {
    fx = {};
    advance_to(h, now, fees, fx);
    money x;
    if (!h.disposed)
      x = extension_hold(h, new_expiration, now, fees);
    auto r = hitd::update_expiration(h, new_expiration, now, x, fees, fx);
    if (r.ok())
      extra += x;
    absorb("update_expiration");
    return r;
  }

  result<money> add(int64_t n, timestamp now) {
    fx = {};
    auto plan = plan_additional_assignments(h, n, fees);
    if (plan.ok()) {
      extra += *plan;
      add_assignments(h, n, *plan, now, fees, fx);
    }
    absorb("add_assignments");
    return plan;
  }

  status review(bool revert, timestamp now) {
    fx = {};
    advance_to(h, now, fees, fx);
    auto r = update_review_status(h, revert, fx);
    absorb("update_review_status");
    return r;
  }

  status dispose(timestamp now) {
    fx = {};
    auto r = hitd::dispose(h, now, fees, fx);
    absorb("dispose");
    return r;
  }

  // As the actor does: a positive retype_hold is held first, a negative one
  // is released by retype itself.
  money retype(std::shared_ptr<const hit_definition> def, timestamp now) {
    fx = {};
    auto x = retype_hold(h, *def->properties, fees);
    money held = x.cents > 0 ? x : money{};
    extra += held;
    hitd::retype(h, std::move(def), held, now, fees, fx);
    absorb("retype");
    return x;
  }

  // The money invariant, checked after every transition.
  void check(const char* step) const {
    EXPECT_EQ(h.held.cents, required_hold(h, fees).cents) << "held != required_hold after " << step;
    EXPECT_EQ((initial + extra).cents, (h.held + released + paid).cents)
        << "publish_hold + extra held != held + released + paid after " << step;
    EXPECT_GE(h.held.cents, 0) << step;
    EXPECT_LE(taken_count(h), h.max_assignments) << "more taken than max after " << step;
    EXPECT_EQ(h.accepted_n + h.submitted_n + h.approved_n + h.rejected_n, taken_count(h)) << step;
    // The incremental live-cost counts against a recount from the assignments.
    std::map<int64_t, int64_t> live;
    for (const auto& a : h.assignments)
      if (a.status == assignment_status::accepted || a.status == assignment_status::submitted)
        ++live[(a.reward + a.fee).cents];
    EXPECT_EQ(live, h.live_costs) << "live_costs drifted after " << step;
  }

  fee_schedule fees;
  hit_state h;
  hit_effects fx;        // what the last transition asked of the world
  money initial;         // publish_hold
  money extra;           // held later: extensions, more assignments, retypes
  money released;        // back to the requester's balance
  money paid;            // reward + fee paid out of the hold
  money charged;         // overridden rejections, charged to the balance

private:
  void absorb(const char* step) {
    for (const auto& p : fx.payments) {
      EXPECT_EQ(p.fee.cents, reward_fee(fees, p.reward, h.max_assignments).cents) << step;
      paid += p.reward + p.fee;
    }
    EXPECT_GE(fx.released.cents, 0) << step;
    released += fx.released;
    check(step);
  }
};

// ---- fees ---------------------------------------------------------------------------

TEST(HitRules, SlotCostIsRewardPlusTwentyPercentBelowTenAssignments) {
  fee_schedule f;
  EXPECT_EQ(slot_cost(f, cents(100), 1).cents, 120);
  EXPECT_EQ(slot_cost(f, cents(100), 9).cents, 120);
  EXPECT_EQ(slot_cost(f, cents(1234), 9).cents, 1234 + 247);   // 246.8 rounds up
  EXPECT_EQ(slot_cost(f, cents(13), 1).cents, 13 + 3);          // 2.6 rounds up
  EXPECT_EQ(slot_cost(f, cents(11), 1).cents, 11 + 2);          // 2.2 rounds down
}

TEST(HitRules, SlotCostAddsTwentyPercentMoreAtTenAssignments) {
  fee_schedule f;
  EXPECT_EQ(slot_cost(f, cents(100), 10).cents, 140);
  EXPECT_EQ(slot_cost(f, cents(100), 1'000).cents, 140);
  EXPECT_EQ(slot_cost(f, cents(12), 10).cents, 12 + 5);         // 4.8 rounds up
  EXPECT_EQ(slot_cost(f, cents(11), 10).cents, 11 + 4);         // 4.4 rounds down
}

TEST(HitRules, SlotFeeIsAtLeastOneCentAndZeroForAFreeHit) {
  fee_schedule f;
  EXPECT_EQ(slot_cost(f, cents(1), 1).cents, 2);
  EXPECT_EQ(slot_cost(f, cents(2), 1).cents, 3);    // 0.4 -> 0 -> minimum 1
  EXPECT_EQ(slot_cost(f, cents(1), 10).cents, 2);   // 0.4 -> 0 -> minimum 1
  EXPECT_EQ(slot_cost(f, cents(0), 5).cents, 0);
}

TEST(HitRules, SlotFeeRoundsHalfUp) {
  fee_schedule f;
  f.base_bp = 2500;   // 25%: 10 cents -> 2.5 cents
  EXPECT_EQ(slot_cost(f, cents(10), 1).cents, 13);
  f.minimum = cents(5);
  EXPECT_EQ(slot_cost(f, cents(10), 1).cents, 15);
}

TEST(HitRules, PublishHoldIsMaxAssignmentsTimesSlotCost) {
  fee_schedule f;
  EXPECT_EQ(publish_hold(f, cents(100), 1), cents(120));
  EXPECT_EQ(publish_hold(f, cents(100), 9), cents(9 * 120));
  EXPECT_EQ(publish_hold(f, cents(100), 10), cents(10 * 140));
  EXPECT_EQ(publish_hold(f, cents(5), 3), cents(3 * 6));
  EXPECT_EQ(publish_hold(f, cents(0), 100), cents(0));
}

TEST(HitRules, PublishHoldOverflowIsNullopt) {
  fee_schedule f;
  EXPECT_EQ(publish_hold(f, money{amount_cents_max}, limits::max_assignments_max), std::nullopt);
  EXPECT_TRUE(publish_hold(f, money{amount_cents_max}, 1).has_value());
}

// ---- creation ----------------------------------------------------------------------

TEST(HitRules, MakeHitHoldsPublishHoldAndAnnouncesTheHit) {
  hit_book b(3);
  EXPECT_EQ(b.h.held.cents, 360);
  EXPECT_EQ(b.h.expiration, expiry);
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  EXPECT_EQ(available_of(b.h), 3);
  EXPECT_EQ(open_slots(b.h), 3);
  EXPECT_EQ(pending_of(b.h), 0);
  EXPECT_TRUE(assignable(b.h));
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::hit_created, event_type::hit_available}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_available)->available, 3);
  EXPECT_FALSE(find_change(b.fx, event_type::hit_available)->has_assignment);
  EXPECT_TRUE(b.fx.hit_changed);
  ASSERT_TRUE(next_deadline(b.h).has_value());
  EXPECT_EQ(*next_deadline(b.h), expiry);
  EXPECT_TRUE(has_deadline(b.h, expiry, UINT32_MAX, deadline_kind::expiry));
  EXPECT_EQ(b.h.deadlines.size(), 1u);
}

TEST(HitRules, RequiredHoldCountsOpenSlotsOnlyWhileUnexpired) {
  hit_book b(3);
  ASSERT_TRUE(b.accept(worker("AW1"), expiry - 1).ok());
  EXPECT_EQ(required_hold(b.h, b.fees).cents, 360);
  b.advance(expiry);
  // Only the assignment in progress is still needed.
  EXPECT_EQ(required_hold(b.h, b.fees).cents, 120);
  EXPECT_EQ(b.fx.released.cents, 240);
}

// ---- accept ------------------------------------------------------------------------

TEST(HitRules, AcceptTakesASlotAndFixesRewardFeeAndDeadline) {
  hit_book b(3);
  auto r = b.accept(worker("AW1"), at(10));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0u);
  const auto& a = b.h.assignments.at(0);
  EXPECT_EQ(a.worker_id, "AW1");
  EXPECT_EQ(a.status, assignment_status::accepted);
  EXPECT_EQ(a.accept_time, at(10));
  EXPECT_EQ(a.deadline, at(10 + duration_s));
  EXPECT_EQ(a.reward.cents, 100);
  EXPECT_EQ(a.fee.cents, 20);
  EXPECT_EQ(a.submit_time, 0);
  EXPECT_EQ(b.h.by_worker.at("AW1"), 0u);
  EXPECT_EQ(pending_of(b.h), 1);
  EXPECT_EQ(available_of(b.h), 2);
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  EXPECT_TRUE(has_deadline(b.h, at(10 + duration_s), 0, deadline_kind::abandonment));
  // The hold does not move: the slot's money now covers the assignment.
  EXPECT_EQ(b.h.held.cents, 360);
  EXPECT_EQ(b.fx.released.cents, 0);
  EXPECT_TRUE(b.fx.payments.empty());
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::assignment_accepted, event_type::hit_updated}));
  EXPECT_TRUE(b.fx.changes[0].has_assignment);
  EXPECT_EQ(b.fx.changes[0].ordinal, 0u);
  EXPECT_EQ(b.fx.changes[1].available, 2);
  EXPECT_EQ(b.fx.touched, std::vector<uint32_t>{0});
  // The abandonment deadline is now the earliest: the actor must wake for it.
  ASSERT_TRUE(next_deadline(b.h).has_value());
  EXPECT_EQ(*next_deadline(b.h), at(10 + duration_s));
}

TEST(HitRules, AcceptTakesTheLargeHitFeeAtTenAssignments) {
  hit_book b(10);
  EXPECT_EQ(b.h.held.cents, 1'400);
  auto r = b.accept(worker("AW1"), at(1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(b.h.assignments[*r].fee.cents, 40);
}

TEST(HitRules, AcceptingTheLastSlotMakesTheHitUnavailableAllTaken) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::unassignable);
  EXPECT_EQ(available_of(b.h), 0);
  EXPECT_FALSE(assignable(b.h));
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::assignment_accepted, event_type::hit_unavailable}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_unavailable)->reason, unavailable_reason::all_taken);
  EXPECT_TRUE(b.fx.hit_changed);
}

TEST(HitRules, WorkerCannotAcceptTheSameHitTwice) {
  hit_book b(3);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  auto again = b.accept(worker("AW1"), at(2));
  EXPECT_EQ(again.code(), errc::assignment_already_exists);
  EXPECT_TRUE(b.fx.changes.empty());
  EXPECT_EQ(b.h.assignments.size(), 1u);
  EXPECT_EQ(available_of(b.h), 2);
  // Nor after submitting, nor after being approved or rejected.
  ASSERT_TRUE(b.submit(0, "AW1", at(3)).ok());
  EXPECT_EQ(b.accept(worker("AW1"), at(4)).code(), errc::assignment_already_exists);
  ASSERT_TRUE(b.reject(0, "no", at(5)).ok());
  EXPECT_EQ(b.accept(worker("AW1"), at(6)).code(), errc::assignment_already_exists);
  ASSERT_TRUE(b.approve(0, at(7), true).ok());
  EXPECT_EQ(b.accept(worker("AW1"), at(8)).code(), errc::assignment_already_exists);
  EXPECT_EQ(b.h.assignments.size(), 1u);
}

TEST(HitRules, WorkerMayAcceptAgainAfterReturning) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.give_back(0, "AW1", at(2)).ok());
  auto again = b.accept(worker("AW1"), at(3));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 1u);
  EXPECT_EQ(b.h.by_worker.at("AW1"), 1u);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::returned);
  EXPECT_EQ(b.h.assignments[1].status, assignment_status::accepted);
  // The new assignment is the one that counts: it cannot be doubled.
  EXPECT_EQ(b.accept(worker("AW1"), at(4)).code(), errc::assignment_already_exists);
}

TEST(HitRules, WorkerMayAcceptAgainAfterAbandoning) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  b.advance(at(1 + duration_s));
  ASSERT_EQ(b.h.assignments[0].status, assignment_status::abandoned);
  auto again = b.accept(worker("AW1"), at(1 + duration_s + 1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 1u);
}

TEST(HitRules, AcceptRefusesABlockedWorker) {
  hit_book b(2);
  auto w = worker("AW1");
  w.blocked_by.insert(requester);
  auto r = b.accept(w, at(1));
  EXPECT_EQ(r.code(), errc::worker_blocked);
  EXPECT_TRUE(b.h.assignments.empty());
  EXPECT_TRUE(b.fx.changes.empty());
  // A block by someone else does not matter.
  auto w2 = worker("AW2");
  w2.blocked_by.insert(other_requester);
  EXPECT_TRUE(b.accept(w2, at(2)).ok());
}

TEST(HitRules, AcceptRefusesAWorkerWhoDoesNotMeetTheRequirements) {
  qualification_requirement req;
  req.qualification_type_id = std::string(custom_q);
  req.cmp = comparator::greater_than_or_equal_to;
  req.integer_values = {80};
  hit_book b(2, make_definition(cents(100), duration_s, auto_s, {req}));
  auto low = worker("AW1");
  low.values[std::string(custom_q)] = qualification_value{79, std::nullopt};
  EXPECT_EQ(b.accept(low, at(1)).code(), errc::does_not_meet_requirements);
  EXPECT_EQ(b.accept(worker("AW2"), at(1)).code(), errc::does_not_meet_requirements);
  EXPECT_TRUE(b.h.assignments.empty());
  auto high = worker("AW3");
  high.values[std::string(custom_q)] = qualification_value{80, std::nullopt};
  EXPECT_TRUE(b.accept(high, at(2)).ok());
}

TEST(HitRules, AcceptRefusesAFullHit) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  auto r = b.accept(worker("AW2"), at(2));
  EXPECT_EQ(r.code(), errc::invalid_hit_state);
  EXPECT_EQ(b.h.assignments.size(), 1u);
}

TEST(HitRules, AcceptRefusesAnExpiredHitObservingTheExpiryFirst) {
  hit_book b(2);
  // No one ran advance_to: accept itself must see the lifetime is over.
  auto r = b.accept(worker("AW1"), expiry);
  EXPECT_EQ(r.code(), errc::invalid_hit_state);
  EXPECT_TRUE(b.h.expired);
  EXPECT_TRUE(b.h.assignments.empty());
  EXPECT_TRUE(has_change(b.fx, event_type::hit_expired));
  EXPECT_EQ(b.fx.released.cents, 240);
}

TEST(HitRules, AcceptRefusesADisposedHit) {
  hit_book b(1);
  b.advance(expiry);
  ASSERT_TRUE(b.dispose(expiry + 1).ok());
  EXPECT_EQ(b.accept(worker("AW1"), expiry + 2).code(), errc::invalid_hit_state);
}

TEST(HitRules, AHitNeverHasMoreTakenAssignmentsThanMax) {
  hit_book b(3);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = b.accept(worker("AW" + std::to_string(i)), at(i + 1));
    (r.ok() ? accepted : refused)++;
    EXPECT_LE(taken_count(b.h), 3);
  }
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(refused, 7);
  // A returned slot is taken once more, and only once.
  ASSERT_TRUE(b.give_back(1, "AW1", at(20)).ok());
  EXPECT_TRUE(b.accept(worker("AX1"), at(21)).ok());
  EXPECT_EQ(b.accept(worker("AX2"), at(22)).code(), errc::invalid_hit_state);
  EXPECT_EQ(taken_count(b.h), 3);
  EXPECT_EQ(open_slots(b.h), 0);
}

TEST(HitRules, ActionsForFollowRequirementsAndBlocks) {
  qualification_requirement req;
  req.qualification_type_id = std::string(custom_q);
  req.cmp = comparator::exists;
  req.guards = guarded_action::preview_and_accept;
  hit_book b(1, make_definition(cents(100), duration_s, auto_s, {req}));
  auto a = actions_for(b.h, worker("AW1"));
  EXPECT_TRUE(a.discover);
  EXPECT_FALSE(a.preview);
  EXPECT_FALSE(a.accept);
  auto q = worker("AW2");
  q.values[std::string(custom_q)] = qualification_value{1, std::nullopt};
  a = actions_for(b.h, q);
  EXPECT_TRUE(a.discover && a.preview && a.accept);
  q.blocked_by.insert(requester);
  a = actions_for(b.h, q);
  EXPECT_FALSE(a.discover || a.preview || a.accept);
}

// ---- return and abandon ---------------------------------------------------------------

TEST(HitRules, ReturnedSlotComesBackOnlyWhileUnexpired) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_EQ(available_of(b.h), 0);
  ASSERT_TRUE(b.give_back(0, "AW1", at(2)).ok());
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::returned);
  EXPECT_EQ(b.h.assignments[0].end_time, at(2));
  EXPECT_EQ(available_of(b.h), 1);
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::assignment_returned, event_type::hit_available}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_available)->available, 1);
  EXPECT_EQ(b.fx.released.cents, 0);   // the slot needs the money again
  EXPECT_FALSE(has_deadline(b.h, at(1 + duration_s), 0, deadline_kind::abandonment));

  // Taken again, then returned after the HIT expired: the slot stays closed.
  ASSERT_TRUE(b.accept(worker("AW2"), expiry - 1).ok());
  b.advance(expiry);
  EXPECT_EQ(status_of(b.h), hit_status::unassignable);
  ASSERT_TRUE(b.give_back(1, "AW2", expiry + 1).ok());
  EXPECT_EQ(available_of(b.h), 0);
  EXPECT_EQ(open_slots(b.h), 1);
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
  EXPECT_FALSE(has_change(b.fx, event_type::hit_available));
  EXPECT_TRUE(has_change(b.fx, event_type::hit_reviewable));
  EXPECT_EQ(b.fx.released.cents, 120);
  EXPECT_EQ(b.h.held.cents, 0);
}

TEST(HitRules, AbandonedSlotComesBackOnlyWhileUnexpired) {
  constexpr int64_t long_s = 3'000;   // deadlines straddle the HIT's expiry
  hit_book b(2, make_definition(cents(100), long_s));
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.accept(worker("AW2"), at(2'000)).ok());
  ASSERT_EQ(status_of(b.h), hit_status::unassignable);
  b.advance(at(1 + long_s) - 1);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::accepted);
  EXPECT_TRUE(b.fx.changes.empty());
  // AW1's deadline passes while the HIT lives: the slot comes back.
  b.advance(at(1 + long_s));
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::abandoned);
  EXPECT_EQ(b.h.assignments[0].end_time, at(1 + long_s));
  EXPECT_EQ(available_of(b.h), 1);
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::assignment_abandoned, event_type::hit_available}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_available)->available, 1);
  EXPECT_EQ(b.fx.touched, std::vector<uint32_t>{0});
  EXPECT_EQ(b.fx.released.cents, 0);
  // AW2's deadline passes after the HIT expired: no slot comes back and the
  // money goes home.
  b.advance(expiry);
  ASSERT_EQ(status_of(b.h), hit_status::unassignable);
  b.advance(at(2'000 + long_s));
  EXPECT_EQ(b.h.assignments[1].status, assignment_status::abandoned);
  EXPECT_EQ(available_of(b.h), 0);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::assignment_abandoned, event_type::hit_reviewable}));
  EXPECT_EQ(b.fx.released.cents, 120);
  EXPECT_EQ(b.h.held.cents, 0);
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
}

TEST(HitRules, ReturnErrors) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  EXPECT_EQ(b.give_back(0, "AW2", at(2)).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(b.give_back(7, "AW1", at(2)).code(), errc::assignment_does_not_exist);
  ASSERT_TRUE(b.submit(0, "AW1", at(3)).ok());
  EXPECT_EQ(b.give_back(0, "AW1", at(4)).code(), errc::invalid_assignment_state);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::submitted);
  ASSERT_TRUE(b.accept(worker("AW2"), at(5)).ok());
  ASSERT_TRUE(b.give_back(1, "AW2", at(6)).ok());
  EXPECT_EQ(b.give_back(1, "AW2", at(7)).code(), errc::invalid_assignment_state);
  EXPECT_TRUE(b.fx.changes.empty());
}

// ---- submit ------------------------------------------------------------------------

TEST(HitRules, SubmitRecordsTheAnswerAndArmsAutoApproval) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(60), "tok-1", "<answer/>").ok());
  const auto& a = b.h.assignments[0];
  EXPECT_EQ(a.status, assignment_status::submitted);
  EXPECT_EQ(a.submit_time, at(60));
  EXPECT_EQ(a.auto_approval_time, at(60 + auto_s));
  EXPECT_EQ(a.answer, "<answer/>");
  EXPECT_EQ(a.submit_token, "tok-1");
  EXPECT_FALSE(has_deadline(b.h, a.deadline, 0, deadline_kind::abandonment));
  EXPECT_TRUE(has_deadline(b.h, at(60 + auto_s), 0, deadline_kind::auto_approval));
  EXPECT_EQ(types_of(b.fx), std::vector{event_type::assignment_submitted});
  EXPECT_EQ(pending_of(b.h), 0);
  EXPECT_EQ(b.h.submitted_n, 1);
  // Still awaiting review: the hold keeps the reward and fee.
  EXPECT_EQ(b.h.held.cents, 240);
  EXPECT_TRUE(b.fx.payments.empty());
}

TEST(HitRules, SubmittingTheLastWorkMakesTheHitReviewable) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::assignment_submitted, event_type::hit_reviewable}));
  EXPECT_TRUE(b.fx.hit_changed);
}

TEST(HitRules, WorkAcceptedBeforeExpiryCanBeSubmittedAfterIt) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), expiry - seconds(60)).ok());
  // Submitted after the HIT's lifetime but before the assignment's deadline.
  auto r = b.submit(0, "AW1", expiry + seconds(60));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::submitted);
  EXPECT_TRUE(b.h.expired);
  // The same call observed the expiry first.
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::hit_expired, event_type::hit_unavailable,
                                         event_type::assignment_submitted, event_type::hit_reviewable}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_unavailable)->reason, unavailable_reason::lifetime_over);
  EXPECT_EQ(b.fx.released.cents, 120);   // the open slot
  EXPECT_EQ(b.h.held.cents, 120);        // the submitted work
}

TEST(HitRules, WorkCannotBeSubmittedAfterItsOwnDeadline) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), expiry - seconds(60)).ok());
  auto r = b.submit(0, "AW1", expiry - seconds(60) + seconds(duration_s));
  EXPECT_EQ(r.code(), errc::invalid_assignment_state);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::abandoned);
  EXPECT_TRUE(has_change(b.fx, event_type::assignment_abandoned));
  EXPECT_FALSE(has_change(b.fx, event_type::assignment_submitted));
  EXPECT_EQ(b.h.held.cents, 0);
  // And it stays refused.
  EXPECT_EQ(b.submit(0, "AW1", expiry + seconds(duration_s)).code(), errc::invalid_assignment_state);
}

TEST(HitRules, SubmitJustBeforeTheDeadlineSucceeds) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  EXPECT_TRUE(b.submit(0, "AW1", at(1 + duration_s) - 1).ok());
}

TEST(HitRules, ARetriedSubmitWithTheSameTokenIsAcceptedOnce) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2), "tok", "first").ok());
  auto again = b.submit(0, "AW1", at(3), "tok", "second");
  EXPECT_TRUE(again.ok());
  EXPECT_TRUE(b.fx.empty());
  EXPECT_EQ(b.h.assignments[0].answer, "first");
  EXPECT_EQ(b.h.assignments[0].submit_time, at(2));
  EXPECT_EQ(b.submit(0, "AW1", at(4), "other").code(), errc::invalid_assignment_state);
  EXPECT_EQ(b.submit(0, "AW1", at(4)).code(), errc::invalid_assignment_state);
}

TEST(HitRules, SubmitErrors) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  EXPECT_EQ(b.submit(0, "AW2", at(2)).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(b.submit(3, "AW1", at(2)).code(), errc::assignment_does_not_exist);
  ASSERT_TRUE(b.give_back(0, "AW1", at(3)).ok());
  EXPECT_EQ(b.submit(0, "AW1", at(4)).code(), errc::invalid_assignment_state);
  EXPECT_TRUE(b.fx.changes.empty());
}

// ---- approval, auto-approval, rejection ---------------------------------------------

TEST(HitRules, ApprovePaysRewardAndFeeFromTheHold) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  auto plan = plan_approval(b.h, 0, false, at(3));
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->charge);
  EXPECT_EQ(plan->reward.cents, 100);
  EXPECT_EQ(plan->fee.cents, 20);
  ASSERT_TRUE(b.approve(0, at(3), false, "great").ok());
  const auto& a = b.h.assignments[0];
  EXPECT_EQ(a.status, assignment_status::approved);
  EXPECT_EQ(a.approval_time, at(3));
  EXPECT_EQ(a.requester_feedback, "great");
  ASSERT_EQ(b.fx.payments.size(), 1u);
  EXPECT_EQ(b.fx.payments[0].worker_id, "AW1");
  EXPECT_EQ(b.fx.payments[0].ordinal, 0u);
  EXPECT_EQ(b.fx.payments[0].reward.cents, 100);
  EXPECT_EQ(b.fx.payments[0].fee.cents, 20);
  EXPECT_EQ(types_of(b.fx), std::vector{event_type::assignment_approved});
  EXPECT_EQ(b.h.held.cents, 120);   // the open slot
  EXPECT_FALSE(has_deadline(b.h, at(2 + auto_s), 0, deadline_kind::auto_approval));
  EXPECT_EQ(b.h.approved_n, 1);
}

TEST(HitRules, ApprovingAnApprovedAssignmentIsInvalidAssignmentState) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_TRUE(b.approve(0, at(3)).ok());
  EXPECT_EQ(b.approve(0, at(4)).code(), errc::invalid_assignment_state);
  EXPECT_EQ(b.approve(0, at(4), true).code(), errc::invalid_assignment_state);
  EXPECT_TRUE(b.fx.payments.empty());
  EXPECT_EQ(b.paid.cents, 120);
}

TEST(HitRules, PlanApprovalErrors) {
  hit_book b(3);
  EXPECT_EQ(plan_approval(b.h, 0, false, at(1)).code(), errc::assignment_does_not_exist);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  EXPECT_EQ(plan_approval(b.h, 0, false, at(2)).code(), errc::assignment_does_not_exist);   // accepted
  ASSERT_TRUE(b.give_back(0, "AW1", at(2)).ok());
  EXPECT_EQ(plan_approval(b.h, 0, false, at(3)).code(), errc::assignment_does_not_exist);   // returned
  ASSERT_TRUE(b.accept(worker("AW2"), at(3)).ok());
  ASSERT_TRUE(b.submit(1, "AW2", at(4)).ok());
  ASSERT_TRUE(b.reject(1, "wrong", at(5)).ok());
  EXPECT_EQ(plan_approval(b.h, 1, false, at(6)).code(), errc::invalid_assignment_state);
  EXPECT_TRUE(plan_approval(b.h, 1, true, at(6)).ok());
}

TEST(HitRules, AutoApprovalHappensAtSubmitTimePlusDelay) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  EXPECT_TRUE(has_deadline(b.h, at(2 + auto_s), 0, deadline_kind::auto_approval));
  b.advance(at(2 + auto_s) - 1);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::submitted);
  EXPECT_TRUE(b.fx.payments.empty());
  EXPECT_FALSE(has_change(b.fx, event_type::assignment_approved));
  b.advance(at(2 + auto_s));
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::approved);
  EXPECT_EQ(b.h.assignments[0].approval_time, at(2 + auto_s));
  ASSERT_EQ(b.fx.payments.size(), 1u);
  EXPECT_EQ(b.fx.payments[0].reward.cents, 100);
  EXPECT_EQ(b.fx.payments[0].fee.cents, 20);
  EXPECT_EQ(types_of(b.fx), std::vector{event_type::assignment_approved});
  EXPECT_EQ(b.h.held.cents, 0);
}

TEST(HitRules, AutoApprovalAppliesWhenObservedLate) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  // A reject that arrives after the auto-approval time finds it approved.
  EXPECT_EQ(b.reject(0, "late", at(2 + auto_s) + 5).code(), errc::invalid_assignment_state);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::approved);
  EXPECT_EQ(b.h.assignments[0].approval_time, at(2 + auto_s));
  EXPECT_EQ(b.fx.payments.size(), 1u);
}

TEST(HitRules, ZeroAutoApprovalDelayApprovesOnSubmit) {
  hit_book b(2, make_definition(cents(100), duration_s, 0));
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::approved);
  EXPECT_EQ(b.h.assignments[0].approval_time, at(2));
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::assignment_submitted, event_type::assignment_approved}));
  ASSERT_EQ(b.fx.payments.size(), 1u);
  EXPECT_EQ(b.h.held.cents, 120);   // the other slot
  // Nothing is left to fire for it.
  for (const auto& kv : b.h.deadlines)
    EXPECT_EQ(kv.second, deadline_kind::expiry);
}

TEST(HitRules, RejectWithoutFeedbackIsRefused) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  EXPECT_EQ(b.reject(0, "", at(3)).code(), errc::missing_parameter);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::submitted);
  EXPECT_TRUE(b.fx.changes.empty());
  EXPECT_EQ(b.h.held.cents, 120);
}

TEST(HitRules, RejectReleasesTheHoldAndCancelsAutoApproval) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_TRUE(b.reject(0, "wrong label", at(3)).ok());
  const auto& a = b.h.assignments[0];
  EXPECT_EQ(a.status, assignment_status::rejected);
  EXPECT_EQ(a.rejection_time, at(3));
  EXPECT_EQ(a.requester_feedback, "wrong label");
  EXPECT_EQ(types_of(b.fx), std::vector{event_type::assignment_rejected});
  EXPECT_EQ(b.fx.released.cents, 120);
  EXPECT_TRUE(b.fx.payments.empty());
  EXPECT_EQ(b.h.rejected_n, 1);
  // A rejected slot stays taken.
  EXPECT_EQ(available_of(b.h), 1);
  b.advance(at(2 + auto_s));
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::rejected);
  EXPECT_TRUE(b.fx.payments.empty());
}

TEST(HitRules, RejectErrors) {
  hit_book b(3);
  EXPECT_EQ(b.reject(0, "x", at(1)).code(), errc::assignment_does_not_exist);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  EXPECT_EQ(b.reject(0, "x", at(2)).code(), errc::assignment_does_not_exist);   // not submitted
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_TRUE(b.approve(0, at(3)).ok());
  EXPECT_EQ(b.reject(0, "x", at(4)).code(), errc::invalid_assignment_state);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::approved);
  ASSERT_TRUE(b.accept(worker("AW2"), at(5)).ok());
  ASSERT_TRUE(b.submit(1, "AW2", at(6)).ok());
  ASSERT_TRUE(b.reject(1, "x", at(7)).ok());
  EXPECT_EQ(b.reject(1, "again", at(8)).code(), errc::invalid_assignment_state);
  EXPECT_EQ(b.h.assignments[1].requester_feedback, "x");
  ASSERT_TRUE(b.accept(worker("AW3"), at(9)).ok());
  ASSERT_TRUE(b.give_back(2, "AW3", at(10)).ok());
  EXPECT_EQ(b.reject(2, "x", at(11)).code(), errc::assignment_does_not_exist);   // returned
}

TEST(HitRules, OverridingARejectionWithin30DaysIsChargedToTheBalance) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_TRUE(b.reject(0, "no", at(3)).ok());
  ASSERT_EQ(b.h.held.cents, 0);
  b.advance(expiry);
  timestamp last_day = at(2) + limits::override_rejection_window_ms;
  auto plan = plan_approval(b.h, 0, true, last_day);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->charge);
  EXPECT_EQ(plan->reward.cents, 100);
  EXPECT_EQ(plan->fee.cents, 20);
  ASSERT_TRUE(b.approve(0, last_day, true, "sorry").ok());
  const auto& a = b.h.assignments[0];
  EXPECT_EQ(a.status, assignment_status::approved);
  EXPECT_EQ(a.approval_time, last_day);
  EXPECT_EQ(a.rejection_time, 0);
  EXPECT_EQ(a.requester_feedback, "sorry");
  EXPECT_EQ(b.h.rejected_n, 0);
  EXPECT_EQ(b.h.approved_n, 1);
  // Paid from the balance, not from the hold.
  EXPECT_TRUE(b.fx.payments.empty());
  EXPECT_EQ(b.charged.cents, 120);
  EXPECT_EQ(types_of(b.fx), std::vector{event_type::assignment_approved});
}

TEST(HitRules, OverridingARejectionAfter30DaysIsRefused) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_TRUE(b.reject(0, "no", at(3)).ok());
  auto r = b.approve(0, at(2) + limits::override_rejection_window_ms + 1, true);
  EXPECT_EQ(r.code(), errc::invalid_assignment_state);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::rejected);
  EXPECT_EQ(b.charged.cents, 0);
}

TEST(HitRules, OverridingARejectionOfADisposedHitIsRefused) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_TRUE(b.reject(0, "no", at(3)).ok());
  ASSERT_TRUE(b.dispose(at(4)).ok());
  EXPECT_EQ(b.approve(0, at(5), true).code(), errc::invalid_assignment_state);
  EXPECT_EQ(b.h.assignments[0].status, assignment_status::rejected);
}

// ---- expiry and UpdateExpirationForHIT ----------------------------------------------

TEST(HitRules, ExpiryReleasesOpenSlotsAndAnnouncesLifetimeOver) {
  hit_book b(2);
  b.advance(expiry - 1);
  EXPECT_FALSE(b.h.expired);
  EXPECT_TRUE(b.fx.empty());
  b.advance(expiry);
  EXPECT_TRUE(b.h.expired);
  EXPECT_FALSE(b.h.withdrawn);
  EXPECT_EQ(available_of(b.h), 0);
  EXPECT_EQ(open_slots(b.h), 2);
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::hit_expired, event_type::hit_unavailable,
                                         event_type::hit_reviewable}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_unavailable)->reason, unavailable_reason::lifetime_over);
  EXPECT_EQ(b.fx.released.cents, 240);
  EXPECT_TRUE(b.h.deadlines.empty());
  // Observed once only.
  b.advance(expiry + 1);
  EXPECT_TRUE(b.fx.empty());
}

TEST(HitRules, ExpiryWithWorkInProgressLeavesTheHitUnassignable) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), expiry - 1).ok());
  b.advance(expiry);
  EXPECT_EQ(status_of(b.h), hit_status::unassignable);
  EXPECT_FALSE(has_change(b.fx, event_type::hit_reviewable));
  EXPECT_EQ(b.h.held.cents, 120);
}

TEST(HitRules, UpdateExpirationToThePastWithdrawsTheHit) {
  hit_book b(3);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.update_expiration(at(5), at(10)).ok());
  EXPECT_TRUE(b.h.expired);
  EXPECT_TRUE(b.h.withdrawn);
  EXPECT_EQ(b.h.expiration, at(10));
  EXPECT_EQ(available_of(b.h), 0);
  EXPECT_EQ(status_of(b.h), hit_status::unassignable);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::hit_expired, event_type::hit_unavailable}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_unavailable)->reason, unavailable_reason::withdrawn);
  EXPECT_EQ(b.fx.released.cents, 240);
  EXPECT_TRUE(b.fx.hit_changed);
  // The old expiry no longer fires.
  EXPECT_FALSE(has_deadline(b.h, expiry, UINT32_MAX, deadline_kind::expiry));
  b.advance(expiry);
  EXPECT_FALSE(has_change(b.fx, event_type::hit_expired));
}

TEST(HitRules, UpdateExpirationToNowWithdrawsToo) {
  hit_book b(1);
  ASSERT_TRUE(b.update_expiration(at(10), at(10)).ok());
  EXPECT_TRUE(b.h.withdrawn);
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
  EXPECT_TRUE(has_change(b.fx, event_type::hit_reviewable));
}

TEST(HitRules, ExtendingAnExpiredHitReopensItWithAnExtensionHold) {
  hit_book b(3);
  ASSERT_TRUE(b.accept(worker("AW1"), expiry - 1).ok());
  b.advance(expiry);
  ASSERT_EQ(b.h.held.cents, 120);
  timestamp later = expiry + seconds(7'200);
  EXPECT_EQ(extension_hold(b.h, later, expiry + 1, b.fees).cents, 240);
  EXPECT_EQ(extension_hold(b.h, expiry, expiry + 1, b.fees).cents, 0);   // not an extension
  ASSERT_TRUE(b.update_expiration(later, expiry + 1).ok());
  EXPECT_EQ(b.extra.cents, 240);
  EXPECT_FALSE(b.h.expired);
  EXPECT_EQ(b.h.expiration, later);
  EXPECT_EQ(available_of(b.h), 2);
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::hit_extended, event_type::hit_available}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_available)->available, 2);
  EXPECT_EQ(b.h.held.cents, 360);
  EXPECT_TRUE(has_deadline(b.h, later, UINT32_MAX, deadline_kind::expiry));
  EXPECT_TRUE(b.accept(worker("AW2"), expiry + 2).ok());
}

TEST(HitRules, ExtendingAWithdrawnHitReopensIt) {
  hit_book b(1);
  ASSERT_TRUE(b.update_expiration(at(1), at(1)).ok());
  ASSERT_TRUE(b.h.withdrawn);
  ASSERT_TRUE(b.update_expiration(at(100), at(2)).ok());
  EXPECT_FALSE(b.h.withdrawn);
  EXPECT_FALSE(b.h.expired);
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  EXPECT_TRUE(has_change(b.fx, event_type::hit_available));
}

TEST(HitRules, ExtendingAnUnexpiredHitNeedsNoHoldAndMovesTheExpiry) {
  hit_book b(2);
  timestamp later = expiry + seconds(600);
  EXPECT_EQ(extension_hold(b.h, later, at(1), b.fees).cents, 0);
  ASSERT_TRUE(b.update_expiration(later, at(1)).ok());
  EXPECT_EQ(b.h.expiration, later);
  EXPECT_EQ(types_of(b.fx), std::vector{event_type::hit_extended});
  EXPECT_EQ(b.h.held.cents, 240);
  b.advance(expiry);
  EXPECT_FALSE(b.h.expired);
  b.advance(later);
  EXPECT_TRUE(b.h.expired);
}

TEST(HitRules, ShorteningTheLifetimeIsNotAnExtension) {
  hit_book b(2);
  ASSERT_TRUE(b.update_expiration(at(100), at(1)).ok());
  EXPECT_EQ(b.h.expiration, at(100));
  EXPECT_FALSE(has_change(b.fx, event_type::hit_extended));
  EXPECT_FALSE(b.h.expired);
  ASSERT_TRUE(next_deadline(b.h).has_value());
  EXPECT_EQ(*next_deadline(b.h), at(100));
  b.advance(at(100));
  EXPECT_TRUE(b.h.expired);
  EXPECT_FALSE(b.h.withdrawn);
}

TEST(HitRules, UpdateExpirationOfADisposedHitIsRefused) {
  hit_book b(1);
  b.advance(expiry);
  ASSERT_TRUE(b.dispose(expiry).ok());
  EXPECT_EQ(extension_hold(b.h, expiry + seconds(600), expiry + 1, b.fees).cents, 0);
  EXPECT_EQ(b.update_expiration(expiry + seconds(600), expiry + 1).code(), errc::invalid_hit_state);
  EXPECT_TRUE(b.h.disposed);
}

// ---- CreateAdditionalAssignmentsForHIT ----------------------------------------------

TEST(HitRules, PlanAdditionalAssignmentsErrors) {
  hit_book b(5);
  EXPECT_EQ(plan_additional_assignments(b.h, 0, b.fees).code(), errc::invalid_parameter_value);
  EXPECT_EQ(plan_additional_assignments(b.h, -1, b.fees).code(), errc::invalid_parameter_value);
  EXPECT_EQ(plan_additional_assignments(b.h, limits::max_assignments_max, b.fees).code(),
            errc::invalid_parameter_value);
  EXPECT_EQ(plan_additional_assignments(b.h, 5, b.fees).code(), errc::invalid_maximum_assignments_increase);
  auto ok = plan_additional_assignments(b.h, 4, b.fees);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->cents, 4 * 120);
}

TEST(HitRules, AddingAssignmentsFromUnderTenToTenOrMoreIsRefused) {
  hit_book b(9);
  EXPECT_EQ(b.add(1, at(1)).code(), errc::invalid_maximum_assignments_increase);
  EXPECT_EQ(b.h.max_assignments, 9);
  hit_book big(10);
  auto r = big.add(5, at(1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cents, 5 * 140);
  EXPECT_EQ(big.h.max_assignments, 15);
  EXPECT_EQ(available_of(big.h), 15);
}

TEST(HitRules, AddingAssignmentsToAnAvailableHitUpdatesIt) {
  hit_book b(2);
  auto r = b.add(3, at(1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cents, 360);
  EXPECT_EQ(b.h.max_assignments, 5);
  EXPECT_EQ(b.h.held.cents, 600);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::hit_extended, event_type::hit_updated}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_updated)->available, 5);
}

TEST(HitRules, AddingAssignmentsReopensAFullHit) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_EQ(status_of(b.h), hit_status::reviewable);
  ASSERT_TRUE(b.add(1, at(3)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::hit_extended, event_type::hit_available}));
  EXPECT_EQ(find_change(b.fx, event_type::hit_available)->available, 1);
  EXPECT_TRUE(b.accept(worker("AW2"), at(4)).ok());
}

TEST(HitRules, AddingAssignmentsToAnExpiredHitHoldsNothingUntilExtended) {
  hit_book b(2);
  b.advance(expiry);
  auto r = b.add(2, expiry + 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cents, 0);
  EXPECT_EQ(b.h.max_assignments, 4);
  EXPECT_EQ(available_of(b.h), 0);
  EXPECT_FALSE(has_change(b.fx, event_type::hit_available));
  ASSERT_TRUE(b.update_expiration(expiry + seconds(600), expiry + 2).ok());
  EXPECT_EQ(available_of(b.h), 4);
  EXPECT_EQ(b.h.held.cents, 480);
}

TEST(HitRules, AddingAssignmentsToADisposedHitIsRefused) {
  hit_book b(1);
  b.advance(expiry);
  ASSERT_TRUE(b.dispose(expiry).ok());
  EXPECT_EQ(b.add(1, expiry + 1).code(), errc::invalid_hit_state);
}

// ---- UpdateHITReviewStatus ------------------------------------------------------------

TEST(HitRules, UpdateReviewStatusBothWays) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_EQ(status_of(b.h), hit_status::reviewable);
  ASSERT_TRUE(b.review(false, at(3)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::reviewing);
  EXPECT_TRUE(b.fx.hit_changed);
  ASSERT_TRUE(b.review(true, at(4)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
  EXPECT_TRUE(b.fx.hit_changed);
  // Back and forth emits no HITReviewable again.
  EXPECT_FALSE(has_change(b.fx, event_type::hit_reviewable));
}

TEST(HitRules, UpdateReviewStatusErrors) {
  hit_book b(1);
  // Assignable: neither way.
  EXPECT_EQ(b.review(false, at(1)).code(), errc::invalid_hit_state);
  EXPECT_EQ(b.review(true, at(1)).code(), errc::invalid_hit_state);
  ASSERT_TRUE(b.accept(worker("AW1"), at(2)).ok());
  // Unassignable.
  EXPECT_EQ(b.review(false, at(3)).code(), errc::invalid_hit_state);
  ASSERT_TRUE(b.submit(0, "AW1", at(4)).ok());
  // Reviewable cannot be reverted; Reviewing cannot be set again.
  EXPECT_EQ(b.review(true, at(5)).code(), errc::invalid_hit_state);
  ASSERT_TRUE(b.review(false, at(6)).ok());
  EXPECT_EQ(b.review(false, at(7)).code(), errc::invalid_hit_state);
  EXPECT_EQ(status_of(b.h), hit_status::reviewing);
  ASSERT_TRUE(b.approve(0, at(8)).ok());
  ASSERT_TRUE(b.dispose(at(9)).ok());
  EXPECT_EQ(b.review(false, at(10)).code(), errc::invalid_hit_state);
  EXPECT_EQ(b.review(true, at(10)).code(), errc::invalid_hit_state);
}

// ---- DeleteHIT ----------------------------------------------------------------------

// A Reviewing HIT that is given more assignments becomes Assignable again;
// when the new work is in, the requester must hear HITReviewable as for any
// other HIT whose work is done.
TEST(HitRules, AReopenedReviewingHitAnnouncesReviewableAgain) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_TRUE(b.review(false, at(3)).ok());
  ASSERT_EQ(status_of(b.h), hit_status::reviewing);
  ASSERT_TRUE(b.add(1, at(4)).ok());
  ASSERT_EQ(status_of(b.h), hit_status::assignable);
  ASSERT_TRUE(b.accept(worker("AW2"), at(5)).ok());
  ASSERT_TRUE(b.submit(1, "AW2", at(6)).ok());
  EXPECT_TRUE(has_change(b.fx, event_type::hit_reviewable))
      << "BUG: hit_state::reviewing survives the HIT becoming Assignable again, so status_of "
         "goes Unassignable -> Reviewing and compare() emits no HITReviewable for the new work";
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
}

TEST(HitRules, DisposeOnlyWhenReviewableWithNothingUndecided) {
  hit_book b(2);
  // Assignable.
  EXPECT_EQ(b.dispose(at(1)).code(), errc::invalid_hit_state);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.accept(worker("AW2"), at(2)).ok());
  // Unassignable: work in progress.
  EXPECT_EQ(b.dispose(at(3)).code(), errc::invalid_hit_state);
  ASSERT_TRUE(b.submit(0, "AW1", at(4)).ok());
  ASSERT_TRUE(b.submit(1, "AW2", at(5)).ok());
  ASSERT_EQ(status_of(b.h), hit_status::reviewable);
  // Reviewable, but submitted work awaits a decision.
  EXPECT_EQ(b.dispose(at(6)).code(), errc::invalid_hit_state);
  ASSERT_TRUE(b.approve(0, at(7)).ok());
  EXPECT_EQ(b.dispose(at(8)).code(), errc::invalid_hit_state);
  EXPECT_FALSE(b.h.disposed);
  ASSERT_TRUE(b.reject(1, "no", at(9)).ok());
  ASSERT_TRUE(b.dispose(at(10)).ok());
  EXPECT_TRUE(b.h.disposed);
  EXPECT_EQ(status_of(b.h), hit_status::disposed);
  EXPECT_EQ(types_of(b.fx), std::vector{event_type::hit_disposed});
  EXPECT_TRUE(b.h.deadlines.empty());
  EXPECT_EQ(available_of(b.h), 0);
  EXPECT_EQ(b.h.held.cents, 0);
}

TEST(HitRules, DisposeIsIdempotent) {
  hit_book b(1);
  b.advance(expiry);
  ASSERT_TRUE(b.dispose(expiry + 1).ok());
  EXPECT_TRUE(b.dispose(expiry + 2).ok());
  EXPECT_TRUE(b.fx.empty());
  EXPECT_TRUE(b.h.disposed);
}

TEST(HitRules, DisposeFromReviewingAndOfAnExpiredHit) {
  hit_book b(3);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_TRUE(b.approve(0, at(3)).ok());
  // Still assignable until the lifetime runs out.
  EXPECT_EQ(b.dispose(at(4)).code(), errc::invalid_hit_state);
  // The expiry is observed by dispose itself.
  ASSERT_TRUE(b.review(false, expiry).ok());
  ASSERT_EQ(status_of(b.h), hit_status::reviewing);
  ASSERT_TRUE(b.dispose(expiry + 1).ok());
  EXPECT_EQ(status_of(b.h), hit_status::disposed);
}

TEST(HitRules, DisposeReleasesEverythingWhenAnUnexpiredFullHitIsDone) {
  hit_book b(1);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  ASSERT_TRUE(b.reject(0, "no", at(3)).ok());
  ASSERT_FALSE(b.h.expired);
  ASSERT_TRUE(b.dispose(at(4)).ok());
  EXPECT_EQ(b.h.held.cents, 0);
  EXPECT_EQ(b.released.cents, 120);
  // The expiry never fires for a disposed HIT.
  b.advance(expiry);
  EXPECT_FALSE(has_change(b.fx, event_type::hit_expired));
}

// ---- the whole state machine ----------------------------------------------------------

TEST(HitRules, StatusThroughTheWholeStateMachine) {
  hit_book b(2);
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  ASSERT_TRUE(b.accept(worker("AW2"), at(2)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::unassignable);
  EXPECT_TRUE(has_change(b.fx, event_type::hit_unavailable));
  ASSERT_TRUE(b.submit(0, "AW1", at(3)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::unassignable);
  ASSERT_TRUE(b.give_back(1, "AW2", at(4)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  EXPECT_TRUE(has_change(b.fx, event_type::hit_available));
  ASSERT_TRUE(b.accept(worker("AW3"), at(5)).ok());
  EXPECT_EQ(status_of(b.h), hit_status::unassignable);
  b.advance(at(5 + duration_s));
  EXPECT_EQ(b.h.assignments[2].status, assignment_status::abandoned);
  EXPECT_EQ(status_of(b.h), hit_status::assignable);
  b.advance(expiry);
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::hit_expired, event_type::hit_unavailable,
                                         event_type::hit_reviewable}));
  ASSERT_TRUE(b.review(false, expiry + 1).ok());
  EXPECT_EQ(status_of(b.h), hit_status::reviewing);
  ASSERT_TRUE(b.review(true, expiry + 2).ok());
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
  EXPECT_EQ(b.dispose(expiry + 3).code(), errc::invalid_hit_state);
  ASSERT_TRUE(b.approve(0, expiry + 4).ok());
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
  ASSERT_TRUE(b.review(false, expiry + 5).ok());
  ASSERT_TRUE(b.dispose(expiry + 6).ok());
  EXPECT_EQ(status_of(b.h), hit_status::disposed);
  EXPECT_EQ(b.paid.cents, 120);
  EXPECT_EQ(b.released.cents, 120);
}

TEST(HitRules, UnassignableAfterExpiryBecomesReviewableOnSubmit) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), expiry - 1).ok());
  b.advance(expiry);
  ASSERT_EQ(status_of(b.h), hit_status::unassignable);
  ASSERT_TRUE(b.submit(0, "AW1", expiry + 1).ok());
  EXPECT_EQ(status_of(b.h), hit_status::reviewable);
  EXPECT_EQ(types_of(b.fx), (std::vector{event_type::assignment_submitted, event_type::hit_reviewable}));
}

// ---- money scenarios ------------------------------------------------------------------
// hit_book checks the invariant after every step; these walk long paths.

TEST(HitRules, MoneyIsConservedThroughAMixedLargeHit) {
  hit_book b(12, make_definition(cents(37)));
  // 37 + 40% = 14.8 -> 15.
  EXPECT_EQ(b.initial.cents, 12 * 52);
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(b.accept(worker("AW" + std::to_string(i)), at(i + 1)).ok());
  ASSERT_TRUE(b.submit(0, "AW0", at(20)).ok());
  ASSERT_TRUE(b.submit(1, "AW1", at(21)).ok());
  ASSERT_TRUE(b.submit(2, "AW2", at(22)).ok());
  ASSERT_TRUE(b.give_back(3, "AW3", at(23)).ok());
  ASSERT_TRUE(b.approve(0, at(24)).ok());
  ASSERT_TRUE(b.reject(1, "bad", at(25)).ok());
  ASSERT_TRUE(b.add(3, at(26)).ok());
  b.advance(at(8 + duration_s));   // AW4..AW7 abandon (accepted at 5..8 s)
  ASSERT_TRUE(b.approve(1, at(700), true).ok());
  b.advance(expiry);
  ASSERT_TRUE(b.update_expiration(expiry + seconds(3'600), expiry + 1).ok());
  ASSERT_TRUE(b.accept(worker("AX1"), expiry + 2).ok());
  ASSERT_TRUE(b.submit(b.h.by_worker.at("AX1"), "AX1", expiry + 3).ok());
  ASSERT_TRUE(b.update_expiration(expiry + 4, expiry + 4).ok());
  b.advance(at(22 + auto_s));   // AW2 auto-approved
  b.advance(expiry + 3 + seconds(auto_s));   // AX1 auto-approved
  ASSERT_TRUE(b.dispose(expiry + 5 + seconds(auto_s)).ok());
  EXPECT_EQ(b.h.held.cents, 0);
  EXPECT_EQ(b.h.approved_n, 4);
  EXPECT_EQ(b.paid.cents, 3 * 52);
  EXPECT_EQ(b.charged.cents, 52);
  EXPECT_EQ((b.paid + b.released).cents, (b.initial + b.extra).cents);
}

TEST(HitRules, MoneyIsConservedWhenWorkOutlivesItsHit) {
  hit_book b(3, make_definition(cents(5)), 60);
  EXPECT_EQ(b.initial.cents, 3 * 6);
  ASSERT_TRUE(b.accept(worker("AW1"), at(10)).ok());
  ASSERT_TRUE(b.accept(worker("AW2"), at(20)).ok());
  b.advance(at(60));
  EXPECT_EQ(b.fx.released.cents, 6);
  ASSERT_TRUE(b.submit(0, "AW1", at(61)).ok());
  ASSERT_TRUE(b.give_back(1, "AW2", at(62)).ok());
  EXPECT_EQ(b.fx.released.cents, 6);
  ASSERT_TRUE(b.approve(0, at(63)).ok());
  EXPECT_EQ(b.h.held.cents, 0);
  EXPECT_EQ(b.paid.cents, 6);
}

// While the HIT is unexpired a taken slot may come back (return, abandon)
// at the current price, so a dearer type re-costs taken slots too; a cheaper
// one cannot hold taken work below its own price.
TEST(HitRules, RetypeHoldRecostsOpenSlotsAndTakenSlotsThatMayComeBack) {
  hit_book b(3);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  auto dearer = make_definition(cents(200));
  EXPECT_EQ(retype_hold(b.h, *dearer->properties, b.fees).cents, 3 * (240 - 120));
  auto cheaper = make_definition(cents(50));
  EXPECT_EQ(retype_hold(b.h, *cheaper->properties, b.fees).cents, 2 * (60 - 120));
  EXPECT_EQ(retype_hold(b.h, *b.h.def->properties, b.fees).cents, 0);
  b.advance(expiry);
  EXPECT_EQ(retype_hold(b.h, *dearer->properties, b.fees).cents, 0);
}

TEST(HitRules, RetypeToAHigherRewardHoldsTheDifference) {
  hit_book b(3);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  auto x = b.retype(make_definition(cents(200)), at(2));
  EXPECT_EQ(x.cents, 360);
  EXPECT_EQ(b.h.held.cents, 3 * 240);
  EXPECT_EQ(b.h.def->properties->reward.cents, 200);
  EXPECT_TRUE(b.fx.hit_changed);
  // The accepted work keeps its reward; new work gets the new one.
  EXPECT_EQ(b.h.assignments[0].reward.cents, 100);
  auto r = b.accept(worker("AW2"), at(3));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(b.h.assignments[*r].reward.cents, 200);
  EXPECT_EQ(b.h.assignments[*r].fee.cents, 40);
  ASSERT_TRUE(b.submit(0, "AW1", at(4)).ok());
  ASSERT_TRUE(b.approve(0, at(5)).ok());
  EXPECT_EQ(b.fx.payments.at(0).reward.cents, 100);
}

TEST(HitRules, RetypeToALowerRewardReleasesTheDifference) {
  hit_book b(3);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  auto x = b.retype(make_definition(cents(50)), at(2));
  EXPECT_EQ(x.cents, -120);
  EXPECT_EQ(b.fx.released.cents, 120);
  EXPECT_EQ(b.h.held.cents, 120 + 2 * 60);
  // A slot returned at the lower reward needs less: the surplus goes home.
  ASSERT_TRUE(b.give_back(0, "AW1", at(3)).ok());
  EXPECT_EQ(b.fx.released.cents, 60);
  EXPECT_EQ(b.h.held.cents, 3 * 60);
}

// After UpdateHITTypeOfHIT raises the reward, an assignment accepted at the
// old reward that is returned (or abandoned) while the HIT lives re-opens its
// slot at the new, higher slot cost: the retype must already hold that.
TEST(HitRules, RetypeToAHigherRewardStillCoversASlotReturnedLater) {
  hit_book b(2);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  b.retype(make_definition(cents(200)), at(2));
  ASSERT_EQ(b.h.held.cents, 240 + 240);
  // What the hold must be once AW1's slot is open again, computed on a copy
  // without running settle() (which asserts need <= held in debug builds).
  hit_state probe = b.h;
  probe.assignments[0].status = assignment_status::returned;
  probe.accepted_n -= 1;
  auto own = (probe.assignments[0].reward + probe.assignments[0].fee).cents;
  if (--probe.live_costs[own] == 0)
    probe.live_costs.erase(own);
  ASSERT_LE(required_hold(probe, b.fees).cents, b.h.held.cents)
      << "a slot taken at the old reward comes back at the new one: the hold must cover it";
  ASSERT_TRUE(b.give_back(0, "AW1", at(3)).ok());
  EXPECT_EQ(available_of(b.h), 2);
}

TEST(HitRules, RetypeOfAnExpiredHitMovesNoMoney) {
  hit_book b(2);
  b.advance(expiry);
  auto x = b.retype(make_definition(cents(300)), expiry + 1);
  EXPECT_EQ(x.cents, 0);
  EXPECT_EQ(b.h.held.cents, 0);
  // The extension then holds the new cost.
  ASSERT_TRUE(b.update_expiration(expiry + seconds(600), expiry + 2).ok());
  EXPECT_EQ(b.extra.cents, 2 * 360);
}

// ---- bonuses and views ----------------------------------------------------------------

TEST(HitRules, CheckBonusErrors) {
  hit_book b(3);
  EXPECT_EQ(check_bonus(b.h, 0, "AW1").code(), errc::assignment_does_not_exist);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  EXPECT_EQ(check_bonus(b.h, 0, "AW1").code(), errc::assignment_does_not_exist);   // not submitted
  ASSERT_TRUE(b.submit(0, "AW1", at(2)).ok());
  EXPECT_TRUE(check_bonus(b.h, 0, "AW1").ok());
  EXPECT_EQ(check_bonus(b.h, 0, "AW2").code(), errc::invalid_parameter_value);
  ASSERT_TRUE(b.reject(0, "no", at(3)).ok());
  EXPECT_TRUE(check_bonus(b.h, 0, "AW1").ok());
  ASSERT_TRUE(b.accept(worker("AW2"), at(4)).ok());
  ASSERT_TRUE(b.give_back(1, "AW2", at(5)).ok());
  EXPECT_EQ(check_bonus(b.h, 1, "AW2").code(), errc::assignment_does_not_exist);
}

TEST(HitRules, ViewsReportCountsAndEscrow) {
  hit_book b(3);
  ASSERT_TRUE(b.accept(worker("AW1"), at(1)).ok());
  ASSERT_TRUE(b.accept(worker("AW2"), at(2)).ok());
  ASSERT_TRUE(b.submit(0, "AW1", at(3)).ok());
  ASSERT_TRUE(b.approve(0, at(4)).ok());
  auto v = view_of(b.h, true);
  EXPECT_EQ(v.hit_id, format_id(id_kind::hit, 42));
  EXPECT_EQ(v.hit_type_id, "T0000000000001");
  EXPECT_EQ(v.hit_group_id, "T0000000000001");
  EXPECT_EQ(v.requester_annotation, "batch 7");
  EXPECT_EQ(v.status, hit_status::assignable);
  EXPECT_EQ(v.max_assignments, 3);
  EXPECT_EQ(v.assignments_pending, 1);
  EXPECT_EQ(v.assignments_available, 1);
  EXPECT_EQ(v.assignments_completed, 1);
  EXPECT_EQ(v.escrow_held.cents, 240);
  EXPECT_EQ(v.expiration, expiry);
  EXPECT_TRUE(view_of(b.h, false).requester_annotation.empty());

  auto av = view_of(b.h, b.h.assignments[0]);
  EXPECT_EQ(av.assignment_id, format_assignment_id({42, 0}));
  EXPECT_EQ(av.worker_id, "AW1");
  EXPECT_EQ(av.status, assignment_status::approved);
  ASSERT_TRUE(av.submit_time.has_value());
  EXPECT_EQ(*av.submit_time, at(3));
  ASSERT_TRUE(av.approval_time.has_value());
  EXPECT_EQ(*av.approval_time, at(4));
  EXPECT_FALSE(av.rejection_time.has_value());
  auto pending = view_of(b.h, b.h.assignments[1]);
  EXPECT_FALSE(pending.submit_time.has_value());
  EXPECT_FALSE(pending.auto_approval_time.has_value());
  EXPECT_EQ(pending.deadline, at(2 + duration_s));
}

}  // namespace
}  // namespace hitd
