#include "hitd/storage/rocksdb_store.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "hitd/storage/codec.hpp"
#include "hitd/storage/rocksdb_options.hpp"

namespace hitd::storage {

result<durability> parse_durability(std::string_view text) {
  if (text == "sync")
    return durability::sync;
  if (text == "wal")
    return durability::wal;
  if (text == "none")
    return durability::none;
  return error{errc::invalid_parameter_value,
               "durability must be sync, wal or none, not \"" + std::string{text} + "\""};
}

const char* durability_name(durability d) {
  switch (d) {
    case durability::sync: return "sync";
    case durability::wal: return "wal";
    case durability::none: return "none";
  }
  return "unknown";
}

namespace {

// A record of a pending batch: its key and encoded value are ranges of the
// batch's buffer (one allocation for the batch, not two a record: the
// writer thread frees what the committing threads allocated, and with
// tcmalloc that cross-thread freeing showed in its profile).
struct encoded_record {
  uint32_t key_at = 0, key_size = 0;
  uint32_t value_at = 0, value_size = 0;   // value_size 0 for a delete
  bool erase = false;
};

// One commit() waiting for the writer.
struct pending_batch {
  std::string buffer;                // every key and value, back to back
  std::vector<encoded_record> records;
  size_t bytes = 0;                  // keys + values (buffer.size())
  std::function<void(status)> done;
  std::string refused;               // non-empty: fail with this, write nothing
  bool resume = false;               // a resume() marker, not a batch
};

// A written (or failed) group's completions, waiting for the completer.
struct completed_group {
  std::vector<std::function<void(status)>> done;   // in commit() order
  std::vector<std::string> errors;                 // per batch: empty = success, else the failure
  bool written = false;                            // records reached the WAL: `sync` syncs it before completing
};

// The smallest key above every key that starts with prefix, or nullopt when
// there is none (an empty prefix, or one of only 0xff bytes).
std::optional<std::string> prefix_successor(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xff)
    prefix.pop_back();
  if (prefix.empty())
    return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

// The memtable's insert hint (memtable_insert_with_hint_prefix_extractor):
// one hint per record kind, the key's first byte. A write group is sorted by
// key, so its records of one kind go into the memtable in order, each close
// to the one before. Without a hint the skip list starts a kind's run from
// the last insert of the kind before it, far away; with it, from where that
// kind's last insert was, usually near (recent HITs, the same workers)
// (measured in docs/benchmarks.md, "A memtable insert hint per record kind").
// At most 256 hints, about 250 bytes each, per memtable.
class kind_byte_hint final : public rocksdb::SliceTransform {
public:
  const char* Name() const override { return "hitd.KindByteHint"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return {key.data(), 1}; }
  bool InDomain(const rocksdb::Slice& key) const override { return !key.empty(); }
};

} // namespace

rocksdb::Options rocksdb_options(const store_options& o) {
  rocksdb::Options opt;
  opt.create_if_missing = o.create_if_missing;
  if (o.env)
    opt.env = o.env;
  // Writes: a 64 MiB memtable absorbs the small overwrites of hot records
  // (HITs, workers) before they reach an SST file, and three of them let
  // writes go on while one flushes. Two background jobs: hitd's machines
  // are small and the scheduler threads need the cores.
  opt.write_buffer_size = size_t{64} << 20;
  opt.max_write_buffer_number = 3;
  opt.max_background_jobs = 2;
  // Dynamic level sizes keep space amplification near 1.1 whatever the
  // database size; bytes_per_sync spreads SST writeback instead of one
  // large fsync at the end of each flush or compaction.
  opt.level_compaction_dynamic_level_bytes = true;
  opt.bytes_per_sync = uint64_t{1} << 20;
  opt.keep_log_file_num = 10;
  // No automatic recovery from background errors: a failed write fails its
  // group, and the store recovers when it is resumed (reopen()). RocksDB
  // 7.8's recovery thread raced the store's own recovery, and could leave
  // Close() waiting for a recovery that never ends (both seen here).
  opt.max_bgerror_resume_count = 0;
  // LZ4 when the library has it: cheap enough for the write path and
  // records are mostly short repetitive strings (ids, tokens). Else none
  // (Snappy and zstd cost more CPU for what would be a small gain here).
  auto supported = rocksdb::GetSupportedCompressions();
  bool lz4 = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
  opt.compression = lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(o.block_cache_bytes);
  // Whole-key bloom filters (10 bits a key, about 1% false positives):
  // activation reads point-get records that often do not exist (a
  // requester's first HIT, a worker's first block), and a filter answers
  // those without reading a block.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  opt.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // One thread (the store's writer) writes, so RocksDB's concurrent
  // memtable inserts would never run; off, the insert hint above is used
  // (RocksDB ignores it for concurrent inserts).
  opt.allow_concurrent_memtable_write = false;
  opt.memtable_insert_with_hint_prefix_extractor = std::make_shared<kind_byte_hint>();
  // No prefix extractor: keys have variable-length text parts and scans use
  // prefixes of different lengths (one kind byte; a HIT number; a requester
  // id), so a fixed prefix would either filter nothing or be wrong for the
  // shorter scans. Scans instead bound their iterator with
  // iterate_upper_bound (the prefix's successor), so they stop at the end
  // of the prefix without walking into the next kind's keys or tombstones.
  return opt;
}


struct rocksdb_store::impl {
  store_options opts;
  rocksdb::WriteOptions write_options;
  std::unique_ptr<rocksdb::DB> db;

