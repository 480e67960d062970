// Qualification types, grants, requests and requirement matching; accept-next
// by HIT group; NotifyWorkers and notification settings. All through the
// engine's blocking overloads, on a manual clock and a memory_store.

#include "engine_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hitd {
namespace {

using test::engine_harness;
using test::must;

// ---- helpers ---------------------------------------------------------------------------------

page_request qpage(size_t max_results = 100, std::string token = {}) { return {std::move(token), max_results}; }

qualification_type_spec qspec(std::string name, std::string description = "Shows a skill",
                              std::string keywords = {}) {
  qualification_type_spec s;
  s.name = std::move(name);
  s.description = std::move(description);
  s.keywords = std::move(keywords);
  return s;
}

const std::string test_form =
    "<QuestionForm xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionForm.xsd\"><Question><QuestionIdentifier>q1</QuestionIdentifier>"
    "<QuestionContent><Text>Pick one</Text></QuestionContent></Question></QuestionForm>";

// An AnswerKey: q1 "a" scores 60 ("b" 0), q2 "c" scores 40 ("d" 0).
const std::string answer_key_xml =
    "<AnswerKey xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "AnswerKey.xsd\">"
    "<Question><QuestionIdentifier>q1</QuestionIdentifier>"
    "<AnswerOption><SelectionIdentifier>a</SelectionIdentifier><AnswerScore>60</AnswerScore></AnswerOption>"
    "<AnswerOption><SelectionIdentifier>b</SelectionIdentifier><AnswerScore>0</AnswerScore></AnswerOption>"
    "</Question>"
    "<Question><QuestionIdentifier>q2</QuestionIdentifier>"
    "<AnswerOption><SelectionIdentifier>c</SelectionIdentifier><AnswerScore>40</AnswerScore></AnswerOption>"
    "<AnswerOption><SelectionIdentifier>d</SelectionIdentifier><AnswerScore>0</AnswerScore></AnswerOption>"
    "</Question></AnswerKey>";

std::string answers_xml(std::string_view q1, std::string_view q2) {
  return "<QuestionFormAnswers xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
         "2005-10-01/QuestionFormAnswers.xsd\">"
         "<Answer><QuestionIdentifier>q1</QuestionIdentifier><SelectionIdentifier>" +
         std::string(q1) +
         "</SelectionIdentifier></Answer>"
         "<Answer><QuestionIdentifier>q2</QuestionIdentifier><SelectionIdentifier>" +
         std::string(q2) + "</SelectionIdentifier></Answer></QuestionFormAnswers>";
}

qualification_requirement requires_at_least(const std::string& type_id, int32_t v,
                                            guarded_action guards = guarded_action::accept) {
  qualification_requirement q;
  q.qualification_type_id = type_id;
  q.cmp = comparator::greater_than_or_equal_to;
  q.integer_values = {v};
  q.guards = guards;
  return q;
}

qualification_requirement requires_existence(const std::string& type_id, guarded_action guards) {
  qualification_requirement q;
  q.qualification_type_id = type_id;
  q.cmp = comparator::exists;
  q.guards = guards;
  return q;
}

hit_properties props_requiring(qualification_requirement q, std::string title = "Label a photo") {
  auto p = engine_harness::props();
  p.title = std::move(title);
  p.requirements.push_back(std::move(q));
  return p;
}

accept_request by_hit(std::string worker_id, std::string hit_id) {
  accept_request r;
  r.worker_id = std::move(worker_id);
  r.hit_id = std::move(hit_id);
  return r;
}

accept_request next_of(std::string worker_id, std::string hit_type_id, std::string key = {}) {
  accept_request r;
  r.worker_id = std::move(worker_id);
  r.hit_type_id = std::move(hit_type_id);
  r.idempotency_key = std::move(key);
  return r;
}

std::string make_type(engine_harness& h, const std::string& requester, qualification_type_spec spec) {
  return must(h->create_qualification_type(requester, std::move(spec)), "create_qualification_type").qualification_type_id;
}

std::set<std::string> names_of(const std::vector<qualification_type_view>& v) {
  std::set<std::string> out;
  for (const auto& t : v)
    out.insert(t.spec.name);
  return out;
}

std::set<std::string> workers_of(const std::vector<qualification_view>& v) {
  std::set<std::string> out;
  for (const auto& q : v)
    out.insert(q.worker_id);
  return out;
}

std::set<std::string> hit_ids_of(const std::vector<hit_view>& v) {
  std::set<std::string> out;
  for (const auto& x : v)
    out.insert(x.hit_id);
  return out;
}

std::set<std::string> request_ids_of(const std::vector<qualification_request_view>& v) {
  std::set<std::string> out;
  for (const auto& r : v)
    out.insert(r.qualification_request_id);
  return out;
}

// Events seen by a subscriber, safe across engine threads.
struct event_sink {
  std::mutex mutex;
  std::vector<event> events;
  void add(const event& e) {
    std::lock_guard<std::mutex> g{mutex};
    events.push_back(e);
  }
  std::vector<event> of(event_type t) {
    std::lock_guard<std::mutex> g{mutex};
    std::vector<event> out;
    for (const auto& e : events)
      if (e.type == t)
        out.push_back(e);
    return out;
  }
};

notification_spec sqs_spec() {
  notification_spec s;
  s.destination = "https://sqs.us-east-1.amazonaws.com/123456789012/hits";
  s.transport = "SQS";
  s.event_types = {"AssignmentSubmitted", "HITReviewable"};
  return s;
}

// ==== qualification types ===================================================================

TEST(Qualifications, CreateReturnsTheTypeAndAnyRequesterCanGetIt) {
  engine_harness h;
  auto r1 = h.requester();
  auto r2 = h.requester();
  auto spec = qspec("Photo expert", "Knows photos", "photo, image");
  spec.retry_delay_s = 3'600;
  spec.auto_granted = true;
  spec.auto_granted_value = 5;
  auto v = must(h->create_qualification_type(r1, spec));
  ASSERT_FALSE(v.qualification_type_id.empty());
  EXPECT_EQ(v.qualification_type_id.front(), 'Q');
  EXPECT_TRUE(parse_id(id_kind::qualification_type, v.qualification_type_id).has_value());
  EXPECT_EQ(v.requester_id, r1);
  EXPECT_EQ(v.creation_time, h.now());
  EXPECT_EQ(v.spec.name, "Photo expert");
  EXPECT_EQ(v.spec.description, "Knows photos");
  EXPECT_EQ(v.spec.keywords, "photo, image");
  EXPECT_EQ(v.spec.status, qualification_type_status::active);
  EXPECT_EQ(v.spec.retry_delay_s, std::optional<int64_t>{3'600});
  EXPECT_TRUE(v.spec.auto_granted);
  EXPECT_EQ(v.spec.auto_granted_value, 5);
  EXPECT_TRUE(v.is_requestable);

  // A second type gets a distinct id.
  auto other = must(h->create_qualification_type(r1, qspec("Audio expert")));
  EXPECT_NE(other.qualification_type_id, v.qualification_type_id);

  // GetQualificationType takes no requester: the type is public.
  auto got = must(h->get_qualification_type(v.qualification_type_id));
  EXPECT_EQ(got.qualification_type_id, v.qualification_type_id);
  EXPECT_EQ(got.requester_id, r1);
  EXPECT_EQ(got.spec.name, "Photo expert");
  EXPECT_EQ(got.creation_time, v.creation_time);
  (void)r2;
}

TEST(Qualifications, CreateAnInactiveTypeWithATestAndAnswerKey) {
  engine_harness h;
  auto r = h.requester();
  auto spec = qspec("Graded");
  spec.status = qualification_type_status::inactive;
  spec.test = test_form;
  spec.answer_key = answer_key_xml;
  spec.test_duration_s = 600;
  auto v = must(h->create_qualification_type(r, spec));
  EXPECT_EQ(v.spec.status, qualification_type_status::inactive);
  EXPECT_EQ(v.spec.test, test_form);
  EXPECT_EQ(v.spec.answer_key, answer_key_xml);
  EXPECT_EQ(v.spec.test_duration_s, 600);
  EXPECT_FALSE(v.spec.auto_granted);
}

TEST(Qualifications, NameIsUniquePerRequesterOnly) {
  engine_harness h;
  auto r1 = h.requester();
  auto r2 = h.requester();
  auto first = must(h->create_qualification_type(r1, qspec("Fluent English")));
  auto dup = h->create_qualification_type(r1, qspec("Fluent English", "another description"));
  EXPECT_EQ(dup.code(), errc::qualification_type_already_exists);
  // Another requester may use the same name.
  auto theirs = h->create_qualification_type(r2, qspec("Fluent English"));
  ASSERT_TRUE(theirs.ok()) << test::describe(theirs.err());
  EXPECT_NE(theirs->qualification_type_id, first.qualification_type_id);
  EXPECT_EQ(theirs->requester_id, r2);
  // The refused duplicate made nothing.
  auto mine = must(h->list_qualification_types(r1, "", false, true, qpage()));
  EXPECT_EQ(mine.items.size(), 1u);
}

TEST(Qualifications, CreateValidatesTheSpec) {
  engine_harness h;
  auto r = h.requester();

  EXPECT_EQ(h->create_qualification_type(r, qspec("")).code(), errc::missing_parameter);
  EXPECT_EQ(h->create_qualification_type(r, qspec("No description", "")).code(), errc::missing_parameter);

  auto test_and_auto = qspec("Test and auto");
  test_and_auto.test = test_form;
  test_and_auto.test_duration_s = 600;
  test_and_auto.auto_granted = true;
  EXPECT_EQ(h->create_qualification_type(r, test_and_auto).code(), errc::invalid_parameter_value);

  auto test_without_duration = qspec("Test without duration");
  test_without_duration.test = test_form;
  EXPECT_EQ(h->create_qualification_type(r, test_without_duration).code(), errc::missing_parameter);

  auto key_without_test = qspec("Key without test");
  key_without_test.answer_key = answer_key_xml;
  EXPECT_EQ(h->create_qualification_type(r, key_without_test).code(), errc::invalid_parameter_value);

  auto malformed_key = qspec("Malformed key");
  malformed_key.test = test_form;
  malformed_key.test_duration_s = 600;
  malformed_key.answer_key = "<AnswerKey><Question><QuestionIdentifier>q1</QuestionIdentifier></AnswerKey>";
  EXPECT_EQ(h->create_qualification_type(r, malformed_key).code(), errc::invalid_parameter_value);

  auto not_xml_key = qspec("Not XML key");
  not_xml_key.test = test_form;
  not_xml_key.test_duration_s = 600;
  not_xml_key.answer_key = "the answers are a, c";
  EXPECT_EQ(h->create_qualification_type(r, not_xml_key).code(), errc::invalid_parameter_value);

  auto disposing = qspec("Disposing");
  disposing.status = qualification_type_status::disposing;
  EXPECT_EQ(h->create_qualification_type(r, disposing).code(), errc::invalid_parameter_value);

  EXPECT_EQ(h->create_qualification_type("ARNOSUCHREQUESTER", qspec("Orphan")).code(), errc::requester_does_not_exist);

  // None of the refused specs made a type; a valid one still can, under a
  // name a refused spec used.
  EXPECT_TRUE(must(h->list_qualification_types(r, "", false, true, qpage())).items.empty());
  EXPECT_TRUE(h->create_qualification_type(r, qspec("Key without test")).ok());
}

TEST(Qualifications, GetUnknownTypeFails) {
  engine_harness h;
  auto r = h.requester();
  make_type(h, r, qspec("Known"));
  EXPECT_EQ(h->get_qualification_type(format_id(id_kind::qualification_type, 999'999)).code(),
            errc::qualification_type_does_not_exist);
  EXPECT_EQ(h->get_qualification_type("not-an-id").code(), errc::qualification_type_does_not_exist);
  EXPECT_EQ(h->get_qualification_type("").code(), errc::qualification_type_does_not_exist);
}

TEST(Qualifications, UpdateChangesDescriptionStatusAndAutoGrant) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto q = make_type(h, r, qspec("Reviewer", "Reviews texts", "text"));

  qualification_type_update u;
  u.description = "Reviews long texts";
  u.status = qualification_type_status::inactive;
  auto v = must(h->update_qualification_type(r, q, u));
  EXPECT_EQ(v.spec.description, "Reviews long texts");
  EXPECT_EQ(v.spec.status, qualification_type_status::inactive);
  EXPECT_EQ(v.spec.name, "Reviewer");       // Name and Keywords cannot change
  EXPECT_EQ(v.spec.keywords, "text");
  auto got = must(h->get_qualification_type(q));
  EXPECT_EQ(got.spec.description, "Reviews long texts");
  EXPECT_EQ(got.spec.status, qualification_type_status::inactive);

  // Inactive: workers cannot request it.
  EXPECT_EQ(h->request_qualification(w, q, "").code(), errc::invalid_qualification_type_state);

  // Active again and auto-granted with a value.
  qualification_type_update u2;
  u2.status = qualification_type_status::active;
  u2.auto_granted = true;
  u2.auto_granted_value = 7;
  auto v2 = must(h->update_qualification_type(r, q, u2));
  EXPECT_EQ(v2.spec.status, qualification_type_status::active);
  EXPECT_TRUE(v2.spec.auto_granted);
  EXPECT_EQ(v2.spec.auto_granted_value, 7);
  EXPECT_EQ(v2.spec.description, "Reviews long texts");   // untouched fields stay

  auto out = must(h->request_qualification(w, q, ""));
  EXPECT_TRUE(out.granted);
  EXPECT_EQ(out.value, 7);
  EXPECT_EQ(must(h->get_qualification_score(r, q, w)).integer_value, 7);
}

TEST(Qualifications, UpdateErrors) {
  engine_harness h;
  auto r1 = h.requester();
  auto r2 = h.requester();
  auto q = make_type(h, r1, qspec("Owned", "Mine"));

  qualification_type_update u;
  u.description = "Hijacked";
  EXPECT_EQ(h->update_qualification_type(r2, q, u).code(), errc::permission_denied);
  EXPECT_EQ(must(h->get_qualification_type(q)).spec.description, "Mine");

  qualification_type_update key_only;
  key_only.answer_key = answer_key_xml;
  EXPECT_EQ(h->update_qualification_type(r1, q, key_only).code(), errc::invalid_parameter_value);
  EXPECT_TRUE(must(h->get_qualification_type(q)).spec.answer_key.empty());

  qualification_type_update test_without_duration;
  test_without_duration.test = test_form;
  EXPECT_EQ(h->update_qualification_type(r1, q, test_without_duration).code(), errc::missing_parameter);

  EXPECT_EQ(h->update_qualification_type(r1, format_id(id_kind::qualification_type, 999'999), u).code(),
            errc::qualification_type_does_not_exist);

  // A test and its key together are accepted; auto-grant then is not.
  qualification_type_update with_test;
  with_test.test = test_form;
  with_test.test_duration_s = 300;
  with_test.answer_key = answer_key_xml;
  auto v = must(h->update_qualification_type(r1, q, with_test));
  EXPECT_EQ(v.spec.test, test_form);
  EXPECT_EQ(v.spec.answer_key, answer_key_xml);
  qualification_type_update auto_grant;
  auto_grant.auto_granted = true;
  EXPECT_EQ(h->update_qualification_type(r1, q, auto_grant).code(), errc::invalid_parameter_value);
}

TEST(Qualifications, DeleteRejectsPendingRequestsAndStopsNewHitTypes) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto spec = qspec("Manual review");
  spec.test = test_form;
  spec.test_duration_s = 600;
  auto q = make_type(h, r, spec);
  auto kept_spec = spec;
  kept_spec.name = "Kept type";
  auto keep = make_type(h, r, kept_spec);
  must(h->associate_qualification_with_worker(r, q, w2, 50, false));

  auto pending = must(h->request_qualification(w1, q, answers_xml("a", "c")));
  ASSERT_FALSE(pending.granted);
  auto other_pending = must(h->request_qualification(w1, keep, answers_xml("a", "c")));
  ASSERT_EQ(must(h->list_qualification_requests(r, q, qpage())).items.size(), 1u);

  must(h->delete_qualification_type(r, q));

  // Its pending requests are gone, by type and for all types; the other type's stays.
  EXPECT_TRUE(must(h->list_qualification_requests(r, q, qpage())).items.empty());
  auto all = must(h->list_qualification_requests(r, "", qpage()));
  EXPECT_EQ(request_ids_of(all.items), std::set<std::string>{other_pending.qualification_request_id});
  EXPECT_EQ(h->accept_qualification_request(r, pending.qualification_request_id, std::nullopt).code(),
            errc::qualification_request_does_not_exist);

  // No new HIT type may require it.
  EXPECT_EQ(h->create_hit_type(r, props_requiring(requires_at_least(q, 10))).code(),
            errc::invalid_qualification_type_state);
  create_hit_request inline_req = engine_harness::hit_request(r, "");
  inline_req.properties = props_requiring(requires_at_least(q, 10), "Inline");
  EXPECT_EQ(h->create_hit(inline_req).code(), errc::invalid_qualification_type_state);

  // It can still be read, as Disposing, but is no longer listed.
  auto v = must(h->get_qualification_type(q));
  EXPECT_EQ(v.spec.status, qualification_type_status::disposing);
  auto listed = must(h->list_qualification_types(r, "", false, true, qpage()));
  EXPECT_EQ(names_of(listed.items), std::set<std::string>{"Kept type"});
  auto listed_all = must(h->list_qualification_types(r, "Manual", false, false, qpage()));
  EXPECT_TRUE(listed_all.items.empty());

  // It cannot be updated or requested any more; grants already made stay.
  qualification_type_update u;
  u.description = "late";
  EXPECT_EQ(h->update_qualification_type(r, q, u).code(), errc::invalid_qualification_type_state);
  EXPECT_EQ(h->request_qualification(w2, q, answers_xml("a", "c")).code(), errc::invalid_qualification_type_state);
  auto score = must(h->get_qualification_score(r, q, w2));
  EXPECT_EQ(score.integer_value, 50);
  EXPECT_EQ(score.status, qualification_status::granted);

  // Deleting again is harmless (DeleteQualificationType is idempotent).
  EXPECT_TRUE(h->delete_qualification_type(r, q).ok());
  EXPECT_EQ(must(h->get_qualification_type(q)).spec.status, qualification_type_status::disposing);

  // Only the owner may delete; unknown types do not exist.
  auto r2 = h.requester();
  EXPECT_EQ(h->delete_qualification_type(r2, keep).code(), errc::permission_denied);
  EXPECT_EQ(must(h->get_qualification_type(keep)).spec.status, qualification_type_status::active);
  EXPECT_EQ(h->delete_qualification_type(r, format_id(id_kind::qualification_type, 999'999)).code(),
            errc::qualification_type_does_not_exist);
}

// MTurk (DeleteQualificationType): "After you delete a Qualification type,
// you can no longer use it to create HITs or HIT types." A HIT type made
// before the delete must not go on publishing HITs that require it.
TEST(Qualifications, AfterDeleteNoHitCanBeCreatedRequiringTheType) {
  engine_harness h;
  auto r = h.requester();
  auto q = make_type(h, r, qspec("Soon gone"));
  auto type = h.hit_type(r, props_requiring(requires_at_least(q, 10)));
  h.hit_of_type(r, type);   // fine before the delete
  must(h->delete_qualification_type(r, q));
  auto after = h->create_hit(engine_harness::hit_request(r, type));
  EXPECT_FALSE(after.ok()) << "created " << after->hit_id << " requiring deleted type " << q;
  if (!after.ok()) {
    EXPECT_TRUE(after.code() == errc::invalid_qualification_type_state || after.code() == errc::hit_type_does_not_exist)
        << errc_name(after.code());
  }
}

TEST(Qualifications, ListQueryMatchesNameKeywordsAndDescriptionIgnoringCase) {
  engine_harness h;
  auto r1 = h.requester();
  auto r2 = h.requester();
  make_type(h, r1, qspec("English Fluency", "Writes well", "language"));
  make_type(h, r1, qspec("Photo tagging", "Labels IMAGES", "vision"));
  make_type(h, r1, qspec("Arithmetic", "Adds numbers", "numbers, ENGLISH"));
  make_type(h, r2, qspec("english grammar", "Parses sentences"));

  auto q = [&](const std::string& query, bool owned) {
    return names_of(must(h->list_qualification_types(r1, query, false, owned, qpage())).items);
  };
  EXPECT_EQ(q("english", false), (std::set<std::string>{"English Fluency", "Arithmetic", "english grammar"}));
  EXPECT_EQ(q("ENGLISH", true), (std::set<std::string>{"English Fluency", "Arithmetic"}));
  EXPECT_EQ(q("images", false), std::set<std::string>{"Photo tagging"});        // description
  EXPECT_EQ(q("LaNgUaGe", false), std::set<std::string>{"English Fluency"});    // keywords
  EXPECT_EQ(q("tagg", false), std::set<std::string>{"Photo tagging"});          // name substring
  EXPECT_TRUE(q("zebra", false).empty());
  EXPECT_EQ(q("", false).size(), 4u);
  EXPECT_EQ(q("", true).size(), 3u);
  EXPECT_EQ(names_of(must(h->list_qualification_types(r2, "", false, true, qpage())).items),
            std::set<std::string>{"english grammar"});
}

TEST(Qualifications, ListPagesWithNextToken) {
  engine_harness h;
  auto r = h.requester();
  auto other = h.requester();
  make_type(h, other, qspec("Not mine"));
  std::set<std::string> made;
  for (int i = 0; i < 5; ++i)
    made.insert(make_type(h, r, qspec("Page type " + std::to_string(i))));

  std::set<std::string> seen;
  std::vector<size_t> sizes;
  page_request p = qpage(2);
  for (int guard = 0; guard < 10; ++guard) {
    auto pg = must(h->list_qualification_types(r, "", false, true, p));
    sizes.push_back(pg.items.size());
    for (const auto& t : pg.items) {
      EXPECT_EQ(t.requester_id, r);
      EXPECT_TRUE(seen.insert(t.qualification_type_id).second) << "listed twice: " << t.qualification_type_id;
    }
    if (pg.next_token.empty())
      break;
    p.next_token = pg.next_token;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
  EXPECT_EQ(seen, made);

  EXPECT_EQ(h->list_qualification_types(r, "", false, true, qpage(0)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_qualification_types(r, "", false, true, qpage(101)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_qualification_types(r, "", false, true, qpage(2, "nonsense")).code(),
            errc::invalid_parameter_value);
}

// ==== grants ===================================================================================

TEST(Qualifications, AssociateDisassociateScoreAndListWorkers) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto w3 = h.worker();
  auto q = make_type(h, r, qspec("Granted by hand"));

  auto t0 = h.now();
  must(h->associate_qualification_with_worker(r, q, w1, 90, false));
  h->advance_clock(seconds(10));
  must(h->associate_qualification_with_worker(r, q, w2, 70, false));

  auto s1 = must(h->get_qualification_score(r, q, w1));
  EXPECT_EQ(s1.qualification_type_id, q);
  EXPECT_EQ(s1.worker_id, w1);
  EXPECT_EQ(s1.integer_value, 90);
  EXPECT_EQ(s1.status, qualification_status::granted);
  EXPECT_EQ(s1.grant_time, t0);
  EXPECT_EQ(must(h->get_qualification_score(r, q, w2)).integer_value, 70);

  // A second grant replaces the value.
  must(h->associate_qualification_with_worker(r, q, w1, 95, false));
  EXPECT_EQ(must(h->get_qualification_score(r, q, w1)).integer_value, 95);

  EXPECT_EQ(workers_of(must(h->list_workers_with_qualification_type(r, q, std::nullopt, qpage())).items),
            (std::set<std::string>{w1, w2}));

  must(h->disassociate_qualification_from_worker(r, q, w2, "Too many mistakes"));
  auto s2 = must(h->get_qualification_score(r, q, w2));
  EXPECT_EQ(s2.status, qualification_status::revoked);

  EXPECT_EQ(workers_of(must(h->list_workers_with_qualification_type(r, q, qualification_status::granted, qpage())).items),
            std::set<std::string>{w1});
  EXPECT_EQ(workers_of(must(h->list_workers_with_qualification_type(r, q, qualification_status::revoked, qpage())).items),
            std::set<std::string>{w2});
  EXPECT_EQ(workers_of(must(h->list_workers_with_qualification_type(r, q, std::nullopt, qpage())).items),
            (std::set<std::string>{w1, w2}));

  // Revoking what was never granted, or is already revoked.
  EXPECT_EQ(h->disassociate_qualification_from_worker(r, q, w3, "never had it").code(), errc::qualification_does_not_exist);
  EXPECT_EQ(h->disassociate_qualification_from_worker(r, q, w2, "again").code(), errc::qualification_does_not_exist);
  EXPECT_EQ(h->get_qualification_score(r, q, w3).code(), errc::qualification_does_not_exist);

  // Unknown workers.
  EXPECT_EQ(h->associate_qualification_with_worker(r, q, "AWNOSUCHWORKER", 1, false).code(), errc::worker_does_not_exist);
  EXPECT_EQ(h->disassociate_qualification_from_worker(r, q, "AWNOSUCHWORKER", "x").code(), errc::worker_does_not_exist);

  // Only the owner grants, revokes and reads scores.
  auto r2 = h.requester();
  EXPECT_EQ(h->associate_qualification_with_worker(r2, q, w3, 100, false).code(), errc::permission_denied);
  EXPECT_EQ(h->disassociate_qualification_from_worker(r2, q, w1, "x").code(), errc::permission_denied);
  EXPECT_EQ(h->get_qualification_score(r2, q, w1).code(), errc::permission_denied);
  EXPECT_EQ(h->list_workers_with_qualification_type(r2, q, std::nullopt, qpage()).code(), errc::permission_denied);
  EXPECT_EQ(h->get_qualification_score(r, q, w3).code(), errc::qualification_does_not_exist);

  // Unknown type.
  EXPECT_EQ(h->associate_qualification_with_worker(r, format_id(id_kind::qualification_type, 999'999), w1, 1, false).code(),
            errc::qualification_type_does_not_exist);
}

// MTurk: DisassociateQualificationFromWorker's Reason "explains why the
// Qualification was revoked. The user who had the Qualification sees this
// message." hitd shows such messages on the dashboard, as it does for
// RejectQualificationRequest's reason.
TEST(Qualifications, TheRevokeReasonReachesTheWorker) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto q = make_type(h, r, qspec("Revocable"));
  must(h->associate_qualification_with_worker(r, q, w, 5, false));
  ASSERT_TRUE(h.dashboard(w).notifications.empty());
  must(h->disassociate_qualification_from_worker(r, q, w, "Quality dropped below 90%"));
  auto d = h.dashboard(w);
  ASSERT_EQ(d.notifications.size(), 1u);
  EXPECT_EQ(d.notifications[0].requester_id, r);
  EXPECT_NE(d.notifications[0].message.find("Quality dropped below 90%"), std::string::npos)
      << d.notifications[0].message;
}

TEST(Qualifications, ListWorkersPages) {
  engine_harness h;
  auto r = h.requester();
  auto q = make_type(h, r, qspec("Many holders"));
  std::set<std::string> granted;
  for (int i = 0; i < 3; ++i) {
    auto w = h.worker();
    must(h->associate_qualification_with_worker(r, q, w, i, false));
    granted.insert(w);
  }
  auto p1 = must(h->list_workers_with_qualification_type(r, q, std::nullopt, qpage(2)));
  ASSERT_EQ(p1.items.size(), 2u);
  ASSERT_FALSE(p1.next_token.empty());
  auto p2 = must(h->list_workers_with_qualification_type(r, q, std::nullopt, qpage(2, p1.next_token)));
  ASSERT_EQ(p2.items.size(), 1u);
  EXPECT_TRUE(p2.next_token.empty());
  auto all = workers_of(p1.items);
  all.insert(p2.items[0].worker_id);
  EXPECT_EQ(all, granted);
}

TEST(Qualifications, AssociateWithSendNotificationShowsOnTheDashboard) {
  engine_harness h;
  auto r = h.requester();
  auto told = h.worker();
  auto silent = h.worker();
  auto q = make_type(h, r, qspec("Announced"));
  event_sink sink;
  auto sub = h->subscribe([&](const event& e) { sink.add(e); });

  must(h->associate_qualification_with_worker(r, q, told, 3, true));
  must(h->associate_qualification_with_worker(r, q, silent, 3, false));

  auto d = h.dashboard(told);
  ASSERT_EQ(d.notifications.size(), 1u);
  EXPECT_EQ(d.notifications[0].requester_id, r);
  EXPECT_FALSE(d.notifications[0].subject.empty());
  EXPECT_NE(d.notifications[0].message.find(q), std::string::npos) << d.notifications[0].message;
  EXPECT_EQ(d.notifications[0].time, h.now());
  EXPECT_TRUE(h.dashboard(silent).notifications.empty());

  h->drain();
  auto granted = sink.of(event_type::qualification_granted);
  ASSERT_EQ(granted.size(), 2u);
  EXPECT_EQ(granted[0].worker_id, told);
  EXPECT_EQ(granted[0].requester_id, r);
  EXPECT_EQ(granted[0].text, q);
  EXPECT_EQ(granted[1].worker_id, silent);
  auto notified = sink.of(event_type::worker_notified);
  ASSERT_EQ(notified.size(), 1u);
  EXPECT_EQ(notified[0].worker_id, told);
  h->unsubscribe(sub);
}

// ==== requirement matching ===================================================================

TEST(Qualifications, ACustomRequirementGatesAccept) {
  engine_harness h;
  auto r = h.requester();
  auto q = make_type(h, r, qspec("Skilled labeller"));
  auto props = props_requiring(requires_at_least(q, 80));
  auto type = h.hit_type(r, props);
  auto hit1 = h.hit_of_type(r, type, 5);
  auto hit2 = h.hit_of_type(r, type, 5);
  ASSERT_EQ(hit1.requirements.size(), 1u);
  EXPECT_EQ(hit1.requirements[0].qualification_type_id, q);

  auto w1 = h.worker();
  auto w2 = h.worker();

  EXPECT_EQ(h->accept(by_hit(w1, hit1.hit_id)).code(), errc::does_not_meet_requirements);

  must(h->associate_qualification_with_worker(r, q, w1, 90, false));
  auto a = h->accept(by_hit(w1, hit1.hit_id));
  ASSERT_TRUE(a.ok()) << test::describe(a.err());
  EXPECT_EQ(a->worker_id, w1);

  must(h->associate_qualification_with_worker(r, q, w2, 70, false));
  EXPECT_EQ(h->accept(by_hit(w2, hit1.hit_id)).code(), errc::does_not_meet_requirements);
  // Exactly the threshold meets GreaterThanOrEqualTo.
  must(h->associate_qualification_with_worker(r, q, w2, 80, false));
  EXPECT_TRUE(h->accept(by_hit(w2, hit1.hit_id)).ok());

  must(h->disassociate_qualification_from_worker(r, q, w1, "revoked"));
  EXPECT_EQ(h->accept(by_hit(w1, hit2.hit_id)).code(), errc::does_not_meet_requirements);

  // Granted again, it counts again.
  must(h->associate_qualification_with_worker(r, q, w1, 85, false));
  EXPECT_TRUE(h->accept(by_hit(w1, hit2.hit_id)).ok());
}

TEST(Qualifications, ADiscoverPreviewAndAcceptRequirementAlsoBlocksAccept) {
  engine_harness h;
  auto r = h.requester();
  auto q = make_type(h, r, qspec("Hidden group"));
  auto hit = h.hit(r, 2, 3'600, props_requiring(requires_existence(q, guarded_action::discover_preview_and_accept)));
  auto w = h.worker();
  auto w2 = h.worker();
  EXPECT_EQ(h->accept(by_hit(w, hit.hit_id)).code(), errc::does_not_meet_requirements);
  must(h->associate_qualification_with_worker(r, q, w2, 1, false));
  EXPECT_TRUE(h->accept(by_hit(w2, hit.hit_id)).ok());
}

TEST(Qualifications, ARequirementOnAnotherRequestersTypeIsAllowed) {
  engine_harness h;
  auto owner = h.requester();
  auto user = h.requester();
  auto q = make_type(h, owner, qspec("Shared skill"));
  auto hit = h.hit(user, 1, 3'600, props_requiring(requires_at_least(q, 10)));
  auto w = h.worker();
  EXPECT_EQ(h->accept(by_hit(w, hit.hit_id)).code(), errc::does_not_meet_requirements);
  must(h->associate_qualification_with_worker(owner, q, w, 10, false));
  EXPECT_TRUE(h->accept(by_hit(w, hit.hit_id)).ok());
  // A requirement naming no existing type is refused.
  EXPECT_EQ(h->create_hit_type(user, props_requiring(requires_at_least(format_id(id_kind::qualification_type, 999'999), 1))).code(),
            errc::qualification_type_does_not_exist);
}

// ==== requests ==================================================================================

TEST(Qualifications, AnAutoGrantedTypeGrantsAtOnceAndOpensItsHits) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto spec = qspec("Open to all");
  spec.auto_granted = true;
  spec.auto_granted_value = 42;
  auto q = make_type(h, r, spec);
  auto hit = h.hit(r, 1, 3'600, props_requiring(requires_at_least(q, 40)));

  EXPECT_EQ(h->accept(by_hit(w, hit.hit_id)).code(), errc::does_not_meet_requirements);
  auto out = must(h->request_qualification(w, q, ""));
  EXPECT_TRUE(out.granted);
  EXPECT_EQ(out.value, 42);
  EXPECT_TRUE(out.qualification_request_id.empty());
  auto s = must(h->get_qualification_score(r, q, w));
  EXPECT_EQ(s.integer_value, 42);
  EXPECT_EQ(s.status, qualification_status::granted);
  EXPECT_TRUE(must(h->list_qualification_requests(r, q, qpage())).items.empty());
  auto a = h->accept(by_hit(w, hit.hit_id));
  ASSERT_TRUE(a.ok()) << test::describe(a.err());
  EXPECT_EQ(a->hit_id, hit.hit_id);
}

TEST(Qualifications, ATestWithAnAnswerKeyGrantsTheScore) {
  engine_harness h;
  auto r = h.requester();
  auto ace = h.worker();
  auto half = h.worker();
  auto miss = h.worker();
  auto spec = qspec("Graded test");
  spec.test = test_form;
  spec.test_duration_s = 600;
  spec.answer_key = answer_key_xml;
  auto q = make_type(h, r, spec);

  auto o1 = must(h->request_qualification(ace, q, answers_xml("a", "c")));
  EXPECT_TRUE(o1.granted);
  EXPECT_EQ(o1.value, 100);
  auto o2 = must(h->request_qualification(half, q, answers_xml("a", "d")));
  EXPECT_TRUE(o2.granted);
  EXPECT_EQ(o2.value, 60);
  auto o3 = must(h->request_qualification(miss, q, answers_xml("b", "d")));
  EXPECT_TRUE(o3.granted);
  EXPECT_EQ(o3.value, 0);

  EXPECT_EQ(must(h->get_qualification_score(r, q, ace)).integer_value, 100);
  EXPECT_EQ(must(h->get_qualification_score(r, q, half)).integer_value, 60);
  EXPECT_EQ(must(h->get_qualification_score(r, q, miss)).integer_value, 0);
  EXPECT_TRUE(must(h->list_qualification_requests(r, q, qpage())).items.empty());

  // The score gates a HIT requiring 80.
  auto hit = h.hit(r, 2, 3'600, props_requiring(requires_at_least(q, 80)));
  EXPECT_TRUE(h->accept(by_hit(ace, hit.hit_id)).ok());
  EXPECT_EQ(h->accept(by_hit(half, hit.hit_id)).code(), errc::does_not_meet_requirements);
}

TEST(Qualifications, ATestWithoutAKeyWaitsForTheRequester) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto w3 = h.worker();
  auto spec = qspec("Hand graded");
  spec.test = test_form;
  spec.test_duration_s = 600;
  auto q = make_type(h, r, spec);
  auto spec2 = spec;
  spec2.name = "Also hand graded";
  auto q2 = make_type(h, r, spec2);

  auto t0 = h.now();
  auto o1 = must(h->request_qualification(w1, q, answers_xml("a", "c")));
  EXPECT_FALSE(o1.granted);
  ASSERT_FALSE(o1.qualification_request_id.empty());
  EXPECT_EQ(o1.qualification_request_id.front(), 'K');
  h->advance_clock(seconds(5));
  auto o2 = must(h->request_qualification(w2, q, answers_xml("b", "d")));
  auto o3 = must(h->request_qualification(w3, q2, answers_xml("a", "d")));
  EXPECT_EQ(h->get_qualification_score(r, q, w1).code(), errc::qualification_does_not_exist);

  auto by_type = must(h->list_qualification_requests(r, q, qpage()));
  ASSERT_EQ(by_type.items.size(), 2u);
  EXPECT_EQ(request_ids_of(by_type.items), (std::set<std::string>{o1.qualification_request_id, o2.qualification_request_id}));
  const auto& first = by_type.items[0].qualification_request_id == o1.qualification_request_id ? by_type.items[0] : by_type.items[1];
  EXPECT_EQ(first.qualification_type_id, q);
  EXPECT_EQ(first.worker_id, w1);
  EXPECT_EQ(first.test, test_form);
  EXPECT_EQ(first.answer, answers_xml("a", "c"));
  EXPECT_EQ(first.submit_time, t0);

  auto all = must(h->list_qualification_requests(r, "", qpage()));
  EXPECT_EQ(request_ids_of(all.items), (std::set<std::string>{o1.qualification_request_id, o2.qualification_request_id,
                                                             o3.qualification_request_id}));
  EXPECT_EQ(request_ids_of(must(h->list_qualification_requests(r, q2, qpage())).items),
            std::set<std::string>{o3.qualification_request_id});
  // Pages of the all-types listing.
  auto p1 = must(h->list_qualification_requests(r, "", qpage(2)));
  EXPECT_EQ(p1.items.size(), 2u);
  ASSERT_FALSE(p1.next_token.empty());
  auto p2 = must(h->list_qualification_requests(r, "", qpage(2, p1.next_token)));
  EXPECT_EQ(p2.items.size(), 1u);
  EXPECT_TRUE(p2.next_token.empty());

  // Another requester sees none of them and cannot decide them.
  auto r2 = h.requester();
  EXPECT_TRUE(must(h->list_qualification_requests(r2, "", qpage())).items.empty());
  EXPECT_EQ(h->list_qualification_requests(r2, q, qpage()).code(), errc::permission_denied);
  EXPECT_EQ(h->accept_qualification_request(r2, o1.qualification_request_id, std::nullopt).code(),
            errc::qualification_request_does_not_exist);

  // Accepted without a value: 1. With a value: that value.
  h->advance_clock(seconds(5));
  auto t_accept = h.now();
  must(h->accept_qualification_request(r, o1.qualification_request_id, std::nullopt));
  auto s1 = must(h->get_qualification_score(r, q, w1));
  EXPECT_EQ(s1.integer_value, 1);
  EXPECT_EQ(s1.status, qualification_status::granted);
  EXPECT_EQ(s1.grant_time, t_accept);
  must(h->accept_qualification_request(r, o2.qualification_request_id, 55));
  EXPECT_EQ(must(h->get_qualification_score(r, q, w2)).integer_value, 55);

  // Decided requests leave the listing and cannot be decided again.
  EXPECT_TRUE(must(h->list_qualification_requests(r, q, qpage())).items.empty());
  EXPECT_EQ(request_ids_of(must(h->list_qualification_requests(r, "", qpage())).items),
            std::set<std::string>{o3.qualification_request_id});
  EXPECT_EQ(h->accept_qualification_request(r, o1.qualification_request_id, 9).code(),
            errc::qualification_request_does_not_exist);
  EXPECT_EQ(h->reject_qualification_request(r, o2.qualification_request_id, "late").code(),
            errc::qualification_request_does_not_exist);
}

TEST(Qualifications, RejectingARequestRemovesItAndTellsTheWorker) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto spec = qspec("Reviewed by hand");
  spec.test = test_form;
  spec.test_duration_s = 600;
  auto q = make_type(h, r, spec);
  auto o = must(h->request_qualification(w, q, answers_xml("b", "d")));
  ASSERT_FALSE(o.granted);
  EXPECT_TRUE(h.dashboard(w).notifications.empty());

  must(h->reject_qualification_request(r, o.qualification_request_id, "Your answers were mostly wrong"));
  EXPECT_TRUE(must(h->list_qualification_requests(r, q, qpage())).items.empty());
  EXPECT_TRUE(must(h->list_qualification_requests(r, "", qpage())).items.empty());
  EXPECT_EQ(h->get_qualification_score(r, q, w).code(), errc::qualification_does_not_exist);

  auto d = h.dashboard(w);
  ASSERT_EQ(d.notifications.size(), 1u);
  EXPECT_EQ(d.notifications[0].requester_id, r);
  EXPECT_EQ(d.notifications[0].message, "Your answers were mostly wrong");
  EXPECT_FALSE(d.notifications[0].subject.empty());
  EXPECT_EQ(d.notifications[0].time, h.now());
}

TEST(Qualifications, RequestErrors) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto w2 = h.worker();

  auto tested = qspec("Tested");
  tested.test = test_form;
  tested.test_duration_s = 600;
  auto q_test = make_type(h, r, tested);
  EXPECT_EQ(h->request_qualification(w, q_test, "").code(), errc::missing_parameter);
  // The refused request did not use up the worker's one try.
  auto first = must(h->request_qualification(w, q_test, answers_xml("a", "c")));
  EXPECT_FALSE(first.granted);
  // No retry delay: one request only, granted or not.
  EXPECT_EQ(h->request_qualification(w, q_test, answers_xml("a", "c")).code(), errc::qualification_retry_not_allowed);
  h->advance_clock(days(30));
  EXPECT_EQ(h->request_qualification(w, q_test, answers_xml("a", "c")).code(), errc::qualification_retry_not_allowed);

  auto once = qspec("Once");
  once.auto_granted = true;
  auto q_once = make_type(h, r, once);
  EXPECT_TRUE(must(h->request_qualification(w, q_once, "")).granted);
  EXPECT_EQ(h->request_qualification(w, q_once, "").code(), errc::qualification_retry_not_allowed);

  auto inactive = qspec("Inactive");
  inactive.status = qualification_type_status::inactive;
  inactive.auto_granted = true;
  auto q_inactive = make_type(h, r, inactive);
  EXPECT_EQ(h->request_qualification(w, q_inactive, "").code(), errc::invalid_qualification_type_state);
  EXPECT_EQ(h->get_qualification_score(r, q_inactive, w).code(), errc::qualification_does_not_exist);

  EXPECT_EQ(h->request_qualification(w, format_id(id_kind::qualification_type, 999'999), "").code(),
            errc::qualification_type_does_not_exist);
  EXPECT_EQ(h->request_qualification("AWNOSUCHWORKER", q_once, "").code(), errc::worker_does_not_exist);

  // Unknown request ids.
  for (const std::string& id : {format_id(id_kind::qualification_request, 999'999), std::string{"nonsense"}}) {
    EXPECT_EQ(h->accept_qualification_request(r, id, std::nullopt).code(), errc::qualification_request_does_not_exist) << id;
    EXPECT_EQ(h->reject_qualification_request(r, id, "no").code(), errc::qualification_request_does_not_exist) << id;
  }
  (void)w2;
}

TEST(Qualifications, AMalformedAnswerIsRefusedWithoutUsingTheTry) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto spec = qspec("Scored once");
  spec.test = test_form;
  spec.test_duration_s = 600;
  spec.answer_key = answer_key_xml;
  auto q = make_type(h, r, spec);
  EXPECT_EQ(h->request_qualification(w, q, "<QuestionFormAnswers><Answer>").code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->get_qualification_score(r, q, w).code(), errc::qualification_does_not_exist);
  auto ok = h->request_qualification(w, q, answers_xml("a", "c"));
  ASSERT_TRUE(ok.ok()) << test::describe(ok.err());
  EXPECT_EQ(ok->value, 100);
}

TEST(Qualifications, ARetryDelayAllowsAnotherRequestOnceElapsed) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto spec = qspec("Retakeable");
  spec.test = test_form;
  spec.test_duration_s = 600;
  spec.answer_key = answer_key_xml;
  spec.retry_delay_s = 60;
  auto q = make_type(h, r, spec);

  EXPECT_EQ(must(h->request_qualification(w, q, answers_xml("b", "c"))).value, 40);
  EXPECT_EQ(h->request_qualification(w, q, answers_xml("a", "c")).code(), errc::qualification_retry_not_allowed);
  h->advance_clock(seconds(30));
  EXPECT_EQ(h->request_qualification(w, q, answers_xml("a", "c")).code(), errc::qualification_retry_not_allowed);
  EXPECT_EQ(must(h->get_qualification_score(r, q, w)).integer_value, 40);
  h->advance_clock(seconds(31));
  auto retake = h->request_qualification(w, q, answers_xml("a", "c"));
  ASSERT_TRUE(retake.ok()) << test::describe(retake.err());
  EXPECT_EQ(retake->value, 100);
  EXPECT_EQ(must(h->get_qualification_score(r, q, w)).integer_value, 100);
  // The delay runs again from the retake.
  EXPECT_EQ(h->request_qualification(w, q, answers_xml("a", "c")).code(), errc::qualification_retry_not_allowed);
}

TEST(Qualifications, ListHitsForQualificationTypeListsTheRequestersHitsRequiringIt) {
  engine_harness h;
  auto r = h.requester();
  auto r2 = h.requester();
  auto q = make_type(h, r, qspec("Listed"));
  auto q_other = make_type(h, r, qspec("Unrelated"));

  auto type_q = h.hit_type(r, props_requiring(requires_at_least(q, 1)));
  auto a = h.hit_of_type(r, type_q);
  auto b = h.hit_of_type(r, type_q);
  auto two_reqs = props_requiring(requires_at_least(q_other, 1), "Two requirements");
  two_reqs.requirements.push_back(requires_existence(q, guarded_action::accept));
  auto c = h.hit(r, 1, 3'600, two_reqs);
  auto plain = h.hit(r);
  auto other_type = h.hit(r, 1, 3'600, props_requiring(requires_at_least(q_other, 1), "Other"));
  auto theirs = h.hit(r2, 1, 3'600, props_requiring(requires_at_least(q, 1)));

  auto listed = must(h->list_hits_for_qualification_type(r, q, qpage()));
  EXPECT_EQ(hit_ids_of(listed.items), (std::set<std::string>{a.hit_id, b.hit_id, c.hit_id}));
  EXPECT_TRUE(listed.next_token.empty());

  auto p1 = must(h->list_hits_for_qualification_type(r, q, qpage(2)));
  EXPECT_EQ(p1.items.size(), 2u);
  ASSERT_FALSE(p1.next_token.empty());
  auto p2 = must(h->list_hits_for_qualification_type(r, q, qpage(2, p1.next_token)));
  EXPECT_EQ(p2.items.size(), 1u);

  // The other requester sees only its own HIT on the same type.
  EXPECT_EQ(hit_ids_of(must(h->list_hits_for_qualification_type(r2, q, qpage())).items),
            std::set<std::string>{theirs.hit_id});
  EXPECT_EQ(hit_ids_of(must(h->list_hits_for_qualification_type(r, q_other, qpage())).items),
            (std::set<std::string>{c.hit_id, other_type.hit_id}));
  EXPECT_EQ(h->list_hits_for_qualification_type(r, format_id(id_kind::qualification_type, 999'999), qpage()).code(),
            errc::qualification_type_does_not_exist);
  (void)plain;
}

// ==== accept-next by HIT group ===============================================================

TEST(AcceptNext, TakesAnAssignmentFromOneOfTheGroupsHits) {
  engine_harness h;
  auto r = h.requester();
  auto type = h.hit_type(r);
  auto h1 = h.hit_of_type(r, type, 1);
  auto h2 = h.hit_of_type(r, type, 1);
  auto other = h.hit(r, 1, 3'600, [] {
    auto p = engine_harness::props();
    p.title = "Another group";
    return p;
  }());
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto w3 = h.worker();

  auto a1 = h->accept(next_of(w1, type));
  ASSERT_TRUE(a1.ok()) << test::describe(a1.err());
  EXPECT_EQ(a1->worker_id, w1);
  EXPECT_EQ(a1->status, assignment_status::accepted);
  auto a2 = h->accept(next_of(w2, type));
  ASSERT_TRUE(a2.ok()) << test::describe(a2.err());
  EXPECT_EQ((std::set<std::string>{a1->hit_id, a2->hit_id}), (std::set<std::string>{h1.hit_id, h2.hit_id}));

  EXPECT_EQ(h->accept(next_of(w3, type)).code(), errc::no_hits_available_in_group);
  // The other group's HIT was not touched.
  EXPECT_EQ(h.inspect(other.hit_id).hit.assignments_available, 1);
}

TEST(AcceptNext, OneWorkerTakesTheGroupsHitsOneAfterAnother) {
  engine_harness h;
  auto r = h.requester();
  auto type = h.hit_type(r);
  std::set<std::string> hits;
  for (int i = 0; i < 3; ++i)
    hits.insert(h.hit_of_type(r, type, 2).hit_id);
  auto w = h.worker();
  std::set<std::string> taken;
  for (int i = 0; i < 3; ++i) {
    auto a = h->accept(next_of(w, type));
    ASSERT_TRUE(a.ok()) << i << ": " << test::describe(a.err());
    EXPECT_TRUE(taken.insert(a->hit_id).second) << "the same HIT twice: " << a->hit_id;
  }
  EXPECT_EQ(taken, hits);
  // Every HIT still has a slot, but not for this worker.
  EXPECT_EQ(h->accept(next_of(w, type)).code(), errc::no_hits_available_in_group);
  EXPECT_TRUE(h->accept(next_of(h.worker(), type)).ok());
}

// A worker working through a batch: every HIT has a second slot, so the
// HITs this worker already took stay assignable. Accept-next must still
// reach the HITs after them, however many the worker has taken.
TEST(AcceptNext, ReachesHitsPastTheOnesTheWorkerAlreadyTook) {
  engine_harness h;
  auto r = h.requester(cents(100'000));
  auto type = h.hit_type(r);
  constexpr int n = 20;
  std::set<std::string> hits;
  for (int i = 0; i < n; ++i)
    hits.insert(h.hit_of_type(r, type, 2).hit_id);
  auto w = h.worker();
  std::set<std::string> taken;
  for (int i = 0; i < n; ++i) {
    auto a = h->accept(next_of(w, type));
    ASSERT_TRUE(a.ok()) << "accept-next #" << (i + 1) << " of " << n << ": " << test::describe(a.err());
    EXPECT_TRUE(taken.insert(a->hit_id).second);
  }
  EXPECT_EQ(taken, hits);
  EXPECT_EQ(h->accept(next_of(w, type)).code(), errc::no_hits_available_in_group);
}

TEST(AcceptNext, AWorkerHoldingTheOnlyRemainingHitGetsNone) {
  engine_harness h;
  auto r = h.requester();
  auto type = h.hit_type(r);
  auto hit = h.hit_of_type(r, type, 2);
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto a = h->accept(next_of(w1, type));
  ASSERT_TRUE(a.ok()) << test::describe(a.err());
  EXPECT_EQ(a->hit_id, hit.hit_id);
  EXPECT_EQ(h->accept(next_of(w1, type)).code(), errc::no_hits_available_in_group);
  auto b = h->accept(next_of(w2, type));
  ASSERT_TRUE(b.ok()) << test::describe(b.err());
  EXPECT_EQ(b->hit_id, hit.hit_id);
  EXPECT_EQ(h.inspect(hit.hit_id).hit.assignments_available, 0);
}

TEST(AcceptNext, ARepeatedKeyReturnsTheSameAssignment) {
  engine_harness h;
  auto r = h.requester();
  auto type = h.hit_type(r);
  h.hit_of_type(r, type, 1);
  h.hit_of_type(r, type, 1);
  auto w = h.worker();
  auto a = must(h->accept(next_of(w, type, "next-1")));
  auto again = must(h->accept(next_of(w, type, "next-1")));
  EXPECT_EQ(again.assignment_id, a.assignment_id);
  auto b = must(h->accept(next_of(w, type, "next-2")));
  EXPECT_NE(b.hit_id, a.hit_id);
}

TEST(AcceptNext, ExpiredHitsAreNotOffered) {
  engine_harness h;
  auto r = h.requester();
  auto type = h.hit_type(r);
  h.hit_of_type(r, type, 3, 60);
  h->advance_clock(seconds(61));
  EXPECT_EQ(h->accept(next_of(h.worker(), type)).code(), errc::no_hits_available_in_group);
}

TEST(AcceptNext, Errors) {
  engine_harness h;
  auto r = h.requester();
  auto type = h.hit_type(r);
  h.hit_of_type(r, type, 1);
  auto w = h.worker();
  EXPECT_EQ(h->accept(next_of(w, format_id(id_kind::hit_type, 999'999))).code(), errc::hit_type_does_not_exist);
  EXPECT_EQ(h->accept(next_of(w, "")).code(), errc::missing_parameter);
  EXPECT_EQ(h->accept(next_of("AWNOSUCHWORKER", type)).code(), errc::worker_does_not_exist);
  // Nothing was taken by the failures.
  EXPECT_TRUE(h->accept(next_of(w, type)).ok());
}

// A HIT type id that is given but malformed names no HIT type; it is not missing.
TEST(AcceptNext, AMalformedHitTypeIdDoesNotExist) {
  engine_harness h;
  auto w = h.worker();
  EXPECT_EQ(h->accept(next_of(w, "NOT-A-TYPE")).code(), errc::hit_type_does_not_exist);
}

TEST(AcceptNext, FindsARetypedHitUnderItsNewGroup) {
  engine_harness h;
  auto r = h.requester();
  auto old_type = h.hit_type(r);
  auto p = engine_harness::props();
  p.title = "Retyped group";
  auto new_type = h.hit_type(r, p);
  auto hit = h.hit_of_type(r, old_type, 2);
  must(h->update_hit_type_of_hit(r, hit.hit_id, new_type));
  auto w = h.worker();
  EXPECT_EQ(h->accept(next_of(w, old_type)).code(), errc::no_hits_available_in_group);
  auto a = h->accept(next_of(w, new_type));
  ASSERT_TRUE(a.ok()) << test::describe(a.err());
  EXPECT_EQ(a->hit_id, hit.hit_id);
}

TEST(AcceptNext, RespectsTheGroupsRequirements) {
  engine_harness h;
  auto r = h.requester();
  auto q = make_type(h, r, qspec("Group gate"));
  auto type = h.hit_type(r, props_requiring(requires_at_least(q, 80)));
  auto hit = h.hit_of_type(r, type, 2);
  auto w = h.worker();
  EXPECT_FALSE(h->accept(next_of(w, type)).ok());
  must(h->associate_qualification_with_worker(r, q, w, 80, false));
  auto a = h->accept(next_of(w, type));
  ASSERT_TRUE(a.ok()) << test::describe(a.err());
  EXPECT_EQ(a->hit_id, hit.hit_id);
}

// ==== notifications ===========================================================================

TEST(Notifications, NotifyWorkersRecordsOnEachDashboardAndPublishes) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  event_sink sink;
  auto sub = h->subscribe([&](const event& e) { sink.add(e); });

  auto failures = must(h->notify_workers(r, "New batch", "100 new photos to label", {w1, w2, "AWNOSUCHWORKER"}));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].worker_id, "AWNOSUCHWORKER");
  EXPECT_TRUE(failures[0].hard);

  for (const auto& w : {w1, w2}) {
    auto d = h.dashboard(w);
    ASSERT_EQ(d.notifications.size(), 1u) << w;
    EXPECT_EQ(d.notifications[0].requester_id, r);
    EXPECT_EQ(d.notifications[0].subject, "New batch");
    EXPECT_EQ(d.notifications[0].message, "100 new photos to label");
    EXPECT_EQ(d.notifications[0].time, h.now());
  }

  h->advance_clock(seconds(5));
  EXPECT_TRUE(must(h->notify_workers(r, "Second", "More", {w1})).empty());
  auto d1 = h.dashboard(w1);
  ASSERT_EQ(d1.notifications.size(), 2u);
  EXPECT_EQ(d1.notifications[1].subject, "Second");   // newest last
  EXPECT_EQ(h.dashboard(w2).notifications.size(), 1u);

  h->drain();
  auto notified = sink.of(event_type::worker_notified);
  ASSERT_EQ(notified.size(), 3u);
  std::multiset<std::string> who;
  for (const auto& e : notified) {
    who.insert(e.worker_id);
    EXPECT_EQ(e.requester_id, r);
  }
  EXPECT_EQ(who, (std::multiset<std::string>{w1, w1, w2}));
  EXPECT_EQ(notified.back().text, "Second");
  h->unsubscribe(sub);
}

TEST(Notifications, NotifyWorkersErrors) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  std::vector<std::string> too_many(101, w);
  EXPECT_EQ(h->notify_workers(r, "Subject", "Message", too_many).code(), errc::invalid_parameter_value);
  std::vector<std::string> hundred(100, w);
  EXPECT_TRUE(h->notify_workers(r, "Hundred", "Message", hundred).ok());
  EXPECT_EQ(h->notify_workers(r, "", "Message", {w}).code(), errc::missing_parameter);
  EXPECT_EQ(h->notify_workers(r, "Subject", "", {w}).code(), errc::missing_parameter);
  EXPECT_EQ(h->notify_workers(r, "Subject", "Message", {}).code(), errc::missing_parameter);
  EXPECT_EQ(h->notify_workers(r, std::string(201, 's'), "Message", {w}).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->notify_workers("ARNOSUCHREQUESTER", "Subject", "Message", {w}).code(), errc::requester_does_not_exist);
  // Only the 100-id call was recorded: 100 notifications, the bound kept.
  auto d = h.dashboard(w);
  EXPECT_EQ(d.notifications.size(), 100u);
  for (const auto& n : d.notifications)
    EXPECT_EQ(n.subject, "Hundred");
  // One more pushes the oldest out; the newest is last.
  EXPECT_TRUE(must(h->notify_workers(r, "Newest", "Message", {w})).empty());
  auto d2 = h.dashboard(w);
  ASSERT_EQ(d2.notifications.size(), 100u);
  EXPECT_EQ(d2.notifications.back().subject, "Newest");
}

TEST(Notifications, SettingsAreStoredAndActivatedWithASpec) {
  engine_harness h;
  auto r = h.requester();
  auto type = h.hit_type(r);

  auto fresh = must(h->get_notification_settings(r, type));
  EXPECT_FALSE(fresh.spec.has_value());
  EXPECT_FALSE(fresh.active);

  must(h->update_notification_settings(r, type, sqs_spec(), std::nullopt));
  auto s = must(h->get_notification_settings(r, type));
  ASSERT_TRUE(s.spec.has_value());
  EXPECT_EQ(s.spec->destination, sqs_spec().destination);
  EXPECT_EQ(s.spec->transport, "SQS");
  EXPECT_EQ(s.spec->version, "2006-05-05");
  EXPECT_EQ(s.spec->event_types, sqs_spec().event_types);
  EXPECT_TRUE(s.active);   // a spec alone activates

  must(h->update_notification_settings(r, type, std::nullopt, false));
  auto off = must(h->get_notification_settings(r, type));
  EXPECT_FALSE(off.active);
  ASSERT_TRUE(off.spec.has_value());   // the spec stays
  EXPECT_EQ(off.spec->destination, sqs_spec().destination);

  must(h->update_notification_settings(r, type, std::nullopt, true));
  EXPECT_TRUE(must(h->get_notification_settings(r, type)).active);

  // A new spec replaces the old one; with active=false it is stored inactive.
  auto email = sqs_spec();
  email.transport = "Email";
  email.destination = "ops@example.com";
  email.event_types = {"AssignmentAccepted"};
  must(h->update_notification_settings(r, type, email, false));
  auto replaced = must(h->get_notification_settings(r, type));
  ASSERT_TRUE(replaced.spec.has_value());
  EXPECT_EQ(replaced.spec->transport, "Email");
  EXPECT_EQ(replaced.spec->destination, "ops@example.com");
  EXPECT_EQ(replaced.spec->event_types, std::vector<std::string>{"AssignmentAccepted"});
  EXPECT_FALSE(replaced.active);

  // Another HIT type of the requester is unaffected.
  auto p = engine_harness::props();
  p.title = "Other type";
  auto other = h.hit_type(r, p);
  EXPECT_FALSE(must(h->get_notification_settings(r, other)).spec.has_value());
}

TEST(Notifications, SettingsErrors) {
  engine_harness h;
  auto r = h.requester();
  auto type = h.hit_type(r);

  EXPECT_EQ(h->update_notification_settings(r, type, std::nullopt, true).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->update_notification_settings(r, type, std::nullopt, std::nullopt).code(), errc::missing_parameter);
  auto old_version = sqs_spec();
  old_version.version = "2005-01-01";
  EXPECT_EQ(h->update_notification_settings(r, type, old_version, std::nullopt).code(), errc::invalid_parameter_value);
  auto no_events = sqs_spec();
  no_events.event_types.clear();
  EXPECT_EQ(h->update_notification_settings(r, type, no_events, std::nullopt).code(), errc::missing_parameter);
  auto no_destination = sqs_spec();
  no_destination.destination.clear();
  EXPECT_EQ(h->update_notification_settings(r, type, no_destination, std::nullopt).code(), errc::missing_parameter);

  // None of the refused updates changed anything.
  auto s = must(h->get_notification_settings(r, type));
  EXPECT_FALSE(s.spec.has_value());
  EXPECT_FALSE(s.active);

  auto unknown = format_id(id_kind::hit_type, 999'999);
  EXPECT_EQ(h->update_notification_settings(r, unknown, sqs_spec(), std::nullopt).code(), errc::hit_type_does_not_exist);
  EXPECT_EQ(h->get_notification_settings(r, unknown).code(), errc::hit_type_does_not_exist);

  // Another requester's HIT type is not theirs to configure.
  auto r2 = h.requester();
  EXPECT_FALSE(h->update_notification_settings(r2, type, sqs_spec(), std::nullopt).ok());
  EXPECT_FALSE(h->get_notification_settings(r2, type).ok());
  EXPECT_FALSE(must(h->get_notification_settings(r, type)).spec.has_value());
  EXPECT_EQ(h->get_notification_settings("ARNOSUCHREQUESTER", type).code(), errc::requester_does_not_exist);
}

} // namespace
} // namespace hitd
