// The timing wheel's two hot paths: schedule (one per HIT lifetime,
// assignment duration and auto-approval) and advance (one per timer tick).

#include "hitd/timer_wheel.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace hitd {
namespace {

constexpr timestamp bench_start = 1'700'000'000'000;

// Random due times from now up to 30 days ahead, generated outside the timing.
std::vector<timestamp> random_dues(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<duration_ms> offset(1, days(30));
  std::vector<timestamp> dues(n);
  for (auto& d : dues) d = bench_start + offset(rng);
  return dues;
}

// Heap bytes in use (glibc); 0 where unknown.
size_t heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  return mallinfo2().uordblks;
#else
  return 0;
#endif
}

// Fills an empty default wheel (1 s x 4096 slots) up to range(0) pending
// entries; one item is one schedule.
void BM_timer_wheel_schedule(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<timestamp> dues = random_dues(n, 1);

  // Memory per entry, measured once outside the timing loop.
  {
    size_t before = heap_in_use();
    timer_wheel w(bench_start);
    size_t empty = heap_in_use();
    for (size_t i = 0; i < n; ++i) w.schedule(dues[i], i);
    size_t full = heap_in_use();
    if (before != 0) {
      state.counters["bytes_per_entry"] = static_cast<double>(full - empty) / static_cast<double>(n);
      state.counters["wheel_bytes_empty"] = static_cast<double>(empty - before);
    }
  }

  for (auto _ : state) {
    state.PauseTiming();
    {
      timer_wheel w(bench_start);
      state.ResumeTiming();
      for (size_t i = 0; i < n; ++i) w.schedule(dues[i], i);
      benchmark::DoNotOptimize(w.size());
      state.PauseTiming();
    }   // the destructor is not part of schedule's cost
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_timer_wheel_schedule)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);

// One advance by one tick (1 s) with range(0) entries pending, due up to 30
// days ahead: each tick scans one slot (~range(0) / 4096 entries) and fires
// the few that are due. Each fired entry is rescheduled up to 30 days ahead,
// as the engine keeps adding deadlines, so the pending count stays steady.
// One item is one tick.
void BM_timer_wheel_advance_tick(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<timestamp> dues = random_dues(n, 2);
  timer_wheel w(bench_start);
  for (size_t i = 0; i < n; ++i) w.schedule(dues[i], i);

  std::mt19937_64 rng(3);
  std::uniform_int_distribution<duration_ms> offset(1, days(30));
  timestamp now = bench_start;
  size_t fired = 0;
  const auto fire = [&](const timer_entry& e) { w.schedule(now + offset(rng), e.target); };
  for (auto _ : state) {
    now += 1'000;
    fired += w.advance(now, fire);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["fired_per_tick"] =
      static_cast<double>(fired) / static_cast<double>(state.iterations());
  state.counters["pending"] = static_cast<double>(w.size());
}
BENCHMARK(BM_timer_wheel_advance_tick)->Arg(100'000)->Arg(1'000'000);

} // namespace
} // namespace hitd
