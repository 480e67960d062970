#pragma once
// hitd::gateway::server: the HTTP and WebSocket server in front of an engine.
// Start here for the gateway.
//
// One port serves GET /healthz, GET /metrics, the WebSocket upgrade at
// /ws (token checked before upgrading), and hands every other HTTP request
// to an http_handler (http_handler.hpp: the MTurk requester API). A small pool of io threads runs
// every socket; connections share a few strands (two per io thread, the
// send shards of src/websocket_session.hpp), so one connection's handlers
// never run concurrently and a fan-out is a few posts. The server never blocks
// an io thread on the engine: handlers use the engine's callback overloads
// and post results back through their session_sink.
//
//   listener ──accept──► http_session ──upgrade (/ws, token ok)──► websocket_session
//                          │ /healthz /metrics                       │ handler (session_sink.hpp)
//                          ▼                                          ▼
//                       response                          hub: every open session (broadcast, shutdown)
//
// This header includes no Beast or Asio: the transport is in gateway/src.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hitd/engine.hpp"
#include "hitd/gateway/credentials.hpp"
#include "hitd/gateway/http_handler.hpp"
#include "hitd/gateway/limits.hpp"
#include "hitd/gateway/log.hpp"
#include "hitd/gateway/metrics.hpp"
#include "hitd/gateway/session_sink.hpp"
#include "hitd/result.hpp"

namespace hitd::gateway {

struct server_options {
  std::string listen_address = "127.0.0.1";   // an IPv4 or IPv6 address, never a name
  uint16_t port = 8080;                        // 0: any free port (server::port() tells which)
  unsigned threads = limits::io_threads;
  size_t max_connections = limits::connections_max;
  size_t read_message_max_bytes = limits::read_message_max_bytes;
  size_t outbound_queue_max_bytes = limits::outbound_queue_max_bytes;
  size_t outbound_queue_max_messages = limits::outbound_queue_max_messages;
  double commands_per_s = limits::commands_per_s;
  double command_burst = limits::command_burst;
  uint32_t rate_limited_in_a_row_max = limits::rate_limited_in_a_row_max;
  uint32_t idle_timeout_s = limits::idle_timeout_s;
  uint32_t handshake_timeout_s = limits::handshake_timeout_s;
  uint32_t close_timeout_ms = limits::close_timeout_ms;
  size_t http_body_max_bytes = limits::http_body_max_bytes;
  uint32_t http_request_timeout_s = limits::http_request_timeout_s;
  uint32_t shutdown_drain_ms = limits::shutdown_drain_ms;
  // Origins allowed to open a WebSocket ("https://example.com"). Empty:
  // any. A request without an Origin header (not a browser) is always let in.
  std::vector<std::string> allowed_origins;
  // SO_SNDBUF of each accepted socket; 0: the system's default (autotuned).
  // Tests make it small so that a client that stops reading fills it soon.
  int socket_send_buffer_bytes = 0;
};

// Checks the options; errc::invalid_parameter_value says which is wrong.
status validate(const server_options& o);

class server {
public:
  // The engine and the credentials must outlive the server. An empty
  // factory serves basic_handler (basic_handler.hpp).
  server(server_options opts, hitd::engine& engine, std::shared_ptr<credentials> creds, logger& log,
         handler_factory factory = {});
  ~server();   // shutdown()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Replaces the handler factory; only before start(). For protocol code
  // that needs the server's own metrics: build the server, then
  //   srv.set_handler_factory(make_factory(..., srv.metrics()));
  void set_handler_factory(handler_factory factory);
  // Serves every HTTP request other than /healthz, /metrics and /ws (the
  // MTurk requester API, the web pages); only before start(). Without one
  // those requests get 404.
  void set_http_handler(http_handler handler);
  // Binds, listens and starts the io threads; returns the bound port.
  result<uint16_t> start();
  uint16_t port() const;
  // Graceful and idempotent; returns when done: stops accepting, answers
  // /healthz with 503, closes every WebSocket with close_code::going_away,
  // lets HTTP requests in flight finish, waits for connections to close (at
  // most shutdown_drain_ms), then stops the io threads. After it, the
  // sinks and responders protocol code kept (engine callbacks may still run
  // them) do nothing. The engine and the store are the caller's to stop
  // afterwards.
  void shutdown();
  bool shutting_down() const;

  // Queues one frame on every open connection (each applies its bound).
  void broadcast(std::shared_ptr<const std::string> frame);
  size_t connections() const;
  gateway::metrics& metrics();
  const server_options& options() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace hitd::gateway
