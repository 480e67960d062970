// rocksdb_store on a real RocksDB database in a temporary directory.

#include "hitd/storage/rocksdb_store.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "hitd/storage/codec.hpp"
#include "samples.hpp"

namespace hitd::storage {

// How gtest shows a mode (found by argument-dependent lookup).
void PrintTo(durability d, std::ostream* os) { *os << durability_name(d); }

namespace {

using testing::temp_dir;
using namespace std::chrono_literals;

std::shared_ptr<rocksdb_store> open_store(const std::string& path, durability mode = durability::wal,
                                          store_options extra = {}) {
  extra.path = path;
  extra.mode = mode;
  auto s = rocksdb_store::open(extra);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.err().message);
  return s.ok() ? *s : nullptr;
}

// Commits and waits for the completion.
status commit_wait(storage_port& s, write_batch b) {
  std::promise<status> p;
  auto f = p.get_future();
  s.commit(std::move(b), [&p](status st) { p.set_value(std::move(st)); });
  if (f.wait_for(60s) != std::future_status::ready)
    return error{errc::storage_failure, "test: no completion within 60 s"};
  return f.get();
}

record rec(record_kind k, std::string key, record_value v) { return {k, std::move(key), std::move(v)}; }

record assignment(uint64_t hit, uint32_t ordinal, std::string worker = "AW1") {
  auto a = testing::full_assignment();
  a.ordinal = ordinal;
  a.worker_id = std::move(worker);
  return rec(record_kind::assignment, assignment_key(hit, ordinal), std::make_shared<const assignment_record>(a));
}

record counter(const std::string& name, uint64_t v) {
  return rec(record_kind::counter, counter_key(name), std::make_shared<const uint64_t>(v));
}

uint64_t counter_value(const rocksdb_store& s, const std::string& name) {
  auto v = s.get_as<uint64_t>(counter_key(name));
  return v ? *v : ~uint64_t{0};
}

std::vector<std::string> scan_keys(const rocksdb_store& s, const std::string& prefix, const std::string& from = {},
                                   size_t stop_after = ~size_t{0}) {
  std::vector<std::string> keys;
  auto st = s.scan(
      prefix,
      [&](const std::string& k, const record_value& v) {
        EXPECT_NE(v, nullptr);
        keys.push_back(k);
        return keys.size() < stop_after;
      },
      from);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.err().message);
  return keys;
}

// Holds the writer thread inside a completion until released, so that the
// commits made meanwhile queue up and go out as the next group.
// Holds the store's writer (in store_options::after_group) while a test
// queues commits, so that they are written as one group once released.
class writer_latch {
public:
  // Put into the options before opening the store.
  void install(store_options& o) {
    o.after_group = [this] {
      std::unique_lock<std::mutex> lock{m_};
      if (!armed_)
        return;
      armed_ = false;
      held_ = true;
      cv_.notify_all();
      cv_.wait_for(lock, 60s, [&] { return released_; });
    };
  }
  // Returns once the writer is held (after writing an empty batch).
  void hold(storage_port& s) {
    {
      std::lock_guard<std::mutex> lock{m_};
      armed_ = true;
    }
    s.commit({}, [](status) {});
    std::unique_lock<std::mutex> lock{m_};
    cv_.wait_for(lock, 60s, [&] { return held_; });
  }
  void release() {
    std::lock_guard<std::mutex> lock{m_};
    released_ = true;
    cv_.notify_all();
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  bool armed_ = false, held_ = false, released_ = false;
};

TEST(RocksdbStore, ParseDurability) {
  EXPECT_EQ(*parse_durability("sync"), durability::sync);
  EXPECT_EQ(*parse_durability("wal"), durability::wal);
  EXPECT_EQ(*parse_durability("none"), durability::none);
  EXPECT_EQ(parse_durability("SYNC").code(), errc::invalid_parameter_value);
  EXPECT_EQ(parse_durability("").code(), errc::invalid_parameter_value);
  EXPECT_STREQ(durability_name(durability::wal), "wal");
}

TEST(RocksdbStore, OpenFailsCleanly) {
  temp_dir dir;
  store_options o;
  EXPECT_EQ(rocksdb_store::open(o).code(), errc::invalid_parameter_value);
  o.path = dir.sub("absent");
  o.create_if_missing = false;
  auto s = rocksdb_store::open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), errc::storage_failure);
  EXPECT_NE(s.err().message.find(o.path), std::string::npos) << s.err().message;
}

