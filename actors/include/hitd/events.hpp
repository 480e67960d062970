#pragma once
// Events: every transition the engine commits publishes one or more of these,
// in commit order, each with a sequence number one higher than the last. The
// 11 MTurk event types come first; then HIT availability (what the live feed
// shows) and money and qualification changes (a worker's personal stream).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hitd/ids.hpp"
#include "hitd/model.hpp"

namespace hitd {

enum class event_type : uint8_t {
  // MTurk's (NotificationSpecification EventType).
  assignment_accepted, assignment_abandoned, assignment_returned, assignment_submitted,
  assignment_rejected, assignment_approved, hit_created, hit_extended, hit_disposed,
  hit_reviewable, hit_expired,
  // HIT availability for the live feed.
  hit_available,     // the HIT can be accepted (new, extended, or a slot came back)
  hit_updated,       // assignments_available changed while it stays available
  hit_unavailable,   // it can no longer be accepted; `reason` says why
  // Money and qualifications.
  bonus_paid, earnings_withdrawn, funds_deposited,
  qualification_granted, qualification_revoked, worker_notified,
  // A requester blocked / unblocked a worker (`text` is the reason): the live
  // feed re-evaluates what the worker may discover.
  worker_blocked, worker_unblocked,
};

std::string_view event_type_name(event_type t);   // "AssignmentAccepted", "HITAvailable", ...

// Properties no HIT has (title empty, reward zero): what a definition
// starts with before it is given its own. One instance, shared.
const std::shared_ptr<const hit_properties>& no_properties();

// The parts of a HIT that never change after creation (except through
// UpdateHITTypeOfHIT, which makes a new one). Shared, never copied.
struct hit_definition {
  uint64_t number = 0;
  std::string requester_id;
  std::string hit_type_id;
  // Its type's properties, shared with the other HITs of the type its
  // requester created or retyped since it came into memory (never null;
  // read-only like the rest).
  std::shared_ptr<const hit_properties> properties = no_properties();
  std::string question;
  std::string requester_annotation;
  timestamp creation_time = 0;
};

struct event {
  uint64_t seq = 0;
  event_type type = event_type::hit_created;
  timestamp time = 0;
  std::string requester_id;
  std::string worker_id;
  uint64_t hit_number = 0;            // 0 when the event is not about a HIT
  uint32_t assignment_ordinal = 0;    // with hit_number, when about an assignment
  bool has_assignment = false;
  int64_t assignments_available = 0;
  int64_t max_assignments = 0;
  timestamp expiration = 0;
  money amount;                        // reward, bonus, withdrawal or deposit
  unavailable_reason reason = unavailable_reason::none;
  std::string text;                    // qualification type id, notification subject, ...
  std::shared_ptr<const hit_definition> hit;   // for HIT events

  std::string hit_id() const { return hit_number ? format_id(id_kind::hit, hit_number) : std::string{}; }
  std::string assignment_id() const {
    return has_assignment ? format_assignment_id({hit_number, assignment_ordinal}) : std::string{};
  }
  std::string hit_type_id() const { return hit ? hit->hit_type_id : std::string{}; }
};

} // namespace hitd
