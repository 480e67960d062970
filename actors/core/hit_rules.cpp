#include "hitd/hit_rules.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

namespace hitd {
namespace {

constexpr uint32_t expiry_ordinal = std::numeric_limits<uint32_t>::max();

bool live(assignment_status s) { return s == assignment_status::accepted || s == assignment_status::submitted; }

bool taken(assignment_status s) {
  return s == assignment_status::accepted || s == assignment_status::submitted ||
         s == assignment_status::approved || s == assignment_status::rejected;
}

void count(hit_state& h, assignment_status s, int64_t d) {
  switch (s) {
    case assignment_status::accepted: h.accepted_n += d; break;
    case assignment_status::submitted: h.submitted_n += d; break;
    case assignment_status::approved: h.approved_n += d; break;
    case assignment_status::rejected: h.rejected_n += d; break;
    default: break;
  }
}

void count_live(hit_state& h, const assignment_record& a, int64_t d) {
  if (!live(a.status))
    return;
  auto& n = h.live_costs[(a.reward + a.fee).cents];
  n += d;
  assert(n >= 0);
  if (n == 0)
    h.live_costs.erase((a.reward + a.fee).cents);
}

void set_status(hit_state& h, assignment_record& a, assignment_status s) {
  count(h, a.status, -1);
  count_live(h, a, -1);
  a.status = s;
  count(h, s, +1);
  count_live(h, a, +1);
}

void arm(hit_state& h, timestamp due, uint32_t ordinal, deadline_kind kind) {
  h.deadlines.emplace(std::make_pair(due, ordinal), kind);
}

void disarm(hit_state& h, timestamp due, uint32_t ordinal) { h.deadlines.erase({due, ordinal}); }

void touch(hit_effects& fx, uint32_t ordinal) {
  if (std::find(fx.touched.begin(), fx.touched.end(), ordinal) == fx.touched.end())
    fx.touched.push_back(ordinal);
}

void assignment_event(hit_effects& fx, event_type t, uint32_t ordinal) {
  fx.changes.push_back({t, ordinal, true, unavailable_reason::none, 0});
  touch(fx, ordinal);
}

// What a worker sees of the HIT, before and after a transition: emits
// HITAvailable / HITUpdated / HITUnavailable and HITReviewable.
struct observed {
  bool assignable;
  int64_t available;
  hit_status status;
};
observed observe(const hit_state& h) { return {assignable(h), available_of(h), status_of(h)}; }

void compare(hit_state& h, const observed& before, hit_effects& fx) {
  if (assignable(h))
    h.reviewing = false;   // work re-opened: a later review starts as Reviewable
  observed after = observe(h);
  if (!before.assignable && after.assignable) {
    fx.changes.push_back({event_type::hit_available, 0, false, unavailable_reason::none, after.available});
  } else if (before.assignable && after.assignable && before.available != after.available) {
    fx.changes.push_back({event_type::hit_updated, 0, false, unavailable_reason::none, after.available});
  } else if (before.assignable && !after.assignable) {
    unavailable_reason why = h.disposed || h.withdrawn ? unavailable_reason::withdrawn
                           : h.expired                 ? unavailable_reason::lifetime_over
                                                       : unavailable_reason::all_taken;
    fx.changes.push_back({event_type::hit_unavailable, 0, false, why, 0});
  }
  if (after.status == hit_status::reviewable && before.status != hit_status::reviewable &&
      before.status != hit_status::reviewing)
    fx.changes.push_back({event_type::hit_reviewable, 0, false, unavailable_reason::none, 0});
  if (before.status != after.status)
    fx.hit_changed = true;
}

// Releases whatever the hold carries beyond what the HIT still needs.
void settle(hit_state& h, const fee_schedule& fees, hit_effects& fx) {
  money need = required_hold(h, fees);
  assert(need <= h.held);
  if (need < h.held) {
    fx.released += h.held - need;
    h.held = need;
    fx.hit_changed = true;
  }
}

void do_approve(hit_state& h, assignment_record& a, std::string feedback, timestamp now,
                bool from_hold, hit_effects& fx) {
  if (a.status == assignment_status::submitted)
    disarm(h, a.auto_approval_time, a.ordinal);
  set_status(h, a, assignment_status::approved);
  a.approval_time = now;
  a.rejection_time = 0;
  if (!feedback.empty())
    a.requester_feedback = std::move(feedback);
  // An overridden rejection was charged to the requester's balance by the
  // actor before this call; only approvals paid from the hold are payments.
  if (from_hold) {
    h.held -= a.reward + a.fee;
    fx.hit_changed = true;
    fx.payments.push_back({a.ordinal, a.worker_id, a.reward, a.fee});
  }
  assignment_event(fx, event_type::assignment_approved, a.ordinal);
}

assignment_record* find(hit_state& h, uint32_t ordinal) {
  return ordinal < h.assignments.size() ? &h.assignments[ordinal] : nullptr;
}
const assignment_record* find(const hit_state& h, uint32_t ordinal) {
  return ordinal < h.assignments.size() ? &h.assignments[ordinal] : nullptr;
}

void expire(hit_state& h, hit_effects& fx) {
  h.expired = true;
  fx.hit_changed = true;
  fx.changes.push_back({event_type::hit_expired, 0, false, unavailable_reason::none, 0});
}

} // namespace

money slot_cost(const fee_schedule& fees, money reward, int64_t max_assignments) {
  return reward + reward_fee(fees, reward, max_assignments);
}

std::optional<money> publish_hold(const fee_schedule& fees, money reward, int64_t max_assignments) {
  return checked_mul(slot_cost(fees, reward, max_assignments), max_assignments);
}

hit_state make_hit(std::shared_ptr<const hit_definition> def, int64_t max_assignments,
                   timestamp now, int64_t lifetime_s, money held, hit_effects& fx) {
  hit_state h;
  h.def = std::move(def);
  h.max_assignments = max_assignments;
  h.expiration = now + seconds(lifetime_s);
  h.held = held;
  arm(h, h.expiration, expiry_ordinal, deadline_kind::expiry);
  fx.hit_changed = true;
  fx.changes.push_back({event_type::hit_created, 0, false, unavailable_reason::none, 0});
  fx.changes.push_back({event_type::hit_available, 0, false, unavailable_reason::none, available_of(h)});
  return h;
}

result<hit_state> restore_hit(const hit_snapshot& s, std::vector<assignment_record> assignments,
                              std::vector<bonus_record> bonuses) {
  hit_state h;
  h.def = s.def;
  h.max_assignments = s.max_assignments;
  h.expiration = s.expiration;
  h.expired = s.expired;
  h.withdrawn = s.withdrawn;
  h.reviewing = s.reviewing;
  h.disposed = s.disposed;
  h.disposed_at = s.disposed_at;
  h.review_status = s.review_status;
  h.held = s.held;
  h.add_tokens = s.add_tokens;
  for (size_t i = 0; i < assignments.size(); ++i)
    if (assignments[i].ordinal != i)
      return error{errc::invalid_parameter_value, "assignment " + std::to_string(i) + " is missing"};
  h.assignments = std::move(assignments);
  for (auto& a : h.assignments) {
    h.by_worker[a.worker_id] = a.ordinal;
    count(h, a.status, +1);
    count_live(h, a, +1);
    if (a.status == assignment_status::accepted)
      arm(h, a.deadline, a.ordinal, deadline_kind::abandonment);
    else if (a.status == assignment_status::submitted)
      arm(h, a.auto_approval_time, a.ordinal, deadline_kind::auto_approval);
  }
  if (!h.expired && !h.disposed)
    arm(h, h.expiration, expiry_ordinal, deadline_kind::expiry);
  h.bonuses = std::move(bonuses);
  return h;
}

void adopt_hold(hit_state& h, money amount, const fee_schedule& fees, hit_effects& fx) {
  h.held += amount;
  fx.hit_changed = true;
  settle(h, fees, fx);
}

int64_t open_slots(const hit_state& h) {
  return h.max_assignments - (h.accepted_n + h.submitted_n + h.approved_n + h.rejected_n);
}

int64_t available_of(const hit_state& h) {
  return h.expired || h.disposed ? 0 : open_slots(h);
}

int64_t pending_of(const hit_state& h) { return h.accepted_n; }

bool assignable(const hit_state& h) { return available_of(h) > 0; }

std::optional<timestamp> next_deadline(const hit_state& h) {
  if (h.deadlines.empty())
    return std::nullopt;
  return h.deadlines.begin()->first.first;
}

hit_status status_of(const hit_state& h) {
  if (h.disposed)
    return hit_status::disposed;
  if (assignable(h))
    return hit_status::assignable;
  if (h.accepted_n > 0)
    return hit_status::unassignable;
  return h.reviewing ? hit_status::reviewing : hit_status::reviewable;
}

namespace {
// What the HIT must hold if it were (un)expired at this reward: every
// assignment in progress or awaiting review at its own price, or, while the
// HIT is unexpired, at the current slot price when that is higher (a return
// re-opens the slot at the current price); plus every open slot of an
// unexpired HIT at the current price.
money hold_for(const hit_state& h, const fee_schedule& fees, bool expired, money reward) {
  if (h.disposed)
    return {};
  assert(open_slots(h) >= 0);
  money slot = slot_cost(fees, reward, h.max_assignments);
  money need;
  if (!expired)
    need = money{slot.cents * open_slots(h)};
  for (const auto& [own, n] : h.live_costs)
    need += money{(expired ? own : std::max(own, slot.cents)) * n};
  return need;
}
} // namespace

money required_hold(const hit_state& h, const fee_schedule& fees) {
  return hold_for(h, fees, h.expired, h.def->properties->reward);
}

void advance_to(hit_state& h, timestamp now, const fee_schedule& fees, hit_effects& fx) {
  if (h.deadlines.empty() || h.deadlines.begin()->first.first > now)
    return;
  auto before = observe(h);
  while (!h.deadlines.empty() && h.deadlines.begin()->first.first <= now) {
    auto [key, kind] = *h.deadlines.begin();
    h.deadlines.erase(h.deadlines.begin());
    auto [due, ordinal] = key;
    if (kind == deadline_kind::expiry) {
      if (!h.expired && !h.disposed && due == h.expiration)
        expire(h, fx);
      continue;
    }
    auto* a = find(h, ordinal);
    if (!a)
      continue;
    if (kind == deadline_kind::abandonment && a->status == assignment_status::accepted &&
        a->deadline == due) {
      set_status(h, *a, assignment_status::abandoned);
      a->end_time = due;
      assignment_event(fx, event_type::assignment_abandoned, ordinal);
    } else if (kind == deadline_kind::auto_approval && a->status == assignment_status::submitted &&
               a->auto_approval_time == due) {
      do_approve(h, *a, {}, due, true, fx);
    }
  }
  settle(h, fees, fx);
  compare(h, before, fx);
}

allowed_actions actions_for(const hit_state& h, const worker_credentials& worker) {
  if (worker.blocked_by.count(h.def->requester_id))
    return {false, false, false};
  return evaluate_requirements(h.def->properties->requirements, worker);
}

result<uint32_t> accept(hit_state& h, const worker_credentials& worker, timestamp now,
                        const fee_schedule& fees, hit_effects& fx) {
  advance_to(h, now, fees, fx);
  if (!assignable(h))
    return error{errc::invalid_hit_state, h.disposed ? "the HIT was deleted"
                                        : h.expired  ? "the HIT has expired"
                                                     : "no assignments of this HIT are available"};
  if (auto it = h.by_worker.find(worker.worker_id); it != h.by_worker.end()) {
    auto s = h.assignments[it->second].status;
    if (s != assignment_status::returned && s != assignment_status::abandoned)
      return error{errc::assignment_already_exists, "the worker already has an assignment of this HIT"};
  }
  if (worker.blocked_by.count(h.def->requester_id))
    return error{errc::worker_blocked, "the requester has blocked this worker"};
  if (!evaluate_requirements(h.def->properties->requirements, worker).accept)
    return error{errc::does_not_meet_requirements, "the worker does not meet the HIT's qualification requirements"};
  auto before = observe(h);
  assignment_record a;
  a.ordinal = static_cast<uint32_t>(h.assignments.size());
  a.worker_id = worker.worker_id;
  a.accept_time = now;
  a.deadline = now + seconds(h.def->properties->assignment_duration_s);
  a.reward = h.def->properties->reward;
  a.fee = reward_fee(fees, a.reward, h.max_assignments);
  h.by_worker[a.worker_id] = a.ordinal;
  count(h, a.status, +1);
  count_live(h, a, +1);
  arm(h, a.deadline, a.ordinal, deadline_kind::abandonment);
  h.assignments.push_back(std::move(a));
  uint32_t ordinal = h.assignments.back().ordinal;
  assignment_event(fx, event_type::assignment_accepted, ordinal);
  settle(h, fees, fx);
  compare(h, before, fx);
  return ordinal;
}

status submit(hit_state& h, uint32_t ordinal, std::string_view worker_id, std::string answer,
              std::string_view token, timestamp now, const fee_schedule& fees, hit_effects& fx) {
  advance_to(h, now, fees, fx);
  auto* a = find(h, ordinal);
  if (!a || a->worker_id != worker_id)
    return error{errc::assignment_does_not_exist, "no such assignment of this worker"};
  if (a->status != assignment_status::accepted) {
    if (!token.empty() && a->submit_token == token && a->submit_time != 0)
      return done{};   // a retried submit: the first one stands
    return error{errc::invalid_assignment_state,
                 a->status == assignment_status::abandoned ? "the assignment's time ran out"
                                                           : "the assignment is not in progress"};
  }
  auto before = observe(h);
  disarm(h, a->deadline, ordinal);
  set_status(h, *a, assignment_status::submitted);
  a->submit_time = now;
  a->answer = std::move(answer);
  a->submit_token = std::string{token};
  a->auto_approval_time = now + seconds(h.def->properties->auto_approval_delay_s);
  assignment_event(fx, event_type::assignment_submitted, ordinal);
  if (h.def->properties->auto_approval_delay_s == 0)
    do_approve(h, *a, {}, now, true, fx);
  else
    arm(h, a->auto_approval_time, ordinal, deadline_kind::auto_approval);
  settle(h, fees, fx);
  compare(h, before, fx);
  return done{};
}

status return_assignment(hit_state& h, uint32_t ordinal, std::string_view worker_id,
                         timestamp now, const fee_schedule& fees, hit_effects& fx) {
  advance_to(h, now, fees, fx);
  auto* a = find(h, ordinal);
  if (!a || a->worker_id != worker_id)
    return error{errc::assignment_does_not_exist, "no such assignment of this worker"};
  if (a->status != assignment_status::accepted)
    return error{errc::invalid_assignment_state, "the assignment is not in progress"};
  auto before = observe(h);
  disarm(h, a->deadline, ordinal);
  set_status(h, *a, assignment_status::returned);
  a->end_time = now;
  assignment_event(fx, event_type::assignment_returned, ordinal);
  settle(h, fees, fx);
  compare(h, before, fx);
  return done{};
}

result<approval_plan> plan_approval(const hit_state& h, uint32_t ordinal, bool override_rejection,
                                    timestamp now) {
  const auto* a = find(h, ordinal);
  if (!a || !taken(a->status) || a->status == assignment_status::accepted)
    return error{errc::assignment_does_not_exist, "no submitted assignment with this id"};
  if (a->status == assignment_status::submitted)
    return approval_plan{false, a->reward, a->fee};
  if (a->status == assignment_status::approved)
    return error{errc::invalid_assignment_state, "the assignment is already approved"};
  // Rejected.
  if (!override_rejection)
    return error{errc::invalid_assignment_state, "the assignment was rejected; set OverrideRejection to approve it"};
  if (h.disposed)
    return error{errc::invalid_assignment_state, "the HIT was deleted; its rejections can no longer be overridden"};
  if (now - a->submit_time > limits::override_rejection_window_ms)
    return error{errc::invalid_assignment_state, "the assignment was submitted more than 30 days ago"};
  return approval_plan{true, a->reward, a->fee};
}

void approve(hit_state& h, uint32_t ordinal, std::string feedback, timestamp now,
             const fee_schedule& fees, hit_effects& fx) {
  auto* a = find(h, ordinal);
  assert(a && (a->status == assignment_status::submitted || a->status == assignment_status::rejected));
  auto before = observe(h);
  do_approve(h, *a, std::move(feedback), now, a->status == assignment_status::submitted, fx);
  settle(h, fees, fx);
  compare(h, before, fx);
}

void approve_rejected(hit_state& h, uint32_t ordinal, std::string feedback, timestamp now, money held,
                      const fee_schedule& fees, hit_effects& fx) {
  auto* a = find(h, ordinal);
  assert(a && a->status == assignment_status::rejected && held == a->reward + a->fee);
  auto before = observe(h);
  h.held += held;
  do_approve(h, *a, std::move(feedback), now, true, fx);
  settle(h, fees, fx);
  compare(h, before, fx);
}

status reject(hit_state& h, uint32_t ordinal, std::string feedback, timestamp now,
              const fee_schedule& fees, hit_effects& fx) {
  advance_to(h, now, fees, fx);
  auto* a = find(h, ordinal);
  if (!a || !taken(a->status) || a->status == assignment_status::accepted)
    return error{errc::assignment_does_not_exist, "no submitted assignment with this id"};
  if (feedback.empty())
    return error{errc::missing_parameter, "RequesterFeedback is required to reject"};
  if (a->status != assignment_status::submitted)
    return error{errc::invalid_assignment_state, a->status == assignment_status::approved
                                                   ? "the assignment is already approved"
                                                   : "the assignment is already rejected"};
  auto before = observe(h);
  disarm(h, a->auto_approval_time, ordinal);
  set_status(h, *a, assignment_status::rejected);
  a->rejection_time = now;
  a->requester_feedback = std::move(feedback);
  assignment_event(fx, event_type::assignment_rejected, ordinal);
  settle(h, fees, fx);
  compare(h, before, fx);
  return done{};
}

money extension_hold(const hit_state& h, timestamp new_expiration, timestamp now,
                     const fee_schedule& fees) {
  if (h.disposed || new_expiration <= now || !h.expired)
    return {};
  return hold_for(h, fees, false, h.def->properties->reward) - required_hold(h, fees);
}

status update_expiration(hit_state& h, timestamp new_expiration, timestamp now, money extra_held,
                         const fee_schedule& fees, hit_effects& fx) {
  advance_to(h, now, fees, fx);
  if (h.disposed)
    return error{errc::invalid_hit_state, "the HIT was deleted"};
  auto before = observe(h);
  h.held += extra_held;
  disarm(h, h.expiration, expiry_ordinal);
  fx.hit_changed = true;
  if (new_expiration <= now) {
    h.expiration = now;
    if (!h.expired) {
      h.withdrawn = true;
      expire(h, fx);
    }
  } else {
    bool extended = new_expiration > h.expiration || h.expired;
    h.expiration = new_expiration;
    h.expired = false;
    h.withdrawn = false;
    arm(h, new_expiration, expiry_ordinal, deadline_kind::expiry);
    if (extended)
      fx.changes.push_back({event_type::hit_extended, 0, false, unavailable_reason::none, 0});
  }
  settle(h, fees, fx);
  compare(h, before, fx);
  return done{};
}

result<money> plan_additional_assignments(const hit_state& h, int64_t n, const fee_schedule& fees) {
  if (h.disposed)
    return error{errc::invalid_hit_state, "the HIT was deleted"};
  if (n < 1 || n > limits::max_assignments_max - h.max_assignments)
    return error{errc::invalid_parameter_value, "NumberOfAdditionalAssignments must be at least 1 and keep MaxAssignments within 1,000,000,000"};
  if (h.max_assignments < fees.large_hit_assignments && h.max_assignments + n >= fees.large_hit_assignments)
    return error{errc::invalid_maximum_assignments_increase,
                 "a HIT created with fewer than 10 assignments cannot be extended to 10 or more"};
  if (h.expired)
    return money{};
  auto cost = checked_mul(slot_cost(fees, h.def->properties->reward, h.max_assignments + n), n);
  if (!cost)
    return error{errc::invalid_parameter_value, "the amount overflows"};
  return *cost;
}

void add_assignments(hit_state& h, int64_t n, money extra_held, timestamp now,
                     const fee_schedule& fees, hit_effects& fx) {
  advance_to(h, now, fees, fx);
  auto before = observe(h);
  h.max_assignments += n;
  h.held += extra_held;
  fx.hit_changed = true;
  fx.changes.push_back({event_type::hit_extended, 0, false, unavailable_reason::none, 0});
  settle(h, fees, fx);
  compare(h, before, fx);
}

status update_review_status(hit_state& h, bool revert, hit_effects& fx) {
  auto s = status_of(h);
  if (!revert && s != hit_status::reviewable)
    return error{errc::invalid_hit_state, "only a Reviewable HIT can be set to Reviewing"};
  if (revert && s != hit_status::reviewing)
    return error{errc::invalid_hit_state, "only a Reviewing HIT can be reverted to Reviewable"};
  h.reviewing = !revert;
  fx.hit_changed = true;
  return done{};
}

status dispose(hit_state& h, timestamp now, const fee_schedule& fees, hit_effects& fx) {
  advance_to(h, now, fees, fx);
  auto s = status_of(h);
  if (s == hit_status::disposed)
    return done{};   // DeleteHIT is idempotent
  if (s != hit_status::reviewable && s != hit_status::reviewing)
    return error{errc::invalid_hit_state, "only a Reviewable HIT with no work in progress can be deleted; expire it first"};
  if (h.submitted_n > 0)
    return error{errc::invalid_hit_state, "every submitted assignment must be approved or rejected before the HIT is deleted"};
  auto before = observe(h);
  h.disposed = true;
  h.disposed_at = now;
  h.deadlines.clear();
  fx.hit_changed = true;
  fx.changes.push_back({event_type::hit_disposed, 0, false, unavailable_reason::none, 0});
  settle(h, fees, fx);
  compare(h, before, fx);
  return done{};
}

status check_bonus(const hit_state& h, uint32_t ordinal, std::string_view worker_id) {
  const auto* a = find(h, ordinal);
  if (!a || !taken(a->status) || a->status == assignment_status::accepted)
    return error{errc::assignment_does_not_exist, "no submitted assignment with this id"};
  if (a->worker_id != worker_id)
    return error{errc::invalid_parameter_value, "the assignment was not done by this worker"};
  return done{};
}

money retype_hold(const hit_state& h, const hit_properties& props, const fee_schedule& fees) {
  return hold_for(h, fees, h.expired, props.reward) - required_hold(h, fees);
}

void retype(hit_state& h, std::shared_ptr<const hit_definition> def, money extra_held,
            timestamp now, const fee_schedule& fees, hit_effects& fx) {
  advance_to(h, now, fees, fx);
  auto before = observe(h);
  h.def = std::move(def);
  if (extra_held.cents > 0)
    h.held += extra_held;
  fx.hit_changed = true;
  settle(h, fees, fx);
  auto changes = fx.changes.size();
  compare(h, before, fx);
  // The HIT stays available with other properties: the live feed must hear
  // of it even when the assignments left did not change.
  if (fx.changes.size() == changes && before.assignable && assignable(h))
    fx.changes.push_back({event_type::hit_updated, 0, false, unavailable_reason::none, available_of(h)});
}

hit_view view_of(const hit_state& h, bool for_owner) {
  const auto& d = *h.def;
  hit_view v;
  v.hit_id = format_id(id_kind::hit, d.number);
  v.hit_type_id = d.hit_type_id;
  v.hit_group_id = d.hit_type_id;
  v.requester_id = d.requester_id;
  v.creation_time = d.creation_time;
  v.title = d.properties->title;
  v.description = d.properties->description;
  v.question = d.question;
  v.keywords = d.properties->keywords;
  v.status = status_of(h);
  v.max_assignments = h.max_assignments;
  v.reward = d.properties->reward;
  v.auto_approval_delay_s = d.properties->auto_approval_delay_s;
  v.expiration = h.expiration;
  v.assignment_duration_s = d.properties->assignment_duration_s;
  if (for_owner)
    v.requester_annotation = d.requester_annotation;
  v.requirements = d.properties->requirements;
  v.review_status = h.review_status;
  v.assignments_pending = pending_of(h);
  v.assignments_available = available_of(h);
  v.assignments_completed = h.approved_n + h.rejected_n;
  v.escrow_held = h.held;
  return v;
}

assignment_view view_of(const hit_state& h, const assignment_record& a) {
  assignment_view v;
  v.assignment_id = format_assignment_id({h.def->number, a.ordinal});
  v.worker_id = a.worker_id;
  v.hit_id = format_id(id_kind::hit, h.def->number);
  v.status = a.status;
  v.accept_time = a.accept_time;
  v.deadline = a.deadline;
  if (a.submit_time) {
    v.submit_time = a.submit_time;
    v.auto_approval_time = a.auto_approval_time;
  }
  if (a.approval_time)
    v.approval_time = a.approval_time;
  if (a.rejection_time)
    v.rejection_time = a.rejection_time;
  v.answer = a.answer;
  v.requester_feedback = a.requester_feedback;
  v.reward = a.reward;
  return v;
}

} // namespace hitd