TEST(RocksdbStore, EveryKindReadsBackAsWritten) {
  temp_dir dir;
  auto s = open_store(dir.path());
  write_batch b;
  auto samples = testing::full_samples();
  for (const auto& x : samples)
    b.push_back(rec(x.kind, x.key, x.value));
  ASSERT_TRUE(commit_wait(*s, std::move(b)).ok());
  for (const auto& x : samples) {
    SCOPED_TRACE(record_kind_name(x.kind));
    auto v = s->get(x.key);
    ASSERT_TRUE(v.ok()) << v.err().message;
    ASSERT_NE(*v, nullptr);
    x.same(x.value.get(), v->get());
  }
  auto st = s->stats();
  EXPECT_EQ(st.batches, 1u);
  EXPECT_EQ(st.records, samples.size());
  EXPECT_GT(st.bytes, 0u);
  EXPECT_EQ(st.write_errors, 0u);
}

TEST(RocksdbStore, CommitGetScanDelete) {
  temp_dir dir;
  auto s = open_store(dir.path());
  ASSERT_TRUE(commit_wait(*s, {assignment(1, 0, "A"), assignment(1, 1, "B"), assignment(2, 0, "C"),
                               assignment(10, 0, "D"), counter("hit", 10)})
                  .ok());
  auto a = s->get_as<assignment_record>(assignment_key(1, 1));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->worker_id, "B");
  EXPECT_EQ(a->ordinal, 1u);
  EXPECT_EQ(counter_value(*s, "hit"), 10u);
  auto absent = s->get(assignment_key(3, 0));
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, nullptr);

  // By prefix, in key order; not past the prefix.
  EXPECT_EQ(scan_keys(*s, assignment_prefix(1)), (std::vector{assignment_key(1, 0), assignment_key(1, 1)}));
  EXPECT_EQ(scan_keys(*s, kind_prefix(record_kind::assignment)),
            (std::vector{assignment_key(1, 0), assignment_key(1, 1), assignment_key(2, 0), assignment_key(10, 0)}));
  EXPECT_EQ(scan_keys(*s, kind_prefix(record_kind::counter)), std::vector{counter_key("hit")});
  EXPECT_TRUE(scan_keys(*s, assignment_prefix(3)).empty());
  // Everything, with the empty prefix.
  EXPECT_EQ(scan_keys(*s, "").size(), 5u);
  // From a key inside the prefix (inclusive), below it, and above it.
  EXPECT_EQ(scan_keys(*s, kind_prefix(record_kind::assignment), assignment_key(1, 1)),
            (std::vector{assignment_key(1, 1), assignment_key(2, 0), assignment_key(10, 0)}));
  EXPECT_EQ(scan_keys(*s, assignment_prefix(1), kind_prefix(record_kind::counter)).size(), 2u);
  EXPECT_TRUE(scan_keys(*s, assignment_prefix(1), assignment_key(1, 2)).empty());
  EXPECT_TRUE(scan_keys(*s, assignment_prefix(1), kind_prefix(record_kind::bonus)).empty());
  // Early stop.
  EXPECT_EQ(scan_keys(*s, kind_prefix(record_kind::assignment), {}, 1), std::vector{assignment_key(1, 0)});
  EXPECT_EQ(scan_keys(*s, kind_prefix(record_kind::assignment), assignment_key(2, 0), 2),
            (std::vector{assignment_key(2, 0), assignment_key(10, 0)}));

  // A null value deletes.
  ASSERT_TRUE(commit_wait(*s, {rec(record_kind::assignment, assignment_key(1, 0), nullptr)}).ok());
  EXPECT_EQ(*s->get(assignment_key(1, 0)), nullptr);
  EXPECT_EQ(scan_keys(*s, assignment_prefix(1)), std::vector{assignment_key(1, 1)});
  // Deleting what is not there is no error.
  ASSERT_TRUE(commit_wait(*s, {rec(record_kind::assignment, assignment_key(7, 0), nullptr)}).ok());
}

TEST(RocksdbStore, ScanOfPrefixEndingInFF) {
  temp_dir dir;
  auto s = open_store(dir.path());
  std::string ff = kind_prefix(record_kind::counter) + "\xff";
  ASSERT_TRUE(commit_wait(*s, {rec(record_kind::counter, ff + "\xff", std::make_shared<const uint64_t>(1)),
                               rec(record_kind::counter, ff + "a", std::make_shared<const uint64_t>(2)),
                               rec(record_kind::hit, hit_key(1), std::make_shared<const hit_snapshot>())})
                  .ok());
  EXPECT_EQ(scan_keys(*s, ff), (std::vector{ff + "a", ff + "\xff"}));
  EXPECT_EQ(scan_keys(*s, ff + "\xff"), std::vector{ff + "\xff"});
}

