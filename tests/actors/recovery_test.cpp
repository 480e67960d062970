// An engine restarted on its store: actors come back from their records on
// first use (nothing is loaded up front), with the same state, and go on
// working; deadlines that passed while it was stopped fire once, after the
// start. These run on the harness's memory_store; the crash test runs the
// same on RocksDB in a child process that is killed.

#include "engine_fixture.hpp"

#include <hitd/records.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <thread>

namespace hitd::test {
namespace {

// A qualification type as these tests make them (active: the default).
qualification_type_spec qualification_type(std::string name, std::string description) {
  qualification_type_spec q;
  q.name = std::move(name);
  q.description = std::move(description);
  return q;
}

void expect_same_hit(const hit_view& a, const hit_view& b) {
  EXPECT_EQ(a.hit_id, b.hit_id);
  EXPECT_EQ(a.hit_type_id, b.hit_type_id);
  EXPECT_EQ(a.requester_id, b.requester_id);
  EXPECT_EQ(a.creation_time, b.creation_time);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.question, b.question);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.max_assignments, b.max_assignments);
  EXPECT_EQ(a.reward, b.reward);
  EXPECT_EQ(a.expiration, b.expiration);
  EXPECT_EQ(a.requester_annotation, b.requester_annotation);
  EXPECT_EQ(a.review_status, b.review_status);
  EXPECT_EQ(a.assignments_pending, b.assignments_pending);
  EXPECT_EQ(a.assignments_available, b.assignments_available);
  EXPECT_EQ(a.assignments_completed, b.assignments_completed);
  EXPECT_EQ(a.escrow_held, b.escrow_held);
}

void expect_same_assignment(const assignment_view& a, const assignment_view& b) {
  EXPECT_EQ(a.assignment_id, b.assignment_id);
  EXPECT_EQ(a.worker_id, b.worker_id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.accept_time, b.accept_time);
  EXPECT_EQ(a.deadline, b.deadline);
  EXPECT_EQ(a.submit_time, b.submit_time);
  EXPECT_EQ(a.auto_approval_time, b.auto_approval_time);
  EXPECT_EQ(a.approval_time, b.approval_time);
  EXPECT_EQ(a.answer, b.answer);
  EXPECT_EQ(a.requester_feedback, b.requester_feedback);
  EXPECT_EQ(a.reward, b.reward);
}

void expect_same_dashboard(const worker_dashboard& a, const worker_dashboard& b) {
  EXPECT_EQ(a.total_earnings, b.total_earnings);
  EXPECT_EQ(a.available_balance, b.available_balance);
  EXPECT_EQ(a.withdrawn, b.withdrawn);
  EXPECT_EQ(a.totals.accepted, b.totals.accepted);
  EXPECT_EQ(a.totals.submitted, b.totals.submitted);
  EXPECT_EQ(a.totals.approved, b.totals.approved);
  EXPECT_EQ(a.totals.pending, b.totals.pending);
  EXPECT_EQ(a.approved_bp, b.approved_bp);
  EXPECT_EQ(a.days.size(), b.days.size());
}

TEST(Recovery, ARestartedEngineAnswersForOldHitsWorkersAndBalances) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w1 = h.veteran();
  auto w2 = h.veteran();
  auto hit = h.hit(r, 3);
  auto a1 = h.submitted(w1, hit.hit_id);
  h.approve(r, a1);
  auto a2 = h.accept(w2, hit.hit_id);
  bonus_request b{r, w1, a1, cents(25), "great work", "bonus-1"};
  must(h->send_bonus(b), "send_bonus");

  auto hit_before = must(h->get_hit(r, hit.hit_id));
  auto a1_before = must(h->get_assignment(r, a1));
  auto balance_before = h.balance(r);
  auto w1_before = h.dashboard(w1);
  auto w2_before = h.dashboard(w2);
  auto audit_before = h.audit();
  auto listed_before = must(h->list_hits(r, {}));

  h.restart();

  expect_same_hit(must(h->get_hit(r, hit.hit_id)), hit_before);
  auto a1_after = must(h->get_assignment(r, a1));
  expect_same_assignment(a1_after.assignment, a1_before.assignment);
  auto balance_after = h.balance(r);
  EXPECT_EQ(balance_after.available, balance_before.available);
  EXPECT_EQ(balance_after.on_hold, balance_before.on_hold);
  expect_same_dashboard(h.dashboard(w1), w1_before);
  expect_same_dashboard(h.dashboard(w2), w2_before);
  auto audit_after = h.audit();
  EXPECT_EQ(audit_after.total, audit_before.total);
  EXPECT_EQ(audit_after.platform, audit_before.platform);
  EXPECT_EQ(audit_after.workers, audit_before.workers);
  EXPECT_EQ(audit_after.requesters_held, audit_before.requesters_held);
  auto listed_after = must(h->list_hits(r, {}));
  ASSERT_EQ(listed_after.items.size(), listed_before.items.size());
  EXPECT_EQ(listed_after.items[0].hit_id, hit.hit_id);
  auto bonuses = must(h->list_bonus_payments(r, hit.hit_id, {}, {}));
  ASSERT_EQ(bonuses.items.size(), 1u);
  EXPECT_EQ(bonuses.items[0].amount, cents(25));
  // A repeat of the bonus's token is still a repeat.
  must(h->send_bonus(b), "send_bonus again");
  EXPECT_EQ(must(h->list_bonus_payments(r, hit.hit_id, {}, {})).items.size(), 1u);

  // Work goes on where it stopped, and the books still balance.
  h.submit(w2, a2.assignment_id);
  h.approve(r, a2.assignment_id);
  auto w3 = h.veteran();
  h.submitted(w3, hit.hit_id);
  auto after = must(h->get_hit(r, hit.hit_id));
  EXPECT_EQ(after.assignments_available, 0);
  EXPECT_EQ(after.assignments_completed, 2);
  h.expect_books_balanced();
}

