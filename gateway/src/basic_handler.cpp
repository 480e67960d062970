#include "hitd/gateway/basic_handler.hpp"

#include <boost/json.hpp>

#include <chrono>

#include "hitd/gateway/log.hpp"

namespace hitd::gateway {

namespace json = boost::json;

namespace {

std::string id_text(const json::value* id) {
  if (!id || !(id->is_number() || id->is_string()))
    return "null";
  return json::serialize(*id);
}

class basic_handler final : public connection_handler {
public:
  basic_handler(metrics& m, connection_info info, std::shared_ptr<session_sink> sink)
      : metrics_(m), info_(std::move(info)), sink_(std::move(sink)) {}

  void on_open() override {
    std::string hello = "{\"type\":\"hello\",\"worker_id\":";
    append_json_string(hello, info_.worker_id);
    hello += ",\"connection\":" + std::to_string(info_.id) + "}";
    sink_->send(std::make_shared<const std::string>(std::move(hello)));
  }

  void on_text(std::string_view frame) override {
    auto start = std::chrono::steady_clock::now();
    auto reply = [&](std::string_view op, std::string_view result, std::shared_ptr<const std::string> f) {
      sink_->send(std::move(f));
      metrics_.command(op, result, std::chrono::steady_clock::now() - start);
    };
    boost::system::error_code ec;
    json::value v = json::parse(json::string_view{frame.data(), frame.size()}, ec);
    if (ec)
      return reply("invalid", "bad_json", error_frame("null", "bad_json", "the frame is not JSON: " + ec.message(), false));
    if (!v.is_object())
      return reply("invalid", "bad_request", error_frame("null", "bad_request", "a command is a JSON object", false));
    const auto& obj = v.get_object();
    std::string id = id_text(obj.if_contains("id"));
    const json::value* op = obj.if_contains("op");
    if (!op || !op->is_string())
      return reply("invalid", "bad_request", error_frame(id, "bad_request", "\"op\" must be a string", false));
    std::string_view name{op->get_string().data(), op->get_string().size()};
    if (name == "ping")
      return reply("ping", "ok", std::make_shared<const std::string>("{\"id\":" + id + ",\"type\":\"pong\"}"));
    std::string message = "unknown op ";
    append_json_string(message, name.substr(0, 64));
    reply("unknown", "unknown_op", error_frame(id, "unknown_op", message, false));
  }

  void on_close() override {}

private:
  metrics& metrics_;
  connection_info info_;
  std::shared_ptr<session_sink> sink_;
};

} // namespace

std::shared_ptr<const std::string> error_frame(std::string_view id_json, std::string_view code,
                                               std::string_view message, bool temporary) {
  std::string out = "{\"id\":";
  out += id_json;
  out += ",\"error\":{\"code\":";
  append_json_string(out, code);
  out += ",\"message\":";
  append_json_string(out, message);
  out += ",\"temporary\":";
  out += temporary ? "true" : "false";
  out += "}}";
  return std::make_shared<const std::string>(std::move(out));
}

std::string frame_id_json(std::string_view frame) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view{frame.data(), frame.size()}, ec);
  if (ec || !v.is_object())
    return "null";
  return id_text(v.get_object().if_contains("id"));
}

handler_factory basic_handler_factory(metrics& m) {
  return [&m](const connection_info& info, std::shared_ptr<session_sink> sink) -> std::unique_ptr<connection_handler> {
    return std::make_unique<basic_handler>(m, info, std::move(sink));
  };
}

} // namespace hitd::gateway
