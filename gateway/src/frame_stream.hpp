#pragma once
// The layer under a session's websocket::stream: the TCP socket and the one
// path every byte written to it takes (Beast-private; include only from the
// transport's .cpp files).
//
// The feed writes its text frames here itself, pre-framed: a server's frame
// is not masked (and permessage-deflate is off), so a frame is a 2-10 byte
// header and the payload, and the payload is the one serialisation the hub
// shares between every session. push_frame queues the header and a
// reference to that payload; the queue goes out with one non-blocking
// gather write (writev of every queued frame, up to write_batch_max
// buffers) as soon as it is pushed, and when the socket would block, once
// it is writable again (an async_wait, then the next gather write). No
// Beast write operation, no completion handler per frame.
//
// Beast keeps the reading side, the handshake, pings and pongs, the close
// handshake and the timeouts; what it writes (the upgrade response,
// control frames) comes through async_write_some below and joins the same
// queue, so its bytes never interleave with a frame. Beast has at most one
// write in flight (its own write lock): when the queue is empty its bytes
// are written at once and its handler posted; otherwise they are queued
// and its handler completes once they are on the socket (Beast waits as it
// did behind its own writes, so a client that sends pings and never reads
// cannot grow the queue).
//
// Everything here runs on the session's strand (the socket's executor).

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>

#include "net.hpp"

namespace hitd::gateway {

// What the session learns from its frame_stream.
class frame_stream_owner {
public:
  using clock = std::chrono::steady_clock;
  // frames feed frames (payload_bytes of payload) went onto the socket;
  // oldest is when the first of them was queued.
  virtual void frames_written(std::size_t frames, std::size_t payload_bytes, const clock::time_point* queued) = 0;
  // A write failed (not would-block): the connection is to be finished.
  // Called from the strand, never from inside push_frame or a Beast call.
  virtual void write_failed(beast::error_code ec) = 0;
  // Keeps the owner alive while a wait on the socket is pending.
  virtual std::shared_ptr<void> keep_alive() = 0;

protected:
  ~frame_stream_owner() = default;
};

class frame_stream {
public:
  using executor_type = tcp::socket::executor_type;
  using next_layer_type = tcp::socket;
  using clock = frame_stream_owner::clock;
  static constexpr std::size_t write_batch_max = 64;   // frames per gather write

  explicit frame_stream(tcp::socket&& s) : socket_(std::move(s)) {}
  frame_stream(frame_stream&&) = default;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  tcp::socket& next_layer() noexcept { return socket_; }
  const tcp::socket& next_layer() const noexcept { return socket_; }
  tcp::socket& socket() noexcept { return socket_; }

  // Called once, before any write: puts the socket in non-blocking mode.
  void set_owner(frame_stream_owner* o);

  // Queues one pre-framed text frame with this payload and writes what it
  // can now. False when the stream has failed (nothing queued).
  bool push_frame(std::shared_ptr<const std::string> payload, clock::time_point queued);
  // Drops the frames not yet started (the one partly written stays: a
  // frame must not be cut). Returns how many and their payload bytes.
  std::pair<std::size_t, std::size_t> drop_unstarted();
  // Drops everything (the connection is over). Returns as drop_unstarted.
  std::pair<std::size_t, std::size_t> drop_all();
  bool idle() const { return queue_.empty(); }
  bool failed() const { return static_cast<bool>(failed_); }

  // Declared return types (not auto): Beast's stream traits test these
  // signatures with a handler type that is never called.
  template <class MutableBufferSequence, class ReadHandler>
  typename net::async_result<std::decay_t<ReadHandler>, void(beast::error_code, std::size_t)>::return_type
  async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    return socket_.async_read_some(buffers, std::forward<ReadHandler>(handler));
  }

  // Beast's writes. The whole sequence is written (or queued) before the
  // handler runs, so one call is one complete frame or response.
  template <class ConstBufferSequence, class WriteHandler>
  typename net::async_result<std::decay_t<WriteHandler>, void(beast::error_code, std::size_t)>::return_type
  async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return net::async_initiate<WriteHandler, void(beast::error_code, std::size_t)>(
      [this](auto&& h, const ConstBufferSequence& b) {
        const std::size_t n = net::buffer_size(b);
        std::string bytes(n, '\0');
        net::buffer_copy(net::buffer(bytes), b);
        beast::error_code ec = push_raw(std::move(bytes));
        if (ec || !has_raw_) {   // failed, or already on the socket
          net::post(socket_.get_executor(), beast::bind_handler(std::move(h), ec, ec ? 0 : n));
          return;
        }
        raw_waiter_.emplace(std::move(h));
        raw_waiter_bytes_ = n;
      },
      handler, buffers);
  }

  // Called by the wait's handler when it is destroyed without running (the
  // io_context went away): Beast's handler holds the session, which holds
  // this stream; drop it so that nothing keeps the other alive.
  void drop_waiter() { raw_waiter_.reset(); }

private:
  struct writable_handler;
  struct item {
    std::shared_ptr<const std::string> payload;   // a feed frame's payload, or null
    std::string raw;                              // Beast's bytes when payload is null
    std::array<unsigned char, 10> header{};
    uint8_t header_size = 0;
    clock::time_point queued;
    std::size_t size() const { return header_size + (payload ? payload->size() : raw.size()); }
  };

  beast::error_code push_raw(std::string bytes);
  void flush();
  void wait_writable();
  void on_writable(beast::error_code ec);
  void fail(beast::error_code ec);
  void complete_raw(beast::error_code ec);

  tcp::socket socket_;
  frame_stream_owner* owner_ = nullptr;
  std::deque<item> queue_;
  std::size_t offset_ = 0;   // bytes of queue_.front() already written
  bool waiting_ = false;     // an async_wait for writability is pending
  bool has_raw_ = false;     // the last raw item is still queued (Beast waits on it)
  beast::error_code failed_;
  std::optional<net::any_completion_handler<void(beast::error_code, std::size_t)>> raw_waiter_;
  std::size_t raw_waiter_bytes_ = 0;
};

// Beast's teardown (the end of the close handshake) on a frame_stream:
// what is queued goes out first (bounded by the session's close timer,
// which closes the socket), then Beast's TCP teardown.
template <class Handler>
struct frame_stream_teardown_op {
  beast::role_type role;
  frame_stream* s;
  Handler h;

  using executor_type = net::associated_executor_t<Handler, frame_stream::executor_type>;
  executor_type get_executor() const noexcept { return net::get_associated_executor(h, s->socket().get_executor()); }

  void operator()(beast::error_code ec = {}) {
    if (!ec && !s->idle() && !s->failed() && s->socket().is_open()) {
      s->socket().async_wait(tcp::socket::wait_write, std::move(*this));
      return;
    }
    beast::websocket::async_teardown(role, s->socket(), std::move(h));
  }
};

template <class TeardownHandler>
void async_teardown(beast::role_type role, frame_stream& s, TeardownHandler&& handler) {
  using op = frame_stream_teardown_op<std::decay_t<TeardownHandler>>;
  op{role, &s, std::forward<TeardownHandler>(handler)}();
}

inline void teardown(beast::role_type role, frame_stream& s, beast::error_code& ec) {
  beast::websocket::teardown(role, s.socket(), ec);
}

} // namespace hitd::gateway
