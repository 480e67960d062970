// The cost of the MTurk requester API's HTTP layer: CreateHIT and
// ApproveAssignment as signed HTTP requests (JSON 1.1, SigV4) from
// `clients` concurrent keep-alive connections, beside the same commands
// through the embedding API with as many in flight. Same process, same
// in-memory engine, same machine: the ratio is what HTTP, JSON and SigV4
// cost. Each client signs every request as an SDK does (HMAC-SHA256 chain),
// and that runs on the same 2 cores as the server.
//
//   build/bench/hitd_bench_mturk --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <hitd/gateway/credentials.hpp>
#include <hitd/gateway/mturk/api.hpp>
#include <hitd/gateway/mturk/sigv4.hpp>
#include <hitd/gateway/server.hpp>
#include <hitd/hitd.hpp>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr int requests_per_iteration = 2'000;
constexpr const char* key_id = "AKHDBENCH0000000001";
constexpr const char* secret = "bench-secret-bench-secret-bench-secret-0";
constexpr const char* question = "<HTMLQuestion><HTMLContent><![CDATA[<p>x</p>]]></HTMLContent></HTMLQuestion>";

int64_t wall_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct rig {
  explicit rig(unsigned io_threads) : log(hitd::gateway::log_level::off) {
    hitd::engine::options o;
    o.config.workers.daily_accepts = 1'000'000'000;
    o.config.scheduler_threads = 2;
    e = std::make_unique<hitd::engine>(o);
    requester = e->create_requester({"bench"}).value();
    e->deposit(requester, hitd::cents(900'000'000'000), "bench").value();
    auto& p = props;
    p.title = "Benchmark task";
    p.description = "A HIT of the HTTP benchmark";
    p.reward = hitd::cents(5);
    p.assignment_duration_s = 3'600;
    p.auto_approval_delay_s = 86'400;
    type = e->create_hit_type(requester, p).value();
    api = std::make_unique<hitd::gateway_mturk::requester_api>(
        *e,
        [this](std::string_view id) -> std::optional<hitd::gateway_mturk::requester_key> {
          if (id != key_id)
            return std::nullopt;
          return hitd::gateway_mturk::requester_key{requester, secret};
        },
        nullptr);
    hitd::gateway::server_options so;
    so.port = 0;
    so.threads = io_threads;
    srv = std::make_unique<hitd::gateway::server>(
        so, *e, std::make_shared<hitd::gateway::credentials>(nullptr, hitd::gateway::secrets_key{{}}), log);
    srv->set_http_handler(api->handler());
    port = srv->start().value();
  }
  ~rig() {
    srv->shutdown();
    srv.reset();
    api.reset();
    e.reset();
  }

  // n submitted assignments, ready to approve (10 HITs of n/10, n/10 workers).
  std::vector<std::string> submitted(int n) {
    std::vector<std::string> out;
    int per_hit = 100;
    while (static_cast<int>(workers.size()) < per_hit)
      workers.push_back(e->create_worker({.registered = 0}).value());
    for (int h = 0; h * per_hit < n; ++h) {
      hitd::create_hit_request req;
      req.requester_id = requester;
      req.hit_type_id = type;
      req.max_assignments = per_hit;
      req.lifetime_s = 86'400;
      req.question = question;
      auto hit = e->create_hit(std::move(req)).value();
      for (int i = 0; i < per_hit && static_cast<int>(out.size()) < n; ++i) {
        auto a = e->accept({workers[static_cast<size_t>(i)], hit.hit_id, {}, {}}).value();
        e->submit({workers[static_cast<size_t>(i)], a.assignment_id, "<answer/>", {}}).value();
        out.push_back(a.assignment_id);
      }
    }
    return out;
  }

  hitd::gateway::logger log;
  std::unique_ptr<hitd::engine> e;
  std::unique_ptr<hitd::gateway_mturk::requester_api> api;
  std::unique_ptr<hitd::gateway::server> srv;
  hitd::hit_properties props;
  std::string requester, type;
  std::vector<std::string> workers;
  uint16_t port = 0;
};

// One keep-alive connection sending signed requests, one at a time.
class client {
public:
  explicit client(uint16_t port) : socket_(ioc_) {
    socket_.connect({net::ip::make_address("127.0.0.1"), port});
    socket_.set_option(tcp::no_delay(true));
    host_ = "127.0.0.1:" + std::to_string(port);
  }
  // Returns the HTTP status.
  unsigned call(const std::string& op, std::string body) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"host", host_},
        {"content-type", "application/x-amz-json-1.1"},
        {"x-amz-target", "MTurkRequesterServiceV20170117." + op}};
    hitd::gateway_mturk::sigv4_request sreq{"POST", "/", &headers, body};
    auto sig = hitd::gateway_mturk::sign_sigv4(sreq, {key_id, secret}, wall_seconds());
    http::request<http::string_body> req{http::verb::post, "/", 11};
    for (auto& [k, v] : headers)
      req.set(k, v);
    for (auto& [k, v] : sig)
      req.set(k, v);
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(socket_, req);
    http::response<http::string_body> res;
    http::read(socket_, buf_, res);
    return res.result_int();
  }

