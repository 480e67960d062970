#pragma once
// hitd::gateway_mturk::requester_api: MTurk's requester API on the hitd
// server's HTTP port, so that MTurk's own clients (boto3, the AWS SDKs)
// work by changing their endpoint URL. Start here for issue 5.
//
//   POST /   Content-Type: application/x-amz-json-1.1
//            X-Amz-Target: MTurkRequesterServiceV20170117.<Operation>
//            Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/mturk-requester/aws4_request, ...
//
// Each request: the signature is verified (sigv4.hpp) against the access
// key's secret, which names the requester; the JSON body is parsed and the
// operation's input checked as MTurk's model does (required fields,
// patterns, ranges, lengths); the operation runs on the engine through its
// callback overloads (never blocking an io thread); the answer is the
// operation's output shape, or MTurk's error document:
//
//   400 {"__type":"RequestError","Message":"...","TurkErrorCode":"AWS.MechanicalTurk.HITDoesNotExist"}
//   500 {"__type":"ServiceFault","Message":"...","TurkErrorCode":"AWS.MechanicalTurk.StorageFailure"}
//   403/400 {"__type":"InvalidSignatureException","message":"..."} and the other SigV4 refusals
//
// operations.cpp maps the 39 operations; docs/mturk-compat.md lists each
// with every difference from Amazon's behaviour.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hitd/engine.hpp"
#include "hitd/gateway/http_handler.hpp"
#include "hitd/model.hpp"
#include "hitd/result.hpp"

namespace hitd::gateway_mturk {

// What the API needs of notifications (notifier.hpp implements it):
// checking a NotificationSpecification, hearing that a HIT type's settings
// changed, and SendTestEventNotification.
class notification_port {
public:
  virtual ~notification_port() = default;
  virtual status validate(const notification_spec& spec) const = 0;
  virtual void settings_changed(const std::string& hit_type_id) = 0;
  virtual void send_test(const std::string& requester_id, const notification_spec& spec,
                         const std::string& test_event_type, std::function<void(status)> done) = 0;
};

// An access key's requester and secret.
struct requester_key {
  std::string requester_id;
  std::string secret_access_key;
};
// Finds an access key by its id; nothing when unknown.
using key_lookup = std::function<std::optional<requester_key>(std::string_view access_key_id)>;

struct api_options {
  int64_t max_skew_s = 300;   // X-Amz-Date within now ± this (AWS: 5 minutes)
  // The clock signatures are checked against (seconds since the epoch);
  // empty: the system clock. Tests set it to replay old requests.
  std::function<int64_t()> clock;
  // Told of every answer, from the thread that answers: the operation (or
  // "invalid" when the request named none the API knows), the result ("ok",
  // the TurkErrorCode, or the AWS error type such as
  // "InvalidSignatureException") and the time since the request was handed
  // to the API. hitd serve counts them in /metrics.
  std::function<void(std::string_view op, std::string_view result, std::chrono::nanoseconds took)> on_answer;
};

struct api_stats {
  uint64_t requests = 0;
  uint64_t refused_auth = 0;     // SigV4 failures
  uint64_t request_errors = 0;   // RequestError answers
  uint64_t service_faults = 0;   // ServiceFault answers
};

class requester_api {
public:
  // The engine (and notify, when given) outlive the API. notify may be null:
  // then notification settings are recorded but not delivered, and
  // SendTestEventNotification refuses.
  requester_api(hitd::engine& engine, key_lookup keys, notification_port* notify, api_options opts = {});
  ~requester_api();
  requester_api(const requester_api&) = delete;
  requester_api& operator=(const requester_api&) = delete;

  // Answers one HTTP request (any path and method; only POST / is the API).
  void handle(gateway::http_request req, gateway::http_responder respond);
  // An http_handler for server::set_http_handler, calling handle.
  gateway::http_handler handler();

  api_stats stats() const;

  struct state;   // shared with the operations (operations.cpp)

private:
  std::shared_ptr<state> state_;
};

} // namespace hitd::gateway_mturk
