#pragma once
// Every bound of the gateway, named in one place with its unit and reason,
// and the WebSocket close codes. server_options (server.hpp) holds the
// configured values; these are their defaults.

#include <cstddef>
#include <cstdint>

namespace hitd::gateway {

// Close codes in the application range 4000-4999 (Pusher-style: 40xx the
// client should fix something or reconnect as said). Stable: clients rely
// on them (docs/protocol.md, "Connection").
namespace close_code {
inline constexpr uint16_t bad_auth = 4001;        // credentials no longer valid; do not reconnect with them
inline constexpr uint16_t protocol_error = 4002;  // a binary frame, or a frame the protocol cannot take
inline constexpr uint16_t slow_consumer = 4008;   // the outbound queue overflowed: reconnect and resume
inline constexpr uint16_t going_away = 4009;      // the server is shutting down: reconnect later and resume
inline constexpr uint16_t rate_limited = 4029;    // kept sending over the command rate limit
// The standard code the transport also uses: 1009 (RFC 6455 "message too
// big") for a message above read_message_max.
inline constexpr uint16_t too_big = 1009;
} // namespace close_code

namespace limits {
// Inbound frame: commands are small JSON objects, but a submit carries an
// answer of up to 65,535 bytes plus its JSON escaping; 128 KiB takes a
// typical one (the feed's own limit is the same) and still stops a client
// from making us buffer 16 MiB (Beast's default).
inline constexpr size_t read_message_max_bytes = 128 * 1024;
// Outbound queue of one connection, in bytes and in messages: a snapshot
// page plus a burst of events fit; a client that stops reading reaches it
// within seconds and is closed instead of growing our memory.
inline constexpr size_t outbound_queue_max_bytes = 1024 * 1024;
inline constexpr size_t outbound_queue_max_messages = 4096;
static_assert(read_message_max_bytes < outbound_queue_max_bytes,
              "a reply as large as a request must fit the outbound queue");
// Commands per connection: a token bucket of `burst` tokens refilled at
// `per_s`. A human worker sends a few a second; scripts more.
inline constexpr double commands_per_s = 20.0;
inline constexpr double command_burst = 40.0;
// Commands refused in a row before the connection is closed (rate_limited).
inline constexpr uint32_t rate_limited_in_a_row_max = 100;
// Heartbeat: the server pings (a WebSocket ping frame) after half of
// idle_timeout_s without anything read, and closes the connection after
// idle_timeout_s without anything read (a pong counts).
inline constexpr uint32_t idle_timeout_s = 60;
// The WebSocket opening and closing handshakes.
inline constexpr uint32_t handshake_timeout_s = 30;
// A close that cannot be sent (the client does not read) drops the socket
// after this.
inline constexpr uint32_t close_timeout_ms = 5000;
// Open WebSocket connections (the fd limit on this machine is 20000; HTTP
// connections and the store need some).
inline constexpr size_t connections_max = 10000;
// HTTP: request header and body, and the time to read one request.
inline constexpr size_t http_header_max_bytes = 8 * 1024;
// The body holds a requester API call: a CreateQualificationType may carry
// a 65,535-byte Test and a 65,535-byte AnswerKey, and JSON escaping can
// double them (every " becomes \").
inline constexpr size_t http_body_max_bytes = 512 * 1024;
inline constexpr uint32_t http_request_timeout_s = 30;
// io threads: the engine's scheduler needs the rest of a 2-core machine.
inline constexpr unsigned io_threads = 1;
inline constexpr unsigned io_threads_max = 64;
// Graceful shutdown: how long open connections get to finish closing.
inline constexpr uint32_t shutdown_drain_ms = 5000;
} // namespace limits

} // namespace hitd::gateway
