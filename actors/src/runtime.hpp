#pragma once
// The engine's shared machinery, given to every actor by pointer: the
// configuration, the clock, the store, the directory that finds an actor by
// id, the event bus and the timer service. Everything here is thread-safe;
// none of it is actor state.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/logger.hpp>
#include <caf/send.hpp>

#include "hitd/config.hpp"
#include "hitd/model.hpp"
#include "hitd/events.hpp"
#include "hitd/hit_rules.hpp"
#include "hitd/worker_rules.hpp"
#include "hitd/storage_port.hpp"
#include "hitd/timer_wheel.hpp"
#include "post.hpp"

namespace hitd::detail {

// Spawns an actor from the calling thread, which may be any thread: a
// caller's (a command that activates an actor from its records), the
// store's writer (one activated from a completion), the timer's. CAF's spawn
// stores the actor system's logger in the calling thread's thread-local
// storage, and ~actor_system waits until every reference to the logger is
// gone, so a thread that outlives the engine (a caller's thread, or the
// writer of a store the caller keeps open) would make ~engine wait forever.
// A thread that held no logger before the spawn holds none after it.
// `caf::lazy_init` for an actor that is sent a message at once: it is first
// scheduled by that message, not once more on its own to run its setup.
template <caf::spawn_options Os = caf::no_spawn_options, class... Ts>
caf::actor spawn_actor(caf::actor_system& sys, Ts&&... xs) {
  const bool had_logger = caf::logger::current_logger() != nullptr;
  caf::actor a = sys.spawn<Os>(std::forward<Ts>(xs)...);
  if (!had_logger)
    caf::logger::set_current_actor_system(nullptr);
  return a;
}

// A HIT parked without its actor (no store): what its actor held that is
// not rebuilt when a new actor takes it up.
struct parked_hit {
  hit_state h;
  uint64_t ledger_seq = 0;
  std::optional<timestamp> wake_scheduled;   // its entry in the timer wheel
};

// A worker parked likewise: its state is all a new actor needs (nothing is
// in flight when it parks; its credentials are rebuilt when asked for).
struct parked_worker {
  worker_state w;
};

// Finds an actor by key: a sharded hash map, so a lookup is a short lock
// rather than a message round trip to a directory actor. With a `Parked`
// type, an entry may instead be parked: the state of an actor that left
// memory with nowhere to be read back from (no store), taken up by a new
// actor on the next lookup.
template <class Key, class Parked = void>
class actor_map {
public:
  caf::actor find(const Key& k) const {
    auto& s = shard(k);
    std::lock_guard<std::mutex> g{s.mutex};
    auto it = s.map.find(k);
    return it == s.map.end() ? caf::actor{} : it->second;
  }
  // Returns the actor registered under k, or registers make()'s; make runs
  // under the shard's lock, so an actor is never spawned unregistered. After
  // close() nothing is created: the result is an invalid actor.
  // (A parked k is not created again: the result is then an invalid actor;
  // where k may be parked, pass `unpark` below.)
  template <class F>
  caf::actor find_or_create(const Key& k, F&& make) {
    return find_or_create(k, std::forward<F>(make), [](auto&&) { return caf::actor{}; });
  }
  // The same for a map with parked states: a parked k exists, and `unpark`
  // spawns the actor that takes up its state (make() is not called).
  template <class F, class U>
  caf::actor find_or_create(const Key& k, F&& make, U&& unpark) {
    auto& s = shard(k);
    std::lock_guard<std::mutex> g{s.mutex};
    auto it = s.map.find(k);
    if (it != s.map.end())
      return it->second;
    if (s.closed)
      return {};
    if constexpr (!std::is_void_v<Parked>) {
      if (auto p = s.parked.find(k); p != s.parked.end())
        return unpark_locked(s, p, unpark);
    }
    caf::actor a = make();
    if (a)   // make() may find nothing to activate
      s.map.emplace(k, a);
    return a;
  }
  // Parks k: if its entry is still `a` and `ready()` (both under the
  // lock), replaces it with `park()`'s state and returns true.
  template <class Ready, class F>
  bool park(const Key& k, const caf::actor_addr& a, Ready&& ready, F&& park) {
    auto& s = shard(k);
    std::lock_guard<std::mutex> g{s.mutex};
    auto it = s.map.find(k);
    if (it == s.map.end() || it->second.address() != a || s.closed || !ready())
      return false;
    s.map.erase(it);
    s.parked.emplace(k, park());
    return true;
  }
  // Takes k's entry out if it is still `a` and `ready()` (under the lock).
  template <class Ready>
  bool erase_if(const Key& k, const caf::actor_addr& a, Ready&& ready) {
    auto& s = shard(k);
    std::lock_guard<std::mutex> g{s.mutex};
    auto it = s.map.find(k);
    if (it == s.map.end() || it->second.address() != a || !ready())
      return false;
    s.map.erase(it);
    return true;
  }
  // The actor registered under k, or one that `unpark` spawns from k's
  // parked state (under the lock: the state is taken up exactly once), or
  // an invalid actor when k is neither.
  template <class F>
  caf::actor find_or_unpark(const Key& k, F&& unpark) {
    auto& s = shard(k);
    std::lock_guard<std::mutex> g{s.mutex};
    auto it = s.map.find(k);
    if (it != s.map.end())
      return it->second;
    auto p = s.parked.find(k);
    if (s.closed || p == s.parked.end())
      return {};
    return unpark_locked(s, p, unpark);
  }
  size_t parked() const {
    size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> g{s.mutex};
      n += s.parked.size();
    }
    return n;
  }
  // Every key, of an actor or parked.
  std::vector<Key> keys() const {
    std::vector<Key> out;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> g{s.mutex};
      for (const auto& kv : s.map)
        out.push_back(kv.first);
      for (const auto& kv : s.parked)
        out.push_back(kv.first);
    }
    return out;
  }
  // Takes k's entry out if it is still `a` (a passivated or retired actor).
  bool erase(const Key& k, const caf::actor& a) { return erase(k, a.address()); }
  bool erase(const Key& k, const caf::actor_addr& a) {
    auto& s = shard(k);
    std::lock_guard<std::mutex> g{s.mutex};
    auto it = s.map.find(k);
    if (it == s.map.end() || it->second.address() != a)
      return false;
    s.map.erase(it);
    return true;
  }
  // Up to n actors for a sweep, starting where the last call stopped and
  // going round: a sweep that asks only some actors to leave asks others
  // the next time, so busy actors cannot keep idle ones behind them in
  // memory. (Positions within a shard shift as actors come and go; a
  // round may ask one twice or skip one, never the same ones forever.)
  std::vector<std::pair<Key, caf::actor>> next_round(size_t n) {
    std::vector<std::pair<Key, caf::actor>> out;
    std::lock_guard<std::mutex> cg{cursor_mutex_};
    const size_t start_pos = cursor_pos_;
    for (size_t visited = 0; visited <= shard_count && out.size() < n; ++visited) {
      // Round to the first shard again: only the part before where this
      // call began (each actor at most once).
      const size_t stop = visited == shard_count ? start_pos : SIZE_MAX;
      auto& s = shards_[cursor_shard_];
      std::lock_guard<std::mutex> g{s.mutex};
      size_t pos = 0;
      auto it = s.map.begin();
      for (; it != s.map.end() && pos < cursor_pos_; ++it)
        ++pos;
      for (; it != s.map.end() && out.size() < n && pos < stop; ++it, ++pos)
        out.push_back(*it);
      if (it == s.map.end()) {   // this shard is done: the next one, from its start
        cursor_shard_ = (cursor_shard_ + 1) % shard_count;
        cursor_pos_ = 0;
      } else {
        cursor_pos_ = pos;
      }
    }
    return out;
  }
  // Registers `a` under k (for a key whose actor already exists elsewhere).
  void insert(const Key& k, caf::actor a) {
    auto& s = shard(k);
    std::lock_guard<std::mutex> g{s.mutex};
    if (!s.closed)
      s.map.emplace(k, std::move(a));
  }
  // Takes every actor out (they are retired; new ones activate later).
  std::vector<caf::actor> take_all() {
    std::vector<caf::actor> out;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> g{s.mutex};
      for (auto& [k, a] : s.map)
        out.push_back(std::move(a));
      s.map.clear();
    }
    return out;
  }
  size_t size() const {
    size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> g{s.mutex};
      n += s.map.size();
    }
    return n;
  }
  // Shutdown: takes every actor out and refuses new ones from now on.
  std::vector<caf::actor> close() {
    std::vector<caf::actor> out;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> g{s.mutex};
      s.closed = true;
      for (auto& [k, a] : s.map)
        out.push_back(std::move(a));
      s.map.clear();
    }
    return out;
  }