// The worker's finished assignments as worker_finished records, numbered
// in finishing order, oldest first.
std::vector<std::pair<uint64_t, uint64_t>> finished_records(const memory_store& store, const std::string& worker) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  auto prefix = worker_finished_prefix(worker);
  auto s = store.scan(prefix, [&](const std::string& key, const record_value& v) {
    uint64_t seq = 0;
    for (size_t i = prefix.size(); i < key.size(); ++i)
      seq = (seq << 8) | static_cast<uint8_t>(key[i]);
    out.emplace_back(seq, *std::static_pointer_cast<const uint64_t>(v));
    return true;
  });
  EXPECT_TRUE(s.ok());
  return out;
}

uint64_t assignment_key_of(const std::string& assignment_id) {
  auto ref = parse_assignment_id(assignment_id).value();
  return (ref.hit << 32) | ref.ordinal;
}

TEST(Recovery, AWorkersFinishedAssignmentsAreRecordsOfTheirOwnAndSurviveARestart) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.veteran();
  std::vector<std::string> done;
  for (int i = 0; i < 3; ++i) {
    auto a = h.submitted(w, h.hit(r).hit_id);
    h.approve(r, a);
    done.push_back(a);
  }
  h->drain();
  // The worker record holds no finished list: each finish is its own record.
  auto rec = h.store->get_as<worker_state>(worker_key(w));
  ASSERT_TRUE(rec);
  EXPECT_TRUE(rec->finished.empty());
  EXPECT_TRUE(rec->finished_order.empty());
  auto stored = finished_records(*h.store, w);
  ASSERT_EQ(stored.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(stored[i].first, i);
    EXPECT_EQ(stored[i].second, assignment_key_of(done[i]));
  }
  auto before = h.dashboard(w);

  // After a restart the worker is the same and numbers on from there.
  h.restart();
  expect_same_dashboard(h.dashboard(w), before);
  auto a = h.submitted(w, h.hit(r).hit_id);
  h.approve(r, a);
  h->drain();
  stored = finished_records(*h.store, w);
  ASSERT_EQ(stored.size(), 4u);
  EXPECT_EQ(stored[3].first, 3u);
  EXPECT_EQ(stored[3].second, assignment_key_of(a));
  EXPECT_EQ(h.dashboard(w).totals.approved, before.totals.approved + 1);
  h.expect_books_balanced();
}

TEST(Recovery, AWorkerKeepsItsLastFinishedAssignmentsAsRecordsAndDropsTheOldest) {
  harness_options o;
  o.config.workers.daily_accepts = 1'000'000;
  engine_harness h{o};
  auto r = h.requester(cents(10'000));
  auto w = h.veteran();
  auto hit = h.hit(r);
  // Taken and returned again and again: each return is a finished assignment.
  auto cycle = [&] {
    auto a = h.accept(w, hit.hit_id);
    must(h->return_assignment(w, a.assignment_id), "return_assignment");
    return a.assignment_id;
  };
  const uint64_t n = finished_max + 2;
  std::vector<std::string> ids;
  for (uint64_t i = 0; i < n; ++i)
    ids.push_back(cycle());
  h->drain();
  auto stored = finished_records(*h.store, w);
  ASSERT_EQ(stored.size(), finished_max);
  EXPECT_EQ(stored.front().first, 2u);
  EXPECT_EQ(stored.front().second, assignment_key_of(ids[2]));
  EXPECT_EQ(stored.back().first, n - 1);
  EXPECT_EQ(stored.back().second, assignment_key_of(ids.back()));

  // The same after a restart; the next finish drops the next oldest.
  h.restart();
  auto last = cycle();
  h->drain();
  stored = finished_records(*h.store, w);
  ASSERT_EQ(stored.size(), finished_max);
  EXPECT_EQ(stored.front().first, 3u);
  EXPECT_EQ(stored.front().second, assignment_key_of(ids[3]));
  EXPECT_EQ(stored.back().first, n);
  EXPECT_EQ(stored.back().second, assignment_key_of(last));
  EXPECT_EQ(h.dashboard(w).totals.returned, static_cast<int64_t>(n + 1));
}

TEST(Recovery, AWorkerRecordWithFinishedListsIsWrittenOutAsRecords) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.veteran();
  std::vector<std::string> done;
  for (int i = 0; i < 2; ++i) {
    auto a = h.submitted(w, h.hit(r).hit_id);
    h.approve(r, a);
    done.push_back(a);
  }
  h->drain();
  h.eng.reset();
  // Make the store look as an older build left it: the finished lists in
  // the worker record, no worker_finished records.
  auto old = *h.store->get_as<worker_state>(worker_key(w));
  write_batch b;
  for (const auto& [seq, key] : finished_records(*h.store, w)) {
    old.finished.insert(key);
    old.finished_order.push_back(key);
    b.push_back({record_kind::worker_finished, worker_finished_key(w, seq), nullptr});
  }
  ASSERT_EQ(old.finished_order.size(), 2u);
  b.push_back({record_kind::worker, worker_key(w), std::make_shared<const worker_state>(old)});
  std::promise<status> written;
  h.store->commit(std::move(b), [&](status s) { written.set_value(std::move(s)); });
  ASSERT_TRUE(written.get_future().get().ok());
  ASSERT_TRUE(finished_records(*h.store, w).empty());

  h.restart();
  auto a = h.submitted(w, h.hit(r).hit_id);
  h.approve(r, a);
  h->drain();
  // The worker's next batches wrote the old list out, then the new finish.
  auto stored = finished_records(*h.store, w);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0].second, assignment_key_of(done[0]));
  EXPECT_EQ(stored[1].second, assignment_key_of(done[1]));
  EXPECT_EQ(stored[2].second, assignment_key_of(a));
  auto rec = h.store->get_as<worker_state>(worker_key(w));
  ASSERT_TRUE(rec);
  EXPECT_TRUE(rec->finished_order.empty());
  EXPECT_EQ(h.dashboard(w).totals.approved, 3);
}

TEST(Recovery, NewIdsAfterARestartNeverReuseOldOnes) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto first = h.hit(r);
  h.restart();
  auto r2 = h.requester();
  auto w2 = h.worker();
  EXPECT_NE(r2, r);
  EXPECT_NE(w2, w);
  auto second = h.hit(r);
  EXPECT_NE(second.hit_id, first.hit_id);
  // Same properties, same type: the requester came back with its types.
  EXPECT_EQ(second.hit_type_id, first.hit_type_id);
  // The old HIT is still there beside the new one.
  EXPECT_EQ(must(h->get_hit(r, first.hit_id)).hit_id, first.hit_id);
  // Ids given by the caller are checked against the records too.
  requester_spec again;
  again.requester_id = r;
  EXPECT_EQ(h->create_requester(again).code(), errc::requester_already_exists);
  worker_spec wagain;
  wagain.worker_id = w;
  EXPECT_EQ(h->create_worker(wagain).code(), errc::worker_already_exists);
}

