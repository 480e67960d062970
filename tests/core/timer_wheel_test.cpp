#include "hitd/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

namespace hitd {
namespace {

using fired_list = std::vector<std::pair<timestamp, uint64_t>>;

// Advances and returns what fired, sorted (the wheel guarantees no order).
fired_list advance_collect(timer_wheel& w, timestamp now) {
  fired_list out;
  size_t n = w.advance(now, [&](const timer_entry& e) { out.emplace_back(e.due, e.target); });
  EXPECT_EQ(n, out.size());
  std::sort(out.begin(), out.end());
  return out;
}

constexpr timestamp t0 = 1'700'000'000'000;   // a plausible "now", ms since epoch

TEST(TimerWheel, FiresEachEntryOnceWhenDue) {
  timer_wheel w(t0);
  w.schedule(t0 + 5'000, 1);
  EXPECT_TRUE(advance_collect(w, t0 + 4'999).empty());
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(advance_collect(w, t0 + 5'000), (fired_list{{t0 + 5'000, 1}}));
  EXPECT_EQ(w.size(), 0u);
  EXPECT_TRUE(advance_collect(w, t0 + 5'000).empty());
  EXPECT_TRUE(advance_collect(w, t0 + 50'000).empty());
}

TEST(TimerWheel, KeepsLaterEntriesOfTheCurrentTick) {
  // Both in the tick [t0 + 1000, t0 + 2000): the walk reaches that slot, fires
  // the one due and must keep the one due later in the same tick.
  timer_wheel w(t0, 1'000, 16);
  w.schedule(t0 + 1'200, 1);
  w.schedule(t0 + 1'999, 2);
  EXPECT_EQ(advance_collect(w, t0 + 1'500), (fired_list{{t0 + 1'200, 1}}));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_TRUE(advance_collect(w, t0 + 1'998).empty());
  EXPECT_EQ(advance_collect(w, t0 + 1'999), (fired_list{{t0 + 1'999, 2}}));
}

TEST(TimerWheel, ManyEntriesInOneSlotWithDifferentRevolutions) {
  // 8 slots of 1 s: a revolution is 8 s, so these ten all share one slot.
  timer_wheel w(0, 1'000, 8);
  for (uint64_t k = 0; k < 10; ++k) w.schedule(static_cast<timestamp>(k) * 8'000 + 3'500, k);
  EXPECT_EQ(w.size(), 10u);
  uint64_t next = 0;
  for (timestamp now = 0; now <= 100'000; now += 250) {
    fired_list f = advance_collect(w, now);
    if (next < 10 && now >= static_cast<timestamp>(next) * 8'000 + 3'500) {
      ASSERT_EQ(f.size(), 1u) << "now=" << now;
      EXPECT_EQ(f[0].second, next);
      EXPECT_EQ(f[0].first, static_cast<timestamp>(next) * 8'000 + 3'500);
      EXPECT_EQ(now, f[0].first);   // 250 divides 3500: fires at the exact due time
      ++next;
    } else {
      EXPECT_TRUE(f.empty()) << "now=" << now;
    }
  }
  EXPECT_EQ(next, 10u);
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, WalkAtTheRevolutionBoundary) {
  // One entry per tick for two revolutions; advance exactly slot_count - 1
  // ticks (a walk) and then exactly slot_count ticks (a full scan).
  timer_wheel w(0, 1'000, 8);
  for (uint64_t k = 0; k < 16; ++k) w.schedule(static_cast<timestamp>(k) * 1'000 + 500, k);
  fired_list f = advance_collect(w, 7'000);
  ASSERT_EQ(f.size(), 7u);
  for (uint64_t k = 0; k < 7; ++k) EXPECT_EQ(f[k].second, k);
  f = advance_collect(w, 15'000);
  ASSERT_EQ(f.size(), 8u);
  for (uint64_t k = 0; k < 8; ++k) EXPECT_EQ(f[k].second, k + 7);
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.earliest(), 15'500);
}

TEST(TimerWheel, JumpOfThirtyDaysFiresEverythingDueAndNothingElse) {
  timer_wheel w(t0);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<timestamp> offset(1, days(60));
  std::multimap<timestamp, uint64_t> expected_due;
  size_t later = 0;
  for (uint64_t i = 0; i < 20'000; ++i) {
    timestamp due = t0 + offset(rng);
    w.schedule(due, i);
    if (due <= t0 + days(30)) {
      expected_due.emplace(due, i);
    } else {
      ++later;
    }
  }
  w.schedule(t0 + days(30), 1'000'000);       // exactly at the jump: fires
  w.schedule(t0 + days(30) + 1, 1'000'001);   // one ms after: stays
  expected_due.emplace(t0 + days(30), 1'000'000);
  ++later;

  fired_list f = advance_collect(w, t0 + days(30));
  fired_list expected(expected_due.begin(), expected_due.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(f, expected);
  EXPECT_EQ(w.size(), later);
  EXPECT_EQ(w.current(), t0 + days(30));
  ASSERT_TRUE(w.earliest().has_value());
  EXPECT_GT(*w.earliest(), t0 + days(30));

  // The rest fires by day 60 and only then.
  EXPECT_EQ(advance_collect(w, t0 + days(60)).size(), later);
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, EntryScheduledInThePastFiresOnNextAdvance) {
  timer_wheel w(t0, 1'000, 16);
  EXPECT_TRUE(advance_collect(w, t0 + 10'000).empty());
  w.schedule(t0 + 5'000, 1);     // in the past, another slot
  w.schedule(t0 + 10'000, 2);    // exactly current()
  w.schedule(t0 - days(3), 3);   // long ago, many revolutions back
  EXPECT_EQ(w.size(), 3u);
  // An advance to the same time still fires them.
  EXPECT_EQ(advance_collect(w, t0 + 10'000),
            (fired_list{{t0 - days(3), 3}, {t0 + 5'000, 1}, {t0 + 10'000, 2}}));
  EXPECT_EQ(w.size(), 0u);

  // And so does an advance that crosses several ticks.
  w.schedule(t0 + 9'999, 4);
  EXPECT_EQ(advance_collect(w, t0 + 13'500), (fired_list{{t0 + 9'999, 4}}));
}

TEST(TimerWheel, AdvancingBackwardsFiresNothing) {
  timer_wheel w(t0, 1'000, 16);
  w.schedule(t0 + 2'000, 1);
  EXPECT_TRUE(advance_collect(w, t0 + 1'000).empty());
  w.schedule(t0 + 500, 2);   // past due
  EXPECT_TRUE(advance_collect(w, t0).empty());
  EXPECT_TRUE(advance_collect(w, t0 - days(1)).empty());
  EXPECT_EQ(w.current(), t0 + 1'000);
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(advance_collect(w, t0 + 1'000), (fired_list{{t0 + 500, 2}}));
  EXPECT_EQ(advance_collect(w, t0 + 2'000), (fired_list{{t0 + 2'000, 1}}));
}

TEST(TimerWheel, SizeAndEarliest) {
  timer_wheel w(t0);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_FALSE(w.earliest().has_value());
  EXPECT_EQ(w.current(), t0);
  w.schedule(t0 + days(2), 1);
  w.schedule(t0 + 30'000, 2);
  w.schedule(t0 + 30'000, 3);   // duplicates are separate entries
  w.schedule(t0 + 90'000, 4);
  EXPECT_EQ(w.size(), 4u);
  EXPECT_EQ(w.earliest(), t0 + 30'000);
  EXPECT_EQ(advance_collect(w, t0 + 30'000).size(), 2u);
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(w.earliest(), t0 + 90'000);
  w.schedule(t0 - 1, 5);   // past entries count and show in earliest()
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.earliest(), t0 - 1);
  EXPECT_EQ(advance_collect(w, t0 + days(2)).size(), 3u);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_FALSE(w.earliest().has_value());
}

TEST(TimerWheel, RejectsBadGeometry) {
  EXPECT_THROW(timer_wheel(0, 1'000, 0), std::invalid_argument);
  EXPECT_THROW(timer_wheel(0, 1'000, 4'095), std::invalid_argument);
  EXPECT_THROW(timer_wheel(0, 0, 16), std::invalid_argument);
  EXPECT_THROW(timer_wheel(0, -5, 16), std::invalid_argument);
  EXPECT_NO_THROW(timer_wheel(0, 1, 1));
}

TEST(TimerWheel, SingleSlotWheelWorks) {
  timer_wheel w(0, 10, 1);
  w.schedule(25, 1);
  w.schedule(5, 2);
  EXPECT_EQ(advance_collect(w, 20), (fired_list{{5, 2}}));
  EXPECT_EQ(advance_collect(w, 25), (fired_list{{25, 1}}));
}

TEST(TimerWheel, HandlesTimesBeforeTheEpoch) {
  timer_wheel w(-10'000, 1'000, 8);
  w.schedule(-5'500, 1);
  w.schedule(-1, 2);
  w.schedule(0, 3);
  w.schedule(999, 4);
  w.schedule(1'000, 5);
  EXPECT_EQ(advance_collect(w, -5'501), fired_list{});
  EXPECT_EQ(advance_collect(w, -5'500), (fired_list{{-5'500, 1}}));
  EXPECT_EQ(advance_collect(w, -1), (fired_list{{-1, 2}}));
  EXPECT_EQ(advance_collect(w, 998), (fired_list{{0, 3}}));
  EXPECT_EQ(advance_collect(w, 999), (fired_list{{999, 4}}));
  EXPECT_EQ(advance_collect(w, 1'000), (fired_list{{1'000, 5}}));
}

TEST(TimerWheel, FireMayScheduleAgain) {
  // The engine's timer service reschedules from inside fire(); nothing may be
  // lost or fire twice.
  timer_wheel w(0, 100, 8);
  w.schedule(150, 1);
  w.schedule(250, 2);
  fired_list fired;
  auto fire = [&](const timer_entry& e) {
    fired.emplace_back(e.due, e.target);
    if (e.target == 1) {
      w.schedule(120, 10);     // already past for this advance
      w.schedule(380, 11);     // inside this advance's range
      w.schedule(5'000, 12);   // later revolutions
    }
    if (e.target == 2) w.schedule(130, 13);   // in a slot this walk has passed
  };
  w.advance(400, fire);
  // 10, 11 and 13 may fire now or on the next advance, but exactly once.
  w.advance(400, fire);
  std::sort(fired.begin(), fired.end());
  EXPECT_EQ(fired, (fired_list{{120, 10}, {130, 13}, {150, 1}, {250, 2}, {380, 11}}));
  EXPECT_EQ(w.size(), 1u);
  fired.clear();
  w.advance(4'999, fire);
  EXPECT_TRUE(fired.empty());
  w.advance(5'000, fire);
  EXPECT_EQ(fired, (fired_list{{5'000, 12}}));
}

// Random schedules and advances against a std::multimap that fires exactly
// what the contract says. Times cluster around current() so that slots hold
// several revolutions, and jumps sometimes exceed a revolution or go back.
void check_against_reference(uint64_t seed, timestamp start, duration_ms tick_ms, size_t slot_count,
                             size_t ops) {
  std::cout << "[ seed     ] " << seed << " (tick " << tick_ms << " ms, " << slot_count
            << " slots, " << ops << " ops)\n";
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const duration_ms revolution = tick_ms * static_cast<duration_ms>(slot_count);

  timer_wheel w(start, tick_ms, slot_count);
  std::multimap<timestamp, uint64_t> ref;
  timestamp ref_current = start;
  uint64_t next_target = 0;
  size_t total_fired = 0;

  for (size_t op = 0; op < ops; ++op) {
    int64_t kind = uniform(0, 99);
    if (kind < 60) {
      timestamp due;
      int64_t where = uniform(0, 9);
      if (where < 2) {
        due = ref_current - uniform(0, 3 * revolution);          // past or now
      } else if (where < 4) {
        due = ref_current + uniform(0, 2 * tick_ms);             // this or next tick
      } else if (where < 8) {
        due = ref_current + uniform(1, 3 * revolution);          // a few revolutions
      } else {
        due = ref_current + uniform(1, 40 * revolution);         // far away
      }
      w.schedule(due, next_target);
      ref.emplace(due, next_target);
      ++next_target;
    } else {
      timestamp now;
      int64_t step = uniform(0, 99);
      if (step < 5) {
        now = ref_current - uniform(1, 2 * revolution);          // backwards
      } else if (step < 15) {
        now = ref_current;                                      // stand still
      } else if (step < 75) {
        now = ref_current + uniform(1, 2 * tick_ms);            // within a tick or two
      } else if (step < 95) {
        now = ref_current + uniform(1, revolution + tick_ms);   // up to a revolution
      } else {
        now = ref_current + uniform(revolution - tick_ms, 5 * revolution);   // jump
      }
      fired_list expected;
      if (now >= ref_current) {
        auto end = ref.upper_bound(now);
        expected.assign(ref.begin(), end);
        ref.erase(ref.begin(), end);
        ref_current = now;
      }
      std::sort(expected.begin(), expected.end());
      fired_list got = advance_collect(w, now);
      ASSERT_EQ(got, expected) << "op " << op << " advance to " << now;
      total_fired += got.size();
    }
    ASSERT_EQ(w.size(), ref.size()) << "op " << op;
    ASSERT_EQ(w.current(), ref_current) << "op " << op;
    if (op % 997 == 0) {
      std::optional<timestamp> want;
      if (!ref.empty()) want = ref.begin()->first;
      ASSERT_EQ(w.earliest(), want) << "op " << op;
    }
  }
  EXPECT_GT(total_fired, ops / 10);   // the test exercised firing, not just scheduling
}

TEST(TimerWheel, MatchesReferenceModelSmallWheel) {
  check_against_reference(0x5eed'7173'0001, t0, 7, 16, 200'000);
}

TEST(TimerWheel, MatchesReferenceModelDefaultWheel) {
  check_against_reference(0x5eed'7173'0002, t0, 1'000, 4'096, 200'000);
}

TEST(TimerWheel, MatchesReferenceModelAcrossTheEpoch) {
  check_against_reference(0x5eed'7173'0003, -50'000, 10, 8, 100'000);
}

} // namespace
} // namespace hitd
