#include "runner.hpp"

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <memory>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include <hitd/gateway/mturk/sigv4.hpp>

namespace hitd::load {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
template <class T>
using awaitable = net::awaitable<T>;

constexpr auto tok = net::as_tuple(net::use_awaitable);
constexpr size_t ws_queue_max = 4'096;   // frames waiting to be written on one worker connection
constexpr size_t recent_hits_max = 1'024;
constexpr const char* question =
    "<HTMLQuestion xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/"
    "HTMLQuestion.xsd\"><HTMLContent><![CDATA[<p>hitd-load</p>]]></HTMLContent><FrameHeight>0</FrameHeight>"
    "</HTMLQuestion>";
constexpr const char* answer =
    "<QuestionFormAnswers xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionFormAnswers.xsd\"><Answer><QuestionIdentifier>q</QuestionIdentifier><FreeText>yes</FreeText></Answer>"
    "</QuestionFormAnswers>";

// Exceptions (only bad_alloc and bugs) end the program with a message.
void rethrow(std::exception_ptr e) {
  if (e)
    std::rethrow_exception(e);
}

uint64_t us_between(time_point from, time_point to) {
  return to > from ? static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(to - from).count())
                   : 0;
}

double seconds_between(time_point from, time_point to) { return std::chrono::duration<double>(to - from).count(); }

time_point after(double seconds) {
  return clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
}

// The answer to one request.
struct call_result {
  bool ok = false;
  bool answered = false;   // the server replied (an error reply included)
  std::string code;        // when not ok: "mturk:<TurkErrorCode>", "http:<status>", "ws:<code>", "net:<what>"
  std::string message;
  json::value body;
};

std::string transport_code(beast::error_code ec) {
  if (ec == beast::error::timeout)
    return "net:timeout";
  if (ec == net::error::connection_refused)
    return "net:connection_refused";
  if (ec == net::error::connection_reset || ec == net::error::broken_pipe)
    return "net:connection_reset";
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == websocket::error::closed)
    return "net:closed";
  if (ec == net::error::operation_aborted)
    return "net:aborted";
  return "net:error";
}

const json::value* path(const json::value& v, std::initializer_list<const char*> keys) {
  const json::value* p = &v;
  for (auto* k : keys) {
    if (!p->is_object())
      return nullptr;
    p = p->as_object().if_contains(k);
    if (!p)
      return nullptr;
  }
  return p;
}

std::string string_at(const json::value& v, std::initializer_list<const char*> keys) {
  auto* p = path(v, keys);
  return p && p->is_string() ? std::string{p->as_string()} : std::string{};
}

// The bodies and frames, built outside the coroutines (GCC 12 cannot keep an
// initializer list's array across a co_await: "array used as initializer").
json::object ws_frame(std::string_view op, std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {}) {
  json::object o;
  o["op"] = op;
  for (auto& [k, v] : fields)
    o[k] = v;
  return o;
}

std::string create_hit_body(const scenario& s) {
  json::object o{{"Title", "hitd-load task"},
                 {"Description", "A HIT of the load generator"},
                 {"Reward", format_cents(s.reward_cents)},
                 {"AssignmentDurationInSeconds", s.assignment_duration_s},
                 {"AutoApprovalDelayInSeconds", s.auto_approval_delay_s},
                 {"LifetimeInSeconds", s.lifetime_s},
                 {"MaxAssignments", s.assignments},
                 {"Question", question}};
  return json::serialize(o);
}

std::string one_field_body(std::string_view key, std::string_view value) {
  json::object o;
  o[key] = value;
  return json::serialize(o);
}

std::string decision_body(std::string_view assignment_id) {
  json::object o;
  o["AssignmentId"] = assignment_id;
  o["RequesterFeedback"] = "hitd-load";
  return json::serialize(o);
}

// ---- a wait for a count to reach zero ---------------------------------------------------------

