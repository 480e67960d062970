// The engine on its RocksDB store: full assignment lifecycles (create a HIT,
// accept, submit, approve) per second in each durability mode, and in the
// same run RocksDB alone writing what the engine wrote (the same number of
// records of the same average size, in write groups of the same average
// size): the limit, and the ratio of the two. Also what one lifecycle
// writes, memory per resident HIT and worker, the time from start to the
// first answered command with many stored HITs, and how long bringing a HIT
// back from its records takes.
//
//   build/bench/hitd_bench_durable --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Data lives in a temporary directory under /tmp, removed afterwards.
#include <benchmark/benchmark.h>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <hitd/hitd.hpp>
#include <hitd/storage/rocksdb_options.hpp>
#include <hitd/storage/rocksdb_store.hpp>

#include "bench_properties.hpp"

namespace {

using hitd::storage::durability;

struct temp_dir {
  temp_dir() {
    char tmpl[] = "/tmp/hitd-bench-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  std::string path;
};

const char* mode_name(durability d) {
  return d == durability::sync ? "sync" : d == durability::wal ? "wal" : "none";
}

// The write groups the store wrote while capturing is on (the RocksDB
// write batches, as bytes), for BM_RawRocksdbReplay.
struct group_capture {
  std::mutex m;
  bool on = false;
  std::vector<std::string> groups;
};

std::shared_ptr<hitd::storage::rocksdb_store> open_store(const std::string& dir, durability mode,
                                                         group_capture* capture = nullptr) {
  hitd::storage::store_options so;
  so.path = dir;
  so.mode = mode;
  if (capture)
    so.before_write = [capture](const rocksdb::WriteBatch& wb) {
      std::lock_guard<std::mutex> g{capture->m};
      if (capture->on)
        capture->groups.push_back(wb.Data());
    };
  return hitd::storage::rocksdb_store::open(so).value();
}

using hitd::bench::bench_properties;

struct rig {
  rig(std::shared_ptr<hitd::storage_port> store, size_t worker_count, size_t resident_hits_max = 1'000'000,
      size_t resident_workers_max = 1'000'000) {
    hitd::engine::options o;
    o.clock = std::make_shared<hitd::manual_clock>(1'767'225'600'000);
    o.config.workers.daily_accepts = 1'000'000'000;
    o.config.scheduler_threads = 2;
    o.config.resident_hits_max = resident_hits_max;
    o.config.resident_workers_max = resident_workers_max;
    o.store = std::move(store);
    e = std::make_unique<hitd::engine>(o);
    requester = e->create_requester({"bench"}).value();
    e->deposit(requester, hitd::cents(900'000'000'000), "bench").value();
    type = e->create_hit_type(requester, bench_properties()).value();
    for (size_t i = 0; i < worker_count; ++i)
      workers.push_back(e->create_worker({.registered = 0}).value());
  }
  std::unique_ptr<hitd::engine> e;
  std::string requester;
  std::string type;
  std::vector<std::string> workers;
};

// One HIT's run through its assignments; `done` when all are approved.
struct flow : std::enable_shared_from_this<flow> {
  rig* r = nullptr;
  int64_t assignments = 1;
  size_t first_worker = 0;
  std::function<void(bool ok)> done;
  std::string hit_id;
  int64_t next = 0;

  void start() {
    hitd::create_hit_request req;
    req.requester_id = r->requester;
    req.hit_type_id = r->type;
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
    r->e->accept({w, hit_id, {}, {}}, [self = shared_from_this(), w](hitd::result<hitd::assignment_view> a) {
      if (!a.ok())
        return self->done(false);
      auto id = a->assignment_id;
      self->r->e->submit({w, id, "<QuestionFormAnswers/>", {}}, [self, id](hitd::status s) {
        if (!s.ok())
          return self->done(false);
        self->r->e->approve_assignment({self->r->requester, id, {}, false}, [self](hitd::status s2) {
          if (!s2.ok())
            return self->done(false);
          self->step();
        });
      });
    });
  }
};

// Runs `total` lifecycles with `concurrency` HITs in flight; false if any
// failed. With a deadline, no HIT starts after it (those in flight finish);
// `completed` (if given) counts the lifecycles that succeeded.
bool run_lifecycles(rig& r, int64_t total, int64_t per_hit, size_t concurrency,
                    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max(),
                    int64_t* completed = nullptr) {
  std::mutex m;
  std::condition_variable cv;
  const int64_t hits = total / per_hit;
  bool all_done = false;
  // HITs in flight, plus one while the first ones are being started: it
  // reaches zero once, when nothing runs and nothing may start.
  std::atomic<int64_t> issued{0}, in_flight{1}, succeeded{0}, failed{0};
  auto finish_one = [&]() {
    if (in_flight.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> g{m};
      all_done = true;
      cv.notify_all();
    }
  };
  std::function<void(bool)> finished_one;
  auto start_one = [&]() {
    if (std::chrono::steady_clock::now() >= deadline)
      return;
    auto n = issued.fetch_add(1);
    if (n >= hits)
      return;
    in_flight.fetch_add(1);
    auto f = std::make_shared<flow>();
    f->r = &r;
    f->assignments = per_hit;
    f->first_worker = static_cast<size_t>(n * per_hit);
    f->done = finished_one;
    f->start();
  };
  finished_one = [&](bool ok) {
    (ok ? succeeded : failed).fetch_add(1);
    start_one();     // the closed loop: the next HIT before this one counts as gone
    finish_one();
  };
  for (size_t i = 0; i < concurrency; ++i)
    start_one();
  finish_one();
  std::unique_lock<std::mutex> g{m};
  // Bounded: a command whose answer never comes is a failure to see, not a
  // hang (the callbacks hold this frame's locals, so it cannot return).
  const auto grace = std::chrono::seconds(300);
  const auto limit = deadline == std::chrono::steady_clock::time_point::max() ? std::chrono::steady_clock::now() + grace
                                                                              : deadline + grace;
  if (!cv.wait_until(g, limit, [&] { return all_done; })) {
    std::fprintf(stderr, "run_lifecycles: %lld HITs still in flight 300 s after they should have ended (%lld done, %lld failed)\n",
                 static_cast<long long>(in_flight.load()), static_cast<long long>(succeeded.load()),
                 static_cast<long long>(failed.load()));
    std::abort();
  }
  if (completed)
    *completed = succeeded.load() * per_hit;
  return failed.load() == 0;
}

// What the engine wrote per lifecycle in the last durable run of each mode,
// for RocksDB alone to write the same.
struct write_shape {
  double records_per_lifecycle = 0;
  double bytes_per_record = 0;
  double records_per_group = 0;
  double lifecycles_per_second = 0;
  // The write groups of one more run of `captured_lifecycles`, after the
  // measured ones (so copying them costs the measured runs nothing).
  std::vector<std::string> groups;
  int64_t captured_lifecycles = 0;
};
std::map<int, write_shape> measured;

void BM_DurableLifecycle(benchmark::State& state) {
  auto mode = static_cast<durability>(state.range(0));
  const int64_t per_hit = state.range(1);
  const int64_t total = 10'000;
  temp_dir dir;
  group_capture capture;
  auto store = open_store(dir.path, mode, &capture);
  rig r{store, 2'000};
  r.e->drain();
  double seconds = 0;
  uint64_t records = 0, bytes = 0, groups = 0, superseded = 0;
  for (auto _ : state) {
    auto before = store->stats();
    auto t0 = std::chrono::steady_clock::now();
    if (!run_lifecycles(r, total, per_hit, 512)) {
      state.SkipWithError("a lifecycle command failed");
      return;
    }
    r.e->drain();   // the notes (payments, worker statistics) are written too
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto after = store->stats();
    records += after.records - before.records;
    bytes += after.bytes - before.bytes;
    groups += after.groups - before.groups;
    superseded += after.superseded - before.superseded;
  }
  auto lifecycles = static_cast<double>(state.iterations() * total);
  state.SetItemsProcessed(state.iterations() * total);
  state.counters["bytes_per_lifecycle"] = static_cast<double>(bytes) / lifecycles;
  state.counters["records_per_lifecycle"] = static_cast<double>(records) / lifecycles;
  state.counters["records_per_group"] = groups ? static_cast<double>(records) / static_cast<double>(groups) : 0;
  // Records committed but not written: a later write of the same key came
  // in the same group.
  state.counters["superseded_per_lifecycle"] = static_cast<double>(superseded) / lifecycles;
  state.SetLabel(mode_name(mode));
  if (per_hit == 1) {
    write_shape shape{static_cast<double>(records) / lifecycles,
                      records ? static_cast<double>(bytes) / static_cast<double>(records) : 0,
                      groups ? static_cast<double>(records) / static_cast<double>(groups) : 1,
                      lifecycles / seconds, {}, total};
    {
      std::lock_guard<std::mutex> g{capture.m};
      capture.on = true;
    }
    bool ok = run_lifecycles(r, total, per_hit, 512);
    r.e->drain();
    {
      std::lock_guard<std::mutex> g{capture.m};
      capture.on = false;
      shape.groups = std::move(capture.groups);
    }
    if (!ok) {
      state.SkipWithError("a lifecycle command failed in the capture run");
      return;
    }
    measured[static_cast<int>(mode)] = std::move(shape);
  }
}
BENCHMARK(BM_DurableLifecycle)
  ->ArgsProduct({{static_cast<int>(durability::sync), static_cast<int>(durability::wal), static_cast<int>(durability::none)},
                 {1, 10}})
  ->ArgNames({"mode", "per_hit"})
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime()
  ->Iterations(3);

// The same lifecycles against the number of clients, for the curve beside
// the PostgreSQL peer (bench/peers/postgres): `clients` HITs of one
// assignment in flight, each starting the next when it is approved, for
// HITD_BENCH_SECONDS (default 2) per iteration; the notes are written
// before the iteration ends. sync is the peer's synchronous_commit=on (a
// command answered once its write is synced), wal its synchronous_commit=off
// (written to the log, not synced).
double bench_seconds() {
  const char* v = std::getenv("HITD_BENCH_SECONDS");
  if (!v || !*v)
    return 2.0;
  char* end = nullptr;
  double s = std::strtod(v, &end);
  if (*end != '\0' || !(s > 0) || s > 600) {
    std::fprintf(stderr, "HITD_BENCH_SECONDS=%s: expected seconds in (0, 600]\n", v);
    std::exit(2);
  }
  return s;
}

void BM_DurableLifecycleClients(benchmark::State& state) {
  auto mode = static_cast<durability>(state.range(0));
  const auto clients = static_cast<size_t>(state.range(1));
  const auto seconds = std::chrono::duration<double>(bench_seconds());
  temp_dir dir;
  auto store = open_store(dir.path, mode);
  rig r{store, 2'000};
  r.e->drain();
  int64_t lifecycles = 0;
  for (auto _ : state) {
    int64_t completed = 0;
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(seconds);
    bool ok = run_lifecycles(r, int64_t{1} << 40, 1, clients, deadline, &completed);
    r.e->drain();
    if (!ok) {
      state.SkipWithError("a lifecycle command failed");
      return;
    }
    lifecycles += completed;
  }
  state.SetItemsProcessed(lifecycles);
  state.counters["lifecycles"] = static_cast<double>(lifecycles);
  state.SetLabel(mode_name(mode));
}
BENCHMARK(BM_DurableLifecycleClients)
  ->ArgsProduct({{static_cast<int>(durability::sync), static_cast<int>(durability::wal)}, {1, 2, 4, 8, 16, 32, 64}})
  ->ArgNames({"mode", "clients"})
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime()
  ->Iterations(1);

// A RocksDB database of its own for RocksDB alone, and the write options of
// `mode` (as the store sets them). Null db when it does not open.
struct raw_rocksdb {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions write_options;
};
raw_rocksdb open_raw(rocksdb::Options options, const std::string& path, durability mode) {
  raw_rocksdb r;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  if (rocksdb::DB::Open(options, path, &db).ok())
    r.db.reset(db);
  r.write_options.sync = mode == durability::sync;
  r.write_options.disableWAL = mode == durability::none;
  return r;
}

// Runs write() (which writes with the options of open_raw), syncing the
// WAL the way the store does in `sync`: the writes go with RocksDB's sync
// off while another thread calls SyncWAL() over and over, and a last sync
// once they are all written (docs/storage.md, "The WAL sync in `sync` is
// pipelined"). In the other modes it only writes. Adds the seconds it took
// to `seconds`; false (and the benchmark skipped with an error) if a write
// or a sync failed.
template <class Write>
bool time_writes_like_the_store(benchmark::State& state, double& seconds, rocksdb::DB& db, rocksdb::WriteOptions& wo,
                                durability mode, Write write) {
  auto t0 = std::chrono::steady_clock::now();
  bool ok = true;
  if (mode != durability::sync) {
    ok = write();
  } else {
    wo.sync = false;
    std::atomic<bool> writing{true}, sync_failed{false};
    std::thread syncer([&] {
      while (writing.load())
        if (!db.SyncWAL().ok())
          sync_failed.store(true);
    });
    ok = write();
    writing.store(false);
    syncer.join();
    ok = ok && db.SyncWAL().ok() && !sync_failed.load();
    wo.sync = true;
  }
  if (!ok) {
    state.SkipWithError("RocksDB write or WAL sync failed");
    return false;
  }
  seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

// The lifecycles per second RocksDB alone allows (`limit`) beside the
// engine's, and the engine's share of it.
void report_limit(benchmark::State& state, double limit, const write_shape& shape, durability mode) {
  state.counters["lifecycles_per_s_limit"] = limit;
  state.counters["engine_lifecycles_per_s"] = shape.lifecycles_per_second;
  state.counters["engine_fraction"] = shape.lifecycles_per_second / limit;
  state.SetLabel(mode_name(mode));
}

// RocksDB alone, from one thread (and in `sync` a second one syncing the
// WAL, as the store does), writing what the engine wrote per lifecycle
// (per_hit 1) in that mode: the same records of the same average
// size in write groups of the same average size. Reports the lifecycles per
// second that rate allows, and the engine's fraction of it.
void BM_RawRocksdbSameWrites(benchmark::State& state) {
  auto mode = static_cast<durability>(state.range(0));
  auto it = measured.find(static_cast<int>(mode));
  if (it == measured.end() || it->second.records_per_lifecycle == 0) {
    state.SkipWithError("run BM_DurableLifecycle with per_hit:1 for this mode first (same process)");
    return;
  }
  const auto shape = it->second;
  temp_dir dir;
  rocksdb::Options options;
  options.write_buffer_size = size_t{64} << 20;
  options.max_background_jobs = 2;
  auto [db, wo] = open_raw(options, dir.path, mode);
  if (!db) {
    state.SkipWithError("cannot open RocksDB");
    return;
  }
  const auto value_size = static_cast<size_t>(std::max(1.0, shape.bytes_per_record - 17));   // keys are ~17 bytes
  const auto group = static_cast<size_t>(std::max(1.0, shape.records_per_group));
  const std::string value(value_size, 'v');
  const int64_t records_per_iteration = 200'000;
  uint64_t key = 0;
  double seconds = 0;
  for (auto _ : state) {
    bool ok = time_writes_like_the_store(state, seconds, *db, wo, mode, [&] {
      for (int64_t written = 0; written < records_per_iteration;) {
        rocksdb::WriteBatch wb;
        for (size_t i = 0; i < group && written < records_per_iteration; ++i, ++written) {
          char k[17];
          std::snprintf(k, sizeof k, "%016llx", static_cast<unsigned long long>(key++));
          wb.Put(rocksdb::Slice(k, 16), value);
        }
        if (!db->Write(wo, &wb).ok())
          return false;
      }
      return true;
    });
    if (!ok)
      return;
  }
  state.SetItemsProcessed(state.iterations() * records_per_iteration);
  // Lifecycles per second this rate allows, and the engine's share of it.
  double limit = static_cast<double>(state.iterations() * records_per_iteration) / seconds / shape.records_per_lifecycle;
  state.counters["records_per_lifecycle"] = shape.records_per_lifecycle;
  report_limit(state, limit, shape, mode);
}
BENCHMARK(BM_RawRocksdbSameWrites)
  ->Arg(static_cast<int>(durability::sync))->Arg(static_cast<int>(durability::wal))->Arg(static_cast<int>(durability::none))
  ->ArgName("mode")
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime();

// RocksDB alone, from one thread (and in `sync` a second one syncing the
// WAL, as the store does), writing exactly what the store wrote in one run
// of BM_DurableLifecycle (per_hit 1) in that mode: the same write batches
// (keys, values, deletes) in the same groups, in the same order, with the
// same write options. The synthetic writes above use sequential
// keys, which a skip list inserts faster than the engine's keys of many
// kinds; this is the limit for the engine's own writes. With the store's
// own RocksDB options (hitd::storage::rocksdb_options: its memtables, its
// insert hint, bloom filters, compression), so the difference is the
// store's work, not its tuning.
void BM_RawRocksdbReplay(benchmark::State& state) {
  auto mode = static_cast<durability>(state.range(0));
  auto it = measured.find(static_cast<int>(mode));
  if (it == measured.end() || it->second.groups.empty()) {
    state.SkipWithError("run BM_DurableLifecycle with per_hit:1 for this mode first (same process)");
    return;
  }
  const auto& shape = it->second;
  std::vector<rocksdb::WriteBatch> batches;
  batches.reserve(shape.groups.size());
  uint64_t records = 0;
  for (const auto& g : shape.groups) {
    batches.emplace_back(g);
    records += batches.back().Count();
  }
  temp_dir dir;
  hitd::storage::store_options so;
  so.path = dir.path;
  so.mode = mode;
  auto [db, wo] = open_raw(hitd::storage::rocksdb_options(so), dir.path, mode);
  if (!db) {
    state.SkipWithError("cannot open RocksDB");
    return;
  }
  double seconds = 0;
  for (auto _ : state) {
    bool ok = time_writes_like_the_store(state, seconds, *db, wo, mode, [&] {
      for (auto& wb : batches)
        if (!db->Write(wo, &wb).ok())
          return false;
      return true;
    });
    if (!ok)
      return;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records));
  double limit = static_cast<double>(state.iterations() * shape.captured_lifecycles) / seconds;
  state.counters["records_per_lifecycle"] = static_cast<double>(records) / static_cast<double>(shape.captured_lifecycles);
  state.counters["records_per_group"] = static_cast<double>(records) / static_cast<double>(batches.size());
  report_limit(state, limit, shape, mode);
}
BENCHMARK(BM_RawRocksdbReplay)
  ->Arg(static_cast<int>(durability::sync))->Arg(static_cast<int>(durability::wal))->Arg(static_cast<int>(durability::none))
  ->ArgName("mode")
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime()
  ->Iterations(3);

// Resident memory: RSS growth per HIT (one assignment accepted, so the
// HIT actor holds a real assignment) and per worker: the engine's own
// memory, so without a store (a store adds RocksDB's memtable and block
// cache, bounded by their settings, not per actor).
size_t rss_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// parked:1 parks the workers and HITs as it goes (a budget of 1,000 resident
// of each, a passivation sweep after every 1,000): `bytes_per_worker` and
// `bytes_per_hit` are then what a worker and a HIT cost parked without
// their actors (no store), the actors' blocks reused.
void BM_ResidentMemory(benchmark::State& state) {
  const int64_t n = state.range(0);
  const bool parked = state.range(1) != 0;
  for (auto _ : state) {
    const size_t budget = parked ? size_t{1'000} : size_t{1'000'000};
    rig r{nullptr, 0, budget, budget};
    auto before_workers = rss_bytes();
    for (int64_t i = 0; i < n; ++i) {
      r.workers.push_back(r.e->create_worker({.registered = 0}).value());
      if (parked && (i + 1) % 1'000 == 0) {
        r.e->passivate_idle(-1'000);   // as for the HITs below
        r.e->drain();
      }
    }
    auto after_workers = rss_bytes();
    for (int64_t i = 0; i < n; ++i) {
      hitd::create_hit_request req;
      req.requester_id = r.requester;
      req.hit_type_id = r.type;
      req.max_assignments = 1;
      req.lifetime_s = 86'400;
      req.question = "<HTMLQuestion/>";
      auto h = r.e->create_hit(std::move(req)).value();
      r.e->accept({r.workers[static_cast<size_t>(i)], h.hit_id, {}, {}}).value();
      if (parked && (i + 1) % 1'000 == 0) {
        r.e->passivate_idle(-1'000);   // idle "since a second from now": every one over the budget
        r.e->drain();
      }
    }
    r.e->drain();
    auto after_hits = rss_bytes();
    if (parked) {
      auto st = r.e->stats();
      state.counters["parked_hits"] = static_cast<double>(st.parked_hits);
      state.counters["resident_hits"] = static_cast<double>(st.resident_hits);
      state.counters["parked_workers"] = static_cast<double>(st.parked_workers);
    }
    state.counters["bytes_per_worker"] = static_cast<double>(after_workers - before_workers) / static_cast<double>(n);
    state.counters["bytes_per_hit"] = static_cast<double>(after_hits - after_workers) / static_cast<double>(n);
  }
}
BENCHMARK(BM_ResidentMemory)
  ->Args({50'000, 0})->Args({50'000, 1})
  ->ArgNames({"n", "parked"})
  ->Unit(benchmark::kMillisecond)
  ->Iterations(1);

// Start with many stored HITs: the time from opening the store to the first
// answered command (a GetHIT of an old HIT), and the time to bring one HIT
// back from its records (reactivation).
void BM_StartWithStoredHits(benchmark::State& state) {
  const int64_t n = state.range(0);
  temp_dir dir;
  std::string requester, some_hit;
  {
    auto store = open_store(dir.path, durability::none);
    rig r{store, 0};
    requester = r.requester;
    for (int64_t i = 0; i < n; i += 1'000) {
      std::mutex m;
      std::condition_variable cv;
      int64_t left = std::min<int64_t>(1'000, n - i);
      for (int64_t k = 0, count = left; k < count; ++k) {
        hitd::create_hit_request req;
        req.requester_id = r.requester;
        req.hit_type_id = r.type;
        req.max_assignments = 1;
        req.lifetime_s = 30 * 86'400;
        req.question = "<HTMLQuestion/>";
        r.e->create_hit(std::move(req), [&](hitd::result<hitd::hit_view> h) {
          std::lock_guard<std::mutex> g{m};
          if (h.ok() && some_hit.empty())
            some_hit = h->hit_id;
          if (--left == 0)
            cv.notify_all();
        });
      }
      std::unique_lock<std::mutex> g{m};
      cv.wait(g, [&] { return left == 0; });
    }
    r.e->drain();
  }
  double activation_us = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto store = open_store(dir.path, durability::none);
    hitd::engine::options o;
    o.clock = std::make_shared<hitd::manual_clock>(1'767'225'600'000);
    o.store = store;
    o.config.scheduler_threads = 2;
    hitd::engine e{o};
    auto first = e.get_hit(requester, some_hit);
    auto t1 = std::chrono::steady_clock::now();
    if (!first.ok()) {
      state.SkipWithError("the first command failed");
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    // Reactivation: 1,000 HITs not in memory, one GetHIT each.
    auto number = hitd::parse_id(hitd::id_kind::hit, some_hit).value();
    auto r0 = std::chrono::steady_clock::now();
    for (uint64_t k = 1; k <= 1'000; ++k)
      (void)e.get_hit(requester, hitd::format_id(hitd::id_kind::hit, number + k));
    activation_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - r0).count() / 1'000;
  }
  state.counters["stored_hits"] = static_cast<double>(n);
  state.counters["reactivation_us"] = activation_us;
}
BENCHMARK(BM_StartWithStoredHits)
  ->Arg(100'000)->Arg(1'000'000)
  ->ArgName("hits")
  ->Unit(benchmark::kMillisecond)
  ->UseManualTime()
  ->Iterations(3);

} // namespace

BENCHMARK_MAIN();
