// docs/protocol.md names every error code, reason and message type the code
// produces (a rename in one place fails here).

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "hitd/gateway/feed/protocol_handler.hpp"
#include "hitd/gateway/feed/wire.hpp"

namespace hitd::gateway {
namespace {

std::string protocol_md() {
  std::ifstream in(HITD_SOURCE_DIR "/docs/protocol.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(FeedDocs, ProtocolMdNamesEveryCodeAndReason) {
  auto doc = protocol_md();
  ASSERT_FALSE(doc.empty());
  for (auto code : {protocol_error::malformed_json, protocol_error::frame_too_large, protocol_error::unknown_op,
                    protocol_error::missing_field, protocol_error::wrong_type, protocol_error::bad_id,
                    protocol_error::bad_value, protocol_error::not_authenticated, protocol_error::too_many_requests})
    EXPECT_NE(doc.find("`" + std::string(code) + "`"), std::string::npos) << code;
  for (auto r : {unavailable_reason::lifetime_over, unavailable_reason::all_taken, unavailable_reason::withdrawn})
    EXPECT_NE(doc.find("`" + std::string(reason_name(r)) + "`"), std::string::npos) << reason_name(r);
  for (auto s : {"not_eligible", "not_matching", "too_old", "epoch_changed", "unknown_position", "credentials_changed",
                 "hit.available", "hit.updated", "hit.expired", "assignment.accepted", "assignment.returned",
                 "assignment.abandoned", "assignment.submitted", "assignment.approved", "assignment.rejected",
                 "bonus.paid", "earnings.withdrawn", "## Connection", "### Close codes"})
    EXPECT_NE(doc.find(s), std::string::npos) << s;
  for (auto e : {errc::hit_does_not_exist, errc::assignment_does_not_exist, errc::assignment_already_exists,
                 errc::invalid_hit_state, errc::does_not_meet_requirements, errc::worker_blocked,
                 errc::exceeds_daily_limit, errc::no_hits_available_in_group, errc::withdrawal_not_allowed,
                 errc::throttled, errc::storage_failure, errc::shutting_down})
    EXPECT_NE(doc.find("`" + std::string(errc_name(e)) + "`"), std::string::npos) << errc_name(e);
}

} // namespace
} // namespace hitd::gateway