struct wait_group {
  explicit wait_group(net::any_io_executor ex) : timer(ex) {}
  void add() { ++count; }
  void done() {
    if (--count == 0)
      timer.cancel();
  }
  // True when the count reached zero before the deadline.
  awaitable<bool> wait(time_point deadline) {
    while (count > 0) {
      if (clock_type::now() >= deadline)
        co_return false;
      timer.expires_at(deadline);
      co_await timer.async_wait(tok);
    }
    co_return true;
  }
  net::steady_timer timer;
  size_t count = 0;
};

// ---- the requester API: a pool of keep-alive HTTP connections ---------------------------------

struct http_conn {
  explicit http_conn(net::any_io_executor ex) : stream(ex) {}
  beast::tcp_stream stream;
  beast::flat_buffer buf;
  bool connected = false;
};

class http_pool {
public:
  http_pool(net::io_context& ioc, tcp::endpoint ep, std::string host, size_t max)
    : ioc_(ioc), ep_(ep), host_(std::move(host)), max_(max) {}

  // One signed call (JSON 1.1, SigV4 with the requester's key).
  awaitable<call_result> call(const requester_account& who, const std::string& op, std::string body,
                              time_point deadline) {
    call_result r;
    auto c = co_await acquire(deadline);
    if (!c) {
      r.code = closed_ ? "net:aborted" : "net:timeout";
      r.message = op + ": no connection to the requester API free in time";
      co_return r;
    }
    for (int attempt = 0;; ++attempt) {
      bool reused = c->connected;
      beast::error_code ec;
      c->stream.expires_at(deadline);
      if (!c->connected) {
        auto [cec] = co_await c->stream.async_connect(ep_, tok);
        ec = cec;
        if (!ec) {
          c->connected = true;
          beast::error_code ignored;
          c->stream.socket().set_option(tcp::no_delay(true), ignored);
        }
      }
      http::response<http::string_body> res;
      if (!ec) {
        std::vector<std::pair<std::string, std::string>> headers = {
            {"host", host_},
            {"content-type", "application/x-amz-json-1.1"},
            {"x-amz-target", "MTurkRequesterServiceV20170117." + op}};
        gateway_mturk::sigv4_request sreq{"POST", "/", &headers, body};
        gateway_mturk::sigv4_credentials creds{who.access_key_id, who.secret_access_key};
        auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
        auto sig = gateway_mturk::sign_sigv4(sreq, creds, now_s);
        http::request<http::string_body> req{http::verb::post, "/", 11};
        for (auto& [k, v] : headers)
          req.set(k, v);
        for (auto& [k, v] : sig)
          req.set(k, v);
        req.keep_alive(true);
        req.body() = body;
        req.prepare_payload();
        auto [wec, wn] = co_await http::async_write(c->stream, req, tok);
        ec = wec;
        if (!ec) {
          auto [rec, rn] = co_await http::async_read(c->stream, c->buf, res, tok);
          ec = rec;
        }
      }
      if (ec) {
        // A keep-alive connection the server closed while idle: once more on a new one.
        bool stale = ec == http::error::end_of_stream || ec == net::error::eof ||
                     ec == net::error::connection_reset || ec == net::error::broken_pipe;
        if (reused && stale && attempt == 0 && !closed_) {
          beast::error_code ignored;
          c->stream.socket().close(ignored);
          c->connected = false;
          c->buf.clear();
          continue;
        }
        drop(std::move(c));
        r.code = transport_code(ec);
        r.message = op + ": " + ec.message();
        co_return r;
      }
      r.answered = true;
      if (res.keep_alive())
        release(std::move(c));
      else
        drop(std::move(c));
      boost::system::error_code jec;
      r.body = json::parse(res.body(), jec);
      if (res.result_int() == 200 && !jec) {
        r.ok = true;
      } else if (auto code = string_at(r.body, {"TurkErrorCode"}); !code.empty()) {
        r.code = "mturk:" + code;
      } else if (auto type = string_at(r.body, {"__type"}); !type.empty()) {
        r.code = "mturk:" + type;
      } else {
        r.code = "http:" + std::to_string(res.result_int());
      }
      if (!r.ok)
        r.message = op + ": " + (string_at(r.body, {"Message"}).empty() ? res.body().substr(0, 200)
                                                                        : string_at(r.body, {"Message"}));
      co_return r;
    }
  }