  // The queue, guarded by mutex.
  std::mutex mutex;
  std::condition_variable work_cv;    // the writer waits for batches
  std::condition_variable space_cv;   // committers wait for room
  std::deque<pending_batch> queue;
  size_t pending_bytes = 0;
  bool closing = false;               // no more commits; the writer drains and stops
  std::thread writer;

  // Completions run on their own thread (the completer), in commit() order,
  // so the writer goes on with the next group while they run: profiled at
  // 512 clients, the writer was the bottleneck and a third of its time went
  // to completions (replies, notes, the callers' next commands). Guarded by
  // done_mutex; at most max_completed_groups wait, then the writer waits.
  static constexpr size_t max_completed_groups = 64;
  std::mutex done_mutex;
  std::condition_variable done_cv;         // the completer waits for groups
  std::condition_variable done_space_cv;   // the writer waits for room
  std::condition_variable idle_cv;         // reopen() waits for the completer to be idle
  std::deque<completed_group> completed;
  bool writer_finished = false;            // the writer has handed over its last group
  bool completing = false;                 // the completer is running groups it took
  // `sync`: the completer syncs the WAL for the groups it took before it
  // runs their completions (the writer goes on with the next group
  // meanwhile). A failed sync fails those groups and every later written
  // one until the writer has reopened the database (sync_error, cleared
  // there while the completer is idle); sync_failed tells the writer.
  std::string sync_error;                  // completer only, or the writer while the completer is idle
  std::atomic<bool> sync_failed{false};
  std::thread completer;
  std::thread::id completer_id;

  // Reads against close: a reader counts itself in, then checks the flag;
  // close sets the flag, then waits for the count to drain (both seq_cst).
  // Reopening after a failed WAL write (reopen()) does the same with
  // db_swapping, but readers wait for it instead of failing.
  std::atomic<bool> db_closing{false};
  std::atomic<bool> db_swapping{false};
  std::atomic<int64_t> readers{0};
  std::mutex close_mutex;
  bool closed = false;

  // Writer thread only (and close(), after the writer stopped).
  bool resume_before_write = false;   // the last write failed
  // Fail-stop: after a failed batch every later one fails unwritten, until
  // a resume() marker comes through the queue (in order).
  std::string halted;
  std::string fatal;                  // non-empty: the database takes no more writes
  std::atomic<bool> stopped{false};   // !fatal.empty(), for stats()

