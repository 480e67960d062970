#include "hitd/error.hpp"

#include <array>
#include <cstddef>

namespace hitd {

namespace {

struct errc_info {
  errc code;
  std::string_view mturk_code;
  std::string_view name;
  bool service_fault;
  std::string_view message;
};

// One row per errc, in enum order (checked below). The MTurk codes are the
// wire: changing one breaks clients.
constexpr std::array<errc_info, errc_count> table = {{
    {errc::none, "", "none", false, "No error."},
    {errc::invalid_parameter_value, "AWS.MechanicalTurk.InvalidParameterValue",
     "invalid_parameter_value", false, "A parameter value is malformed or out of range."},
    {errc::missing_parameter, "AWS.MissingParameters", "missing_parameter", false,
     "A required parameter is missing."},
    {errc::hit_does_not_exist, "AWS.MechanicalTurk.HITDoesNotExist", "hit_does_not_exist",
     false, "The HIT does not exist."},
    {errc::hit_type_does_not_exist, "AWS.MechanicalTurk.HITTypeDoesNotExist",
     "hit_type_does_not_exist", false, "The HIT type does not exist."},
    {errc::assignment_does_not_exist, "AWS.MechanicalTurk.AssignmentDoesNotExist",
     "assignment_does_not_exist", false, "The assignment does not exist."},
    {errc::requester_does_not_exist, "AWS.MechanicalTurk.RequesterDoesNotExist",
     "requester_does_not_exist", false, "The requester does not exist."},
    {errc::worker_does_not_exist, "AWS.MechanicalTurk.WorkerDoesNotExist",
     "worker_does_not_exist", false, "The worker does not exist."},
    {errc::qualification_type_does_not_exist,
     "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "qualification_type_does_not_exist",
     false, "The qualification type does not exist."},
    {errc::qualification_does_not_exist, "AWS.MechanicalTurk.QualificationDoesNotExist",
     "qualification_does_not_exist", false, "The worker does not hold this qualification."},
    {errc::qualification_request_does_not_exist,
     "AWS.MechanicalTurk.QualificationRequestDoesNotExist",
     "qualification_request_does_not_exist", false,
     "The qualification request does not exist."},
    {errc::hit_already_exists, "AWS.MechanicalTurk.HitAlreadyExists", "hit_already_exists",
     false, "A HIT with this unique request token already exists."},
    {errc::assignment_already_exists, "AWS.MechanicalTurk.AssignmentAlreadyExists",
     "assignment_already_exists", false, "The worker already has an assignment of this HIT."},
    {errc::requester_already_exists, "AWS.MechanicalTurk.RequesterAlreadyExists",
     "requester_already_exists", false, "The requester already exists."},
    {errc::worker_already_exists, "AWS.MechanicalTurk.WorkerAlreadyExists",
     "worker_already_exists", false, "The worker already exists."},
    {errc::qualification_type_already_exists,
     "AWS.MechanicalTurk.QualificationTypeAlreadyExists", "qualification_type_already_exists",
     false, "A qualification type with this name already exists."},
    {errc::invalid_hit_state, "AWS.MechanicalTurk.InvalidHITState", "invalid_hit_state", false,
     "The HIT is not in a state that allows this operation."},
    {errc::invalid_assignment_state, "AWS.MechanicalTurk.InvalidAssignmentState",
     "invalid_assignment_state", false,
     "The assignment is not in a state that allows this operation."},
    {errc::invalid_qualification_type_state,
     "AWS.MechanicalTurk.InvalidQualificationTypeState", "invalid_qualification_type_state",
     false, "The qualification type is not in a state that allows this operation."},
    {errc::invalid_qualification_request_state,
     "AWS.MechanicalTurk.InvalidQualificationRequestState",
     "invalid_qualification_request_state", false,
     "The qualification request is not in a state that allows this operation."},
    {errc::invalid_maximum_assignments_increase,
     "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease",
     "invalid_maximum_assignments_increase", false,
     "The maximum number of assignments cannot be increased this way."},
    {errc::insufficient_funds, "AWS.MechanicalTurk.InsufficientFunds", "insufficient_funds",
     false, "The requester's balance is too low for this operation."},
    {errc::withdrawal_not_allowed, "AWS.MechanicalTurk.WithdrawalNotAllowed",
     "withdrawal_not_allowed", false, "A withdrawal is not allowed now."},
    {errc::permission_denied, "AWS.MechanicalTurk.PermissionDenied", "permission_denied", false,
     "You are not allowed to act on this resource."},
    {errc::does_not_meet_requirements, "AWS.MechanicalTurk.DoesNotMeetRequirements",
     "does_not_meet_requirements", false,
     "The worker does not meet the qualification requirements."},
    {errc::worker_blocked, "AWS.MechanicalTurk.WorkerBlocked", "worker_blocked", false,
     "The requester has blocked this worker."},
    {errc::exceeds_daily_limit, "AWS.MechanicalTurk.ExceedsMaxAssignmentsPerWorker",
     "exceeds_daily_limit", false, "The worker has reached today's limit of assignments."},
    {errc::no_hits_available_in_group, "AWS.MechanicalTurk.NoHITsAvailableInGroup",
     "no_hits_available_in_group", false, "No HITs are available in this group."},
    {errc::qualification_retry_not_allowed,
     "AWS.MechanicalTurk.QualificationTypeRetryDelayNotElapsed",
     "qualification_retry_not_allowed", false,
     "The qualification cannot be requested again yet."},
    {errc::operation_not_supported, "AWS.MechanicalTurk.OperationNotSupported",
     "operation_not_supported", false, "This operation is not supported."},
    {errc::throttled, "ThrottlingException", "throttled", true,
     "Too many requests; retry later."},
    {errc::storage_failure, "AWS.MechanicalTurk.ServiceUnavailable", "storage_failure", true,
     "The service could not record the request; it had no effect. Retry later."},
    {errc::shutting_down, "AWS.MechanicalTurk.ServiceShuttingDown", "shutting_down", true,
     "The service is shutting down; retry later."},
}};

static_assert(table.size() == static_cast<size_t>(errc_count));

constexpr bool rows_in_enum_order() {
  for (size_t i = 0; i < table.size(); ++i)
    if (static_cast<size_t>(table[i].code) != i) return false;
  return true;
}
static_assert(rows_in_enum_order(), "error table rows must follow the errc order");

// A value cast from an integer outside the enum has no row.
constexpr errc_info unknown = {errc::none, "", "unknown", false, "Unknown error."};

constexpr const errc_info& info(errc code) {
  const auto i = static_cast<size_t>(code);
  return i < table.size() ? table[i] : unknown;
}

} // namespace

std::string_view mturk_code(errc code) { return info(code).mturk_code; }

bool is_service_fault(errc code) { return info(code).service_fault; }

std::string_view errc_name(errc code) { return info(code).name; }

std::string_view default_message(errc code) { return info(code).message; }

} // namespace hitd
