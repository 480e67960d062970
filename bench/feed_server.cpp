// hitd_bench_feed_server: the live feed as `hitd serve` wires it (an engine,
// a feed_hub over it, the transport with the feed's protocol handler, the
// 15 s application heartbeat), for the live-feed benchmark
// (bench/feed_load.cpp, bench/feed_bench.sh). Unlike `hitd serve` it keeps
// its records in memory (a memory_store: no RocksDB; the feed path does
// not touch the store), creates its accounts at start (one requester and
// --workers workers with a token each), and publishes HITs when told to on
// its standard input.
//
//   hitd_bench_feed_server --workers N [--threads 1] [--engine-threads 0] [--max-connections 20000]
//                          [--idle-polls 10]   (engine_config::scheduler_idle_polls)
//
// Standard output: "token <token>" once per worker, then "ready <port>"
// when it listens on 127.0.0.1. Standard input, one command per line:
//
//   publish R D T0   create HIT i (0 <= i < R*D) at CLOCK_MONOTONIC
//                    nanosecond T0 + i * 1e9 / R (open loop: it never
//                    waits for a HIT to be created or delivered), each
//                    titled "bench <i>"; prints "published <n> <errors>"
//                    when every create has been answered (at most 30 s
//                    after the last one is due)
//   quit             (or end of input) stops the server and exits 0

#include <signal.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <hitd/gateway/credentials.hpp>
#include <hitd/gateway/feed/feed_hub.hpp>
#include <hitd/gateway/feed/protocol_handler.hpp>
#include <hitd/gateway/log.hpp>
#include <hitd/gateway/server.hpp>
#include <hitd/hitd.hpp>

