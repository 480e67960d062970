#include "websocket_session.hpp"

#include "hitd/gateway/basic_handler.hpp"
#include "hitd/gateway/limits.hpp"

namespace hitd::gateway {

namespace {

// Errors that end a connection normally: no error count, an info log.
bool benign(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == net::error::operation_aborted || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe || ec == beast::error::timeout ||
         ec == net::error::not_connected || ec == net::error::bad_descriptor;
}

} // namespace

websocket_session::websocket_session(tcp::socket&& socket, context& ctx, connection_info info)
    : ctx_(ctx),
      info_(std::move(info)),
      ws_(std::move(socket)),
      strand_(ws_.get_executor()),
      close_timer_(strand_),
      tokens_(ctx.opts.command_burst),
      refilled_(clock::now()) {}

websocket_session::~websocket_session() {
  if (!released_)
    ctx_.hub.release();
}

void websocket_session::run(http::request<http::string_body> req) {
  req_ = std::move(req);
  net::dispatch(strand_, [self = shared_from_this()] {
    auto& ws = self->ws_;
    // The WebSocket's own timeouts replace the TCP stream's (Beast's advice).
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(self->ctx_.opts.handshake_timeout_s);
    t.idle_timeout = std::chrono::seconds(self->ctx_.opts.idle_timeout_s);
    t.keep_alive_pings = true;   // a ping after half the idle timeout; closed after all of it
    ws.set_option(t);
    ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "hitd"); }));
    ws.read_message_max(4 * self->ctx_.opts.read_message_max_bytes);
    ws.auto_fragment(false);
    ws.async_accept(self->req_, beast::bind_front_handler(&websocket_session::on_accept, self));
  });
}

void websocket_session::on_accept(beast::error_code ec) {
  req_ = {};
  if (ec)
    return finish(ec, "accept");
  state_ = state::open;
  ctx_.metrics.connections_total.fetch_add(1, std::memory_order_relaxed);
  ctx_.metrics.connections_open.fetch_add(1, std::memory_order_relaxed);
  ctx_.hub.join(info_.id, weak_from_this());
  ctx_.log.debug("ws open", {{"conn", info_.id}, {"worker", info_.worker_id}, {"remote", info_.remote}});
  auto handle = std::make_shared<session_handle>(weak_from_this(), info_.id);
  handler_ = ctx_.factory(info_, handle);
  if (!handler_)
    handler_ = basic_handler_factory(ctx_.metrics)(info_, handle);
  handler_->on_open();
  // A shutdown that began during the handshake missed this session in the hub.
  if (ctx_.shutting_down.load())
    do_close(close_code::going_away, "server shutting down");
  do_read();
}

void websocket_session::do_read() {
  // A message is read in chunks so that one above read_message_max is
  // refused by us with a graceful close (the client then reads the 1009).
  // Beast's own limit, 4 times ours, is the backstop: it fails the read at
  // the frame header and may reset the connection before the close frame
  // is read (its teardown stops draining after one read).
  ws_.async_read_some(buffer_, read_chunk_bytes,
                      beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

bool websocket_session::take_token() {
  auto now = clock::now();
  double elapsed = std::chrono::duration<double>(now - refilled_).count();
  refilled_ = now;
  tokens_ = std::min(ctx_.opts.command_burst, tokens_ + elapsed * ctx_.opts.commands_per_s);
  if (tokens_ < 1.0)
    return false;
  tokens_ -= 1.0;
  return true;
}

void websocket_session::on_read(beast::error_code ec, std::size_t bytes) {
  if (ec)
    return finish(ec, "read");
  ctx_.metrics.bytes_in.fetch_add(bytes, std::memory_order_relaxed);
  if (state_ != state::open || discarding_) {   // closing: discard what comes before the peer's close
    buffer_.consume(buffer_.size());
    return do_read();
  }
  if (buffer_.size() > ctx_.opts.read_message_max_bytes) {
    buffer_.consume(buffer_.size());
    discarding_ = true;
    ctx_.metrics.oversized_frames.fetch_add(1, std::memory_order_relaxed);
    do_close(close_code::too_big, "frame larger than " + std::to_string(ctx_.opts.read_message_max_bytes) + " bytes");
    return do_read();
  }
  if (!ws_.is_message_done())
    return do_read();
  ctx_.metrics.frames_in.fetch_add(1, std::memory_order_relaxed);
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    ctx_.metrics.protocol_errors.fetch_add(1, std::memory_order_relaxed);
    do_close(close_code::protocol_error, "binary frames are not supported");
    return do_read();
  }
  auto data = buffer_.cdata();
  std::string_view frame{static_cast<const char*>(data.data()), data.size()};
  if (!take_token()) {
    ctx_.metrics.rate_limited.fetch_add(1, std::memory_order_relaxed);
    if (++refused_in_a_row_ > ctx_.opts.rate_limited_in_a_row_max) {
      do_close(close_code::rate_limited, "too many commands");
    } else {
      send(error_frame(frame_id_json(frame), "rate_limited",
                       "more than " + std::to_string(ctx_.opts.commands_per_s) + " commands a second", true));
    }
  } else {
    refused_in_a_row_ = 0;
    handler_->on_text(frame);
  }
  buffer_.consume(buffer_.size());
  do_read();
}

bool websocket_session::send(std::shared_ptr<const std::string> frame) {
  if (!frame || state_.load() != state::open)
    return false;
  const std::size_t n = frame->size();
  const std::size_t bytes = queued_bytes_.fetch_add(n) + n;
  const std::size_t messages = queued_messages_.fetch_add(1) + 1;
  if (bytes > ctx_.opts.outbound_queue_max_bytes || messages > ctx_.opts.outbound_queue_max_messages) {
    uncount(n, 1);
    net::post(strand_, [self = shared_from_this()] {
      if (self->state_ == state::open) {
        self->ctx_.metrics.slow_consumer_closes.fetch_add(1, std::memory_order_relaxed);
        self->ctx_.log.info("slow consumer", {{"conn", self->info_.id}, {"worker", self->info_.worker_id},
                                              {"queued_bytes", self->queued_bytes_.load()},
                                              {"queued_messages", self->queued_messages_.load()}});
      }
      self->do_close(close_code::slow_consumer, "slow consumer: outbound queue full");
    });
    return false;
  }
  ctx_.metrics.note_queued_bytes(bytes);
  net::post(strand_, [self = shared_from_this(), frame = std::move(frame), t = clock::now()]() mutable {
    self->on_send(std::move(frame), t);
  });
  return true;
}

void websocket_session::uncount(std::size_t bytes, std::size_t messages) {
  queued_bytes_.fetch_sub(bytes);
  queued_messages_.fetch_sub(messages);
}

void websocket_session::on_send(std::shared_ptr<const std::string> frame, clock::time_point queued) {
  if (state_ != state::open) {
    uncount(frame->size(), 1);
    return;
  }
  queue_.push_back({std::move(frame), queued});
  if (!writing_)
    do_write();
}

void websocket_session::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(*queue_.front().frame),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t bytes) {
  writing_ = false;
  if (state_ == state::closed || queue_.empty())
    return;
  auto done = std::move(queue_.front());
  queue_.pop_front();
  uncount(done.frame->size(), 1);
  if (ec)
    return finish(ec, "write");
  ctx_.metrics.frames_out.fetch_add(1, std::memory_order_relaxed);
  ctx_.metrics.bytes_out.fetch_add(bytes, std::memory_order_relaxed);
  ctx_.metrics.fanout_latency.observe(clock::now() - done.queued);
  if (close_after_write_) {
    close_after_write_ = false;
    return start_close();
  }
  if (!queue_.empty() && state_ == state::open)
    do_write();
}

