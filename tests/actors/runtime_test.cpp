// The engine's runtime on its own terms: deadlines under the wall clock (the
// timer thread; every other test moves a manual clock), and an engine
// destroyed while commands are still in flight.
#include <gtest/gtest.h>

#include <hitd/hitd.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hitd {
namespace {

hit_properties task(int64_t reward_cents) {
  hit_properties p;
  p.title = "Runtime test";
  p.description = "A HIT of the runtime tests";
  p.reward = cents(reward_cents);
  p.assignment_duration_s = 600;
  p.auto_approval_delay_s = 3'600;
  return p;
}

// Under the wall clock the timer thread, not a test, fires a deadline: a HIT
// whose expiry is moved one second ahead expires on its own and gives its
// unaccepted slots' money back.
TEST(Runtime, WallClockDeadlinesFireOnTheTimerThread) {
  engine_config cfg;
  cfg.timer_tick_ms = 20;
  engine e{{cfg, nullptr, nullptr}};   // the wall clock
  std::mutex m;
  std::condition_variable cv;
  std::vector<event_type> seen;
  e.subscribe([&](const event& ev) {
    std::lock_guard<std::mutex> g{m};
    seen.push_back(ev.type);
    cv.notify_all();
  });
  auto r = e.create_requester({"Clock"}).value();
  ASSERT_TRUE(e.deposit(r, cents(1'000), "d").ok());
  create_hit_request req;
  req.requester_id = r;
  req.properties = task(50);
  req.max_assignments = 2;
  req.lifetime_s = 3'600;
  req.question = "<HTMLQuestion/>";
  auto hit = e.create_hit(req).value();
  ASSERT_EQ(e.get_account_balance(r).value().on_hold, cents(120));
  ASSERT_TRUE(e.update_expiration(r, hit.hit_id, e.now() + 1'000).ok());

  std::unique_lock<std::mutex> g{m};
  bool expired = cv.wait_for(g, std::chrono::seconds(20), [&] {
    return std::find(seen.begin(), seen.end(), event_type::hit_expired) != seen.end();
  });
  g.unlock();
  ASSERT_TRUE(expired) << "the timer thread never expired the HIT";
  e.drain();
  auto v = e.get_hit(r, hit.hit_id).value();
  EXPECT_EQ(v.assignments_available, 0);
  EXPECT_EQ(v.status, hit_status::reviewable);
  EXPECT_EQ(e.get_account_balance(r).value().on_hold, cents(0));
  EXPECT_EQ(e.get_account_balance(r).value().available, cents(1'000));
}

// Destroying an engine with work in flight waits for it: no callback runs
// after the destructor returns, and none runs twice. (Run under the
// sanitizer build, this also shows no actor touches freed engine state.)
TEST(Runtime, AnEngineDestroyedWithCommandsInFlightStopsCleanly) {
  std::atomic<int> answered{0};
  std::atomic<int> twice{0};
  constexpr int commands = 2'000;
  {
    auto clock = std::make_shared<manual_clock>(1'767'225'600'000);
    engine e{{{}, clock, std::make_shared<memory_store>()}};
    auto r = e.create_requester({"Busy"}).value();
    ASSERT_TRUE(e.deposit(r, cents(1'000'000), "d").ok());
    auto type = e.create_hit_type(r, task(5)).value();
    std::vector<std::string> workers;
    for (int i = 0; i < 20; ++i)
      workers.push_back(e.create_worker({.registered = 0}).value());
    for (int i = 0; i < commands; ++i) {
      auto flag = std::make_shared<std::atomic<bool>>(false);
      create_hit_request req;
      req.requester_id = r;
      req.hit_type_id = type;
      req.lifetime_s = 3'600;
      req.question = "<HTMLQuestion/>";
      e.create_hit(req, [&, flag, w = workers[static_cast<size_t>(i) % workers.size()]](result<hit_view> h) {
        if (flag->exchange(true))
          ++twice;
        ++answered;
        if (h.ok())   // a follow-up command from inside a callback, also in flight at shutdown
          e.accept({w, h->hit_id, {}}, [](result<assignment_view>) {});
      });
    }
    // The engine goes out of scope here with most of this still queued.
  }
  int after = answered.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(answered.load(), after) << "a callback ran after the engine was destroyed";
  EXPECT_EQ(twice.load(), 0);
  EXPECT_LE(after, commands);
}

} // namespace
} // namespace hitd
