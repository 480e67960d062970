#pragma once
// The storage port: how actors hand their state to a store. Declared here so
// the core never depends on a database; storage/ implements it with RocksDB
// (issue 3) and memory_store below keeps records in a map.
//
// Acknowledge after persist: an actor applies a transition in memory, builds
// the records it changed, calls commit(), and replies to the client and
// publishes its events only from the completion. A store may complete on any
// thread; completions only deliver replies and events and never touch actor
// state. With no store (durability "none" and no need to read records back)
// actors skip building records altogether.
//
// Records are typed by kind and carry a shared, immutable value (the value
// type of each kind is listed below and in records.hpp); the key schema
// (fixed-width, by kind) is record_key() and docs/storage.md.
//
// Reads are synchronous and may run on any thread: an actor that is not in
// memory is activated from its records on its first message (a point read or
// a short prefix scan, microseconds from RocksDB's cache). A read sees every
// batch whose completion has run.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hitd/result.hpp"

namespace hitd {

enum class record_kind : uint8_t {
  counter = 1,          // id allocators: key = name
  hit = 2,              // hit_snapshot, key = hit number
  assignment = 3,       // assignment_record, key = hit number + ordinal
  bonus = 4,            // bonus_record, key = hit number + index
  worker = 5,           // worker_state, key = worker id
  requester = 6,        // requester_snapshot, key = requester id
  requester_hit = 7,    // (empty), key = requester id + hit number: the requester's HIT index
  hit_type = 8,         // hit_type, key = hit type number
  worker_block = 9,     // block_record, key = requester id + worker id
  qualification_type = 10,   // qualification_type_view, key = type number
  qualification_grant = 11,  // qualification_grant, key = type number + worker id
  ledger_account = 12,  // money, key = account kind + owner
  ledger_source = 13,   // uint64 seq, key = source
  hit_definition = 14,  // hit_definition, key = hit number (written at creation and retype)
  outbox = 15,          // outbox_entry, key = source + seq: an effect on another actor not yet applied
  deadline = 16,        // deadline_mark, key = due time + hit number: a HIT has a deadline then
  qualification_request = 17,  // qualification_request_view, key = type number + request number (pending ones)
  requester_hit_type = 18,     // hit_type, key = requester id + type number: a requester's own types
  request_token = 19,          // request_token_record, key = requester id + token: CreateHIT's UniqueRequestToken
  pending_hold = 20,           // deadline_mark, key = hit number: the HIT has a hold at the ledger not yet settled
  credential = 21,             // credential_record, key = credential type + lookup key: written by the gateway
  worker_grant = 22,           // qualification_grant, key = worker id + type number: a worker's grants (the requester writes it)
  deposit_token = 23,          // deposit_token_record, key = requester id + token: a deposit's idempotency token
  worker_finished = 24,        // uint64 assignment key, key = worker id + finish seq: a worker's finished assignments
  qualification_retry = 25,    // timestamp, key = type number + worker id: when the worker last asked for the type
};

// The first byte of a key, as a kind (the key schema puts it there).
inline record_kind kind_of_key(const std::string& key) {
  return key.empty() ? record_kind::counter : static_cast<record_kind>(static_cast<uint8_t>(key[0]));
}
const char* record_kind_name(record_kind k);   // "hit", "assignment", ... or "unknown"

struct record {
  record_kind kind = record_kind::counter;
  std::string key;
  std::shared_ptr<const void> value;   // the struct named by kind; null = delete
};

// A key: one byte of kind, then the parts, numbers big-endian fixed width so
// keys sort by number, strings with a 0x00 terminator.
class record_key {
public:
  explicit record_key(record_kind k) { key_.push_back(static_cast<char>(k)); }
  record_key& number(uint64_t n);
  record_key& number32(uint32_t n);
  record_key& text(const std::string& s);
  std::string str() && { return std::move(key_); }
  const std::string& str() const& { return key_; }

private:
  std::string key_;
};

// A key's parts read back in the order record_key wrote them. A part that
// is not there (the key too short, a text without its 0x00) makes the key
// malformed: later reads return 0 or "", and ok() says so.
class key_reader {
public:
  // Starts after the kind byte.
  explicit key_reader(std::string_view key) : key_(key), at_(1), ok_(!key.empty()) {}
  uint64_t number();
  uint32_t number32();
  std::string_view text();
  // Every part read was there and nothing is left over.
  bool ok() const { return ok_ && at_ == key_.size(); }
  // For a report: "malformed <kind> key <hex>".
  std::string malformed() const;

private:
  uint64_t fixed(size_t width);
  std::string_view key_;
  size_t at_;
  bool ok_;
};

// A key (or any bytes) in lowercase hex, two digits a byte.
std::string key_hex(std::string_view key);

using write_batch = std::vector<record>;

// A value read back: null when the key has no record.
using record_value = std::shared_ptr<const void>;
// Called for each record of a scan, in key order; return false to stop.
using scan_visitor = std::function<bool(const std::string& key, const record_value& value)>;

class storage_port {
public:
  virtual ~storage_port() = default;
  // Writes every record of the batch atomically, then calls done exactly once
  // (on any thread) with success or errc::storage_failure. Batches are
  // applied in the order commit() was called.
  //
  // Fail-stop: after a batch fails, every batch committed after it fails too,
  // unwritten, until resume() (so what is on disk is always a prefix of the
  // commits). The engine resumes once every actor that could hold state
  // from a failed batch is gone from memory.
  virtual void commit(write_batch batch, std::function<void(status)> done) = 0;
  // Accepts writes again after a failure (they may fail again if the cause
  // persists). Batches committed before resume() still fail.
  virtual void resume() = 0;
  // The record under key: its value, null when there is none, or
  // errc::storage_failure naming the key when it cannot be read or decoded
  // (a corrupt record or an unknown encoding version is never skipped).
  virtual result<record_value> get(const std::string& key) const = 0;
  // Every record whose key starts with prefix and is not below `from`, in
  // key order, until visit returns false. Fails like get() on the first
  // record it cannot decode.
  virtual status scan(const std::string& prefix, const scan_visitor& visit, const std::string& from = {}) const = 0;
};

// Visits every record under prefix with a reader of its key; f returns
// false when the key is malformed (key_reader::ok()), and the scan stops
// and fails naming the key, as it fails on a record it cannot decode. For
// loads that must be whole: an activation, an audit.
template <class F>
status scan_with_keys(const storage_port& store, const std::string& prefix, F&& f) {
  std::string malformed;
  auto s = store.scan(prefix, [&](const std::string& key, const record_value& v) {
    key_reader k{key};
    if (f(k, v))
      return true;
    malformed = k.malformed();
    return false;
  });
  if (s.ok() && !malformed.empty())
    return error{errc::storage_failure, malformed};
  return s;
}

// Records kept in memory: the store for tests and for embedding without a
// disk. Completes synchronously, on the committing thread.
class memory_store final : public storage_port {
public:
  void commit(write_batch batch, std::function<void(status)> done) override;
  void resume() override;
  result<record_value> get(const std::string& key) const override;
  status scan(const std::string& prefix, const scan_visitor& visit, const std::string& from = {}) const override;

