// hitd_bench_feed: the live-feed load generator (docs/benchmarks.md, "The
// live feed"). It starts a feed server as a child process, holds N
// WebSocket clients on it, has it publish HITs at a fixed rate, and measures
// what every client receives.
//
//   hitd_bench_feed --server "CMD" --clients N --rate R --duration D [options]
//
// The server (CMD runs under /bin/sh -c "exec CMD", so its pid is the
// child's) prints "token <token>" lines (none for servers that take any
// token) then "ready <port>", listens on 127.0.0.1:<port>/ws, speaks the
// hello / subscribe / subscribed handshake of docs/protocol.md, and on the
// line "publish R D T0" sends hit.available events titled "bench <i>" for
// i in [0, R*D), HIT i being due at CLOCK_MONOTONIC nanosecond T0 + i*1e9/R;
// it answers "published <n> <errors>". bench/feed_server.cpp (hitd) and
// bench/peers/ws_broadcast/server.mjs (Node.js ws) both do.
//
// The clients bind to 127.0.0.1 .. 127.0.0.<sources> round robin, connect in
// waves of at most --wave handshakes at a time, authenticate with the
// tokens (client i takes token i mod count), subscribe without filters, and
// once all are subscribed the server's RSS is read (memory per idle
// connection), then publishing starts. Each client records, for every
// hit.available, receipt time minus the HIT's scheduled time (so a stalled
// server shows as latency: no coordinated omission), into per-thread log
// buckets (1/64 relative precision). The run ends when every client has
// every event, or --drain seconds after the last one was due.
//
// Prints one line "RESULT key=value ..." and exits 0 when every delivery
// arrived, 3 when some are missing (or a connection closed) during the
// publishing, 1 on a setup failure, 2 on bad arguments. Bounded in time:
// server start <= 120 s, connecting <= --connect-timeout, publishing
// <= D + --drain, stopping <= 10 s (then SIGKILL to the child).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "histogram.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The latency histogram is hitd-load's (bench/load/histogram.hpp): log
// buckets, 128 per power of two, values in µs.
using hitd::load::histogram;

// ---- the server process -------------------------------------------------------------------

struct child_process {
  pid_t pid = -1;
  int in = -1;    // its standard input
  int out = -1;   // its standard output
  std::string pending;

