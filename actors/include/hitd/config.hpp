#pragma once
// What an operator or embedder may configure. Defaults are MTurk's.

#include <cstddef>
#include <cstdint>

#include "hitd/money.hpp"
#include "hitd/time.hpp"

namespace hitd {

// Worker limits: a new worker is on probation for `probation_days` with a
// lower daily accept cap and no withdrawals (MTurk: 10 days, 100 a day, then
// 3,800 a day). The cap counts accepts, so returns and abandons count too.
struct worker_policy {
  int64_t probation_days = 10;
  int64_t probation_daily_accepts = 100;
  int64_t daily_accepts = 3'800;
  money withdrawal_minimum = cents(100);   // $1.00 (MTurk's current figure is unpublished)
};

struct engine_config {
  fee_schedule fees;
  worker_policy workers;
  // CAF scheduler threads; 0 = one per core.
  size_t scheduler_threads = 0;
  // CAF's scheduler policy: "stealing" (work stealing) or "sharing" (one
  // shared queue). See docs/benchmarks.md for how they compare here.
  const char* scheduler_policy = "stealing";
  // How often the timer thread looks for due deadlines under the wall clock.
  duration_ms timer_tick_ms = 50;
  // The platform's own account id in the ledger.
  const char* platform_account = "PLATFORM";
};

} // namespace hitd
