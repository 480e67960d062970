// Where the memory of a resident HIT goes: the heap bytes and allocations
// that each step adds, per HIT, counted exactly (this program replaces the
// global operator new and delete and counts malloc_usable_size of every
// block, so the allocator's rounding is included and its own bookkeeping is
// not), with the blocks of each step by size. Beside them, the same count for
// a bare CAF stateful actor, what any actor costs before hitd puts anything
// in it.
//
//   build/bench/hitd_bench_memory [n]        (n: HITs and workers, default 50,000)
//
// BM_ResidentMemory in hitd_bench_durable measures the same steps as RSS;
// docs/benchmarks.md has both.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <thread>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <string>
#include <variant>
#include <vector>

#include <caf/all.hpp>

#include <hitd/hitd.hpp>

#include "bench_properties.hpp"

// ---- counting every C++ allocation ----------------------------------------------------
namespace {
std::atomic<int64_t> live_bytes{0};
std::atomic<int64_t> live_blocks{0};
// Live blocks by usable size: 16-byte bins up to 1 KiB, then one bin for
// everything larger.
constexpr size_t bin_width = 16, bin_count = 65;
std::array<std::atomic<int64_t>, bin_count> live_by_size{};

size_t bin_of(size_t usable) { return std::min(usable / bin_width, bin_count - 1); }

// tcmalloc's malloc_usable_size allocates once (its extension singleton,
// never freed): that allocation is not counted.
thread_local bool counting = false;

void* counted_alloc(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (!p)
    throw std::bad_alloc{};
  if (counting)
    return p;
  counting = true;
  auto usable = malloc_usable_size(p);
  live_bytes.fetch_add(static_cast<int64_t>(usable), std::memory_order_relaxed);
  live_blocks.fetch_add(1, std::memory_order_relaxed);
  live_by_size[bin_of(usable)].fetch_add(1, std::memory_order_relaxed);
  counting = false;
  return p;
}
void counted_free(void* p) {
  if (!p)
    return;
  auto usable = malloc_usable_size(p);
  live_bytes.fetch_sub(static_cast<int64_t>(usable), std::memory_order_relaxed);
  live_blocks.fetch_sub(1, std::memory_order_relaxed);
  live_by_size[bin_of(usable)].fetch_sub(1, std::memory_order_relaxed);
  std::free(p);
}
} // namespace

void* operator new(size_t n) { return counted_alloc(n); }
void* operator new[](size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, size_t) noexcept { counted_free(p); }
void operator delete[](void* p, size_t) noexcept { counted_free(p); }

namespace {

struct snapshot {
  int64_t bytes = 0, blocks = 0;
  std::array<int64_t, bin_count> by_size{};
  size_t rss = 0;
};

size_t rss_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

snapshot take() {
  snapshot s;
  s.bytes = live_bytes.load();
  s.blocks = live_blocks.load();
  for (size_t i = 0; i < bin_count; ++i)
    s.by_size[i] = live_by_size[i].load();
  s.rss = rss_bytes();
  return s;
}

void report(const char* what, const snapshot& a, const snapshot& b, int64_t n) {
  auto per = [n](int64_t x) { return static_cast<double>(x) / static_cast<double>(n); };
  std::printf("%-34s %8.0f heap B %6.2f blocks %8.0f RSS B   per unit\n", what, per(b.bytes - a.bytes),
              per(b.blocks - a.blocks), per(static_cast<int64_t>(b.rss) - static_cast<int64_t>(a.rss)));
  std::printf("    blocks by usable size (per unit):");
  int shown = 0;
  for (size_t i = 0; i < bin_count; ++i) {
    double k = per(b.by_size[i] - a.by_size[i]);
    if (k < 0.05 && k > -0.05)
      continue;
    if (shown++ % 6 == 0)
      std::printf("\n     ");
    if (i + 1 == bin_count)
      std::printf("  >=%zu B x %.2f", (bin_count - 1) * bin_width, k);
    else
      std::printf("  %zu-%zu B x %.2f", i * bin_width, i * bin_width + bin_width - 1, k);
  }
  std::printf("\n");
}

// A bare actor: one handler over a small variant, like hitd's actors.
struct bare_state {
  int64_t x = 0;
};
using bare_msg = std::variant<int64_t, std::string>;

caf::behavior bare_impl(caf::stateful_actor<bare_state>* self) {
  return {[=](bare_msg& m) {
    if (auto* v = std::get_if<int64_t>(&m))
      self->state.x += *v;
  }};
}

} // namespace

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bare_msg)

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 50'000;
  if (n <= 0 || n > 10'000'000) {
    std::fprintf(stderr, "usage: %s [n: 1..10000000]\n", argv[0]);
    return 2;
  }
  std::printf("n = %lld\n", static_cast<long long>(n));

  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", 2);
    caf::actor_system sys{cfg};
    std::vector<caf::actor> actors;
    actors.reserve(static_cast<size_t>(n));
    auto a = take();
    for (int64_t i = 0; i < n; ++i)
      actors.push_back(sys.spawn(bare_impl));
    for (auto& x : actors)
      caf::anon_send(x, bare_msg{int64_t{1}});
    // Bounded: each actor has one message; the scheduler drains them.
    for (int k = 0; k < 100 && sys.registry().running() > 0; ++k)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto b = take();
    report("bare CAF stateful actor", a, b, n);
    for (auto& x : actors)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  }

  hitd::engine::options o;
  o.clock = std::make_shared<hitd::manual_clock>(1'767'225'600'000);
  o.config.workers.daily_accepts = 1'000'000'000;
  o.config.scheduler_threads = 2;
  hitd::engine e{o};
  auto requester = e.create_requester({"bench"}).value();
  e.deposit(requester, hitd::cents(900'000'000'000), "bench").value();
  auto type = e.create_hit_type(requester, hitd::bench::bench_properties()).value();

  std::vector<std::string> workers;
  workers.reserve(static_cast<size_t>(n));
  auto s0 = take();
  for (int64_t i = 0; i < n; ++i)
    workers.push_back(e.create_worker({.registered = 0}).value());
  e.drain();
  auto s1 = take();
  std::vector<std::string> hits;
  hits.reserve(static_cast<size_t>(n));
  auto s1b = take();
  for (int64_t i = 0; i < n; ++i) {
    hitd::create_hit_request req;
    req.requester_id = requester;
    req.hit_type_id = type;
    req.max_assignments = 1;
    req.lifetime_s = 86'400;
    req.question = "<HTMLQuestion/>";
    hits.push_back(e.create_hit(std::move(req)).value().hit_id);
  }
  e.drain();
  auto s2 = take();
  for (int64_t i = 0; i < n; ++i)
    e.accept({workers[static_cast<size_t>(i)], hits[static_cast<size_t>(i)], {}, {}}).value();
  e.drain();
  auto s3 = take();
  report("worker (created)", s0, s1, n);
  report("HIT (created, no assignment)", s1b, s2, n);
  report("accept (one assignment)", s2, s3, n);
  report("HIT with one accepted assignment", s1b, s3, n);
  std::printf("live blocks total %lld, bytes %lld\n", static_cast<long long>(s3.blocks),
              static_cast<long long>(s3.bytes));
  return 0;
}
