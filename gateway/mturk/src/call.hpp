#pragma once
// Inside the requester API: one call in flight (call), the input reader
// that checks fields as MTurk's model does (input), and the operation table
// (operations.cpp). Boost.JSON; no Beast.

#include <boost/json.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hitd/engine.hpp"
#include "hitd/error.hpp"
#include "hitd/gateway/mturk/api.hpp"

namespace hitd::gateway_mturk {

namespace json = boost::json;

struct requester_api::state {
  hitd::engine& engine;
  key_lookup keys;
  notification_port* notify = nullptr;
  api_options opts;
  std::atomic<uint64_t> requests{0}, refused_auth{0}, request_errors{0}, service_faults{0};
  std::atomic<uint64_t> next_request{1};
  std::string request_id_prefix;   // random per process, so ids do not repeat across restarts

  state(hitd::engine& e, key_lookup k, notification_port* n, api_options o)
      : engine(e), keys(std::move(k)), notify(n), opts(std::move(o)) {}
};

// One request being answered. Operations keep it alive (shared_ptr) in the
// engine callbacks they pass, and finish it with exactly one reply or fail.
struct call {
  std::shared_ptr<requester_api::state> st;
  std::string operation;
  std::string requester_id;
  json::object input;
  std::string request_id;
  gateway::http_responder respond;

  hitd::engine& engine() const { return st->engine; }
  // 200 with the operation's output.
  void reply(const json::object& out);
  // MTurk's error document: RequestError (400) or ServiceFault (500).
  void fail(const hitd::error& e);
  void fail(errc code, std::string message) { fail(hitd::error{code, std::move(message)}); }
};
using call_ptr = std::shared_ptr<call>;

using operation_fn = void (*)(const call_ptr&);
// The operation of an X-Amz-Target's name ("CreateHIT"), or null.
operation_fn find_operation(std::string_view name);
// Every operation's name, in order.
std::vector<std::string_view> operation_names();

// Reads the input object field by field with MTurk's checks. The first
// problem is kept (error()); every later read returns an empty value, so an
// operation reads all its fields and then checks ok() once.
class input {
public:
  explicit input(const json::object& o) : o_(o) {}

  bool ok() const { return !err_; }
  const hitd::error& error() const { return *err_; }
  bool has(std::string_view name) const;

  // A string of min..max characters (UTF-8 code points).
  std::optional<std::string> string(std::string_view name, bool required, size_t max_chars = 0,
                                    size_t min_chars = 0);
  // ^[A-Z0-9]+$, 1..64 (EntityId).
  std::optional<std::string> entity_id(std::string_view name, bool required);
  // ^A[A-Z0-9]+$, 1..64 (CustomerId).
  std::optional<std::string> customer_id(std::string_view name, bool required);
  // An integer within [min, max].
  std::optional<int64_t> integer(std::string_view name, bool required, int64_t min, int64_t max);
  std::optional<bool> boolean(std::string_view name);
  // A CurrencyAmount string ("0.50").
  std::optional<money> amount(std::string_view name, bool required);
  // An IdempotencyToken (1..64).
  std::optional<std::string> token(std::string_view name) { return string(name, false, 64, 1); }
  // NextToken and MaxResults.
  page_request page();
  // A list of strings (each checked by check, when given).
  std::optional<std::vector<std::string>> strings(std::string_view name, bool required, size_t max_items);
  // QualificationRequirements.
  std::optional<std::vector<qualification_requirement>> requirements(std::string_view name);
  // A NotificationSpecification.
  std::optional<notification_spec> notification(std::string_view name, bool required);
  // The raw value (for shapes read elsewhere), or null.
  const json::value* raw(std::string_view name) const;

  void fail(errc code, std::string message);

private:
  const json::value* find(std::string_view name, bool required);
  const json::object& o_;
  std::optional<hitd::error> err_;
};

// ---- output shapes (wire.cpp) ------------------------------------------------

double epoch_seconds(timestamp t);   // the JSON protocol's timestamps
json::object hit_json(const hit_view& h);
json::object assignment_json(const assignment_view& a);
json::object qualification_type_json(const qualification_type_view& q);
json::object qualification_json(const qualification_view& q);
json::object qualification_request_json(const qualification_request_view& r);
json::object bonus_json(const bonus_payment& b);
json::object requirement_json(const qualification_requirement& r);
json::object notification_json(const notification_spec& s);

} // namespace hitd::gateway_mturk
