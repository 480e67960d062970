#include "hitd/money.hpp"

#include <cstddef>
#include <limits>

namespace hitd {

namespace {

// GCC and Clang's 128-bit integer; __extension__ keeps -Wpedantic quiet.
__extension__ typedef __int128 int128;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr int64_t digit_value(char c) { return static_cast<int64_t>(c - '0'); }

// The largest whole-unit part that can still be within amount_cents_max.
constexpr int64_t units_max = amount_cents_max / 100;

} // namespace

std::optional<money> parse_amount(std::string_view text) {
  // ^[0-9]+(\.)?[0-9]{0,2}$
  size_t i = 0;
  int64_t units = 0;
  while (i < text.size() && is_digit(text[i])) {
    units = units * 10 + digit_value(text[i]);
    // Digits only ever add value, so stop as soon as the bound is passed:
    // a long digit string is rejected before it can overflow.
    if (units > units_max) return std::nullopt;
    ++i;
  }
  if (i == 0) return std::nullopt;   // at least one integer digit
  int64_t fraction = 0;
  if (i < text.size()) {
    if (text[i] != '.') return std::nullopt;
    ++i;
    size_t decimals = 0;
    while (i < text.size() && is_digit(text[i]) && decimals < 2) {
      fraction = fraction * 10 + digit_value(text[i]);
      ++decimals;
      ++i;
    }
    if (i != text.size()) return std::nullopt;   // a third decimal or junk
    if (decimals == 1) fraction *= 10;           // "0.1" is ten cents
  }
  const int64_t total = units * 100 + fraction;   // <= 1e12 + 99: no overflow
  if (total > amount_cents_max) return std::nullopt;
  return money{total};
}

std::string format_amount(money m) {
  // The magnitude as unsigned so that INT64_MIN formats too.
  const bool negative = m.cents < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(m.cents)
                                      : static_cast<uint64_t>(m.cents);
  const uint64_t units = magnitude / 100;
  const uint64_t fraction = magnitude % 100;
  std::string out;
  if (negative) out += '-';
  out += std::to_string(units);
  out += '.';
  out += static_cast<char>('0' + fraction / 10);
  out += static_cast<char>('0' + fraction % 10);
  return out;
}

std::optional<money> checked_mul(money m, int64_t n) {
  int64_t out = 0;
  if (__builtin_mul_overflow(m.cents, n, &out)) return std::nullopt;
  return money{out};
}

money percent_half_up(money amount, int64_t bp) {
  // |int64| x |int64| < 2^126: the product is exact in 128 bits.
  const int128 product = static_cast<int128>(amount.cents) * bp;
  // Half up on the magnitude (so a negative input, outside the contract,
  // mirrors the positive one instead of rounding towards +infinity).
  const bool negative = product < 0;
  const int128 magnitude = negative ? -product : product;
  int128 rounded = (magnitude + 5000) / 10000;
  if (negative) rounded = -rounded;
  // Outside the contract the quotient may not fit: saturate.
  constexpr int128 hi = std::numeric_limits<int64_t>::max();
  constexpr int128 lo = std::numeric_limits<int64_t>::min();
  if (rounded > hi) return money{std::numeric_limits<int64_t>::max()};
  if (rounded < lo) return money{std::numeric_limits<int64_t>::min()};
  return money{static_cast<int64_t>(rounded)};
}

money reward_fee(const fee_schedule& s, money reward, int64_t max_assignments) {
  if (reward.cents <= 0) return money{};   // nothing paid, nothing charged
  int64_t bp = s.base_bp;
  if (max_assignments >= s.large_hit_assignments) bp += s.large_hit_surcharge_bp;
  const money fee = percent_half_up(reward, bp);
  return fee < s.minimum ? s.minimum : fee;
}

money bonus_fee(const fee_schedule& s, money bonus) {
  if (bonus.cents <= 0) return money{};
  const money fee = percent_half_up(bonus, s.base_bp);
  return fee < s.minimum ? s.minimum : fee;
}

} // namespace hitd
