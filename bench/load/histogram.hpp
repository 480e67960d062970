#pragma once
// A latency histogram in the manner of HdrHistogram: integer microseconds in
// log buckets with 128 linear sub-buckets per power of two. Values below 256
// are exact; above, a value is reported as the highest value of its bucket
// (less than 1/128 above it, and never above the exact max). Memory is fixed
// (4,481 counters) whatever the count; values of 2^41 µs (25 days) and more
// share the last bucket. Plain C++, no locks: one per thread, merged.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace hitd::load {

class histogram {
public:
  static constexpr int sub_bits = 7;
  static constexpr uint64_t sub = uint64_t{1} << sub_bits;   // 128
  static constexpr int max_shift = 33;                       // up to 2^(33+7+1) = 2^41 µs
  static constexpr size_t buckets = sub * (max_shift + 2) + 1;   // the last one: everything above

  void record(uint64_t us) {
    ++counts_[index(us)];
    ++count_;
    sum_ += us;
    max_ = std::max(max_, us);
    min_ = std::min(min_, us);
  }
  void merge(const histogram& o) {
    for (size_t i = 0; i < buckets; ++i)
      counts_[i] += o.counts_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
    min_ = std::min(min_, o.min_);
  }
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t mean() const { return count_ ? sum_ / count_ : 0; }

  // The value at or below which a fraction q (0..1) of the values lie: the
  // highest value of the bucket holding the ceil(q * count)-th smallest value,
  // capped at the max. 0 when empty.
  uint64_t quantile(double q) const {
    if (count_ == 0)
      return 0;
    double want = q * static_cast<double>(count_);
    auto rank = static_cast<uint64_t>(want);
    if (static_cast<double>(rank) < want)
      ++rank;
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets; ++i) {
      seen += counts_[i];
      if (seen >= rank)
        return std::min(highest(i), max_);
    }
    return max_;
  }

  // The bucket of a value and the range it stands for (for the tests).
  static size_t index(uint64_t v) {
    if (v < 2 * sub)
      return static_cast<size_t>(v);
    int msb = 63 - std::countl_zero(v);
    int shift = msb - sub_bits;   // >= 1
    if (shift > max_shift)
      return buckets - 1;
    return static_cast<size_t>(sub * static_cast<uint64_t>(shift) + (v >> shift));
  }
  static uint64_t lowest(size_t i) {
    if (i < 2 * sub)
      return i;
    uint64_t shift = i / sub - 1;
    return (i - sub * shift) << shift;
  }
  static uint64_t highest(size_t i) {
    if (i < 2 * sub)
      return i;
    if (i == buckets - 1)
      return UINT64_MAX;
    uint64_t shift = i / sub - 1;
    return ((i - sub * shift + 1) << shift) - 1;
  }

private:
  std::array<uint64_t, buckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

} // namespace hitd::load
