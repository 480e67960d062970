#include "runtime.hpp"

#include <charconv>
#include <future>
#include <iostream>

#include "hitd/records.hpp"

#include "messages.hpp"

namespace hitd::detail {

// ---- event bus ---------------------------------------------------------------------

uint64_t event_bus::subscribe(std::function<void(const event&)> fn) {
  std::lock_guard<std::mutex> g{mutex_};
  subscribers_.emplace_back(next_id_, std::move(fn));
  return next_id_++;
}

void event_bus::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> g{mutex_};
  std::erase_if(subscribers_, [id](const auto& s) { return s.first == id; });
}

void event_bus::publish(std::vector<event>& events) {
  if (events.empty())
    return;
  std::lock_guard<std::mutex> g{mutex_};
  for (auto& e : events) {
    e.seq = seq_.load(std::memory_order_relaxed) + 1;
    seq_.store(e.seq, std::memory_order_release);
    for (auto& s : subscribers_)
      s.second(e);
  }
}

// ---- timers ----------------------------------------------------------------------------

timer_service::timer_service(runtime& rt, timestamp start) : rt_(rt), wheel_(start) {}

timer_service::~timer_service() { stop(); }

void timer_service::schedule(timestamp due, uint64_t hit) {
  std::lock_guard<std::mutex> g{mutex_};
  wheel_.schedule(due, hit);
}

void timer_service::start_thread() {
  thread_ = std::thread([this] { run(); });
}

void timer_service::stop() {
  {
    std::lock_guard<std::mutex> g{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

std::vector<timer_entry> timer_service::take_due(timestamp now) {
  std::vector<timer_entry> due;
  std::lock_guard<std::mutex> g{mutex_};
  wheel_.advance(now, [&](const timer_entry& e) { due.push_back(e); });
  return due;
}

void timer_service::load_stored(timestamp now) {
  if (!rt_.store)
    return;
  std::lock_guard<std::mutex> lg{load_mutex_};
  timestamp until = now + window_ms;
  if (until <= loaded_until_ + window_ms / 2 && loaded_until_ != 0)
    return;
  std::vector<timer_entry> found;
  auto from = loaded_until_ ? deadline_key(loaded_until_ + 1, 0) : std::string{};
  auto s = rt_.store->scan(kind_prefix(record_kind::deadline), [&](const std::string& key, const record_value&) {
    key_reader k{key};
    auto due = k.number();
    auto hit = k.number();
    if (!k.ok()) {
      // Reported, and the other deadlines still load.
      rt_.report_storage_error(k.malformed() + ": skipped");
      return true;
    }
    if (static_cast<timestamp>(due) > until)
      return false;
    found.push_back({static_cast<timestamp>(due), hit});
    return true;
  }, from);
  if (!s.ok()) {
    rt_.report_storage_error(s.err().message);
    return;
  }
  {
    std::lock_guard<std::mutex> g{mutex_};
    for (const auto& e : found)
      wheel_.schedule(e.due, e.target);
  }
  loaded_until_ = until;
}

void timer_service::reload_stored() {
  std::lock_guard<std::mutex> lg{load_mutex_};
  loaded_until_ = 0;
}

void timer_service::run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> g{mutex_};
      wake_.wait_for(g, std::chrono::milliseconds(rt_.cfg.timer_tick_ms), [this] { return stopping_; });
      if (stopping_)
        return;
    }
    auto now = rt_.now();
    load_stored(now);
    for (const auto& e : take_due(now))
      if (auto h = rt_.hit_or_none(e.target))
        post(h, hit::msg{hit::wake{}});
    // Once a second: actors over their budget leave memory when idle.
    auto tick = std::chrono::steady_clock::now();
    if (tick - last_sweep_ >= std::chrono::seconds(1)) {
      last_sweep_ = tick;
      rt_.passivate_idle(rt_.cfg.passivate_after_ms);
    }
  }
}

