#include "hitd/money.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace hitd {
namespace {

constexpr int64_t i64_max = std::numeric_limits<int64_t>::max();
constexpr int64_t i64_min = std::numeric_limits<int64_t>::min();

TEST(Money, ArithmeticAndComparison) {
  money a = cents(150);
  const money b = cents(25);
  EXPECT_EQ(a + b, cents(175));
  EXPECT_EQ(a - b, cents(125));
  EXPECT_LT(b, a);
  EXPECT_NE(a, b);
  a += b;
  EXPECT_EQ(a.cents, 175);
  a -= cents(200);
  EXPECT_EQ(a.cents, -25);
  EXPECT_EQ(money{}.cents, 0);
}

TEST(Money, ParsesWholeAmounts) {
  EXPECT_EQ(parse_amount("5"), cents(500));
  EXPECT_EQ(parse_amount("0"), cents(0));
  EXPECT_EQ(parse_amount("5."), cents(500));
  EXPECT_EQ(parse_amount("007"), cents(700));
}

TEST(Money, ParsesOneAndTwoDecimals) {
  EXPECT_EQ(parse_amount("0.1"), cents(10));
  EXPECT_EQ(parse_amount("0.10"), cents(10));
  EXPECT_EQ(parse_amount("0.01"), cents(1));
  EXPECT_EQ(parse_amount("0.05"), cents(5));
  EXPECT_EQ(parse_amount("101.42"), cents(10142));
  EXPECT_EQ(parse_amount("12.5"), cents(1250));
  EXPECT_EQ(parse_amount("0.00"), cents(0));
}

TEST(Money, RejectsMalformedAmounts) {
  EXPECT_EQ(parse_amount(""), std::nullopt);
  EXPECT_EQ(parse_amount("."), std::nullopt);
  EXPECT_EQ(parse_amount(".5"), std::nullopt);
  EXPECT_EQ(parse_amount("-1"), std::nullopt);
  EXPECT_EQ(parse_amount("+1"), std::nullopt);
  EXPECT_EQ(parse_amount(" 1"), std::nullopt);
  EXPECT_EQ(parse_amount("1 "), std::nullopt);
  EXPECT_EQ(parse_amount("1. 5"), std::nullopt);
  EXPECT_EQ(parse_amount("1.234"), std::nullopt);
  EXPECT_EQ(parse_amount("1.2.3"), std::nullopt);
  EXPECT_EQ(parse_amount("1..2"), std::nullopt);
  EXPECT_EQ(parse_amount("1,5"), std::nullopt);
  EXPECT_EQ(parse_amount("1e3"), std::nullopt);
  EXPECT_EQ(parse_amount("$1"), std::nullopt);
  EXPECT_EQ(parse_amount("1.x"), std::nullopt);
  EXPECT_EQ(parse_amount("abc"), std::nullopt);
  EXPECT_EQ(parse_amount(std::string("1\0", 2)), std::nullopt);
}

TEST(Money, ParsesUpToTheMaximumAndNoFurther) {
  EXPECT_EQ(parse_amount("10000000000"), cents(amount_cents_max));
  EXPECT_EQ(parse_amount("10000000000.00"), cents(amount_cents_max));
  EXPECT_EQ(parse_amount("9999999999.99"), cents(amount_cents_max - 1));
  EXPECT_EQ(parse_amount("10000000000.01"), std::nullopt);
  EXPECT_EQ(parse_amount("10000000000.1"), std::nullopt);
  EXPECT_EQ(parse_amount("10000000001"), std::nullopt);
  EXPECT_EQ(parse_amount("99999999999"), std::nullopt);
}

TEST(Money, RejectsLongDigitStringsWithoutOverflow) {
  // 2^64 and far beyond: must be rejected, never wrap to a small value.
  EXPECT_EQ(parse_amount("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_amount("9223372036854775807"), std::nullopt);
  EXPECT_EQ(parse_amount("92233720368547758.08"), std::nullopt);
  EXPECT_EQ(parse_amount(std::string(1000, '9')), std::nullopt);
  EXPECT_EQ(parse_amount(std::string(1000, '9') + ".99"), std::nullopt);
  // Leading zeros add no value, however many.
  EXPECT_EQ(parse_amount(std::string(1000, '0') + "1.5"), cents(150));
}

TEST(Money, FormatsWithTwoDecimals) {
  EXPECT_EQ(format_amount(cents(0)), "0.00");
  EXPECT_EQ(format_amount(cents(5)), "0.05");
  EXPECT_EQ(format_amount(cents(10)), "0.10");
  EXPECT_EQ(format_amount(cents(1200)), "12.00");
  EXPECT_EQ(format_amount(cents(10142)), "101.42");
  EXPECT_EQ(format_amount(cents(amount_cents_max)), "10000000000.00");
  EXPECT_EQ(format_amount(cents(i64_max)), "92233720368547758.07");
}

TEST(Money, FormatsNegativeAmountsWithASign) {
  EXPECT_EQ(format_amount(cents(-5)), "-0.05");
  EXPECT_EQ(format_amount(cents(-1200)), "-12.00");
  EXPECT_EQ(format_amount(cents(-10142)), "-101.42");
  EXPECT_EQ(format_amount(cents(i64_min)), "-92233720368547758.08");
}

TEST(Money, FormatAndParseRoundTrip) {
  for (int64_t c : {int64_t{0}, int64_t{1}, int64_t{9}, int64_t{10}, int64_t{99}, int64_t{100},
                    int64_t{12345}, amount_cents_max - 1, amount_cents_max}) {
    EXPECT_EQ(parse_amount(format_amount(cents(c))), cents(c)) << c;
  }
}

TEST(Money, CheckedMulMultipliesExactly) {
  EXPECT_EQ(checked_mul(cents(25), 4), cents(100));
  EXPECT_EQ(checked_mul(cents(25), 0), cents(0));
  EXPECT_EQ(checked_mul(cents(25), -2), cents(-50));
  EXPECT_EQ(checked_mul(cents(amount_cents_max), 1'000'000), cents(amount_cents_max * 1'000'000));
  EXPECT_EQ(checked_mul(cents(i64_max), 1), cents(i64_max));
  EXPECT_EQ(checked_mul(cents(i64_min), 1), cents(i64_min));
}

TEST(Money, CheckedMulReportsOverflow) {
  // The largest amount times the largest MaxAssignments does not fit.
  EXPECT_EQ(checked_mul(cents(amount_cents_max), 1'000'000'000), std::nullopt);
  EXPECT_EQ(checked_mul(cents(i64_max), 2), std::nullopt);
  EXPECT_EQ(checked_mul(cents(i64_min), -1), std::nullopt);
  EXPECT_EQ(checked_mul(cents(-1), i64_min), std::nullopt);
  EXPECT_EQ(checked_mul(cents(i64_max / 2 + 1), 2), std::nullopt);
  EXPECT_EQ(checked_mul(cents(i64_max / 2), 2), cents(i64_max - 1));
}

TEST(Money, RoundsFeesHalfUpToTheCent) {
  // 20% of 52 cents is 10.4 cents -> 10; of 53 cents 10.6 -> 11.
  EXPECT_EQ(percent_half_up(cents(52), 2000), cents(10));
  EXPECT_EQ(percent_half_up(cents(53), 2000), cents(11));
  // Exactly half a cent rounds up: 10% of 105 is 10.5 -> 11; of 104 is 10.4 -> 10.
  EXPECT_EQ(percent_half_up(cents(105), 1000), cents(11));
  EXPECT_EQ(percent_half_up(cents(104), 1000), cents(10));
  // 50% of a cent is half a cent -> 1; 49.99% of a cent -> 0.
  EXPECT_EQ(percent_half_up(cents(1), 5000), cents(1));
  EXPECT_EQ(percent_half_up(cents(1), 4999), cents(0));
  EXPECT_EQ(percent_half_up(cents(100), 2000), cents(20));
  EXPECT_EQ(percent_half_up(cents(100), 4000), cents(40));
  EXPECT_EQ(percent_half_up(cents(0), 2000), cents(0));
  EXPECT_EQ(percent_half_up(cents(12345), 0), cents(0));
  EXPECT_EQ(percent_half_up(cents(12345), 10000), cents(12345));
}

TEST(Money, PercentIsExactAtTheLimits) {
  // amount_cents_max x 1,000,000 bp = 1e18 / 1e4 = 1e14 cents, exactly.
  EXPECT_EQ(percent_half_up(cents(amount_cents_max), 1'000'000), cents(100'000'000'000'000));
  EXPECT_EQ(percent_half_up(cents(amount_cents_max - 1), 1'000'000),
            cents(100'000'000'000'000 - 100));
  EXPECT_EQ(percent_half_up(cents(amount_cents_max - 1), 2000), cents(200'000'000'000));
  EXPECT_EQ(percent_half_up(cents(amount_cents_max - 5000), 1), cents(100'000'000));  // .5 up
  EXPECT_EQ(percent_half_up(cents(amount_cents_max - 5001), 1), cents(99'999'999));   // .4999
  // Products above 64 bits are still exact.
  EXPECT_EQ(percent_half_up(cents(i64_max), 10000), cents(i64_max));
  EXPECT_EQ(percent_half_up(cents(i64_max), 5000), cents(i64_max / 2 + 1));
  EXPECT_EQ(percent_half_up(cents(i64_max), 1), cents(922'337'203'685'478));
}

TEST(Money, PercentOutsideTheContractSaturatesAndMirrors) {
  EXPECT_EQ(percent_half_up(cents(i64_max), 20000), cents(i64_max));
  EXPECT_EQ(percent_half_up(cents(i64_max), i64_max), cents(i64_max));
  EXPECT_EQ(percent_half_up(cents(i64_min), 20000), cents(i64_min));
  EXPECT_EQ(percent_half_up(cents(i64_max), -20000), cents(i64_min));
  // A negative amount rounds like its magnitude.
  EXPECT_EQ(percent_half_up(cents(-105), 1000), cents(-11));
  EXPECT_EQ(percent_half_up(cents(-104), 1000), cents(-10));
}

TEST(Money, DefaultScheduleIsMTurks) {
  const fee_schedule s;
  EXPECT_EQ(s.base_bp, 2000);
  EXPECT_EQ(s.large_hit_surcharge_bp, 2000);
  EXPECT_EQ(s.large_hit_assignments, 10);
  EXPECT_EQ(s.minimum, cents(1));
  fee_schedule t;
  EXPECT_EQ(s, t);
  t.base_bp = 1000;
  EXPECT_NE(s, t);
}

TEST(Money, RewardFeeChargesTwentyPercent) {
  const fee_schedule s;
  EXPECT_EQ(reward_fee(s, cents(100), 1), cents(20));
  EXPECT_EQ(reward_fee(s, cents(100), 9), cents(20));
  EXPECT_EQ(reward_fee(s, cents(52), 1), cents(10));   // 10.4 -> 10
  EXPECT_EQ(reward_fee(s, cents(53), 1), cents(11));   // 10.6 -> 11
}

TEST(Money, RewardFeeAddsTheLargeHitSurcharge) {
  const fee_schedule s;
  EXPECT_EQ(reward_fee(s, cents(100), 10), cents(40));
  EXPECT_EQ(reward_fee(s, cents(100), 1'000'000'000), cents(40));
  EXPECT_EQ(reward_fee(s, cents(26), 10), cents(10));   // 10.4 -> 10
  EXPECT_EQ(reward_fee(s, cents(27), 10), cents(11));   // 10.8 -> 11
  fee_schedule custom;
  custom.large_hit_assignments = 3;
  custom.large_hit_surcharge_bp = 500;
  EXPECT_EQ(reward_fee(custom, cents(1000), 2), cents(200));
  EXPECT_EQ(reward_fee(custom, cents(1000), 3), cents(250));
}

TEST(Money, RewardFeeChargesAtLeastTheMinimum) {
  const fee_schedule s;
  EXPECT_EQ(reward_fee(s, cents(1), 1), cents(1));   // 0.2 cents -> minimum
  EXPECT_EQ(reward_fee(s, cents(2), 1), cents(1));
  EXPECT_EQ(reward_fee(s, cents(1), 10), cents(1));
  fee_schedule custom;
  custom.minimum = cents(5);
  EXPECT_EQ(reward_fee(custom, cents(10), 1), cents(5));
  EXPECT_EQ(reward_fee(custom, cents(100), 1), cents(20));
}

TEST(Money, ZeroRewardPaysNoFee) {
  const fee_schedule s;
  EXPECT_EQ(reward_fee(s, cents(0), 1), cents(0));
  EXPECT_EQ(reward_fee(s, cents(0), 100), cents(0));
  EXPECT_EQ(reward_fee(s, cents(-5), 1), cents(0));
}

TEST(Money, BonusFeeChargesTheBaseRateOnly) {
  const fee_schedule s;
  EXPECT_EQ(bonus_fee(s, cents(100)), cents(20));
  EXPECT_EQ(bonus_fee(s, cents(1000)), cents(200));
  EXPECT_EQ(bonus_fee(s, cents(52)), cents(10));
  EXPECT_EQ(bonus_fee(s, cents(53)), cents(11));
  EXPECT_EQ(bonus_fee(s, cents(amount_cents_max)), cents(amount_cents_max / 5));
}

TEST(Money, BonusFeeChargesAtLeastTheMinimum) {
  const fee_schedule s;
  EXPECT_EQ(bonus_fee(s, cents(1)), cents(1));
  EXPECT_EQ(bonus_fee(s, cents(4)), cents(1));
  fee_schedule custom;
  custom.minimum = cents(7);
  EXPECT_EQ(bonus_fee(custom, cents(10)), cents(7));
}

TEST(Money, ZeroBonusPaysNoFee) {
  const fee_schedule s;
  EXPECT_EQ(bonus_fee(s, cents(0)), cents(0));
  EXPECT_EQ(bonus_fee(s, cents(-5)), cents(0));
}

} // namespace
} // namespace hitd