TEST(Recovery, DeadlinesThatPassedWhileStoppedFireOnceAfterTheStart) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.veteran();
  auto hit = h.hit(r, 2, 3'600);
  auto a = h.accept(w, hit.hit_id);   // ten minutes to work
  auto held = h.balance(r).on_hold;
  EXPECT_GT(held.cents, 0);
  h.restart();
  event_log log;
  h->subscribe([&](const event& e) { log.add(e); });
  // Two hours pass with the engine stopped... then it runs again.
  h.clock->set(h.clock->now() + seconds(2 * 3600));
  h.restart();
  h->subscribe([&](const event& e) { log.add(e); });
  h->advance_clock(0);
  auto v = must(h->get_hit(r, hit.hit_id));
  EXPECT_EQ(v.status, hit_status::reviewable);
  EXPECT_EQ(v.assignments_available, 0);
  EXPECT_EQ(v.escrow_held, money{});
  EXPECT_EQ(h.balance(r).on_hold, money{});
  auto count = [&](event_type t) {
    auto all = log.events();
    return std::count_if(all.begin(), all.end(), [&](const event& e) { return e.type == t; });
  };
  EXPECT_EQ(count(event_type::assignment_abandoned), 1);
  EXPECT_EQ(count(event_type::hit_expired), 1);
  EXPECT_EQ(h.dashboard(w).totals.abandoned, 1);
  (void)a;
  // Nothing fires again after another restart.
  h.restart();
  h->subscribe([&](const event& e) { log.add(e); });
  h->advance_clock(seconds(3600));
  EXPECT_EQ(count(event_type::assignment_abandoned), 1);
  EXPECT_EQ(count(event_type::hit_expired), 1);
  EXPECT_EQ(h.dashboard(w).totals.abandoned, 1);
  h.expect_books_balanced();
}

TEST(Recovery, ARequesterComesBackWithItsTypesBlocksAndQualifications) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.veteran();
  auto w2 = h.veteran();
  auto type = h.hit_type(r);
  auto q = qualification_type("Photo skills", "Can label photos");
  auto qt = must(h->create_qualification_type(r, q));
  must(h->associate_qualification_with_worker(r, qt.qualification_type_id, w, 80, false));
  must(h->create_worker_block(r, w2, "spam"));
  qualification_type_spec q2 = q;
  q2.name = "Needs a request";
  q2.auto_granted = false;
  auto qt2 = must(h->create_qualification_type(r, q2));
  auto requested = must(h->request_qualification(w, qt2.qualification_type_id, ""));
  EXPECT_FALSE(requested.granted);

  h.restart();

  // The type is the requester's: a HIT of it can be made.
  auto hit = h.hit_of_type(r, type);
  EXPECT_EQ(hit.hit_type_id, type);
  auto score = must(h->get_qualification_score(r, qt.qualification_type_id, w));
  EXPECT_EQ(score.integer_value, 80);
  auto blocks = must(h->list_worker_blocks(r, {}));
  ASSERT_EQ(blocks.items.size(), 1u);
  EXPECT_EQ(blocks.items[0].worker_id, w2);
  // The blocked worker is still blocked.
  accept_request ar{w2, hit.hit_id, {}, {}};
  EXPECT_EQ(h->accept(ar).code(), errc::worker_blocked);
  auto pending = must(h->list_qualification_requests(r, qt2.qualification_type_id, {}));
  ASSERT_EQ(pending.items.size(), 1u);
  must(h->accept_qualification_request(r, pending.items[0].qualification_request_id, 3));
  EXPECT_EQ(must(h->get_qualification_score(r, qt2.qualification_type_id, w)).integer_value, 3);
  EXPECT_TRUE(must(h->list_qualification_requests(r, qt2.qualification_type_id, {})).items.empty());
}

