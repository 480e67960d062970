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

// ---- frame_stream (frame_stream.hpp) -------------------------------------------------

namespace {

// A run of const_buffers as a ConstBufferSequence.
struct buffer_run {
  const net::const_buffer* b;
  const net::const_buffer* e;
  const net::const_buffer* begin() const { return b; }
  const net::const_buffer* end() const { return e; }
};

} // namespace

// The wait for writability. If the io_context is destroyed with the wait
// pending, the handler is destroyed without running: it then drops Beast's
// handler (which holds the session, which holds the stream) so that the
// two do not keep each other alive.
struct frame_stream::writable_handler {
  std::shared_ptr<void> keep;   // declared first: destroyed last
  struct guard {
    frame_stream* s = nullptr;
    explicit guard(frame_stream* x) : s(x) {}
    guard(guard&& o) noexcept : s(std::exchange(o.s, nullptr)) {}
    guard& operator=(guard&&) = delete;
    ~guard() {
      if (s)
        s->drop_waiter();
    }
  } g;

  void operator()(beast::error_code ec) {
    auto* s = std::exchange(g.s, nullptr);
    s->on_writable(ec);
  }
};

void frame_stream::set_owner(frame_stream_owner* o) {
  owner_ = o;
  beast::error_code ignored;
  socket_.non_blocking(true, ignored);   // our writes never block; Asio's async ops do not mind
}

bool frame_stream::push_frame(std::shared_ptr<const std::string> payload, clock::time_point queued) {
  if (failed_)
    return false;
  item it;
  const uint64_t n = payload->size();
  it.header[0] = 0x81;   // FIN, text; no RSV bits (no deflate), no mask (server to client)
  if (n < 126) {
    it.header[1] = static_cast<unsigned char>(n);
    it.header_size = 2;
  } else if (n <= 0xffff) {
    it.header[1] = 126;
    it.header[2] = static_cast<unsigned char>(n >> 8);
    it.header[3] = static_cast<unsigned char>(n & 0xff);
    it.header_size = 4;
  } else {
    it.header[1] = 127;
    for (std::size_t i = 0; i < 8; ++i)
      it.header[2 + i] = static_cast<unsigned char>((n >> (8 * (7 - i))) & 0xff);
    it.header_size = 10;
  }
  if (queue_.empty() && !waiting_) {
    // The common case (the socket has room, nothing queued): one writev of
    // header and payload, and the frame never enters the queue.
    const std::array<net::const_buffer, 2> b{net::const_buffer(it.header.data(), it.header_size),
                                             net::buffer(*payload)};
    beast::error_code ec;
    const std::size_t written = socket_.write_some(b, ec);
    if (!ec && written == it.header_size + payload->size()) {
      if (owner_)
        owner_->frames_written(1, payload->size(), &queued);
      return true;
    }
    it.payload = std::move(payload);
    it.queued = queued;
    queue_.push_back(std::move(it));
    if (!ec) {   // part of it: the socket is full
      offset_ = written;
      wait_writable();
    } else if (ec == net::error::would_block || ec == net::error::try_again) {
      wait_writable();
    } else if (ec == net::error::interrupted) {
      flush();
    } else {
      fail(ec);   // the queued frame is uncounted when the session finishes (drop_all)
    }
    return true;
  }
  it.payload = std::move(payload);
  it.queued = queued;
  queue_.push_back(std::move(it));
  if (!waiting_)
    flush();
  return true;
}

beast::error_code frame_stream::push_raw(std::string bytes) {
  if (failed_)
    return failed_;
  if (!socket_.is_open())
    return net::error::bad_descriptor;
  item it;
  it.raw = std::move(bytes);
  queue_.push_back(std::move(it));
  has_raw_ = true;
  if (!waiting_)
    flush();
  return failed_;
}