// ---- runtime -------------------------------------------------------------------------------

runtime::runtime(caf::actor_system& s, engine_config c, std::shared_ptr<hitd::clock> k,
                 std::shared_ptr<storage_port> st)
  : sys(s), cfg(std::move(c)), clk(std::move(k)), store(std::move(st)), timers(*this, clk->now()) {}

// ---- ids ---------------------------------------------------------------------------------------

uint64_t id_allocator::next() {
  uint64_t n = next_.fetch_add(1, std::memory_order_acq_rel);
  if (!rt_.store || n < reserved_.load(std::memory_order_acquire))
    return n;
  std::lock_guard<std::mutex> g{mutex_};
  while (n >= reserved_.load(std::memory_order_acquire)) {
    uint64_t end = reserved_.load(std::memory_order_relaxed) + block;
    if (end <= n)
      end = n + block;
    std::promise<status> written;
    write_batch b;
    b.push_back({record_kind::counter, counter_key(name_), std::make_shared<const uint64_t>(end)});
    rt_.store->commit(std::move(b), [&written](status st) { written.set_value(std::move(st)); });
    if (!written.get_future().get().ok()) {
      // Without a durable reservation the number could be handed out again
      // after a restart; the command using it fails when its own batch does.
      rt_.report_storage_error("the " + name_ + " id reservation could not be written");
      return n;
    }
    reserved_.store(end, std::memory_order_release);
  }
  return n;
}

status id_allocator::restore() {
  if (!rt_.store)
    return done{};
  auto v = rt_.store->get(counter_key(name_));
  if (!v.ok())
    return v.err();
  if (*v) {
    auto end = *std::static_pointer_cast<const uint64_t>(*v);
    next_.store(std::max<uint64_t>(end, 1), std::memory_order_release);
    reserved_.store(end, std::memory_order_release);
  }
  return done{};
}

// ---- finding and activating actors ------------------------------------------------------------------

namespace {
template <class Map, class Key, class Load>
result<caf::actor> find_or_activate(runtime& rt, Map& map, const Key& k, Load&& load) {
  if (auto a = map.find(k))
    return a;
  if (!rt.store)
    return caf::actor{};
  std::optional<error> failed;
  auto a = map.find_or_create(k, [&]() -> caf::actor {
    result<caf::actor> r = load();
    if (!r.ok()) {
      failed = r.err();
      return {};
    }
    return *r;
  });
  if (failed)
    return *failed;
  return a;
}
} // namespace

result<caf::actor> runtime::hit(uint64_t number) {
  if (!store)   // in memory, or parked
    return hits.find_or_unpark(number, [&](parked_hit&& p) { return unpark_hit(*this, std::move(p)); });
  return find_or_activate(*this, hits, number, [&] { return activate_hit(*this, number); });
}

result<caf::actor> runtime::worker(const std::string& id) {
  if (!store)   // in memory, or parked
    return workers.find_or_unpark(id, [&](parked_worker&& p) { return unpark_worker(*this, std::move(p)); });
  return find_or_activate(*this, workers, id, [&] { return activate_worker(*this, id); });
}

result<caf::actor> runtime::requester(const std::string& id) {
  return find_or_activate(*this, requesters, id, [&] { return activate_requester(*this, id); });
}

result<caf::actor> runtime::hit_type_owner(uint64_t type_number) {
  if (auto a = hit_types.find(type_number))
    return a;
  if (!store)
    return caf::actor{};
  auto v = store->get(hit_type_key(type_number));
  if (!v.ok())
    return v.err();
  if (!*v)
    return caf::actor{};
  // Activating the owner registers its types.
  auto owner = requester(std::static_pointer_cast<const hit_type>(*v)->requester_id);
  if (!owner.ok() || !*owner)
    return owner;
  return hit_types.find(type_number);
}

caf::actor runtime::or_report(result<caf::actor> r) {
  if (r.ok())
    return *r;
  report_storage_error(r.err().message);
  return {};
}

