#pragma once
// Money is an exact count of cents in a signed 64-bit integer: never a float.
// parse_amount/format_amount convert to and from MTurk's CurrencyAmount
// strings ("5", "0.1", "101.42"). The fee schedule is plain arithmetic on
// these integers, rounding half up to the cent.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hitd {

struct money {
  int64_t cents = 0;

  friend constexpr bool operator==(money, money) = default;
  friend constexpr auto operator<=>(money, money) = default;
  friend constexpr money operator+(money a, money b) { return {a.cents + b.cents}; }
  friend constexpr money operator-(money a, money b) { return {a.cents - b.cents}; }
  constexpr money& operator+=(money o) { cents += o.cents; return *this; }
  constexpr money& operator-=(money o) { cents -= o.cents; return *this; }
};

inline constexpr money cents(int64_t c) { return money{c}; }

// The largest amount hitd accepts in one field: $10,000,000,000.00. A
// product of an amount and a count (reward x assignments) can still exceed
// 63 bits, so such products go through checked_mul.
inline constexpr int64_t amount_cents_max = 1'000'000'000'000;

// Parses ^[0-9]+(\.)?[0-9]{0,2}$ into cents; nullopt when malformed or above
// amount_cents_max. Negative amounts do not parse.
std::optional<money> parse_amount(std::string_view text);

// "0.05", "12.00": always two decimals, no sign for non-negative amounts.
std::string format_amount(money m);

// Multiplies with an overflow check; nullopt on overflow.
std::optional<money> checked_mul(money m, int64_t n);

// The platform's commission, in basis points (1/100 of a percent) so that the
// rates are exact integers too. Defaults are MTurk's.
struct fee_schedule {
  int64_t base_bp = 2000;              // 20% of every reward and bonus
  int64_t large_hit_surcharge_bp = 2000;   // a further 20% of the reward ...
  int64_t large_hit_assignments = 10;  // ... for HITs with this many assignments or more
  money minimum = cents(1);            // per assignment and per bonus

  friend bool operator==(const fee_schedule&, const fee_schedule&) = default;
};

// amount x bp / 10000, rounded half up to the cent (amount >= 0, bp >= 0).
money percent_half_up(money amount, int64_t bp);

// The fee charged when one assignment of a HIT with max_assignments is approved.
money reward_fee(const fee_schedule& s, money reward, int64_t max_assignments);

// The fee charged on a bonus.
money bonus_fee(const fee_schedule& s, money bonus);

} // namespace hitd