private:
  static constexpr size_t shard_count = 64;
  struct no_parked {};
  using parked_t = std::conditional_t<std::is_void_v<Parked>, no_parked, Parked>;
  struct shard_t {
    mutable std::mutex mutex;
    std::unordered_map<Key, caf::actor> map;
    std::unordered_map<Key, parked_t> parked;
    bool closed = false;
  };
  shard_t& shard(const Key& k) const { return shards_[std::hash<Key>{}(k) % shard_count]; }
  // Under s's lock: the parked state at p taken up by unpark's actor (once).
  template <class It, class U>
  static caf::actor unpark_locked(shard_t& s, It p, U& unpark) {
    caf::actor a = unpark(std::move(p->second));
    if (a) {   // (a spawn does not come back empty; a throwing one leaves the entry)
      auto k = p->first;
      s.parked.erase(p);
      s.map.emplace(std::move(k), a);
    }
    return a;
  }
  mutable shard_t shards_[shard_count];
  std::mutex cursor_mutex_;   // taken before a shard's (next_round)
  size_t cursor_shard_ = 0;
  size_t cursor_pos_ = 0;
};

// Delivers events to subscribers in sequence order: the sequence number is
// taken and the subscribers are called under one lock.
class event_bus {
public:
  uint64_t subscribe(std::function<void(const event&)> fn);
  void unsubscribe(uint64_t id);
  void publish(std::vector<event>& events);
  uint64_t last_seq() const { return seq_.load(std::memory_order_acquire); }

private:
  mutable std::mutex mutex_;
  std::vector<std::pair<uint64_t, std::function<void(const event&)>>> subscribers_;
  uint64_t next_id_ = 1;
  std::atomic<uint64_t> seq_{0};
};

