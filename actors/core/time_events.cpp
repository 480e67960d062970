#include <chrono>

#include "hitd/events.hpp"
#include "hitd/time.hpp"

namespace hitd {

timestamp system_clock::now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const std::shared_ptr<const hit_properties>& no_properties() {
  // Never destroyed: a definition made by a thread still running at exit
  // must not copy a destroyed pointer.
  static const auto* none = new std::shared_ptr<const hit_properties>(std::make_shared<const hit_properties>());
  return *none;
}

std::string_view event_type_name(event_type t) {
  switch (t) {
    case event_type::assignment_accepted: return "AssignmentAccepted";
    case event_type::assignment_abandoned: return "AssignmentAbandoned";
    case event_type::assignment_returned: return "AssignmentReturned";
    case event_type::assignment_submitted: return "AssignmentSubmitted";
    case event_type::assignment_rejected: return "AssignmentRejected";
    case event_type::assignment_approved: return "AssignmentApproved";
    case event_type::hit_created: return "HITCreated";
    case event_type::hit_extended: return "HITExtended";
    case event_type::hit_disposed: return "HITDisposed";
    case event_type::hit_reviewable: return "HITReviewable";
    case event_type::hit_expired: return "HITExpired";
    case event_type::hit_available: return "HITAvailable";
    case event_type::hit_updated: return "HITUpdated";
    case event_type::hit_unavailable: return "HITUnavailable";
    case event_type::bonus_paid: return "BonusPaid";
    case event_type::earnings_withdrawn: return "EarningsWithdrawn";
    case event_type::funds_deposited: return "FundsDeposited";
    case event_type::qualification_granted: return "QualificationGranted";
    case event_type::qualification_revoked: return "QualificationRevoked";
    case event_type::worker_notified: return "WorkerNotified";
    case event_type::worker_blocked: return "WorkerBlocked";
    case event_type::worker_unblocked: return "WorkerUnblocked";
  }
  return "Unknown";
}

} // namespace hitd
