// The listener and the HTTP session (Beast's advanced server split), and the
// io_context with its threads. The WebSocket side is websocket_session.cpp.

#include "transport.hpp"

#include <algorithm>
#include <cctype>
#include <thread>
#include <vector>

#include "net.hpp"
#include "websocket_session.hpp"

namespace hitd::gateway {

namespace {

std::string endpoint_text(const tcp::endpoint& ep) {
  auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

// The value of `name` in a query string ("a=1&token=x"), percent-decoded.
std::string query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos || part.substr(0, eq) != name)
      continue;
    std::string out;
    auto v = part.substr(eq + 1);
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%' && i + 2 < v.size()) {
        auto hex = [](char c) -> int {
          if (c >= '0' && c <= '9')
            return c - '0';
          if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
          if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
          return -1;
        };
        int hi = hex(v[i + 1]), lo = hex(v[i + 2]);
        if (hi >= 0 && lo >= 0) {
          out.push_back(static_cast<char>(hi * 16 + lo));
          i += 2;
          continue;
        }
      }
      out.push_back(v[i] == '+' ? ' ' : v[i]);
    }
    return out;
  }
  return {};
}

using response = http::response<http::string_body>;

// Content-Length from the body; then, for HEAD, no body: the GET's headers,
// Content-Length included, and nothing after them.
void prepare_payload(response& res, bool head) {
  res.prepare_payload();
  if (head)
    res.body().clear();
}

response make_response(const http::request<http::string_body>& req, http::status status, std::string body,
                       std::string_view content_type = "application/json") {
  response res{status, req.version()};
  res.set(http::field::server, "hitd");
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  prepare_payload(res, req.method() == http::verb::head);
  return res;
}

std::string error_body(std::string_view code, std::string_view message) {
  std::string out = "{\"error\":{\"code\":";
  append_json_string(out, code);
  out += ",\"message\":";
  append_json_string(out, message);
  out += "}}";
  return out;
}

// ---- http_session -------------------------------------------------------------------

