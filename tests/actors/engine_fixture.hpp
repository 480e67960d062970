#pragma once
// A test harness around hitd::engine: a manual clock, a memory_store, and
// helpers that make a funded requester, workers, a HIT type and HITs through
// the engine's blocking overloads. It remembers every deposit and withdrawal
// made through it, and every requester and worker it made, so that
// expect_books_balanced() can check the ledger against them.
//
// Helpers that must succeed throw harness_failure (after ADD_FAILURE) when a
// command fails; GoogleTest reports the exception and fails the test.

#include <gtest/gtest.h>

#include <hitd/hitd.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hitd {

// Readable GoogleTest output for the engine's enums and money.
inline void PrintTo(errc c, std::ostream* os) { *os << errc_name(c); }
inline void PrintTo(event_type t, std::ostream* os) { *os << event_type_name(t); }
inline void PrintTo(money m, std::ostream* os) { *os << "$" << format_amount(m); }
inline void PrintTo(assignment_status s, std::ostream* os) {
  static constexpr const char* names[] = {"Accepted", "Submitted", "Approved", "Rejected", "Returned", "Abandoned"};
  *os << names[static_cast<size_t>(s)];
}
inline void PrintTo(hit_status s, std::ostream* os) {
  static constexpr const char* names[] = {"Assignable", "Unassignable", "Reviewable", "Reviewing", "Disposed"};
  *os << names[static_cast<size_t>(s)];
}

} // namespace hitd

namespace hitd::test {

// 2026-01-01T00:00:00Z: a plausible start, at midnight so day arithmetic is plain.
inline constexpr timestamp start_time = 1'767'225'600'000;

struct harness_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string describe(const error& e) {
  return std::string{errc_name(e.code)} + " (" + e.message + ")";
}

// The value of a result that must be ok.
template <class T>
T must(result<T> r, const std::string& what = "command") {
  if (!r.ok()) {
    ADD_FAILURE() << what << " failed: " << describe(r.err());
    throw harness_failure(what + " failed: " + describe(r.err()));
  }
  return std::move(r).value();
}

inline void must(const status& s, const std::string& what = "command") {
  if (!s.ok()) {
    ADD_FAILURE() << what << " failed: " << describe(s.err());
    throw harness_failure(what + " failed: " + describe(s.err()));
  }
}

// Every event delivered to a subscriber, in delivery order.
class event_log {
public:
  void add(const event& e) {
    std::lock_guard<std::mutex> g{mutex_};
    events_.push_back(e);
  }
  std::vector<event> events() const {
    std::lock_guard<std::mutex> g{mutex_};
    return events_;
  }
  void clear() {
    std::lock_guard<std::mutex> g{mutex_};
    events_.clear();
  }

private:
  mutable std::mutex mutex_;
  std::vector<event> events_;
};

struct harness_options {
  engine_config config = default_config();
  bool with_store = true;

  static engine_config default_config() {
    engine_config c;
    c.scheduler_threads = 2;
    return c;
  }
};

class engine_harness {
public:
  explicit engine_harness(harness_options o = {})
    : clock(std::make_shared<manual_clock>(start_time)),
      store(o.with_store ? std::make_shared<memory_store>() : nullptr),
      config_(o.config),
      eng(std::make_unique<engine>(engine::options{o.config, clock, store})) {}

  // Stops the engine (after its work in flight) and starts a new one on the
  // same store and clock: everything it knows comes from the records.
  void restart() {
    eng.reset();
    eng = std::make_unique<engine>(engine::options{config_, clock, store});
  }

  std::shared_ptr<manual_clock> clock;
  std::shared_ptr<memory_store> store;   // null when made without a store

private:
  engine_config config_;

public:
  std::unique_ptr<engine> eng;

  engine& operator*() { return *eng; }
  engine* operator->() { return eng.get(); }

  timestamp now() const { return clock->now(); }

  // ---- parties ------------------------------------------------------------------------