TEST(RocksdbStore, BatchesApplyInCommitOrder) {
  temp_dir dir;
  auto s = open_store(dir.path());
  // The same key in later batches and twice in one batch: the last write wins.
  std::atomic<int> done{0};
  for (uint64_t i = 1; i <= 100; ++i)
    s->commit({counter("k", i), counter("k", i * 1000)}, [&](status st) {
      EXPECT_TRUE(st.ok());
      ++done;
    });
  ASSERT_TRUE(commit_wait(*s, {}).ok());
  EXPECT_EQ(done.load(), 100);
  EXPECT_EQ(counter_value(*s, "k"), 100'000u);
  // A put and a delete of one key in one batch: the delete wins, and the
  // other way round.
  ASSERT_TRUE(commit_wait(*s, {counter("d", 1), rec(record_kind::counter, counter_key("d"), nullptr)}).ok());
  EXPECT_EQ(*s->get(counter_key("d")), nullptr);
  ASSERT_TRUE(commit_wait(*s, {rec(record_kind::counter, counter_key("d"), nullptr), counter("d", 2)}).ok());
  EXPECT_EQ(counter_value(*s, "d"), 2u);
}

TEST(RocksdbStore, ConcurrentCommitsCompleteOnceInOrder) {
  temp_dir dir;
  auto s = open_store(dir.path());
  constexpr int threads = 4;
  constexpr uint64_t per_thread = 2000;
  std::vector<std::atomic<int>> calls(threads * per_thread);
  std::vector<uint64_t> last(threads, 0);   // only the writer thread touches these, one completion at a time
  std::atomic<uint64_t> failures{0}, out_of_order{0}, completed{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      std::string name = "t" + std::to_string(t);
      for (uint64_t i = 1; i <= per_thread; ++i)
        s->commit({counter(name, i), assignment(static_cast<uint64_t>(t) + 1, static_cast<uint32_t>(i))},
                  [&, t, i](status st) {
                    failures += !st.ok();
                    ++calls[static_cast<size_t>(t) * per_thread + i - 1];
                    out_of_order += last[static_cast<size_t>(t)] + 1 != i;
                    last[static_cast<size_t>(t)] = i;
                    ++completed;
                  });
    });
  for (auto& t : ts)
    t.join();
  ASSERT_TRUE(commit_wait(*s, {}).ok());   // after every earlier completion
  EXPECT_EQ(completed.load(), threads * per_thread);
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_EQ(out_of_order.load(), 0u);
  for (auto& c : calls)
    ASSERT_EQ(c.load(), 1);
  for (int t = 0; t < threads; ++t) {
    EXPECT_EQ(counter_value(*s, "t" + std::to_string(t)), per_thread);
    EXPECT_EQ(scan_keys(*s, assignment_prefix(static_cast<uint64_t>(t) + 1)).size(), per_thread);
  }
  auto st = s->stats();
  EXPECT_EQ(st.batches, threads * per_thread + 1);
  // Each thread's counter is rewritten by every batch: of its writes in one
  // group only the last is written.
  EXPECT_EQ(st.records + st.superseded, threads * per_thread * 2);
  EXPECT_GE(st.records, threads * per_thread + threads);
  EXPECT_LE(st.groups, st.batches);
  EXPECT_EQ(st.write_errors, 0u);
}

TEST(RocksdbStore, CompletionsFollowGlobalCommitOrder) {
  temp_dir dir;
  auto s = open_store(dir.path(), durability::none);
  std::mutex order;   // makes the commit() order across threads known
  uint64_t next = 0;
  std::atomic<uint64_t> expected{0}, wrong{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        std::lock_guard<std::mutex> lock{order};
        uint64_t seq = next++;
        s->commit({counter("g" + std::to_string(t), seq)}, [&, seq](status st) {
          EXPECT_TRUE(st.ok());
          wrong += expected.exchange(seq + 1) != seq;
        });
      }
    });
  for (auto& t : ts)
    t.join();
  ASSERT_TRUE(commit_wait(*s, {}).ok());
  EXPECT_EQ(expected.load(), 2000u);
  EXPECT_EQ(wrong.load(), 0u);
}

TEST(RocksdbStore, GroupCommitMergesWhatIsQueued) {
  temp_dir dir;
  store_options o;
  o.max_batch_records = 10;
  writer_latch latch;
  latch.install(o);
  auto s = open_store(dir.path(), durability::sync, o);
  latch.hold(*s);
  auto before = s->stats();
  std::atomic<int> ok{0};
  for (uint64_t i = 0; i < 100; ++i)
    s->commit({counter("c" + std::to_string(i), i)}, [&](status st) { ok += st.ok(); });
  // A batch larger than the limit goes alone, whole.
  write_batch big;
  for (uint64_t i = 0; i < 25; ++i)
    big.push_back(counter("big" + std::to_string(i), i));
  s->commit(std::move(big), [&](status st) { ok += st.ok(); });
  latch.release();
  ASSERT_TRUE(commit_wait(*s, {counter("last", 1)}).ok());
  EXPECT_EQ(ok.load(), 101);
  auto after = s->stats();
  // 100 one-record batches in groups of 10, the big one alone, the last.
  EXPECT_EQ(after.groups - before.groups, 12u);
  EXPECT_EQ(after.records - before.records, 126u);
  EXPECT_EQ(counter_value(*s, "big24"), 24u);
}

