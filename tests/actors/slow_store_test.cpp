// The engine on a store whose writes complete late, on another thread, as
// RocksDB's do (rocksdb_store completes on its writer thread). memory_store
// completes at once on the committing thread, which hides any command that
// depends on the order in which completions and later messages arrive.

#include "engine_fixture.hpp"

#include <chrono>
#include <deque>
#include <future>
#include <thread>

namespace hitd::test {
namespace {

// A store whose commits wait behind a gate until it opens; then they are
// written, in commit order, and complete.
class gated_store final : public storage_port {
public:
  explicit gated_store(std::shared_ptr<memory_store> inner) : inner_(std::move(inner)) {}

  void commit(write_batch batch, std::function<void(status)> done) override {
    {
      std::lock_guard<std::mutex> g{mutex_};
      if (!open_) {
        waiting_.emplace_back(std::move(batch), std::move(done));
        return;
      }
    }
    inner_->commit(std::move(batch), std::move(done));
  }
  void resume() override { inner_->resume(); }
  result<record_value> get(const std::string& key) const override { return inner_->get(key); }
  status scan(const std::string& prefix, const scan_visitor& visit, const std::string& from = {}) const override {
    return inner_->scan(prefix, visit, from);
  }

  void close_gate() {
    std::lock_guard<std::mutex> g{mutex_};
    open_ = false;
  }
  // Writes what waits, in order (commits made meanwhile queue behind it).
  void open_gate() {
    for (;;) {
      std::pair<write_batch, std::function<void(status)>> next;
      {
        std::lock_guard<std::mutex> g{mutex_};
        if (waiting_.empty()) {
          open_ = true;
          return;
        }
        next = std::move(waiting_.front());
        waiting_.pop_front();
      }
      inner_->commit(std::move(next.first), std::move(next.second));
    }
  }
  // Writes the first commit that waits, and leaves the gate closed.
  void open_one() {
    std::pair<write_batch, std::function<void(status)>> next;
    {
      std::lock_guard<std::mutex> g{mutex_};
      if (waiting_.empty())
        return;
      next = std::move(waiting_.front());
      waiting_.pop_front();
    }
    inner_->commit(std::move(next.first), std::move(next.second));
  }
  size_t waiting() const {
    std::lock_guard<std::mutex> g{mutex_};
    return waiting_.size();
  }
  // Waits (at most 5 s) until n commits wait behind the gate.
  bool await_waiting(size_t n) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (waiting() < n && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return waiting() >= n;
  }

private:
  std::shared_ptr<memory_store> inner_;
  mutable std::mutex mutex_;
  bool open_ = true;
  std::deque<std::pair<write_batch, std::function<void(status)>>> waiting_;
};

// A deposit and a create of the same requester right after it: the create's
// hold takes the next ledger sequence number, and the deposit must not be
// lost for it (found by the crash test, where deposits answered ok vanished).
TEST(SlowStore, ADepositIsNotLostToACreateRightAfterIt) {
  auto store = std::make_shared<gated_store>(std::make_shared<memory_store>());
  auto clock = std::make_shared<manual_clock>(start_time);
  engine e{engine::options{harness_options::default_config(), clock, store}};
  auto r = must(e.create_requester({"Requester", {}}));
  must(e.deposit(r, cents(10'000), "first"), "deposit");
  hit_properties p;
  p.title = "Label";
  p.description = "Label a photo";
  p.reward = cents(50);
  p.assignment_duration_s = 600;
  auto type = must(e.create_hit_type(r, p));
  create_hit_request req;
  req.requester_id = r;
  req.hit_type_id = type;
  req.max_assignments = 1;
  req.lifetime_s = 3'600;
  req.question = "<HTMLQuestion>label it</HTMLQuestion>";
  must(e.create_hit(req), "create_hit");   // reserves a block of HIT numbers (a write of its own)

  store->close_gate();
  std::promise<result<account_balance>> deposited;
  std::promise<result<hit_view>> created;
  e.deposit(r, cents(5'000), "second", [&](result<account_balance> b) { deposited.set_value(std::move(b)); });
  e.create_hit(req, [&](result<hit_view> v) { created.set_value(std::move(v)); });
  // The deposit's write and the create's (the ledger's, with its hold).
  EXPECT_TRUE(store->await_waiting(2));
  store->open_gate();
  auto d = deposited.get_future().get();
  auto h = created.get_future().get();
  ASSERT_TRUE(d.ok()) << describe(d.err());
  ASSERT_TRUE(h.ok()) << describe(h.err());
  e.drain();

  auto b = must(e.get_account_balance(r));
  EXPECT_EQ((b.available + b.on_hold).cents, 15'000) << "available " << b.available.cents << ", on hold " << b.on_hold.cents;
  auto audit = must(e.audit_ledger());
  EXPECT_EQ(audit.external.cents, -15'000);
  EXPECT_EQ(audit.total.cents, 0);
}

// An expired HIT extended while one of its assignments is in progress: the
// extension's hold is computed when the command comes, and the HIT waits for
// the ledger. If the assignment's deadline falls due meanwhile, the HIT must
// still hold what the extended HIT needs (found by the crash test, whose
// clock runs 1000 times faster than real time).
TEST(SlowStore, AnExtensionHoldsEnoughWhenADeadlineFallsDueWhileItWaitsForTheLedger) {
  auto store = std::make_shared<gated_store>(std::make_shared<memory_store>());
  auto clock = std::make_shared<manual_clock>(start_time);
  engine e{engine::options{harness_options::default_config(), clock, store}};
  auto r = must(e.create_requester({"Requester", {}}));
  must(e.deposit(r, cents(10'000), "funds"), "deposit");
  auto w = must(e.create_worker({{}, {"US", ""}, start_time - days(365)}));
  auto p = engine_harness::props();   // $0.50 + $0.10 fee a slot, ten minutes to work
  auto type = must(e.create_hit_type(r, p));
  auto req = engine_harness::hit_request(r, type, 2, 60);
  auto hit = must(e.create_hit(req));
  accept_request ar{w, hit.hit_id, {}, {}};
  auto a = must(e.accept(ar));
  e.advance_clock(seconds(61));   // expired: it holds the assignment in progress only
  EXPECT_EQ(must(e.get_hit(r, hit.hit_id)).escrow_held, cents(60));

  store->close_gate();
  std::promise<status> extended;
  e.update_expiration(r, hit.hit_id, clock->now() + seconds(3'600), [&](status s) { extended.set_value(std::move(s)); });
  EXPECT_TRUE(store->await_waiting(1));   // the ledger's write of the hold
  clock->set(a.deadline + 1);             // the assignment is abandoned meanwhile
  store->open_gate();
  auto s = extended.get_future().get();
  ASSERT_TRUE(s.ok()) << describe(s.err());
  e.drain();

  auto v = must(e.get_hit(r, hit.hit_id));
  EXPECT_EQ(v.status, hit_status::assignable);
  EXPECT_EQ(v.assignments_available, 2);
  EXPECT_EQ(v.escrow_held, cents(120)) << "two open slots of $0.60";
  auto b = must(e.get_account_balance(r));
  EXPECT_EQ(b.on_hold, cents(120));
  EXPECT_EQ((b.available + b.on_hold).cents, 10'000);
}

// A HIT waiting for the ledger stashes what comes meanwhile, up to its
// bound; beyond it every command is refused with throttled, an accept too
// (its reply takes two arguments, and it once went unanswered: the
// worker's client waited for ever), and the stashed ones run once the
// answer is in.
TEST(SlowStore, AnAcceptOverAFullStashIsRefusedNotLeftUnanswered) {
  auto store = std::make_shared<gated_store>(std::make_shared<memory_store>());
  auto clock = std::make_shared<manual_clock>(start_time);
  engine e{engine::options{harness_options::default_config(), clock, store}};
  auto r = must(e.create_requester({"Requester", {}}));
  must(e.deposit(r, cents(10'000), "funds"), "deposit");
  auto w = must(e.create_worker({{}, {"US", ""}, start_time - days(365)}));
  auto type = must(e.create_hit_type(r, engine_harness::props()));
  auto hit = must(e.create_hit(engine_harness::hit_request(r, type, 1, 3'600)));

  store->close_gate();
  std::promise<status> added;
  e.create_additional_assignments(r, hit.hit_id, 1, "", [&](status s) { added.set_value(std::move(s)); });
  ASSERT_TRUE(store->await_waiting(1));   // the ledger's write of the hold: the HIT waits for it
  constexpr int stashed = 10'000;         // hit_actor.cpp's stash_max
  std::atomic<int> answered{0}, ok{0};
  for (int i = 0; i < stashed; ++i)
    e.get_hit(r, hit.hit_id, [&](result<hit_view> v) {
      ok += v.ok();
      ++answered;
    });
  std::promise<result<assignment_view>> accepted;
  e.accept(accept_request{w, hit.hit_id, {}, {}},
           [&](result<assignment_view> a) { accepted.set_value(std::move(a)); });
  auto f = accepted.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "the accept was never answered";
  auto a = f.get();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.err().code, errc::throttled) << describe(a.err());
  EXPECT_EQ(answered.load(), 0);   // all stashed behind the ledger's answer

  store->open_gate();
  ASSERT_TRUE(added.get_future().get().ok());
  // Every stashed command is answered (on the engine's threads: waited for).
  for (int i = 0; i < 3'000 && answered.load() < stashed; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(answered.load(), stashed);
  EXPECT_EQ(ok.load(), stashed);
  e.drain();
  EXPECT_EQ(must(e.get_hit(r, hit.hit_id)).max_assignments, 2);
  // And the worker can accept now.
  auto again = must(e.accept(accept_request{w, hit.hit_id, {}, {}}));
  EXPECT_EQ(again.hit_id, hit.hit_id);
}

// The worker accepts the HIT, submits, and the requester approves: the
// worker has the reward to withdraw.
void earn(engine& e, const std::string& r, const std::string& w, const std::string& hit_id) {
  auto a = must(e.accept(accept_request{w, hit_id, {}, {}}));
  submit_request sub;
  sub.worker_id = w;
  sub.assignment_id = a.assignment_id;
  sub.answer = "<answer/>";
  must(e.submit(std::move(sub)), "submit");
  approve_request ap;
  ap.requester_id = r;
  ap.assignment_id = a.assignment_id;
  must(e.approve_assignment(std::move(ap)), "approve");
  e.drain();
}

// The same for a worker waiting for the ledger's answer to a withdrawal:
// what comes meanwhile waits, beyond the bound it is refused, and the
// waiting commands all run once the answer is in (one after another, not
// one stack frame deeper each: 10,000 deep overflowed under ASan).
TEST(SlowStore, AWorkersFullStashRefusesAndItsCommandsRunAfterTheWithdrawal) {
  auto store = std::make_shared<gated_store>(std::make_shared<memory_store>());
  auto clock = std::make_shared<manual_clock>(start_time);
  engine e{engine::options{harness_options::default_config(), clock, store}};
  auto r = must(e.create_requester({"Requester", {}}));
  must(e.deposit(r, cents(10'000), "funds"), "deposit");
  auto w = must(e.create_worker({{}, {"US", ""}, start_time - days(365)}));
  auto type = must(e.create_hit_type(r, engine_harness::props(cents(300))));
  auto hit = must(e.create_hit(engine_harness::hit_request(r, type, 1, 3'600)));
  earn(e, r, w, hit.hit_id);
  ASSERT_EQ(must(e.dashboard(w)).available_balance.cents, 300);

  store->close_gate();
  std::promise<result<money>> withdrawn;
  e.withdraw(w, cents(100), "wd-1", [&](result<money> m) { withdrawn.set_value(std::move(m)); });
  ASSERT_TRUE(store->await_waiting(1));   // the ledger's write of the withdrawal: the worker waits for it
  constexpr int stashed = 10'000;         // worker_actor.cpp's stash_max
  std::atomic<int> answered{0}, ok{0};
  for (int i = 0; i < stashed; ++i)
    e.dashboard(w, [&](result<worker_dashboard> d) {
      ok += d.ok() && d->available_balance.cents == 200;   // they run after the withdrawal
      ++answered;
    });
  std::promise<result<worker_dashboard>> refused;
  e.dashboard(w, [&](result<worker_dashboard> d) { refused.set_value(std::move(d)); });
  auto f = refused.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "the command was never answered";
  auto over = f.get();
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.err().code, errc::throttled) << describe(over.err());
  EXPECT_EQ(answered.load(), 0);   // all stashed behind the ledger's answer

  store->open_gate();
  auto left = withdrawn.get_future().get();
  ASSERT_TRUE(left.ok()) << describe(left.err());
  EXPECT_EQ(left->cents, 200);
  for (int i = 0; i < 3'000 && answered.load() < stashed; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(answered.load(), stashed);
  EXPECT_EQ(ok.load(), stashed);
}

// An accept's answer that reaches its worker while the worker waits for a
// withdrawal behind a full stash waits too (at most 64 of them): refused,
// the client was told throttled for an assignment the HIT had made, and
// the worker kept the accept counted in flight for good.
TEST(SlowStore, AnAcceptsAnswerIsNotRefusedByItsWorkersFullStash) {
  auto store = std::make_shared<gated_store>(std::make_shared<memory_store>());
  auto clock = std::make_shared<manual_clock>(start_time);
  engine e{engine::options{harness_options::default_config(), clock, store}};
  auto r = must(e.create_requester({"Requester", {}}));
  must(e.deposit(r, cents(10'000), "funds"), "deposit");
  auto w = must(e.create_worker({{}, {"US", ""}, start_time - days(365)}));
  auto type = must(e.create_hit_type(r, engine_harness::props(cents(300))));
  auto first = must(e.create_hit(engine_harness::hit_request(r, type, 1, 3'600)));
  auto second = must(e.create_hit(engine_harness::hit_request(r, type, 1, 3'600)));
  earn(e, r, w, first.hit_id);

  store->close_gate();
  std::promise<result<assignment_view>> accepted;
  e.accept(accept_request{w, second.hit_id, {}, "accept-2"},
           [&](result<assignment_view> v) { accepted.set_value(std::move(v)); });
  ASSERT_TRUE(store->await_waiting(1));   // the HIT's write of the accept
  std::promise<result<money>> withdrawn;
  e.withdraw(w, cents(100), "wd-1", [&](result<money> m) { withdrawn.set_value(std::move(m)); });
  ASSERT_TRUE(store->await_waiting(2));   // the ledger's write of the withdrawal: the worker waits for it
  constexpr int stashed = 10'000;         // worker_actor.cpp's stash_max
  std::atomic<int> answered{0};
  for (int i = 0; i < stashed; ++i)
    e.dashboard(w, [&](result<worker_dashboard>) { ++answered; });
  std::promise<result<worker_dashboard>> over;
  e.dashboard(w, [&](result<worker_dashboard> d) { over.set_value(std::move(d)); });
  auto o = over.get_future().get();   // the stash is full now
  ASSERT_FALSE(o.ok());
  ASSERT_EQ(o.err().code, errc::throttled);

  store->open_one();   // the accept is durable; its answer goes to the busy worker
  auto f = accepted.get_future();
  EXPECT_EQ(f.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
    << "the accept was answered while its worker still waited for the ledger";
  store->open_gate();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto v = f.get();
  ASSERT_TRUE(v.ok()) << describe(v.err());
  EXPECT_EQ(v->hit_id, second.hit_id);
  ASSERT_TRUE(withdrawn.get_future().get().ok());
  for (int i = 0; i < 3'000 && answered.load() < stashed; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(answered.load(), stashed);
  e.drain();
  // Nothing stays counted in flight: the same token answers the same
  // assignment, and the worker can take another HIT.
  auto again = must(e.accept(accept_request{w, second.hit_id, {}, "accept-2"}));
  EXPECT_EQ(again.assignment_id, v->assignment_id);
  EXPECT_EQ(must(e.dashboard(w)).totals.accepted, 2);   // the first HIT's and this one
}

// Repeats of a deposit waiting for it are answered with it when the
// requester leaves memory meanwhile (one of its own writes failed): they
// were dropped with its state, and only the first caller heard back.
TEST(SlowStore, RepeatsOfADepositAreAnsweredWhenTheRequesterLeavesMemoryMeanwhile) {
  auto inner = std::make_shared<memory_store>();
  auto store = std::make_shared<gated_store>(inner);
  auto clock = std::make_shared<manual_clock>(start_time);
  std::promise<errc> typed;
  std::promise<result<account_balance>> first, repeat;   // before the engine: they outlive late answers
  engine e{engine::options{harness_options::default_config(), clock, store}};
  auto r = must(e.create_requester({"Requester", {}}));
  must(e.create_hit_type(r, engine_harness::props(cents(10))));   // the type numbers' counter is written now

  store->close_gate();
  e.deposit(r, cents(500), "dep-1", [&](result<account_balance> b) { first.set_value(std::move(b)); });
  ASSERT_TRUE(store->await_waiting(1));   // the ledger's write of the deposit
  e.deposit(r, cents(500), "dep-1", [&](result<account_balance> b) { repeat.set_value(std::move(b)); });
  e.create_hit_type(r, engine_harness::props(), [&](result<std::string> t) {
    typed.set_value(t.ok() ? errc::none : t.err().code);
  });
  ASSERT_TRUE(store->await_waiting(2));   // the requester's own write: the repeat waits by now
  // Both writes fail. The requester's failure is seen at its next message,
  // the ledger's answer (which comes through the ledger): it leaves memory
  // first, then takes the answer in its retired state.
  inner->fail_writes(true);
  store->open_gate();
  inner->fail_writes(false);

  EXPECT_EQ(typed.get_future().get(), errc::storage_failure);
  auto f1 = first.get_future();
  auto f2 = repeat.get_future();
  ASSERT_EQ(f1.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ASSERT_EQ(f2.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "the repeat was never answered";
  auto b1 = f1.get();
  auto b2 = f2.get();
  ASSERT_FALSE(b1.ok());
  EXPECT_EQ(b1.err().code, errc::storage_failure);
  ASSERT_FALSE(b2.ok());
  EXPECT_EQ(b2.err().code, errc::storage_failure);
  e.drain();
  // Not made, so the token makes it now, once.
  EXPECT_EQ(must(e.deposit(r, cents(500), "dep-1")).available, cents(500));
  EXPECT_EQ(must(e.deposit(r, cents(500), "dep-1")).available, cents(500));
}

// An accept whose HIT made it durable while its worker waited for a
// withdrawal stands when the worker then leaves memory (one of its own
// writes failed): it was answered storage_failure from the worker's stash.
TEST(SlowStore, AnAcceptMadeWhileItsWorkerWaitedStandsWhenTheWorkerLeavesMemory) {
  auto inner = std::make_shared<memory_store>();
  auto store = std::make_shared<gated_store>(inner);
  auto clock = std::make_shared<manual_clock>(start_time);
  std::promise<result<assignment_view>> first, second;   // before the engine: they outlive late answers
  std::promise<result<money>> withdrawn;
  engine e{engine::options{harness_options::default_config(), clock, store}};
  auto r = must(e.create_requester({"Requester", {}}));
  must(e.deposit(r, cents(10'000), "funds"), "deposit");
  auto w = must(e.create_worker({{}, {"US", ""}, start_time - days(365)}));
  auto type = must(e.create_hit_type(r, engine_harness::props(cents(300))));
  auto earned = must(e.create_hit(engine_harness::hit_request(r, type, 1, 3'600)));
  auto one = must(e.create_hit(engine_harness::hit_request(r, type, 1, 3'600)));
  auto two = must(e.create_hit(engine_harness::hit_request(r, type, 1, 3'600)));
  earn(e, r, w, earned.hit_id);

  store->close_gate();
  e.accept(accept_request{w, one.hit_id, {}, {}}, [&](result<assignment_view> v) { first.set_value(std::move(v)); });
  ASSERT_TRUE(store->await_waiting(1));   // HIT one's write of the accept
  e.accept(accept_request{w, two.hit_id, {}, {}}, [&](result<assignment_view> v) { second.set_value(std::move(v)); });
  ASSERT_TRUE(store->await_waiting(2));   // HIT two's
  store->open_one();                      // the first accept is durable: the worker counts it, a write of its own
  ASSERT_TRUE(store->await_waiting(2));   // HIT two's, the worker's
  e.withdraw(w, cents(100), "wd-1", [&](result<money> m) { withdrawn.set_value(std::move(m)); });
  ASSERT_TRUE(store->await_waiting(3));   // the ledger's write of the withdrawal: the worker waits for it
  store->open_one();                      // the second accept is durable; its answer waits in the worker's stash
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  inner->fail_writes(true);               // the worker's own write fails, and the withdrawal's after it
  store->open_gate();
  inner->fail_writes(false);

  auto f2 = second.get_future();
  ASSERT_EQ(f2.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto v = f2.get();
  ASSERT_TRUE(v.ok()) << describe(v.err());   // the HIT made it: it stands
  EXPECT_EQ(v->hit_id, two.hit_id);
  auto wd = withdrawn.get_future().get();
  ASSERT_FALSE(wd.ok());
  e.drain();
  // The HIT has it, and the worker (from its records) counts it.
  EXPECT_EQ(must(e.get_hit(r, two.hit_id)).assignments_pending, 1);
  EXPECT_EQ(must(e.dashboard(w)).totals.accepted, 3);
}

// The worker's own write that counts an accept fails after the HIT made
// the assignment durable. The assignment stands (the HIT's outbox note
// counts it at the worker again, replayed by the rebuild), so the client is
// told it has it, not storage_failure.
TEST(SlowStore, AnAcceptStandsWhenTheWorkersWriteThatCountsItFails) {
  auto inner = std::make_shared<memory_store>();
  auto store = std::make_shared<gated_store>(inner);
  auto clock = std::make_shared<manual_clock>(start_time);
  std::promise<result<assignment_view>> answer;   // before the engine: it outlives a late answer
  engine e{engine::options{harness_options::default_config(), clock, store}};
  auto r = must(e.create_requester({"Requester", {}}));
  must(e.deposit(r, cents(10'000), "funds"), "deposit");
  auto w = must(e.create_worker({{}, {"US", ""}, start_time - days(365)}));
  auto type = must(e.create_hit_type(r, engine_harness::props(cents(300))));
  auto hit = must(e.create_hit(engine_harness::hit_request(r, type, 1, 3'600)));

  store->close_gate();
  e.accept(accept_request{w, hit.hit_id, {}, {}}, [&](result<assignment_view> v) { answer.set_value(std::move(v)); });
  ASSERT_TRUE(store->await_waiting(1));   // the HIT's write of the accept
  store->open_one();                      // durable: the worker counts it, a write of its own
  ASSERT_TRUE(store->await_waiting(1));   // the worker's
  inner->fail_writes(true);
  store->open_gate();                     // the worker's write fails
  inner->fail_writes(false);

  auto f = answer.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto v = f.get();
  ASSERT_TRUE(v.ok()) << describe(v.err());
  EXPECT_EQ(v->hit_id, hit.hit_id);
  e.drain();
  EXPECT_EQ(must(e.get_hit(r, hit.hit_id)).assignments_pending, 1);
  EXPECT_EQ(must(e.dashboard(w)).totals.accepted, 1);   // counted again from the HIT's note
  // And the worker can go on with it.
  submit_request sub;
  sub.worker_id = w;
  sub.assignment_id = v->assignment_id;
  sub.answer = "<QuestionFormAnswers/>";
  must(e.submit(sub), "submit");
  EXPECT_EQ(must(e.dashboard(w)).totals.submitted, 1);
}

} // namespace
} // namespace hitd::test