  // For tests and tools.
  template <class T>
  std::shared_ptr<const T> get_as(const std::string& key) const {
    auto v = get(key);
    return v.ok() ? std::static_pointer_cast<const T>(*v) : nullptr;
  }
  size_t size() const;
  uint64_t batches() const;
  size_t count(record_kind kind) const;
  // Fails every commit from now on (a broken disk), or stops failing (the
  // disk is back; the store stays stopped until resume()).
  void fail_writes(bool on);

private:
  mutable std::mutex mutex_;
  std::map<std::string, record> records_;
  uint64_t batches_ = 0;
  bool failing_ = false;
  bool stopped_ = false;   // a commit failed and resume() has not been called
};

// Fault injection around any store: fails every nth commit, or every
// commit from the kth on, with errc::storage_failure; the failed batch is not
// written, and (fail-stop) neither is any later one until resume(). Reads
// pass through.
class faulty_store final : public storage_port {
public:
  explicit faulty_store(std::shared_ptr<storage_port> inner) : inner_(std::move(inner)) {}
  void commit(write_batch batch, std::function<void(status)> done) override;
  void resume() override;
  result<record_value> get(const std::string& key) const override { return inner_->get(key); }
  status scan(const std::string& prefix, const scan_visitor& visit, const std::string& from = {}) const override {
    return inner_->scan(prefix, visit, from);
  }
  void fail_every(uint64_t n);       // 0: never
  void fail_from(uint64_t k);        // commits numbered k, k+1, ... fail (1-based; 0: never)
  void heal();                       // stop failing
  uint64_t commits() const;          // commits seen
  uint64_t failed() const;           // commits failed

private:
  std::shared_ptr<storage_port> inner_;
  mutable std::mutex mutex_;
  uint64_t every_ = 0, from_ = 0, seen_ = 0, failed_ = 0;
  bool stopped_ = false;
};

} // namespace hitd