  std::atomic<uint64_t> batches{0}, groups{0}, records{0}, bytes{0}, write_errors{0}, failed_batches{0},
      backpressure_waits{0}, superseded{0};

  bool close_on_exit = false;         // close() was called on the completer: it closes the database at its end

  void run();
  void run_completions();
  void write_group(std::vector<pending_batch>& group);
  void hand_over(completed_group g);
  void sync_wal(std::vector<completed_group>& taken);
  void absorb_sync_failure();
  std::string reopen();
  status shut();
  status close_db();
};

void rocksdb_store::impl::run() {
  pthread_setname_np(pthread_self(), "hitd-storage");
  // RocksDB counts into a thread-local perf context on every operation by
  // default; nothing reads those counts here, and on this thread they cost
  // a few percent of a write.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  std::vector<pending_batch> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock{mutex};
      work_cv.wait(lock, [&] { return !queue.empty() || closing; });
      if (queue.empty()) {
        // Closing, and everything queued is written: the completer ends
        // once it has run what was handed over.
        lock.unlock();
        {
          std::lock_guard<std::mutex> g{done_mutex};
          writer_finished = true;
        }
        done_cv.notify_one();
        return;
      }
      // Everything queued, up to max_batch_records records; at least one batch.
      size_t n = 0;
      while (!queue.empty()) {
        auto& next = queue.front();
        if (next.resume) {
          if (!group.empty())
            break;   // the batches before it first
          // A sync that failed before this marker was sent is what it
          // resumes from: the next write reopens the database.
          absorb_sync_failure();
          halted.clear();
          queue.pop_front();
          continue;
        }
        if (!group.empty() && n + next.records.size() > opts.max_batch_records)
          break;
        n += next.records.size();
        group.push_back(std::move(next));
        queue.pop_front();
      }
    }
    if (!group.empty())
      write_group(group);
    group.clear();
  }
}

// A WAL sync failed on the completer: like a failed write, the store
// halts until resumed and then reopens the database.
void rocksdb_store::impl::absorb_sync_failure() {
  if (!sync_failed.exchange(false))
    return;
  resume_before_write = true;
  write_errors.fetch_add(1, std::memory_order_relaxed);
  if (halted.empty())
    halted = "an earlier WAL sync failed; the store takes no writes until resumed";
}

