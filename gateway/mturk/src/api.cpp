// The requester API's front door: method, path, content type, target,
// signature, body; then the operation (operations.cpp).

#include "hitd/gateway/mturk/api.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <cstdio>

#include "call.hpp"
#include "hitd/gateway/mturk/sigv4.hpp"
#include "hitd/gateway/hex.hpp"

namespace hitd::gateway_mturk {

namespace {

constexpr std::string_view target_prefix = "MTurkRequesterServiceV20170117.";
constexpr std::string_view json_content_type = "application/x-amz-json-1.1";

gateway::http_response document(unsigned status, const json::object& body, const std::string& request_id) {
  gateway::http_response r;
  r.status = status;
  r.content_type = std::string{json_content_type};
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  r.body = json::serialize(body);
  return r;
}

// AWS's protocol-level errors (not MTurk's RequestError): the type in
// "__type" and in the x-amzn-ErrorType header, as the SDKs read them.
gateway::http_response aws_error(unsigned status, std::string_view type, std::string_view message,
                                 const std::string& request_id) {
  json::object o;
  o["__type"] = type;
  o["message"] = message;
  auto r = document(status, o, request_id);
  r.headers.emplace_back("x-amzn-ErrorType", std::string{type});
  return r;
}

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
    for (size_t i = 0; i < b.size(); ++i)
      b[i] = static_cast<unsigned char>(std::chrono::steady_clock::now().time_since_epoch().count() >> (i % 8));
  return gateway::hex_lower(b.data(), b.size());
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

} // namespace

void call::reply(const json::object& out) { respond(document(200, out, request_id)); }

void call::fail(const hitd::error& given) {
  const auto& e = given.code == errc::permission_denied && not_theirs ? *not_theirs : given;
  bool fault = is_service_fault(e.code);
  (fault ? st->service_faults : st->request_errors).fetch_add(1, std::memory_order_relaxed);
  json::object o;
  o["__type"] = fault ? "ServiceFault" : "RequestError";
  o["Message"] = e.message.empty() ? std::string{default_message(e.code)} : e.message;
  o["TurkErrorCode"] = mturk_code(e.code);
  auto r = document(fault ? 500 : 400, o, request_id);
  r.headers.emplace_back("x-amzn-ErrorType", fault ? "ServiceFault" : "RequestError");
  respond(std::move(r));
}

requester_api::requester_api(hitd::engine& engine, key_lookup keys, notification_port* notify, api_options opts)
    : state_(std::make_shared<state>(engine, std::move(keys), notify, std::move(opts))) {
  state_->request_id_prefix = random_hex(8);
}

requester_api::~requester_api() = default;

gateway::http_handler requester_api::handler() {
  return [this](gateway::http_request req, gateway::http_responder respond) {
    handle(std::move(req), std::move(respond));
  };
}

api_stats requester_api::stats() const {
  return {state_->requests.load(), state_->refused_auth.load(), state_->request_errors.load(),
          state_->service_faults.load()};
}

namespace {

// What an answer says: "ok", or its TurkErrorCode, or its AWS error type.
std::string answer_result(const gateway::http_response& r) {
  if (r.status == 200)
    return "ok";
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    for (const char* key : {"TurkErrorCode", "__type"})
      if (auto* f = o.if_contains(key); f && f->is_string())
        return std::string{f->as_string()};
  }
  return "http_" + std::to_string(r.status);
}

} // namespace

void requester_api::handle(gateway::http_request req, gateway::http_responder respond) {
  auto& st = *state_;
  st.requests.fetch_add(1, std::memory_order_relaxed);
  if (st.opts.on_answer) {
    // The operation as named (a known one, else "invalid"), then the result.
    std::string op = "invalid";
    if (auto* t = req.header("x-amz-target"); t && t->rfind(target_prefix, 0) == 0) {
      auto name = t->substr(target_prefix.size());
      if (find_operation(name))
        op = std::move(name);
    }
    respond = [respond = std::move(respond), observe = st.opts.on_answer, op = std::move(op),
               t0 = std::chrono::steady_clock::now()](gateway::http_response r) {
      observe(op, answer_result(r), std::chrono::steady_clock::now() - t0);
      respond(std::move(r));
    };
  }
  // A request id like AWS's (8-4-4-4-12 hex), unique within the process.
  char seq[17];
  std::snprintf(seq, sizeof seq, "%016llx",
                static_cast<unsigned long long>(st.next_request.fetch_add(1, std::memory_order_relaxed)));
  std::string rid = st.request_id_prefix.substr(0, 8) + "-" + st.request_id_prefix.substr(8, 4) + "-" +
                    st.request_id_prefix.substr(12, 4) + "-" + std::string{seq, 4} + "-" + std::string{seq + 4, 12};

  if (req.path() != "/") {
    gateway::http_response r;
    r.status = 404;
    r.body = R"j({"error":{"code":"not_found","message":"no such path (the MTurk API is POST /)"}})j";
    return respond(std::move(r));
  }
  if (req.method != "POST")
    return respond(aws_error(405, "UnknownOperationException", "the MTurk API takes POST /", rid));
  auto* ct = req.header("content-type");
  if (!ct || !starts_with_ci(*ct, json_content_type))
    return respond(aws_error(400, "SerializationException",
                             "Content-Type must be application/x-amz-json-1.1", rid));
  auto* target = req.header("x-amz-target");
  if (!target || target->rfind(target_prefix, 0) != 0)
    return respond(aws_error(400, "UnknownOperationException",
                             "X-Amz-Target must be MTurkRequesterServiceV20170117.<Operation>", rid));
  std::string op_name = target->substr(target_prefix.size());
  auto op = find_operation(op_name);
  if (!op)
    return respond(aws_error(400, "UnknownOperationException", "unknown operation " + op_name, rid));

  // The signature names the requester.
  std::string requester_id;
  secret_lookup secret_of = [&](std::string_view key_id) -> std::optional<std::string> {
    auto k = st.keys(key_id);
    if (!k)
      return std::nullopt;
    requester_id = k->requester_id;
    return k->secret_access_key;
  };
  int64_t now_s = st.opts.clock ? st.opts.clock()
                                : std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch()).count();
  sigv4_request sreq{req.method, req.target, &req.headers, req.body};
  sigv4_options so;
  so.max_skew_s = st.opts.max_skew_s;
  auto auth = verify_sigv4(sreq, secret_of, now_s, so);
  if (!auth.ok()) {
    st.refused_auth.fetch_add(1, std::memory_order_relaxed);
    return respond(aws_error(sigv4_failure_status(auth.failure), sigv4_failure_type(auth.failure), auth.message, rid));
  }

  json::value body;
  {
    boost::system::error_code ec;
    json::parse_options po;
    po.max_depth = 32;
    body = json::parse(req.body.empty() ? std::string_view{"{}"} : std::string_view{req.body}, ec, {}, po);
    if (ec || !body.is_object())
      return respond(aws_error(400, "SerializationException",
                               ec ? "the body is not JSON: " + ec.message() : "the body must be a JSON object", rid));
  }
  auto c = std::make_shared<call>();
  c->st = state_;
  c->operation = std::move(op_name);
  c->requester_id = std::move(requester_id);
  c->input = std::move(body.as_object());
  c->request_id = std::move(rid);
  c->respond = std::move(respond);
  op(c);
}

} // namespace hitd::gateway_mturk