  // A requester with `funds` on its available balance (none when zero).
  std::string requester(money funds = cents(10'000), std::string id = {}) {
    requester_spec spec;
    spec.name = "Requester " + std::to_string(requesters_.size() + 1);
    spec.requester_id = std::move(id);
    auto r = must(eng->create_requester(std::move(spec)), "create_requester");
    requesters_.push_back(r);
    if (funds.cents > 0)
      deposit(r, funds);
    return r;
  }

  // Deposits with a fresh token and remembers the amount.
  account_balance deposit(const std::string& requester_id, money amount) {
    auto b = must(eng->deposit(requester_id, amount, "harness-deposit-" + std::to_string(++tokens_)), "deposit");
    deposited_ += amount;
    return b;
  }

  // A worker registered now (on probation), in `home`.
  std::string worker(locale home = {"US", ""}, std::optional<timestamp> registered = {}, std::string id = {}) {
    worker_spec s;
    s.worker_id = std::move(id);
    s.home = std::move(home);
    s.registered = registered;
    auto w = must(eng->create_worker(std::move(s)), "create_worker");
    workers_.push_back(w);
    return w;
  }

  // A worker registered a year ago: past probation.
  std::string veteran(locale home = {"US", ""}) { return worker(std::move(home), now() - days(365)); }

  // Withdraws and remembers the amount; returns the balance left.
  money withdraw(const std::string& worker_id, money amount) {
    auto left = must(eng->withdraw(worker_id, amount, "harness-withdraw-" + std::to_string(++tokens_)), "withdraw");
    withdrawn_ += amount;
    return left;
  }
  // For tests that call engine::deposit / engine::withdraw themselves.
  void note_deposit(money m) { deposited_ += m; }
  void note_withdrawal(money m) { withdrawn_ += m; }

  // ---- HIT types and HITs -------------------------------------------------------------

  // Valid properties: $0.50, ten minutes to work, auto-approved after three days.
  static hit_properties props(money reward = cents(50)) {
    hit_properties p;
    p.title = "Label a photo";
    p.description = "Say what is in the picture";
    p.keywords = "image, label";
    p.reward = reward;
    p.assignment_duration_s = 600;
    p.auto_approval_delay_s = 3 * 86'400;
    return p;
  }

  std::string hit_type(const std::string& requester_id, const hit_properties& p = props()) {
    return must(eng->create_hit_type(requester_id, p), "create_hit_type");
  }

  static create_hit_request hit_request(const std::string& requester_id, const std::string& type_id,
                                        int64_t max_assignments = 1, int64_t lifetime_s = 3'600) {
    create_hit_request r;
    r.requester_id = requester_id;
    r.hit_type_id = type_id;
    r.max_assignments = max_assignments;
    r.lifetime_s = lifetime_s;
    r.question = "<HTMLQuestion>What is in the picture?</HTMLQuestion>";
    r.requester_annotation = "batch-1";
    return r;
  }

  hit_view hit(const std::string& requester_id, int64_t max_assignments = 1, int64_t lifetime_s = 3'600,
               const hit_properties& p = props()) {
    auto type = hit_type(requester_id, p);
    return must(eng->create_hit(hit_request(requester_id, type, max_assignments, lifetime_s)), "create_hit");
  }

  hit_view hit_of_type(const std::string& requester_id, const std::string& type_id, int64_t max_assignments = 1,
                       int64_t lifetime_s = 3'600) {
    return must(eng->create_hit(hit_request(requester_id, type_id, max_assignments, lifetime_s)), "create_hit");
  }

  // ---- work -------------------------------------------------------------------------------

  assignment_view accept(const std::string& worker_id, const std::string& hit_id) {
    accept_request r;
    r.worker_id = worker_id;
    r.hit_id = hit_id;
    return must(eng->accept(std::move(r)), "accept");
  }

  void submit(const std::string& worker_id, const std::string& assignment_id, std::string answer = "<answer/>") {
    submit_request r;
    r.worker_id = worker_id;
    r.assignment_id = assignment_id;
    r.answer = std::move(answer);
    must(eng->submit(std::move(r)), "submit");
  }

  // Accepts and submits; returns the assignment id.
  std::string submitted(const std::string& worker_id, const std::string& hit_id) {
    auto a = accept(worker_id, hit_id);
    submit(worker_id, a.assignment_id);
    return a.assignment_id;
  }

  void approve(const std::string& requester_id, const std::string& assignment_id) {
    approve_request r;
    r.requester_id = requester_id;
    r.assignment_id = assignment_id;
    r.feedback = "Thanks";
    must(eng->approve_assignment(std::move(r)), "approve_assignment");
  }

  // ---- reads (after drain, so notifications between actors have landed) -------------------

  account_balance balance(const std::string& requester_id) {
    eng->drain();
    return must(eng->get_account_balance(requester_id), "get_account_balance");
  }

  worker_dashboard dashboard(const std::string& worker_id) {
    eng->drain();
    return must(eng->dashboard(worker_id), "dashboard");
  }

  ledger_audit audit() {
    eng->drain();
    return must(eng->audit_ledger(), "audit_ledger");
  }

  // The HIT as it is, without applying due deadlines (inspect_hit is a pure read).
  hit_inspection inspect(const std::string& hit_id) {
    eng->drain();
    return must(eng->inspect_hit(hit_id), "inspect_hit");
  }

  money deposited() const { return deposited_; }
  money withdrawn() const { return withdrawn_; }
  const std::vector<std::string>& requesters() const { return requesters_; }
  const std::vector<std::string>& workers() const { return workers_; }

  // The books balance: the ledger sums to zero, what the requesters, workers
  // and platform hold is what was deposited less what was withdrawn, and the
  // ledger's per-kind sums agree with the requesters' balances and the
  // workers' dashboards.
  void expect_books_balanced() {
    auto a = audit();
    EXPECT_EQ(a.total, money{}) << "the ledger does not sum to zero";
    EXPECT_EQ(a.external, money{} - (deposited_ - withdrawn_));
    EXPECT_EQ(a.requesters_available + a.requesters_held + a.workers + a.platform, deposited_ - withdrawn_)
        << "available " << a.requesters_available.cents << " held " << a.requesters_held.cents << " workers "
        << a.workers.cents << " platform " << a.platform.cents;
    money available, held, workers;
    for (const auto& r : requesters_) {
      auto b = must(eng->get_account_balance(r), "get_account_balance");
      available += b.available;
      held += b.on_hold;
    }
    for (const auto& w : workers_)
      workers += must(eng->dashboard(w), "dashboard").available_balance;
    EXPECT_EQ(available, a.requesters_available);
    EXPECT_EQ(held, a.requesters_held);
    EXPECT_EQ(workers, a.workers);
  }

private:
  std::vector<std::string> requesters_;
  std::vector<std::string> workers_;
  money deposited_;
  money withdrawn_;
  uint64_t tokens_ = 0;
};

} // namespace hitd::test