void rocksdb_store::impl::write_group(std::vector<pending_batch>& group) {
  absorb_sync_failure();
  // A refused batch halts the store like a failed write, and fail-stop holds
  // inside its group too: the batches after it are not written (a receiver's
  // batch must never be durable without its sender's, committed before it).
  for (size_t i = 0; i < group.size(); ++i)
    if (!group[i].refused.empty()) {
      for (size_t j = i + 1; j < group.size(); ++j)
        if (group[j].refused.empty())
          group[j].refused = "an earlier batch was refused (" + group[i].refused +
                             "); the store takes no writes until resumed";
      break;
    }
  size_t group_bytes = 0, group_records = 0, write_bytes = 0;
  for (const auto& p : group) {
    group_bytes += p.bytes;
    if (p.refused.empty()) {
      group_records += p.records.size();
      write_bytes += p.bytes;
    }
  }
  std::string failure;
  if (group_records > 0) {
    // Room for the records and RocksDB's per-record tag and lengths.
    rocksdb::WriteBatch wb{write_bytes + 12 * group_records + 16};
    // In key order: the memtable's skip list then inserts each record next
    // to the previous one instead of searching from the top (measured: the
    // search was the writer thread's largest cost with large groups). The
    // sort is stable, so two writes of one key keep their commit order.
    struct view {
      std::string_view key, value;
      bool erase;
    };
    std::vector<view> order;
    order.reserve(group_records);
    for (const auto& p : group)
      if (p.refused.empty())
        for (const auto& r : p.records)
          order.push_back({std::string_view{p.buffer}.substr(r.key_at, r.key_size),
                           std::string_view{p.buffer}.substr(r.value_at, r.value_size), r.erase});
    std::stable_sort(order.begin(), order.end(), [](const view& a, const view& b) { return a.key < b.key; });
    // The group is written atomically, so of several writes of one key only
    // the last needs to reach the memtable (a record written by several
    // transitions in one group: a worker's, a HIT's, an outbox entry put
    // and deleted).
    size_t dropped = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      const auto& r = order[i];
      if (i + 1 < order.size() && order[i + 1].key == r.key) {
        write_bytes -= r.key.size() + r.value.size();
        ++dropped;
        continue;
      }
      rocksdb::Slice key{r.key.data(), r.key.size()};
      auto st = r.erase ? wb.Delete(key) : wb.Put(key, rocksdb::Slice{r.value.data(), r.value.size()});
      if (!st.ok() && failure.empty())
        failure = "cannot build the write batch: " + st.ToString();
    }
    if (failure.empty() && !fatal.empty())
      failure = fatal;
    if (failure.empty() && !halted.empty())
      failure = halted;
    if (failure.empty() && resume_before_write) {
      if (opts.mode == durability::none) {
        // No WAL: RocksDB takes no writes until it has recovered from its
        // background error. A retryable I/O error recovers (on its own, or
        // through Resume()); any other is fatal to this open database, and
        // then the store fails every later commit at once, without touching
        // the database again, until it is reopened.
        auto rs = db->Resume();
        if (!rs.ok() && rs.severity() >= rocksdb::Status::Severity::kFatalError) {
          fatal = "RocksDB stopped taking writes after an unrecoverable error (" + rs.ToString() +
                  "); close and reopen the store";
          stopped.store(true);
          failure = fatal;
        }
        // Otherwise (recovered, or still recovering) write: if RocksDB is
        // not ready the write fails and says why.
      } else if (auto why = reopen(); !why.empty()) {
        // A failed WAL write: the database is closed and opened again
        // rather than Resume()d (see reopen()).
        fatal = why;
        stopped.store(true);
        failure = fatal;
      }
    }
    if (failure.empty()) {
      if (opts.before_write)
        opts.before_write(wb);
      auto st = db->Write(write_options, &wb);
      groups.fetch_add(1, std::memory_order_relaxed);
      if (st.ok()) {
        resume_before_write = false;
        records.fetch_add(group_records - dropped, std::memory_order_relaxed);
        superseded.fetch_add(dropped, std::memory_order_relaxed);
        bytes.fetch_add(write_bytes, std::memory_order_relaxed);
      } else {
        resume_before_write = true;
        write_errors.fetch_add(1, std::memory_order_relaxed);
        failure = "RocksDB write failed: " + st.ToString();
      }
    } else {
      write_errors.fetch_add(1, std::memory_order_relaxed);
    }
  }
  bool any_refused = false;
  for (const auto& p : group)
    any_refused = any_refused || !p.refused.empty();
  if (halted.empty() && (!failure.empty() || any_refused))
    halted = "an earlier write failed (" + (failure.empty() ? std::string{"a batch was refused"} : failure) +
             "); the store takes no writes until resumed";
  {
    std::lock_guard<std::mutex> lock{mutex};
    pending_bytes -= group_bytes;
  }
  space_cv.notify_all();
  // Completions in commit() order, on the completer thread. The records
  // are freed here; only the callbacks travel.
  completed_group out;
  out.written = group_records > 0 && failure.empty();
  out.done.reserve(group.size());
  out.errors.reserve(group.size());
  for (auto& p : group) {
    if (!p.refused.empty())
      out.errors.push_back(std::move(p.refused));
    else if (!failure.empty())
      out.errors.push_back(failure);
    else
      out.errors.emplace_back();
    out.done.push_back(std::move(p.done));
  }
  if (opts.after_group)
    opts.after_group();
  hand_over(std::move(out));
}

