#pragma once
// rocksdb_store: the storage port on a RocksDB database, with group commit.
//
// commit() encodes its batch on the calling thread (so the cost of encoding
// is spread over the engine's scheduler threads) and queues it. One writer
// thread takes everything queued (up to max_batch_records records, always at
// least one whole batch), merges it into one RocksDB write batch, writes it
// once, and hands the group to a second thread, the completer, which calls
// the `done` of every batch in it, in commit() order, with success or with
// errc::storage_failure carrying RocksDB's status; meanwhile the writer
// writes the next group. A synced write never happens on a caller's
// thread. Batches are applied in commit() order, each atomically.
//
// Backpressure: when the encoded bytes queued and not yet written exceed
// max_pending_bytes, commit() blocks its caller until the writer has caught
// up below the limit (a batch is always admitted into an empty queue, however
// large). commit() called from a completion (on the completer thread)
// never blocks. Callers that must never block should keep their own in-flight
// bound below the limit.
//
// A failed write fails every batch of its group (none of it is applied),
// and every later one until resume(). The first write after resume() then
// reopens the database when the failure was a WAL write (durability sync
// or wal; RocksDB 7.8 cannot safely write to that WAL again, see reopen()
// in the source), or calls RocksDB's Resume() (durability none): commits
// succeed again once the fault has passed. Reads wait while the database
// is reopened. Only when it cannot be reopened, or RocksDB reports a fatal
// error, does every later commit fail at once (stats().stopped) until the
// store is opened again.
//
// Reads (get, scan) run on the calling thread against the database and see
// every batch whose completion has run. A record that does not decode fails
// the read with errc::storage_failure naming its key in hex.
//
// close() (also run by the destructor) stops accepting commits, writes what
// is queued, calls its completions, stops the writer and closes the
// database; in durability "none" it first flushes the memtables so that a
// clean close loses nothing. Called from a completion (on the completer
// thread, also when the last reference to the store is dropped there) it
// returns at once and the completer closes the database once the rest of
// the queue is written and completed.
// Never call close() from a scan visitor: it waits for reads in flight.
// commit() after close() fails with errc::storage_failure (its done is
// called on the calling thread); get() and scan() fail the same way.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hitd/result.hpp"
#include "hitd/storage_port.hpp"

namespace rocksdb {
class Env;          // only for tests that inject faults (store_options::env); no RocksDB header here
class WriteBatch;   // only for benchmarks (store_options::before_write)
}

namespace hitd::storage {

// How far a write has gone when its completion runs.
enum class durability : uint8_t {
  sync,   // the WAL is fsynced: survives a crash of the process or of the machine
  wal,    // the WAL is written (to the OS): survives a crash of the process, not of the machine
  none,   // no WAL: only a clean close() (which flushes) or a memtable flush persists anything
};

// "sync", "wal" or "none"; errc::invalid_parameter_value otherwise.
result<durability> parse_durability(std::string_view text);
const char* durability_name(durability d);

struct store_options {
  std::string path;                              // the database directory
  durability mode = durability::wal;
  size_t max_batch_records = 8192;               // records per write group (a larger single batch is written alone)
  size_t max_pending_bytes = size_t{64} << 20;   // queued encoded bytes before commit() blocks
  size_t block_cache_bytes = size_t{64} << 20;   // RocksDB's LRU block cache for reads
  bool create_if_missing = true;
  // Tests only: the RocksDB Env to open the database with (e.g. one over a
  // FileSystemWrapper that fails writes). Not owned; must outlive the store.
  // Null: the default Env.
  rocksdb::Env* env = nullptr;
  // Tests only: runs on the writer thread after each group is written,
  // before its completions go to the completer thread, so a test can hold
  // the writer while it queues commits. Null: nothing.
  std::function<void()> after_group;
  // Benchmarks only: runs on the writer thread with each group's write
  // batch just before it is written (superseded records already dropped),
  // so a benchmark can have RocksDB alone write exactly what the store
  // wrote. Null: nothing.
  std::function<void(const rocksdb::WriteBatch&)> before_write;
};

// The store's counters, read at any time (each is exact; together they are
// not one snapshot).
struct store_stats {
  uint64_t batches = 0;         // batches committed (written with success)
  uint64_t groups = 0;          // write groups: RocksDB writes issued
  uint64_t records = 0;         // records written (puts and deletes)
  uint64_t superseded = 0;      // records not written: a later write of the same key in the same group
  uint64_t bytes = 0;           // bytes written: keys + encoded values
  uint64_t write_errors = 0;    // write groups that failed (also those refused once stopped)
  uint64_t failed_batches = 0;  // batches completed with an error (failed group, bad record, closed)
  uint64_t backpressure_waits = 0;   // commit() calls that blocked on max_pending_bytes
  bool stopped = false;         // RocksDB could not recover: every commit fails until reopened
};

class rocksdb_store final : public storage_port {
public:
  static result<std::shared_ptr<rocksdb_store>> open(store_options opts);
  ~rocksdb_store() override;

  rocksdb_store(const rocksdb_store&) = delete;
  rocksdb_store& operator=(const rocksdb_store&) = delete;

  void commit(write_batch batch, std::function<void(status)> done) override;
  // Fail-stop (see storage_port): a marker in the queue; batches committed
  // before it still fail, those after it are written again.
  void resume() override;
  result<record_value> get(const std::string& key) const override;
  status scan(const std::string& prefix, const scan_visitor& visit, const std::string& from = {}) const override;

  // Drains the queue, stops the writer, closes the database. Idempotent:
  // later calls return success. An error is RocksDB's, from the final flush
  // or close; the store is closed either way.
  status close();

  store_stats stats() const;
  const store_options& options() const;

  template <class T>
  std::shared_ptr<const T> get_as(const std::string& key) const {
    auto v = get(key);
    return v.ok() ? std::static_pointer_cast<const T>(*v) : nullptr;
  }

private:
  struct impl;
  explicit rocksdb_store(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;   // shared with the writer and completer threads
};

} // namespace hitd::storage