// Several writes of one key in one group: the last one stands (whatever the
// batch it came in), and only it is written; a put then a delete leaves
// nothing, a delete then a put leaves the put.
TEST(RocksdbStore, AKeyWrittenSeveralTimesInAGroupKeepsTheLastWrite) {
  temp_dir dir;
  store_options o;
  writer_latch latch;
  latch.install(o);
  auto s = open_store(dir.path(), durability::sync, o);
  ASSERT_TRUE(commit_wait(*s, {counter("gone-later", 1)}).ok());
  latch.hold(*s);
  auto before = s->stats();
  std::atomic<int> ok{0};
  for (uint64_t i = 1; i <= 5; ++i)
    s->commit({counter("hot", i), counter("other" + std::to_string(i), i)}, [&](status st) { ok += st.ok(); });
  s->commit({counter("put-then-delete", 7)}, [&](status st) { ok += st.ok(); });
  s->commit({{record_kind::counter, counter_key("put-then-delete"), nullptr},
             {record_kind::counter, counter_key("gone-later"), nullptr}},
            [&](status st) { ok += st.ok(); });
  s->commit({counter("gone-later", 9)}, [&](status st) { ok += st.ok(); });
  latch.release();
  ASSERT_TRUE(commit_wait(*s, {counter("last", 1)}).ok());
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(counter_value(*s, "hot"), 5u);
  EXPECT_EQ(counter_value(*s, "other3"), 3u);
  EXPECT_EQ(counter_value(*s, "gone-later"), 9u);
  auto v = s->get(counter_key("put-then-delete"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, nullptr);
  auto after = s->stats();
  // 4 superseded "hot" writes, the put before its delete, the delete
  // before its put; the rest written (and the "last" batch).
  EXPECT_EQ(after.superseded - before.superseded, 6u);
  EXPECT_EQ(after.records - before.records, 14u - 6u + 1u);
}

TEST(RocksdbStore, BackpressureBlocksCommitUntilTheWriterCatchesUp) {
  temp_dir dir;
  store_options o;
  o.max_pending_bytes = 2000;
  writer_latch latch;
  latch.install(o);
  auto s = open_store(dir.path(), durability::wal, o);
  latch.hold(*s);
  std::atomic<int> committed{0}, completed{0};
  std::thread producer([&] {
    for (uint32_t i = 0; i < 100; ++i) {   // ~150 bytes each: 15,000 bytes in all
      s->commit({assignment(5, i)}, [&](status st) { completed += st.ok(); });
      ++committed;
    }
  });
  // The producer fills the queue and then blocks in commit().
  for (int i = 0; i < 6000 && s->stats().backpressure_waits == 0; ++i)
    std::this_thread::sleep_for(1ms);
  EXPECT_GE(s->stats().backpressure_waits, 1u);
  std::this_thread::sleep_for(20ms);
  EXPECT_LT(committed.load(), 100);
  EXPECT_EQ(completed.load(), 0);
  latch.release();
  producer.join();
  ASSERT_TRUE(commit_wait(*s, {}).ok());
  EXPECT_EQ(completed.load(), 100);
  EXPECT_EQ(scan_keys(*s, assignment_prefix(5)).size(), 100u);
}

TEST(RocksdbStore, CommitFromACompletionDoesNotBlock) {
  temp_dir dir;
  store_options o;
  o.max_pending_bytes = 1;   // every commit but the first into an empty queue would wait
  auto s = open_store(dir.path(), durability::wal, o);
  std::promise<status> chained;
  auto f = chained.get_future();
  s->commit({counter("a", 1)}, [&](status) {
    // On the completer thread, with other batches possibly queued.
    s->commit({counter("b", 2)}, [&](status st) { chained.set_value(st); });
  });
  for (int i = 0; i < 50; ++i)
    s->commit({counter("x" + std::to_string(i), 1)}, [](status) {});
  ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
  EXPECT_TRUE(f.get().ok());
  EXPECT_EQ(counter_value(*s, "b"), 2u);
}

TEST(RocksdbStore, MismatchedKindIsRefusedInOrder) {
  temp_dir dir;
  // The four batches in one group: a refused batch halts the store like a
  // failed write, so the batches after it fail, in its group too.
  store_options o;
  writer_latch latch;
  latch.install(o);
  auto s = open_store(dir.path(), durability::wal, o);
  latch.hold(*s);
  std::vector<int> seen;
  std::promise<void> all;
  s->commit({counter("first", 1)}, [&](status st) { seen.push_back(st.ok() ? 1 : -1); });
  // A hit record under a worker key, and an empty key: nothing of either batch is written.
  s->commit({counter("second", 2), rec(record_kind::hit, worker_key("AW1"), std::make_shared<const hit_snapshot>())},
            [&](status st) {
              EXPECT_EQ(st.code(), errc::storage_failure);
              if (!st.ok()) {
                EXPECT_NE(st.err().message.find("does not match its key 0541573100"), std::string::npos)
                    << st.err().message;
              }
              seen.push_back(st.ok() ? 2 : -2);
            });
  s->commit({rec(record_kind::counter, "", std::make_shared<const uint64_t>(1))},
            [&](status st) { seen.push_back(st.ok() ? 3 : -3); });
  s->commit({counter("fourth", 4)}, [&](status st) {
    seen.push_back(st.ok() ? 4 : -4);
    if (!st.ok()) {
      EXPECT_NE(st.err().message.find("an earlier batch was refused (record of kind hit does not match its key"),
                std::string::npos)
          << st.err().message;
    }
    all.set_value();
  });
  latch.release();
  ASSERT_EQ(all.get_future().wait_for(60s), std::future_status::ready);
  EXPECT_EQ(seen, (std::vector{1, -2, -3, -4}));
  EXPECT_EQ(counter_value(*s, "first"), 1u);
  EXPECT_EQ(*s->get(counter_key("second")), nullptr);
  EXPECT_EQ(*s->get(counter_key("fourth")), nullptr);
  EXPECT_EQ(s->stats().failed_batches, 3u);
  // Halted until resumed, like after a failed write.
  EXPECT_EQ(commit_wait(*s, {counter("fifth", 5)}).code(), errc::storage_failure);
  s->resume();
  ASSERT_TRUE(commit_wait(*s, {counter("fifth", 5)}).ok());
  EXPECT_EQ(counter_value(*s, "fifth"), 5u);
}

std::string mode_name(const ::testing::TestParamInfo<durability>& p) { return durability_name(p.param); }

class Durability : public ::testing::TestWithParam<durability> {};

TEST_P(Durability, ReopenAfterCloseFindsEverything) {
  temp_dir dir;
  auto s = open_store(dir.path(), GetParam());
  std::atomic<int> ok{0};
  for (uint32_t i = 0; i < 300; ++i)
    s->commit({assignment(9, i), counter("n", i)}, [&](status st) { ok += st.ok(); });
  ASSERT_TRUE(commit_wait(*s, {rec(record_kind::assignment, assignment_key(9, 0), nullptr)}).ok());
  EXPECT_EQ(ok.load(), 300);
  ASSERT_TRUE(s->close().ok());
  EXPECT_TRUE(s->close().ok());   // idempotent
  s.reset();

  for (int round = 0; round < 2; ++round) {   // and again, with nothing written in between
    s = open_store(dir.path(), GetParam());
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(counter_value(*s, "n"), 299u);
    EXPECT_EQ(*s->get(assignment_key(9, 0)), nullptr);
    auto keys = scan_keys(*s, assignment_prefix(9));
    ASSERT_EQ(keys.size(), 299u);
    EXPECT_EQ(keys.front(), assignment_key(9, 1));
    auto a = s->get_as<assignment_record>(assignment_key(9, 299));
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->ordinal, 299u);
    s.reset();   // the destructor closes
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, Durability, ::testing::Values(durability::sync, durability::wal, durability::none),
                         mode_name);

TEST(RocksdbStore, CloseDrainsTheQueue) {
  temp_dir dir;
  auto s = open_store(dir.path(), durability::none);
  std::atomic<int> ok{0};
  for (uint32_t i = 0; i < 1000; ++i)
    s->commit({assignment(3, i)}, [&](status st) { ok += st.ok(); });
  ASSERT_TRUE(s->close().ok());
  EXPECT_EQ(ok.load(), 1000);
  s = open_store(dir.path(), durability::none);
  EXPECT_EQ(scan_keys(*s, assignment_prefix(3)).size(), 1000u);
}

TEST(RocksdbStore, CommitAndReadsAfterCloseFail) {
  temp_dir dir;
  auto s = open_store(dir.path());
  ASSERT_TRUE(commit_wait(*s, {counter("a", 1)}).ok());
  ASSERT_TRUE(s->close().ok());
  auto st = commit_wait(*s, {counter("b", 2)});
  EXPECT_EQ(st.code(), errc::storage_failure);
  EXPECT_EQ(s->get(counter_key("a")).code(), errc::storage_failure);
  EXPECT_EQ(s->scan("", [](const std::string&, const record_value&) { return true; }).code(),
            errc::storage_failure);
  EXPECT_EQ(s->stats().failed_batches, 1u);
}

TEST(RocksdbStore, LastReferenceDroppedInACompletion) {
  temp_dir dir;
  store_options o;
  writer_latch latch;
  latch.install(o);
  auto s = open_store(dir.path(), durability::wal, o);
  auto* raw = s.get();
  latch.hold(*s);
  std::promise<status> second;
  s->commit({counter("a", 1)}, [keep = s](status st) { EXPECT_TRUE(st.ok()); });
  raw->commit({counter("b", 1)}, [&](status st) { second.set_value(st); });
  s.reset();   // the first completion holds the last reference
  latch.release();
  auto f = second.get_future();
  ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
  EXPECT_TRUE(f.get().ok());
  // The completer closes the database on its way out; then it opens again.
  std::shared_ptr<rocksdb_store> again;
  for (int i = 0; i < 600 && !again; ++i) {
    store_options fresh;
    fresh.path = dir.path();
    auto r = rocksdb_store::open(fresh);
    if (r.ok())
      again = *r;
    else
      std::this_thread::sleep_for(10ms);
  }
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(counter_value(*again, "a"), 1u);
  EXPECT_EQ(counter_value(*again, "b"), 1u);
}

// ---- corrupt records -----------------------------------------------------------------

TEST(RocksdbStore, CorruptRecordFailsGetAndScanNamingTheKey) {
  temp_dir dir;
  {
    auto s = open_store(dir.path());
    ASSERT_TRUE(commit_wait(*s, {assignment(42, 0), assignment(42, 1), assignment(42, 2),
                                 rec(record_kind::hit, hit_key(42), std::make_shared<const hit_snapshot>())})
                    .ok());
  }
  {
    // Write under the store's feet with RocksDB itself.
    rocksdb::Options o;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db{raw};
    auto good = encode(record_kind::hit, testing::full_samples()[1].value.get());
    ASSERT_TRUE(db->Put({}, hit_key(42), good.substr(0, 3)).ok());                    // truncated
    ASSERT_TRUE(db->Put({}, assignment_key(42, 1), std::string{"\x02rest"}).ok());   // unknown version
    ASSERT_TRUE(db->Put({}, std::string{"\x63key"}, std::string{"\x01"}).ok());      // unknown kind
    ASSERT_TRUE(db->Close().ok());
  }
  auto s = open_store(dir.path());
  auto h = s->get(hit_key(42));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.err().code, errc::storage_failure);
  EXPECT_EQ(h.err().message, "corrupt hit record at key 02000000000000002a: truncated");

  auto a = s->get(assignment_key(42, 1));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.err().message, "corrupt assignment record at key " + key_hex(assignment_key(42, 1)) +
                                 ": unknown encoding version 2");

  std::vector<std::string> visited;
  auto st = s->scan(assignment_prefix(42), [&](const std::string& k, const record_value&) {
    visited.push_back(k);
    return true;
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.err().code, errc::storage_failure);
  EXPECT_NE(st.err().message.find(key_hex(assignment_key(42, 1))), std::string::npos) << st.err().message;
  EXPECT_EQ(visited, std::vector{assignment_key(42, 0)});   // the good one before it, then the failure
  // A scan that stops before the corrupt record succeeds; one that starts after it too.
  EXPECT_EQ(scan_keys(*s, assignment_prefix(42), {}, 1), std::vector{assignment_key(42, 0)});
  EXPECT_EQ(scan_keys(*s, assignment_prefix(42), assignment_key(42, 2)), std::vector{assignment_key(42, 2)});

  auto u = s->get(std::string{"\x63key"});
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.err().message.find("unknown kind 99"), std::string::npos) << u.err().message;
  EXPECT_FALSE(s->scan("", [](const std::string&, const record_value&) { return true; }).ok());
}

