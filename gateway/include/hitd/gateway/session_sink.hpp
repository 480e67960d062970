#pragma once
// The seam between the WebSocket transport and the protocol logic. The
// transport (one Beast session per connection) implements session_sink; the
// protocol logic implements connection_handler. Neither sees the other's
// internals: the transport never parses JSON, the logic never touches a
// socket.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace hitd::gateway {

// Where a connection's outbound frames go. Implemented by the transport.
// Both calls are thread-safe (engine threads call them) and must not block
// nor call the connection_handler back synchronously (the feed calls send
// while it holds its lock, to keep a snapshot and the events after it in
// order): queue the frame, or schedule the close, and return.
struct session_sink {
  virtual ~session_sink() = default;
  // Queues one text frame, shared with every other session it goes to.
  // False when the session is closed or its bounded queue is full (the
  // transport then closes it as a slow consumer).
  virtual bool send(std::shared_ptr<const std::string> frame) = 0;
  virtual void close(uint16_t code, std::string reason) = 0;
};

// Who the transport authenticated at the upgrade.
struct session_auth {
  std::string worker_id;
};

// The protocol logic of one connection. The transport calls these in order
// from one strand: on_open once, on_text per inbound text frame, on_close
// once when the connection ends for any reason.
class connection_handler {
public:
  virtual ~connection_handler() = default;
  virtual void on_open(session_auth auth) = 0;
  virtual void on_text(std::string_view frame) = 0;
  virtual void on_close() = 0;
};

} // namespace hitd::gateway
