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
  // How many times an idle work-stealing thread polls the queues, 50 µs
  // apart, before it sleeps until woken by new work (CAF's
  // work-stealing.moderate-poll-attempts; CAF's default is 500, 25 ms of
  // polling after every burst of work). 10 halved the live feed's server
  // CPU per delivery at the same latency (docs/benchmarks.md).
  size_t scheduler_idle_polls = 10;
  // How often the timer thread looks for due deadlines under the wall clock.
  duration_ms timer_tick_ms = 50;
  // The platform's own account id in the ledger.
  const char* platform_account = "PLATFORM";

  // Memory. Actors beyond these counts leave memory once idle for
  // `passivate_after_ms` and come back from their records on their next
  // message. Without a store, requesters stay resident, and a HIT or
  // worker over the budget is parked instead: its state stays in memory
  // without its actor (about 1.4 KB less per HIT) and a new actor takes
  // it up on its next message. 0 = no budget.
  size_t resident_hits_max = 1'000'000;
  size_t resident_workers_max = 1'000'000;
  size_t resident_requesters_max = 100'000;
  duration_ms passivate_after_ms = 60'000;
  // How long a deleted HIT's records stay on disk (MTurk: 120 days); a
  // deleted HIT leaves memory as soon as its deletion is durable.
  duration_ms retention_ms = 120 * ms_per_day;
};

} // namespace hitd