  // Closes every connection: calls in flight end with net:aborted.
  void close_all() {
    closed_ = true;
    for (auto* c : all_) {
      beast::error_code ignored;
      c->stream.socket().close(ignored);
    }
    for (auto* w : waiters_)
      w->timer.cancel();
  }

private:
  struct waiter {
    explicit waiter(net::any_io_executor ex) : timer(ex) {}
    net::steady_timer timer;
    std::unique_ptr<http_conn> conn;
    bool may_open = false;
  };

  std::unique_ptr<http_conn> open() {
    ++open_;
    auto c = std::make_unique<http_conn>(ioc_.get_executor());
    all_.insert(c.get());
    return c;
  }

  awaitable<std::unique_ptr<http_conn>> acquire(time_point deadline) {
    if (closed_)
      co_return nullptr;
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      co_return c;
    }
    if (open_ < max_)
      co_return open();
    waiter w{ioc_.get_executor()};
    w.timer.expires_at(deadline);
    waiters_.push_back(&w);
    co_await w.timer.async_wait(tok);
    if (auto it = std::find(waiters_.begin(), waiters_.end(), &w); it != waiters_.end())
      waiters_.erase(it);
    if (w.conn)
      co_return std::move(w.conn);
    if (w.may_open && !closed_)
      co_return open();
    co_return nullptr;
  }

  void release(std::unique_ptr<http_conn> c) {
    if (closed_)
      return drop(std::move(c));
    if (!waiters_.empty()) {
      auto* w = waiters_.front();
      waiters_.pop_front();
      w->conn = std::move(c);
      w->timer.cancel();
      return;
    }
    idle_.push_back(std::move(c));
  }

  void drop(std::unique_ptr<http_conn> c) {
    all_.erase(c.get());
    --open_;
    c.reset();
    if (!waiters_.empty()) {
      auto* w = waiters_.front();
      waiters_.pop_front();
      w->may_open = true;
      w->timer.cancel();
    }
  }

  net::io_context& ioc_;
  tcp::endpoint ep_;
  std::string host_;
  size_t max_;
  size_t open_ = 0;
  bool closed_ = false;
  std::vector<std::unique_ptr<http_conn>> idle_;
  std::deque<waiter*> waiters_;
  std::set<http_conn*> all_;
};

// ---- the worker protocol: one WebSocket per worker ----------------------------------------------

class worker_conn {
public:
  worker_conn(net::io_context& ioc, const worker_account& who, run_stats& st) : ws_(ioc), who_(who), st_(st) {}