void rocksdb_store::impl::hand_over(completed_group g) {
  {
    std::unique_lock<std::mutex> lock{done_mutex};
    // The completer never waits for the writer (its commits skip
    // backpressure), so waiting for it here cannot deadlock.
    done_space_cv.wait(lock, [&] { return completed.size() < max_completed_groups; });
    completed.push_back(std::move(g));
  }
  done_cv.notify_one();
}

void rocksdb_store::impl::run_completions() {
  pthread_setname_np(pthread_self(), "hitd-complete");
  std::vector<completed_group> taken;
  for (;;) {
    taken.clear();
    {
      std::unique_lock<std::mutex> lock{done_mutex};
      completing = false;
      idle_cv.notify_all();
      done_cv.wait(lock, [&] { return !completed.empty() || writer_finished; });
      if (completed.empty())
        return;   // the writer has stopped and everything is completed
      // Every group handed over, in order.
      while (!completed.empty()) {
        taken.push_back(std::move(completed.front()));
        completed.pop_front();
      }
      completing = true;
    }
    done_space_cv.notify_one();
    if (opts.mode == durability::sync)
      sync_wal(taken);
    for (auto& g : taken)
      for (size_t i = 0; i < g.done.size(); ++i) {
        if (g.errors[i].empty()) {
          batches.fetch_add(1, std::memory_order_relaxed);
          g.done[i](hitd::done{});
        } else {
          failed_batches.fetch_add(1, std::memory_order_relaxed);
          g.done[i](error{errc::storage_failure, std::move(g.errors[i])});
        }
      }
  }
}

// `sync`: one WAL sync for every group taken (the writer wrote them with
// sync off and is writing the next one meanwhile), before any of their
// completions runs. SyncWAL() does not block writes on other threads.
void rocksdb_store::impl::sync_wal(std::vector<completed_group>& taken) {
  bool any = false;
  for (const auto& g : taken)
    any = any || g.written;
  if (!any)
    return;
  if (sync_error.empty()) {
    if (auto st = db->SyncWAL(); !st.ok()) {
      sync_error = "RocksDB WAL sync failed: " + st.ToString();
      sync_failed.store(true);
    }
  }
  if (sync_error.empty())
    return;
  for (auto& g : taken)
    if (g.written)
      for (auto& e : g.errors)
        if (e.empty())
          e = sync_error;
}

status rocksdb_store::impl::shut() {
  {
    std::lock_guard<std::mutex> lock{mutex};
    closing = true;
  }
  work_cv.notify_all();
  space_cv.notify_all();
  if (std::this_thread::get_id() == completer_id) {
    // From a completion (for instance the last reference to the store
    // dropped there): the completer cannot wait for itself. The writer
    // finishes the queue, the completer its completions, and then it
    // closes the database; the threads hold the state alive until then.
    close_on_exit = true;
    writer.detach();
    completer.detach();
    return done{};
  }
  if (writer.joinable())
    writer.join();      // returns once the queue is written
  if (completer.joinable())
    completer.join();   // and completed
  return close_db();
}

