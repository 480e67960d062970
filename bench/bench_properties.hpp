#pragma once
// The HIT type every lifecycle benchmark publishes (engine, durable,
// resident memory): one shape, so their figures compare.

#include "hitd/engine.hpp"

namespace hitd::bench {

inline hit_properties bench_properties() {
  hit_properties p;
  p.title = "Benchmark task";
  p.description = "A HIT of the lifecycle benchmark";
  p.reward = cents(5);
  p.assignment_duration_s = 3'600;
  p.auto_approval_delay_s = 86'400;
  return p;
}

} // namespace hitd::bench