  // Connects, authenticates (Bearer token), reads the hello; subscribes to
  // the feed when asked. An error message, or empty.
  awaitable<std::string> open(tcp::endpoint ep, std::string host, time_point deadline, bool subscribe) {
    auto& lowest = beast::get_lowest_layer(ws_);
    lowest.expires_at(deadline);
    auto [cec] = co_await lowest.async_connect(ep, tok);
    if (cec)
      co_return "connect: " + cec.message();
    lowest.expires_never();
    lowest.socket().set_option(tcp::no_delay(true), cec);
    // Until open: the handshake within 10 s, and a frame (the hello, the
    // subscribed reply) within 30 s; then no idle bound (the server pings).
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = std::chrono::seconds(30);
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator([token = who_.token](websocket::request_type& req) {
      req.set(http::field::authorization, "Bearer " + token);
    }));
    ws_.read_message_max(16 << 20);
    websocket::response_type res;
    auto [hec] = co_await ws_.async_handshake(res, host, "/ws", tok);
    if (hec)
      co_return "handshake: " + hec.message() +
          (res.result_int() ? " (HTTP " + std::to_string(res.result_int()) + " " + res.body() + ")" : "");
    auto [rec, rn] = co_await ws_.async_read(buf_, tok);
    if (rec)
      co_return "reading the hello: " + rec.message();
    auto hello = beast::buffers_to_string(buf_.data());
    buf_.consume(buf_.size());
    if (hello.find("\"hello\"") == std::string::npos)
      co_return "the first frame is not a hello: " + hello.substr(0, 200);
    alive_ = true;
    net::co_spawn(ws_.get_executor(), read_loop(), rethrow);
    if (subscribe) {
      auto r = co_await command(ws_frame("subscribe"), deadline);
      if (!r.ok)
        co_return "subscribe: " + r.code + " " + r.message;
    }
    t.idle_timeout = websocket::stream_base::none();
    ws_.set_option(t);
    co_return std::string{};
  }

  // One command; its reply (or the error reply, or a timeout).
  awaitable<call_result> command(json::object cmd, time_point deadline) {
    call_result r;
    if (!alive_) {
      r.code = "net:ws_closed";
      r.message = "the connection of worker " + who_.worker_id + " is closed";
      co_return r;
    }
    if (out_.size() >= ws_queue_max) {
      r.code = "load:ws_queue_full";
      r.message = "more than 4096 frames wait to be written on one worker connection";
      co_return r;
    }
    uint64_t id = next_id_++;
    cmd["id"] = id;
    pending p{ws_.get_executor()};
    p.timer.expires_at(deadline);
    pending_[id] = &p;
    out_.push_back(json::serialize(cmd));
    if (!writing_) {
      writing_ = true;
      net::co_spawn(ws_.get_executor(), write_loop(), rethrow);
    }
    co_await p.timer.async_wait(tok);
    pending_.erase(id);
    if (!p.done) {
      r.code = "net:timeout";
      r.message = "no reply from the worker feed in time";
      co_return r;
    }
    co_return std::move(p.res);
  }

  awaitable<void> close() {
    if (!alive_)
      co_return;
    closing_ = true;
    auto [ec] = co_await ws_.async_close(websocket::close_code::normal, tok);
    (void)ec;
  }

  // Ends everything at once (the drain ran out).
  void abort() {
    closing_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  const std::string& worker_id() const { return who_.worker_id; }

private:
  struct pending {
    explicit pending(net::any_io_executor ex) : timer(ex) {}
    net::steady_timer timer;
    bool done = false;
    call_result res;
  };

  void fail_all(const std::string& code, const std::string& message) {
    alive_ = false;
    for (auto& [id, p] : pending_)
      if (!p->done) {
        p->done = true;
        p->res.code = code;
        p->res.message = message;
        p->timer.cancel();
      }
  }

  awaitable<void> write_loop() {
    while (!out_.empty() && alive_) {
      ws_.text(true);
      auto [ec, n] = co_await ws_.async_write(net::buffer(out_.front()), tok);
      if (ec) {
        fail_all(transport_code(ec), "writing to the worker feed: " + ec.message());
        break;
      }
      out_.pop_front();
    }
    if (!alive_)
      out_.clear();
    writing_ = false;
  }

  awaitable<void> read_loop() {
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buf_, tok);
      if (ec) {
        std::string why = ec.message();
        if (ec == websocket::error::closed)
          why += " (close code " + std::to_string(ws_.reason().code) + " " +
                 std::string(ws_.reason().reason.data(), ws_.reason().reason.size()) + ")";
        fail_all(closing_ ? "net:aborted" : transport_code(ec), "worker " + who_.worker_id + ": " + why);
        co_return;
      }
      boost::system::error_code jec;
      auto v = json::parse(std::string_view{static_cast<const char*>(buf_.cdata().data()), buf_.size()}, jec);
      buf_.consume(buf_.size());
      if (jec || !v.is_object())
        continue;
      auto& o = v.as_object();
      auto* id = o.if_contains("id");
      if (id && (id->is_uint64() || id->is_int64())) {
        uint64_t key = id->is_uint64() ? id->as_uint64() : static_cast<uint64_t>(id->as_int64());
        auto it = pending_.find(key);
        if (it == pending_.end() || it->second->done)
          continue;   // a reply after its timeout
        auto& p = *it->second;
        p.done = true;
        p.res.answered = true;
        if (auto* err = o.if_contains("error")) {
          p.res.code = "ws:" + string_at(*err, {"code"});
          p.res.message = string_at(*err, {"message"});
        } else {
          p.res.ok = true;
          p.res.body = std::move(v);
        }
        p.timer.cancel();
        continue;
      }
      auto type = string_at(v, {"type"});
      if (type.rfind("hit.", 0) == 0)
        ++st_.feed_events;
      else if (!type.empty() && type != "heartbeat")
        ++st_.personal_events;
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  const worker_account& who_;
  run_stats& st_;
  beast::flat_buffer buf_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool alive_ = false;
  bool closing_ = false;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, pending*> pending_;
};

