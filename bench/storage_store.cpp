// The RocksDB store against RocksDB alone, and the record codec.
//   build/bench/hitd_bench_storage --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// storage_raw/<mode>/batch:<n>: two threads write the same records,
//   pre-encoded, straight into RocksDB, one WriteBatch of n records per
//   Write() (RocksDB groups concurrent writers itself).
// storage_store/<mode>/batch:<n>: two producer threads commit() batches of n
//   records to rocksdb_store (which encodes them on the producer's thread
//   and group-commits on its writer thread), counting completions.
// Both count records: items_per_second is records per second. An iteration
// is a burst of 512 records per thread (512/n batches), and a store burst
// ends only when all its completions have run, so the time includes
// persisting, not just queueing. bytes_per_record is key + encoded value.
// The records are a HIT's lifecycle records: an assignment record (~120
// bytes) and a HIT record alternately, new assignments and rewritten HITs.
//
// Every run opens a fresh database in a temporary directory under /tmp and
// removes it afterwards.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "hitd/records.hpp"
#include "hitd/storage/codec.hpp"
#include "hitd/storage/rocksdb_store.hpp"

namespace {

using namespace hitd;
using hitd::storage::durability;

constexpr timestamp t0 = 1'767'225'600'000;
constexpr int64_t burst_records = 512;

std::string make_temp_dir() {
  std::string tmpl = "/tmp/hitd-bench-storage-XXXXXX";
  if (!mkdtemp(tmpl.data()))
    std::abort();
  return tmpl;
}

void remove_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

assignment_record sample_assignment(uint32_t ordinal) {
  assignment_record a;
  a.ordinal = ordinal;
  a.worker_id = "AW" + std::to_string(1'000'000'000'000 + ordinal);
  a.status = assignment_status::submitted;
  a.accept_time = t0 + ordinal;
  a.deadline = t0 + ordinal + seconds(3600);
  a.submit_time = t0 + ordinal + seconds(60);
  a.auto_approval_time = t0 + ordinal + days(3);
  a.reward = cents(25);
  a.fee = cents(5);
  a.answer = "<QuestionFormAnswers><Answer>cat</Answer></QuestionFormAnswers>";
  a.submit_token = "tok" + std::to_string(ordinal);
  return a;
}

hit_snapshot sample_hit() {
  hit_snapshot h;
  h.max_assignments = 10;
  h.expiration = t0 + days(1);
  h.held = cents(3000);
  h.ledger_seq = 3;
  return h;
}

// The i-th record a thread writes: an assignment of HIT i/2 (new), then that
// HIT's record (rewritten). Thread t writes HITs numbered from t << 40.
std::string record_key_of(int thread, uint64_t i) {
  uint64_t hit = (static_cast<uint64_t>(thread) << 40) + i / 20;
  return i % 2 == 0 ? assignment_key(hit, static_cast<uint32_t>(i / 2 % 10)) : hit_key(hit);
}

struct record_pool {
  std::vector<record_value> values;        // for the store
  std::vector<std::string> encoded;        // for RocksDB alone
  std::vector<record_kind> kinds;
  record_pool() {
    for (uint32_t o = 0; o < 64; ++o) {
      auto a = std::make_shared<const assignment_record>(sample_assignment(o));
      auto h = std::make_shared<const hit_snapshot>(sample_hit());
      values.push_back(a);
      kinds.push_back(record_kind::assignment);
      values.push_back(h);
      kinds.push_back(record_kind::hit);
    }
    for (size_t i = 0; i < values.size(); ++i)
      encoded.push_back(storage::encode(kinds[i], values[i].get()));
  }
  // Index of the value for record i (assignment on even i, HIT on odd).
  size_t at(uint64_t i) const { return static_cast<size_t>(i % values.size()); }
};

const record_pool& pool() {
  static const record_pool p;
  return p;
}

double bytes_per_record() {
  // Averaged over one burst of keys and values as written.
  double total = 0;
  for (uint64_t i = 0; i < static_cast<uint64_t>(burst_records); ++i)
    total += static_cast<double>(record_key_of(0, i).size() + pool().encoded[pool().at(i)].size());
  return total / burst_records;
}

// ---- RocksDB alone -------------------------------------------------------------------

struct raw_rig {
  std::string dir;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions wo;
};
raw_rig* raw_shared = nullptr;

void BM_Raw(benchmark::State& state, durability mode, int64_t batch) {
  if (state.thread_index() == 0) {
    raw_shared = new raw_rig;
    raw_shared->dir = make_temp_dir();
    // The store's own options would be fairer still, but they are private to
    // it; these are RocksDB's defaults plus the same memtable size and jobs.
    rocksdb::Options o;
    o.create_if_missing = true;
    o.write_buffer_size = size_t{64} << 20;
    o.max_write_buffer_number = 3;
    o.max_background_jobs = 2;
    rocksdb::DB* db = nullptr;
    if (!rocksdb::DB::Open(o, raw_shared->dir, &db).ok())
      std::abort();
    raw_shared->db.reset(db);
    raw_shared->wo.sync = mode == durability::sync;
    raw_shared->wo.disableWAL = mode == durability::none;
  }
  const auto& p = pool();
  const int thread = state.thread_index();
  const int64_t batches = std::max<int64_t>(1, burst_records / batch);
  uint64_t i = 0;
  bool failed = false;
  for (auto _ : state) {
    for (int64_t b = 0; b < batches; ++b) {
      rocksdb::WriteBatch wb;
      for (int64_t r = 0; r < batch; ++r, ++i)
        wb.Put(record_key_of(thread, i), p.encoded[p.at(i)]);
      failed |= !raw_shared->db->Write(raw_shared->wo, &wb).ok();
    }
  }
  if (failed)
    state.SkipWithError("a RocksDB write failed");
  state.SetItemsProcessed(state.iterations() * batches * batch);
  if (thread == 0) {
    state.counters["bytes_per_record"] = bytes_per_record();
    raw_shared->db->Close();
    raw_shared->db.reset();
    remove_dir(raw_shared->dir);
    delete raw_shared;
    raw_shared = nullptr;
  }
}

// ---- rocksdb_store -------------------------------------------------------------------

struct store_rig {
  std::string dir;
  std::shared_ptr<storage::rocksdb_store> store;
};
store_rig* store_shared = nullptr;

void BM_Store(benchmark::State& state, durability mode, int64_t batch) {
  if (state.thread_index() == 0) {
    store_shared = new store_rig;
    store_shared->dir = make_temp_dir();
    storage::store_options o;
    o.path = store_shared->dir;
    o.mode = mode;
    auto s = storage::rocksdb_store::open(o);
    if (!s.ok())
      std::abort();
    store_shared->store = *s;
  }
  const auto& p = pool();
  const int thread = state.thread_index();
  const int64_t batches = std::max<int64_t>(1, burst_records / batch);
  // Held by every completion too: the last one may still be inside
  // notify_one() when this thread sees its count and returns.
  struct counts {
    std::atomic<uint64_t> completed{0}, failures{0};
  };
  auto c = std::make_shared<counts>();
  uint64_t committed = 0, i = 0;
  for (auto _ : state) {
    auto& store = *store_shared->store;
    for (int64_t b = 0; b < batches; ++b) {
      write_batch wb;
      wb.reserve(static_cast<size_t>(batch));
      for (int64_t r = 0; r < batch; ++r, ++i) {
        size_t at = p.at(i);
        wb.push_back({p.kinds[at], record_key_of(thread, i), p.values[at]});
      }
      store.commit(std::move(wb), [c](status st) {
        if (!st.ok())
          c->failures.fetch_add(1);
        c->completed.fetch_add(1);
        c->completed.notify_one();
      });
      ++committed;
    }
    // The burst ends when its last completion has run.
    for (uint64_t seen = c->completed.load(); seen < committed; seen = c->completed.load())
      c->completed.wait(seen);
  }
  if (c->failures.load() > 0)
    state.SkipWithError("a commit failed");
  state.SetItemsProcessed(state.iterations() * batches * batch);
  if (thread == 0) {
    state.counters["bytes_per_record"] = bytes_per_record();
    auto st = store_shared->store->stats();
    state.counters["records_per_group"] =
        st.groups ? static_cast<double>(st.records) / static_cast<double>(st.groups) : 0.0;
    (void)store_shared->store->close();
    store_shared->store.reset();
    remove_dir(store_shared->dir);
    delete store_shared;
    store_shared = nullptr;
  }
}

// ---- the codec -------------------------------------------------------------------------

void BM_EncodeAssignment(benchmark::State& state) {
  auto a = sample_assignment(3);
  size_t bytes = 0;
  for (auto _ : state) {
    auto s = storage::encode(record_kind::assignment, &a);
    bytes += s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EncodeAssignment);

void BM_DecodeAssignment(benchmark::State& state) {
  auto a = sample_assignment(3);
  auto s = storage::encode(record_kind::assignment, &a);
  auto key = assignment_key(1, 3);
  for (auto _ : state) {
    auto v = storage::decode(record_kind::assignment, s, key);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(s.size()));
}
BENCHMARK(BM_DecodeAssignment);

// A worker with `finished` assignments remembered (finished_max = 10,000 at
// most), two qualifications, a week of days and a few tokens.
worker_state sample_worker(int64_t finished) {
  worker_state w;
  w.id = "AW1000000000001";
  w.created = t0 - days(100);
  w.home = {"US", "WA"};
  for (int q = 0; q < 2; ++q) {
    qualification_grant g;
    g.qualification_type_id = "Q000000000000" + std::to_string(q);
    g.integer_value = 90 + q;
    g.grant_time = t0 - days(q);
    w.qualifications.emplace(g.qualification_type_id, g);
  }
  w.blocked_by = {"AR1000000000001"};
  w.totals = {finished, finished, finished, 0, 0, 0, 0, cents(25 * finished), cents(0)};
  for (int d = 0; d < 7; ++d) {
    worker_day day;
    day.day = day_of(t0) - d;
    day.accepted = day.submitted = day.approved = 100;
    day.reward_income = cents(2500);
    w.days.push_back(day);
  }
  for (uint32_t o = 0; o < 4; ++o)
    w.open.emplace((uint64_t{1'000'000} << 32) | o, worker_state::open_entry{assignment_status::accepted, t0 + o});
  for (int64_t i = 0; i < finished; ++i) {
    uint64_t key = (static_cast<uint64_t>(i / 10 + 1) << 32) | static_cast<uint64_t>(i % 10);
    w.finished.insert(key);
    w.finished_order.push_back(key);
  }
  for (int t = 0; t < 4; ++t)
    w.withdraw_tokens.emplace("w" + std::to_string(t), t0 + t);
  w.last_prune = t0;
  return w;
}

void BM_EncodeWorker(benchmark::State& state) {
  auto w = sample_worker(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    auto s = storage::encode(record_kind::worker, &w);
    bytes += s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["record_bytes"] = static_cast<double>(storage::encode(record_kind::worker, &w).size());
}
BENCHMARK(BM_EncodeWorker)->ArgName("finished")->Arg(0)->Arg(100)->Arg(10'000);

// What one change to that worker costs to write now that its finished
// assignments are worker_finished records (docs/storage.md): the record is
// copied with the two lists moved out and back (copy_without_finished, as the worker actor does),
// and encoded, with one finished record (the finish the change added).
void BM_EncodeWorkerChange(benchmark::State& state) {
  auto w = sample_worker(state.range(0));
  size_t bytes = 0;
  uint64_t key = (uint64_t{1'000'001} << 32) | 1;
  for (auto _ : state) {
    auto copy = copy_without_finished(w);
    auto record = storage::encode(record_kind::worker, copy.get());
    auto one = storage::encode(record_kind::worker_finished, &key);
    bytes += record.size() + one.size();
    benchmark::DoNotOptimize(record);
    benchmark::DoNotOptimize(one);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["bytes_per_change"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EncodeWorkerChange)->ArgName("finished")->Arg(0)->Arg(10'000);

void BM_DecodeWorker(benchmark::State& state) {
  auto w = sample_worker(state.range(0));
  auto s = storage::encode(record_kind::worker, &w);
  auto key = worker_key(w.id);
  for (auto _ : state) {
    auto v = storage::decode(record_kind::worker, s, key);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(s.size()));
  state.counters["record_bytes"] = static_cast<double>(s.size());
}
BENCHMARK(BM_DecodeWorker)->ArgName("finished")->Arg(0)->Arg(100)->Arg(10'000);

// A HIT's definition (written once, when the HIT is created) with
// `requirements` qualification requirements and a 1 KiB HTMLQuestion, and
// the HIT's own record (rewritten on every transition).
hit_definition sample_definition(int64_t requirements) {
  hit_definition d;
  d.number = 1'000'000;
  d.requester_id = "AR1000000000001";
  d.hit_type_id = "T0000000000000000000000000001";
  hit_properties props;
  props.title = "Label the animals in a photo";
  props.description = "Look at one photo and say which animals you can see in it.";
  props.keywords = "image, label, animals, photo";
  props.reward = cents(25);
  props.assignment_duration_s = 600;
  props.auto_approval_delay_s = 259'200;
  for (int64_t i = 0; i < requirements; ++i)
    props.requirements.push_back({"3QUAL" + std::to_string(1'000'000'000 + i),
                                         comparator::greater_than_or_equal_to, {80}, {},
                                         guarded_action::accept});
  d.properties = std::make_shared<const hit_properties>(std::move(props));
  d.question = "<HTMLQuestion xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
               "2011-11-11/HTMLQuestion.xsd\"><HTMLContent><![CDATA[" +
               std::string(1024, 'x') + "]]></HTMLContent><FrameHeight>600</FrameHeight></HTMLQuestion>";
  d.creation_time = t0;
  return d;
}

void BM_EncodeHitDefinition(benchmark::State& state) {
  auto d = sample_definition(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    auto s = storage::encode(record_kind::hit_definition, &d);
    bytes += s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["record_bytes"] = static_cast<double>(storage::encode(record_kind::hit_definition, &d).size());
}
BENCHMARK(BM_EncodeHitDefinition)->ArgName("requirements")->Arg(0)->Arg(5)->Arg(10);

void BM_DecodeHitDefinition(benchmark::State& state) {
  auto d = sample_definition(state.range(0));
  auto s = storage::encode(record_kind::hit_definition, &d);
  auto key = hit_definition_key(d.number);
  for (auto _ : state) {
    auto v = storage::decode(record_kind::hit_definition, s, key);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(s.size()));
}
BENCHMARK(BM_DecodeHitDefinition)->ArgName("requirements")->Arg(0)->Arg(5)->Arg(10);

void BM_EncodeHit(benchmark::State& state) {
  auto h = sample_hit();
  size_t bytes = 0;
  for (auto _ : state) {
    auto s = storage::encode(record_kind::hit, &h);
    bytes += s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["record_bytes"] = static_cast<double>(storage::encode(record_kind::hit, &h).size());
}
BENCHMARK(BM_EncodeHit);

void BM_DecodeHit(benchmark::State& state) {
  auto h = sample_hit();
  auto s = storage::encode(record_kind::hit, &h);
  auto key = hit_key(1);
  for (auto _ : state) {
    auto v = storage::decode(record_kind::hit, s, key);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(s.size()));
}
BENCHMARK(BM_DecodeHit);

} // namespace

int main(int argc, char** argv) {
  for (auto mode : {durability::sync, durability::wal, durability::none}) {
    for (int64_t batch : {1, 16, 256}) {
      auto suffix = std::string{"/"} + storage::durability_name(mode) + "/batch:" + std::to_string(batch);
      benchmark::RegisterBenchmark(("storage_raw" + suffix).c_str(), BM_Raw, mode, batch)
          ->Threads(2)
          ->UseRealTime();
      benchmark::RegisterBenchmark(("storage_store" + suffix).c_str(), BM_Store, mode, batch)
          ->Threads(2)
          ->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