// A record whose key does not have the parts of its kind is reported with
// its key, never skipped silently: at start (deadlines, blocks) it is
// reported and the rest loads; where leaving it out would give a wrong
// answer (a requester's index, the ledger's audit) the answer is an error
// naming it.
TEST(Recovery, MalformedKeysAreReportedWithTheKey) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto r2 = h.requester(cents(10'000));
  auto hit = h.hit(r, 1, 3'600);
  auto before = h->stats().storage_errors;
  std::string bad_deadline = record_key{record_kind::deadline}.number(1).str() + "x";   // 10 bytes, not 17
  std::string bad_block = record_key{record_kind::worker_block}.str() + "no-terminator";
  std::string bad_index = requester_hit_prefix(r2) + std::string{"\x01\x02", 2};  // a HIT number of 2 bytes
  std::string bad_account = std::string{static_cast<char>(record_kind::ledger_account)} + "\x03";
  write_batch b;
  b.push_back({record_kind::deadline, bad_deadline, std::make_shared<const deadline_mark>()});
  b.push_back({record_kind::worker_block, bad_block, std::make_shared<const worker_block>()});
  b.push_back({record_kind::requester_hit, bad_index, std::make_shared<const requester_hit_entry>()});
  b.push_back({record_kind::ledger_account, bad_account, std::make_shared<const money>()});
  std::promise<status> written;
  h.store->commit(std::move(b), [&](status st) { written.set_value(st); });
  ASSERT_TRUE(written.get_future().get().ok());

  h.restart();
  EXPECT_GE(h->stats().storage_errors, before + 2);   // the deadline and the block, at start
  // The other deadlines loaded: the HIT expires on time.
  h->advance_clock(seconds(2 * 3600));
  EXPECT_EQ(must(h->get_hit(r, hit.hit_id)).status, hit_status::reviewable);
  // A requester whose index has the malformed key cannot be activated
  // without it: its commands fail naming the key; the others are served.
  auto listed = h->list_hits(r2, {});
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.code(), errc::storage_failure);
  EXPECT_NE(listed.err().message.find(key_hex(bad_index)), std::string::npos) << listed.err().message;
  EXPECT_TRUE(h->list_hits(r, {}).ok());
  // The audit cannot add up without every account.
  auto audit = h->audit_ledger();
  ASSERT_FALSE(audit.ok());
  EXPECT_NE(audit.err().message.find("malformed ledger_account key " + key_hex(bad_account)), std::string::npos)
      << audit.err().message;
}

// A worker's last request for a qualification type is a record: a restart
// does not let the worker ask again before the type's retry delay, whether
// the request waited for the requester or was granted at once.
TEST(Recovery, AQualificationRetryDelayHoldsAcrossARestart) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.veteran();
  auto q = qualification_type("Reviewed", "The requester looks at each request");
  q.retry_delay_s = 3600;
  auto reviewed = must(h->create_qualification_type(r, q));
  q.name = "At once";
  q.auto_granted = true;
  q.auto_granted_value = 5;
  auto at_once = must(h->create_qualification_type(r, q));
  q.name = "Once only";
  q.retry_delay_s.reset();
  auto once = must(h->create_qualification_type(r, q));
  EXPECT_FALSE(must(h->request_qualification(w, reviewed.qualification_type_id, "")).granted);
  EXPECT_TRUE(must(h->request_qualification(w, at_once.qualification_type_id, "")).granted);
  EXPECT_TRUE(must(h->request_qualification(w, once.qualification_type_id, "")).granted);
  auto pending = must(h->list_qualification_requests(r, reviewed.qualification_type_id, {}));
  ASSERT_EQ(pending.items.size(), 1u);
  must(h->reject_qualification_request(r, pending.items[0].qualification_request_id, "not yet"));

  h.restart();
  h->advance_clock(seconds(1800));
  for (const auto& t : {reviewed, at_once, once})
    EXPECT_EQ(h->request_qualification(w, t.qualification_type_id, "").code(), errc::qualification_retry_not_allowed)
        << t.spec.name;
  // Past the delay the first two may be asked for again; the third never.
  h->advance_clock(seconds(1801));
  h.restart();
  EXPECT_FALSE(must(h->request_qualification(w, reviewed.qualification_type_id, "")).granted);
  EXPECT_TRUE(must(h->request_qualification(w, at_once.qualification_type_id, "")).granted);
  EXPECT_EQ(h->request_qualification(w, once.qualification_type_id, "").code(), errc::qualification_retry_not_allowed);
  // And the new request's time is what counts from now on.
  h.restart();
  EXPECT_EQ(h->request_qualification(w, at_once.qualification_type_id, "").code(), errc::qualification_retry_not_allowed);
}

TEST(Recovery, AcceptNextOfAGroupWorksAfterARestart) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.veteran();
  auto type = h.hit_type(r);
  auto first = h.hit_of_type(r, type);
  h.restart();
  accept_request ar;
  ar.worker_id = w;
  ar.hit_type_id = type;
  auto a = must(h->accept(ar));
  EXPECT_EQ(a.hit_id, first.hit_id);
}

// An actor activated from its records is spawned on the thread that asked
// for it: here a thread of the caller's that is still running when the
// engine stops (as the writer thread of a RocksDB store the caller keeps
// open is: the crash test found this). The engine must stop all the same,
// not wait for that thread to end.
TEST(Recovery, AnEngineStopsWhileAThreadThatActivatedAnActorRunsOn) {
  engine_harness h;
  auto r = h.requester();
  h.restart();
  std::promise<void> activated;
  std::latch release{1};
  std::thread caller([&] {
    EXPECT_TRUE(h->get_account_balance(r).ok());   // activates the requester here
    activated.set_value();
    release.wait();
  });
  activated.get_future().wait();
  // Stopped here, on the thread that started it. Should it wait for the
  // caller's thread, a watchdog lets that thread end after 10 s.
  std::atomic<bool> stopped{false}, released_by_watchdog{false};
  std::thread watchdog([&] {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!stopped && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!stopped) {
      released_by_watchdog = true;
      release.count_down();
    }
  });
  h.eng.reset();
  stopped = true;
  watchdog.join();
  if (!released_by_watchdog)
    release.count_down();
  caller.join();
  bool in_time = !released_by_watchdog;
  EXPECT_TRUE(in_time) << "~engine waited for a thread that had activated an actor to end";
}

// Once armed, reads of one key fail from the nth on, `count` times (a disk
// that fails a read now and then); the rest pass through.
class flaky_reads final : public storage_port {
public:
  explicit flaky_reads(std::shared_ptr<memory_store> inner) : inner_(std::move(inner)) {}
  void arm(std::string key, int first, int count) {
    std::lock_guard<std::mutex> g{mutex_};
    key_ = std::move(key);
    first_ = first;
    count_ = count;
    reads_ = 0;
  }
  void commit(write_batch batch, std::function<void(status)> done) override { inner_->commit(std::move(batch), std::move(done)); }
  void resume() override { inner_->resume(); }
  result<record_value> get(const std::string& key) const override {
    {
      std::lock_guard<std::mutex> g{mutex_};
      if (key == key_) {
        int n = ++reads_;
        if (n >= first_ && n < first_ + count_)
          return error{errc::storage_failure, "injected: the read failed"};
      }
    }
    return inner_->get(key);
  }
  status scan(const std::string& prefix, const scan_visitor& visit, const std::string& from = {}) const override {
    return inner_->scan(prefix, visit, from);
  }

private:
  std::shared_ptr<memory_store> inner_;
  mutable std::mutex mutex_;
  std::string key_;
  int first_ = 0, count_ = 0;
  mutable int reads_ = 0;
};

