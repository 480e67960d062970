#pragma once
// Random choices for the randomized workloads (the concurrency test and the
// crash test's worker): one seeded generator per stream of choices, so a
// printed seed replays them.

#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace hitd::test::rnd {

// A generator for one stream of choices. seed_seq keeps 32 bits per value,
// so the 64-bit seed goes in as two halves; `salt` keeps two workloads with
// the same seed apart.
inline std::mt19937_64 seeded(uint64_t seed, uint64_t stream, uint64_t sub, uint32_t salt) {
  std::seed_seq seq{uint32_t(seed), uint32_t(seed >> 32), uint32_t(stream), uint32_t(sub), salt};
  return std::mt19937_64{seq};
}

template <class T>
T uniform(std::mt19937_64& g, T lo, T hi) {
  return std::uniform_int_distribution<T>{lo, hi}(g);
}

inline bool chance(std::mt19937_64& g, double p) { return std::bernoulli_distribution{p}(g); }

template <class T>
const T& pick(std::mt19937_64& g, const std::vector<T>& v) {
  return v[uniform<size_t>(g, 0, v.size() - 1)];
}

// Removes and returns a random element (v must not be empty).
template <class T>
T take(std::mt19937_64& g, std::vector<T>& v) {
  auto i = uniform<size_t>(g, 0, v.size() - 1);
  std::swap(v[i], v.back());
  T out = std::move(v.back());
  v.pop_back();
  return out;
}

// Adds item to a list bounded at `max`: a full list first drops a random one.
template <class T>
void keep(std::mt19937_64& g, std::vector<T>& v, T item, size_t max) {
  if (v.size() >= max)
    take(g, v);
  v.push_back(std::move(item));
}

} // namespace hitd::test::rnd
