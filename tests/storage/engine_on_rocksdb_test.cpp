// The engine on the RocksDB store: a restart on the data directory answers
// for what was there, and a record that cannot be read is reported with its
// key, never skipped.

#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <hitd/hitd.hpp>
#include <hitd/records.hpp>
#include <hitd/storage/codec.hpp>
#include <hitd/storage/rocksdb_store.hpp>

namespace hitd::storage {
namespace {

constexpr timestamp t0 = 1'767'225'600'000;

struct temp_dir {
  temp_dir() {
    char tmpl[] = "/tmp/hitd-engine-rocksdb-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  std::string path;
};

struct running {
  explicit running(const std::string& dir, std::shared_ptr<manual_clock> clock) {
    store_options so;
    so.path = dir;
    so.mode = durability::sync;
    store = rocksdb_store::open(so).value();
    engine::options o;
    o.clock = std::move(clock);
    o.store = store;
    o.config.scheduler_threads = 2;
    e = std::make_unique<engine>(o);
  }
  ~running() {
    e.reset();
    store->close();
  }
  std::shared_ptr<rocksdb_store> store;
  std::unique_ptr<engine> e;
};

hit_properties props() {
  hit_properties p;
  p.title = "Label a photo";
  p.description = "Say what is in the picture";
  p.reward = cents(50);
  p.assignment_duration_s = 600;
  p.auto_approval_delay_s = 86'400;
  return p;
}

create_hit_request hit_request(const std::string& requester, const std::string& type) {
  create_hit_request r;
  r.requester_id = requester;
  r.hit_type_id = type;
  r.max_assignments = 2;
  r.lifetime_s = 3'600;
  r.question = "<HTMLQuestion/>";
  return r;
}

TEST(EngineOnRocksdb, ARestartAnswersForHitsWorkersAndBalances) {
  temp_dir dir;
  auto clock = std::make_shared<manual_clock>(t0);
  std::string r, w, hit_id, assignment_id;
  hit_view before;
  account_balance balance_before;
  worker_dashboard dashboard_before;
  {
    running run{dir.path, clock};
    auto& e = *run.e;
    r = e.create_requester({"Acme"}).value();
    e.deposit(r, cents(10'000), "first").value();
    w = e.create_worker({.registered = t0 - days(30)}).value();
    auto type = e.create_hit_type(r, props()).value();
    hit_id = e.create_hit(hit_request(r, type)).value().hit_id;
    assignment_id = e.accept({w, hit_id, {}, {}}).value().assignment_id;
    ASSERT_TRUE(e.submit({w, assignment_id, "<answer/>", {}}).ok());
    ASSERT_TRUE(e.approve_assignment({r, assignment_id, "thanks", false}).ok());
    e.drain();
    before = e.get_hit(r, hit_id).value();
    balance_before = e.get_account_balance(r).value();
    dashboard_before = e.dashboard(w).value();
  }
  running run{dir.path, clock};
  auto& e = *run.e;
  auto after = e.get_hit(r, hit_id).value();
  EXPECT_EQ(after.assignments_completed, 1);
  EXPECT_EQ(after.assignments_available, before.assignments_available);
  EXPECT_EQ(after.escrow_held, before.escrow_held);
  auto balance = e.get_account_balance(r).value();
  EXPECT_EQ(balance.available, balance_before.available);
  EXPECT_EQ(balance.on_hold, balance_before.on_hold);
  auto d = e.dashboard(w).value();
  EXPECT_EQ(d.totals.approved, 1);
  EXPECT_EQ(d.available_balance, dashboard_before.available_balance);
  EXPECT_EQ(e.get_assignment(r, assignment_id).value().assignment.status, assignment_status::approved);
  auto audit = e.audit_ledger().value();
  EXPECT_EQ(audit.total, money{});
  EXPECT_EQ(audit.external, money{} - cents(10'000));
}

TEST(EngineOnRocksdb, ARecordThatCannotBeReadIsReportedWithItsKey) {
  temp_dir dir;
  auto clock = std::make_shared<manual_clock>(t0);
  std::string r, bad_hit, good_hit;
  {
    running run{dir.path, clock};
    auto& e = *run.e;
    r = e.create_requester({"Acme"}).value();
    e.deposit(r, cents(10'000), "first").value();
    auto type = e.create_hit_type(r, props()).value();
    bad_hit = e.create_hit(hit_request(r, type)).value().hit_id;
    good_hit = e.create_hit(hit_request(r, type)).value().hit_id;
  }
  auto number = *parse_id(id_kind::hit, bad_hit);
  {
    rocksdb::Options o;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db{raw};
    ASSERT_TRUE(db->Put({}, hit_key(number), std::string{"\x01\x02"}).ok());   // truncated
    ASSERT_TRUE(db->Close().ok());
  }
  running run{dir.path, clock};
  auto& e = *run.e;
  auto bad = e.get_hit(r, bad_hit);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), errc::storage_failure);
  EXPECT_NE(bad.err().message.find(key_hex(hit_key(number))), std::string::npos) << bad.err().message;
  EXPECT_GT(e.stats().storage_errors, 0u);
  // Everything else is served.
  EXPECT_TRUE(e.get_hit(r, good_hit).ok());
  EXPECT_TRUE(e.get_account_balance(r).ok());
}

} // namespace
} // namespace hitd::storage
