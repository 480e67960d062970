// The engine's queries and events for the live feed: worker_credentials_of,
// list_available_hits (in memory and from a store after a restart), and the
// worker_blocked / worker_unblocked events.

#include "engine_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace hitd {
namespace {

using test::engine_harness;
using test::harness_options;
using test::must;

std::vector<std::string> all_available(engine& e, size_t page_size) {
  std::vector<std::string> ids;
  page_request p{{}, page_size};
  for (int round = 0; round < 1000; ++round) {
    auto page = must(e.list_available_hits(p), "list_available_hits");
    for (const auto& h : page.items) {
      EXPECT_GT(h.assignments_available, 0);
      EXPECT_TRUE(h.requester_annotation.empty());
      ids.push_back(h.hit_id);
    }
    if (page.next_token.empty())
      break;
    p.next_token = page.next_token;
  }
  return ids;
}

TEST(FeedQueries, CredentialsShowGrantsAndBlocks) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker({"DE", ""});
  auto q = must(h->create_qualification_type(r, [] {
    qualification_type_spec s;
    s.name = "Skill";
    s.description = "A skill";
    return s;
  }()));
  auto before = must(h->worker_credentials_of(w));
  EXPECT_EQ(before.worker_id, w);
  EXPECT_EQ(before.find(q.qualification_type_id), nullptr);
  ASSERT_NE(before.find(system_qualification::locale), nullptr);
  EXPECT_EQ(before.find(system_qualification::locale)->locale_value->country, "DE");

  must(h->associate_qualification_with_worker(r, q.qualification_type_id, w, 7, false));
  must(h->create_worker_block(r, w, "spam"));
  auto after = must(h->worker_credentials_of(w));
  ASSERT_NE(after.find(q.qualification_type_id), nullptr);
  EXPECT_EQ(after.find(q.qualification_type_id)->integer, 7);
  EXPECT_TRUE(after.blocked_by.count(r));

  must(h->delete_worker_block(r, w, "ok"));
  must(h->disassociate_qualification_from_worker(r, q.qualification_type_id, w, "gone"));
  auto last = must(h->worker_credentials_of(w));
  EXPECT_EQ(last.find(q.qualification_type_id), nullptr);
  EXPECT_FALSE(last.blocked_by.count(r));

  EXPECT_EQ(h->worker_credentials_of("AWNOSUCHWORKER").code(), errc::worker_does_not_exist);
}

TEST(FeedQueries, BlockAndUnblockArePublished) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  test::event_log log;
  auto sub = h->subscribe([&](const event& e) { log.add(e); });
  must(h->create_worker_block(r, w, "spam"));
  must(h->delete_worker_block(r, w, "sorry"));
  h->drain();
  h->unsubscribe(sub);
  std::vector<event> blocks;
  for (const auto& e : log.events())
    if (e.type == event_type::worker_blocked || e.type == event_type::worker_unblocked)
      blocks.push_back(e);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].type, event_type::worker_blocked);
  EXPECT_EQ(blocks[0].worker_id, w);
  EXPECT_EQ(blocks[0].requester_id, r);
  EXPECT_EQ(blocks[0].text, "spam");
  EXPECT_EQ(blocks[1].type, event_type::worker_unblocked);
  EXPECT_LT(blocks[0].seq, blocks[1].seq);
  EXPECT_EQ(event_type_name(event_type::worker_blocked), "WorkerBlocked");
}