void runtime::report_storage_error(const std::string& what) {
  storage_errors.fetch_add(1, std::memory_order_relaxed);
  std::cerr << "hitd: storage: " << what << '\n';
}

// ---- recovery --------------------------------------------------------------------------------------

status runtime::load_read_models() {
  auto s = store->scan(kind_prefix(record_kind::qualification_type), [&](const std::string& key, const record_value& v) {
    key_reader k{key};
    auto n = k.number();
    if (!k.ok()) {
      report_storage_error(k.malformed() + ": skipped");
      return true;
    }
    qualification_types.put(n, *std::static_pointer_cast<const qualification_type_view>(v));
    return true;
  });
  if (!s.ok())
    return s;
  return store->scan(kind_prefix(record_kind::worker_block), [&](const std::string& key, const record_value& v) {
    key_reader k{key};
    std::string requester{k.text()};
    k.text();
    if (!k.ok()) {
      report_storage_error(k.malformed() + ": skipped");
      return true;
    }
    blocks.set(std::static_pointer_cast<const worker_block>(v)->worker_id, requester, true);
    return true;
  });
}

// The outbox: effects whose receivers had not applied them at the stop.
// Every receiver is idempotent, so sending one twice is harmless.
status runtime::replay_outbox() {
  std::vector<std::pair<std::string, std::shared_ptr<const outbox_entry>>> pending;
  auto s = store->scan(kind_prefix(record_kind::outbox), [&](const std::string& key, const record_value& v) {
    pending.emplace_back(key, std::static_pointer_cast<const outbox_entry>(v));
    return true;
  });
  if (!s.ok())
    return s;
  for (auto& [key, e] : pending) {
    switch (e->kind) {
      case outbox_entry::kind_t::transfer:
        note(ledger, ledger::msg{ledger::apply{e->t, key, {}, true}});
        break;
      case outbox_entry::kind_t::worker_update:
        if (auto w = worker(e->worker_id); w.ok() && *w)
          note(*w, worker::msg{worker::update{e->update, key}});
        else if (w.ok())
          report_storage_error("an outbox record names worker " + e->worker_id + ", who has no record");
        break;   // (a lookup refused by a new rebuild: that rebuild replays it)
      case outbox_entry::kind_t::worker_bonus:
        if (auto w = worker(e->worker_id); w.ok() && *w)
          note(*w, worker::msg{worker::bonus{e->amount, e->time, key}});
        else if (w.ok())
          report_storage_error("an outbox record names worker " + e->worker_id + ", who has no record");
        break;   // (a lookup refused by a new rebuild: that rebuild replays it)
    }
  }
  return done{};
}

// HITs with a hold at the ledger not yet settled (a write failed, or the
// process stopped, in between): a wake (counted for drain) activates each,
// and the activation settles the hold from the ledger's record.
status runtime::wake_pending_holds() {
  std::vector<uint64_t> pending;
  auto s = store->scan(kind_prefix(record_kind::pending_hold), [&](const std::string& key, const record_value&) {
    key_reader k{key};
    auto n = k.number();
    if (!k.ok()) {
      report_storage_error(k.malformed() + ": skipped");
      return true;
    }
    pending.push_back(n);
    return true;
  });
  if (!s.ok())
    return s;
  for (auto n : pending)
    if (auto h = hit(n); h.ok() && *h) {
      notes_in_flight.fetch_add(1, std::memory_order_relaxed);
      post(*h, hit::msg{hit::wake{[this] { noted(); }}});
    }
  return done{};
}

status runtime::recover() {
  if (!store)
    return done{};
  for (auto* a : {&next_hit, &next_hit_type, &next_requester, &next_worker, &next_qualification_type,
                  &next_qualification_request})
    if (auto s = a->restore(); !s.ok())
      return s;
  if (auto s = load_read_models(); !s.ok())
    return s;
  if (auto s = replay_outbox(); !s.ok())
    return s;
  if (auto s = wake_pending_holds(); !s.ok())
    return s;
  if (clk->is_manual())
    timers.load_stored(now());
  return done{};
}

