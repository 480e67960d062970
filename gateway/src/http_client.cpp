// http_client.hpp: notification deliveries by HTTP POST, on Beast.
//
// One io_context and one thread. Each post is a session: connect, write,
// read the answer (bounded), close, answer done exactly once. Sessions are
// registered in a set so the destructor can close them: every handler then
// completes (operation_aborted), each done is answered, and the thread's
// run() returns once no work is left.

#include "hitd/gateway/http_client.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "net.hpp"

namespace hitd::gateway {

namespace {

error delivery_error(std::string why) { return error{errc::invalid_parameter_value, std::move(why)}; }

} // namespace

struct http_client::impl : std::enable_shared_from_this<http_client::impl> {
  explicit impl(http_client_options o) : opts(o), work(net::make_work_guard(io)) {}

  struct session;

  http_client_options opts;
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> work;
  std::thread thread;

  std::mutex m;
  bool stopping = false;
  std::set<std::shared_ptr<session>> live;

  std::atomic<uint64_t> requests{0}, ok{0}, failed{0};

  void finish(const std::shared_ptr<session>& s, status st);
};

struct http_client::impl::session : std::enable_shared_from_this<session> {
  session(impl& o, gateway_mturk::http_url u, std::function<void(status)> d)
      : owner(o), url(std::move(u)), stream(o.io), buffer(o.opts.response_max), done(std::move(d)) {}

  impl& owner;
  gateway_mturk::http_url url;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  std::optional<http::response_parser<http::string_body>> parser;
  std::function<void(status)> done;
  std::chrono::steady_clock::time_point deadline;
  bool answered = false;

  void fail(const std::string& what, const beast::error_code& ec) {
    std::string why = what + ": " + ec.message();
    if (ec == beast::error::timeout)
      why = what + ": no answer within " + std::to_string(owner.opts.timeout.count()) + " ms";
    owner.finish(shared_from_this(), delivery_error(why));
  }

  void start(tcp::endpoint ep) {
    {
      std::lock_guard<std::mutex> g{owner.m};
      if (owner.stopping)
        return owner.finish(shared_from_this(), error{errc::shutting_down, "the HTTP client is stopping"});
    }
    deadline = std::chrono::steady_clock::now() + owner.opts.timeout;
    stream.expires_at(deadline);
    stream.async_connect(ep, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->fail("connect", ec);
      self->stream.expires_at(self->deadline);
      http::async_write(self->stream, self->req, [self](beast::error_code wec, size_t) {
        if (wec)
          return self->fail("write", wec);
        self->parser.emplace();
        self->parser->body_limit(self->owner.opts.response_max);
        self->parser->header_limit(static_cast<uint32_t>(std::min<size_t>(self->owner.opts.response_max, 16 * 1024)));
        self->stream.expires_at(self->deadline);
        http::async_read(self->stream, self->buffer, *self->parser, [self](beast::error_code rec, size_t) {
          self->read_done(rec);
        });
      });
    });
  }

  void read_done(beast::error_code ec) {
    auto& p = *parser;
    // A 2xx header with more body than we read is still a yes.
    if (ec && !(ec == http::error::body_limit && p.is_header_done()))
      return fail("read", ec);
    unsigned code = p.get().result_int();
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    if (code >= 200 && code < 300)
      return owner.finish(shared_from_this(), hitd::done{});
    owner.finish(shared_from_this(),
                 delivery_error("the receiver answered HTTP " + std::to_string(code) +
                                (p.get().reason().empty() ? "" : " " + std::string(p.get().reason()))));
  }
};

void http_client::impl::finish(const std::shared_ptr<session>& s, status st) {
  if (s->answered)
    return;
  s->answered = true;
  (st.ok() ? ok : failed).fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> g{m};
    live.erase(s);
  }
  beast::error_code ignored;
  s->stream.socket().close(ignored);
  auto done = std::move(s->done);
  if (done)
    done(std::move(st));
}

http_client::http_client(http_client_options opts) : impl_(std::make_shared<impl>(opts)) {
  impl_->thread = std::thread([i = impl_.get()] { i->io.run(); });
}

http_client::~http_client() {
  {
    std::lock_guard<std::mutex> g{impl_->m};
    impl_->stopping = true;
  }
  // Close every connection in flight on the io thread; their handlers then
  // complete with errors and answer their done.
  net::post(impl_->io, [i = impl_.get()] {
    std::set<std::shared_ptr<impl::session>> live;
    {
      std::lock_guard<std::mutex> g{i->m};
      live = i->live;
    }
    for (const auto& s : live) {
      beast::error_code ignored;
      s->stream.socket().cancel(ignored);
      s->stream.socket().close(ignored);
    }
  });
  impl_->work.reset();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

void http_client::post(std::string url, std::string content_type, std::string body,
                       std::function<void(status)> done) {
  impl_->requests.fetch_add(1, std::memory_order_relaxed);
  auto parsed = gateway_mturk::parse_http_url(url);
  if (!parsed.ok()) {
    impl_->failed.fetch_add(1, std::memory_order_relaxed);
    return done(parsed.err());
  }
  // No DNS: numeric addresses, and localhost as 127.0.0.1.
  beast::error_code ec;
  auto address = parsed->host == "localhost" ? net::ip::make_address_v4("127.0.0.1")
                                             : net::ip::make_address(parsed->host, ec);
  if (ec) {
    impl_->failed.fetch_add(1, std::memory_order_relaxed);
    return done(delivery_error("the host '" + parsed->host +
                               "' is not a numeric address (hitd does not resolve names but localhost)"));
  }
  tcp::endpoint ep{address, parsed->port};
  auto s = std::make_shared<impl::session>(*impl_, *parsed, std::move(done));
  auto& r = s->req;
  r.method(http::verb::post);
  r.target(parsed->target);
  r.version(11);
  std::string host = address.is_v6() ? "[" + parsed->host + "]" : parsed->host;
  if (parsed->port != 80)
    host += ":" + std::to_string(parsed->port);
  r.set(http::field::host, host);
  r.set(http::field::user_agent, "hitd-notifier");
  r.set(http::field::content_type, content_type);
  r.set(http::field::connection, "close");
  r.body() = std::move(body);
  r.prepare_payload();
  {
    std::lock_guard<std::mutex> g{impl_->m};
    if (impl_->stopping) {
      impl_->failed.fetch_add(1, std::memory_order_relaxed);
      auto d = std::move(s->done);
      return d(error{errc::shutting_down, "the HTTP client is stopping"});
    }
    impl_->live.insert(s);
  }
  net::post(impl_->io, [s, ep] { s->start(ep); });
}

http_client_stats http_client::stats() const {
  http_client_stats out;
  out.requests = impl_->requests.load(std::memory_order_relaxed);
  out.ok = impl_->ok.load(std::memory_order_relaxed);
  out.failed = impl_->failed.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> g{impl_->m};
  out.in_flight = impl_->live.size();
  return out;
}

} // namespace hitd::gateway
