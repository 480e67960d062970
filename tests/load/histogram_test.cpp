// hitd-load's latency histogram: exact below 256 µs, within 1/128 above,
// bounded memory, merge.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "histogram.hpp"

namespace hitd::load {
namespace {

TEST(LoadHistogram, EmptyIsZero) {
  histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.quantile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0u);
}

TEST(LoadHistogram, SmallValuesAreExact) {
  histogram h;
  for (uint64_t v = 1; v <= 200; ++v)
    h.record(v);
  EXPECT_EQ(h.count(), 200u);
  EXPECT_EQ(h.quantile(0.5), 100u);
  EXPECT_EQ(h.quantile(0.9), 180u);
  EXPECT_EQ(h.quantile(0.99), 198u);
  EXPECT_EQ(h.quantile(1.0), 200u);
  EXPECT_EQ(h.quantile(0.0), 1u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 200u);
  EXPECT_EQ(h.mean(), 100u);   // 20100 / 200 = 100 (integer)
}

TEST(LoadHistogram, BucketsTileTheRange) {
  for (size_t i = 0; i + 2 < histogram::buckets; ++i)
    ASSERT_EQ(histogram::highest(i) + 1, histogram::lowest(i + 1)) << i;
  std::mt19937_64 rng{7};
  for (int i = 0; i < 100'000; ++i) {
    uint64_t v = rng() >> (rng() % 64);
    auto b = histogram::index(v);
    ASSERT_LT(b, histogram::buckets);
    ASSERT_LE(histogram::lowest(b), v);
    ASSERT_GE(histogram::highest(b), v);
    if (b + 1 < histogram::buckets && v >= 256) {   // the width is under 1/128 of the value
      ASSERT_LE(histogram::highest(b) - histogram::lowest(b), v / 128);
    }
  }
  EXPECT_EQ(histogram::index(UINT64_MAX), histogram::buckets - 1);
}

TEST(LoadHistogram, QuantilesWithinOnePart128OfTheExactOnes) {
  std::mt19937_64 rng{42};
  std::lognormal_distribution<double> d{8.0, 1.5};   // around 3 ms, a long tail
  histogram h;
  std::vector<uint64_t> all;
  for (int i = 0; i < 200'000; ++i) {
    auto v = static_cast<uint64_t>(d(rng));
    h.record(v);
    all.push_back(v);
  }
  std::sort(all.begin(), all.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(all.size())));
    uint64_t exact = all[rank - 1];
    uint64_t got = h.quantile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact + exact / 128 + 1) << q;
  }
  EXPECT_EQ(h.max(), all.back());
  EXPECT_EQ(h.min(), all.front());
  EXPECT_EQ(h.quantile(1.0), all.back());
}

TEST(LoadHistogram, MergeIsTheSameAsRecordingEverything) {
  histogram a, b, both;
  for (uint64_t v = 0; v < 10'000; v += 7) {
    (v % 2 ? a : b).record(v * 13);
    both.record(v * 13);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.mean(), both.mean());
  for (double q : {0.1, 0.5, 0.9, 0.99, 0.999})
    EXPECT_EQ(a.quantile(q), both.quantile(q));
}

TEST(LoadHistogram, MemoryDoesNotGrowWithTheCount) {
  histogram h;
  auto size = sizeof h;
  for (int i = 0; i < 1'000'000; ++i)
    h.record(static_cast<uint64_t>(i));
  EXPECT_EQ(sizeof h, size);
  EXPECT_LT(size, 40u * 1024);
  EXPECT_EQ(h.count(), 1'000'000u);
  // One hour, in µs, is still resolved within 1/128.
  histogram big;
  big.record(3'600'000'000);
  EXPECT_EQ(big.quantile(0.5), 3'600'000'000u);   // capped at the exact max
  big.record(1'000'000);
  EXPECT_LE(big.quantile(0.5), 1'000'000u + 1'000'000u / 128);
}

} // namespace
} // namespace hitd::load
