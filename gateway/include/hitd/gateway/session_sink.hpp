#pragma once
// The seam between the WebSocket transport and the worker protocol.
//
// The transport (websocket_session.cpp) owns the socket, the bounded
// outbound queue, the read limits, the rate limit and the heartbeats. It
// knows nothing of the protocol: for each accepted connection it asks a
// handler_factory for a connection_handler and hands it every inbound text
// frame. The handler answers (and pushes) through the session_sink it was
// given. Protocol code (gateway/feed/, basic_handler) never sees Beast.
//
// Threads. on_open, on_text and on_close of one connection are called one at
// a time, in that order, on the connection's strand (an io thread): keep them
// short and never block in them (call the engine's callback overloads, never
// the blocking ones). session_sink's methods may be called from any thread
// (an engine callback, the feed's fan-out): send and close post to the
// strand; post runs a function there, so state the handler keeps is only
// touched on the strand.
//
// Lifetime. The session owns its handler and destroys it after on_close.
// The sink a handler gets refers to its session weakly: the handler may
// keep it and copy it into engine callbacks or a feed's subscriber list
// for as long as it likes; it never keeps the connection alive, and after
// the connection closed send returns false, close does nothing and post
// drops the function. The same holds once its server has shut down: a sink
// may outlive the server (an engine callback in flight when it went), and
// shutdown() waits for calls already inside a session to return before the
// io_context is destroyed, so no session outlives it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace hitd::gateway {

// Where replies and pushes go. Implemented by the transport.
class session_sink {
public:
  virtual ~session_sink() = default;
  // Queues one text frame. The same frame (one serialisation) may be queued
  // on many sessions. Returns false when the frame was not queued: the
  // connection is closing or closed, or its outbound queue would exceed its
  // bound in bytes or messages, in which case the connection is closed with
  // close_code::slow_consumer (the client resumes from its last sequence
  // number on a new connection).
  virtual bool send(std::shared_ptr<const std::string> frame) = 0;
  // Closes with a close frame carrying code and reason (queued frames not
  // yet being written are dropped). Idempotent.
  virtual void close(uint16_t code, std::string reason) = 0;
  // Runs fn on the connection's strand, unless the connection has closed
  // by then. The handler is destroyed on that strand after it closed, so fn
  // may use the handler (capture `this`): the way an engine callback hands
  // its result back to the handler's state.
  virtual void post(std::function<void()> fn) = 0;
  // A process-unique number of the connection (for logs).
  virtual uint64_t id() const = 0;
};

// Who is on the other end, decided at the upgrade.
struct connection_info {
  uint64_t id = 0;            // as session_sink::id()
  std::string worker_id;      // the authenticated worker
  std::string remote;         // "127.0.0.1:53412"
};

// The protocol of one connection. Implemented by the protocol code.
class connection_handler {
public:
  virtual ~connection_handler() = default;
  // The upgrade succeeded; the sink accepts frames.
  virtual void on_open() = 0;
  // One inbound text frame (at most limits' read_message_max bytes, already
  // past the rate limit). The view is valid only during the call.
  virtual void on_text(std::string_view frame) = 0;
  // The connection is gone (closed by either side, or failed). Called once,
  // after on_open.
  virtual void on_close() = 0;
};

// Makes the handler of each new connection; called on the connection's
// strand before on_open. A factory captures what its handlers need (the
// engine, the feed, the gateway's metrics for metrics::command).
using handler_factory =
  std::function<std::unique_ptr<connection_handler>(const connection_info&, std::shared_ptr<session_sink>)>;

} // namespace hitd::gateway