void frame_stream::flush() {
  std::array<net::const_buffer, 2 * write_batch_max> bufs;
  std::array<clock::time_point, write_batch_max> written_at;   // queue times of the frames written
  while (!queue_.empty() && !failed_) {
    std::size_t nb = 0, items = 0;
    std::size_t skip = offset_;   // only the front item is partly written
    for (auto i = queue_.begin(); i != queue_.end() && items < write_batch_max; ++i, ++items) {
      const unsigned char* h = i->header.data();
      std::size_t hs = i->header_size;
      const char* p = i->payload ? i->payload->data() : i->raw.data();
      std::size_t ps = i->payload ? i->payload->size() : i->raw.size();
      const std::size_t from_header = std::min(skip, hs);
      h += from_header;
      hs -= from_header;
      skip -= from_header;
      p += skip;
      ps -= skip;
      skip = 0;
      if (hs)
        bufs[nb++] = net::const_buffer(h, hs);
      if (ps)
        bufs[nb++] = net::const_buffer(p, ps);
    }
    beast::error_code ec;
    std::size_t n = socket_.write_some(buffer_run{bufs.data(), bufs.data() + nb}, ec);
    if (ec == net::error::would_block || ec == net::error::try_again || ec == net::error::interrupted) {
      if (ec == net::error::interrupted)
        continue;
      return wait_writable();
    }
    if (ec)
      return fail(ec);
    // Retire what went out completely.
    std::size_t frames = 0, payload_bytes = 0;
    while (n > 0 && !queue_.empty()) {
      auto& front = queue_.front();
      const std::size_t left = front.size() - offset_;
      if (n < left) {
        offset_ += n;
        break;
      }
      n -= left;
      offset_ = 0;
      if (front.payload) {
        written_at[frames++] = front.queued;
        payload_bytes += front.payload->size();
        queue_.pop_front();
      } else {
        queue_.pop_front();
        has_raw_ = false;
        complete_raw({});
      }
    }
    if (frames && owner_)
      owner_->frames_written(frames, payload_bytes, written_at.data());
    if (offset_ > 0)   // the socket took less than offered: it is full
      return wait_writable();
  }
}

void frame_stream::wait_writable() {
  if (waiting_ || !owner_)
    return;
  waiting_ = true;
  socket_.async_wait(tcp::socket::wait_write, writable_handler{owner_->keep_alive(), writable_handler::guard{this}});
}

void frame_stream::on_writable(beast::error_code ec) {
  waiting_ = false;
  if (failed_)
    return;
  if (ec)
    return fail(ec);
  flush();
}

void frame_stream::fail(beast::error_code ec) {
  if (failed_)
    return;
  failed_ = ec;
  complete_raw(ec);
  if (owner_)
    owner_->write_failed(ec);
}

void frame_stream::complete_raw(beast::error_code ec) {
  if (!raw_waiter_)
    return;
  auto h = std::move(*raw_waiter_);
  raw_waiter_.reset();
  net::post(socket_.get_executor(), beast::bind_handler(std::move(h), ec, ec ? 0 : raw_waiter_bytes_));
}

std::pair<std::size_t, std::size_t> frame_stream::drop_unstarted() {
  std::pair<std::size_t, std::size_t> dropped{0, 0};
  for (auto i = queue_.begin(); i != queue_.end();) {
    if ((i == queue_.begin() && offset_ > 0) || !i->payload) {   // keep a started frame and Beast's bytes
      ++i;
      continue;
    }
    ++dropped.first;
    dropped.second += i->payload->size();
    i = queue_.erase(i);
  }
  return dropped;
}

std::pair<std::size_t, std::size_t> frame_stream::drop_all() {
  std::pair<std::size_t, std::size_t> dropped{0, 0};
  for (const auto& i : queue_)
    if (i.payload) {
      ++dropped.first;
      dropped.second += i.payload->size();
    }
  queue_.clear();
  offset_ = 0;
  has_raw_ = false;
  if (!failed_)
    failed_ = net::error::operation_aborted;
  complete_raw(failed_);
  return dropped;
}

// ---- send_shard ----------------------------------------------------------------------

// A posted drain. Destroyed without running only when the io_context is
// destroyed first: it then empties the inbox (send_shard::discard).
struct send_shard::drain_task {
  std::shared_ptr<send_shard> shard;
  bool ran = false;

  explicit drain_task(std::shared_ptr<send_shard> s) : shard(std::move(s)) {}
  drain_task(drain_task&& o) noexcept : shard(std::move(o.shard)), ran(o.ran) {}
  drain_task& operator=(drain_task&&) = delete;
  ~drain_task() {
    if (shard && !ran)
      shard->discard();
  }
  void operator()() {
    ran = true;
    shard->drain();
  }
};

void send_shard::push(std::shared_ptr<websocket_session> s, std::shared_ptr<const std::string> frame,
                      clock::time_point queued) {
  bool post_drain = false;
  {
    std::lock_guard<std::mutex> g{mutex_};
    inbox_.push_back({std::move(s), std::move(frame), queued});
    post_drain = !scheduled_;
    scheduled_ = true;
  }
  if (post_drain)
    net::post(strand_, drain_task{shared_from_this()});
}