// Every qualification type's current view, by number: a read model the
// owning requester actor writes and anyone reads (GetQualificationType,
// ListQualificationTypes, and checking requirements when a HIT type is made).
class qualification_registry {
public:
  void put(uint64_t number, qualification_type_view v) {
    std::lock_guard<std::mutex> g{mutex_};
    views_[number] = std::move(v);
  }
  std::optional<qualification_type_view> get(uint64_t number) const {
    std::lock_guard<std::mutex> g{mutex_};
    auto it = views_.find(number);
    return it == views_.end() ? std::nullopt : std::optional<qualification_type_view>{it->second};
  }
  template <class F>
  void each(F&& f) const {
    std::lock_guard<std::mutex> g{mutex_};
    for (const auto& [n, v] : views_)
      f(n, v);
  }
  void clear() {
    std::lock_guard<std::mutex> g{mutex_};
    views_.clear();
  }

private:
  mutable std::mutex mutex_;
  std::map<uint64_t, qualification_type_view> views_;
};

// Who blocked which worker id, so a worker who registers after a block
// starts blocked. The requester actor writes it before telling the worker;
// a new worker reads it while its id is locked in the directory, so no block
// falls between the two.
class block_registry {
public:
  void set(const std::string& worker, const std::string& requester, bool on) {
    std::lock_guard<std::mutex> g{mutex_};
    if (on) {
      by_worker_[worker].insert(requester);
    } else if (auto it = by_worker_.find(worker); it != by_worker_.end()) {
      it->second.erase(requester);
      if (it->second.empty())
        by_worker_.erase(it);
    }
  }
  void clear() {
    std::lock_guard<std::mutex> g{mutex_};
    by_worker_.clear();
  }
  std::unordered_set<std::string> of(const std::string& worker) const {
    std::lock_guard<std::mutex> g{mutex_};
    auto it = by_worker_.find(worker);
    return it == by_worker_.end() ? std::unordered_set<std::string>{} : it->second;
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unordered_set<std::string>> by_worker_;
};

struct runtime;

// The commands an actor keeps while it waits (its stash): first in, first
// out, bounded by the actor. It allocates nothing while empty and frees its
// storage when it empties again (an empty std::deque allocates about 580
// bytes, and nearly every actor's stash stays empty for life); 8 bytes in
// the actor.
template <class T>
class stash_queue {
public:
  bool empty() const { return !q_ || q_->empty(); }
  size_t size() const { return q_ ? q_->size() : 0; }
  void push_back(T x) {
    if (!q_)
      q_ = std::make_unique<std::deque<T>>();
    q_->push_back(std::move(x));
  }
  // The first command, taken out (the queue must not be empty).
  T take_front() {
    T x = std::move(q_->front());
    q_->pop_front();
    if (q_->empty())
      q_.reset();
    return x;
  }
  // Takes every command out, oldest first.
  std::deque<T> take_all() {
    std::deque<T> out;
    if (q_)
      out = std::move(*q_);
    q_.reset();
    return out;
  }

private:
  std::unique_ptr<std::deque<T>> q_;
};

// The writes of the actor whose handler runs on this thread: a handler
// opens a writes_scope on its actor's counters, and every batch it persists
// counts there until the store answers. An actor with writes in flight is
// not idle (it is not passivated: its successor would read the records
// before they land). An actor one of whose writes failed has memory ahead of
// disk: at its next message it leaves memory and a successor comes back
// from the records (the ledger instead forgets its cache).
struct actor_writes {
  std::atomic<int64_t> in_flight{0};
  std::atomic<bool> failed{false};
  // Run (on the store's thread) when a write fails: takes the actor out of
  // the directory at once, so lookups activate a successor from the records.
  std::function<void()> on_failure;
};
using write_counter = std::shared_ptr<actor_writes>;
inline thread_local const write_counter* current_writes = nullptr;
struct writes_scope {
  explicit writes_scope(const write_counter& w) : prev_(current_writes) { current_writes = &w; }
  ~writes_scope() { current_writes = prev_; }
  writes_scope(const writes_scope&) = delete;
  writes_scope& operator=(const writes_scope&) = delete;

private:
  const write_counter* prev_;
};
inline write_counter make_write_counter() { return std::make_shared<actor_writes>(); }

// Hands out the numbers behind generated ids (HITs, HIT types, requesters,
// ...). With a store, numbers are reserved in blocks: before the first
// number of a block is handed out, the block's end is durable (a counter
// record, one synchronous write per block), so a restart continues above
// every number ever used without scanning anything.
class id_allocator {
public:
  id_allocator(runtime& rt, std::string name) : rt_(rt), name_(std::move(name)) {}
  uint64_t next();
  // The first number not handed out yet (an upper bound after a restart).
  uint64_t peek() const { return next_.load(std::memory_order_acquire); }
  // At start: continue from the stored reservation.
  status restore();

private:
  static constexpr uint64_t block = 1 << 16;
  runtime& rt_;
  std::string name_;
  std::atomic<uint64_t> next_{1};
  std::atomic<uint64_t> reserved_{0};   // numbers below this are durable reservations
  std::mutex mutex_;
};

// Holds the timer wheel and wakes HIT actors when their earliest deadline is
// due: on its own thread under the wall clock, or when the engine advances a
// manual clock.
class timer_service {
public:
  timer_service(runtime& rt, timestamp start);
  ~timer_service();
  void schedule(timestamp due, uint64_t hit);
  void start_thread();    // wall clock only
  void stop();
  // Collects the entries due at `now` (manual clock).
  std::vector<timer_entry> take_due(timestamp now);
  // Schedules the stored deadlines due up to now + window that are not
  // loaded yet (the deadline index is read a window at a time, so a start
  // reads only the deadlines of the next hour).
  void load_stored(timestamp now);
  void reload_stored();   // the next load_stored() reads the index from its start

private:
  void run();
  static constexpr duration_ms window_ms = 3'600'000;
  timestamp loaded_until_ = 0;   // stored deadlines up to here are in the wheel
  std::chrono::steady_clock::time_point last_sweep_;   // passivation, on the timer thread
  std::mutex load_mutex_;
  runtime& rt_;
  std::mutex mutex_;
  std::condition_variable wake_;
  timer_wheel wheel_;
  bool stopping_ = false;
  std::thread thread_;
};

struct runtime {
  runtime(caf::actor_system& s, engine_config c, std::shared_ptr<hitd::clock> k,
          std::shared_ptr<storage_port> st);