// ---- the run ------------------------------------------------------------------------------------

class runner {
public:
  runner(const scenario& s, const accounts& a, run_stats& st, bool progress)
    : s_(s), st_(st), progress_(progress), rng_(s.seed), in_flight_(ioc_.get_executor()),
      users_(ioc_.get_executor()) {
    size_t r = s.requesters ? std::min<size_t>(s.requesters, a.requesters.size()) : a.requesters.size();
    size_t w = s.workers ? std::min<size_t>(s.workers, a.workers.size()) : a.workers.size();
    requesters_.assign(a.requesters.begin(), a.requesters.begin() + static_cast<std::ptrdiff_t>(r));
    worker_accounts_.assign(a.workers.begin(), a.workers.begin() + static_cast<std::ptrdiff_t>(w));
    for (auto& [action, weight] : s.mix) {
      total_weight_ += weight;
      cumulative_.emplace_back(total_weight_, action);
    }
  }

  std::string run() {
    std::string host;
    uint16_t port = 0;
    split_target(s_.target, host, port);
    host_ = s_.target;
    beast::error_code ec;
    tcp::resolver resolver{ioc_};
    auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty())
      return "cannot resolve " + host + ": " + ec.message();
    endpoint_ = found.begin()->endpoint();
    if (!s_.allow_remote && !endpoint_.address().is_loopback())
      return "the target " + s_.target + " resolves to " + endpoint_.address().to_string() +
             ", not a loopback address; pass --allow-remote to load another host";
    bool needs_requester = false, needs_worker = false;
    for (auto& [action, weight] : s_.mix) {
      if (weight == 0)
        continue;
      if (action == "dashboard" || action == "ping")
        needs_worker = true;
      else
        needs_requester = true;
      if (action == "lifecycle")
        needs_worker = true;
    }
    if (needs_requester && requesters_.empty())
      return "the mix needs a requester and the accounts have none";
    if (needs_worker && worker_accounts_.empty())
      return "the mix needs workers and the accounts have none";
    if (s_.feed_readers > worker_accounts_.size())
      return "--feed-readers " + std::to_string(s_.feed_readers) + " is more than the " +
             std::to_string(worker_accounts_.size()) + " workers";
    for (auto& [action, weight] : s_.mix)
      if (action == "lifecycle" && weight > 0 && s_.assignments > worker_accounts_.size())
        return "a lifecycle of " + std::to_string(s_.assignments) + " assignments needs as many workers, and there are " +
               std::to_string(worker_accounts_.size());
    pool_ = std::make_unique<http_pool>(ioc_, endpoint_, host_, s_.http_connections);
    net::co_spawn(ioc_, main_flow(), rethrow);
    ioc_.run();
    return setup_error_;
  }