// After a failed WAL write the store closes the database and opens it
// again, instead of RocksDB's Resume() or its automatic recovery. RocksDB
// 7.8 recovers a WAL error in place, and that path can write to the WAL
// file writer that failed: its debug assertion aborts the process (seen
// here: `sync_without_flush_called_` in WritableFileWriter, when the
// store's Resume() raced RocksDB's own recovery thread), and upstream later
// found it could duplicate or lose WAL entries (RocksDB #12448, #12873,
// #12995, which made WAL write errors fatal to the open database). There
// is no recovery thread to race (max_bgerror_resume_count = 0); Open()
// replays the WAL up to its last whole record (a torn tail is dropped:
// point-in-time recovery) and starts a new one, so whatever was
// acknowledged is there and the failed group is not. Reads wait while the database is swapped. Returns why it could not
// be reopened (then the store is stopped and reads fail), or "".
std::string rocksdb_store::impl::reopen() {
  {
    // The completer may still be running the completions of groups written
    // to this database: they run first, as they would have when the writer
    // ran them itself (the completer never waits for the writer).
    std::unique_lock<std::mutex> lock{done_mutex};
    idle_cv.wait(lock, [&] { return completed.empty() && !completing; });
    sync_error.clear();   // the groups written to the old database are completed
  }
  db_swapping.store(true);
  while (readers.load() > 0)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  // Close() reports the background error that made the write fail; the
  // database is closed all the same.
  (void)db->Close();
  db.reset();
  rocksdb::DB* fresh = nullptr;
  auto st = rocksdb::DB::Open(rocksdb_options(opts), opts.path, &fresh);
  if (st.ok())
    db.reset(fresh);
  db_swapping.store(false);
  if (!st.ok())
    return "RocksDB stopped taking writes: cannot reopen it after a failed WAL write (" + st.ToString() +
           "); fix the cause and restart";
  return {};
}

status rocksdb_store::impl::close_db() {
  db_closing.store(true);
  // Reads are short (a point get, or a scan whose visitor returns); wait for
  // those in flight.
  while (readers.load() > 0)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  std::string why;
  if (!db) {
    // Reopening after a failed write failed: nothing is open.
    return error{errc::storage_failure, "RocksDB at " + opts.path + ": " + fatal};
  }
  if (!fatal.empty() || resume_before_write) {
    // The database is in an error state: closing is all it can do (what
    // was written before the error is in the WAL and SST files; syncing a
    // WAL whose write failed is what RocksDB 7.8 must not do, see reopen()).
  } else if (opts.mode == durability::none) {
    // Nothing is in a WAL: flush the memtables so a clean close keeps them.
    rocksdb::FlushOptions fo;
    fo.wait = true;
    if (auto st = db->Flush(fo); !st.ok())
      why = "flush at close failed: " + st.ToString();
  } else if (opts.mode == durability::wal) {
    // The WAL is written but not synced: sync it, so a clean close also
    // survives a crash of the machine.
    if (auto st = db->FlushWAL(true); !st.ok())
      why = "WAL sync at close failed: " + st.ToString();
  }
  if (auto st = db->Close(); !st.ok() && why.empty())
    why = "close failed: " + st.ToString();
  db.reset();
  if (!why.empty())
    return error{errc::storage_failure, "RocksDB at " + opts.path + ": " + why};
  return done{};
}