  // One line of its output, or nothing at the deadline or at its end.
  std::optional<std::string> read_line(int64_t deadline_ns) {
    for (;;) {
      if (auto nl = pending.find('\n'); nl != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        return line;
      }
      int64_t left_ms = (deadline_ns - monotonic_ns()) / 1'000'000;
      if (left_ms <= 0)
        return std::nullopt;
      pollfd p{out, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
      if (r < 0 && errno != EINTR)
        return std::nullopt;
      if (r <= 0)
        continue;
      char buf[65536];
      ssize_t n = ::read(out, buf, sizeof buf);
      if (n <= 0)
        return std::nullopt;
      pending.append(buf, static_cast<size_t>(n));
    }
  }
  bool write_line(const std::string& s) {
    std::string line = s + "\n";
    return ::write(in, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  }
  // Asks it to quit, waits up to 10 s, then kills it. Returns its exit status.
  int stop() {
    if (pid <= 0)
      return -1;
    write_line("quit");
    ::close(in);
    in = -1;
    int status = 0;
    for (int i = 0; i < 1000; ++i) {
      pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        pid = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::cerr << "hitd_bench_feed: the server did not stop in 10 s; killing pid " << pid << "\n";
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
};

std::optional<child_process> spawn(const std::string& cmd) {
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0)
    return std::nullopt;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
  posix_spawn_file_actions_addclose(&fa, to_child[1]);
  posix_spawn_file_actions_addclose(&fa, from_child[0]);
  std::string full = "exec " + cmd;
  const char* argv[] = {"/bin/sh", "-c", full.c_str(), nullptr};
  child_process c;
  int r = posix_spawn(&c.pid, "/bin/sh", &fa, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (r != 0)
    return std::nullopt;
  c.in = to_child[1];
  c.out = from_child[0];
  ::fcntl(c.in, F_SETFD, FD_CLOEXEC);
  ::fcntl(c.out, F_SETFD, FD_CLOEXEC);
  return c;
}

// utime + stime of a process, in seconds.
double process_cpu_s(pid_t pid) {
  std::ifstream f{"/proc/" + std::to_string(pid) + "/stat"};
  std::string s{std::istreambuf_iterator<char>(f), {}};
  auto rp = s.rfind(')');
  if (rp == std::string::npos)
    return -1;
  std::istringstream in{s.substr(rp + 2)};
  std::string field;
  // Fields after the name: state(3) ... utime is field 14, stime 15.
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14)
      utime = std::stoull(field);
    if (i == 15)
      stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// VmRSS of a process, in KiB.
long process_rss_kb(pid_t pid) {
  std::ifstream f{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

double self_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// ---- the clients --------------------------------------------------------------------------

struct run_plan {
  uint16_t port = 0;
  int64_t t0 = 0;        // set when publishing starts (atomically published via `publishing`)
  double rate = 0;
  int64_t events = 0;    // each client expects this many
};

struct io_thread;

class client {
public:
  client(io_thread& t, size_t index, std::string token, net::ip::address source);
  void start();
  int64_t received = 0;
  int64_t anomalies = 0;   // an event twice, or one never published
  bool subscribed = false;
  bool failed = false;

private:
  void fail(const char* what, beast::error_code ec);
  void read_hello();
  void read_subscribed();
  void read_events();
  void on_event(std::string_view frame, int64_t now);

  io_thread& t_;
  size_t index_;
  std::string token_;
  net::ip::address source_;
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buf_;
  std::vector<uint64_t> seen_;   // one bit per event
};

struct io_thread {
  net::io_context ioc{1};
  std::vector<std::unique_ptr<client>> clients;
  std::deque<client*> waiting;   // not started yet
  size_t slots = 0;              // handshakes that may be in flight
  histogram hist;
  const run_plan* plan = nullptr;
  std::atomic<bool>* publishing = nullptr;
  std::atomic<int64_t> subscribed{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> closed_while_streaming{0};
  std::atomic<int64_t> last_receipt_ns{0};
  std::string first_error;
  std::mutex error_mutex;

  void start_next() {
    while (slots > 0 && !waiting.empty()) {
      --slots;
      auto* c = waiting.front();
      waiting.pop_front();
      c->start();
    }
  }
  void done_connecting() {
    ++slots;
    start_next();
  }
};

client::client(io_thread& t, size_t index, std::string token, net::ip::address source)
  : t_(t), index_(index), token_(std::move(token)), source_(source), ws_(t.ioc) {}

void client::fail(const char* what, beast::error_code ec) {
  if (failed)
    return;
  failed = true;
  if (subscribed) {
    t_.closed_while_streaming.fetch_add(1, std::memory_order_relaxed);
  } else {
    t_.failed.fetch_add(1, std::memory_order_relaxed);
    t_.done_connecting();
  }
  std::lock_guard<std::mutex> g{t_.error_mutex};
  if (t_.first_error.empty()) {
    t_.first_error = std::string{what} + " (client " + std::to_string(index_) + "): " + ec.message();
    if (ec == websocket::error::closed)
      t_.first_error += " code " + std::to_string(ws_.reason().code) + " " + std::string{ws_.reason().reason.data(), ws_.reason().reason.size()};
  }
}

void client::start() {
  auto& sock = ws_.next_layer();
  beast::error_code bind_ec;
  sock.open(tcp::v4(), bind_ec);
  if (!bind_ec) {
    // Lets the kernel pick the source port at connect time, per destination.
    int one = 1;
    ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sock.bind(tcp::endpoint{source_, 0}, bind_ec);
  }
  if (bind_ec)
    return fail("bind", bind_ec);
  tcp::endpoint server{net::ip::make_address_v4("127.0.0.1"), t_.plan->port};
  sock.async_connect(server, [this](beast::error_code ec) {
    if (ec)
      return fail("connect", ec);
    ws_.set_option(websocket::stream_base::decorator([tok = token_](websocket::request_type& req) {
      req.set(beast::http::field::authorization, "Bearer " + tok);
    }));
    ws_.read_message_max(4 << 20);
    ws_.async_handshake("127.0.0.1:" + std::to_string(t_.plan->port), "/ws", [this](beast::error_code hec) {
      if (hec)
        return fail("handshake", hec);
      read_hello();
    });
  });
}

void client::read_hello() {
  ws_.async_read(buf_, [this](beast::error_code ec, size_t) {
    if (ec)
      return fail("read hello", ec);
    std::string_view s{static_cast<const char*>(buf_.cdata().data()), buf_.size()};
    bool hello = s.find("\"hello\"") != std::string_view::npos;
    buf_.consume(buf_.size());
    if (!hello)
      return read_hello();   // e.g. a heartbeat first
    static const std::string subscribe = R"({"id":1,"op":"subscribe"})";
    ws_.text(true);
    ws_.async_write(net::buffer(subscribe), [this](beast::error_code wec, size_t) {
      if (wec)
        return fail("write subscribe", wec);
      read_subscribed();
    });
  });
}

void client::read_subscribed() {
  ws_.async_read(buf_, [this](beast::error_code ec, size_t) {
    if (ec)
      return fail("read subscribed", ec);
    std::string_view s{static_cast<const char*>(buf_.cdata().data()), buf_.size()};
    bool ok = s.find("\"subscribed\"") != std::string_view::npos;
    bool error = s.find("\"error\"") != std::string_view::npos && s.find("\"id\":1") != std::string_view::npos;
    buf_.consume(buf_.size());
    if (error)
      return fail("subscribe refused", beast::error_code{});
    if (!ok)
      return read_subscribed();
    subscribed = true;
    t_.subscribed.fetch_add(1, std::memory_order_relaxed);
    t_.done_connecting();
    read_events();
  });
}

void client::read_events() {
  ws_.async_read(buf_, [this](beast::error_code ec, size_t) {
    if (ec)
      return fail("read", ec);
    auto now = monotonic_ns();
    on_event({static_cast<const char*>(buf_.cdata().data()), buf_.size()}, now);
    buf_.consume(buf_.size());
    read_events();
  });
}

void client::on_event(std::string_view s, int64_t now) {
  if (s.find("hit.available") == std::string_view::npos)
    return;   // heartbeats and anything else
  static constexpr std::string_view key = "\"title\":\"bench ";
  auto p = s.find(key);
  if (p == std::string_view::npos)
    return;
  p += key.size();
  int64_t seq = -1;
  auto [end, ec] = std::from_chars(s.data() + p, s.data() + s.size(), seq);
  (void)end;
  if (ec != std::errc{} || seq < 0)
    return;
  if (!t_.publishing->load(std::memory_order_acquire))
    return;
  // HITs are created concurrently, so the feed's order (the commit order)
  // need not be the schedule's: only a duplicate is an anomaly.
  if (seen_.empty())
    seen_.assign(static_cast<size_t>((t_.plan->events + 63) / 64), 0);
  if (seq >= t_.plan->events || (seen_[static_cast<size_t>(seq / 64)] >> (seq % 64)) & 1) {
    ++anomalies;
    return;
  }
  seen_[static_cast<size_t>(seq / 64)] |= uint64_t{1} << (seq % 64);
  ++received;
  const auto& plan = *t_.plan;
  auto due = plan.t0 + static_cast<int64_t>(static_cast<double>(seq) * 1e9 / plan.rate);
  auto us = now > due ? static_cast<uint64_t>((now - due) / 1000) : 0;
  t_.hist.record(us);
  t_.delivered.fetch_add(1, std::memory_order_relaxed);
  t_.last_receipt_ns.store(now, std::memory_order_relaxed);
}

// ---- main ---------------------------------------------------------------------------------

struct options {
  std::string server_cmd;
  std::string label = "server";
  size_t clients = 100;
  unsigned sources = 4;
  double rate = 100;
  double duration = 5;
  unsigned threads = 2;
  size_t wave = 500;
  double drain = 5;
  double connect_timeout = 60;
  double settle = 1;
};

int usage(const std::string& why) {
  std::cerr << "hitd_bench_feed: " << why << "\n"
            << "usage: hitd_bench_feed --server CMD [--label NAME] [--clients N] [--sources K] [--rate R]\n"
               "         [--duration D] [--threads T] [--wave W] [--drain S] [--connect-timeout S] [--settle S]\n";
  return 2;
}

template <class T>
bool parse_num(const std::string& s, T& out) {
  try {
    size_t n = 0;
    if constexpr (std::is_floating_point_v<T>)
      out = static_cast<T>(std::stod(s, &n));
    else
      out = static_cast<T>(std::stoull(s, &n));
    return n == s.size();
  } catch (...) {
    return false;
  }
}

} // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc)
      return usage("option " + a + " needs a value");
    std::string v = argv[++i];
    bool ok = true;
    if (a == "--server") o.server_cmd = v;
    else if (a == "--label") o.label = v;
    else if (a == "--clients") ok = parse_num(v, o.clients);
    else if (a == "--sources") ok = parse_num(v, o.sources);
    else if (a == "--rate") ok = parse_num(v, o.rate);
    else if (a == "--duration") ok = parse_num(v, o.duration);
    else if (a == "--threads") ok = parse_num(v, o.threads);
    else if (a == "--wave") ok = parse_num(v, o.wave);
    else if (a == "--drain") ok = parse_num(v, o.drain);
    else if (a == "--connect-timeout") ok = parse_num(v, o.connect_timeout);
    else if (a == "--settle") ok = parse_num(v, o.settle);
    else return usage("unknown option " + a);
    if (!ok)
      return usage("bad value for " + a + ": " + v);
  }
  if (o.server_cmd.empty())
    return usage("--server is required");
  if (o.clients == 0 || o.clients > 60'000 || o.sources == 0 || o.sources > 254 || o.rate <= 0 || o.duration <= 0 ||
      o.duration > 120 || o.threads == 0 || o.threads > 16 || o.wave == 0 || o.drain < 0 || o.drain > 60 ||
      o.connect_timeout <= 0 || o.connect_timeout > 300 || o.settle < 0 || o.settle > 30)
    return usage("a value is out of range");
  auto events = static_cast<int64_t>(o.rate * o.duration + 0.5);
  if (events <= 0 || events > 2'000'000)
    return usage("rate * duration must be 1..2000000 events");

  // Descriptors: one per client, a few more.
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < o.clients + 64) {
    std::cerr << "hitd_bench_feed: RLIMIT_NOFILE is " << rl.rlim_cur << " (hard " << rl.rlim_max << "), " << o.clients
              << " clients need at least " << o.clients + 64 << "; raise the hard limit (ulimit -Hn)\n";
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);

  auto child = spawn(o.server_cmd);
  if (!child) {
    std::cerr << "hitd_bench_feed: cannot start the server: " << o.server_cmd << "\n";
    return 1;
  }
  std::vector<std::string> tokens;
  run_plan plan;
  {
    auto deadline = monotonic_ns() + 120'000'000'000;
    for (;;) {
      auto line = child->read_line(deadline);
      if (!line) {
        std::cerr << "hitd_bench_feed: the server did not print \"ready <port>\" within 120 s\n";
        child->stop();
        return 1;
      }
      if (line->rfind("token ", 0) == 0)
        tokens.push_back(line->substr(6));
      else if (line->rfind("ready ", 0) == 0) {
        plan.port = static_cast<uint16_t>(std::stoul(line->substr(6)));
        break;
      }
    }
  }
  if (tokens.empty())
    tokens.push_back("bench");   // a server that takes any token
  plan.rate = o.rate;
  plan.events = events;
  long rss_before = process_rss_kb(child->pid);

  std::atomic<bool> publishing{false};
  std::vector<std::unique_ptr<io_thread>> threads;
  for (unsigned i = 0; i < o.threads; ++i) {
    auto t = std::make_unique<io_thread>();
    t->plan = &plan;
    t->publishing = &publishing;
    t->slots = std::max<size_t>(1, o.wave / o.threads);
    threads.push_back(std::move(t));
  }
  for (size_t i = 0; i < o.clients; ++i) {
    auto& t = *threads[i % o.threads];
    auto source = net::ip::make_address_v4(static_cast<net::ip::address_v4::uint_type>((127u << 24) + 1 + i % o.sources));
    t.clients.push_back(std::make_unique<client>(t, i, tokens[i % tokens.size()], source));
    t.waiting.push_back(t.clients.back().get());
  }
  std::vector<std::thread> runners;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  for (auto& t : threads) {
    guards.push_back(net::make_work_guard(t->ioc));
    net::post(t->ioc, [tp = t.get()] { tp->start_next(); });
    runners.emplace_back([tp = t.get()] { tp->ioc.run(); });
  }
  auto sum = [&](auto member) {
    int64_t s = 0;
    for (auto& t : threads)
      s += ((*t).*member).load(std::memory_order_relaxed);
    return s;
  };
  auto first_error = [&] {
    for (auto& t : threads) {
      std::lock_guard<std::mutex> g{t->error_mutex};
      if (!t->first_error.empty())
        return t->first_error;
    }
    return std::string{};
  };
  auto finish = [&](int code) {
    // The sockets close when the clients go (threads.clear()).
    guards.clear();
    for (auto& t : threads)
      t->ioc.stop();
    for (auto& r : runners)
      r.join();
    threads.clear();
    child->stop();
    return code;
  };

  // Connect and subscribe everyone.
  auto connect_start = monotonic_ns();
  auto connect_deadline = connect_start + static_cast<int64_t>(o.connect_timeout * 1e9);
  while (sum(&io_thread::subscribed) + sum(&io_thread::failed) < static_cast<int64_t>(o.clients) &&
         monotonic_ns() < connect_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  double connect_s = static_cast<double>(monotonic_ns() - connect_start) / 1e9;
  auto subscribed = sum(&io_thread::subscribed);
  if (subscribed < static_cast<int64_t>(o.clients)) {
    std::cerr << "hitd_bench_feed: " << subscribed << " of " << o.clients << " clients subscribed in " << connect_s
              << " s (" << sum(&io_thread::failed) << " failed; first error: " << first_error() << ")\n";
    return finish(1);
  }
  // The server's CPU while its N connections are idle (timers, polling).
  double idle_cpu0 = process_cpu_s(child->pid);
  auto idle_start = monotonic_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(o.settle * 1000)));
  double idle_cpu = process_cpu_s(child->pid) - idle_cpu0;
  double idle_s = static_cast<double>(monotonic_ns() - idle_start) / 1e9;
  long rss_idle = process_rss_kb(child->pid);

  // Publish, open loop, and wait for the deliveries.
  double cpu0 = process_cpu_s(child->pid);
  double self0 = self_cpu_s();
  plan.t0 = monotonic_ns() + 200'000'000;
  publishing.store(true, std::memory_order_release);
  char cmd[128];
  std::snprintf(cmd, sizeof cmd, "publish %.6f %.6f %" PRId64, o.rate, o.duration, plan.t0);
  if (!child->write_line(cmd)) {
    std::cerr << "hitd_bench_feed: cannot write to the server\n";
    return finish(1);
  }
  const int64_t expected = events * static_cast<int64_t>(o.clients);
  auto end_deadline = plan.t0 + static_cast<int64_t>((o.duration + o.drain) * 1e9);
  while (sum(&io_thread::delivered) < expected && monotonic_ns() < end_deadline &&
         sum(&io_thread::closed_while_streaming) < static_cast<int64_t>(o.clients))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // The window ends: later receipts are not counted.
  publishing.store(false, std::memory_order_release);
  double cpu1 = process_cpu_s(child->pid);
  double self1 = self_cpu_s();
  auto published = child->read_line(monotonic_ns() + 35'000'000'000);

  // Stop the io threads; the sockets close when the clients go.
  guards.clear();
  for (auto& t : threads)
    t->ioc.stop();
  for (auto& r : runners)
    r.join();
  runners.clear();

  histogram all;
  int64_t delivered = 0, anomalies = 0, incomplete = 0, closed = 0;
  int64_t last_receipt = 0;
  for (auto& t : threads) {
    all.merge(t->hist);
    delivered += t->delivered.load();
    closed += t->closed_while_streaming.load();
    last_receipt = std::max(last_receipt, t->last_receipt_ns.load());
    for (auto& c : t->clients) {
      anomalies += c->anomalies;
      if (c->received != events)
        ++incomplete;
    }
  }
  auto err = first_error();
  threads.clear();
  int status = child->stop();

  double span_s = last_receipt > plan.t0 ? static_cast<double>(last_receipt - plan.t0) / 1e9 : 0;
  double cpu = cpu1 - cpu0;
  double ms = 1e-3;
  std::ostringstream r;
  r.setf(std::ios::fixed);
  r.precision(3);
  r << "RESULT server=" << o.label << " clients=" << o.clients << " sources=" << o.sources << " rate=" << o.rate
    << " duration=" << o.duration << " events=" << events << " expected=" << expected << " delivered=" << delivered
    << " missing=" << (expected - delivered) << " incomplete_clients=" << incomplete << " closed=" << closed
    << " duplicates=" << anomalies << " connect_s=" << connect_s
    << " deliveries_per_s=" << (span_s > 0 ? static_cast<double>(delivered) / span_s : 0.0)
    << " offered_per_s=" << o.rate * static_cast<double>(o.clients) << " server_cpu_s=" << cpu
    << " cpu_us_per_delivery=" << (delivered > 0 ? cpu * 1e6 / static_cast<double>(delivered) : 0.0)
    << " deliveries_per_cpu_s=" << (cpu > 0 ? static_cast<double>(delivered) / cpu : 0.0)
    << " loadgen_cpu_s=" << (self1 - self0) << " idle_server_cpu_pct=" << (idle_s > 0 ? 100 * idle_cpu / idle_s : 0.0) << " rss_before_kb=" << rss_before << " rss_idle_kb=" << rss_idle
    << " kb_per_conn=" << static_cast<double>(rss_idle - rss_before) / static_cast<double>(o.clients)
    << " p50_ms=" << static_cast<double>(all.quantile(0.5)) * ms
    << " p99_ms=" << static_cast<double>(all.quantile(0.99)) * ms
    << " p999_ms=" << static_cast<double>(all.quantile(0.999)) * ms
    << " max_ms=" << static_cast<double>(all.max()) * ms << " published="
    << (published ? "\"" + *published + "\"" : std::string{"none"});
  std::cout << r.str() << std::endl;
  if (!err.empty() && (closed > 0 || delivered != expected))
    std::cerr << "hitd_bench_feed: first client error: " << err << "\n";
  bool all_published = published && published->rfind("published " + std::to_string(events) + " 0", 0) == 0;
  if (!all_published)
    std::cerr << "hitd_bench_feed: the server did not publish every HIT: " << (published ? *published : "no answer")
              << "\n";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    std::cerr << "hitd_bench_feed: the server exited with status " << status << "\n";
  return delivered == expected && incomplete == 0 && closed == 0 && anomalies == 0 && all_published ? 0 : 3;
}