// ---- failing writes ------------------------------------------------------------------

// A file system whose WAL appends fail while `failing` is set, and whose
// WAL syncs fail while `failing_sync` is set, with an I/O error that is
// retryable or not (a plain EIO is not).
class failing_wal_fs : public rocksdb::FileSystemWrapper {
public:
  failing_wal_fs(const std::shared_ptr<rocksdb::FileSystem>& base, bool retryable)
      : FileSystemWrapper(base), retryable_(retryable) {}
  static const char* kClassName() { return "hitd_failing_wal_fs"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* out,
                                    rocksdb::IODebugContext* dbg) override {
    auto st = target()->NewWritableFile(name, opts, out, dbg);
    if (st.ok() && name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0)
      *out = std::make_unique<file>(std::move(*out), *this);
    return st;
  }

  std::atomic<bool> failing{false};
  std::atomic<bool> failing_sync{false};

private:
  rocksdb::IOStatus injected(const char* what = "injected WAL write failure") const {
    auto e = rocksdb::IOStatus::IOError(what);
    e.SetRetryable(retryable_);
    return e;
  }

  class file : public rocksdb::FSWritableFileOwnerWrapper {
  public:
    file(std::unique_ptr<rocksdb::FSWritableFile>&& f, const failing_wal_fs& fs)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      return fs_.failing ? fs_.injected() : FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
      return fs_.failing ? fs_.injected() : FSWritableFileOwnerWrapper::Append(data, o, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      return fs_.failing_sync ? fs_.injected("injected WAL sync failure") : FSWritableFileOwnerWrapper::Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      return fs_.failing_sync ? fs_.injected("injected WAL sync failure") : FSWritableFileOwnerWrapper::Fsync(o, dbg);
    }

