// market_view and the filters as plain objects: synthetic engine events, no
// engine, no threads.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "hitd/gateway/feed/filter.hpp"
#include "hitd/gateway/feed/market_view.hpp"
#include "hitd/ids.hpp"

namespace hitd::gateway {
namespace {

namespace json = boost::json;

// d's properties with these requirements (properties are shared, never changed in place).
std::shared_ptr<const hit_properties> with_requirements(const hit_definition& d,
                                                        std::vector<qualification_requirement> reqs) {
  auto p = *d.properties;
  p.requirements = std::move(reqs);
  return std::make_shared<const hit_properties>(std::move(p));
}

std::shared_ptr<const hit_definition> def(uint64_t number, std::string type = "T1", money reward = cents(50)) {
  auto d = std::make_shared<hit_definition>();
  d->number = number;
  d->requester_id = "AR1";
  d->hit_type_id = std::move(type);
  hit_properties props;
  props.title = "Label a Photo";
  props.keywords = "image, label";
  props.description = "Say what is in the picture";
  props.reward = reward;
  d->properties = std::make_shared<const hit_properties>(std::move(props));
  return d;
}

event ev(uint64_t seq, event_type t, std::shared_ptr<const hit_definition> d, int64_t available,
         unavailable_reason why = unavailable_reason::none) {
  event e;
  e.seq = seq;
  e.type = t;
  e.hit_number = d->number;
  e.hit = std::move(d);
  e.assignments_available = available;
  e.max_assignments = 3;
  e.expiration = 1'000'000;
  e.reason = why;
  return e;
}

TEST(MarketView, TracksAvailabilityGroupedByHitType) {
  market_view v;
  auto a = def(1), b = def(2), c = def(3, "T2");
  auto e1 = v.apply(ev(1, event_type::hit_available, a, 3));
  ASSERT_TRUE(e1);
  EXPECT_EQ(e1->kind, feed_kind::available);
  EXPECT_EQ(json::parse(*e1->frame).at("type").as_string(), "hit.available");
  v.apply(ev(2, event_type::hit_available, b, 1));
  v.apply(ev(3, event_type::hit_available, c, 2));
  EXPECT_EQ(v.groups().at("T1").size(), 2u);
  EXPECT_EQ(v.groups().at("T2").size(), 1u);
  auto u = v.apply(ev(4, event_type::hit_updated, a, 2));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->kind, feed_kind::updated);
  EXPECT_EQ(v.hits().at(1).available, 2);
  EXPECT_EQ(v.hits().at(1).hit_id, format_id(id_kind::hit, 1));
  auto x = v.apply(ev(5, event_type::hit_unavailable, b, 0, unavailable_reason::lifetime_over));
  ASSERT_TRUE(x);
  EXPECT_EQ(x->kind, feed_kind::expired);
  EXPECT_EQ(json::parse(*x->frame).at("reason").as_string(), "lifetime_over");
  EXPECT_EQ(v.groups().at("T1").size(), 1u);
  // Events that are not about availability move the position only.
  event other;
  other.seq = 6;
  other.type = event_type::funds_deposited;
  EXPECT_FALSE(v.apply(other));
  EXPECT_EQ(v.position(), 6u);
  // An unavailable HIT never shown makes nothing.
  EXPECT_FALSE(v.apply(ev(7, event_type::hit_unavailable, def(9), 0, unavailable_reason::withdrawn)));
}

TEST(MarketView, KeepsNoQuestionAndSharesOneDefinitionPerHit) {
  market_view v;
  auto d = std::make_shared<hit_definition>(*def(1));
  d->question = std::string(60'000, 'q');
  d->requester_annotation = "private";
  v.apply(ev(1, event_type::hit_available, d, 3));
  auto kept = v.hits().at(1).def;   // a copy of the pointer
  EXPECT_TRUE(kept->question.empty());
  EXPECT_TRUE(kept->requester_annotation.empty());
  EXPECT_EQ(kept->properties->title, "Label a Photo");
  v.apply(ev(2, event_type::hit_updated, d, 2));
  EXPECT_EQ(v.hits().at(1).def.get(), kept.get()) << "an update keeps the definition it had";
  EXPECT_EQ(json::parse(*v.since(0)->back()->frame).as_object().count("hit"), 0u);
}

TEST(MarketView, HistoryIsBoundedByCountAndBytes) {
  market_view_options o;
  o.history_events_max = 3;
  market_view v(o, 10);
  EXPECT_EQ(v.since(10)->size(), 0u);
  for (uint64_t i = 1; i <= 5; ++i)
    v.apply(ev(10 + i, event_type::hit_available, def(i), 1));
  EXPECT_EQ(v.history_size(), 3u);
  EXPECT_EQ(v.floor(), 12u);
  EXPECT_FALSE(v.since(11)) << "events after 11 are partly gone";
  ASSERT_TRUE(v.since(12));
  EXPECT_EQ(v.since(12)->size(), 3u);
  EXPECT_EQ(v.since(14)->size(), 1u);
  EXPECT_EQ(v.since(15)->size(), 0u);
  EXPECT_FALSE(v.since(16)) << "ahead of the view";

  market_view_options small;
  small.history_bytes_max = 2 * (feed_limits::history_entry_overhead_bytes + 600);
  market_view w(small);
  for (uint64_t i = 1; i <= 10; ++i)
    w.apply(ev(i, event_type::hit_available, def(i), 1));
  EXPECT_LE(w.history_bytes(), small.history_bytes_max);
  EXPECT_GE(w.history_size(), 1u);
  EXPECT_LT(w.history_size(), 10u);
}

TEST(MarketView, SeedKeepsWhatEventsChangedMeanwhile) {
  market_view v({}, 5);
  v.apply(ev(6, event_type::hit_available, def(1), 1));
  v.apply(ev(7, event_type::hit_unavailable, def(1), 0, unavailable_reason::all_taken));
  hit_view stale;
  stale.hit_id = format_id(id_kind::hit, 1);
  stale.hit_type_id = "T1";
  stale.assignments_available = 1;
  hit_view fresh = stale;
  fresh.hit_id = format_id(id_kind::hit, 2);
  fresh.title = "Fresh";
  EXPECT_EQ(v.seed({stale, fresh}), 1u);
  v.finish_seeding();
  EXPECT_FALSE(v.hits().count(1)) << "a seed must not bring back a HIT an event took away";
  ASSERT_TRUE(v.hits().count(2));
  EXPECT_EQ(v.hits().at(2).def->properties->title, "Fresh");
  EXPECT_EQ(v.history_size(), 2u) << "seeding adds no history";
}

TEST(MarketView, IndexesHitsGuardedByDiscoverAndByRequester) {
  market_view v;
  auto guarded = std::make_shared<hit_definition>(*def(1));
  qualification_requirement q;
  q.qualification_type_id = "Q1";
  q.guards = guarded_action::discover_preview_and_accept;
  guarded->properties = with_requirements(*guarded, {q});
  auto accept_only = std::make_shared<hit_definition>(*def(2));
  q.guards = guarded_action::accept;
  accept_only->properties = with_requirements(*accept_only, {q});
  auto other = std::make_shared<hit_definition>(*def(3, "T2"));
  other->requester_id = "AR2";
  v.apply(ev(1, event_type::hit_available, guarded, 1));
  v.apply(ev(2, event_type::hit_available, accept_only, 1));
  v.apply(ev(3, event_type::hit_available, other, 1));
  EXPECT_EQ(v.discover_guarded(), (std::set<uint64_t>{1}));
  ASSERT_TRUE(v.of_requester("AR1"));
  EXPECT_EQ(*v.of_requester("AR1"), (std::set<uint64_t>{1, 2}));
  EXPECT_EQ(*v.of_requester("AR2"), (std::set<uint64_t>{3}));
  // A retype to an unguarded type of another group leaves no stale index.
  v.apply(ev(4, event_type::hit_updated, def(1, "T9"), 1));
  EXPECT_TRUE(v.discover_guarded().empty());
  EXPECT_FALSE(v.groups().count("T1") && v.groups().at("T1").count(1));
  EXPECT_TRUE(v.groups().at("T9").count(1));
  v.apply(ev(5, event_type::hit_unavailable, other, 0, unavailable_reason::all_taken));
  EXPECT_EQ(v.of_requester("AR2"), nullptr);
}

TEST(FeedFilter, RewardAndKeywordsAnyOrAllCaseInsensitive) {
  auto d = def(1, "T1", cents(50));
  auto text = folded_text(*d);
  feed_filter f;
  EXPECT_TRUE(matches(f, *d, text, nullptr));
  f.min_reward = cents(51);
  EXPECT_FALSE(matches(f, *d, text, nullptr));
  f.min_reward = cents(50);
  f.keywords = {"photo", "audio"};
  EXPECT_TRUE(matches(f, *d, text, nullptr));
  f.all_keywords = true;
  EXPECT_FALSE(matches(f, *d, text, nullptr));
  f.keywords = {"photo", "picture", "label"};   // title, description, keywords
  EXPECT_TRUE(matches(f, *d, text, nullptr));
}

TEST(FeedFilter, QualifiedOnlyFollowsDiscoverRequirementsAndBlocks) {
  auto guarded = std::make_shared<hit_definition>(*def(1));
  qualification_requirement q;
  q.qualification_type_id = "Q1";
  q.cmp = comparator::greater_than;
  q.integer_values = {50};
  q.guards = guarded_action::discover_preview_and_accept;
  guarded->properties = with_requirements(*guarded, {q});
  auto accept_only = std::make_shared<hit_definition>(*guarded);
  q.guards = guarded_action::accept;
  accept_only->properties = with_requirements(*accept_only, {q});
  feed_filter f;
  f.qualified_only = true;
  worker_credentials w;
  w.worker_id = "AW1";
  auto t = folded_text(*guarded);
  EXPECT_FALSE(matches(f, *guarded, t, nullptr)) << "no credentials yet: nothing";
  EXPECT_FALSE(matches(f, *guarded, t, &w));
  EXPECT_TRUE(matches(f, *accept_only, t, &w)) << "an Accept guard does not hide a HIT";
  w.values["Q1"] = qualification_value{40, std::nullopt};
  EXPECT_FALSE(matches(f, *guarded, t, &w));
  w.values["Q1"] = qualification_value{60, std::nullopt};
  EXPECT_TRUE(matches(f, *guarded, t, &w));
  w.blocked_by.insert("AR1");
  EXPECT_FALSE(matches(f, *guarded, t, &w));
  EXPECT_FALSE(matches(f, *accept_only, t, &w)) << "a block hides every HIT of the requester";
  f.qualified_only = false;
  EXPECT_TRUE(matches(f, *guarded, t, &w));
}

} // namespace
} // namespace hitd::gateway