// A HIT whose record says a hold went to the ledger unanswered settles it
// when it comes into memory; if it cannot read what the ledger applied, it
// tries again a second later. Before, it stayed settling, its commands
// waiting, until some rebuild or restart.
TEST(Recovery, AHitThatCannotReadWhetherItsHoldWasAppliedTriesAgain) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto v = h.hit(r, 2);
  auto number = *parse_id(id_kind::hit, v.hit_id);
  auto before = h.balance(r);
  h.eng.reset();
  // As if the HIT had sent a hold for more assignments and stopped before
  // the ledger's answer (the ledger never applied it).
  auto snap = *h.store->get_as<hit_snapshot>(hit_key(number));
  snap.pending_seq = snap.ledger_seq + 1;
  snap.pending_hold = cents(120);
  snap.ledger_seq += 1;
  h.store->commit({{record_kind::hit, hit_key(number), std::make_shared<const hit_snapshot>(snap)}}, [](status s) {
    ASSERT_TRUE(s.ok());
  });
  std::promise<result<hit_view>> got;   // before the engine: it outlives any late answer
  auto store = std::make_shared<flaky_reads>(h.store);
  engine e{engine::options{harness_options::default_config(), h.clock, store}};
  // The ledger's record of this HIT's transfers ("H" and its number, as
  // hit_actor.cpp names the HIT's source): read 1 (activation) passes; 2
  // (settling at activation) and 3 (the wake right after) fail; 4 (a
  // second later) passes.
  store->arm(ledger_source_key("H" + std::to_string(number)), 2, 2);
  e.get_hit(r, v.hit_id, [&](result<hit_view> x) { got.set_value(std::move(x)); });
  auto f = got.get_future();
  EXPECT_EQ(f.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
    << "answered before the pending hold was settled";
  e.advance_clock(seconds(2));
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "still settling";
  auto got_v = f.get();
  ASSERT_TRUE(got_v.ok()) << describe(got_v.err());
  EXPECT_EQ(got_v->max_assignments, 2);   // the hold was not applied: nothing more
  e.drain();
  auto after = must(e.get_account_balance(r));
  EXPECT_EQ(after.available, before.available);
  EXPECT_EQ(after.on_hold, before.on_hold);
}

// ---- found by the crash test (tests/crash/crash_test.cpp) ------------------------------

// Deposit tokens are records written with the deposit: a client that
// retries a deposit whose answer a crash lost is not paid twice.
TEST(Recovery, ADepositTokenRepeatedAfterARestartHasNoSecondEffect) {
  engine_harness h;
  auto r = h.requester(money{});
  must(h->deposit(r, cents(500), "only-once"), "deposit");
  h.restart();
  must(h->deposit(r, cents(500), "only-once"), "deposit again");
  EXPECT_EQ(h.balance(r).available, cents(500));
}