  private:
    const failing_wal_fs& fs_;
  };

  bool retryable_;
};

// With the writer held by latch: commits three one-record batches
// ("lost0" to "lost2"), releases the writer, and returns how each ended.
std::vector<status> commit_three_then_release(rocksdb_store& s, writer_latch& latch) {
  std::vector<status> ends;
  std::promise<void> all;
  for (int i = 0; i < 3; ++i)
    s.commit({counter("lost" + std::to_string(i), 1)}, [&, i](status st) {
      ends.push_back(std::move(st));
      if (i == 2)
        all.set_value();
    });
  latch.release();
  EXPECT_EQ(all.get_future().wait_for(60s), std::future_status::ready);
  return ends;
}

struct failure_case {
  durability mode;
  bool retryable;
};

void PrintTo(const failure_case& c, std::ostream* os) {
  *os << durability_name(c.mode) << (c.retryable ? ", retryable" : ", fatal");
}

class FailingWrites : public ::testing::TestWithParam<failure_case> {
protected:
  // Opens a store whose WAL fails on demand, writes "before", then fails a
  // group of three batches queued behind a held writer. Leaves the fault on.
  void fail_a_group() {
    fs = std::make_shared<failing_wal_fs>(rocksdb::FileSystem::Default(), GetParam().retryable);
    env = rocksdb::NewCompositeEnv(fs);
    store_options o;
    o.env = env.get();
    latch.install(o);
    s = open_store(dir.path(), GetParam().mode, o);
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(commit_wait(*s, {counter("before", 1)}).ok());

    latch.hold(*s);
    fs->failing = true;
    auto groups = s->stats().groups;
    auto ends = commit_three_then_release(*s, latch);
    ASSERT_EQ(ends.size(), 3u);
    for (const auto& e : ends) {
      ASSERT_EQ(e.code(), errc::storage_failure);
      EXPECT_NE(e.err().message.find("RocksDB write failed: IO error: injected WAL write failure"), std::string::npos)
          << e.err().message;
    }
    auto st = s->stats();
    EXPECT_EQ(st.groups, groups + 1);   // one write for the three
    EXPECT_EQ(st.write_errors, 1u);
    EXPECT_EQ(st.failed_batches, 3u);
    for (int i = 0; i < 3; ++i)
      EXPECT_EQ(*s->get(counter_key("lost" + std::to_string(i))), nullptr);
    // Reads go on.
    EXPECT_EQ(counter_value(*s, "before"), 1u);
  }