// ---- after a failed write ------------------------------------------------------------------------

void runtime::on_write_failure() {
  std::thread previous;
  {
    std::lock_guard<std::mutex> g{rebuild_mutex_};
    if (stopping_rebuilds_)
      return;
    if (rebuilding_.exchange(true, std::memory_order_acq_rel)) {
      rebuild_again_ = true;   // the running rebuild goes round once more
      return;
    }
    previous = std::move(rebuild_thread_);
    rebuild_started_ = std::chrono::steady_clock::now();
    rebuild_thread_ = std::thread([this] { rebuild(); });
  }
  // The previous rebuild has ended, but its thread may still be waking the
  // HITs that waited for it (wake_when_rebuilt takes the mutex): joined
  // outside the lock, or the two would wait for each other (the
  // failing-writes concurrency test hung here).
  if (previous.joinable())
    previous.join();
}

void runtime::wake_when_rebuilt(uint64_t hit_number) {
  {
    std::lock_guard<std::mutex> g{rebuild_mutex_};
    if (rebuilding_.load(std::memory_order_acquire)) {
      settle_later_.push_back(hit_number);
      return;
    }
  }
  if (auto h = hit(hit_number); h.ok() && *h) {
    notes_in_flight.fetch_add(1, std::memory_order_relaxed);
    post(*h, hit::msg{hit::wake{[this] { noted(); }}});
  }
}

void runtime::rebuild() {
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    rebuild_once();
    {
      std::unique_lock<std::mutex> g{rebuild_mutex_};
      if (!rebuild_again_ || stopping_rebuilds_) {
        rebuilding_.store(false, std::memory_order_release);
        rebuild_done_.notify_all();
        // HITs that had to wait for the end of the rebuild to settle a hold.
        std::vector<uint64_t> later;
        later.swap(settle_later_);
        g.unlock();
        if (!stopping_rebuilds_)
          for (auto n : later)
            wake_when_rebuilt(n);
        return;
      }
      rebuild_again_ = false;   // a write failed while this one ran
    }
    // A store that keeps failing is retried with a growing pause (to 1 s).
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(1'000));
  }
}

void runtime::rebuild_once() {
  rebuilds.fetch_add(1, std::memory_order_relaxed);
  // Every write in flight fails (the store is stopped) and marks its actor.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (notes_in_flight.load(std::memory_order_acquire) > 0 && std::chrono::steady_clock::now() < until) {
    {
      std::lock_guard<std::mutex> g{rebuild_mutex_};
      if (stopping_rebuilds_)
        break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  // Writes again; the read models and the outbox from the records, and the
  // deadline index read again (wakes of retired HITs may have been lost).
  store->resume();
  timers.reload_stored();
  qualification_types.clear();
  blocks.clear();
  if (auto s = load_read_models(); !s.ok())
    report_storage_error("rebuild: " + s.err().message);
  // The replay's notes are counted before the rebuild ends, so drain()
  // covers them.
  if (auto s = replay_outbox(); !s.ok())
    report_storage_error("rebuild: " + s.err().message);
  if (auto s = wake_pending_holds(); !s.ok())
    report_storage_error("rebuild: " + s.err().message);
}

bool runtime::await_rebuilt(std::chrono::milliseconds limit) {
  if (!rebuilding())
    return true;
  std::unique_lock<std::mutex> g{rebuild_mutex_};
  // A rebuild that lasts is a store that keeps failing: commands then go
  // through at once (reads are answered from the records, writes fail).
  auto left = limit - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - rebuild_started_);
  if (left.count() <= 0)
    return false;
  return rebuild_done_.wait_for(g, left, [this] { return !rebuilding(); });
}

