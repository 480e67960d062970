#pragma once
// The engine's deadline structure: a hashed timing wheel (Varghese & Lauck).
// Deadlines (HIT lifetimes, assignment durations, auto-approvals) number in
// the millions and are mostly far away (days), so each one costs O(1) to add
// and about 24 bytes, and each tick looks only at the entries of one slot.
// An entry whose due time is more than one revolution away stays in its slot
// and is looked at once per revolution until it is due. Entries are never
// cancelled: the target re-checks its own state when woken, so a stale
// wake-up costs one message and nothing else (see docs/architecture.md).
//
// Not thread-safe: the engine's timer service guards it with a mutex.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "hitd/time.hpp"

namespace hitd {

struct timer_entry {
  timestamp due = 0;
  uint64_t target = 0;   // the HIT number to wake
};

class timer_wheel {
public:
  // `start` is the current time; `tick_ms` the slot width; `slot_count` a
  // power of two. Defaults: 1 s slots, 4096 slots (one revolution ~68 min).
  explicit timer_wheel(timestamp start, duration_ms tick_ms = 1000, size_t slot_count = 4096);

  // Adds a deadline. A due time at or before the wheel's current time fires
  // on the next advance.
  void schedule(timestamp due, uint64_t target);

  // Moves the wheel to `now` and calls fire(entry) for every entry with
  // due <= now, each exactly once. Returns how many fired. A jump of more
  // than one revolution (a manual clock moved by days) scans every slot once.
  size_t advance(timestamp now, const std::function<void(const timer_entry&)>& fire);

  size_t size() const { return size_; }
  timestamp current() const { return current_; }
  // The earliest due time pending, or nullopt when empty. O(entries): for
  // tests and for the timer thread's sleep when the wheel is nearly empty.
  std::optional<timestamp> earliest() const;

private:
  size_t slot_of(timestamp t) const;
  void fire_slot(size_t slot, timestamp now, const std::function<void(const timer_entry&)>& fire,
                 size_t& fired);

  duration_ms tick_ms_;
  size_t mask_;
  timestamp current_;
  size_t size_ = 0;
  std::vector<std::vector<timer_entry>> slots_;
};

} // namespace hitd