  // After a reopen without the fault: what succeeded, nothing that failed.
  void reopen_and_check(const std::vector<std::string>& present) {
    auto closed = s->close();
    ASSERT_TRUE(closed.ok()) << closed.err().message;
    EXPECT_EQ(commit_wait(*s, {counter("x", 1)}).code(), errc::storage_failure);
    s.reset();
    s = open_store(dir.path(), GetParam().mode);
    ASSERT_NE(s, nullptr);
    for (const auto& name : present)
      EXPECT_EQ(counter_value(*s, name), 1u) << name;
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(*s->get(counter_key("lost" + std::to_string(i))), nullptr);
    ASSERT_TRUE(commit_wait(*s, {counter("reopened", 1)}).ok());
    EXPECT_EQ(counter_value(*s, "reopened"), 1u);
  }

  temp_dir dir;
  writer_latch latch;   // before s: the store's hook refers to it
  std::shared_ptr<failing_wal_fs> fs;
  std::unique_ptr<rocksdb::Env> env;
  std::shared_ptr<rocksdb_store> s;
};

TEST_P(FailingWrites, FailTheWholeGroupThenBehave) {
  fail_a_group();
  if (HasFatalFailure())
    return;
  // Fail-stop: until resume(), every later commit fails unwritten.
  auto halted = commit_wait(*s, {counter("halted", 1)});
  ASSERT_EQ(halted.code(), errc::storage_failure);
  EXPECT_NE(halted.err().message.find("until resumed"), std::string::npos) << halted.err().message;
  // After resume() the store reopens the database before its next write
  // (a WAL write failed; retryable or not, RocksDB 7.8 must not write to
  // that WAL again): while the fault lasts, that write fails too...
  s->resume();
  auto still = commit_wait(*s, {counter("lost3", 1)});
  ASSERT_EQ(still.code(), errc::storage_failure);
  EXPECT_NE(still.err().message.find("injected WAL write failure"), std::string::npos) << still.err().message;
  EXPECT_FALSE(s->stats().stopped);
  // ...and once it has passed, the first write after resume() succeeds.
  fs->failing = false;
  s->resume();
  auto later = commit_wait(*s, {counter("after", 1)});
  ASSERT_TRUE(later.ok()) << later.err().message;
  ASSERT_TRUE(commit_wait(*s, {counter("after2", 1)}).ok());
  EXPECT_FALSE(s->stats().stopped);
  EXPECT_EQ(counter_value(*s, "before"), 1u);
  EXPECT_EQ(counter_value(*s, "after"), 1u);
  EXPECT_EQ(counter_value(*s, "halted"), ~uint64_t{0}) << "a batch refused while halted was written";
  reopen_and_check({"before", "after", "after2"});
}