void runtime::stop_rebuilds() {
  std::thread t;
  {
    std::lock_guard<std::mutex> g{rebuild_mutex_};
    stopping_rebuilds_ = true;
    t = std::move(rebuild_thread_);
  }
  if (t.joinable())
    t.join();
}

size_t runtime::passivate_idle(duration_ms idle_for) {
  if (rebuilding())
    return 0;
  passivate p{now() - idle_for};
  size_t asked = 0;
  // As many as are over the budget, the next ones round the directory
  // (those not idle stay; a later sweep asks the ones after them).
  auto sweep = [&](auto& map, size_t budget, auto make_msg) {
    size_t resident = map.size();
    if (budget == 0 || resident <= budget)
      return;
    for (auto& [k, a] : map.next_round(resident - budget)) {
      note(a, make_msg());   // counted: drain() covers the sweep
      ++asked;
    }
  };
  sweep(hits, cfg.resident_hits_max, [&] { return hit::msg{p}; });   // without a store they park,
  sweep(workers, cfg.resident_workers_max, [&] { return worker::msg{p}; });   // as workers do
  if (!store)
    return asked;   // a requester has nowhere to go
  sweep(requesters, cfg.resident_requesters_max, [&] { return requester::msg{p}; });
  return asked;
}

// ---- messages no actor will handle -------------------------------------------------------------

namespace {
template <class Msg>
void answer_failed_impl(runtime& rt, Msg& m, const error& e) {
  std::visit(
    [&](auto& c) {
      using T = std::decay_t<decltype(c)>;
      if constexpr (std::is_same_v<T, passivate>) {
        rt.noted();   // a counted note
      } else if constexpr (std::is_same_v<T, requester::retyped> || std::is_same_v<T, requester::token_done>) {
        // nothing to answer
      } else if constexpr (std::is_same_v<T, hit::accept>) {
        if (c.reply)
          c.reply(e, {});
      } else if constexpr (std::is_same_v<T, hit::wake>) {
        if (c.reply)
          c.reply();
      } else if constexpr (std::is_same_v<T, hit::funds>) {
        c.then(e);
      } else if constexpr (std::is_same_v<T, requester::funds>) {
        c.then(transfer_outcome::invalid);
      } else if constexpr (std::is_same_v<T, worker::notify>) {
        if (c.reply)
          c.reply(false);
      } else if constexpr (std::is_same_v<T, requester::next_hits>) {
        if (c.reply)
          c.reply({});
      } else if constexpr (std::is_same_v<T, worker::update> || std::is_same_v<T, worker::bonus> ||
                           std::is_same_v<T, requester::hit_status_note>) {
        rt.noted();
      } else {
        if (c.reply)
          c.reply(e);
      }
    },
    m);
}
} // namespace

void answer_failed(runtime& rt, hit::msg& m, const error& e) { answer_failed_impl(rt, m, e); }
void answer_failed(runtime& rt, worker::msg& m, const error& e) { answer_failed_impl(rt, m, e); }
void answer_failed(runtime& rt, requester::msg& m, const error& e) { answer_failed_impl(rt, m, e); }

// ---- pagination -------------------------------------------------------------------------------

size_t page_offset(const page_request& p) {
  size_t off = 0;
  if (!p.next_token.empty())
    std::from_chars(p.next_token.data(), p.next_token.data() + p.next_token.size(), off);
  return off;
}

bool valid_page(const page_request& p) {
  if (p.max_results < 1 || p.max_results > limits::page_results_max)
    return false;
  if (p.next_token.empty())
    return true;
  size_t off = 0;
  auto [ptr, ec] = std::from_chars(p.next_token.data(), p.next_token.data() + p.next_token.size(), off);
  return ec == std::errc{} && ptr == p.next_token.data() + p.next_token.size();
}

std::string next_page_token(size_t offset, size_t total) {
  return offset < total ? std::to_string(offset) : std::string{};
}

} // namespace hitd::detail
