// The in-memory lifecycle through the whole engine (actors, ledger, events):
// create a HIT, then for each of its assignments accept, submit and approve.
// A closed loop keeps `concurrency` HITs in flight; each callback issues the
// next command, so no client thread sits between steps. Reports assignment
// lifecycles per second (items/s) and CAF messages are the real cost.
//
//   build/bench/hitd_bench_engine --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <hitd/hitd.hpp>

#include "bench_properties.hpp"

namespace {

struct rig {
  rig(size_t worker_count, const char* policy, size_t requester_count = 1) {
    hitd::engine::options o;
    o.clock = std::make_shared<hitd::manual_clock>(1'767'225'600'000);
    o.config.workers.daily_accepts = 1'000'000'000;   // the cap is not what is measured
    o.config.scheduler_threads = 2;
    o.config.scheduler_policy = policy;
    e = std::make_unique<hitd::engine>(o);
    for (size_t i = 0; i < requester_count; ++i) {
      requesters.push_back(e->create_requester({"bench"}).value());
      e->deposit(requesters.back(), hitd::cents(900'000'000'000), "bench").value();
    }
    const auto p = hitd::bench::bench_properties();
    for (const auto& r : requesters)
      types.push_back(e->create_hit_type(r, p).value());
    for (size_t i = 0; i < worker_count; ++i)
      workers.push_back(e->create_worker({.registered = 0}).value());
  }
  std::unique_ptr<hitd::engine> e;
  std::vector<std::string> requesters;
  std::vector<std::string> types;     // one per requester
  std::vector<std::string> workers;
};

// One HIT's run through its assignments; `done` when all are approved.
struct flow : std::enable_shared_from_this<flow> {
  rig* r;
  size_t owner = 0;                   // which requester publishes it
  int64_t assignments;
  size_t first_worker;
  std::function<void(bool ok)> done;
  std::string hit_id;
  int64_t next = 0;

  void start() {
    hitd::create_hit_request req;
    req.requester_id = r->requesters[owner];
    req.hit_type_id = r->types[owner];
    req.max_assignments = assignments;
    req.lifetime_s = 86'400;
    req.question = "<HTMLQuestion/>";
    r->e->create_hit(std::move(req), [self = shared_from_this()](hitd::result<hitd::hit_view> h) {
      if (!h.ok())
        return self->done(false);
      self->hit_id = h->hit_id;
      self->step();
    });
  }
  void step() {
    if (next == assignments)
      return done(true);
    const auto& w = r->workers[(first_worker + static_cast<size_t>(next++)) % r->workers.size()];
    r->e->accept({w, hit_id, {}}, [self = shared_from_this(), w](hitd::result<hitd::assignment_view> a) {
      if (!a.ok())
        return self->done(false);
      auto id = a->assignment_id;
      self->r->e->submit({w, id, "<QuestionFormAnswers/>", {}}, [self, id](hitd::status s) {
        if (!s.ok())
          return self->done(false);
        self->r->e->approve_assignment({self->r->requesters[self->owner], id, {}, false}, [self](hitd::status s2) {
          if (!s2.ok())
            return self->done(false);
          self->step();
        });
      });
    });
  }
};

void run_lifecycles(benchmark::State& state, int64_t per_hit, size_t concurrency, rig& r) {
  const int64_t total = 20'000;   // assignment lifecycles per iteration
  for (auto _ : state) {
    std::mutex m;
    std::condition_variable cv;
    int64_t finished = 0;
    const int64_t hits = total / per_hit;
    std::atomic<int64_t> issued{0};
    std::function<void(bool)> finished_one;
    // A closed loop: each HIT that finishes starts the next one.
    auto start_one = [&]() {
      auto n = issued.fetch_add(1);
      if (n >= hits)
        return false;
      auto f = std::make_shared<flow>();
      f->r = &r;
      f->assignments = per_hit;
      f->first_worker = static_cast<size_t>(n * per_hit);
      f->owner = static_cast<size_t>(n) % r.requesters.size();
      f->done = finished_one;
      f->start();
      return true;
    };
    std::atomic<int64_t> finished_count{0}, failed_count{0};
    finished_one = [&](bool ok) {
      if (!ok)
        failed_count.fetch_add(1);
      if (finished_count.fetch_add(1) + 1 == hits) {
        std::lock_guard<std::mutex> g{m};   // wake the waiting thread once, at the end
        finished = hits;
        cv.notify_all();
        return;
      }
      start_one();
    };
    for (size_t i = 0; i < concurrency; ++i)
      if (!start_one())
        break;
    std::unique_lock<std::mutex> g{m};
    cv.wait(g, [&] { return finished == hits; });
    if (failed_count.load() > 0)
      state.SkipWithError("a lifecycle command failed");
  }
  state.SetItemsProcessed(state.iterations() * total);
  state.counters["assignments_per_hit"] = static_cast<double>(per_hit);
}

void BM_EngineLifecycle(benchmark::State& state) {
  rig r{2'000, state.range(2) == 0 ? "stealing" : "sharing"};
  run_lifecycles(state, state.range(0), static_cast<size_t>(state.range(1)), r);
}
BENCHMARK(BM_EngineLifecycle)
  ->ArgsProduct({{1, 10, 100}, {64, 512}, {0, 1}})
  ->ArgNames({"per_hit", "concurrency", "sharing"})
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime();

// The same with HITs published by several requesters (one requester actor
// each), one assignment per HIT: how far creation spreads over the cores.
void BM_EngineLifecycleRequesters(benchmark::State& state) {
  rig r{2'000, "stealing", static_cast<size_t>(state.range(0))};
  run_lifecycles(state, 1, 512, r);
}
BENCHMARK(BM_EngineLifecycleRequesters)
  ->Arg(1)->Arg(2)->Arg(8)
  ->ArgName("requesters")
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime();

} // namespace

BENCHMARK_MAIN();