// Reads made while the store reopens the database wait for it and see
// every acknowledged record.
TEST_P(FailingWrites, ReadsDuringTheReopenSeeEverythingAcknowledged) {
  fail_a_group();
  if (HasFatalFailure())
    return;
  fs->failing = false;
  s->resume();
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, wrong{0};
  std::thread reader([&] {
    for (int i = 0; i < 200'000 && !done.load(); ++i) {
      auto v = s->get_as<uint64_t>(counter_key("before"));
      if (!v || *v != 1u)
        wrong.fetch_add(1);
      reads.fetch_add(1);
    }
  });
  auto st = commit_wait(*s, {counter("after", 1)});
  done.store(true);
  reader.join();
  ASSERT_TRUE(st.ok()) << st.err().message;
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(counter_value(*s, "after"), 1u);
  reopen_and_check({"before", "after"});
}

// `sync` writes a group with RocksDB's sync off and syncs the WAL before
// acknowledging it. A failed sync fails the group like a failed write:
// halted until resumed, then the database is reopened. The records of the
// failed group reached the WAL file (only its sync failed), so whether
// they survive is up to the file system, as with any failed fsync; what
// the store answers before and after the reopen agree.
TEST(RocksdbStore, AFailedWalSyncFailsItsGroupsUntilResumed) {
  temp_dir dir;
  auto fs = std::make_shared<failing_wal_fs>(rocksdb::FileSystem::Default(), false);
  auto env = rocksdb::NewCompositeEnv(fs);
  store_options o;
  o.env = env.get();
  writer_latch latch;
  latch.install(o);
  auto s = open_store(dir.path(), durability::sync, o);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(commit_wait(*s, {counter("before", 1)}).ok());

  latch.hold(*s);
  fs->failing_sync = true;
  auto ends = commit_three_then_release(*s, latch);
  ASSERT_EQ(ends.size(), 3u);
  for (const auto& e : ends) {
    ASSERT_EQ(e.code(), errc::storage_failure);
    EXPECT_NE(e.err().message.find("RocksDB WAL sync failed: IO error: injected WAL sync failure"), std::string::npos)
        << e.err().message;
  }
  EXPECT_GE(s->stats().failed_batches, 3u);

  // Halted: later commits fail unwritten until resume().
  auto halted = commit_wait(*s, {counter("halted", 1)});
  ASSERT_EQ(halted.code(), errc::storage_failure);
  EXPECT_NE(halted.err().message.find("until resumed"), std::string::npos) << halted.err().message;
  EXPECT_EQ(counter_value(*s, "before"), 1u);
  auto lost_before = counter_value(*s, "lost0");

  // Resumed with the fault gone: the database is reopened and writes go on.
  fs->failing_sync = false;
  s->resume();
  auto later = commit_wait(*s, {counter("after", 1)});
  ASSERT_TRUE(later.ok()) << later.err().message;
  EXPECT_FALSE(s->stats().stopped);
  EXPECT_EQ(counter_value(*s, "after"), 1u);
  EXPECT_EQ(counter_value(*s, "halted"), ~uint64_t{0}) << "a batch refused while halted was written";
  EXPECT_EQ(counter_value(*s, "lost0"), lost_before) << "the reopened database disagrees with what was read";

  auto closed = s->close();
  ASSERT_TRUE(closed.ok()) << closed.err().message;
  s.reset();
  s = open_store(dir.path(), durability::sync);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(counter_value(*s, "before"), 1u);
  EXPECT_EQ(counter_value(*s, "after"), 1u);
  EXPECT_EQ(counter_value(*s, "lost0"), lost_before);
}

std::string failure_name(const ::testing::TestParamInfo<failure_case>& p) {
  return std::string{durability_name(p.param.mode)} + (p.param.retryable ? "_retryable" : "_fatal");
}

INSTANTIATE_TEST_SUITE_P(Modes, FailingWrites,
                         ::testing::Values(failure_case{durability::sync, false}, failure_case{durability::wal, false},
                                           failure_case{durability::sync, true}, failure_case{durability::wal, true}),
                         failure_name);

} // namespace
} // namespace hitd::storage