void websocket_session::close(uint16_t code, std::string reason) {
  net::post(strand_, [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    self->do_close(code, std::move(reason));
  });
}

void websocket_session::post(std::function<void()> fn) {
  if (state_.load() == state::closed)
    return;
  net::post(strand_, [self = shared_from_this(), fn = std::move(fn)] {
    if (self->state_ != state::closed)
      fn();
  });
}

void websocket_session::do_close(uint16_t code, std::string reason) {
  if (state_ != state::open)
    return;
  state_ = state::closing;
  ctx_.log.debug("ws closing", {{"conn", info_.id}, {"code", code}, {"reason", reason}});
  // Drop what is queued behind the frame being written.
  while (queue_.size() > (writing_ ? 1u : 0u)) {
    uncount(queue_.back().frame->size(), 1);
    queue_.pop_back();
  }
  close_reason_ = websocket::close_reason{static_cast<websocket::close_code>(code), reason};
  close_timer_.expires_after(std::chrono::milliseconds(ctx_.opts.close_timeout_ms));
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->state_ == state::closed)
      return;
    // The close frame could not be written (the client does not read): drop the socket.
    beast::error_code ignored;
    beast::get_lowest_layer(self->ws_).socket().close(ignored);
  });
  if (writing_)
    close_after_write_ = true;
  else
    start_close();
}

void websocket_session::start_close() {
  ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code ec) {
    self->finish(ec ? ec : beast::error_code{websocket::error::closed}, "close");
  });
}

void websocket_session::finish(beast::error_code ec, const char* what) {
  if (state_ == state::closed)
    return;
  const bool was_open = state_ != state::connecting;
  state_ = state::closed;
  close_timer_.cancel();
  for (const auto& o : queue_)
    uncount(o.frame->size(), 1);
  queue_.clear();
  beast::error_code ignored;
  if (ec == websocket::error::message_too_big) {
    ctx_.metrics.oversized_frames.fetch_add(1, std::memory_order_relaxed);   // Beast's backstop
  } else if (ec == beast::error::timeout) {
    ctx_.metrics.idle_timeouts.fetch_add(1, std::memory_order_relaxed);
  } else if (!benign(ec)) {
    ctx_.metrics.errors.fetch_add(1, std::memory_order_relaxed);
    ctx_.log.warn("ws error", {{"conn", info_.id}, {"op", what}, {"error", ec.message()}});
  }
  ctx_.log.debug("ws closed", {{"conn", info_.id}, {"op", what}, {"error", ec.message()}});
  if (was_open) {
    ctx_.metrics.connections_open.fetch_sub(1, std::memory_order_relaxed);
    ctx_.hub.leave(info_.id);
  }
  if (handler_) {
    handler_->on_close();
    handler_.reset();
  }
  if (!released_) {
    released_ = true;
    ctx_.hub.release();
  }
  // A failed read or write leaves the socket open: make sure it goes.
  if (ec != websocket::error::closed)
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

} // namespace hitd::gateway