namespace {

using namespace hitd;
using namespace hitd::gateway;

int fail(const std::string& why, int code = 2) {
  std::cerr << "hitd_bench_feed_server: " << why << "\n";
  return code;
}

template <class T>
bool parse_number(const std::string& text, T& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && p == text.data() + text.size();
}

int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Publishes n = R*D HITs on the schedule; returns "published <n> <errors>".
std::string publish(engine& e, const std::string& requester, double rate, double seconds, int64_t t0) {
  constexpr int64_t max_hits = 2'000'000;
  auto n = static_cast<int64_t>(rate * seconds + 0.5);
  if (rate <= 0 || seconds <= 0 || n <= 0 || n > max_hits)
    return "published 0 0 (bad rate or duration)";
  struct tally {
    std::mutex m;
    std::condition_variable cv;
    int64_t answered = 0;
    int64_t errors = 0;
  };
  auto t = std::make_shared<tally>();
  for (int64_t i = 0; i < n; ++i) {
    auto due = t0 + static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate);
    auto now = monotonic_ns();
    if (due > now)
      std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    create_hit_request req;
    req.requester_id = requester;
    hit_properties p;
    p.title = "bench " + std::to_string(i);
    p.description = "A HIT of the live-feed benchmark";
    p.keywords = "bench, feed";
    p.reward = cents(1);
    p.assignment_duration_s = 600;
    p.auto_approval_delay_s = 259'200;
    req.properties = std::move(p);
    req.max_assignments = 1;
    req.lifetime_s = 3600;
    req.question = "<HTMLQuestion>What is in the picture?</HTMLQuestion>";
    e.create_hit(std::move(req), [t](result<hit_view> r) {
      std::lock_guard<std::mutex> g{t->m};
      ++t->answered;
      if (!r.ok()) {
        if (t->errors == 0)
          std::cerr << "hitd_bench_feed_server: create_hit failed: " << r.err().message << "\n";
        ++t->errors;
      }
      t->cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock{t->m};
  t->cv.wait_for(lock, std::chrono::seconds(30), [&] { return t->answered == n; });
  return "published " + std::to_string(t->answered) + " " + std::to_string(t->errors + (n - t->answered));
}

} // namespace

int main(int argc, char** argv) {
  size_t workers = 0;
  server_options so;
  so.listen_address = "127.0.0.1";
  so.port = 0;
  so.max_connections = 20'000;
  size_t engine_threads = 0;
  size_t idle_polls = engine_config{}.scheduler_idle_polls;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc)
      return fail("option " + a + " needs a value");
    std::string v = argv[++i];
    bool ok = false;
    if (a == "--workers")
      ok = parse_number(v, workers);
    else if (a == "--threads")
      ok = parse_number(v, so.threads);
    else if (a == "--engine-threads")
      ok = parse_number(v, engine_threads);
    else if (a == "--max-connections")
      ok = parse_number(v, so.max_connections);
    else if (a == "--idle-polls")
      ok = parse_number(v, idle_polls);
    else
      return fail("unknown option " + a);
    if (!ok)
      return fail(a + " must be a non-negative integer");
  }
  if (workers == 0 || workers > 100'000)
    return fail("--workers must be 1..100000");
  if (auto ok = validate(so); !ok.ok())
    return fail(ok.err().message);
  std::signal(SIGPIPE, SIG_IGN);

  auto store = std::make_shared<memory_store>();
  engine::options eo;
  eo.store = store;
  eo.config.scheduler_threads = engine_threads;
  eo.config.scheduler_idle_polls = idle_polls;
  engine e{eo};
  auto creds = std::make_shared<credentials>(store, secrets_key{secrets_key::bytes_t{}});   // worker tokens only (hashed); no requester secrets to seal
  auto requester = e.create_requester({"Feed Bench"});
  if (!requester.ok())
    return fail(requester.err().message, 1);
  if (auto d = e.deposit(*requester, cents(1'000'000'000), "bench-deposit"); !d.ok())
    return fail(d.err().message, 1);
  {
    std::string out;
    out.reserve(workers * 64);
    for (size_t i = 0; i < workers; ++i) {
      auto w = e.create_worker({});
      if (!w.ok())
        return fail(w.err().message, 1);
      auto t = creds->issue_worker_token(*w, e.now());
      if (!t.ok())
        return fail(t.err().message, 1);
      out += "token " + *t + "\n";
    }
    std::cout << out;
  }

  logger log{log_level::warn};
  engine_adapter engine_port{e};
  auto hub = std::make_unique<feed_hub>(engine_port);
  if (auto s = hub->start(); !s.ok())
    return fail(s.err().message, 1);
  auto srv = std::make_unique<server>(so, e, creds, log);
  srv->set_handler_factory(feed_handler_factory(
      *hub, engine_port, [&m = srv->metrics()](std::string_view op, std::string_view result, std::chrono::nanoseconds rtt) {
        m.command(op, result, rtt);
      }));
  auto port = srv->start();
  if (!port.ok())
    return fail(port.err().message, 1);

  // The feed's application heartbeat every 15 s, as hitd serve does.
  std::mutex beat_mutex;
  std::condition_variable beat_cv;
  bool stopping = false;
  std::thread beat{[&] {
    std::unique_lock<std::mutex> lock{beat_mutex};
    while (!beat_cv.wait_for(lock, std::chrono::seconds(15), [&] { return stopping; }))
      hub->heartbeat();
  }};
  std::cout << "ready " << *port << std::endl;

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in{line};
    std::string cmd;
    in >> cmd;
    if (cmd == "quit")
      break;
    if (cmd == "publish") {
      double rate = 0, seconds = 0;
      int64_t t0 = 0;
      in >> rate >> seconds >> t0;
      if (!in)
        std::cout << "published 0 0 (usage: publish R D T0)" << std::endl;
      else
        std::cout << publish(e, *requester, rate, seconds, t0) << std::endl;
    } else if (!cmd.empty()) {
      std::cout << "unknown command " << cmd << std::endl;
    }
  }
  {
    std::lock_guard<std::mutex> lock{beat_mutex};
    stopping = true;
  }
  beat_cv.notify_all();
  beat.join();
  srv->shutdown();
  srv.reset();
  hub.reset();
  return 0;
}