  caf::actor_system& sys;
  engine_config cfg;
  std::shared_ptr<hitd::clock> clk;
  std::shared_ptr<storage_port> store;   // may be null: nothing is persisted

  actor_map<uint64_t, parked_hit> hits;
  actor_map<std::string, parked_worker> workers;   // parked: no store
  actor_map<std::string> requesters;
  actor_map<uint64_t> hit_types;          // type number -> its requester's actor
  qualification_registry qualification_types;
  block_registry blocks;
  caf::actor ledger;
  event_bus bus;
  timer_service timers;

  id_allocator next_hit{*this, "hit"};
  id_allocator next_hit_type{*this, "hit_type"};
  id_allocator next_requester{*this, "requester"};
  id_allocator next_worker{*this, "worker"};
  id_allocator next_qualification_type{*this, "qualification_type"};
  id_allocator next_qualification_request{*this, "qualification_request"};
  // One-way notifications sent between actors and not yet handled (drain()).
  std::atomic<int64_t> notes_in_flight{0};

  timestamp now() const { return clk->now(); }

  // The actor for an id: in memory, or activated from its records (a
  // virtual actor). Invalid when there is no such actor; a record that
  // cannot be read is an error naming its key.
  result<caf::actor> hit(uint64_t number);
  result<caf::actor> worker(const std::string& id);
  result<caf::actor> requester(const std::string& id);
  result<caf::actor> hit_type_owner(uint64_t type_number);   // the requester actor
  // The same, for callers that only need the actor: a read error is
  // reported (stderr and storage_errors) and answered as "no such actor".
  caf::actor hit_or_none(uint64_t number) { return or_report(hit(number)); }
  caf::actor worker_or_none(const std::string& id) { return or_report(worker(id)); }
  caf::actor requester_or_none(const std::string& id) { return or_report(requester(id)); }
  caf::actor or_report(result<caf::actor> r);
  // Starting on a store: the id allocators, the read models, the outbox
  // replayed to its receivers. Reads only what is small (no HIT, worker or
  // requester is loaded: they activate on first use).
  status recover();
  void report_storage_error(const std::string& what);
  std::atomic<uint64_t> storage_errors{0};

