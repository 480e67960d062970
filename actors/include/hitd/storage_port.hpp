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
// Records are typed by kind and carry a shared, immutable value; the key
// schema (fixed-width, by kind) is record_key() and docs/storage.md.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
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
};

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

using write_batch = std::vector<record>;

class storage_port {
public:
  virtual ~storage_port() = default;
  // Writes every record of the batch atomically, then calls done exactly once
  // (on any thread) with success or errc::storage_failure.
  virtual void commit(write_batch batch, std::function<void(status)> done) = 0;
};

// Records kept in memory: the store for tests and for embedding without a
// disk. Completes synchronously, on the committing thread.
class memory_store final : public storage_port {
public:
  void commit(write_batch batch, std::function<void(status)> done) override;

  // Reads, for tests and tools.
  std::shared_ptr<const void> get(const std::string& key) const;
  template <class T>
  std::shared_ptr<const T> get_as(const std::string& key) const { return std::static_pointer_cast<const T>(get(key)); }
  size_t size() const;
  uint64_t batches() const;
  size_t count(record_kind kind) const;
  // Fails every commit from now on (or stops failing), for failure-path tests.
  void fail_writes(bool on);

private:
  mutable std::mutex mutex_;
  std::map<std::string, record> records_;
  uint64_t batches_ = 0;
  bool failing_ = false;
};

} // namespace hitd
