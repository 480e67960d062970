// The worker protocol through the handler on the real in-memory engine:
// "only HITs I may discover", the personal stream and the dashboard, bad
// input with its documented errors, idempotency keys, and who may act.

#include "feed_fixture.hpp"

#include <set>

namespace hitd::gateway::test {
namespace {

using FeedProtocol = feed_test;

json::object op(std::string_view name) {
  json::object o;
  o["op"] = name;
  return o;
}

std::string error_code(const json::object& reply) {
  auto* e = reply.if_contains("error");
  return e ? str(e->as_object().at("code")) : std::string{};
}

qualification_type_view skill(engine_harness& h, const std::string& r) {
  qualification_type_spec s;
  s.name = "Photo skill";
  s.description = "Knows photos";
  return must(h->create_qualification_type(r, s));
}

// A HIT only workers with the skill may discover.
hit_view guarded_hit(engine_harness& h, const std::string& r, const std::string& qual) {
  auto p = engine_harness::props();
  p.title = "Guarded";
  qualification_requirement q;
  q.qualification_type_id = qual;
  q.cmp = comparator::exists;
  q.guards = guarded_action::discover_preview_and_accept;
  p.requirements.push_back(q);
  return h.hit(r, 5, 3'600, p);
}

json::object qualified_only() {
  json::object f;
  f["qualified_only"] = true;
  auto r = op("subscribe");
  r["filters"] = std::move(f);
  return r;
}

TEST_F(FeedProtocol, AnUnqualifiedWorkerNeverSeesAHitGuardedByDiscover) {
  auto r = h.requester(cents(100'000));
  auto q = skill(h, r);
  auto open = h.hit(r, 1);
  auto guarded = guarded_hit(h, r, q.qualification_type_id);
  auto w = h.worker();
  auto& c = connect(w);
  auto& everyone = connect(h.worker());   // without the filter: sees both
  auto snap = snapshot_hits(c.call(qualified_only()));
  EXPECT_EQ(snap, std::vector<std::string>{open.hit_id});
  EXPECT_EQ(snapshot_hits(everyone.call(op("subscribe"))).size(), 2u);
  auto later = guarded_hit(h, r, q.qualification_type_id);
  settle();
  for (auto& f : c.feed_events())
    EXPECT_NE(hit_of(f), later.hit_id) << "an unqualified worker saw a HIT guarded by Discover";

  // Granted: both guarded HITs appear for this worker.
  must(h->associate_qualification_with_worker(r, q.qualification_type_id, w, 1, false));
  for (auto& id : {guarded.hit_id, later.hit_id}) {
    auto f = c.sink->wait_for([&](auto& x) { return type_of(x) == "hit.available" && hit_of(x) == id; }, "shown after the grant");
    EXPECT_EQ(str(f.at("hit").as_object().at("title")), "Guarded");
  }
  c.sink->wait_for([&](auto& x) { return type_of(x) == "qualification.granted"; }, "the grant on the personal stream");
  // Revoked: they go, saying why.
  must(h->disassociate_qualification_from_worker(r, q.qualification_type_id, w, "no longer"));
  for (auto& id : {guarded.hit_id, later.hit_id}) {
    auto f = c.sink->wait_for([&](auto& x) { return type_of(x) == "hit.expired" && hit_of(x) == id; }, "hidden after the revoke");
    EXPECT_EQ(str(f.at("reason")), "not_eligible");
  }
  // Blocked by the requester: even the unguarded HIT goes; unblocked: back.
  must(h->create_worker_block(r, w, "spam"));
  auto hidden = c.sink->wait_for([&](auto& x) { return type_of(x) == "hit.expired" && hit_of(x) == open.hit_id; }, "hidden by the block");
  EXPECT_EQ(str(hidden.at("reason")), "not_eligible");
  auto n = c.sink->size();
  must(h->delete_worker_block(r, w, "sorry"));
  c.sink->wait_for([&](auto& x) { return type_of(x) == "hit.available" && hit_of(x) == open.hit_id; }, "shown after the unblock", n);
  // A fresh subscription agrees with what the stream built.
  auto& again = connect(w);
  EXPECT_EQ(snapshot_hits(again.call(qualified_only())), std::vector<std::string>{open.hit_id});
}

TEST_F(FeedProtocol, ResumeOfAQualifiedSubscriptionAfterAGrantStartsAfresh) {
  auto r = h.requester(cents(100'000));
  auto q = skill(h, r);
  auto guarded = guarded_hit(h, r, q.qualification_type_id);
  auto w = h.worker();
  auto& c = connect(w);
  auto sub = c.call(qualified_only());
  EXPECT_TRUE(snapshot_hits(sub).empty());
  c.disconnect();
  must(h->associate_qualification_with_worker(r, q.qualification_type_id, w, 1, false));
  settle();
  auto& back = connect(w);
  auto req = qualified_only();
  req["op"] = "resume";
  req["position"] = sub.at("position");
  req["epoch"] = sub.at("epoch");
  auto rep = back.call(req);
  EXPECT_FALSE(rep.at("resumed").as_bool());
  EXPECT_EQ(str(rep.at("reason")), "credentials_changed");
  EXPECT_EQ(snapshot_hits(rep), std::vector<std::string>{guarded.hit_id});
}

TEST_F(FeedProtocol, SubmitThenApprovalShowOnThePersonalStreamAndTheDashboard) {
  auto r = h.requester(cents(100'000));
  auto hit = h.hit(r, 2);
  auto w = h.worker();
  auto& c = connect(w);
  auto& other = connect(h.worker());
  auto acc = c.call([&] {
    auto o = op("accept");
    o["hit_id"] = hit.hit_id;
    return o;
  }());
  ASSERT_EQ(type_of(acc), "accepted") << json::serialize(acc);
  auto assignment = str(acc.at("assignment").as_object().at("assignment_id"));
  auto sub = c.call([&] {
    auto o = op("submit");
    o["assignment_id"] = assignment;
    o["answer"] = "<answer>cat</answer>";
    o["idempotency_key"] = "submit-1";
    return o;
  }());
  ASSERT_EQ(type_of(sub), "submitted") << json::serialize(sub);
  h.approve(r, assignment);
  auto approved = c.sink->wait_for([&](auto& x) { return type_of(x) == "assignment.approved"; }, "assignment.approved");
  EXPECT_EQ(str(approved.at("assignment_id")), assignment);
  EXPECT_EQ(str(approved.at("reward")), "0.50");
  for (auto t : {"assignment.accepted", "assignment.submitted"})
    c.sink->wait_for([&](auto& x) { return type_of(x) == t; }, t);
  auto dash = c.call(op("dashboard"));
  ASSERT_EQ(type_of(dash), "dashboard") << json::serialize(dash);
  EXPECT_EQ(str(dash.at("earnings").as_object().at("total")), "0.50");
  EXPECT_EQ(dash.at("totals").as_object().at("approved").as_int64(), 1);
  EXPECT_EQ(dash.at("totals").as_object().at("percentages").as_object().at("approved_bp").as_int64(), 10'000);
  ASSERT_FALSE(dash.at("days").as_array().empty());
  EXPECT_EQ(dash.at("days").as_array()[0].as_object().at("approved").as_int64(), 1);
  EXPECT_EQ(str(dash.at("days").as_array()[0].as_object().at("date")), "2026-01-01");
  // Nobody else hears of it.
  settle();
  for (auto& f : other.sink->frames())
    EXPECT_EQ(type_of(f).rfind("assignment.", 0), std::string::npos) << json::serialize(f);
}

TEST_F(FeedProtocol, AWorkerCannotReturnOrSubmitAnotherWorkersAssignment) {
  auto r = h.requester(cents(100'000));
  auto hit = h.hit(r, 2);
  auto owner = h.worker();
  auto a = h.accept(owner, hit.hit_id);
  auto& thief = connect(h.worker());
  auto ret = thief.call([&] {
    auto o = op("return");
    o["assignment_id"] = a.assignment_id;
    return o;
  }());
  EXPECT_EQ(error_code(ret), "assignment_does_not_exist");
  auto sub = thief.call([&] {
    auto o = op("submit");
    o["assignment_id"] = a.assignment_id;
    o["answer"] = "mine";
    return o;
  }());
  EXPECT_EQ(error_code(sub), "assignment_does_not_exist");
  EXPECT_EQ(h.inspect(hit.hit_id).assignments[0].status, assignment_status::accepted);
  // The owner may.
  auto& mine = connect(owner);
  auto ok = mine.call([&] {
    auto o = op("return");
    o["assignment_id"] = a.assignment_id;
    return o;
  }());
  EXPECT_EQ(type_of(ok), "returned") << json::serialize(ok);
}

TEST_F(FeedProtocol, BadInputGetsItsDocumentedErrorAndTheConnectionGoesOn) {
  auto& c = connect(h.worker());
  auto last = [&] { return c.sink->frames().back(); };
  struct bad_case {
    std::string frame;
    std::string code;
  };
  std::vector<bad_case> cases = {
    {"{not json", "malformed_json"},
    {"[1,2]", "malformed_json"},
    {R"({"id":"a","op":"fly"})", "unknown_op"},
    {R"({"id":"b"})", "missing_field"},
    {R"({"id":"c","op":7})", "wrong_type"},
    {R"({"id":{"x":1},"op":"ping"})", "wrong_type"},
    {R"({"id":"d","op":"accept"})", "missing_field"},
    {R"({"id":"e","op":"accept","hit_id":12})", "wrong_type"},
    {R"({"id":"f","op":"accept","hit_id":"not-a-hit"})", "bad_id"},
    {R"({"id":"g","op":"accept","hit_type_id":"H0000000000001"})", "bad_id"},
    {R"({"id":"h","op":"submit","assignment_id":"S123","answer":"x"})", "bad_id"},
    {R"({"id":"i","op":"submit","assignment_id":"","answer":"x"})", "bad_id"},
    {R"({"id":"j","op":"return"})", "missing_field"},
    {R"({"id":"k","op":"withdraw","amount":"-1.00"})", "bad_value"},
    {R"({"id":"l","op":"withdraw","amount":5})", "wrong_type"},
    {R"({"id":"m","op":"subscribe","filters":{"min_reward":"lots"}})", "bad_value"},
    {R"({"id":"n","op":"subscribe","filters":{"keywords":"photo"}})", "wrong_type"},
    {R"({"id":"o","op":"subscribe","filters":{"keywords_mode":"some"}})", "bad_value"},
    {R"({"id":"p","op":"subscribe","filters":[]})", "wrong_type"},
    {R"({"id":"q","op":"resume","epoch":"x"})", "missing_field"},
    {R"({"id":"r","op":"resume","position":-4,"epoch":"x"})", "bad_value"},
    {R"({"id":"s","op":"accept","hit_id":"H0000000000ZZZ"})", "hit_does_not_exist"},
  };
  for (const auto& bc : cases) {
    auto n = c.sink->size();
    c.send(bc.frame);
    c.sink->wait_for([](auto&) { return true; }, "a reply to " + bc.frame, n);
    auto f = c.sink->wait_for([&](auto& x) { return x.contains("error"); }, "an error for " + bc.frame, n);
    EXPECT_EQ(error_code(f), bc.code) << bc.frame << " -> " << json::serialize(f);
    EXPECT_TRUE(f.at("error").as_object().at("temporary").is_bool());
    EXPECT_FALSE(f.at("error").as_object().at("temporary").as_bool());
    EXPECT_TRUE(f.at("error").as_object().at("message").is_string());
  }
  // Ids are echoed (a string or an integer); the connection still works.
  auto pong = c.call(op("ping"));
  EXPECT_EQ(type_of(pong), "pong");
  c.send(R"({"id":42,"op":"ping"})");
  auto f = c.sink->wait_for([](auto& x) { auto* i = x.if_contains("id"); return i && i->is_int64() && i->as_int64() == 42; }, "id 42");
  EXPECT_EQ(type_of(f), "pong");
  (void)last;
}

TEST_F(FeedProtocol, AReplayedIdempotencyKeyReturnsTheFirstResult) {
  auto r = h.requester(cents(100'000));
  auto hit = h.hit(r, 3);
  auto w = h.worker();
  auto& c = connect(w);
  auto accept = [&] {
    auto o = op("accept");
    o["hit_id"] = hit.hit_id;
    o["idempotency_key"] = "k-1";
    return c.call(o);
  };
  auto first = accept();
  auto again = accept();
  ASSERT_EQ(type_of(first), "accepted") << json::serialize(first);
  ASSERT_EQ(type_of(again), "accepted") << json::serialize(again);
  EXPECT_EQ(first.at("assignment"), again.at("assignment"));
  EXPECT_EQ(h.inspect(hit.hit_id).assignments.size(), 1u);
  // Without the key a second accept of the same HIT is refused.
  auto o = op("accept");
  o["hit_id"] = hit.hit_id;
  EXPECT_EQ(error_code(c.call(o)), "assignment_already_exists");

  auto id = str(first.at("assignment").as_object().at("assignment_id"));
  auto submit = [&] {
    auto s = op("submit");
    s["assignment_id"] = id;
    s["answer"] = "x";
    s["idempotency_key"] = "s-1";
    return c.call(s);
  };
  EXPECT_EQ(type_of(submit()), "submitted");
  EXPECT_EQ(type_of(submit()), "submitted");
  EXPECT_EQ(h.dashboard(w).totals.submitted, 1);
}

TEST_F(FeedProtocol, WithdrawalErrorsComeFromTheEngine) {
  auto& c = connect(h.worker());   // on probation, nothing earned
  auto o = op("withdraw");
  o["amount"] = "1.00";
  o["idempotency_key"] = "w-1";
  EXPECT_EQ(error_code(c.call(o)), "withdrawal_not_allowed");
}

TEST_F(FeedProtocol, AWorkerRequestsQualificationsAndTheRequesterDecides) {
  auto r = h.requester(cents(100'000));
  auto reviewed = skill(h, r);   // no answer key, not auto-granted: waits for the requester
  qualification_type_spec auto_spec;
  auto_spec.name = "Auto";
  auto_spec.description = "granted on request";
  auto_spec.auto_granted = true;
  auto_spec.auto_granted_value = 7;
  auto automatic = must(h->create_qualification_type(r, auto_spec));
  auto w = h.worker();
  auto& c = connect(w);

  auto ask = [&](const std::string& type) {
    auto o = op("request_qualification");
    o["qualification_type_id"] = type;
    return c.call(o);
  };
  auto now = ask(automatic.qualification_type_id);
  ASSERT_EQ(type_of(now), "qualification_requested") << json::serialize(now);
  EXPECT_EQ(now.at("granted"), true);
  EXPECT_EQ(now.at("value"), 7);

  auto waiting = ask(reviewed.qualification_type_id);
  ASSERT_EQ(type_of(waiting), "qualification_requested") << json::serialize(waiting);
  EXPECT_EQ(waiting.at("granted"), false);
  auto request_id = str(waiting.at("qualification_request_id"));
  auto pending = must(h->list_qualification_requests(r, reviewed.qualification_type_id, {}));
  ASSERT_EQ(pending.items.size(), 1u);
  EXPECT_EQ(pending.items[0].qualification_request_id, request_id);
  EXPECT_EQ(pending.items[0].worker_id, w);
  must(h->accept_qualification_request(r, request_id, 42));
  c.sink->wait_for([](auto& x) { return type_of(x) == "qualification.granted"; }, "the grant");
  EXPECT_EQ(must(h->get_qualification_score(r, reviewed.qualification_type_id, w)).integer_value, 42);

  EXPECT_EQ(error_code(ask("3NOSUCHTYPE")), "qualification_type_does_not_exist");
  auto bad = op("request_qualification");
  bad["qualification_type_id"] = "lower-case";
  EXPECT_EQ(error_code(c.call(bad)), "bad_value");
}

TEST_F(FeedProtocol, PreviewGivesTheQuestionOfAnOfferedHitToAWorkerWhoMayPreviewIt) {
  auto r = h.requester(cents(100'000));
  auto q = skill(h, r);
  auto open = h.hit(r, 2);
  auto p = engine_harness::props();
  p.title = "Preview guarded";
  qualification_requirement req;
  req.qualification_type_id = q.qualification_type_id;
  req.cmp = comparator::exists;
  req.guards = guarded_action::preview_and_accept;
  p.requirements.push_back(req);
  auto guarded = h.hit(r, 1, 3'600, p);
  auto w = h.worker();
  auto& c = connect(w);
  settle();

  auto preview = [&](const std::string& hit_id) {
    auto o = op("preview");
    o["hit_id"] = hit_id;
    return c.call(o);
  };
  auto shown = preview(open.hit_id);
  ASSERT_EQ(type_of(shown), "preview") << json::serialize(shown);
  const auto& hit = shown.at("hit").as_object();
  EXPECT_EQ(str(hit.at("hit_id")), open.hit_id);
  EXPECT_EQ(str(hit.at("question")), open.question);
  EXPECT_FALSE(open.question.empty());
  EXPECT_EQ(str(hit.at("reward")), format_amount(open.reward));
  EXPECT_EQ(hit.at("assignments_available").as_int64(), 2);
  EXPECT_EQ(str(hit.at("requester_id")), r);
  EXPECT_FALSE(hit.contains("requester_annotation"));
  EXPECT_FALSE(hit.contains("question_url")) << "a handler without question links gives none";

  // A requirement guarding Preview that the worker does not meet; met after a grant.
  EXPECT_EQ(error_code(preview(guarded.hit_id)), "does_not_meet_requirements");
  must(h->associate_qualification_with_worker(r, q.qualification_type_id, w, 1, false));
  auto until = std::chrono::steady_clock::now() + wait_limit;
  json::object after;
  do {
    after = preview(guarded.hit_id);
  } while (type_of(after) != "preview" && std::chrono::steady_clock::now() < until);
  EXPECT_EQ(type_of(after), "preview") << json::serialize(after);

  // Bad input, a HIT that never existed, and one no longer offered.
  EXPECT_EQ(error_code(c.call(op("preview"))), "missing_field");
  EXPECT_EQ(error_code(preview("not-a-hit")), "bad_id");
  EXPECT_EQ(error_code(preview("H0000099999999")), "hit_does_not_exist");
  must(h->update_expiration(r, open.hit_id, 0));
  settle();
  EXPECT_EQ(error_code(preview(open.hit_id)), "hit_does_not_exist");
}

// `assignments`: the worker's own work in progress with each HIT's question,
// so a page reloaded mid-task can show the task again.
TEST_F(FeedProtocol, AssignmentsListsTheWorkersOwnWorkInProgress) {
  auto r = h.requester(cents(100'000));
  auto a = h.hit(r, 2);
  auto b = h.hit(r, 1);
  auto w = h.worker();
  auto other = h.worker();
  question_links signer{"the test's key"};
  links = &signer;
  auto& c = connect(w);
  auto& o = connect(other);
  EXPECT_EQ(c.call(op("assignments")).at("assignments").as_array().size(), 0u);

  auto wa = h.accept(w, a.hit_id);
  auto wb = h.accept(w, b.hit_id);
  auto oa = h.accept(other, a.hit_id);
  auto listed = c.call(op("assignments"));
  ASSERT_EQ(type_of(listed), "assignments") << json::serialize(listed);
  EXPECT_FALSE(listed.at("more").as_bool());
  const auto& items = listed.at("assignments").as_array();
  ASSERT_EQ(items.size(), 2u);
  std::vector<std::string> ids;
  for (const auto& item : items) {
    const auto& as = item.at("assignment").as_object();
    const auto& hit = item.at("hit").as_object();
    ids.push_back(str(as.at("assignment_id")));
    EXPECT_EQ(str(as.at("status")), "Accepted");
    EXPECT_EQ(str(hit.at("hit_id")), str(as.at("hit_id")));
    EXPECT_EQ(str(hit.at("question")), a.question);
    EXPECT_GT(as.at("deadline").as_int64(), as.at("accept_time").as_int64());
    // An HTMLQuestion: the signed link to its page, for this HIT.
    std::string url{hit.at("question_url").as_string()};
    auto target = signer.check(url.substr(url.find('?') + 1), 0);
    ASSERT_TRUE(target) << url;
    EXPECT_EQ(target->hit_id, str(hit.at("hit_id")));
    EXPECT_EQ(target->requester_id, r);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{wa.assignment_id, wb.assignment_id}));

  // Another worker's list has only its own; a submitted one leaves.
  auto theirs = o.call(op("assignments")).at("assignments").as_array();
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(str(theirs[0].at("assignment").at("assignment_id")), oa.assignment_id);
  h.submit(w, wa.assignment_id);
  auto left = c.call(op("assignments")).at("assignments").as_array();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(str(left[0].at("assignment").at("assignment_id")), wb.assignment_id);
}

TEST_F(FeedProtocol, UnsubscribeStopsHitEventsButNotThePersonalStream) {
  auto r = h.requester(cents(100'000));
  auto w = h.worker();
  auto& c = connect(w);
  c.call(op("subscribe"));
  EXPECT_EQ(type_of(c.call(op("unsubscribe"))), "unsubscribed");
  auto hit = h.hit(r, 1);
  h.accept(w, hit.hit_id);
  c.sink->wait_for([](auto& x) { return type_of(x) == "assignment.accepted"; }, "personal event");
  settle();
  EXPECT_TRUE(c.feed_events().empty());
}

// HITs stored by an earlier run are in the first snapshot of a new server.
TEST(FeedSeed, HitsStoredByAnEarlierRunAreInTheSnapshot) {
  engine_harness h;
  auto r = h.requester(cents(100'000));
  auto a = h.hit(r, 2);
  auto b = h.hit(r, 1);
  h.accept(h.worker(), b.hit_id);   // all taken: not offered
  h.restart();
  engine_adapter port(*h.eng);
  feed_hub hub(port);
  must(hub.start());
  auto sink = std::make_shared<recording_sink>();
  auto factory = feed_handler_factory(hub, port);
  auto handler = factory(connection_info{7, h.worker(), "test"}, sink);
  auto& c = *handler;
  c.on_open();
  c.on_text(R"({"id":"s","op":"subscribe"})");
  auto rep = sink->wait_for([](auto& x) { return has_id(x, "s"); }, "snapshot");
  EXPECT_EQ(snapshot_hits(rep), std::vector<std::string>{a.hit_id});
  auto group = rep.at("groups").as_array()[0].as_object();
  EXPECT_EQ(str(group.at("hit_type_id")), a.hit_type_id);
  EXPECT_EQ(group.at("hits").as_array()[0].as_object().at("assignments_available").as_int64(), 2);
}

TEST(FeedSeed, ASessionWithoutAWorkerIsRefused) {
  engine_harness h;
  engine_adapter port(*h.eng);
  feed_hub hub(port);
  must(hub.start());
  auto sink = std::make_shared<recording_sink>();
  protocol_handler c(hub, port, connection_info{8, "", "test"}, sink);
  c.on_open();
  c.on_text(R"({"id":"s","op":"subscribe"})");
  auto rep = sink->wait_for([](auto& x) { return has_id(x, "s"); }, "refusal");
  EXPECT_EQ(error_code(rep), "not_authenticated");
}

} // namespace
} // namespace hitd::gateway::test

namespace hitd::gateway::test {
namespace {

// While a writer creates guarded and open HITs and grants and revokes the
// worker's qualification, a "qualified only" session's snapshot plus its
// events must end exactly at what the worker may discover now.
TEST_F(FeedProtocol, AQualifiedOnlyStreamStaysExactWhileGrantsComeAndGo) {
  auto r = h.requester(cents(10'000'000));
  auto q = skill(h, r);
  auto w = h.worker();
  auto& c = connect(w);
  std::thread writer([&] {
    for (int i = 0; i < 60; ++i) {
      if (i % 3 == 0)
        guarded_hit(h, r, q.qualification_type_id);
      else
        h.hit(r, 1);
      if (i % 7 == 3)
        (void)h->associate_qualification_with_worker(r, q.qualification_type_id, w, 1, false);
      if (i % 11 == 5)
        (void)h->disassociate_qualification_from_worker(r, q.qualification_type_id, w, "again");
    }
  });
  auto sub = c.call(qualified_only());
  EXPECT_EQ(type_of(sub), "subscribed");
  writer.join();
  settle();
  // Let the last credential read land: the hub has applied it when a fresh
  // subscription sees the same snapshot twice in a row.
  std::set<std::string> truth;
  auto creds = must(h->worker_credentials_of(w));
  page_request page{{}, 100};
  for (int i = 0; i < 100; ++i) {
    auto p = must(h->list_available_hits(page));
    for (auto& v : p.items) {
      feed_hit fh = feed_hit_of(v);
      if (may_discover(*fh.def, creds))
        truth.insert(v.hit_id);
    }
    if (p.next_token.empty())
      break;
    page.next_token = p.next_token;
  }
  auto& probe = connect(w);
  auto deadline = std::chrono::steady_clock::now() + wait_limit;
  for (;;) {
    auto snap = snapshot_hits(probe.call(qualified_only()));
    if (std::set<std::string>(snap.begin(), snap.end()) == truth)
      break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the hub never caught up with the last grant";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::set<std::string> state;
  for (auto& f : c.sink->frames()) {
    auto t = type_of(f);
    if (t == "subscribed") {
      auto ids = snapshot_hits(f);
      state = std::set<std::string>(ids.begin(), ids.end());
    } else if (t == "hit.available") {
      EXPECT_TRUE(state.insert(hit_of(f)).second) << "shown twice: " << json::serialize(f);
    } else if (t == "hit.expired") {
      EXPECT_EQ(state.erase(hit_of(f)), 1u) << "hidden but not shown: " << json::serialize(f);
    }
  }
  EXPECT_EQ(state, truth);
}

} // namespace
} // namespace hitd::gateway::test
