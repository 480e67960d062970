// The plain decision functions, without actors: what one transition costs.
//   build/bench/hitd_bench_core --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>

#include "hitd/hit_rules.hpp"
#include "hitd/ledger_book.hpp"
#include "hitd/qualification.hpp"
#include "hitd/worker_rules.hpp"

namespace {

constexpr hitd::timestamp t0 = 1'767'225'600'000;

void BM_RewardFee(benchmark::State& state) {
  hitd::fee_schedule fees;
  int64_t reward = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hitd::reward_fee(fees, hitd::cents(reward), 12));
    reward = reward % 100'000 + 7;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RewardFee);

// Qualification matching against 0..10 requirements.
void BM_EvaluateRequirements(benchmark::State& state) {
  std::vector<hitd::qualification_requirement> reqs;
  hitd::worker_credentials w;
  w.worker_id = "AW1";
  for (int i = 0; i < state.range(0); ++i) {
    auto id = "QUAL" + std::to_string(i);
    reqs.push_back({id, hitd::comparator::greater_than_or_equal_to, {50}, {}, hitd::guarded_action::accept});
    w.values[id] = {80, std::nullopt};
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(hitd::evaluate_requirements(reqs, w));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateRequirements)->Arg(0)->Arg(1)->Arg(5)->Arg(10);

// accept + submit + approve on one HIT's plain state, per assignment.
void BM_HitRulesLifecycle(benchmark::State& state) {
  hitd::fee_schedule fees;
  auto def = std::make_shared<hitd::hit_definition>();
  def->number = 1;
  def->requester_id = "AR1";
  def->hit_type_id = "T1";
  hitd::hit_properties props;
  props.title = "t";
  props.reward = hitd::cents(5);
  props.assignment_duration_s = 3600;
  props.auto_approval_delay_s = 86'400;
  def->properties = std::make_shared<const hitd::hit_properties>(std::move(props));
  const int64_t n = state.range(0);
  std::vector<hitd::worker_credentials> workers(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    workers[static_cast<size_t>(i)].worker_id = "AW" + std::to_string(i);
  for (auto _ : state) {
    hitd::hit_effects fx;
    auto h = hitd::make_hit(def, n, t0, 86'400, *hitd::publish_hold(fees, def->properties->reward, n), fx);
    for (int64_t i = 0; i < n; ++i) {
      hitd::hit_effects f2;
      auto o = *hitd::accept(h, workers[static_cast<size_t>(i)], t0 + i, fees, f2);
      (void)hitd::submit(h, o, workers[static_cast<size_t>(i)].worker_id, "a", {}, t0 + i + 1, fees, f2);
      hitd::approve(h, o, {}, t0 + i + 2, fees, f2);
      benchmark::DoNotOptimize(f2);
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_HitRulesLifecycle)->Arg(1)->Arg(10)->Arg(1000)->Arg(10000);

void BM_LedgerTransfer(benchmark::State& state) {
  hitd::ledger_book book;
  book.apply({"admin", 1, {{hitd::external_account(), hitd::held_account("AR1"), hitd::cents(1'000'000'000)}}});
  uint64_t seq = 0;
  for (auto _ : state) {
    hitd::transfer t{"H1", ++seq,
                     {{hitd::held_account("AR1"), hitd::worker_account("AW" + std::to_string(seq % 1000)), hitd::cents(5)},
                      {hitd::held_account("AR1"), hitd::platform_account(), hitd::cents(1)}}};
    benchmark::DoNotOptimize(book.apply(t));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LedgerTransfer);

void BM_WorkerApplyUpdate(benchmark::State& state) {
  hitd::worker_state w;
  w.id = "AW1";
  uint64_t hit = 0;
  for (auto _ : state) {
    ++hit;
    hitd::assignment_update u{{hit, 0}, "AR1", hitd::assignment_status::accepted, t0, 0, t0, hitd::cents(5)};
    hitd::apply_update(w, u);
    u.status = hitd::assignment_status::submitted;
    u.submit_time = t0 + 1;
    hitd::apply_update(w, u);
    u.status = hitd::assignment_status::approved;
    hitd::apply_update(w, u);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WorkerApplyUpdate);

} // namespace
