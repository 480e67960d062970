// The live feed's per-event work, without sockets: turning an engine event
// into the feed's change and its JSON frame (once per event, shared by every
// session), and matching one subscription's filter (once per event and
// session).
//   build/bench/hitd_bench_feed_wire --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// frame_*: feed_event_frame() alone, for hit.available (the whole HIT, with
//   `requirements` qualification requirements, MTurk allows 0 to 10), hit.updated and hit.expired.
// view_apply: market_view::apply() of one engine event (the view's
//   bookkeeping, history and the frame): a HIT available, updated, taken.
// filter_*: one session's filter against one HIT: keywords (any of
//   `keywords` words, none found: every word is looked for), and
//   qualified_only against `requirements` requirements guarding Discover.
// personal_frame: a worker's own event (assignment.approved) as JSON.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "hitd/events.hpp"
#include "hitd/gateway/feed/filter.hpp"
#include "hitd/gateway/feed/market_view.hpp"
#include "hitd/gateway/feed/wire.hpp"

namespace {

using namespace hitd;
using namespace hitd::gateway;

constexpr timestamp t0 = 1'767'225'600'000;

std::shared_ptr<const hit_definition> definition(uint64_t number, int64_t requirements,
                                                 guarded_action guard = guarded_action::accept) {
  auto d = std::make_shared<hit_definition>();
  d->number = number;
  d->requester_id = "AR1000000000001";
  d->hit_type_id = "T0000000000000000000000000001";
  hit_properties props;
  props.title = "Label the animals in a photo";
  props.description = "Look at one photo and say which animals you can see in it.";
  props.keywords = "image, label, animals, photo";
  props.reward = cents(25);
  props.assignment_duration_s = 600;
  props.auto_approval_delay_s = 259'200;
  for (int64_t i = 0; i < requirements; ++i)
    props.requirements.push_back(
        {"3QUAL" + std::to_string(1'000'000'000 + i), comparator::greater_than_or_equal_to, {80}, {}, guard});
  d->properties = std::make_shared<const hit_properties>(std::move(props));
  d->creation_time = t0;
  return d;
}

feed_hit sample_hit(std::shared_ptr<const hit_definition> d) {
  feed_hit h;
  h.number = d->number;
  h.hit_id = "H" + std::to_string(1'000'000'000'000 + d->number);
  h.folded = std::make_shared<const std::string>(folded_text(*d));
  h.def = std::move(d);
  h.available = 7;
  h.max_assignments = 10;
  h.expiration = t0 + 86'400'000;
  h.position = 42;
  return h;
}

void frame_of(benchmark::State& state, feed_kind kind) {
  feed_event e;
  e.position = 42;
  e.kind = kind;
  e.hit = sample_hit(definition(1, state.range(0)));
  e.reason = kind == feed_kind::expired ? unavailable_reason::all_taken : unavailable_reason::none;
  size_t bytes = 0;
  for (auto _ : state) {
    auto f = feed_event_frame(e);
    bytes += f.size();
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["frame_bytes"] = static_cast<double>(feed_event_frame(e).size());
}
void BM_FrameAvailable(benchmark::State& state) { frame_of(state, feed_kind::available); }
void BM_FrameUpdated(benchmark::State& state) { frame_of(state, feed_kind::updated); }
void BM_FrameExpired(benchmark::State& state) { frame_of(state, feed_kind::expired); }
BENCHMARK(BM_FrameAvailable)->ArgName("requirements")->Arg(0)->Arg(5)->Arg(10);
BENCHMARK(BM_FrameUpdated)->ArgName("requirements")->Arg(0);
BENCHMARK(BM_FrameExpired)->ArgName("requirements")->Arg(0);

// A HIT becomes available, one of its two assignments is taken
// (hit.updated), then the other (hit.expired, all taken): three engine
// events per HIT, each applied to the view. Each HIT leaves the view when
// its last assignment is taken and the history is bounded, so memory stays
// flat however long it runs.
void BM_ViewApply(benchmark::State& state) {
  market_view view;
  uint64_t seq = 0, number = 0;
  int64_t changes = 0;
  std::shared_ptr<const hit_definition> d;
  for (auto _ : state) {
    event e;
    e.seq = ++seq;
    e.time = t0;
    e.max_assignments = 2;
    e.expiration = t0 + 86'400'000;
    switch (seq % 3) {
      case 1:
        d = definition(++number, 0);
        e.type = event_type::hit_available;
        e.assignments_available = 2;
        break;
      case 2:
        e.type = event_type::hit_updated;
        e.assignments_available = 1;
        break;
      default:
        e.type = event_type::hit_unavailable;
        e.assignments_available = 0;
        e.reason = unavailable_reason::all_taken;
    }
    e.hit_number = d->number;
    e.requester_id = d->requester_id;
    e.hit = d;
    auto change = view.apply(e);
    changes += change ? 1 : 0;
    benchmark::DoNotOptimize(change);
  }
  if (changes != state.iterations())
    state.SkipWithError("every event should change the feed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ViewApply);

void BM_FilterKeywords(benchmark::State& state) {
  auto h = sample_hit(definition(1, 0));
  feed_filter f;
  for (int64_t i = 0; i < state.range(0); ++i)
    f.keywords.push_back("word" + std::to_string(i));
  int64_t matched = 0;
  for (auto _ : state)
    matched += matches(f, *h.def, *h.folded, nullptr) ? 1 : 0;
  if (state.range(0) > 0 && matched != 0)
    state.SkipWithError("no keyword should match");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FilterKeywords)->ArgName("keywords")->Arg(0)->Arg(1)->Arg(5)->Arg(20);

void BM_FilterQualified(benchmark::State& state) {
  auto h = sample_hit(definition(1, state.range(0), guarded_action::discover_preview_and_accept));
  feed_filter f;
  f.qualified_only = true;
  worker_credentials w;
  w.worker_id = "AW1000000000001";
  for (const auto& r : h.def->properties->requirements)
    w.values[r.qualification_type_id] = {90, std::nullopt};
  int64_t matched = 0;
  for (auto _ : state)
    matched += matches(f, *h.def, *h.folded, &w) ? 1 : 0;
  if (matched != state.iterations())
    state.SkipWithError("a qualified worker should see the HIT");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FilterQualified)->ArgName("requirements")->Arg(0)->Arg(5)->Arg(10);

void BM_PersonalFrame(benchmark::State& state) {
  event e;
  e.seq = 42;
  e.type = event_type::assignment_approved;
  e.time = t0;
  e.requester_id = "AR1000000000001";
  e.worker_id = "AW1000000000001";
  e.hit_number = 1;
  e.assignment_ordinal = 3;
  e.has_assignment = true;
  e.amount = cents(25);
  e.hit = definition(1, 0);
  size_t bytes = 0;
  for (auto _ : state) {
    auto f = personal_frame(e);
    bytes += f.size();
    benchmark::DoNotOptimize(f);
  }
  if (bytes == 0)
    state.SkipWithError("assignment.approved should make a personal frame");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_PersonalFrame);

} // namespace

BENCHMARK_MAIN();
