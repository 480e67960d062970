#pragma once
// One WebSocket connection: the socket, its strand, its bounded outbound
// queue, the read limit, the command rate limit and the heartbeat. The
// protocol is its connection_handler's (session_sink.hpp).
//
//   connecting ──accept ok──► open ──close()/overflow/shutdown──► closing ──close done──► closed
//        │                     │  (read or write error, idle timeout, peer close)          ▲
//        └──accept failed──────┴───────────────────────────────────────────────────────────┘
//
// Outbound bound: send() counts a frame's bytes (and one message) before
// posting it to the strand and uncounts them once written or dropped, so
// frames in flight between threads are bounded too. A frame that would take
// the count above outbound_queue_max_bytes or _messages is refused and the
// connection is closed with close_code::slow_consumer. Frames are written
// pre-framed by the frame_stream under the websocket::stream (one gather
// write of everything queued; Beast's own writes, control frames and the
// close, go through the same queue: frame_stream.hpp). On close the frames
// not yet started are dropped, and a close that cannot be written within
// close_timeout_ms drops the socket.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "frame_stream.hpp"
#include "net.hpp"

namespace hitd::gateway {

class websocket_session;

// The fan-out's batching. Connections share a few strands, the send shards
// (two per io thread, assigned round robin at accept): a frame sent to a
// session goes into its shard's inbox, and the send that finds the inbox
// empty posts one drain, which runs on the strand and hands each frame to
// its session (which writes it at once, frame_stream.hpp). So the hub's
// loop over N sessions for one event costs a few posts, not N. Order is
// kept: a drain posted no later than a frame's push runs before anything
// posted to the strand after it (a close, a handler's function).
class send_shard : public std::enable_shared_from_this<send_shard> {
public:
  using clock = std::chrono::steady_clock;
  explicit send_shard(net::any_io_executor strand) : strand_(std::move(strand)) {}
  const net::any_io_executor& strand() const { return strand_; }
  void push(std::shared_ptr<websocket_session> s, std::shared_ptr<const std::string> frame, clock::time_point queued);

private:
  struct entry {
    std::shared_ptr<websocket_session> session;
    std::shared_ptr<const std::string> frame;
    clock::time_point queued;
  };
  struct drain_task;
  void drain();
  // The io_context went away with a drain posted: the inbox holds its
  // sessions, which hold this shard; let them go.
  void discard();

  net::any_io_executor strand_;
  std::mutex mutex_;
  std::vector<entry> inbox_;   // bounded by the sessions' outbound bounds (each frame is counted there)
  std::vector<entry> spare_;   // the last drain's vector, kept for its capacity
  bool scheduled_ = false;     // a drain is posted and has not taken the inbox yet
};

class websocket_session final : public session_sink,
                                public frame_stream_owner,
                                public std::enable_shared_from_this<websocket_session> {
public:
  // The socket's executor is shard's strand.
  websocket_session(tcp::socket&& socket, context& ctx, connection_info info, std::shared_ptr<send_shard> shard);
  ~websocket_session() override;

  // Takes the upgrade request (already authenticated) and starts the handshake.
  void run(http::request<http::string_body> req);

  bool send(std::shared_ptr<const std::string> frame) override;
  void close(uint16_t code, std::string reason) override;
  void post(std::function<void()> fn) override;
  uint64_t id() const override { return info_.id; }

private:
  friend class send_shard;
  enum class state : uint8_t { connecting, open, closing, closed };
  using clock = std::chrono::steady_clock;

  // frame_stream_owner
  void frames_written(std::size_t frames, std::size_t payload_bytes, const clock::time_point* queued) override;
  void write_failed(beast::error_code ec) override;
  std::shared_ptr<void> keep_alive() override { return shared_from_this(); }

  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void on_send(std::shared_ptr<const std::string> frame, clock::time_point queued);
  void do_close(uint16_t code, std::string reason);
  void start_close();
  void finish(beast::error_code ec, const char* what);
  bool take_token();
  void uncount(std::size_t bytes, std::size_t messages);

  context& ctx_;
  connection_info info_;
  websocket::stream<frame_stream> ws_;
  std::shared_ptr<send_shard> shard_;
  net::any_io_executor strand_;   // the socket's executor: its shard's strand
  net::steady_timer close_timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::unique_ptr<connection_handler> handler_;
  std::atomic<state> state_{state::connecting};
  std::atomic<std::size_t> queued_bytes_{0};
  std::atomic<std::size_t> queued_messages_{0};
  websocket::close_reason close_reason_;
  double tokens_;
  clock::time_point refilled_;
  uint32_t refused_in_a_row_ = 0;
  bool released_ = false;
  bool discarding_ = false;   // an oversized message is being read and dropped
  static constexpr std::size_t read_chunk_bytes = 16 * 1024;
};

// What a handler holds: a weak reference to its session, so that a handler
// (or a feed, or an engine callback) that keeps its sink longer than the
// connection never keeps the socket alive, nor past the io_context.
class session_handle final : public session_sink {
public:
  session_handle(std::weak_ptr<websocket_session> s, uint64_t id, std::shared_ptr<door> d)
      : session_(std::move(s)), id_(id), door_(std::move(d)) {}
  // Each call holds a pass (door.hpp): the session reference it takes is
  // dropped before the pass, and after the server closed the door the calls
  // do nothing.
  bool send(std::shared_ptr<const std::string> frame) override {
    auto pass = door_->enter();
    if (!pass)
      return false;
    auto s = session_.lock();
    return s && s->send(std::move(frame));
  }
  void close(uint16_t code, std::string reason) override {
    auto pass = door_->enter();
    if (!pass)
      return;
    if (auto s = session_.lock())
      s->close(code, std::move(reason));
  }
  void post(std::function<void()> fn) override {
    auto pass = door_->enter();
    if (!pass)
      return;
    if (auto s = session_.lock())
      s->post(std::move(fn));
  }
  uint64_t id() const override { return id_; }

private:
  std::weak_ptr<websocket_session> session_;
  uint64_t id_;
  std::shared_ptr<door> door_;
};

} // namespace hitd::gateway
