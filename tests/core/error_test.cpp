#include "hitd/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

namespace hitd {
namespace {

errc errc_at(int i) { return static_cast<errc>(i); }

TEST(Error, NoneHasNoCode) {
  EXPECT_EQ(mturk_code(errc::none), "");
  EXPECT_EQ(errc_name(errc::none), "none");
  EXPECT_FALSE(is_service_fault(errc::none));
  EXPECT_FALSE(default_message(errc::none).empty());
  EXPECT_EQ(static_cast<int>(errc::none), 0);
}

TEST(Error, EveryErrorHasAnMTurkCode) {
  for (int i = 1; i < errc_count; ++i) {
    const std::string_view code = mturk_code(errc_at(i));
    EXPECT_FALSE(code.empty()) << i;
    const bool mturk = code.starts_with("AWS.MechanicalTurk.");
    const bool aws = code == "AWS.MissingParameters" || code == "ThrottlingException";
    EXPECT_TRUE(mturk || aws) << code;
  }
}

TEST(Error, CodesAreOneToOne) {
  std::set<std::string_view> codes;
  for (int i = 0; i < errc_count; ++i) codes.insert(mturk_code(errc_at(i)));
  EXPECT_EQ(codes.size(), static_cast<size_t>(errc_count));
}

TEST(Error, NamesAreOneToOneSnakeCase) {
  std::set<std::string_view> names;
  for (int i = 0; i < errc_count; ++i) {
    const std::string_view name = errc_name(errc_at(i));
    ASSERT_FALSE(name.empty()) << i;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(errc_count));
}

TEST(Error, EveryErrorHasAMessage) {
  std::set<std::string_view> messages;
  for (int i = 0; i < errc_count; ++i) {
    const std::string_view message = default_message(errc_at(i));
    EXPECT_FALSE(message.empty()) << i;
    messages.insert(message);
  }
  EXPECT_EQ(messages.size(), static_cast<size_t>(errc_count));
  EXPECT_EQ(default_message(errc::hit_does_not_exist), "The HIT does not exist.");
}

TEST(Error, MapsMTurksOwnCodes) {
  EXPECT_EQ(mturk_code(errc::invalid_parameter_value), "AWS.MechanicalTurk.InvalidParameterValue");
  EXPECT_EQ(mturk_code(errc::missing_parameter), "AWS.MissingParameters");
  EXPECT_EQ(mturk_code(errc::hit_does_not_exist), "AWS.MechanicalTurk.HITDoesNotExist");
  EXPECT_EQ(mturk_code(errc::hit_type_does_not_exist), "AWS.MechanicalTurk.HITTypeDoesNotExist");
  EXPECT_EQ(mturk_code(errc::assignment_does_not_exist),
            "AWS.MechanicalTurk.AssignmentDoesNotExist");
  EXPECT_EQ(mturk_code(errc::qualification_type_does_not_exist),
            "AWS.MechanicalTurk.QualificationTypeDoesNotExist");
  EXPECT_EQ(mturk_code(errc::qualification_does_not_exist),
            "AWS.MechanicalTurk.QualificationDoesNotExist");
  EXPECT_EQ(mturk_code(errc::qualification_request_does_not_exist),
            "AWS.MechanicalTurk.QualificationRequestDoesNotExist");
  EXPECT_EQ(mturk_code(errc::hit_already_exists), "AWS.MechanicalTurk.HitAlreadyExists");
  EXPECT_EQ(mturk_code(errc::assignment_already_exists),
            "AWS.MechanicalTurk.AssignmentAlreadyExists");
  EXPECT_EQ(mturk_code(errc::qualification_type_already_exists),
            "AWS.MechanicalTurk.QualificationTypeAlreadyExists");
  EXPECT_EQ(mturk_code(errc::invalid_hit_state), "AWS.MechanicalTurk.InvalidHITState");
  EXPECT_EQ(mturk_code(errc::invalid_assignment_state),
            "AWS.MechanicalTurk.InvalidAssignmentState");
  EXPECT_EQ(mturk_code(errc::invalid_qualification_type_state),
            "AWS.MechanicalTurk.InvalidQualificationTypeState");
  EXPECT_EQ(mturk_code(errc::invalid_qualification_request_state),
            "AWS.MechanicalTurk.InvalidQualificationRequestState");
  EXPECT_EQ(mturk_code(errc::invalid_maximum_assignments_increase),
            "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease");
  EXPECT_EQ(mturk_code(errc::insufficient_funds), "AWS.MechanicalTurk.InsufficientFunds");
  EXPECT_EQ(mturk_code(errc::permission_denied), "AWS.MechanicalTurk.PermissionDenied");
  EXPECT_EQ(mturk_code(errc::does_not_meet_requirements),
            "AWS.MechanicalTurk.DoesNotMeetRequirements");
  EXPECT_EQ(mturk_code(errc::exceeds_daily_limit),
            "AWS.MechanicalTurk.ExceedsMaxAssignmentsPerWorker");
  EXPECT_EQ(mturk_code(errc::no_hits_available_in_group),
            "AWS.MechanicalTurk.NoHITsAvailableInGroup");
  EXPECT_EQ(mturk_code(errc::qualification_retry_not_allowed),
            "AWS.MechanicalTurk.QualificationTypeRetryDelayNotElapsed");
  EXPECT_EQ(mturk_code(errc::operation_not_supported),
            "AWS.MechanicalTurk.OperationNotSupported");
  EXPECT_EQ(mturk_code(errc::throttled), "ThrottlingException");
}

TEST(Error, MapsHitdsOwnCodes) {
  EXPECT_EQ(mturk_code(errc::requester_does_not_exist),
            "AWS.MechanicalTurk.RequesterDoesNotExist");
  EXPECT_EQ(mturk_code(errc::worker_does_not_exist), "AWS.MechanicalTurk.WorkerDoesNotExist");
  EXPECT_EQ(mturk_code(errc::requester_already_exists),
            "AWS.MechanicalTurk.RequesterAlreadyExists");
  EXPECT_EQ(mturk_code(errc::worker_already_exists), "AWS.MechanicalTurk.WorkerAlreadyExists");
  EXPECT_EQ(mturk_code(errc::worker_blocked), "AWS.MechanicalTurk.WorkerBlocked");
  EXPECT_EQ(mturk_code(errc::withdrawal_not_allowed), "AWS.MechanicalTurk.WithdrawalNotAllowed");
}

TEST(Error, StorageFailureAndShutdownAreDistinct) {
  EXPECT_EQ(mturk_code(errc::storage_failure), "AWS.MechanicalTurk.ServiceUnavailable");
  EXPECT_EQ(mturk_code(errc::shutting_down), "AWS.MechanicalTurk.ServiceShuttingDown");
  EXPECT_NE(mturk_code(errc::storage_failure), mturk_code(errc::shutting_down));
}

TEST(Error, OnlyServiceProblemsAreServiceFaults) {
  int faults = 0;
  for (int i = 0; i < errc_count; ++i) {
    if (is_service_fault(errc_at(i))) ++faults;
  }
  EXPECT_EQ(faults, 3);
  EXPECT_TRUE(is_service_fault(errc::throttled));
  EXPECT_TRUE(is_service_fault(errc::storage_failure));
  EXPECT_TRUE(is_service_fault(errc::shutting_down));
  EXPECT_FALSE(is_service_fault(errc::invalid_parameter_value));
  EXPECT_FALSE(is_service_fault(errc::insufficient_funds));
  EXPECT_FALSE(is_service_fault(errc::operation_not_supported));
}

TEST(Error, NamesAreTheEnumeratorNames) {
  EXPECT_EQ(errc_name(errc::invalid_parameter_value), "invalid_parameter_value");
  EXPECT_EQ(errc_name(errc::missing_parameter), "missing_parameter");
  EXPECT_EQ(errc_name(errc::hit_does_not_exist), "hit_does_not_exist");
  EXPECT_EQ(errc_name(errc::hit_type_does_not_exist), "hit_type_does_not_exist");
  EXPECT_EQ(errc_name(errc::assignment_does_not_exist), "assignment_does_not_exist");
  EXPECT_EQ(errc_name(errc::requester_does_not_exist), "requester_does_not_exist");
  EXPECT_EQ(errc_name(errc::worker_does_not_exist), "worker_does_not_exist");
  EXPECT_EQ(errc_name(errc::qualification_type_does_not_exist),
            "qualification_type_does_not_exist");
  EXPECT_EQ(errc_name(errc::qualification_does_not_exist), "qualification_does_not_exist");
  EXPECT_EQ(errc_name(errc::qualification_request_does_not_exist),
            "qualification_request_does_not_exist");
  EXPECT_EQ(errc_name(errc::hit_already_exists), "hit_already_exists");
  EXPECT_EQ(errc_name(errc::assignment_already_exists), "assignment_already_exists");
  EXPECT_EQ(errc_name(errc::requester_already_exists), "requester_already_exists");
  EXPECT_EQ(errc_name(errc::worker_already_exists), "worker_already_exists");
  EXPECT_EQ(errc_name(errc::qualification_type_already_exists),
            "qualification_type_already_exists");
  EXPECT_EQ(errc_name(errc::invalid_hit_state), "invalid_hit_state");
  EXPECT_EQ(errc_name(errc::invalid_assignment_state), "invalid_assignment_state");
  EXPECT_EQ(errc_name(errc::invalid_qualification_type_state),
            "invalid_qualification_type_state");
  EXPECT_EQ(errc_name(errc::invalid_qualification_request_state),
            "invalid_qualification_request_state");
  EXPECT_EQ(errc_name(errc::invalid_maximum_assignments_increase),
            "invalid_maximum_assignments_increase");
  EXPECT_EQ(errc_name(errc::insufficient_funds), "insufficient_funds");
  EXPECT_EQ(errc_name(errc::withdrawal_not_allowed), "withdrawal_not_allowed");
  EXPECT_EQ(errc_name(errc::permission_denied), "permission_denied");
  EXPECT_EQ(errc_name(errc::does_not_meet_requirements), "does_not_meet_requirements");
  EXPECT_EQ(errc_name(errc::worker_blocked), "worker_blocked");
  EXPECT_EQ(errc_name(errc::exceeds_daily_limit), "exceeds_daily_limit");
  EXPECT_EQ(errc_name(errc::no_hits_available_in_group), "no_hits_available_in_group");
  EXPECT_EQ(errc_name(errc::qualification_retry_not_allowed), "qualification_retry_not_allowed");
  EXPECT_EQ(errc_name(errc::operation_not_supported), "operation_not_supported");
  EXPECT_EQ(errc_name(errc::throttled), "throttled");
  EXPECT_EQ(errc_name(errc::storage_failure), "storage_failure");
  EXPECT_EQ(errc_name(errc::shutting_down), "shutting_down");
}

TEST(Error, ValuesOutsideTheEnumAreUnknown) {
  for (int i : {errc_count, errc_count + 1, 255}) {
    const errc bad = errc_at(i);
    EXPECT_EQ(mturk_code(bad), "") << i;
    EXPECT_EQ(errc_name(bad), "unknown") << i;
    EXPECT_FALSE(is_service_fault(bad)) << i;
    EXPECT_EQ(default_message(bad), "Unknown error.") << i;
  }
}

} // namespace
} // namespace hitd
