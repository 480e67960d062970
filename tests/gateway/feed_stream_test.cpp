// The HIT feed through the protocol handler, on the real in-memory engine:
// snapshots, live events, expiry, resume, and exactly-once delivery.

#include "feed_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>

namespace hitd::gateway::test {
namespace {

using FeedStream = feed_test;

TEST_F(FeedStream, ThreeWorkersSeeHitsAppearAndAssignmentsLeftGoDown) {
  auto r = h.requester(cents(100'000));
  std::vector<client*> cs;
  for (int i = 0; i < 3; ++i)
    cs.push_back(&connect(h.worker()));
  for (auto* c : cs) {
    auto rep = c->call(subscribe_req());
    EXPECT_EQ(type_of(rep), "subscribed");
    EXPECT_TRUE(snapshot_hits(rep).empty());
  }
  auto a = h.hit(r, 3);
  auto b = h.hit(r, 1, 3'600, engine_harness::props(cents(60)));   // a group of its own
  for (auto* c : cs)
    for (auto& id : {a.hit_id, b.hit_id}) {
      auto f = c->sink->wait_for([&](auto& x) { return type_of(x) == "hit.available" && hit_of(x) == id; }, "hit.available");
      EXPECT_EQ(str(f.at("hit").as_object().at("title")), "Label a photo");
      EXPECT_EQ(str(f.at("hit").as_object().at("reward")), id == a.hit_id ? "0.50" : "0.60");
    }
  // The first worker accepts; every subscriber sees two assignments left.
  auto acc = cs[0]->call([&] {
    json::object o;
    o["op"] = "accept";
    o["hit_id"] = a.hit_id;
    return o;
  }());
  ASSERT_EQ(type_of(acc), "accepted") << json::serialize(acc);
  for (auto* c : cs) {
    auto f = c->sink->wait_for([&](auto& x) { return type_of(x) == "hit.updated" && hit_of(x) == a.hit_id; }, "hit.updated");
    EXPECT_EQ(f.at("assignments_available").as_int64(), 2);
    EXPECT_EQ(f.at("max_assignments").as_int64(), 3);
  }
  // Accepting the last one of b: it is gone, all taken.
  auto acc2 = cs[1]->call([&] {
    json::object o;
    o["op"] = "accept";
    o["hit_type_id"] = b.hit_type_id;   // "the next one" of the group
    return o;
  }());
  ASSERT_EQ(type_of(acc2), "accepted") << json::serialize(acc2);
  EXPECT_EQ(str(acc2.at("assignment").as_object().at("hit_id")), b.hit_id);
  for (auto* c : cs) {
    auto f = c->sink->wait_for([&](auto& x) { return type_of(x) == "hit.expired" && hit_of(x) == b.hit_id; }, "hit.expired");
    EXPECT_EQ(str(f.at("reason")), "all_taken");
  }
  // Every frame of a HIT event is the same shared string for every session.
  settle();
  auto first = cs[0]->sink->raw();
  auto second = cs[2]->sink->raw();
  size_t shared = 0;
  for (auto& f : first)
    for (auto& g : second)
      shared += f.get() == g.get() ? 1 : 0;
  EXPECT_GE(shared, 4u) << "feed events are serialised once and shared";
}

TEST_F(FeedStream, ExpiryReachesEverySubscriberWithItsReason) {
  auto r = h.requester(cents(100'000));
  auto short_lived = h.hit(r, 2, 60);
  auto withdrawn = h.hit(r, 1, 3'600);
  std::vector<client*> cs;
  for (int i = 0; i < 3; ++i) {
    cs.push_back(&connect(h.worker()));
    auto rep = cs.back()->call(subscribe_req());
    auto ids = snapshot_hits(rep);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), (std::set<std::string>{short_lived.hit_id, withdrawn.hit_id}));
  }
  h->advance_clock(61'000);
  must(h->update_expiration(r, withdrawn.hit_id, h.now()));
  for (auto* c : cs) {
    auto f = c->sink->wait_for([&](auto& x) { return type_of(x) == "hit.expired" && hit_of(x) == short_lived.hit_id; }, "expired");
    EXPECT_EQ(str(f.at("reason")), "lifetime_over");
    auto g = c->sink->wait_for([&](auto& x) { return type_of(x) == "hit.expired" && hit_of(x) == withdrawn.hit_id; }, "withdrawn");
    EXPECT_EQ(str(g.at("reason")), "withdrawn");
  }
  settle();
  EXPECT_EQ(hub->stats().hits, 0u);
}

TEST_F(FeedStream, FiltersByRewardAndKeywords) {
  auto r = h.requester(cents(100'000));
  auto cheap = h.hit(r, 1);   // $0.50 "Label a photo" / "image, label"
  auto p = engine_harness::props(cents(200));
  p.title = "Transcribe AUDIO clip";
  p.keywords = "audio, speech";
  auto dear = h.hit(r, 1, 3'600, p);
  auto& rich = connect(h.worker());
  auto& words = connect(h.worker());
  auto& both = connect(h.worker());
  json::object f1;
  f1["min_reward"] = "1.00";
  json::object f2;
  f2["keywords"] = json::array{"PHOTO", "speech"};
  json::object f3;
  f3["keywords"] = json::array{"label", "image"};
  f3["keywords_mode"] = "all";
  EXPECT_EQ(snapshot_hits(rich.call(subscribe_req(f1))), std::vector<std::string>{dear.hit_id});
  auto w = snapshot_hits(words.call(subscribe_req(f2)));
  EXPECT_EQ(std::set<std::string>(w.begin(), w.end()), (std::set<std::string>{cheap.hit_id, dear.hit_id}));
  EXPECT_EQ(snapshot_hits(both.call(subscribe_req(f3))), std::vector<std::string>{cheap.hit_id});
  // Live events pass the same filters.
  auto more = h.hit(r, 1, 3'600, p);
  settle();
  auto got = [](client& c) {
    std::set<std::string> s;
    for (auto& f : c.feed_events())
      s.insert(hit_of(f));
    return s;
  };
  EXPECT_EQ(got(rich), std::set<std::string>{more.hit_id});
  EXPECT_EQ(got(words), std::set<std::string>{more.hit_id});
  EXPECT_TRUE(got(both).empty());
}

// The position a client has reached: the snapshot's, then each event's.
uint64_t last_position(const client& c) {
  uint64_t p = 0;
  for (auto& f : c.sink->frames()) {
    if (type_of(f) == "subscribed")
      p = f.at("position").to_number<uint64_t>();
    else if (is_feed_event(f))
      p = f.at("position").to_number<uint64_t>();
  }
  return p;
}

json::object resume_req(uint64_t position, const std::string& epoch) {
  json::object r;
  r["op"] = "resume";
  r["position"] = position;
  r["epoch"] = epoch;
  return r;
}

TEST_F(FeedStream, ResumeReplaysExactlyTheEventsMissed) {
  auto r = h.requester(cents(100'000));
  auto w = h.worker();
  auto& stays = connect(h.worker());
  auto& leaves = connect(w);
  stays.call(subscribe_req());
  auto sub = leaves.call(subscribe_req());
  auto epoch = str(sub.at("epoch"));
  auto a = h.hit(r, 3);
  settle();
  auto pos = last_position(leaves);
  auto before = stays.feed_events().size();
  leaves.disconnect();
  // Meanwhile: a new HIT, an accept, an expiry.
  auto b = h.hit(r, 2, 60);
  h.accept(h.worker(), a.hit_id);
  h->advance_clock(61'000);
  settle();
  auto missed = stays.feed_events();
  missed.erase(missed.begin(), missed.begin() + static_cast<std::ptrdiff_t>(before));
  ASSERT_EQ(missed.size(), 3u);   // b available, a updated, b expired
  auto& back = connect(w);
  auto rep = back.call(resume_req(pos, epoch));
  EXPECT_EQ(rep.at("resumed").as_bool(), true) << json::serialize(rep);
  EXPECT_EQ(rep.at("replayed").to_number<uint64_t>(), 3u);
  settle();
  auto replayed = back.feed_events();
  ASSERT_EQ(replayed.size(), missed.size());
  for (size_t i = 0; i < missed.size(); ++i)
    EXPECT_EQ(json::serialize(replayed[i]), json::serialize(missed[i]));
  // And then live events, once each.
  auto c = h.hit(r, 1);
  settle();
  auto all = back.feed_events();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(hit_of(all.back()), c.hit_id);
}

TEST_F(FeedStream, ResumeFromTheCurrentPositionReplaysNothing) {
  auto r = h.requester(cents(100'000));
  h.hit(r, 1);
  auto& c = connect(h.worker());
  auto sub = c.call(subscribe_req());
  auto rep = c.call(resume_req(sub.at("position").to_number<uint64_t>(), str(sub.at("epoch"))));
  EXPECT_TRUE(rep.at("resumed").as_bool());
  EXPECT_EQ(rep.at("replayed").to_number<uint64_t>(), 0u);
  // From the future, or from another epoch: a fresh snapshot saying why.
  auto future = c.call(resume_req(h->last_event_seq() + 100, str(sub.at("epoch"))));
  EXPECT_FALSE(future.at("resumed").as_bool());
  EXPECT_EQ(str(future.at("reason")), "unknown_position");
  EXPECT_EQ(snapshot_hits(future).size(), 1u);
  auto other = c.call(resume_req(1, "0123456789abcdef"));
  EXPECT_FALSE(other.at("resumed").as_bool());
  EXPECT_EQ(str(other.at("reason")), "epoch_changed");
}

class FeedShortHistory : public feed_test {
protected:
  FeedShortHistory() : feed_test({}, [] {
    feed_hub_options o;
    o.view.history_events_max = 4;
    return o;
  }()) {}
};

TEST_F(FeedShortHistory, TooOldResumeGetsAFreshSnapshotSayingSo) {
  auto r = h.requester(cents(100'000));
  auto w = h.worker();
  auto& c = connect(w);
  auto sub = c.call(subscribe_req());
  auto pos = sub.at("position").to_number<uint64_t>();
  c.disconnect();
  std::set<std::string> ids;
  for (int i = 0; i < 6; ++i)
    ids.insert(h.hit(r, 1).hit_id);   // six feed events: more than the history holds
  settle();
  auto& back = connect(w);
  auto rep = back.call(resume_req(pos, str(sub.at("epoch"))));
  EXPECT_FALSE(rep.at("resumed").as_bool());
  EXPECT_EQ(str(rep.at("reason")), "too_old");
  auto snap = snapshot_hits(rep);
  EXPECT_EQ(std::set<std::string>(snap.begin(), snap.end()), ids);
  EXPECT_EQ(rep.at("position").to_number<uint64_t>(), hub->stats().position);
  EXPECT_EQ(hub->stats().history_events, 4u);
}

// Subscribes and resumes at random moments while a writer thread creates,
// accepts and expires HITs: each client's snapshot plus the events after it,
// applied in order, must end exactly at the engine's final availability,
// with no event at or before a position the client already had.
TEST_F(FeedStream, SnapshotAndStreamMissNothingAndRepeatNothingUnderConcurrency) {
  auto r = h.requester(cents(10'000'000));
  std::vector<std::string> workers;
  for (int i = 0; i < 8; ++i)
    workers.push_back(h.worker());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::mt19937 rng(7);
    std::vector<std::string> open;
    for (int i = 0; i < 120 && !stop; ++i) {
      auto v = h->create_hit(engine_harness::hit_request(r, h.hit_type(r), 1 + static_cast<int64_t>(rng() % 3), 3'600));
      if (v.ok())
        open.push_back(v->hit_id);
      if (!open.empty() && rng() % 2) {
        accept_request a;
        a.worker_id = workers[rng() % workers.size()];
        a.hit_id = open[rng() % open.size()];
        (void)h->accept(a);
      }
      if (!open.empty() && rng() % 5 == 0) {
        auto victim = open[rng() % open.size()];
        (void)h->update_expiration(r, victim, h.now());
      }
    }
  });
  // Each logical client: its connections in order (a resume continues the
  // state of the connection before it).
  std::vector<std::vector<client*>> cs;
  for (int i = 0; i < 6; ++i) {
    auto& c = connect(h.worker());
    auto sub = c.call(subscribe_req());
    if (i % 2 == 1) {   // some leave and resume a little later
      c.disconnect();
      auto& back = connect(c.worker_id);
      back.call(resume_req(last_position(c), str(sub.at("epoch"))));
      cs.push_back({&c, &back});
    } else {
      cs.push_back({&c});
    }
    std::this_thread::yield();
  }
  writer.join();
  settle();
  // The truth: what the engine offers now.
  std::map<std::string, int64_t> truth;
  page_request page{{}, 100};
  for (int i = 0; i < 100; ++i) {
    auto p = must(h->list_available_hits(page));
    for (auto& v : p.items)
      truth[v.hit_id] = v.assignments_available;
    if (p.next_token.empty())
      break;
    page.next_token = p.next_token;
  }
  ASSERT_FALSE(truth.empty());
  for (auto& conns : cs) {
    std::vector<json::object> frames;
    for (auto* c : conns)
      for (auto& f : c->sink->frames())
        frames.push_back(f);
    std::map<std::string, int64_t> state;
    uint64_t pos = 0;
    for (auto& f : frames) {
      auto t = type_of(f);
      if (t == "subscribed") {
        if (f.contains("groups")) {
          state.clear();
          for (const auto& g : f.at("groups").as_array())
            for (const auto& m : g.as_object().at("hits").as_array())
              state[str(m.as_object().at("hit_id"))] = m.as_object().at("assignments_available").as_int64();
        }
        pos = f.at("position").to_number<uint64_t>();
        continue;
      }
      if (!is_feed_event(f))
        continue;
      auto p = f.at("position").to_number<uint64_t>();
      EXPECT_GT(p, pos) << "an event at or before a position already had: " << json::serialize(f);
      pos = p;
      auto id = hit_of(f);
      if (t == "hit.available") {
        EXPECT_FALSE(state.count(id)) << "hit.available for a HIT already shown";
        state[id] = f.at("hit").as_object().at("assignments_available").as_int64();
      } else if (t == "hit.updated") {
        EXPECT_TRUE(state.count(id)) << "hit.updated for a HIT not shown";
        state[id] = f.at("assignments_available").as_int64();
      } else {
        EXPECT_TRUE(state.count(id)) << "hit.expired for a HIT not shown";
        state.erase(id);
      }
    }
    EXPECT_EQ(state, truth);
  }
}

} // namespace
} // namespace hitd::gateway::test

namespace hitd::gateway::test {
namespace {

TEST_F(FeedStream, AnExtensionMovesTheExpirationAndARetypeMovesTheGroup) {
  auto r = h.requester(cents(100'000));
  auto hit = h.hit(r, 2);
  auto& all = connect(h.worker());
  auto& photos = connect(h.worker());
  all.call(subscribe_req());
  json::object f;
  f["keywords"] = json::array{"photo"};
  EXPECT_EQ(snapshot_hits(photos.call(subscribe_req(f))).size(), 1u);
  auto later = hit.expiration + 3'600'000;
  must(h->update_expiration(r, hit.hit_id, later));
  auto ext = all.sink->wait_for([&](auto& x) { return type_of(x) == "hit.updated"; }, "the extension");
  EXPECT_EQ(ext.at("expiration").as_int64(), later);
  auto p = engine_harness::props(cents(80));
  p.title = "Transcribe audio";
  p.keywords = "audio";
  p.description = "Type what you hear";
  auto type = h.hit_type(r, p);
  must(h->update_hit_type_of_hit(r, hit.hit_id, type));
  auto moved = all.sink->wait_for([&](auto& x) { return type_of(x) == "hit.updated" && x.contains("hit"); }, "the retype");
  EXPECT_EQ(str(moved.at("hit_type_id")), type);
  EXPECT_EQ(str(moved.at("hit").as_object().at("reward")), "0.80");
  auto gone = photos.sink->wait_for([&](auto& x) { return type_of(x) == "hit.expired"; }, "no longer matching");
  EXPECT_EQ(str(gone.at("reason")), "not_matching");
  auto& fresh = connect(h.worker());
  auto snap = fresh.call(subscribe_req());
  ASSERT_EQ(snap.at("groups").as_array().size(), 1u);
  EXPECT_EQ(str(snap.at("groups").as_array()[0].as_object().at("hit_type_id")), type);
}

TEST_F(FeedStream, ASessionThatStopsReadingIsDroppedAndTheOthersGoOn) {
  auto r = h.requester(cents(100'000));
  auto& slow = connect(h.worker());
  auto& fast = connect(h.worker());
  slow.call(subscribe_req());
  fast.call(subscribe_req());
  slow.sink->set_limit(slow.sink->size() + 2);   // its queue holds two more frames
  for (int i = 0; i < 5; ++i)
    h.hit(r, 1);
  settle();
  EXPECT_EQ(fast.feed_events().size(), 5u);
  EXPECT_EQ(slow.feed_events().size(), 2u);
  EXPECT_GE(hub->stats().sends_refused, 1u);
  auto before = hub->stats().sends_refused;
  h.hit(r, 1);
  settle();
  EXPECT_EQ(fast.feed_events().size(), 6u);
  EXPECT_EQ(hub->stats().sends_refused, before) << "a refused session is not sent to again";
}

} // namespace
} // namespace hitd::gateway::test

namespace hitd::gateway::test {
namespace {

TEST_F(FeedStream, AHeartbeatPositionLetsANarrowFilterResumeInsideTheHistory) {
  auto r = h.requester(cents(100'000));
  auto w = h.worker();
  auto& c = connect(w);
  json::object f;
  f["min_reward"] = "5.00";   // nothing will match
  auto sub = c.call(subscribe_req(f));
  for (int i = 0; i < 3; ++i)
    h.hit(r, 1);
  settle();
  EXPECT_EQ(hub->heartbeat(), 1u);
  auto beat = c.sink->wait_for([](auto& x) { return type_of(x) == "heartbeat"; }, "heartbeat");
  auto p = beat.at("position").to_number<uint64_t>();
  EXPECT_EQ(p, hub->stats().position);
  EXPECT_GT(p, sub.at("position").to_number<uint64_t>());
  EXPECT_EQ(str(beat.at("epoch")), hub->epoch());
  c.disconnect();
  h.hit(r, 1);   // does not match: in the history, not replayed
  auto rich = engine_harness::props(cents(600));
  auto big = h.hit(r, 1, 3'600, rich);
  settle();
  auto& back = connect(w);
  auto req = resume_req(p, hub->epoch());
  req["filters"] = f;
  auto rep = back.call(req);
  EXPECT_TRUE(rep.at("resumed").as_bool());
  EXPECT_EQ(rep.at("replayed").to_number<uint64_t>(), 1u);
  auto events = back.feed_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(hit_of(events[0]), big.hit_id);
}

} // namespace
} // namespace hitd::gateway::test