  // Persists a batch (or, without a store or records, completes at once,
  // without wrapping `done` in a std::function), then calls done.
  // A batch in the store's queue counts as in flight for drain(): its
  // completion sends the notes of the transition.
  template <class Done>
  void persist(write_batch batch, Done&& done) {
    if (!store || batch.empty()) {
      done(status{hitd::done{}});
      return;
    }
    notes_in_flight.fetch_add(1, std::memory_order_relaxed);
    write_counter writes = current_writes ? *current_writes : nullptr;
    if (writes)
      writes->in_flight.fetch_add(1, std::memory_order_relaxed);
    store->commit(std::move(batch), [this, writes, d = std::function<void(status)>(std::forward<Done>(done))](status s) mutable {
      // The writer's memory is ahead of disk from here: it is marked before
      // anyone hears of the failure.
      if (!s.ok()) {
        if (writes && !writes->failed.exchange(true, std::memory_order_acq_rel) && writes->on_failure)
          writes->on_failure();
        on_write_failure();
      }
      if (writes)
        writes->in_flight.fetch_sub(1, std::memory_order_release);
      d(std::move(s));
      noted();
    });
  }

  // ---- after a failed write --------------------------------------------------------------
  // Memory is a cache of what is durable. A failed write stops the store
  // (fail-stop: every later batch fails too, so disk stays a prefix of the
  // commits); each actor whose write failed leaves memory at its next
  // message and comes back from its records. The engine then waits until no
  // write is in flight, resumes the store, reloads the read models and
  // replays the outbox. Meanwhile the facade holds new commands (bounded).
  void on_write_failure();
  // A HIT that could not settle a pending hold because a rebuild ran: woken
  // (counted) once the rebuild is over, at once if it is over already.
  void wake_when_rebuilt(uint64_t hit);
  bool rebuilding() const { return rebuilding_.load(std::memory_order_acquire); }
  // Waits until no rebuild runs (false if one still runs after `limit`).
  bool await_rebuilt(std::chrono::milliseconds limit);
  void stop_rebuilds();   // at shutdown
  std::atomic<uint64_t> rebuilds{0};
  // Passivation: asks every resident actor of each kind over its budget to
  // leave memory if it has been idle; returns how many were asked.
  size_t passivate_idle(duration_ms idle_for);
  bool persistent() const { return store != nullptr; }

private:
  void rebuild();
  void rebuild_once();
  status replay_outbox();
  status wake_pending_holds();
  status load_read_models();
  std::atomic<bool> rebuilding_{false};
  std::mutex rebuild_mutex_;
  std::condition_variable rebuild_done_;
  std::thread rebuild_thread_;
  bool stopping_rebuilds_ = false;
  bool rebuild_again_ = false;   // a write failed while a rebuild ran
  std::vector<uint64_t> settle_later_;   // HITs to wake when the rebuild ends
  std::chrono::steady_clock::time_point rebuild_started_;

public:

  // A one-way notification to another actor, counted for drain().
  template <class Msg>
  void note(const caf::actor& to, Msg&& m) {
    notes_in_flight.fetch_add(1, std::memory_order_relaxed);
    post(to, std::forward<Msg>(m));
  }
  void noted() { notes_in_flight.fetch_sub(1, std::memory_order_release); }
};

} // namespace hitd::detail