TEST(Recovery, ADepositTokenIsKeptForADayAndBoundToItsAmount) {
  engine_harness h;
  auto r = h.requester(money{});
  must(h->deposit(r, cents(500), "first"), "deposit");
  EXPECT_EQ(h->deposit(r, cents(700), "first").code(), errc::invalid_parameter_value);
  h.restart();
  EXPECT_EQ(h->deposit(r, cents(700), "first").code(), errc::invalid_parameter_value);
  h->advance_clock(limits::request_token_window_ms + 1'000);
  // After its window the token is forgotten (its record deleted with the
  // next deposit) and makes a new deposit.
  must(h->deposit(r, cents(700), "first"), "deposit after a day");
  EXPECT_EQ(h.balance(r).available, cents(1'200));
  h.restart();
  must(h->deposit(r, cents(700), "first"), "repeat");
  EXPECT_EQ(h.balance(r).available, cents(1'200));
}

// A create token reused after its window makes a new HIT, and that HIT's
// token is what a retry after a restart finds (the old token's record is
// deleted before the new one is written, in the same batch).
TEST(Recovery, ACreateTokenReusedAfterItsWindowStaysDurable) {
  engine_harness h;
  auto r = h.requester();
  auto type = h.hit_type(r);
  auto req = engine_harness::hit_request(r, type, 1, 3 * 86'400);
  req.unique_request_token = "batch-7";
  auto first = must(h->create_hit(req));
  h->advance_clock(limits::request_token_window_ms + 1'000);
  auto second = must(h->create_hit(req));
  EXPECT_NE(second.hit_id, first.hit_id);
  h.restart();
  // A repeat within the window answers with the HIT the token made.
  auto again = must(h->create_hit(req));
  EXPECT_EQ(again.hit_id, second.hit_id);
}

// Repeats of a deposit still being made wait for it: none is answered
// before the deposit is durable, and it is made once.
TEST(Recovery, RepeatsOfADepositInFlightAreAnsweredWithItOnce) {
  engine_harness h;
  auto r = h.requester(money{});
  constexpr int n = 20;
  std::vector<std::promise<result<account_balance>>> answers(n);
  for (int i = 0; i < n; ++i)
    h->deposit(r, cents(300), "same", [&answers, i](result<account_balance> v) { answers[i].set_value(std::move(v)); });
  for (auto& a : answers) {
    auto f = a.get_future();
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    auto v = f.get();
    ASSERT_TRUE(v.ok()) << describe(v.err());
    EXPECT_EQ(v->available, cents(300));
  }
  EXPECT_EQ(h.balance(r).available, cents(300));
}

// A block is written twice: the requester's record (worker_block), then,
// when that write completed, the worker's record (blocked_by). A crash in
// between must not leave the requester listing the worker as blocked while
// the worker is not: a worker takes its blocks from the requesters' records
// when it is activated. Here the store holds what such a crash leaves.
TEST(Recovery, ABlockTheRequesterWroteHoldsForTheWorkerAfterACrash) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.veteran();
  auto hit = h.hit(r, 2);
  h.eng.reset();
  h.store->commit({{record_kind::worker_block, worker_block_key(r, w),
                    std::make_shared<const worker_block>(worker_block{w, "careless work"})}},
                  [](status s) { ASSERT_TRUE(s.ok()); });
  h.restart();
  auto blocks = must(h->list_worker_blocks(r, {}));
  ASSERT_EQ(blocks.items.size(), 1u);
  EXPECT_EQ(blocks.items[0].worker_id, w);
  EXPECT_EQ(must(h->worker_credentials_of(w)).blocked_by.count(r), 1u);
  accept_request ar{w, hit.hit_id, {}, {}};
  EXPECT_EQ(h->accept(ar).code(), errc::worker_blocked);
}

// And the reverse: an unblock the requester wrote, with the worker's own
// record still saying blocked.
TEST(Recovery, AnUnblockTheRequesterWroteHoldsForTheWorkerAfterACrash) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.veteran();
  auto hit = h.hit(r, 2);
  must(h->create_worker_block(r, w, "careless work"), "block");
  h.eng.reset();
  h.store->commit({{record_kind::worker_block, worker_block_key(r, w), nullptr}},
                  [](status s) { ASSERT_TRUE(s.ok()); });
  h.restart();
  EXPECT_TRUE(must(h->list_worker_blocks(r, {})).items.empty());
  EXPECT_EQ(must(h->worker_credentials_of(w)).blocked_by.count(r), 0u);
  accept_request ar{w, hit.hit_id, {}, {}};
  auto a = h->accept(ar);
  EXPECT_TRUE(a.ok()) << describe(a.err());
}

// The same for a qualification grant: the requester's batch (its
// qualification_grant record and the worker's worker_grant index), then the
// worker's copy in its own record, which a crash lost.
TEST(Recovery, AGrantTheRequesterWroteHoldsForTheWorkerAfterACrash) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.veteran();
  auto qt = must(h->create_qualification_type(r, qualification_type("Photo skills", "Can label photos")));
  auto p = engine_harness::props();
  qualification_requirement need;
  need.qualification_type_id = qt.qualification_type_id;
  need.cmp = comparator::greater_than_or_equal_to;
  need.integer_values = {50};
  p.requirements = {need};
  auto hit = h.hit(r, 1, 3'600, p);
  h.eng.reset();
  qualification_grant g;
  g.qualification_type_id = qt.qualification_type_id;
  g.integer_value = 80;
  g.grant_time = h.now();
  auto n = parse_id(id_kind::qualification_type, qt.qualification_type_id);
  ASSERT_TRUE(n);
  auto value = std::make_shared<const qualification_grant>(g);
  h.store->commit({{record_kind::qualification_grant, qualification_grant_key(*n, w), value},
                   {record_kind::worker_grant, worker_grant_key(w, *n), value}},
                  [](status s) { ASSERT_TRUE(s.ok()); });
  h.restart();
  EXPECT_EQ(must(h->get_qualification_score(r, qt.qualification_type_id, w)).integer_value, 80);
  accept_request ar{w, hit.hit_id, {}, {}};
  auto a = h->accept(ar);
  EXPECT_TRUE(a.ok()) << describe(a.err());
}

} // namespace
} // namespace hitd::test

namespace hitd::test {
namespace {

harness_options small_budget() {
  harness_options o;
  o.config.resident_hits_max = 5;
  o.config.resident_workers_max = 2;
  o.config.passivate_after_ms = 1'000;
  return o;
}

TEST(Passivation, IdleActorsOverTheBudgetLeaveMemoryAndComeBackTheSame) {
  engine_harness h{small_budget()};
  auto r = h.requester(cents(100'000));
  std::vector<std::string> workers;
  for (int i = 0; i < 6; ++i)
    workers.push_back(h.veteran());
  auto type = h.hit_type(r);
  std::vector<std::string> hits;
  for (int i = 0; i < 20; ++i)
    hits.push_back(h.hit_of_type(r, type, 3).hit_id);
  // Some work on some of them, so there is state to lose.
  auto a = h.submitted(workers[0], hits[0]);
  h.approve(r, a);
  auto held = h.accept(workers[1], hits[1]);
  std::vector<hit_view> before;
  for (const auto& id : hits)
    before.push_back(must(h->get_hit(r, id)));
  auto dash_before = h.dashboard(workers[0]);
  EXPECT_GE(h->stats().resident_hits, 20u);

  h->advance_clock(seconds(2));   // idle past passivate_after_ms: the sweep runs
  h->drain();
  auto st = h->stats();
  EXPECT_LE(st.resident_hits, 5u);
  EXPECT_LE(st.resident_workers, 2u);

  for (size_t i = 0; i < hits.size(); ++i)
    expect_same_hit(must(h->get_hit(r, hits[i])), before[i]);
  expect_same_dashboard(h.dashboard(workers[0]), dash_before);
  // And they work on: accept on a HIT that left memory, approve on another.
  auto b = h.submitted(workers[2], hits[5]);
  h.approve(r, b);
  h.submit(workers[1], held.assignment_id);
  h.approve(r, held.assignment_id);
  h.expect_books_balanced();
}

// A sweep asks only as many actors as are over the budget, the next ones
// round the directory each time: busy actors cannot keep the idle ones
// behind them in memory sweep after sweep (they did when every sweep
// began at the directory's start).
TEST(Passivation, BusyActorsDoNotKeepIdleOnesInMemory) {
  engine_harness h{small_budget()};   // 5 resident HITs
  auto r = h.requester(cents(100'000));
  auto type = h.hit_type(r);
  std::vector<std::string> hits, busy;
  for (int i = 0; i < 50; ++i)
    hits.push_back(h.hit_of_type(r, type, 1).hit_id);
  for (size_t i = 0; i < hits.size(); i += 5)
    busy.push_back(hits[i]);
  h->advance_clock(seconds(2));   // every HIT idle: the sweep after it asks 45
  h->drain();
  size_t resident = 0;
  int sweeps = 0;
  while (sweeps < 100) {
    for (const auto& id : busy)
      must(h->get_hit(r, id));   // active: these stay
    h->passivate_idle(1'000);
    h->drain();
    ++sweeps;
    resident = h->stats().resident_hits;
    if (resident == busy.size())
      break;
  }
  EXPECT_EQ(resident, busy.size()) << "idle HITs still in memory after " << sweeps << " sweeps";
  EXPECT_LE(sweeps, 10);
  for (const auto& id : hits)   // and every one answers as before
    EXPECT_EQ(must(h->get_hit(r, id)).hit_id, id);
}

// Without a store a HIT over the budget parks: its actor goes, its state
// stays in the directory, and the next message brings up a new actor with
// it. Workers and requesters stay (they have nowhere to go).
TEST(Passivation, WithoutAStoreIdleHitsParkAndComeBackTheSame) {
  auto o = small_budget();
  o.with_store = false;
  engine_harness h{o};
  auto r = h.requester(cents(100'000));
  std::vector<std::string> workers;
  for (int i = 0; i < 6; ++i)
    workers.push_back(h.veteran());
  auto type = h.hit_type(r);
  std::vector<std::string> hits;
  for (int i = 0; i < 20; ++i)
    hits.push_back(h.hit_of_type(r, type, 3, i < 10 ? 3'600 : 7'200).hit_id);
  auto a = h.submitted(workers[0], hits[0]);
  h.approve(r, a);
  auto held = h.accept(workers[1], hits[1]);
  h.accept(workers[3], hits[12]);   // abandoned after its 600 s, while parked
  std::vector<hit_view> before;
  for (const auto& id : hits)
    before.push_back(must(h->get_hit(r, id)));
  auto dash_before = h.dashboard(workers[0]);
  EXPECT_EQ(h->stats().resident_hits, 20u);
  EXPECT_EQ(h->stats().parked_hits, 0u);

  h->advance_clock(seconds(2));   // idle past passivate_after_ms: the sweep runs
  h->drain();
  auto st = h->stats();
  EXPECT_LE(st.resident_hits, 5u);
  EXPECT_EQ(st.resident_hits + st.parked_hits, 20u);
  EXPECT_EQ(st.resident_workers + st.parked_workers, 6u);   // workers park too (the next test)

  // Listed and read back the same (each read brings one back).
  auto listed = must(h->list_available_hits(page_request{}));
  EXPECT_EQ(listed.items.size(), 20u);   // every one has a slot open, parked or not
  for (size_t i = 0; i < hits.size(); ++i)
    expect_same_hit(must(h->get_hit(r, hits[i])), before[i]);
  expect_same_dashboard(h.dashboard(workers[0]), dash_before);
  EXPECT_EQ(h->stats().parked_hits, 0u);

  // Parked again, they work on: an accept, a submit and approvals, each
  // on a HIT that had no actor.
  h->advance_clock(seconds(2));
  h->drain();
  EXPECT_GE(h->stats().parked_hits, 15u);
  auto b = h.submitted(workers[2], hits[5]);
  h.approve(r, b);
  h.submit(workers[1], held.assignment_id);
  h.approve(r, held.assignment_id);

  // Deadlines of parked HITs fire: the first ten expire after an hour, the
  // assignment held on HIT 12 is abandoned after its duration.
  h->advance_clock(seconds(2));
  h->drain();
  EXPECT_GE(h->stats().parked_hits, 15u);
  h->advance_clock(seconds(3'601));
  h->drain();
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(must(h->get_hit(r, hits[i])).status, hit_status::reviewable) << i;
  for (int i = 10; i < 20; ++i)
    EXPECT_EQ(must(h->get_hit(r, hits[i])).status, hit_status::assignable) << i;
  auto twelve = must(h->get_hit(r, hits[12]));
  EXPECT_EQ(twelve.assignments_pending, 0);
  EXPECT_EQ(twelve.assignments_available, 3);
  EXPECT_EQ(h.dashboard(workers[3]).totals.abandoned, 1);
  h.expect_books_balanced();
}

// Without a store an idle worker over the budget parks the same way: its
// state stays in the directory and a new actor takes it up on the next
// message, with its qualifications, blocks, statistics, earnings and the
// assignment it holds.
TEST(Passivation, WithoutAStoreIdleWorkersParkAndComeBackTheSame) {
  auto o = small_budget();   // 2 resident workers
  o.with_store = false;
  engine_harness h{o};
  auto r = h.requester(cents(100'000));
  auto type = h.hit_type(r);
  std::vector<std::string> workers;
  for (int i = 0; i < 6; ++i)
    workers.push_back(h.veteran());
  auto qt = must(h->create_qualification_type(r, qualification_type("Photo skills", "Can label photos")));
  must(h->associate_qualification_with_worker(r, qt.qualification_type_id, workers[0], 80, false));
  must(h->create_worker_block(r, workers[5], "spam"));
  auto paid = h.submitted(workers[0], h.hit_of_type(r, type, 1).hit_id);
  h.approve(r, paid);
  must(h->send_bonus({r, workers[0], paid, cents(25), "good work", ""}));
  auto held = h.accept(workers[1], h.hit_of_type(r, type, 1).hit_id);
  std::vector<worker_dashboard> before;
  for (const auto& w : workers)
    before.push_back(h.dashboard(w));
  EXPECT_EQ(h->stats().parked_workers, 0u);

  h->advance_clock(seconds(2));   // idle past passivate_after_ms: the sweep runs
  h->drain();
  auto st = h->stats();
  EXPECT_LE(st.resident_workers, 2u);
  EXPECT_EQ(st.resident_workers + st.parked_workers, 6u);

  // Read back the same (each read brings one back).
  for (size_t i = 0; i < workers.size(); ++i)
    expect_same_dashboard(h.dashboard(workers[i]), before[i]);
  EXPECT_EQ(must(h->get_qualification_score(r, qt.qualification_type_id, workers[0])).integer_value, 80);

  // Parked again, they work on, each from a parked state: a parked id is
  // taken; the qualification still lets a worker in and the block still
  // keeps one out; the held assignment is submitted and paid.
  h->advance_clock(seconds(2));
  h->drain();
  EXPECT_GE(h->stats().parked_workers, 4u);
  auto again = h->create_worker({.worker_id = workers[2]});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.err().code, errc::worker_already_exists);
  auto props = engine_harness::props();
  qualification_requirement need;
  need.qualification_type_id = qt.qualification_type_id;
  need.cmp = comparator::greater_than_or_equal_to;
  need.integer_values = {50};
  props.requirements = {need};
  auto guarded = h.hit(r, 2, 3'600, props).hit_id;
  h->advance_clock(seconds(2));
  h->drain();
  EXPECT_GE(h->stats().parked_workers, 4u);
  auto a = h.accept(workers[0], guarded);
  auto refused = h->accept({workers[3], guarded, {}, {}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.err().code, errc::does_not_meet_requirements);
  auto blocked = h->accept({workers[5], h.hit_of_type(r, type, 1).hit_id, {}, {}});
  ASSERT_FALSE(blocked.ok());
  h.submit(workers[1], held.assignment_id);
  h.approve(r, held.assignment_id);
  EXPECT_EQ(h.dashboard(workers[1]).totals.approved, before[1].totals.approved + 1);
  EXPECT_EQ(h.dashboard(workers[0]).totals.accepted, before[0].totals.accepted + 1);
  h.submit(workers[0], a.assignment_id);
  h.approve(r, a.assignment_id);
  h.expect_books_balanced();
}

// Commands racing with passivation: a command that reaches an actor after
// it left memory (with a store) or parked (without one) is forwarded to
// its successor; none is lost or doubled.
void commands_racing_with_passivation(bool with_store) {
  auto o = small_budget();
  o.with_store = with_store;
  o.config.resident_hits_max = 1;
  o.config.resident_workers_max = 1;
  engine_harness h{o};
  auto r = h.requester(cents(1'000'000));
  auto type = h.hit_type(r);
  std::vector<std::string> workers, hits;
  for (int i = 0; i < 8; ++i)
    workers.push_back(h.veteran());
  for (int i = 0; i < 40; ++i)
    hits.push_back(h.hit_of_type(r, type, 8).hit_id);
  std::atomic<bool> stop{false};
  std::atomic<size_t> asked{0};
  std::thread sweeper([&] {
    for (int i = 0; i < 20'000 && !stop.load(); ++i)
      asked += h->passivate_idle(-1'000);   // everything idle "since a second from now"
  });
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::future<void>> all;
  for (const auto& w : workers)
    for (const auto& hit : hits) {
      auto p = std::make_shared<std::promise<void>>();
      all.push_back(p->get_future());
      accept_request ar{w, hit, {}, {}};
      h->accept(ar, [&, p](result<assignment_view> a) {
        (a.ok() ? ok : failed).fetch_add(1);
        p->set_value();
      });
    }
  for (auto& f : all)
    f.wait();
  stop = true;
  sweeper.join();
  EXPECT_GT(asked.load(), 0u);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), static_cast<int>(workers.size() * hits.size()));
  h->drain();
  for (const auto& hit : hits) {
    auto v = must(h->get_hit(r, hit));
    EXPECT_EQ(v.assignments_pending, static_cast<int64_t>(workers.size())) << hit;
    EXPECT_EQ(v.assignments_available, 0) << hit;
  }
  for (const auto& w : workers)
    EXPECT_EQ(h.dashboard(w).totals.accepted, static_cast<int64_t>(hits.size())) << w;
  h.expect_books_balanced();
}

TEST(Passivation, CommandsRacingWithPassivationAreNeitherLostNorDoubled) {
  commands_racing_with_passivation(true);
}

TEST(Passivation, WithoutAStoreCommandsRacingWithParkingAreNeitherLostNorDoubled) {
  commands_racing_with_passivation(false);
}

} // namespace
} // namespace hitd::test

namespace hitd::test {
namespace {

// Two HITs of one requester, one worker's assignment on the second
// approved, then that HIT expired and deleted.
struct one_deleted {
  explicit one_deleted(engine_harness& h) : r(h.requester()), w(h.veteran()), kept(h.hit(r)), gone(h.hit(r)) {
    h.approve(r, h.submitted(w, gone.hit_id));
    must(h->update_expiration(r, gone.hit_id, h.now()));   // expire it now
    must(h->delete_hit(r, gone.hit_id));
    h->drain();
  }
  std::string r, w;
  hit_view kept, gone;
};

TEST(Retention, ADeletedHitsRecordsGoWhenItsRetentionEnds) {
  harness_options o;
  o.config.retention_ms = days(120);
  engine_harness h{o};
  auto [r, w, kept, gone] = one_deleted{h};
  auto number = *parse_id(id_kind::hit, gone.hit_id);
  EXPECT_TRUE(h.store->get_as<hit_snapshot>(hit_key(number)));
  // Still there (and answering) within the retention period.
  h->advance_clock(days(119));
  EXPECT_EQ(must(h->get_hit(r, gone.hit_id)).status, hit_status::disposed);
  // Then every record of it goes; the other HIT and the money stay.
  h->advance_clock(days(2));
  EXPECT_EQ(h->get_hit(r, gone.hit_id).code(), errc::hit_does_not_exist);
  EXPECT_FALSE(h.store->get_as<hit_snapshot>(hit_key(number)));
  EXPECT_FALSE(h.store->get_as<hit_definition>(hit_definition_key(number)));
  EXPECT_FALSE(h.store->get_as<assignment_record>(assignment_key(number, 0)));
  EXPECT_FALSE(h.store->get_as<requester_hit_entry>(requester_hit_key(r, number)));
  EXPECT_EQ(must(h->get_hit(r, kept.hit_id)).hit_id, kept.hit_id);
  EXPECT_EQ(h.dashboard(w).totals.approved, 1);
  h.expect_books_balanced();
  // Nor does it come back after a restart.
  h.restart();
  EXPECT_EQ(h->get_hit(r, gone.hit_id).code(), errc::hit_does_not_exist);
  for (const auto& v : must(h->list_hits(r, {})).items)
    EXPECT_NE(v.hit_id, gone.hit_id);
}

// Without a store a deleted HIT parks at once and, when its retention
// ends, leaves memory for good (before, it was woken at every tick from
// then on and never went).
TEST(Retention, WithoutAStoreADeletedHitLeavesMemoryWhenItsRetentionEnds) {
  harness_options o;
  o.with_store = false;
  o.config.retention_ms = days(120);
  engine_harness h{o};
  auto [r, w, kept, gone] = one_deleted{h};
  EXPECT_EQ(h->stats().parked_hits, 1u);
  h->advance_clock(days(119));
  h->drain();
  EXPECT_EQ(must(h->get_hit(r, gone.hit_id)).status, hit_status::disposed);
  h->advance_clock(days(2));
  h->drain();
  EXPECT_EQ(h->get_hit(r, gone.hit_id).code(), errc::hit_does_not_exist);
  auto st = h->stats();
  EXPECT_EQ(st.resident_hits + st.parked_hits, 1u);   // the one kept
  EXPECT_EQ(must(h->get_hit(r, kept.hit_id)).hit_id, kept.hit_id);
  for (const auto& v : must(h->list_hits(r, {})).items)
    EXPECT_NE(v.hit_id, gone.hit_id);
  EXPECT_EQ(h.dashboard(w).totals.approved, 1);
  h.expect_books_balanced();
}

} // namespace
} // namespace hitd::test