private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buf_;
  std::string host_;
};

// CreateHIT with its properties inline, as most requesters call it.
std::string create_body() {
  boost::json::object o{{"Title", "Benchmark task"},
                        {"Description", "A HIT of the HTTP benchmark"},
                        {"Reward", "0.05"},
                        {"AssignmentDurationInSeconds", 3'600},
                        {"AutoApprovalDelayInSeconds", 86'400},
                        {"MaxAssignments", 1},
                        {"LifetimeInSeconds", 86'400},
                        {"Question", question}};
  return boost::json::serialize(o);
}

// Runs `total` requests over `clients` threads; body(i) makes request i.
void run_http(rig& r, int clients, const std::string& op, const std::function<std::string(int)>& body,
              benchmark::State& state) {
  std::vector<std::unique_ptr<client>> cs;
  for (int i = 0; i < clients; ++i)
    cs.push_back(std::make_unique<client>(r.port));
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> ts;
  for (int c = 0; c < clients; ++c)
    ts.emplace_back([&, c] {
      for (int i = next++; i < requests_per_iteration; i = next++)
        if (cs[static_cast<size_t>(c)]->call(op, body(i)) != 200)
          ++failed;
    });
  for (auto& t : ts)
    t.join();
  if (failed)
    state.SkipWithError((op + ": requests failed").c_str());
}

// The same through the embedding API: `in_flight` commands at a time, each
// completion issuing the next.
void run_embedded(int in_flight, const std::function<void(int, std::function<void(bool)>)>& issue,
                  benchmark::State& state) {
  std::mutex m;
  std::condition_variable cv;
  int finished = 0, failed = 0;
  std::atomic<int> next{0};
  std::function<void()> go = [&] {
    int i = next++;
    if (i >= requests_per_iteration)
      return;
    issue(i, [&](bool ok) {
      go();   // the next one first: after the count below, the waiter may return and end the loop's state
      std::lock_guard<std::mutex> g{m};
      ++finished;
      failed += !ok;
      cv.notify_one();   // under the lock, so nothing here is touched after the waiter wakes
    });
  };
  for (int i = 0; i < in_flight; ++i)
    go();
  std::unique_lock<std::mutex> g{m};
  cv.wait(g, [&] { return finished == requests_per_iteration; });
  if (failed)
    state.SkipWithError("embedded commands failed");
}

void BM_CreateHIT(benchmark::State& state) {
  bool over_http = state.range(0) == 1;
  int clients = static_cast<int>(state.range(1));
  rig r{1};
  auto body = create_body();
  for (auto _ : state) {
    if (over_http) {
      run_http(r, clients, "CreateHIT", [&](int) { return body; }, state);
    } else {
      run_embedded(clients, [&](int, std::function<void(bool)> done) {
        hitd::create_hit_request req;
        req.requester_id = r.requester;
        req.properties = r.props;
        req.max_assignments = 1;
        req.lifetime_s = 86'400;
        req.question = question;
        r.e->create_hit(std::move(req), [done](hitd::result<hitd::hit_view> h) { done(h.ok()); });
      }, state);
    }
  }
  state.SetItemsProcessed(state.iterations() * requests_per_iteration);
}

void BM_ApproveAssignment(benchmark::State& state) {
  bool over_http = state.range(0) == 1;
  int clients = static_cast<int>(state.range(1));
  rig r{1};
  for (auto _ : state) {
    state.PauseTiming();
    auto ids = r.submitted(requests_per_iteration);
    std::vector<std::string> bodies;
    for (auto& id : ids)
      bodies.push_back(boost::json::serialize(boost::json::object{{"AssignmentId", id}}));
    state.ResumeTiming();
    if (over_http) {
      run_http(r, clients, "ApproveAssignment", [&](int i) { return bodies[static_cast<size_t>(i)]; }, state);
    } else {
      run_embedded(clients, [&](int i, std::function<void(bool)> done) {
        r.e->approve_assignment({r.requester, ids[static_cast<size_t>(i)], {}, false},
                                [done](hitd::status s) { done(s.ok()); });
      }, state);
    }
  }
  state.SetItemsProcessed(state.iterations() * requests_per_iteration);
}

void args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"http", "clients"});
  for (int http_ : {0, 1})
    for (int c : {1, 8, 32})
      b->Args({http_, c});
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_CreateHIT)->Apply(args);
BENCHMARK(BM_ApproveAssignment)->Apply(args);

} // namespace

BENCHMARK_MAIN();