void send_shard::discard() {
  std::vector<entry> gone;
  std::lock_guard<std::mutex> g{mutex_};
  gone.swap(inbox_);
  scheduled_ = false;
}

void send_shard::drain() {
  std::vector<entry> batch;
  {
    std::lock_guard<std::mutex> g{mutex_};
    batch.swap(inbox_);
    inbox_.swap(spare_);
    scheduled_ = false;
  }
  for (auto& e : batch)
    e.session->on_send(std::move(e.frame), e.queued);
  batch.clear();
  std::lock_guard<std::mutex> g{mutex_};
  if (spare_.capacity() < batch.capacity())
    spare_.swap(batch);
}

// ---- websocket_session ---------------------------------------------------------------

websocket_session::websocket_session(tcp::socket&& socket, context& ctx, connection_info info,
                                     std::shared_ptr<send_shard> shard)
    : ctx_(ctx),
      info_(std::move(info)),
      ws_(std::move(socket)),
      shard_(std::move(shard)),
      strand_(ws_.get_executor()),
      close_timer_(strand_),
      tokens_(ctx.opts.command_burst),
      refilled_(clock::now()) {
  ws_.next_layer().set_owner(this);
}

websocket_session::~websocket_session() {
  if (!released_)
    ctx_.hub.release();
}

void websocket_session::run(http::request<http::string_body> req) {
  req_ = std::move(req);
  net::dispatch(strand_, [self = shared_from_this()] {
    auto& ws = self->ws_;
    // The WebSocket's own timeouts (the socket has none).
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(self->ctx_.opts.handshake_timeout_s);
    t.idle_timeout = std::chrono::seconds(self->ctx_.opts.idle_timeout_s);
    t.keep_alive_pings = true;   // a ping after half the idle timeout; closed after all of it
    ws.set_option(t);
    ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "hitd"); }));
    ws.read_message_max(4 * self->ctx_.opts.read_message_max_bytes);
    ws.auto_fragment(false);
    // The frame_stream writes frames without RSV1: no permessage-deflate
    // (Beast's default; said here because the framing depends on it).
    websocket::permessage_deflate pmd;
    pmd.server_enable = false;
    pmd.client_enable = false;
    ws.set_option(pmd);
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
  auto handle = std::make_shared<session_handle>(weak_from_this(), info_.id, ctx_.door);
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
  shard_->push(shared_from_this(), std::move(frame), clock::now());
  return true;
}

void websocket_session::uncount(std::size_t bytes, std::size_t messages) {
  queued_bytes_.fetch_sub(bytes);
  queued_messages_.fetch_sub(messages);
}

void websocket_session::on_send(std::shared_ptr<const std::string> frame, clock::time_point queued) {
  const std::size_t n = frame->size();
  // Beast's status too: after the peer's close frame Beast has answered it
  // (state_ changes only when the read reports it), and nothing may follow.
  if (state_ != state::open || !ws_.is_open() || !ws_.next_layer().push_frame(std::move(frame), queued))
    uncount(n, 1);
}

void websocket_session::frames_written(std::size_t frames, std::size_t payload_bytes, const clock::time_point* queued) {
  uncount(payload_bytes, frames);
  ctx_.metrics.frames_out.fetch_add(frames, std::memory_order_relaxed);
  ctx_.metrics.bytes_out.fetch_add(payload_bytes, std::memory_order_relaxed);
  const auto now = clock::now();
  for (std::size_t i = 0; i < frames; ++i)
    ctx_.metrics.fanout_latency.observe(now - queued[i]);
}

void websocket_session::write_failed(beast::error_code ec) {
  // Never from inside push_frame or a Beast call: finish on the strand.
  net::post(strand_, [self = shared_from_this(), ec] { self->finish(ec, "write"); });
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
  // Drop the frames not yet started (one partly written goes out whole).
  auto [frames, bytes] = ws_.next_layer().drop_unstarted();
  uncount(bytes, frames);
  close_reason_ = websocket::close_reason{static_cast<websocket::close_code>(code), reason};
  close_timer_.expires_after(std::chrono::milliseconds(ctx_.opts.close_timeout_ms));
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->state_ == state::closed)
      return;
    // The close frame could not be written (the client does not read): drop the socket.
    beast::error_code ignored;
    self->ws_.next_layer().socket().close(ignored);
  });
  start_close();   // the close frame is queued behind a partly written frame
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
  auto [frames, bytes] = ws_.next_layer().drop_all();
  uncount(bytes, frames);
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
    ws_.next_layer().socket().close(ignored);
}

} // namespace hitd::gateway
