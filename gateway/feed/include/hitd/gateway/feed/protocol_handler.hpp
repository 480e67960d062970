#pragma once
// protocol_handler: the worker protocol of one connection (docs/protocol.md),
// as pure logic. The transport hands it each inbound text frame; it answers
// through the connection's session_sink, subscribes through the feed_hub and
// commands the engine through engine_port. Replies to engine commands are
// sent from the engine's threads when the engine answers (they carry the
// request's id; their order between requests is not fixed).
//
// One handler per connection (feed_handler_factory makes them); the
// transport calls on_open, on_text and on_close from the connection's
// strand. Engine callbacks hold the sink, never the handler, so the handler
// may be destroyed while commands are in flight.

#include <atomic>
#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "hitd/gateway/feed/engine_port.hpp"
#include "hitd/gateway/feed/feed_hub.hpp"
#include "hitd/gateway/session_sink.hpp"

namespace hitd::gateway {
class question_links;
}

namespace hitd::gateway {

// The stable error codes of the protocol (besides the engine's, which are
// errc_name(): "hit_does_not_exist", "insufficient_funds", ...).
namespace protocol_error {
inline constexpr std::string_view malformed_json = "malformed_json";     // not JSON, or not an object
inline constexpr std::string_view frame_too_large = "frame_too_large";
inline constexpr std::string_view unknown_op = "unknown_op";
inline constexpr std::string_view missing_field = "missing_field";
inline constexpr std::string_view wrong_type = "wrong_type";
inline constexpr std::string_view bad_id = "bad_id";                     // an id that cannot be one
inline constexpr std::string_view bad_value = "bad_value";               // well typed, out of range
inline constexpr std::string_view not_authenticated = "not_authenticated";
inline constexpr std::string_view too_many_requests = "too_many_requests";   // temporary
} // namespace protocol_error

// Told of every command a connection's handler answers: its op ("invalid"
// before an op could be read, "unknown" for one the protocol does not
// have), the result ("ok", or the error code of the reply) and the time from
// the frame's arrival to its reply being queued. The server counts them in
// /metrics. Called from the connection's strand or an engine thread.
using command_observer = std::function<void(std::string_view op, std::string_view result, std::chrono::nanoseconds rtt)>;

class protocol_handler final : public connection_handler {
public:
  // `who.worker_id` is the worker the transport authenticated (empty: every
  // request is refused with not_authenticated).
  // `links`, when given, signs the `question_url` of an HTMLQuestion in the
  // preview and assignments replies (question_links.hpp); it must outlive
  // the handler.
  protocol_handler(feed_hub& hub, engine_port& engine, const connection_info& who, std::shared_ptr<session_sink> sink,
                   command_observer observe = {}, const question_links* links = nullptr);
  ~protocol_handler() override;   // closes the hub session if on_close did not
  protocol_handler(const protocol_handler&) = delete;
  protocol_handler& operator=(const protocol_handler&) = delete;

  void on_open() override;
  void on_text(std::string_view frame) override;
  void on_close() override;

private:
  void handle(const boost::json::object& req, const boost::json::value& id);
  void error(const boost::json::value& id, std::string_view code, std::string message, bool temporary = false);
  // Counts an engine command in flight; false (and a too_many_requests
  // reply) when the connection has too many.
  bool admit(const boost::json::value& id);
  void report(std::string_view result) const;

  feed_hub& hub_;
  engine_port& engine_;
  std::shared_ptr<session_sink> sink_;
  std::string worker_id_;
  uint64_t session_ = 0;
  std::shared_ptr<std::atomic<int64_t>> in_flight_;
  command_observer observe_;
  const question_links* links_ = nullptr;
  std::string op_ = "invalid";                         // of the frame being handled
  std::chrono::steady_clock::time_point started_{};    // when it arrived
};

// The transport's handler_factory for the worker protocol: one
// protocol_handler per connection over this hub and engine (both must
// outlive the connections), each telling `observe` of its commands and
// signing question links with `links` (when given; it must outlive them too).
handler_factory feed_handler_factory(feed_hub& hub, engine_port& engine, command_observer observe = {},
                                     const question_links* links = nullptr);

} // namespace hitd::gateway