private:
  awaitable<void> main_flow() {
    // Before the clock starts: every requester's balance (which checks its
    // key too), then every worker connected (64 handshakes at a time).
    if (!co_await read_balances(true))
      co_return finish_setup_failure();
    auto connect_deadline = after(std::max(30.0, s_.timeout_s));
    for (size_t i = 0; i < worker_accounts_.size(); ++i)
      workers_.push_back(std::make_unique<worker_conn>(ioc_, worker_accounts_[i], st_));
    for (size_t from = 0; from < workers_.size() && setup_error_.empty(); from += 64) {
      wait_group wave{ioc_.get_executor()};
      for (size_t i = from; i < std::min(from + 64, workers_.size()); ++i) {
        wave.add();
        net::co_spawn(ioc_, open_worker(i, connect_deadline, wave), rethrow);
      }
      co_await wave.wait(after(86'400));   // each open is bounded (connect deadline, 30 s idle timeout)
    }
    if (!setup_error_.empty())
      co_return finish_setup_failure();

    t0_ = clock_type::now();
    end_ = t0_ + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s_.duration_s));
    // Ctrl-C (or SIGTERM) ends the load early: nothing new starts, what is
    // in flight drains, the report follows. A second one kills as usual.
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.async_wait([this](beast::error_code ec, int) {
      if (ec)
        return;
      st_.interrupted = true;
      end_ = std::min(end_, clock_type::now());
      beast::error_code ignored;
      signals_.clear(ignored);
    });
    if (progress_)
      net::co_spawn(ioc_, progress_loop(), rethrow);
    if (s_.mode == loop_mode::closed) {
      for (uint32_t u = 0; u < s_.concurrency; ++u) {
        users_.add();
        net::co_spawn(ioc_, closed_user(), rethrow);
      }
    } else {
      users_.add();
      net::co_spawn(ioc_, open_scheduler(), rethrow);
    }
    // The users stop starting iterations at the end (or at max-requests);
    // the drain waits for those in flight, each request bounded by the
    // timeout, for 2 timeouts + 5 s at most; then what is left is abandoned.
    auto drain_deadline = end_ + std::chrono::duration_cast<clock_type::duration>(
                                     std::chrono::duration<double>(2 * s_.timeout_s + 5));
    if (!co_await users_.wait(drain_deadline) || !co_await in_flight_.wait(drain_deadline)) {
      st_.abandoned = in_flight_.count;
      pool_->close_all();
      for (auto& w : workers_)
        w->abort();
      co_await users_.wait(after(5));
      co_await in_flight_.wait(after(5));
    }
    auto finished = clock_type::now();
    st_.elapsed_s = seconds_between(t0_, finished);
    st_.drain_s = seconds_between(stopped_starting_ == time_point{} ? end_ : stopped_starting_, finished);
    if (st_.elapsed_s < st_.drain_s)
      st_.drain_s = st_.elapsed_s;
    running_ = false;
    progress_timer_.cancel();
    {
      beast::error_code ignored;
      signals_.cancel(ignored);
      signals_.clear(ignored);
    }
    if (st_.abandoned == 0)
      co_await read_balances(false);
    for (auto& w : workers_)
      co_await w->close();
    pool_->close_all();
    if (progress_)
      std::fprintf(stderr, "\r%s\x1b[K\n", progress_line(st_, st_.elapsed_s).c_str());
  }

  void finish_setup_failure() {
    for (auto& w : workers_)
      w->abort();
    pool_->close_all();
  }

  awaitable<void> open_worker(size_t i, time_point deadline, wait_group& wave) {
    auto why = co_await workers_[i]->open(endpoint_, host_, deadline, i < s_.feed_readers);
    if (!why.empty() && setup_error_.empty())
      setup_error_ = "worker " + workers_[i]->worker_id() + " could not connect to ws://" + host_ + "/ws: " + why;
    wave.done();
  }

  awaitable<bool> read_balances(bool at_start) {
    if (at_start)
      for (auto& r : requesters_)
        st_.balances.push_back({r.requester_id});
    for (size_t i = 0; i < requesters_.size(); ++i) {
      auto r = co_await pool_->call(requesters_[i], "GetAccountBalance", "{}", after(s_.timeout_s));
      auto available = parse_cents(string_at(r.body, {"AvailableBalance"}));
      auto on_hold = parse_cents(string_at(r.body, {"OnHoldBalance"}));
      if (!r.ok || !available || !on_hold) {
        if (at_start) {
          setup_error_ = "GetAccountBalance of requester " + requesters_[i].requester_id + " at " + s_.target +
                         " failed: " + r.code + " " + r.message;
          co_return false;
        }
        continue;
      }
      auto& b = st_.balances[i];
      (at_start ? b.available_start : b.available_end) = *available;
      (at_start ? b.on_hold_start : b.on_hold_end) = *on_hold;
    }
    co_return true;
  }

  // True while a new iteration may start; notes when starting stopped.
  bool may_start(time_point due) {
    if (due < end_ && st_.requests_sent < s_.max_requests &&
        (s_.max_iterations == 0 || st_.iterations_started < s_.max_iterations))
      return true;
    if (stopped_starting_ == time_point{})
      stopped_starting_ = std::min(clock_type::now(), end_);
    return false;
  }

  awaitable<void> closed_user() {
    net::steady_timer timer{ioc_};
    std::uniform_int_distribution<uint64_t> think{s_.think_min_ms, s_.think_max_ms};
    auto due = clock_type::now();
    while (may_start(due)) {
      in_flight_.add();
      ++st_.iterations_started;
      co_await iteration(due);
      in_flight_.done();
      // The next iteration is due after the think time, from now.
      due = clock_type::now() + std::chrono::milliseconds(think(rng_));
      if (!may_start(due))
        break;
      if (due > clock_type::now()) {
        timer.expires_at(due);
        co_await timer.async_wait(tok);
      }
    }
    users_.done();
  }

  awaitable<void> open_scheduler() {
    net::steady_timer timer{ioc_};
    std::exponential_distribution<double> gap{s_.rate};
    double offset = 0;
    for (uint64_t i = 0;; ++i) {
      offset = s_.arrivals == arrival::uniform ? static_cast<double>(i) / s_.rate : offset + gap(rng_);
      auto due = t0_ + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(offset));
      if (!may_start(due))
        break;
      if (due > clock_type::now()) {
        timer.expires_at(due);
        co_await timer.async_wait(tok);
      }
      if (in_flight_.count >= s_.max_in_flight) {
        ++st_.skipped;
        continue;
      }
      in_flight_.add();
      ++st_.iterations_started;
      net::co_spawn(ioc_, tracked_iteration(due), rethrow);
    }
    users_.done();
  }

  awaitable<void> tracked_iteration(time_point due) {
    co_await iteration(due);
    in_flight_.done();
  }

  const std::string& pick_action() {
    std::uniform_int_distribution<uint64_t> d{0, total_weight_ - 1};
    uint64_t x = d(rng_);
    for (auto& [upto, action] : cumulative_)
      if (x < upto)
        return action;
    return cumulative_.back().second;
  }

  size_t next_requester() { return requester_rr_++ % requesters_.size(); }
  worker_conn& any_worker() {
    std::uniform_int_distribution<size_t> d{0, workers_.size() - 1};
    return *workers_[d(rng_)];
  }

  awaitable<void> iteration(time_point due) {
    const auto& action = pick_action();
    if (action == "lifecycle") {
      co_await lifecycle(due);
    } else if (action == "get_hit" && !recent_hits_.empty()) {
      std::uniform_int_distribution<size_t> d{0, recent_hits_.size() - 1};
      auto [who, hit] = recent_hits_[d(rng_)];
      co_await mturk("GetHIT", who, one_field_body("HITId", hit), due);
    } else if (action == "get_hit" || action == "list_hits") {
      co_await mturk("ListHITs", next_requester(), R"({"MaxResults":10})", due);
    } else if (action == "get_account_balance") {
      co_await mturk("GetAccountBalance", next_requester(), "{}", due);
    } else if (action == "dashboard") {
      co_await ws(any_worker(), "ws.dashboard", ws_frame("dashboard"), due);
    } else if (action == "ping") {
      co_await ws(any_worker(), "ws.ping", ws_frame("ping"), due);
    }
  }

  awaitable<call_result> mturk(const std::string& op, size_t requester, std::string body, time_point due) {
    ++st_.requests_sent;
    auto r = co_await pool_->call(requesters_[requester], op, std::move(body), after(s_.timeout_s));
    st_.finish(op, us_between(due, clock_type::now()), r.answered, r.ok ? "" : r.code, r.message);
    co_return r;
  }

  awaitable<call_result> ws(worker_conn& w, const std::string& name, json::object cmd, time_point due) {
    ++st_.requests_sent;
    auto r = co_await w.command(std::move(cmd), after(s_.timeout_s));
    st_.finish(name, us_between(due, clock_type::now()), r.answered, r.ok ? "" : r.code, r.message);
    co_return r;
  }

  // CreateHIT; then for each assignment a different worker accepts it and
  // submits, and the requester approves or rejects. Each step is due when
  // the previous one's answer came.
  awaitable<void> lifecycle(time_point due) {
    auto started = due;
    size_t who = next_requester();
    auto failed = [&](const std::string& step, const call_result& r) {
      st_.finish("lifecycle", 0, false, "failed_at:" + step, r.message);
    };
    auto c = co_await mturk("CreateHIT", who, create_hit_body(s_), due);
    auto hit_id = string_at(c.body, {"HIT", "HITId"});
    if (!c.ok || hit_id.empty())
      co_return failed("CreateHIT", c);
    if (recent_hits_.size() < recent_hits_max)
      recent_hits_.emplace_back(who, hit_id);
    else
      recent_hits_[recent_hit_next_++ % recent_hits_max] = {who, hit_id};
    due = clock_type::now();
    uint64_t base = worker_rr_;
    worker_rr_ += s_.assignments;
    for (uint32_t k = 0; k < s_.assignments; ++k) {
      auto& w = *workers_[(base + k) % workers_.size()];
      auto accept = ws_frame("accept", {{"hit_id", hit_id}});
      auto a = co_await ws(w, "ws.accept", std::move(accept), due);
      auto assignment_id = string_at(a.body, {"assignment", "assignment_id"});
      if (!a.ok || assignment_id.empty())
        co_return failed("ws.accept", a);
      due = clock_type::now();
      auto submit = ws_frame("submit", {{"assignment_id", assignment_id}, {"answer", answer}});
      auto u = co_await ws(w, "ws.submit", std::move(submit), due);
      if (!u.ok)
        co_return failed("ws.submit", u);
      due = clock_type::now();
      std::uniform_int_distribution<uint32_t> percent{0, 99};
      bool reject = percent(rng_) < s_.reject_percent;
      auto op = reject ? "RejectAssignment" : "ApproveAssignment";
      auto d = co_await mturk(op, who, decision_body(assignment_id), due);
      if (!d.ok)
        co_return failed(op, d);
      ++(reject ? st_.rejected : st_.approved);
      due = clock_type::now();
    }
    st_.finish("lifecycle", us_between(started, clock_type::now()), true);
  }

  awaitable<void> progress_loop() {
    auto next = t0_;
    while (running_) {
      next += std::chrono::seconds(1);
      progress_timer_.expires_at(next);
      co_await progress_timer_.async_wait(tok);
      if (!running_)
        break;
      std::fprintf(stderr, "\r%s\x1b[K", progress_line(st_, seconds_between(t0_, clock_type::now())).c_str());
      std::fflush(stderr);
    }
  }

  net::io_context ioc_{1};
  const scenario& s_;
  run_stats& st_;
  bool progress_;
  std::mt19937_64 rng_;
  std::vector<requester_account> requesters_;
  std::vector<worker_account> worker_accounts_;
  std::vector<std::pair<uint64_t, std::string>> cumulative_;
  uint64_t total_weight_ = 0;
  tcp::endpoint endpoint_;
  std::string host_;
  std::unique_ptr<http_pool> pool_;
  std::vector<std::unique_ptr<worker_conn>> workers_;
  std::string setup_error_;
  wait_group in_flight_;
  wait_group users_;
  net::signal_set signals_{ioc_};
  net::steady_timer progress_timer_{ioc_};
  time_point t0_, end_, stopped_starting_;
  bool running_ = true;
  size_t requester_rr_ = 0;
  uint64_t worker_rr_ = 0;
  std::vector<std::pair<size_t, std::string>> recent_hits_;
  size_t recent_hit_next_ = 0;
};

} // namespace

std::string run(const scenario& s, const accounts& a, run_stats& out, bool progress) {
  runner r{s, a, out, progress};
  return r.run();
}

} // namespace hitd::load