void lists_only_available_hits(engine_harness& h, bool restart) {
  auto r = h.requester(cents(100'000));
  auto w = h.worker();
  std::vector<std::string> open;
  for (int i = 0; i < 7; ++i)
    open.push_back(h.hit(r, 2).hit_id);
  auto full = h.hit(r, 1).hit_id;
  h.accept(w, full);                       // all taken
  auto short_lived = h.hit(r, 1, 60).hit_id;
  auto withdrawn = h.hit(r, 1).hit_id;
  must(h->update_expiration(r, withdrawn, h.now()));
  auto partly = h.hit(r, 3).hit_id;
  h.accept(w, partly);
  open.push_back(partly);
  h.clock->set(h.now() + 120'000);             // short_lived's lifetime is over (not yet applied)
  if (restart)
    h.restart();
  auto ids = all_available(*h, 3);
  std::set<std::string> got(ids.begin(), ids.end());
  EXPECT_EQ(got.size(), ids.size()) << "a HIT listed twice";
  EXPECT_EQ(got, std::set<std::string>(open.begin(), open.end()));
  auto page = must(h->list_available_hits({{}, 100}));
  auto it = std::find_if(page.items.begin(), page.items.end(), [&](auto& v) { return v.hit_id == partly; });
  ASSERT_NE(it, page.items.end());
  EXPECT_EQ(it->assignments_available, 2);
  EXPECT_EQ(it->max_assignments, 3);
}

TEST(FeedQueries, ListsAvailableHitsAcrossPagesInMemory) {
  harness_options o;
  o.with_store = false;
  engine_harness h{o};
  lists_only_available_hits(h, false);
}

TEST(FeedQueries, ListsAvailableHitsStoredByAnEarlierRun) {
  engine_harness h;
  lists_only_available_hits(h, true);
}

TEST(FeedQueries, ListAvailableHitsRefusesABadToken) {
  engine_harness h;
  EXPECT_EQ(h->list_available_hits({"x1", 10}).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_available_hits({{}, 0}).code(), errc::invalid_parameter_value);
  auto empty = must(h->list_available_hits({{}, 10}));
  EXPECT_TRUE(empty.items.empty());
  EXPECT_TRUE(empty.next_token.empty());
}

} // namespace
} // namespace hitd

namespace hitd {
namespace {

TEST(FeedEvents, AnAvailableHitThatTakesAnotherTypeIsUpdated) {
  test::engine_harness h;
  auto r = h.requester(cents(100'000));
  auto hit = h.hit(r, 2);
  auto p = test::engine_harness::props(cents(70));
  p.title = "Another title";
  auto other = h.hit_type(r, p);
  test::event_log log;
  auto sub = h->subscribe([&](const event& e) { log.add(e); });
  test::must(h->update_hit_type_of_hit(r, hit.hit_id, other));
  h->drain();
  h->unsubscribe(sub);
  std::vector<event> updates;
  for (const auto& e : log.events())
    if (e.type == event_type::hit_updated)
      updates.push_back(e);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].hit_type_id(), other);
  EXPECT_EQ(updates[0].hit->properties->title, "Another title");
  EXPECT_EQ(updates[0].assignments_available, 2);
}

// A worker's own assignments in progress, with their HITs: what the worker
// page lists again after a reload. Submitted and returned ones leave at once
// (the HIT answers for its assignment, not the worker's last news of it),
// another worker's never show, and the list survives a restart.
TEST(FeedQueries, AssignmentsInProgressAreTheWorkersOwnWithTheirHits) {
  engine_harness h;
  auto r = h.requester(cents(100'000));
  auto a = h.hit(r, 2);
  auto b = h.hit(r, 1);
  auto c = h.hit(r, 1);
  auto w = h.worker();
  auto other = h.worker();
  auto wa = h.accept(w, a.hit_id);
  h->advance_clock(seconds(1));
  auto wb = h.accept(w, b.hit_id);
  h->advance_clock(seconds(1));
  auto wc = h.accept(w, c.hit_id);
  auto oa = h.accept(other, a.hit_id);

  auto mine = must(h->assignments_in_progress(w), "assignments_in_progress");
  ASSERT_EQ(mine.items.size(), 3u);
  EXPECT_FALSE(mine.more);
  EXPECT_EQ(mine.items[0].assignment.assignment_id, wa.assignment_id);   // the oldest first
  EXPECT_EQ(mine.items[1].assignment.assignment_id, wb.assignment_id);
  EXPECT_EQ(mine.items[2].assignment.assignment_id, wc.assignment_id);
  for (const auto& i : mine.items) {
    EXPECT_EQ(i.assignment.worker_id, w);
    EXPECT_EQ(i.assignment.status, assignment_status::accepted);
    EXPECT_EQ(i.hit.hit_id, i.assignment.hit_id);
    EXPECT_EQ(i.hit.question, a.question);
    EXPECT_GT(i.assignment.deadline, i.assignment.accept_time);
  }

  h.submit(w, wb.assignment_id);
  must(h->return_assignment(w, wc.assignment_id));
  mine = must(h->assignments_in_progress(w), "assignments_in_progress");
  ASSERT_EQ(mine.items.size(), 1u);
  EXPECT_EQ(mine.items[0].assignment.assignment_id, wa.assignment_id);

  auto theirs = must(h->assignments_in_progress(other), "assignments_in_progress");
  ASSERT_EQ(theirs.items.size(), 1u);
  EXPECT_EQ(theirs.items[0].assignment.assignment_id, oa.assignment_id);

  h.restart();
  mine = must(h->assignments_in_progress(w), "after a restart");
  ASSERT_EQ(mine.items.size(), 1u);
  EXPECT_EQ(mine.items[0].assignment.assignment_id, wa.assignment_id);

  // Past its deadline the assignment is abandoned, so no longer in progress.
  h->advance_clock(seconds(a.assignment_duration_s + 1));
  EXPECT_TRUE(must(h->assignments_in_progress(w), "after the deadline").items.empty());

  auto none = h->assignments_in_progress("A0000000000000NOSUCHWORKER");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.code(), errc::worker_does_not_exist);
}

} // namespace
} // namespace hitd