namespace {

// Counts a read in for as long as it runs; fails when the store is closed.
// While the writer swaps the database (reopen()) it waits, up to a minute.
class read_guard {
public:
  read_guard(std::atomic<int64_t>& readers, const std::atomic<bool>& closing, const std::atomic<bool>& swapping)
      : readers_(readers) {
    auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    readers_.fetch_add(1);
    // Counted in and the swap flag seen clear: the writer waits for this
    // read before it swaps (both seq_cst).
    while (swapping.load()) {
      if (std::chrono::steady_clock::now() >= until)
        return;   // ok_ stays false
      readers_.fetch_sub(1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      readers_.fetch_add(1);
    }
    ok_ = !closing.load();
  }
  ~read_guard() { readers_.fetch_sub(1); }
  read_guard(const read_guard&) = delete;
  read_guard& operator=(const read_guard&) = delete;
  bool ok() const { return ok_; }

private:
  std::atomic<int64_t>& readers_;
  bool ok_ = false;
};

error closed_error() { return error{errc::storage_failure, "the store is closed"}; }

} // namespace

result<std::shared_ptr<rocksdb_store>> rocksdb_store::open(store_options opts) {
  if (opts.path.empty())
    return error{errc::invalid_parameter_value, "the store needs a path"};
  if (opts.max_batch_records == 0)
    return error{errc::invalid_parameter_value, "max_batch_records must be at least 1"};
  auto p = std::make_unique<impl>();
  // `sync` writes with sync off and the completer syncs the WAL before
  // acknowledging (sync_wal()): the next group is written meanwhile.
  p->write_options.sync = false;
  p->write_options.disableWAL = opts.mode == durability::none;
  rocksdb::DB* db = nullptr;
  auto st = rocksdb::DB::Open(rocksdb_options(opts), opts.path, &db);
  if (!st.ok())
    return error{errc::storage_failure, "cannot open RocksDB at " + opts.path + ": " + st.ToString()};
  p->db.reset(db);
  p->opts = std::move(opts);
  std::shared_ptr<impl> shared{std::move(p)};
  {
    // completer_id is set before any commit() can look at it (under the
    // queue's lock).
    std::lock_guard<std::mutex> lock{shared->mutex};
    shared->writer = std::thread([self = shared] { self->run(); });
    shared->completer = std::thread([self = shared] {
      self->run_completions();
      if (self->close_on_exit)
        (void)self->close_db();
    });
    shared->completer_id = shared->completer.get_id();
  }
  return std::shared_ptr<rocksdb_store>(new rocksdb_store(std::move(shared)));
}

rocksdb_store::rocksdb_store(std::shared_ptr<impl> p) : impl_(std::move(p)) {}

rocksdb_store::~rocksdb_store() { (void)close(); }

status rocksdb_store::close() {
  std::lock_guard<std::mutex> guard{impl_->close_mutex};
  if (impl_->closed)
    return done{};
  impl_->closed = true;
  return impl_->shut();
}

void rocksdb_store::resume() {
  auto& s = *impl_;
  pending_batch marker;
  marker.resume = true;
  {
    std::lock_guard<std::mutex> lock{s.mutex};
    if (s.closing)
      return;
    s.queue.push_back(std::move(marker));
  }
  s.work_cv.notify_one();
}

void rocksdb_store::commit(write_batch batch, std::function<void(status)> done) {
  auto& s = *impl_;
  // Offsets into a batch's buffer are 32-bit; RocksDB's own limit on a
  // write batch is 4 GiB.
  constexpr size_t max_buffer = size_t{1} << 30;
  // Encode here, on the caller's thread.
  pending_batch p;
  p.done = std::move(done);
  p.records.reserve(batch.size());
  size_t guess = 0;
  for (const auto& r : batch)
    guess += r.key.size() + 64;
  p.buffer.reserve(guess);
  for (auto& r : batch) {
    if (!known_kind(r.kind) || r.key.empty() || kind_of_key(r.key) != r.kind) {
      // The kind decides how the value is read back (from the key's first
      // byte), so a record whose kind and key disagree is never written.
      p.refused = std::string{"record of kind "} + record_kind_name(r.kind) + " does not match its key " +
                  key_hex(r.key) + "; the batch was not written";
      break;
    }
    if (p.buffer.size() + r.key.size() > max_buffer) {
      p.refused = "a batch of more than 1 GiB encoded was not written";
      break;
    }
    encoded_record e;
    e.key_at = static_cast<uint32_t>(p.buffer.size());
    e.key_size = static_cast<uint32_t>(r.key.size());
    p.buffer.append(r.key);
    e.value_at = static_cast<uint32_t>(p.buffer.size());
    if (r.value)
      encode_into(r.kind, r.value.get(), p.buffer);
    else
      e.erase = true;
    if (p.buffer.size() > max_buffer) {
      p.refused = "a batch of more than 1 GiB encoded was not written";
      break;
    }
    e.value_size = static_cast<uint32_t>(p.buffer.size() - e.value_at);
    p.records.push_back(e);
  }
  p.bytes = p.buffer.size();
  if (!p.refused.empty()) {
    p.records.clear();
    p.buffer = {};
    p.bytes = 0;
  }
  std::unique_lock<std::mutex> lock{s.mutex};
  // Backpressure, except on the completer thread (a completion that
  // commits again): the writer may be waiting for the completer.
  if (!s.closing && s.pending_bytes > 0 && s.pending_bytes + p.bytes > s.opts.max_pending_bytes &&
      std::this_thread::get_id() != s.completer_id) {
    s.backpressure_waits.fetch_add(1, std::memory_order_relaxed);
    s.space_cv.wait(lock, [&] {
      return s.closing || s.pending_bytes == 0 || s.pending_bytes + p.bytes <= s.opts.max_pending_bytes;
    });
  }
  if (s.closing) {
    lock.unlock();
    s.failed_batches.fetch_add(1, std::memory_order_relaxed);
    p.done(closed_error());
    return;
  }
  s.pending_bytes += p.bytes;
  s.queue.push_back(std::move(p));
  lock.unlock();
  s.work_cv.notify_one();
}

result<record_value> rocksdb_store::get(const std::string& key) const {
  read_guard guard{impl_->readers, impl_->db_closing, impl_->db_swapping};
  if (!guard.ok())
    return closed_error();
  if (!impl_->db)
    return error{errc::storage_failure, "the store is stopped: it could not reopen RocksDB after a failed write"};
  rocksdb::PinnableSlice value;
  auto st = impl_->db->Get(rocksdb::ReadOptions{}, impl_->db->DefaultColumnFamily(), key, &value);
  if (st.IsNotFound())
    return record_value{};
  if (!st.ok())
    return error{errc::storage_failure, "cannot read key " + key_hex(key) + ": " + st.ToString()};
  return decode(kind_of_key(key), value.ToStringView(), key);
}

status rocksdb_store::scan(const std::string& prefix, const scan_visitor& visit, const std::string& from) const {
  read_guard guard{impl_->readers, impl_->db_closing, impl_->db_swapping};
  if (!guard.ok())
    return closed_error();
  if (!impl_->db)
    return error{errc::storage_failure, "the store is stopped: it could not reopen RocksDB after a failed write"};
  rocksdb::ReadOptions ro;
  auto upper = prefix_successor(prefix);
  rocksdb::Slice upper_slice;
  if (upper) {
    upper_slice = *upper;
    ro.iterate_upper_bound = &upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it{impl_->db->NewIterator(ro)};
  const std::string& start = std::max(prefix, from);
  for (it->Seek(start); it->Valid(); it->Next()) {
    auto k = it->key();
    if (!k.starts_with(prefix))
      break;
    std::string key = k.ToString();
    auto v = decode(kind_of_key(key), it->value().ToStringView(), key);
    if (!v.ok())
      return v.err();
    if (!visit(key, *v))
      return done{};
  }
  if (auto st = it->status(); !st.ok())
    return error{errc::storage_failure, "scan of prefix " + key_hex(prefix) + " failed: " + st.ToString()};
  return done{};
}

store_stats rocksdb_store::stats() const {
  const auto& s = *impl_;
  store_stats out;
  out.batches = s.batches.load(std::memory_order_relaxed);
  out.superseded = s.superseded.load(std::memory_order_relaxed);
  out.groups = s.groups.load(std::memory_order_relaxed);
  out.records = s.records.load(std::memory_order_relaxed);
  out.bytes = s.bytes.load(std::memory_order_relaxed);
  out.write_errors = s.write_errors.load(std::memory_order_relaxed);
  out.failed_batches = s.failed_batches.load(std::memory_order_relaxed);
  out.backpressure_waits = s.backpressure_waits.load(std::memory_order_relaxed);
  out.stopped = s.stopped.load();
  return out;
}

const store_options& rocksdb_store::options() const { return impl_->opts; }

} // namespace hitd::storage