// One HTTP connection: reads a request at a time (bounded header and body,
// a deadline per request), answers /healthz and /metrics, and hands an
// authenticated upgrade to a websocket_session.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  // The socket's executor is shard's strand (the WebSocket session keeps both).
  http_session(tcp::socket&& socket, context& ctx, std::shared_ptr<send_shard> shard)
      : ctx_(ctx), shard_(std::move(shard)), stream_(std::move(socket)) {}

  void run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, shared_from_this()));
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits::http_header_max_bytes));
    parser_->body_limit(ctx_.opts.http_body_max_bytes);
    stream_.expires_after(std::chrono::seconds(ctx_.opts.http_request_timeout_s));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == net::error::eof)
      return shutdown();
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      ctx_.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
      http::request<http::string_body> req;
      req.version(11);
      req.keep_alive(false);
      return send(make_response(req, http::status::payload_too_large,
                                error_body("too_large", "the request is larger than the server accepts")));
    }
    if (ec) {
      if (ec != beast::error::timeout && ec != net::error::operation_aborted && ec != net::error::connection_reset)
        ctx_.log.debug("http read failed", {{"error", ec.message()}});
      return;
    }
    ctx_.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
    auto& req = parser_->get();
    if (websocket::is_upgrade(req))
      return upgrade();
    std::string_view target{req.target().data(), req.target().size()};
    auto path = target.substr(0, target.find('?'));
    if (ctx_.http && path != "/healthz" && path != "/metrics" && path != "/ws")
      return hand_over(parser_->release());
    send(handle(req));
  }

  // A request for the server's http_handler (http_handler.hpp): the answer
  // comes back through the responder, on any thread, and is written on this
  // connection's strand.
  void hand_over(http::request<http::string_body> req) {
    http_request out;
    out.method = std::string{req.method_string()};
    out.target = std::string{req.target()};
    out.headers.reserve(16);
    for (const auto& f : req) {
      std::string name{f.name_string()};
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string{f.value()});
    }
    out.body = std::move(req.body());
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec)
      out.remote = endpoint_text(remote);
    out.keep_alive = req.keep_alive();
    unsigned version = req.version();
    bool keep_alive = req.keep_alive();
    bool head = req.method() == http::verb::head;
    ctx_.http_in_flight.fetch_add(1);
    // The responder may run, or be destroyed, on any thread and at any time,
    // the server gone by then: it keeps the session through the door.
    auto reply = std::make_shared<waiting_reply>(ctx_.door, ctx_.door->hold(shared_from_this()));
    ctx_.http(std::move(out), [reply, version, keep_alive, head](http_response r) {
      reply->with_session([&](std::shared_ptr<http_session> s) {
        auto ex = s->stream_.get_executor();
        net::post(ex, [self = std::move(s), version, keep_alive, head, r = std::move(r)]() mutable {
          response res{static_cast<http::status>(r.status), version};
          res.set(http::field::server, "hitd");
          res.set(http::field::content_type, r.content_type);
          for (auto& [k, v] : r.headers)
            res.set(k, v);
          res.keep_alive(keep_alive);
          res.body() = std::move(r.body);
          prepare_payload(res, head);
          self->send(std::move(res));
          self->ctx_.http_in_flight.fetch_sub(1);   // after send counted the write
        });
      });
    });
  }

  // An HTTP session waiting for its answer from outside the io_context: the
  // door holds the session, the responder holds this (door.hpp).
  class waiting_reply {
  public:
    waiting_reply(std::shared_ptr<door> d, uint64_t id) : door_(std::move(d)), id_(id) {}
    waiting_reply(const waiting_reply&) = delete;
    waiting_reply& operator=(const waiting_reply&) = delete;
    // A responder destroyed without answering: the session goes on its
    // strand (the client sees the connection close) and is no longer counted.
    ~waiting_reply() {
      with_session([](std::shared_ptr<http_session> s) {
        auto ex = s->stream_.get_executor();
        net::post(ex, [self = std::move(s)] { self->ctx_.http_in_flight.fetch_sub(1); });
      });
    }
    // Calls fn with the session, once, holding a pass: fn hands the session
    // to its strand. Nothing when the door is closed or it ran already.
    template <class Fn>
    void with_session(Fn&& fn) {
      auto pass = door_->enter();
      if (!pass)
        return;
      if (auto s = std::static_pointer_cast<http_session>(door_->take(id_)))
        fn(std::move(s));
    }

  private:
    std::shared_ptr<door> door_;
    uint64_t id_;
  };

  response handle(const http::request<http::string_body>& req) {
    std::string_view target{req.target().data(), req.target().size()};
    auto path = target.substr(0, target.find('?'));
    if (path == "/healthz" || path == "/metrics") {
      if (req.method() != http::verb::get && req.method() != http::verb::head)
        return make_response(req, http::status::method_not_allowed, error_body("method_not_allowed", "use GET"));
      if (path == "/healthz")
        return healthz(req);
      return make_response(req, http::status::ok, metrics_text(), "text/plain; version=0.0.4");
    }
    if (path == "/ws")
      return make_response(req, http::status::upgrade_required,
                           error_body("upgrade_required", "/ws takes a WebSocket upgrade"));
    return make_response(req, http::status::not_found, error_body("not_found", "no such path"));
  }

  response healthz(const http::request<http::string_body>& req) {
    auto st = ctx_.engine.stats();
    bool down = ctx_.shutting_down.load();
    std::string body = "{\"status\":\"";
    body += down ? "shutting_down" : "ok";
    body += "\",\"engine\":{\"resident_hits\":" + std::to_string(st.resident_hits) +
            ",\"resident_workers\":" + std::to_string(st.resident_workers) +
            ",\"resident_requesters\":" + std::to_string(st.resident_requesters) +
            ",\"rebuilds\":" + std::to_string(st.rebuilds) + ",\"storage_errors\":" + std::to_string(st.storage_errors) +
            ",\"last_event_seq\":" + std::to_string(ctx_.engine.last_event_seq()) +
            "},\"connections\":" + std::to_string(ctx_.hub.size()) + "}";
    return make_response(req, down ? http::status::service_unavailable : http::status::ok, std::move(body));
  }

  std::string metrics_text() {
    auto st = ctx_.engine.stats();
    std::string extra;
    auto gauge = [&](const char* name, const char* help, uint64_t v) {
      extra += std::string{"# HELP "} + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
               std::to_string(v) + "\n";
    };
    gauge("hitd_engine_resident_hits", "HITs in memory", st.resident_hits);
    gauge("hitd_engine_resident_workers", "workers in memory", st.resident_workers);
    gauge("hitd_engine_resident_requesters", "requesters in memory", st.resident_requesters);
    gauge("hitd_engine_last_event_seq", "sequence number of the last event published", ctx_.engine.last_event_seq());
    gauge("hitd_engine_rebuilds", "times the engine rebuilt memory after a failed write", st.rebuilds);
    gauge("hitd_engine_storage_errors", "records that could not be read", st.storage_errors);
    gauge("hitd_http_in_flight", "HTTP requests being answered", ctx_.http_in_flight.load());
    return ctx_.metrics.render(extra);
  }

  bool origin_allowed(const http::request<http::string_body>& req) const {
    const auto& allowed = ctx_.opts.allowed_origins;
    auto it = req.find(http::field::origin);
    if (allowed.empty() || it == req.end())
      return true;
    std::string_view origin{it->value().data(), it->value().size()};
    // The server's own pages (docs/web.md): a browser sends the page's
    // origin, http://<the Host it asked>; a page of another site cannot.
    if (auto host = req.find(http::field::host); host != req.end()) {
      std::string_view h{host->value().data(), host->value().size()};
      if (origin.size() == 7 + h.size() && origin.substr(0, 7) == "http://" && origin.substr(7) == h)
        return true;
    }
    return std::find(allowed.begin(), allowed.end(), origin) != allowed.end();
  }

  std::string token_of(const http::request<http::string_body>& req) const {
    auto it = req.find(http::field::authorization);
    if (it != req.end()) {
      std::string_view v{it->value().data(), it->value().size()};
      constexpr std::string_view bearer = "Bearer ";
      if (v.size() > bearer.size() && beast::iequals(v.substr(0, bearer.size()), bearer))
        return std::string{v.substr(bearer.size())};
      return {};
    }
    std::string_view target{req.target().data(), req.target().size()};
    auto q = target.find('?');
    return q == std::string_view::npos ? std::string{} : query_param(target.substr(q + 1), "token");
  }

  void upgrade() {
    auto& req = parser_->get();
    std::string_view target{req.target().data(), req.target().size()};
    if (target.substr(0, target.find('?')) != "/ws")
      return send(make_response(req, http::status::not_found, error_body("not_found", "the WebSocket is at /ws")));
    if (ctx_.shutting_down.load()) {
      ctx_.metrics.refused_full.fetch_add(1, std::memory_order_relaxed);
      return send(make_response(req, http::status::service_unavailable,
                                error_body("shutting_down", "the server is shutting down")));
    }
    if (!origin_allowed(req)) {
      ctx_.metrics.refused_origin.fetch_add(1, std::memory_order_relaxed);
      return send(make_response(req, http::status::forbidden, error_body("bad_origin", "this Origin is not allowed")));
    }
    auto worker = ctx_.creds->worker_for_token(token_of(req));
    if (!worker) {
      ctx_.metrics.refused_auth.fetch_add(1, std::memory_order_relaxed);
      auto res = make_response(req, http::status::unauthorized,
                               error_body("bad_auth", "a valid worker token is required (Authorization: Bearer)"));
      res.set(http::field::www_authenticate, "Bearer");
      return send(std::move(res));
    }
    if (!ctx_.hub.reserve()) {
      ctx_.metrics.refused_full.fetch_add(1, std::memory_order_relaxed);
      return send(make_response(req, http::status::service_unavailable,
                                error_body("too_many_connections", "the server is at its connection limit")));
    }
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    connection_info info{ctx_.next_connection_id.fetch_add(1), std::move(*worker), ec ? "" : endpoint_text(remote)};
    std::make_shared<websocket_session>(stream_.release_socket(), ctx_, std::move(info), shard_)
      ->run(parser_->release());
  }

  void send(response res) {
    ctx_.http_in_flight.fetch_add(1);
    auto sp = std::make_shared<response>(std::move(res));
    if (ctx_.shutting_down.load())
      sp->keep_alive(false);
    http::async_write(stream_, *sp, [self = shared_from_this(), sp](beast::error_code ec, std::size_t) {
      self->ctx_.http_in_flight.fetch_sub(1);
      if (ec || sp->need_eof() || self->ctx_.shutting_down.load())
        return self->shutdown();
      self->do_read();
    });
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  context& ctx_;
  std::shared_ptr<send_shard> shard_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

// ---- listener -----------------------------------------------------------------------

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(net::io_context& ioc, context& ctx) : ioc_(ioc), ctx_(ctx), acceptor_(net::make_strand(ioc)) {
    // Two send shards per io thread (websocket_session.hpp): enough to keep
    // every thread busy in a fan-out, few enough that a fan-out is a few posts.
    const unsigned n = 2 * std::max(1u, ctx_.opts.threads);
    for (unsigned i = 0; i < n; ++i)
      shards_.push_back(std::make_shared<send_shard>(net::make_strand(ioc_)));
  }

  result<uint16_t> listen() {
    beast::error_code ec;
    auto address = net::ip::make_address(ctx_.opts.listen_address, ec);
    if (ec)
      return error{errc::invalid_parameter_value, "listen address \"" + ctx_.opts.listen_address +
                                                     "\" is not an IP address: " + ec.message()};
    tcp::endpoint ep{address, ctx_.opts.port};
    auto fail = [&](const char* what) -> result<uint16_t> {
      return error{errc::invalid_parameter_value,
                   std::string{what} + " " + endpoint_text(ep) + " failed: " + ec.message()};
    };
    acceptor_.open(ep.protocol(), ec);
    if (ec)
      return fail("open");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    acceptor_.bind(ep, ec);
    if (ec)
      return fail("bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return fail("listen");
    return acceptor_.local_endpoint().port();
  }

  void run() { net::dispatch(acceptor_.get_executor(), beast::bind_front_handler(&listener::do_accept, shared_from_this())); }

  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

private:
  void do_accept() {
    // Each connection runs on the strand of a send shard, round robin.
    auto shard = shards_[next_shard_++ % shards_.size()];
    acceptor_.async_accept(shard->strand(),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this(), shard));
  }

  void on_accept(std::shared_ptr<send_shard> shard, beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
      return;
    if (ec) {
      ctx_.log.warn("accept failed", {{"error", ec.message()}});
      if (ec == net::error::no_descriptors || ec.value() == EMFILE || ec.value() == ENFILE) {
        // Out of file descriptors: wait a little instead of spinning.
        auto t = std::make_shared<net::steady_timer>(acceptor_.get_executor(), std::chrono::milliseconds(100));
        t->async_wait([self = shared_from_this(), t](beast::error_code) { self->do_accept(); });
        return;
      }
    } else {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (ctx_.opts.socket_send_buffer_bytes > 0)
        socket.set_option(net::socket_base::send_buffer_size(ctx_.opts.socket_send_buffer_bytes), ignored);
      std::make_shared<http_session>(std::move(socket), ctx_, std::move(shard))->run();
    }
    do_accept();
  }

  net::io_context& ioc_;
  context& ctx_;
  tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<send_shard>> shards_;
  std::size_t next_shard_ = 0;   // the acceptor's strand only
};

} // namespace

// ---- transport ----------------------------------------------------------------------

struct transport::impl {
  explicit impl(context& c) : ctx(c), ioc(static_cast<int>(std::max(1u, c.opts.threads))) {}
  context& ctx;
  net::io_context ioc;
  std::shared_ptr<listener> lst;
  std::vector<std::thread> threads;
};

transport::transport(context& ctx) : impl_(std::make_unique<impl>(ctx)) {}

transport::~transport() { stop(); }

result<uint16_t> transport::listen() {
  impl_->lst = std::make_shared<listener>(impl_->ioc, impl_->ctx);
  return impl_->lst->listen();
}

void transport::run() {
  impl_->lst->run();
  unsigned n = std::max(1u, impl_->ctx.opts.threads);
  for (unsigned i = 0; i < n; ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

void transport::stop_accepting() {
  if (impl_->lst)
    impl_->lst->stop();
}

void transport::stop() {
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

} // namespace hitd::gateway
