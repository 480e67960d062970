#pragma once
// The domain error enum. Every failure the engine reports is one of these
// cases; each maps to exactly one MTurk TurkErrorCode (mturk_code) so the
// requester API can render it unchanged, and to a stable name for the worker
// feed. Values start at 1 so that 0 means "no error".

#include <cstdint>
#include <string>
#include <string_view>

namespace hitd {

enum class errc : uint8_t {
  none = 0,
  // Input validation.
  invalid_parameter_value = 1,   // malformed or out-of-range field
  missing_parameter,             // a required field is absent
  // Not found.
  hit_does_not_exist,
  hit_type_does_not_exist,
  assignment_does_not_exist,
  requester_does_not_exist,
  worker_does_not_exist,
  qualification_type_does_not_exist,
  qualification_does_not_exist,
  qualification_request_does_not_exist,
  // Conflicts.
  hit_already_exists,            // a UniqueRequestToken reused with other input
  assignment_already_exists,     // the worker already has (or had) an assignment of this HIT
  requester_already_exists,
  worker_already_exists,
  qualification_type_already_exists,
  // State.
  invalid_hit_state,
  invalid_assignment_state,
  invalid_qualification_type_state,
  invalid_qualification_request_state,
  invalid_maximum_assignments_increase,
  // Money.
  insufficient_funds,
  withdrawal_not_allowed,        // below the minimum, or during probation
  // Who may do what.
  permission_denied,             // not the owner of the thing named
  does_not_meet_requirements,    // qualification requirements not met
  worker_blocked,                // the HIT's requester blocked this worker
  exceeds_daily_limit,           // the worker's accept cap for today is used up
  no_hits_available_in_group,    // accept-next found nothing in the group
  qualification_retry_not_allowed,   // retake disabled, or the retry delay has not elapsed
  // Operations hitd does not offer.
  operation_not_supported,
  // The service.
  throttled,
  storage_failure,               // the store failed to write; the command had no effect
  shutting_down,
};

inline constexpr int errc_count = static_cast<int>(errc::shutting_down) + 1;

struct error {
  errc code = errc::none;
  std::string message;
};

// MTurk's TurkErrorCode for a domain error, e.g.
// "AWS.MechanicalTurk.InsufficientFunds". Stable: the wire depends on it.
std::string_view mturk_code(errc code);

// True when MTurk reports the error as ServiceFault (retryable) rather than
// RequestError (the request is wrong).
bool is_service_fault(errc code);

// A short snake_case name ("insufficient_funds"), used on the worker feed.
std::string_view errc_name(errc code);

// A default English message for the error.
std::string_view default_message(errc code);

} // namespace hitd
