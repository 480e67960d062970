#pragma once
// Time in hitd is milliseconds since the Unix epoch (UTC) in an int64, and all
// of it comes from a clock the engine is given, so a test can move thirty days
// forward in a millisecond (manual_clock) while the server uses the wall clock.

#include <atomic>
#include <cstdint>

namespace hitd {

using timestamp = int64_t;   // ms since 1970-01-01T00:00:00Z
using duration_ms = int64_t;

inline constexpr duration_ms ms_per_second = 1000;
inline constexpr duration_ms ms_per_day = 86'400'000;
inline constexpr duration_ms seconds(int64_t s) { return s * ms_per_second; }
inline constexpr duration_ms days(int64_t d) { return d * ms_per_day; }

// The day number (days since the epoch, UTC) that t falls on.
inline constexpr int64_t day_of(timestamp t) { return t >= 0 ? t / ms_per_day : (t - ms_per_day + 1) / ms_per_day; }

class clock {
public:
  virtual ~clock() = default;
  virtual timestamp now() const = 0;
  // True for a clock that only moves when told to (tests, simulations). The
  // engine then fires deadlines when the clock is advanced, not on its own.
  virtual bool is_manual() const { return false; }
};

// The wall clock (std::chrono::system_clock).
class system_clock final : public clock {
public:
  timestamp now() const override;
};

// A clock that stands still until set; thread-safe.
class manual_clock final : public clock {
public:
  explicit manual_clock(timestamp start) : now_(start) {}
  timestamp now() const override { return now_.load(std::memory_order_acquire); }
  bool is_manual() const override { return true; }
  // Only the engine moves it (engine::advance_clock), so deadlines fire in step.
  void set(timestamp t) { now_.store(t, std::memory_order_release); }

private:
  std::atomic<timestamp> now_;
};

} // namespace hitd
