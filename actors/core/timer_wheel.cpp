#include "hitd/timer_wheel.hpp"

#include <stdexcept>
#include <utility>

namespace hitd {

namespace {

// The tick a time falls in, rounding toward minus infinity so that negative
// timestamps (before the epoch) land in consecutive ticks like positive ones.
int64_t tick_of(timestamp t, duration_ms tick_ms) {
  int64_t q = t / tick_ms;
  if (t % tick_ms < 0) --q;
  return q;
}

} // namespace

timer_wheel::timer_wheel(timestamp start, duration_ms tick_ms, size_t slot_count)
    : tick_ms_(tick_ms), mask_(slot_count - 1), current_(start) {
  // Checked in every build type: a wrong mask would lose deadlines silently.
  if (tick_ms <= 0) throw std::invalid_argument("timer_wheel: tick_ms must be positive");
  if (slot_count == 0 || (slot_count & (slot_count - 1)) != 0) {
    throw std::invalid_argument("timer_wheel: slot_count must be a power of two");
  }
  slots_.resize(slot_count);
}

size_t timer_wheel::slot_of(timestamp t) const {
  // Two's complement keeps `& mask_` consistent across zero for negative ticks.
  return static_cast<size_t>(static_cast<uint64_t>(tick_of(t, tick_ms_))) & mask_;
}

void timer_wheel::schedule(timestamp due, uint64_t target) {
  // A due time at or before current() goes into current()'s slot: the next
  // advance (to any now >= current()) looks at that slot first.
  size_t slot = due > current_ ? slot_of(due) : slot_of(current_);
  slots_[slot].push_back(timer_entry{due, target});
  ++size_;
}

void timer_wheel::fire_slot(size_t slot, timestamp now,
                            const std::function<void(const timer_entry&)>& fire, size_t& fired) {
  // Indexes, not references: fire() may schedule, and so grow this vector.
  size_t i = 0;
  while (i < slots_[slot].size()) {
    std::vector<timer_entry>& entries = slots_[slot];
    if (entries[i].due > now) {
      ++i;
      continue;
    }
    timer_entry e = entries[i];
    entries[i] = entries.back();
    entries.pop_back();
    --size_;
    ++fired;
    fire(e);
  }
}

size_t timer_wheel::advance(timestamp now, const std::function<void(const timer_entry&)>& fire) {
  if (now < current_) return 0;   // time never moves backwards
  size_t fired = 0;
  if (size_ == 0) {
    current_ = now;
    return fired;
  }
  int64_t from = tick_of(current_, tick_ms_);
  int64_t to = tick_of(now, tick_ms_);
  // to >= from, so the unsigned difference is exact even across int64's range.
  uint64_t distance = static_cast<uint64_t>(to) - static_cast<uint64_t>(from);

  // Move first: an entry that fire() schedules at or before `now` then goes
  // into now's slot, which the next advance looks at first, instead of into a
  // slot this walk has already passed.
  current_ = now;

  if (distance >= slots_.size()) {
    for (size_t s = 0; s < slots_.size(); ++s) fire_slot(s, now, fire, fired);
    return fired;
  }
  size_t slot = static_cast<size_t>(static_cast<uint64_t>(from)) & mask_;
  for (uint64_t k = 0; k <= distance; ++k) {
    fire_slot(slot, now, fire, fired);
    slot = (slot + 1) & mask_;
  }
  return fired;
}

std::optional<timestamp> timer_wheel::earliest() const {
  std::optional<timestamp> best;
  for (const auto& entries : slots_) {
    for (const timer_entry& e : entries) {
      if (!best || e.due < *best) best = e.due;
    }
  }
  return best;
}

} // namespace hitd
