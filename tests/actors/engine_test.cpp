// The engine through its public API: every command's success and each of its
// errors, with the exact error code, on a manual clock and a memory_store.
// Money-moving tests end by checking that the books balance.

#include "engine_fixture.hpp"

#include <gtest/gtest.h>

#include <hitd/hit_rules.hpp>      // hit_snapshot, assignment_record: what the store holds
#include <hitd/storage_port.hpp>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace hitd {
namespace {

using test::engine_harness;
using test::harness_options;
using test::must;
using test::start_time;

std::vector<std::string> ids_of(const std::vector<hit_view>& v) {
  std::vector<std::string> out;
  for (const auto& h : v)
    out.push_back(h.hit_id);
  return out;
}

std::vector<std::string> ids_of(const std::vector<assignment_view>& v) {
  std::vector<std::string> out;
  for (const auto& a : v)
    out.push_back(a.assignment_id);
  return out;
}

std::vector<event_type> types_of(const std::vector<event>& v) {
  std::vector<event_type> out;
  for (const auto& e : v)
    out.push_back(e.type);
  return out;
}

page_request page_of(size_t max_results, std::string token = {}) { return {std::move(token), max_results}; }

// Requests by field name, so that a field added to a request struct cannot
// silently take another's value.
accept_request acc(std::string worker_id, std::string hit_id, std::string key = {}) {
  accept_request r;
  r.worker_id = std::move(worker_id);
  r.hit_id = std::move(hit_id);
  r.idempotency_key = std::move(key);
  return r;
}

submit_request sub(std::string worker_id, std::string assignment_id, std::string answer, std::string key = {}) {
  submit_request r;
  r.worker_id = std::move(worker_id);
  r.assignment_id = std::move(assignment_id);
  r.answer = std::move(answer);
  r.idempotency_key = std::move(key);
  return r;
}

approve_request appr(std::string requester_id, std::string assignment_id, std::string feedback, bool override_rejection) {
  approve_request r;
  r.requester_id = std::move(requester_id);
  r.assignment_id = std::move(assignment_id);
  r.feedback = std::move(feedback);
  r.override_rejection = override_rejection;
  return r;
}

bonus_request bonus_req(std::string requester_id, std::string worker_id, std::string assignment_id, money amount,
                        std::string reason, std::string token = {}) {
  bonus_request r;
  r.requester_id = std::move(requester_id);
  r.worker_id = std::move(worker_id);
  r.assignment_id = std::move(assignment_id);
  r.amount = amount;
  r.reason = std::move(reason);
  r.unique_request_token = std::move(token);
  return r;
}

qualification_requirement locale_is(std::string country) {
  qualification_requirement q;
  q.qualification_type_id = std::string{system_qualification::locale};
  q.cmp = comparator::equal_to;
  q.locale_values = {locale{std::move(country), ""}};
  return q;
}

assignment_view assignment_in(engine_harness& h, const std::string& hit_id, const std::string& assignment_id) {
  for (const auto& a : h.inspect(hit_id).assignments)
    if (a.assignment_id == assignment_id)
      return a;
  ADD_FAILURE() << "no assignment " << assignment_id << " in " << hit_id;
  return {};
}

// ==== requesters and workers ===============================================================

TEST(Engine, CreateRequesterGeneratesDistinctIds) {
  engine_harness h;
  auto a = must(h->create_requester({"Acme", ""}));
  auto b = must(h->create_requester({"Beta", ""}));
  EXPECT_NE(a, b);
  EXPECT_TRUE(is_customer_id(a)) << a;
  EXPECT_EQ(a.substr(0, 2), "AR");
  auto bal = must(h->get_account_balance(a));
  EXPECT_EQ(bal.available, cents(0));
  EXPECT_EQ(bal.on_hold, cents(0));
}

TEST(Engine, CreateRequesterRefusesADuplicateId) {
  engine_harness h;
  EXPECT_EQ(must(h->create_requester({"Acme", "AACME1"})), "AACME1");
  EXPECT_EQ(h->create_requester({"Other", "AACME1"}).code(), errc::requester_already_exists);
}

TEST(Engine, CreateRequesterRefusesMalformedIds) {
  engine_harness h;
  for (std::string id : {std::string{"acme"}, std::string{"BACME"}, std::string{"A"}, std::string{"A-CME"},
                         std::string{"Aacme"}, "A" + std::string(64, 'B')})
    EXPECT_EQ(h->create_requester({"x", id}).code(), errc::invalid_parameter_value) << id;
  EXPECT_EQ(must(h->create_requester({"x", "A" + std::string(63, 'B')})), "A" + std::string(63, 'B'));
}

TEST(Engine, CreateWorkerGeneratesDistinctIds) {
  engine_harness h;
  auto a = must(h->create_worker({}));
  auto b = must(h->create_worker({}));
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 2), "AW");
  auto d = must(h->dashboard(a));
  EXPECT_EQ(d.worker_id, a);
  EXPECT_TRUE(d.on_probation);
}

TEST(Engine, CreateWorkerRefusesADuplicateId) {
  engine_harness h;
  worker_spec s;
  s.worker_id = "AWORKER1";
  EXPECT_EQ(must(h->create_worker(s)), "AWORKER1");
  EXPECT_EQ(h->create_worker(s).code(), errc::worker_already_exists);
}

TEST(Engine, CreateWorkerRefusesMalformedIdsAndLocales) {
  engine_harness h;
  for (std::string id : {std::string{"worker"}, std::string{"W123"}, std::string{"A"}, std::string{"AW_1"},
                         "A" + std::string(64, '1')}) {
    worker_spec s;
    s.worker_id = id;
    EXPECT_EQ(h->create_worker(s).code(), errc::invalid_parameter_value) << id;
  }
  worker_spec s;
  s.worker_id = "AWLOCALE";
  s.home = {"USA", ""};
  EXPECT_EQ(h->create_worker(s).code(), errc::invalid_parameter_value);
  s.home = {"US", "WA"};
  EXPECT_EQ(must(h->create_worker(s)), "AWLOCALE");   // the refused call took nothing
}

// ==== deposit and balance ======================================================================

TEST(Engine, DepositAddsToTheAvailableBalance) {
  engine_harness h;
  auto r = h.requester(cents(0));
  auto b = must(h->deposit(r, cents(2'500), "d1"));
  h.note_deposit(cents(2'500));
  EXPECT_EQ(b.available, cents(2'500));
  EXPECT_EQ(b.on_hold, cents(0));
  // Without a token every deposit counts.
  must(h->deposit(r, cents(100), ""));
  b = must(h->deposit(r, cents(100), ""));
  h.note_deposit(cents(200));
  EXPECT_EQ(b.available, cents(2'700));
  EXPECT_EQ(h.balance(r).available, cents(2'700));
  h.expect_books_balanced();
}

TEST(Engine, DepositWithARepeatedTokenHasNoSecondEffect) {
  engine_harness h;
  auto r = h.requester(cents(0));
  test::event_log log;
  h->subscribe([&](const event& e) { log.add(e); });
  EXPECT_EQ(must(h->deposit(r, cents(2'500), "tok")).available, cents(2'500));
  EXPECT_EQ(must(h->deposit(r, cents(2'500), "tok")).available, cents(2'500));
  EXPECT_EQ(h->deposit(r, cents(999), "tok").code(), errc::invalid_parameter_value);   // another amount: refused
  EXPECT_EQ(must(h->deposit(r, cents(500), "tok-2")).available, cents(3'000));
  h.note_deposit(cents(3'000));
  auto events = log.events();
  auto deposits = std::count_if(events.begin(), events.end(), [](const event& e) { return e.type == event_type::funds_deposited; });
  EXPECT_EQ(deposits, 2);
  h.expect_books_balanced();
}

TEST(Engine, DepositRefusesNonPositiveAndOversizedAmounts) {
  engine_harness h;
  auto r = h.requester(cents(0));
  EXPECT_EQ(h->deposit(r, cents(0), "t").code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->deposit(r, cents(-100), "t").code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->deposit(r, cents(amount_cents_max + 1), "t").code(), errc::invalid_parameter_value);
  EXPECT_EQ(h.balance(r).available, cents(0));
  // The refused calls did not use up the token.
  EXPECT_EQ(must(h->deposit(r, cents(100), "t")).available, cents(100));
  h.note_deposit(cents(100));
  EXPECT_EQ(h->deposit("ANOBODY", cents(100), "t").code(), errc::requester_does_not_exist);
  h.expect_books_balanced();
}

TEST(Engine, GetAccountBalanceOfAnUnknownRequesterFails) {
  engine_harness h;
  EXPECT_EQ(h->get_account_balance("ANOBODY").code(), errc::requester_does_not_exist);
  EXPECT_EQ(h->get_account_balance("").code(), errc::requester_does_not_exist);
}

// ==== HIT types ==================================================================================

TEST(Engine, CreateHitTypeReturnsTheSameIdForTheSameProperties) {
  engine_harness h;
  auto r = h.requester();
  auto t1 = h.hit_type(r);
  EXPECT_EQ(h.hit_type(r), t1);
  EXPECT_TRUE(parse_id(id_kind::hit_type, t1).has_value()) << t1;
  auto p = engine_harness::props(cents(51));
  auto t2 = h.hit_type(r, p);
  EXPECT_NE(t2, t1);
  p = engine_harness::props();
  p.keywords = "other";
  EXPECT_NE(h.hit_type(r, p), t1);
  p = engine_harness::props();
  p.requirements = {locale_is("US")};
  auto t3 = h.hit_type(r, p);
  EXPECT_NE(t3, t1);
  EXPECT_EQ(h.hit_type(r, p), t3);
  // Another requester's type with the same properties is its own.
  auto r2 = h.requester();
  EXPECT_NE(h.hit_type(r2), t1);
}

TEST(Engine, CreateHitTypeValidatesEveryField) {
  engine_harness h;
  auto r = h.requester();
  struct bad {
    const char* what;
    std::function<void(hit_properties&)> edit;
    errc want;
  };
  qualification_requirement exists;   // on a system qualification, which always exists
  exists.qualification_type_id = std::string{system_qualification::percent_assignments_approved};
  exists.cmp = comparator::exists;
  const std::vector<bad> cases = {
    {"empty title", [](hit_properties& p) { p.title.clear(); }, errc::missing_parameter},
    {"empty description", [](hit_properties& p) { p.description.clear(); }, errc::missing_parameter},
    {"title 129", [](hit_properties& p) { p.title = std::string(129, 't'); }, errc::invalid_parameter_value},
    {"description 2001", [](hit_properties& p) { p.description = std::string(2'001, 'd'); }, errc::invalid_parameter_value},
    {"keywords 1001", [](hit_properties& p) { p.keywords = std::string(1'001, 'k'); }, errc::invalid_parameter_value},
    {"negative reward", [](hit_properties& p) { p.reward = cents(-1); }, errc::invalid_parameter_value},
    {"huge reward", [](hit_properties& p) { p.reward = cents(amount_cents_max + 1); }, errc::invalid_parameter_value},
    {"duration 29", [](hit_properties& p) { p.assignment_duration_s = 29; }, errc::invalid_parameter_value},
    {"duration 365d+1", [](hit_properties& p) { p.assignment_duration_s = 31'536'001; }, errc::invalid_parameter_value},
    {"auto-approval -1", [](hit_properties& p) { p.auto_approval_delay_s = -1; }, errc::invalid_parameter_value},
    {"auto-approval 30d+1", [](hit_properties& p) { p.auto_approval_delay_s = 2'592'001; }, errc::invalid_parameter_value},
    {"11 requirements", [&](hit_properties& p) { p.requirements.assign(11, exists); }, errc::invalid_parameter_value},
    {"bad qualification id", [&](hit_properties& p) {
       auto q = exists;
       q.qualification_type_id = "not an id";
       p.requirements = {q};
     }, errc::invalid_parameter_value},
    {"locale values on an integer type", [&](hit_properties& p) {
       auto q = locale_is("US");
       q.qualification_type_id = std::string{system_qualification::percent_assignments_approved};
       p.requirements = {q};
     }, errc::invalid_parameter_value},
    {"GreaterThan without a value", [&](hit_properties& p) {
       auto q = exists;
       q.cmp = comparator::greater_than;
       p.requirements = {q};
     }, errc::invalid_parameter_value},
  };
  for (const auto& c : cases) {
    auto p = engine_harness::props();
    c.edit(p);
    EXPECT_EQ(h->create_hit_type(r, p).code(), c.want) << c.what;
  }
  // The limits themselves are allowed.
  auto p = engine_harness::props(cents(0));
  p.title = std::string(128, 't');
  p.description = std::string(2'000, 'd');
  p.keywords = std::string(1'000, 'k');
  p.assignment_duration_s = 30;
  p.auto_approval_delay_s = 0;
  p.requirements.assign(10, exists);
  EXPECT_TRUE(h->create_hit_type(r, p).ok());
  p.assignment_duration_s = 31'536'000;
  p.auto_approval_delay_s = 2'592'000;
  EXPECT_TRUE(h->create_hit_type(r, p).ok());
  EXPECT_EQ(h->create_hit_type("ANOBODY", engine_harness::props()).code(), errc::requester_does_not_exist);
}

// ==== create_hit ==================================================================================

TEST(Engine, CreateHitWithATypeHoldsRewardPlusFeeForEveryAssignment) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto t = h.hit_type(r);
  auto v = must(h->create_hit(engine_harness::hit_request(r, t, 3, 3'600)));
  EXPECT_TRUE(parse_id(id_kind::hit, v.hit_id).has_value()) << v.hit_id;
  EXPECT_EQ(v.hit_type_id, t);
  EXPECT_EQ(v.hit_group_id, t);
  EXPECT_EQ(v.requester_id, r);
  EXPECT_EQ(v.status, hit_status::assignable);
  EXPECT_EQ(v.max_assignments, 3);
  EXPECT_EQ(v.assignments_available, 3);
  EXPECT_EQ(v.assignments_pending, 0);
  EXPECT_EQ(v.assignments_completed, 0);
  EXPECT_EQ(v.reward, cents(50));
  EXPECT_EQ(v.creation_time, start_time);
  EXPECT_EQ(v.expiration, start_time + seconds(3'600));
  EXPECT_EQ(v.assignment_duration_s, 600);
  EXPECT_EQ(v.auto_approval_delay_s, 3 * 86'400);
  EXPECT_EQ(v.title, "Label a photo");
  EXPECT_EQ(v.requester_annotation, "batch-1");
  EXPECT_EQ(v.question, "<HTMLQuestion>What is in the picture?</HTMLQuestion>");
  EXPECT_EQ(v.escrow_held, cents(180));   // 3 x ($0.50 + $0.10)
  auto b = h.balance(r);
  EXPECT_EQ(b.available, cents(9'820));
  EXPECT_EQ(b.on_hold, cents(180));
  auto listed = must(h->list_hits(r, {}));
  EXPECT_EQ(ids_of(listed.items), std::vector<std::string>{v.hit_id});
  h.expect_books_balanced();
}

TEST(Engine, CreateHitWithInlinePropertiesRegistersItsType) {
  engine_harness h;
  auto r = h.requester();
  create_hit_request req = engine_harness::hit_request(r, "", 2, 3'600);
  req.properties = engine_harness::props(cents(25));
  auto v = must(h->create_hit(req));
  EXPECT_FALSE(v.hit_type_id.empty());
  EXPECT_EQ(v.reward, cents(25));
  EXPECT_EQ(v.escrow_held, cents(60));   // 2 x ($0.25 + $0.05)
  EXPECT_EQ(h.hit_type(r, engine_harness::props(cents(25))), v.hit_type_id);
  h.expect_books_balanced();
}

TEST(Engine, CreateHitHoldIsMaxAssignmentsTimesRewardPlusFeeWithTheTenAssignmentSurcharge) {
  struct row {
    int64_t reward;
    int64_t max;
    int64_t hold;
  };
  const std::vector<row> rows = {
    {50, 1, 60},     // 20%
    {50, 9, 540},    // 9 x 60: below the surcharge
    {50, 10, 700},   // 10 x (50 + 40% = 20)
    {53, 10, 740},   // 40% of 53 = 21.2 -> 21
    {13, 1, 16},     // 20% of 13 = 2.6 -> 3 (half up)
    {12, 1, 14},     // 2.4 -> 2
    {1, 1, 2},       // 0.2 -> the $0.01 minimum
    {1, 10, 20},     // 0.4 -> the minimum, per assignment
    {0, 5, 0},       // nothing paid, nothing charged
  };
  for (const auto& x : rows) {
    SCOPED_TRACE("reward " + std::to_string(x.reward) + " x " + std::to_string(x.max));
    engine_harness h;
    auto r = h.requester(cents(10'000));
    auto v = h.hit(r, x.max, 3'600, engine_harness::props(cents(x.reward)));
    EXPECT_EQ(v.escrow_held, cents(x.hold));
    auto b = h.balance(r);
    EXPECT_EQ(b.on_hold, cents(x.hold));
    EXPECT_EQ(b.available, cents(10'000 - x.hold));
    h.expect_books_balanced();
  }
}

TEST(Engine, CreateHitValidatesEveryField) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto other = h.requester(cents(10'000));
  auto t = h.hit_type(r);
  auto other_type = h.hit_type(other, engine_harness::props(cents(7)));
  struct bad {
    const char* what;
    std::function<void(create_hit_request&)> edit;
    errc want;
  };
  const std::vector<bad> cases = {
    {"no type, no properties", [](create_hit_request& q) { q.hit_type_id.clear(); }, errc::missing_parameter},
    {"unknown type", [](create_hit_request& q) { q.hit_type_id = format_id(id_kind::hit_type, 9'999); },
     errc::hit_type_does_not_exist},
    {"another requester's type", [&](create_hit_request& q) { q.hit_type_id = other_type; }, errc::hit_type_does_not_exist},
    {"max 0", [](create_hit_request& q) { q.max_assignments = 0; }, errc::invalid_parameter_value},
    {"max -1", [](create_hit_request& q) { q.max_assignments = -1; }, errc::invalid_parameter_value},
    {"max 1e9+1", [](create_hit_request& q) { q.max_assignments = 1'000'000'001; }, errc::invalid_parameter_value},
    {"lifetime 29", [](create_hit_request& q) { q.lifetime_s = 29; }, errc::invalid_parameter_value},
    {"lifetime 0", [](create_hit_request& q) { q.lifetime_s = 0; }, errc::invalid_parameter_value},
    {"lifetime 365d+1", [](create_hit_request& q) { q.lifetime_s = 31'536'001; }, errc::invalid_parameter_value},
    {"no question", [](create_hit_request& q) { q.question.clear(); }, errc::missing_parameter},
    {"question 65536", [](create_hit_request& q) { q.question = std::string(65'536, 'q'); }, errc::invalid_parameter_value},
    {"annotation 256", [](create_hit_request& q) { q.requester_annotation = std::string(256, 'a'); },
     errc::invalid_parameter_value},
    {"token 65", [](create_hit_request& q) { q.unique_request_token = std::string(65, 'u'); }, errc::invalid_parameter_value},
    {"inline: no title", [](create_hit_request& q) {
       q.hit_type_id.clear();
       q.properties = engine_harness::props();
       q.properties->title.clear();
     }, errc::missing_parameter},
    {"inline: duration 10", [](create_hit_request& q) {
       q.hit_type_id.clear();
       q.properties = engine_harness::props();
       q.properties->assignment_duration_s = 10;
     }, errc::invalid_parameter_value},
    {"reward x max over the amount limit", [](create_hit_request& q) {
       q.hit_type_id.clear();
       q.properties = engine_harness::props(cents(amount_cents_max));
       q.max_assignments = 2;
     }, errc::invalid_parameter_value},
  };
  for (const auto& c : cases) {
    auto q = engine_harness::hit_request(r, t, 2, 3'600);
    c.edit(q);
    EXPECT_EQ(h->create_hit(q).code(), c.want) << c.what;
  }
  auto q = engine_harness::hit_request("ANOBODY", t, 1, 3'600);
  EXPECT_EQ(h->create_hit(q).code(), errc::requester_does_not_exist);
  // Nothing was held or published.
  auto b = h.balance(r);
  EXPECT_EQ(b.available, cents(10'000));
  EXPECT_EQ(b.on_hold, cents(0));
  EXPECT_TRUE(must(h->list_hits(r, {})).items.empty());
  h.expect_books_balanced();
}

TEST(Engine, CreateHitAcceptsTheLimits) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto t = h.hit_type(r);
  auto q = engine_harness::hit_request(r, t, 1, 30);
  q.question = std::string(65'535, 'q');
  q.requester_annotation = std::string(255, 'a');
  q.unique_request_token = std::string(64, 'u');
  EXPECT_TRUE(h->create_hit(q).ok());
  q = engine_harness::hit_request(r, t, 1, 31'536'000);
  EXPECT_EQ(must(h->create_hit(q)).expiration, start_time + seconds(31'536'000));
  h.expect_books_balanced();
}

TEST(Engine, CreateHitWithInsufficientFundsLeavesTheBalanceUnchanged) {
  engine_harness h;
  auto r = h.requester(cents(100));
  auto t = h.hit_type(r);
  EXPECT_EQ(h->create_hit(engine_harness::hit_request(r, t, 2, 3'600)).code(), errc::insufficient_funds);   // needs $1.20
  auto b = h.balance(r);
  EXPECT_EQ(b.available, cents(100));
  EXPECT_EQ(b.on_hold, cents(0));
  EXPECT_TRUE(must(h->list_hits(r, {})).items.empty());
  // One assignment ($0.60) fits.
  auto v = must(h->create_hit(engine_harness::hit_request(r, t, 1, 3'600)));
  EXPECT_EQ(v.escrow_held, cents(60));
  b = h.balance(r);
  EXPECT_EQ(b.available, cents(40));
  EXPECT_EQ(b.on_hold, cents(60));
  h.expect_books_balanced();
}

TEST(Engine, CreateHitWithARepeatedTokenReturnsTheSameHitAndHoldsOnce) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto t = h.hit_type(r);
  auto q = engine_harness::hit_request(r, t, 2, 3'600);
  q.unique_request_token = "batch-7";
  auto first = must(h->create_hit(q));
  EXPECT_EQ(h.balance(r).on_hold, cents(120));
  h.accept(w, first.hit_id);
  auto again = must(h->create_hit(q));
  EXPECT_EQ(again.hit_id, first.hit_id);
  EXPECT_EQ(again.assignments_available, 1);   // the first HIT as it is now
  EXPECT_EQ(h.balance(r).on_hold, cents(120));
  EXPECT_EQ(must(h->list_hits(r, {})).items.size(), 1u);
  // Another token is another HIT.
  q.unique_request_token = "batch-8";
  auto second = must(h->create_hit(q));
  EXPECT_NE(second.hit_id, first.hit_id);
  EXPECT_EQ(h.balance(r).on_hold, cents(240));
  // After 24 hours the token may be used again.
  h->advance_clock(days(1) + seconds(1));
  q.unique_request_token = "batch-7";
  auto later = must(h->create_hit(q));
  EXPECT_NE(later.hit_id, first.hit_id);
  EXPECT_EQ(must(h->list_hits(r, {})).items.size(), 3u);
  h.expect_books_balanced();
}

// error.hpp: hit_already_exists is "a UniqueRequestToken reused with other input".
TEST(Engine, CreateHitTokenReusedWithOtherInputIsRefused) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto t = h.hit_type(r);
  auto q = engine_harness::hit_request(r, t, 2, 3'600);
  q.unique_request_token = "batch-9";
  auto first = must(h->create_hit(q));
  q.max_assignments = 5;
  q.question = "<HTMLQuestion>Something else</HTMLQuestion>";
  EXPECT_EQ(h->create_hit(q).code(), errc::hit_already_exists);
  EXPECT_EQ(must(h->get_hit(r, first.hit_id)).max_assignments, 2);
  EXPECT_EQ(h.balance(r).on_hold, cents(120));
  h.expect_books_balanced();
}

// ==== get_hit and listings ====================================================================

TEST(Engine, GetHitIsOnlyForItsRequester) {
  engine_harness h;
  auto r = h.requester();
  auto other = h.requester();
  auto v = h.hit(r);
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.hit_id, v.hit_id);
  EXPECT_EQ(got.requester_annotation, "batch-1");
  EXPECT_EQ(h->get_hit(other, v.hit_id).code(), errc::permission_denied);
  EXPECT_EQ(h->get_hit(r, format_id(id_kind::hit, 4'242)).code(), errc::hit_does_not_exist);
  EXPECT_EQ(h->get_hit(r, "junk").code(), errc::hit_does_not_exist);
  EXPECT_EQ(h->get_hit(r, format_id(id_kind::hit_type, 1)).code(), errc::hit_does_not_exist);
}

// An empty requester id names no requester: it must not pass the owner checks.
TEST(Engine, AnEmptyRequesterIdIsNotAllowedToActOnAHit) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r);
  auto id = h.submitted(w, v.hit_id);
  auto refused = [](errc c) { return c == errc::requester_does_not_exist || c == errc::permission_denied; };
  EXPECT_PRED1(refused, h->get_hit("", v.hit_id).code());
  EXPECT_PRED1(refused, h->approve_assignment(appr("", id, "", false)).code());
  EXPECT_PRED1(refused, h->update_expiration("", v.hit_id, h.now()).code());
  EXPECT_EQ(must(h->get_assignment(r, id)).assignment.status, assignment_status::submitted);
  EXPECT_EQ(h.audit().workers, cents(0));
}

TEST(Engine, ListHitsPagesWithNextToken) {
  engine_harness h;
  auto r = h.requester();
  auto other = h.requester();
  auto t = h.hit_type(r);
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i)
    made.push_back(h.hit_of_type(r, t).hit_id);
  std::vector<std::string> seen;
  std::string token;
  std::vector<size_t> sizes;
  for (int guard = 0; guard < 10; ++guard) {
    auto p = must(h->list_hits(r, page_of(2, token)));
    sizes.push_back(p.items.size());
    for (const auto& v : p.items)
      seen.push_back(v.hit_id);
    token = p.next_token;
    if (token.empty())
      break;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
  EXPECT_EQ(seen, made);
  auto all = must(h->list_hits(r, page_of(100)));
  EXPECT_EQ(ids_of(all.items), made);
  EXPECT_TRUE(all.next_token.empty());
  EXPECT_TRUE(must(h->list_hits(other, {})).items.empty());
}

TEST(Engine, ListHitsRefusesMaxResultsOutsideOneToHundred) {
  engine_harness h;
  auto r = h.requester();
  h.hit(r);
  EXPECT_EQ(h->list_hits(r, page_of(0)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_hits(r, page_of(101)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_hits(r, page_of(10, "not-a-token")).code(), errc::invalid_parameter_value);
  EXPECT_EQ(must(h->list_hits(r, page_of(1))).items.size(), 1u);
  EXPECT_EQ(must(h->list_hits(r, page_of(100))).items.size(), 1u);
  EXPECT_EQ(h->list_hits("ANOBODY", {}).code(), errc::requester_does_not_exist);
}

TEST(Engine, ListReviewableHitsFiltersByStatusAndType) {
  engine_harness h;
  auto r = h.requester();
  auto t1 = h.hit_type(r);
  auto t2 = h.hit_type(r, engine_harness::props(cents(20)));
  auto a = h.hit_of_type(r, t1).hit_id;
  auto b = h.hit_of_type(r, t1).hit_id;
  auto c = h.hit_of_type(r, t2).hit_id;
  auto d = h.hit_of_type(r, t1).hit_id;   // stays assignable
  for (const auto& id : {a, b, c})
    must(h->update_expiration(r, id, h.now()));
  h->drain();
  EXPECT_EQ(ids_of(must(h->list_reviewable_hits(r, "", false, {})).items), (std::vector<std::string>{a, b, c}));
  EXPECT_EQ(ids_of(must(h->list_reviewable_hits(r, t1, false, {})).items), (std::vector<std::string>{a, b}));
  EXPECT_EQ(ids_of(must(h->list_reviewable_hits(r, t2, false, {})).items), (std::vector<std::string>{c}));
  auto p1 = must(h->list_reviewable_hits(r, "", false, page_of(2)));
  EXPECT_EQ(ids_of(p1.items), (std::vector<std::string>{a, b}));
  ASSERT_FALSE(p1.next_token.empty());
  auto p2 = must(h->list_reviewable_hits(r, "", false, page_of(2, p1.next_token)));
  EXPECT_EQ(ids_of(p2.items), (std::vector<std::string>{c}));
  EXPECT_TRUE(p2.next_token.empty());
  must(h->update_hit_review_status(r, b, false));
  h->drain();
  EXPECT_EQ(ids_of(must(h->list_reviewable_hits(r, "", false, {})).items), (std::vector<std::string>{a, c}));
  EXPECT_EQ(ids_of(must(h->list_reviewable_hits(r, "", true, {})).items), (std::vector<std::string>{b}));
  EXPECT_EQ(h->list_reviewable_hits(r, "", false, page_of(0)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_reviewable_hits(r, "", false, page_of(101)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_reviewable_hits("ANOBODY", "", false, {}).code(), errc::requester_does_not_exist);
  (void)d;
}

// ==== accept ======================================================================================

TEST(Engine, AcceptCreatesAnAssignmentForTheWorker) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r, 2);
  h->advance_clock(seconds(5));
  auto a = h.accept(w, v.hit_id);
  EXPECT_EQ(a.worker_id, w);
  EXPECT_EQ(a.hit_id, v.hit_id);
  EXPECT_EQ(a.status, assignment_status::accepted);
  EXPECT_EQ(a.accept_time, start_time + seconds(5));
  EXPECT_EQ(a.deadline, start_time + seconds(5) + seconds(600));
  EXPECT_EQ(a.reward, cents(50));
  EXPECT_FALSE(a.submit_time.has_value());
  auto ref = parse_assignment_id(a.assignment_id);
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->hit, *parse_id(id_kind::hit, v.hit_id));
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.assignments_available, 1);
  EXPECT_EQ(got.assignments_pending, 1);
  EXPECT_EQ(got.status, hit_status::assignable);
  EXPECT_EQ(got.escrow_held, cents(120));
  EXPECT_EQ(h.dashboard(w).totals.accepted, 1);
  h.expect_books_balanced();
}

TEST(Engine, WorkerCannotAcceptTheSameHitTwice) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r, 3);
  auto a = h.accept(w, v.hit_id);
  EXPECT_EQ(h->accept(acc(w, v.hit_id, "")).code(), errc::assignment_already_exists);
  h.submit(w, a.assignment_id);
  EXPECT_EQ(h->accept(acc(w, v.hit_id, "")).code(), errc::assignment_already_exists);
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).assignments_available, 2);
}

TEST(Engine, AcceptingAFullHitFailsWithInvalidHitState) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto v = h.hit(r, 1);
  h.accept(w1, v.hit_id);
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).status, hit_status::unassignable);
  EXPECT_EQ(h->accept(acc(w2, v.hit_id, "")).code(), errc::invalid_hit_state);
}

TEST(Engine, AcceptingAnExpiredHitFailsWithInvalidHitState) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r, 2, 60);
  h->advance_clock(seconds(61));
  EXPECT_EQ(h->accept(acc(w, v.hit_id, "")).code(), errc::invalid_hit_state);
}

TEST(Engine, AcceptNamesAnExistingHitAndWorker) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r);
  EXPECT_EQ(h->accept(acc(w, format_id(id_kind::hit, 4'242), "")).code(), errc::hit_does_not_exist);
  EXPECT_EQ(h->accept(acc(w, "junk", "")).code(), errc::hit_does_not_exist);
  EXPECT_EQ(h->accept(acc("AWNOBODY", v.hit_id, "")).code(), errc::worker_does_not_exist);
  EXPECT_EQ(h->accept(acc(w, v.hit_id, std::string(65, 'k'))).code(), errc::invalid_parameter_value);
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).assignments_available, 1);
}

TEST(Engine, BlockedWorkerCannotAccept) {
  engine_harness h;
  auto r = h.requester();
  auto other = h.requester();
  auto w = h.worker();
  auto v = h.hit(r);
  auto v2 = h.hit(other);
  must(h->create_worker_block(r, w, "Copies answers"));
  EXPECT_EQ(h->accept(acc(w, v.hit_id, "")).code(), errc::worker_blocked);
  EXPECT_TRUE(h->accept(acc(w, v2.hit_id, "")).ok());   // only that requester's HITs
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).assignments_available, 1);
}

TEST(Engine, WorkerOutsideTheRequiredLocaleDoesNotMeetRequirements) {
  engine_harness h;
  auto r = h.requester();
  auto us = h.worker({"US", ""});
  auto de = h.worker({"DE", ""});
  auto nowhere = h.worker({"", ""});
  auto p = engine_harness::props();
  p.requirements = {locale_is("DE")};
  auto v = h.hit(r, 3, 3'600, p);
  EXPECT_EQ(h->accept(acc(us, v.hit_id, "")).code(), errc::does_not_meet_requirements);
  EXPECT_EQ(h->accept(acc(nowhere, v.hit_id, "")).code(), errc::does_not_meet_requirements);
  EXPECT_TRUE(h->accept(acc(de, v.hit_id, "")).ok());
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).assignments_available, 2);
}

TEST(Engine, NumberOfHitsApprovedRequirementAdmitsAWorkerOnceApproved) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  qualification_requirement q;
  q.qualification_type_id = std::string{system_qualification::number_hits_approved};
  q.cmp = comparator::greater_than_or_equal_to;
  q.integer_values = {1};
  auto p = engine_harness::props();
  p.requirements = {q};
  auto gated = h.hit(r, 1, 3'600, p);
  EXPECT_EQ(h->accept(acc(w, gated.hit_id, "")).code(), errc::does_not_meet_requirements);
  auto first = h.hit(r);
  h.approve(r, h.submitted(w, first.hit_id));
  h->drain();   // the approval reaches the worker's statistics
  EXPECT_TRUE(h->accept(acc(w, gated.hit_id, "")).ok());
  h.expect_books_balanced();
}

TEST(Engine, DailyAcceptLimitOnProbationIsOneHundred) {
  engine_harness h;
  auto r = h.requester(cents(20'000));
  auto newbie = h.worker();
  auto veteran = h.veteran();
  auto t = h.hit_type(r);
  std::vector<std::string> hits;
  for (int i = 0; i < 101; ++i)
    hits.push_back(h.hit_of_type(r, t, 2, 3 * 86'400).hit_id);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(h->accept(acc(newbie, hits[static_cast<size_t>(i)], "")).ok()) << i;
  EXPECT_EQ(h->accept(acc(newbie, hits[100], "")).code(), errc::exceeds_daily_limit);
  for (const auto& id : hits)
    ASSERT_TRUE(h->accept(acc(veteran, id, "")).ok());   // 3,800 a day after probation
  EXPECT_TRUE(h.dashboard(newbie).on_probation);
  EXPECT_FALSE(h.dashboard(veteran).on_probation);
  // The next day the cap starts again.
  h->advance_clock(days(1));
  EXPECT_TRUE(h->accept(acc(newbie, hits[100], "")).ok());
  h.expect_books_balanced();
}

TEST(Engine, DailyAcceptLimitCountsReturnedAssignments) {
  harness_options o;
  o.config.workers.probation_daily_accepts = 2;
  engine_harness h{o};
  auto r = h.requester();
  auto w = h.worker();
  auto a = h.hit(r);
  auto b = h.hit(r);
  auto c = h.hit(r);
  must(h->return_assignment(w, h.accept(w, a.hit_id).assignment_id));
  h.accept(w, b.hit_id);
  EXPECT_EQ(h->accept(acc(w, c.hit_id, "")).code(), errc::exceeds_daily_limit);
}

TEST(Engine, AcceptWithARepeatedIdempotencyKeyReturnsTheSameAssignment) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r, 3);
  auto a1 = must(h->accept(acc(w, v.hit_id, "key-1")));
  auto a2 = must(h->accept(acc(w, v.hit_id, "key-1")));
  EXPECT_EQ(a2.assignment_id, a1.assignment_id);
  EXPECT_EQ(a2.accept_time, a1.accept_time);
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).assignments_available, 2);
  EXPECT_EQ(h.dashboard(w).totals.accepted, 1);
  // Without the key the repeat is refused.
  EXPECT_EQ(h->accept(acc(w, v.hit_id, "key-2")).code(), errc::assignment_already_exists);
}

// ==== submit =====================================================================================

TEST(Engine, SubmitRecordsTheAnswer) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r);
  auto a = h.accept(w, v.hit_id);
  h->advance_clock(seconds(10));
  must(h->submit(sub(w, a.assignment_id, "<QuestionFormAnswers/>", "")));
  auto got = must(h->get_assignment(r, a.assignment_id));
  EXPECT_EQ(got.assignment.status, assignment_status::submitted);
  EXPECT_EQ(got.assignment.answer, "<QuestionFormAnswers/>");
  EXPECT_EQ(got.assignment.submit_time, start_time + seconds(10));
  EXPECT_EQ(got.assignment.auto_approval_time, start_time + seconds(10) + days(3));
  EXPECT_EQ(got.hit.status, hit_status::reviewable);
  EXPECT_EQ(got.hit.assignments_pending, 0);
  auto d = h.dashboard(w);
  EXPECT_EQ(d.totals.submitted, 1);
  EXPECT_EQ(d.totals.pending, 1);
}

TEST(Engine, SubmitForAnotherWorkersAssignmentFails) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto v = h.hit(r, 2);
  auto a = h.accept(w1, v.hit_id);
  EXPECT_EQ(h->submit(sub(w2, a.assignment_id, "x", "")).code(), errc::assignment_does_not_exist);
  auto ref = *parse_assignment_id(a.assignment_id);
  EXPECT_EQ(h->submit(sub(w1, format_assignment_id({ref.hit, 7}), "x", "")).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(h->submit(sub(w1, format_assignment_id({4'242, 0}), "x", "")).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(h->submit(sub(w1, "junk", "x", "")).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(h->submit(sub(w1, a.assignment_id, std::string(65'536, 'x'), "")).code(), errc::invalid_parameter_value);
  EXPECT_EQ(assignment_in(h, v.hit_id, a.assignment_id).status, assignment_status::accepted);
}

TEST(Engine, SubmitAfterTheAssignmentDeadlineFails) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r);
  auto a = h.accept(w, v.hit_id);
  h->advance_clock(seconds(601));
  EXPECT_EQ(h->submit(sub(w, a.assignment_id, "late", "")).code(), errc::invalid_assignment_state);
  EXPECT_EQ(assignment_in(h, v.hit_id, a.assignment_id).status, assignment_status::abandoned);
  h.expect_books_balanced();
}

TEST(Engine, SubmitAfterTheHitExpiredButWithinTheDurationSucceeds) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r, 2, 60);   // lives 60 s; the worker has 600 s
  auto a = h.accept(w, v.hit_id);
  h->advance_clock(seconds(120));
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.status, hit_status::unassignable);
  EXPECT_EQ(got.assignments_available, 0);
  EXPECT_EQ(got.escrow_held, cents(60));   // only the assignment in progress
  must(h->submit(sub(w, a.assignment_id, "in time", "")));
  got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.status, hit_status::reviewable);
  h.approve(r, a.assignment_id);
  EXPECT_EQ(h.dashboard(w).reward_earnings, cents(50));
  h.expect_books_balanced();
}

TEST(Engine, RepeatedSubmitWithTheSameKeySucceedsOnce) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r);
  auto a = h.accept(w, v.hit_id);
  test::event_log log;
  h->subscribe([&](const event& e) { log.add(e); });
  must(h->submit(sub(w, a.assignment_id, "first", "sub-1")));
  h->advance_clock(seconds(5));
  must(h->submit(sub(w, a.assignment_id, "second", "sub-1")));
  EXPECT_EQ(h->submit(sub(w, a.assignment_id, "third", "sub-2")).code(), errc::invalid_assignment_state);
  EXPECT_EQ(h->submit(sub(w, a.assignment_id, "fourth", "")).code(), errc::invalid_assignment_state);
  auto got = must(h->get_assignment(r, a.assignment_id));
  EXPECT_EQ(got.assignment.answer, "first");
  EXPECT_EQ(got.assignment.submit_time, start_time);
  auto events = log.events();
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const event& e) { return e.type == event_type::assignment_submitted; }), 1);
  EXPECT_EQ(h.dashboard(w).totals.submitted, 1);
}

// ==== return, abandon, expiry ===========================================================================

TEST(Engine, ReturnedSlotComesBackWhileTheHitIsUnexpired) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto v = h.hit(r, 1);
  auto a = h.accept(w1, v.hit_id);
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).status, hit_status::unassignable);
  must(h->return_assignment(w1, a.assignment_id));
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.status, hit_status::assignable);
  EXPECT_EQ(got.assignments_available, 1);
  EXPECT_EQ(got.escrow_held, cents(60));
  EXPECT_EQ(h->get_assignment(r, a.assignment_id).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(assignment_in(h, v.hit_id, a.assignment_id).status, assignment_status::returned);
  EXPECT_TRUE(h->accept(acc(w2, v.hit_id, "")).ok());
  EXPECT_EQ(h.dashboard(w1).totals.returned, 1);
  h.expect_books_balanced();
}

TEST(Engine, ReturnedSlotDoesNotComeBackAfterExpiry) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto v = h.hit(r, 1, 60);
  auto a = h.accept(w1, v.hit_id);
  h->advance_clock(seconds(120));
  EXPECT_EQ(h.balance(r).on_hold, cents(60));
  must(h->return_assignment(w1, a.assignment_id));
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.assignments_available, 0);
  EXPECT_EQ(got.status, hit_status::reviewable);
  EXPECT_EQ(h->accept(acc(w2, v.hit_id, "")).code(), errc::invalid_hit_state);
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(0));
  EXPECT_EQ(b.available, cents(10'000));
  h.expect_books_balanced();
}

TEST(Engine, ReturnOnlyOfTheWorkersOwnAssignmentInProgress) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto v = h.hit(r, 2);
  auto a = h.accept(w1, v.hit_id);
  EXPECT_EQ(h->return_assignment(w2, a.assignment_id).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(h->return_assignment(w1, "junk").code(), errc::assignment_does_not_exist);
  auto b = h.accept(w2, v.hit_id);
  h.submit(w2, b.assignment_id);
  EXPECT_EQ(h->return_assignment(w2, b.assignment_id).code(), errc::invalid_assignment_state);
  must(h->return_assignment(w1, a.assignment_id));
  EXPECT_EQ(h->return_assignment(w1, a.assignment_id).code(), errc::invalid_assignment_state);
}

TEST(Engine, AbandonmentAfterTheDurationFreesTheSlot) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto v = h.hit(r, 1);
  auto a = h.accept(w1, v.hit_id);
  h->advance_clock(seconds(599));
  EXPECT_EQ(assignment_in(h, v.hit_id, a.assignment_id).status, assignment_status::accepted);
  h->advance_clock(seconds(2));
  EXPECT_EQ(assignment_in(h, v.hit_id, a.assignment_id).status, assignment_status::abandoned);
  EXPECT_EQ(h.inspect(v.hit_id).hit.assignments_available, 1);
  EXPECT_EQ(h.dashboard(w1).totals.abandoned, 1);
  EXPECT_TRUE(h->accept(acc(w2, v.hit_id, "")).ok());
  h.expect_books_balanced();
}

// Deadlines are applied by advance_clock without any command touching the
// HIT (inspect_hit reads without applying them), for every assignment, not
// only the one whose deadline was the HIT's earliest when it was armed.
TEST(Engine, EveryAcceptedAssignmentIsAbandonedWhenItsDeadlinePasses) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto v = h.hit(r, 2);
  auto a1 = h.accept(w1, v.hit_id);   // due at +600 s
  h->advance_clock(seconds(100));
  auto a2 = h.accept(w2, v.hit_id);   // due at +700 s
  h->advance_clock(seconds(550));     // +650 s
  EXPECT_EQ(assignment_in(h, v.hit_id, a1.assignment_id).status, assignment_status::abandoned);
  EXPECT_EQ(assignment_in(h, v.hit_id, a2.assignment_id).status, assignment_status::accepted);
  h->advance_clock(seconds(100));     // +750 s
  EXPECT_EQ(assignment_in(h, v.hit_id, a2.assignment_id).status, assignment_status::abandoned);
  EXPECT_EQ(h.inspect(v.hit_id).hit.assignments_available, 2);
  EXPECT_EQ(h.dashboard(w2).totals.abandoned, 1);
}

TEST(Engine, ExpiryReleasesTheHoldOfUnacceptedSlots) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto p = engine_harness::props();
  p.assignment_duration_s = 7'200;   // outlives the HIT
  auto v = h.hit(r, 3, 3'600, p);
  auto a = h.accept(w, v.hit_id);
  EXPECT_EQ(h.balance(r).on_hold, cents(180));
  test::event_log log;
  h->subscribe([&](const event& e) { log.add(e); });
  h->advance_clock(seconds(3'601));
  auto in = h.inspect(v.hit_id);
  EXPECT_EQ(in.hit.assignments_available, 0);
  EXPECT_EQ(in.hit.status, hit_status::unassignable);
  EXPECT_EQ(in.hit.escrow_held, cents(60));
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(60));
  EXPECT_EQ(b.available, cents(9'940));
  auto types = types_of(log.events());
  EXPECT_NE(std::find(types.begin(), types.end(), event_type::hit_expired), types.end());
  // The assignment in progress is still paid when done.
  h.submit(w, a.assignment_id);
  h.approve(r, a.assignment_id);
  b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(0));
  EXPECT_EQ(b.available, cents(9'940));
  h.expect_books_balanced();
}

// ==== review: approve, reject, override, auto-approval ======================================================

TEST(Engine, ApprovePaysTheWorkerRewardAndThePlatformFee) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r);
  auto id = h.submitted(w, v.hit_id);
  h->advance_clock(seconds(30));
  must(h->approve_assignment(appr(r, id, "Well done", false)));
  auto b = h.balance(r);
  EXPECT_EQ(b.available, cents(9'940));
  EXPECT_EQ(b.on_hold, cents(0));
  auto d = h.dashboard(w);
  EXPECT_EQ(d.reward_earnings, cents(50));
  EXPECT_EQ(d.total_earnings, cents(50));
  EXPECT_EQ(d.available_balance, cents(50));
  EXPECT_EQ(d.totals.approved, 1);
  EXPECT_EQ(d.totals.pending, 0);
  auto audit = h.audit();
  EXPECT_EQ(audit.workers, cents(50));
  EXPECT_EQ(audit.platform, cents(10));
  EXPECT_EQ(audit.requesters_held, cents(0));
  EXPECT_EQ(audit.requesters_available, cents(9'940));
  EXPECT_EQ(audit.external, cents(-10'000));
  auto got = must(h->get_assignment(r, id));
  EXPECT_EQ(got.assignment.status, assignment_status::approved);
  EXPECT_EQ(got.assignment.approval_time, start_time + seconds(30));
  EXPECT_EQ(got.assignment.requester_feedback, "Well done");
  EXPECT_EQ(got.hit.assignments_completed, 1);
  h.expect_books_balanced();
}

TEST(Engine, ApproveOnAHitOfTenAssignmentsChargesTheSurcharge) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r, 10);
  EXPECT_EQ(v.escrow_held, cents(700));
  h.approve(r, h.submitted(w, v.hit_id));
  auto audit = h.audit();
  EXPECT_EQ(audit.workers, cents(50));
  EXPECT_EQ(audit.platform, cents(20));   // 40% of $0.50
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(630));
  EXPECT_EQ(b.available, cents(9'300));
  h.expect_books_balanced();
}

TEST(Engine, ApprovingTwiceFailsWithInvalidAssignmentState) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r);
  auto id = h.submitted(w, v.hit_id);
  h.approve(r, id);
  EXPECT_EQ(h->approve_assignment(appr(r, id, "", false)).code(), errc::invalid_assignment_state);
  EXPECT_EQ(h->approve_assignment(appr(r, id, "", true)).code(), errc::invalid_assignment_state);
  EXPECT_EQ(h.audit().workers, cents(50));
  h.expect_books_balanced();
}

TEST(Engine, ApproveErrors) {
  engine_harness h;
  auto r = h.requester();
  auto other = h.requester();
  auto w = h.worker();
  auto v = h.hit(r, 2);
  auto in_progress = h.accept(w, v.hit_id);
  EXPECT_EQ(h->approve_assignment(appr(r, in_progress.assignment_id, "", false)).code(), errc::assignment_does_not_exist);
  h.submit(w, in_progress.assignment_id);
  EXPECT_EQ(h->approve_assignment(appr(other, in_progress.assignment_id, "", false)).code(), errc::permission_denied);
  EXPECT_EQ(h->approve_assignment(appr(r, "junk", "", false)).code(), errc::assignment_does_not_exist);
  auto ref = *parse_assignment_id(in_progress.assignment_id);
  EXPECT_EQ(h->approve_assignment(appr(r, format_assignment_id({ref.hit, 1}), "", false)).code(),
            errc::assignment_does_not_exist);
  EXPECT_EQ(h->approve_assignment(appr(r, in_progress.assignment_id, std::string(1'025, 'f'), false)).code(),
            errc::invalid_parameter_value);
  EXPECT_EQ(assignment_in(h, v.hit_id, in_progress.assignment_id).status, assignment_status::submitted);
  EXPECT_EQ(h.audit().workers, cents(0));
}

TEST(Engine, RejectRequiresFeedback) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r);
  auto id = h.submitted(w, v.hit_id);
  EXPECT_EQ(h->reject_assignment(r, id, "").code(), errc::missing_parameter);
  EXPECT_EQ(h->reject_assignment(r, id, std::string(1'025, 'f')).code(), errc::invalid_parameter_value);
  EXPECT_EQ(assignment_in(h, v.hit_id, id).status, assignment_status::submitted);
}

TEST(Engine, RejectReleasesTheHoldAndPaysNothing) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto other = h.requester();
  auto w = h.worker();
  auto v = h.hit(r, 2);
  auto id = h.submitted(w, v.hit_id);
  EXPECT_EQ(h->reject_assignment(other, id, "no").code(), errc::permission_denied);
  h->advance_clock(seconds(20));
  must(h->reject_assignment(r, id, "The label is empty"));
  auto got = must(h->get_assignment(r, id));
  EXPECT_EQ(got.assignment.status, assignment_status::rejected);
  EXPECT_EQ(got.assignment.rejection_time, start_time + seconds(20));
  EXPECT_EQ(got.assignment.requester_feedback, "The label is empty");
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(60));   // the other slot
  EXPECT_EQ(b.available, cents(9'940));
  auto d = h.dashboard(w);
  EXPECT_EQ(d.totals.rejected, 1);
  EXPECT_EQ(d.total_earnings, cents(0));
  EXPECT_EQ(h->reject_assignment(r, id, "again").code(), errc::invalid_assignment_state);
  EXPECT_EQ(h->approve_assignment(appr(r, id, "", false)).code(), errc::invalid_assignment_state);
  auto w2 = h.worker();
  auto id2 = h.submitted(w2, v.hit_id);
  h.approve(r, id2);
  EXPECT_EQ(h->reject_assignment(r, id2, "too late").code(), errc::invalid_assignment_state);
  h.expect_books_balanced();
}

TEST(Engine, OverrideRejectionWithinThirtyDaysChargesTheAvailableBalance) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r, 1, 3'600);
  auto id = h.submitted(w, v.hit_id);
  must(h->reject_assignment(r, id, "Wrong"));
  EXPECT_EQ(h.balance(r).available, cents(10'000));
  h->advance_clock(days(29));
  must(h->approve_assignment(appr(r, id, "Sorry, it was right", true)));
  auto b = h.balance(r);
  EXPECT_EQ(b.available, cents(9'940));
  EXPECT_EQ(b.on_hold, cents(0));
  auto d = h.dashboard(w);
  EXPECT_EQ(d.totals.approved, 1);
  EXPECT_EQ(d.totals.rejected, 0);
  EXPECT_EQ(d.reward_earnings, cents(50));
  EXPECT_EQ(h.audit().platform, cents(10));
  auto got = must(h->get_assignment(r, id));
  EXPECT_EQ(got.assignment.status, assignment_status::approved);
  EXPECT_EQ(got.assignment.requester_feedback, "Sorry, it was right");
  h.expect_books_balanced();
}

TEST(Engine, OverrideRejectionWithInsufficientFundsFails) {
  engine_harness h;
  auto r = h.requester(cents(60));
  auto w = h.worker();
  auto v = h.hit(r);
  auto id = h.submitted(w, v.hit_id);
  must(h->reject_assignment(r, id, "Wrong"));
  h.hit(r);   // spends the $0.60 the rejection gave back
  EXPECT_EQ(h.balance(r).available, cents(0));
  EXPECT_EQ(h->approve_assignment(appr(r, id, "", true)).code(), errc::insufficient_funds);
  EXPECT_EQ(must(h->get_assignment(r, id)).assignment.status, assignment_status::rejected);
  EXPECT_EQ(h.dashboard(w).total_earnings, cents(0));
  auto b = h.balance(r);
  EXPECT_EQ(b.available, cents(0));
  EXPECT_EQ(b.on_hold, cents(60));
  h.expect_books_balanced();
}

TEST(Engine, OverrideRejectionAfterThirtyDaysIsRefused) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r);
  auto id = h.submitted(w, v.hit_id);
  must(h->reject_assignment(r, id, "Wrong"));
  h->advance_clock(days(31));
  EXPECT_EQ(h->approve_assignment(appr(r, id, "", true)).code(), errc::invalid_assignment_state);
  EXPECT_EQ(h.balance(r).available, cents(10'000));
  EXPECT_EQ(h.dashboard(w).total_earnings, cents(0));
  h.expect_books_balanced();
}

TEST(Engine, AutoApprovalPaysAfterTheDelay) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto p = engine_harness::props();
  p.auto_approval_delay_s = 2 * 86'400;
  auto v = h.hit(r, 1, 3 * 86'400, p);   // still live when the delay is over
  auto id = h.submitted(w, v.hit_id);
  h->advance_clock(days(2) - seconds(1));
  EXPECT_EQ(assignment_in(h, v.hit_id, id).status, assignment_status::submitted);
  EXPECT_EQ(h.dashboard(w).total_earnings, cents(0));
  h->advance_clock(seconds(1));
  auto a = assignment_in(h, v.hit_id, id);
  EXPECT_EQ(a.status, assignment_status::approved);
  EXPECT_EQ(a.approval_time, a.auto_approval_time);
  EXPECT_EQ(h.dashboard(w).reward_earnings, cents(50));
  EXPECT_EQ(h.audit().platform, cents(10));
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(0));
  EXPECT_EQ(b.available, cents(9'940));
  h.expect_books_balanced();
}

// The auto-approval is due long after the HIT's own expiry has fired.
TEST(Engine, AutoApprovalPaysAfterTheHitHasExpired) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto p = engine_harness::props();
  p.auto_approval_delay_s = 86'400;
  auto v = h.hit(r, 1, 3'600, p);
  auto id = h.submitted(w, v.hit_id);
  h->advance_clock(seconds(7'200));   // the HIT expires
  h->advance_clock(days(1));          // the delay is over
  EXPECT_EQ(assignment_in(h, v.hit_id, id).status, assignment_status::approved);
  EXPECT_EQ(h.dashboard(w).reward_earnings, cents(50));
  EXPECT_EQ(h.audit().workers, cents(50));
  h.expect_books_balanced();
}

TEST(Engine, ZeroAutoApprovalDelayApprovesOnSubmit) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto p = engine_harness::props();
  p.auto_approval_delay_s = 0;
  auto v = h.hit(r, 1, 3'600, p);
  auto id = h.submitted(w, v.hit_id);
  EXPECT_EQ(must(h->get_assignment(r, id)).assignment.status, assignment_status::approved);
  EXPECT_EQ(h.dashboard(w).reward_earnings, cents(50));
  h.expect_books_balanced();
}

// ==== update_expiration ==============================================================================

TEST(Engine, UpdateExpirationToThePastExpiresTheHitNow) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r, 3);
  h->advance_clock(seconds(10));
  test::event_log log;
  h->subscribe([&](const event& e) { log.add(e); });
  must(h->update_expiration(r, v.hit_id, h.now() - seconds(1'000)));
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.expiration, h.now());
  EXPECT_EQ(got.assignments_available, 0);
  EXPECT_EQ(got.status, hit_status::reviewable);
  EXPECT_EQ(h->accept(acc(w, v.hit_id, "")).code(), errc::invalid_hit_state);
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(0));
  EXPECT_EQ(b.available, cents(10'000));
  auto events = log.events();
  auto unavailable = std::find_if(events.begin(), events.end(),
                                  [](const event& e) { return e.type == event_type::hit_unavailable; });
  ASSERT_NE(unavailable, events.end());
  EXPECT_EQ(unavailable->reason, unavailable_reason::withdrawn);
  EXPECT_EQ(types_of(events).front(), event_type::hit_expired);
  h.expect_books_balanced();
}

TEST(Engine, ExtendingAnExpiredHitHoldsAgainAndReopensIt) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r, 3, 60);
  h->advance_clock(seconds(120));
  EXPECT_EQ(h.balance(r).on_hold, cents(0));
  must(h->update_expiration(r, v.hit_id, h.now() + seconds(3'600)));
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.status, hit_status::assignable);
  EXPECT_EQ(got.assignments_available, 3);
  EXPECT_EQ(got.expiration, h.now() + seconds(3'600));
  EXPECT_EQ(got.escrow_held, cents(180));
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(180));
  EXPECT_EQ(b.available, cents(9'820));
  EXPECT_TRUE(h->accept(acc(w, v.hit_id, "")).ok());
  h.expect_books_balanced();
}

TEST(Engine, ExtendingAnUnexpiredHitMovesItsExpiration) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r, 1, 60);
  must(h->update_expiration(r, v.hit_id, start_time + seconds(600)));
  EXPECT_EQ(h.balance(r).on_hold, cents(60));
  h->advance_clock(seconds(120));
  auto got = h.inspect(v.hit_id).hit;
  EXPECT_EQ(got.status, hit_status::assignable);
  EXPECT_EQ(got.expiration, start_time + seconds(600));
  EXPECT_TRUE(h->accept(acc(w, v.hit_id, "")).ok());
  h.expect_books_balanced();
}

TEST(Engine, ExtendingAnExpiredHitWithoutFundsFails) {
  engine_harness h;
  auto r = h.requester(cents(60));
  auto v = h.hit(r, 1, 60);
  h->advance_clock(seconds(120));
  h.hit(r);   // spends the released $0.60
  EXPECT_EQ(h.balance(r).available, cents(0));
  EXPECT_EQ(h->update_expiration(r, v.hit_id, h.now() + seconds(3'600)).code(), errc::insufficient_funds);
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.status, hit_status::reviewable);
  EXPECT_EQ(got.assignments_available, 0);
  h.expect_books_balanced();
}

TEST(Engine, UpdateExpirationErrors) {
  engine_harness h;
  auto r = h.requester();
  auto other = h.requester();
  auto v = h.hit(r);
  EXPECT_EQ(h->update_expiration(other, v.hit_id, h.now()).code(), errc::permission_denied);
  EXPECT_EQ(h->update_expiration(r, format_id(id_kind::hit, 4'242), h.now()).code(), errc::hit_does_not_exist);
  EXPECT_EQ(h.inspect(v.hit_id).hit.status, hit_status::assignable);
  must(h->update_expiration(r, v.hit_id, h.now()));
  must(h->delete_hit(r, v.hit_id));
  EXPECT_EQ(h->update_expiration(r, v.hit_id, h.now() + seconds(3'600)).code(), errc::invalid_hit_state);
}

// ==== create_additional_assignments =========================================================================

TEST(Engine, AdditionalAssignmentsHoldMoreAndATokenCountsOnce) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto v = h.hit(r, 5);
  EXPECT_EQ(h.balance(r).on_hold, cents(300));
  must(h->create_additional_assignments(r, v.hit_id, 4, "more-1"));
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.max_assignments, 9);
  EXPECT_EQ(got.assignments_available, 9);
  EXPECT_EQ(h.balance(r).on_hold, cents(540));
  must(h->create_additional_assignments(r, v.hit_id, 4, "more-1"));   // the same call again
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).max_assignments, 9);
  EXPECT_EQ(h.balance(r).on_hold, cents(540));
  h.expect_books_balanced();
}

TEST(Engine, AdditionalAssignmentsCannotGrowAHitPastTheTenAssignmentBoundary) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto small = h.hit(r, 5);
  EXPECT_EQ(h->create_additional_assignments(r, small.hit_id, 5, "").code(),
            errc::invalid_maximum_assignments_increase);
  auto nine = h.hit(r, 9);
  EXPECT_EQ(h->create_additional_assignments(r, nine.hit_id, 1, "").code(),
            errc::invalid_maximum_assignments_increase);
  EXPECT_EQ(must(h->get_hit(r, small.hit_id)).max_assignments, 5);
  EXPECT_EQ(must(h->get_hit(r, nine.hit_id)).max_assignments, 9);
  // A HIT created with ten or more may grow, at the large-HIT rate.
  auto big = h.hit(r, 10);
  EXPECT_EQ(big.escrow_held, cents(700));
  must(h->create_additional_assignments(r, big.hit_id, 5, ""));
  EXPECT_EQ(must(h->get_hit(r, big.hit_id)).escrow_held, cents(1'050));
  EXPECT_EQ(h.balance(r).on_hold, cents(300 + 540 + 1'050));
  h.expect_books_balanced();
}

TEST(Engine, AdditionalAssignmentsErrors) {
  engine_harness h;
  auto r = h.requester(cents(200));
  auto other = h.requester();
  auto v = h.hit(r, 2);   // holds 120 of 200
  EXPECT_EQ(h->create_additional_assignments(r, v.hit_id, 0, "").code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->create_additional_assignments(r, v.hit_id, -1, "").code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->create_additional_assignments(other, v.hit_id, 1, "").code(), errc::permission_denied);
  EXPECT_EQ(h->create_additional_assignments(r, format_id(id_kind::hit, 4'242), 1, "").code(), errc::hit_does_not_exist);
  EXPECT_EQ(h->create_additional_assignments(r, v.hit_id, 1, std::string(65, 't')).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->create_additional_assignments(r, v.hit_id, 2, "t").code(), errc::insufficient_funds);   // needs 120, has 80
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).max_assignments, 2);
  EXPECT_EQ(h.balance(r).available, cents(80));
  // The refused call did not use up the token.
  must(h->create_additional_assignments(r, v.hit_id, 1, "t"));
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).max_assignments, 3);
  EXPECT_EQ(h.balance(r).available, cents(20));
  h.expect_books_balanced();
}

TEST(Engine, AdditionalAssignmentsReopenAFullHit) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto v = h.hit(r, 1);
  h.accept(w1, v.hit_id);
  EXPECT_EQ(h->accept(acc(w2, v.hit_id, "")).code(), errc::invalid_hit_state);
  must(h->create_additional_assignments(r, v.hit_id, 1, ""));
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.status, hit_status::assignable);
  EXPECT_EQ(got.assignments_available, 1);
  EXPECT_TRUE(h->accept(acc(w2, v.hit_id, "")).ok());
  h.expect_books_balanced();
}

// ==== review status, retype, delete ==========================================================================

TEST(Engine, UpdateHitReviewStatusMovesBetweenReviewableAndReviewing) {
  engine_harness h;
  auto r = h.requester();
  auto other = h.requester();
  auto v = h.hit(r);
  EXPECT_EQ(h->update_hit_review_status(r, v.hit_id, false).code(), errc::invalid_hit_state);   // assignable
  EXPECT_EQ(h->update_hit_review_status(r, v.hit_id, true).code(), errc::invalid_hit_state);
  must(h->update_expiration(r, v.hit_id, h.now()));
  EXPECT_EQ(h->update_hit_review_status(r, v.hit_id, true).code(), errc::invalid_hit_state);    // not reviewing
  EXPECT_EQ(h->update_hit_review_status(other, v.hit_id, false).code(), errc::permission_denied);
  must(h->update_hit_review_status(r, v.hit_id, false));
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).status, hit_status::reviewing);
  EXPECT_EQ(h->update_hit_review_status(r, v.hit_id, false).code(), errc::invalid_hit_state);
  must(h->update_hit_review_status(r, v.hit_id, true));
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).status, hit_status::reviewable);
  EXPECT_EQ(h->update_hit_review_status(r, format_id(id_kind::hit, 4'242), true).code(), errc::hit_does_not_exist);
}

TEST(Engine, UpdateHitTypeOfHitRecostsTheOpenSlots) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto t1 = h.hit_type(r);                                    // $0.50
  auto t2 = h.hit_type(r, engine_harness::props(cents(100)));  // $1.00
  auto v = h.hit_of_type(r, t1, 2);
  EXPECT_EQ(h.balance(r).on_hold, cents(120));
  must(h->update_hit_type_of_hit(r, v.hit_id, t2));
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.hit_type_id, t2);
  EXPECT_EQ(got.reward, cents(100));
  EXPECT_EQ(got.question, v.question);
  EXPECT_EQ(got.requester_annotation, "batch-1");
  EXPECT_EQ(got.escrow_held, cents(240));   // 2 x ($1.00 + $0.20)
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(240));
  EXPECT_EQ(b.available, cents(9'760));
  // Back to the cheaper type releases the difference.
  must(h->update_hit_type_of_hit(r, v.hit_id, t1));
  EXPECT_EQ(h.balance(r).on_hold, cents(120));
  h.approve(r, h.submitted(w, v.hit_id));
  EXPECT_EQ(h.dashboard(w).reward_earnings, cents(50));
  h.expect_books_balanced();
}

TEST(Engine, AcceptedWorkKeepsItsRewardWhenTheHitTypeChanges) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto t1 = h.hit_type(r);
  auto t2 = h.hit_type(r, engine_harness::props(cents(100)));
  auto v = h.hit_of_type(r, t1, 2);
  auto a1 = h.accept(w1, v.hit_id);
  must(h->update_hit_type_of_hit(r, v.hit_id, t2));
  h.submit(w1, a1.assignment_id);
  h.approve(r, a1.assignment_id);
  auto a2 = h.accept(w2, v.hit_id);
  EXPECT_EQ(a2.reward, cents(100));
  h.submit(w2, a2.assignment_id);
  h.approve(r, a2.assignment_id);
  EXPECT_EQ(h.dashboard(w1).reward_earnings, cents(50));
  EXPECT_EQ(h.dashboard(w2).reward_earnings, cents(100));
  auto audit = h.audit();
  EXPECT_EQ(audit.workers, cents(150));
  EXPECT_EQ(audit.platform, cents(30));
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(0));
  EXPECT_EQ(b.available, cents(10'000 - 180));
  h.expect_books_balanced();
}

// A slot returned after the HIT moved to a dearer type re-opens at the new
// price: the hold must cover it, so the next worker is paid in full.
TEST(Engine, ReturnAfterARetypeToADearerTypeKeepsTheHoldSufficient) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto t1 = h.hit_type(r);
  auto t2 = h.hit_type(r, engine_harness::props(cents(100)));
  auto v = h.hit_of_type(r, t1, 1);
  auto a1 = h.accept(w1, v.hit_id);
  must(h->update_hit_type_of_hit(r, v.hit_id, t2));
  must(h->return_assignment(w1, a1.assignment_id));
  EXPECT_EQ(h.inspect(v.hit_id).hit.escrow_held, cents(120));
  EXPECT_EQ(h.balance(r).on_hold, cents(120));
  auto a2 = h.accept(w2, v.hit_id);
  h.submit(w2, a2.assignment_id);
  h.approve(r, a2.assignment_id);
  auto audit = h.audit();
  EXPECT_EQ(audit.workers, cents(100));
  EXPECT_EQ(audit.platform, cents(20));
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(0));
  EXPECT_EQ(b.available, cents(10'000 - 120));
  h.expect_books_balanced();
}

TEST(Engine, UpdateHitTypeOfHitErrors) {
  engine_harness h;
  auto r = h.requester(cents(120));
  auto other = h.requester();
  auto t1 = h.hit_type(r);
  auto expensive = h.hit_type(r, engine_harness::props(cents(500)));
  auto other_type = h.hit_type(other);
  auto v = h.hit_of_type(r, t1, 2);   // holds all 120
  auto ov = h.hit_of_type(other, other_type);
  EXPECT_EQ(h->update_hit_type_of_hit(r, v.hit_id, format_id(id_kind::hit_type, 4'242)).code(),
            errc::hit_type_does_not_exist);
  EXPECT_EQ(h->update_hit_type_of_hit(r, v.hit_id, other_type).code(), errc::hit_type_does_not_exist);
  EXPECT_EQ(h->update_hit_type_of_hit(r, ov.hit_id, t1).code(), errc::permission_denied);
  EXPECT_EQ(h->update_hit_type_of_hit(r, format_id(id_kind::hit, 4'242), t1).code(), errc::hit_does_not_exist);
  EXPECT_EQ(h->update_hit_type_of_hit(r, v.hit_id, expensive).code(), errc::insufficient_funds);
  auto got = must(h->get_hit(r, v.hit_id));
  EXPECT_EQ(got.hit_type_id, t1);
  EXPECT_EQ(got.escrow_held, cents(120));
  h.expect_books_balanced();
}

TEST(Engine, DeleteHitIsRefusedWhileAssignable) {
  engine_harness h;
  auto r = h.requester();
  auto other = h.requester();
  auto v = h.hit(r);
  EXPECT_EQ(h->delete_hit(r, v.hit_id).code(), errc::invalid_hit_state);
  EXPECT_EQ(h->delete_hit(other, v.hit_id).code(), errc::permission_denied);
  EXPECT_EQ(h->delete_hit(r, format_id(id_kind::hit, 4'242)).code(), errc::hit_does_not_exist);
  EXPECT_EQ(must(h->list_hits(r, {})).items.size(), 1u);
}

TEST(Engine, DeleteHitWaitsForWorkInProgressAndDecisions) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto keep = h.hit(r);
  auto v = h.hit(r, 3);
  auto id1 = h.submitted(w1, v.hit_id);
  auto a2 = h.accept(w2, v.hit_id);
  must(h->update_expiration(r, v.hit_id, h.now()));
  EXPECT_EQ(h->delete_hit(r, v.hit_id).code(), errc::invalid_hit_state);   // w2 is working
  h.submit(w2, a2.assignment_id);
  EXPECT_EQ(h->delete_hit(r, v.hit_id).code(), errc::invalid_hit_state);   // undecided submissions
  h.approve(r, id1);
  EXPECT_EQ(h->delete_hit(r, v.hit_id).code(), errc::invalid_hit_state);   // one still undecided
  must(h->reject_assignment(r, a2.assignment_id, "Blank"));
  must(h->delete_hit(r, v.hit_id));
  h->drain();
  EXPECT_EQ(ids_of(must(h->list_hits(r, {})).items), std::vector<std::string>{keep.hit_id});
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).status, hit_status::disposed);
  must(h->delete_hit(r, v.hit_id));   // deleting again is fine
  // A deleted HIT's rejections can no longer be overridden.
  EXPECT_EQ(h->approve_assignment(appr(r, a2.assignment_id, "", true)).code(), errc::invalid_assignment_state);
  auto b = h.balance(r);
  EXPECT_EQ(b.on_hold, cents(60));   // only `keep`
  EXPECT_EQ(b.available, cents(10'000 - 60 - 60));
  h.expect_books_balanced();
}

// ==== assignments =======================================================================================

TEST(Engine, GetAssignmentReturnsTheAssignmentAndItsHit) {
  engine_harness h;
  auto r = h.requester();
  auto other = h.requester();
  auto w = h.worker();
  auto v = h.hit(r);
  auto id = h.submitted(w, v.hit_id);
  auto got = must(h->get_assignment(r, id));
  EXPECT_EQ(got.assignment.assignment_id, id);
  EXPECT_EQ(got.assignment.worker_id, w);
  EXPECT_EQ(got.assignment.hit_id, v.hit_id);
  EXPECT_EQ(got.hit.hit_id, v.hit_id);
  EXPECT_EQ(got.hit.requester_annotation, "batch-1");
  EXPECT_EQ(h->get_assignment(other, id).code(), errc::permission_denied);
  auto ref = *parse_assignment_id(id);
  EXPECT_EQ(h->get_assignment(r, format_assignment_id({ref.hit, 3})).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(h->get_assignment(r, format_assignment_id({4'242, 0})).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(h->get_assignment(r, "junk").code(), errc::assignment_does_not_exist);
}

TEST(Engine, ListAssignmentsForHitFiltersByStatus) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto other = h.requester();
  auto v = h.hit(r, 4);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(h.submitted(h.worker(), v.hit_id));
  h.accept(h.worker(), v.hit_id);   // in progress: not listed
  h.approve(r, ids[0]);
  must(h->reject_assignment(r, ids[1], "No"));
  using S = assignment_status;
  auto list = [&](std::vector<S> s) { return ids_of(must(h->list_assignments_for_hit(r, v.hit_id, std::move(s), {})).items); };
  EXPECT_EQ(list({}), ids);
  EXPECT_EQ(list({S::approved}), std::vector<std::string>{ids[0]});
  EXPECT_EQ(list({S::rejected}), std::vector<std::string>{ids[1]});
  EXPECT_EQ(list({S::submitted}), std::vector<std::string>{ids[2]});
  EXPECT_EQ(list({S::submitted, S::rejected}), (std::vector<std::string>{ids[1], ids[2]}));
  auto p1 = must(h->list_assignments_for_hit(r, v.hit_id, {}, page_of(2)));
  EXPECT_EQ(ids_of(p1.items), (std::vector<std::string>{ids[0], ids[1]}));
  ASSERT_FALSE(p1.next_token.empty());
  auto p2 = must(h->list_assignments_for_hit(r, v.hit_id, {}, page_of(2, p1.next_token)));
  EXPECT_EQ(ids_of(p2.items), std::vector<std::string>{ids[2]});
  EXPECT_TRUE(p2.next_token.empty());
  for (auto bad : {S::accepted, S::returned, S::abandoned})
    EXPECT_EQ(h->list_assignments_for_hit(r, v.hit_id, {bad}, {}).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_assignments_for_hit(r, v.hit_id, {S::approved, S::accepted}, {}).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_assignments_for_hit(r, v.hit_id, {}, page_of(0)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_assignments_for_hit(r, v.hit_id, {}, page_of(101)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_assignments_for_hit(other, v.hit_id, {}, {}).code(), errc::permission_denied);
  EXPECT_EQ(h->list_assignments_for_hit(r, format_id(id_kind::hit, 4'242), {}, {}).code(), errc::hit_does_not_exist);
  h.expect_books_balanced();
}

// ==== bonuses ===========================================================================================

TEST(Engine, SendBonusPaysTheAmountPlusATwentyPercentFee) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r, 10);   // the large-HIT surcharge is on rewards only
  auto id = h.submitted(w, v.hit_id);
  auto before = h.balance(r).available;
  must(h->send_bonus(bonus_req(r, w, id, cents(100), "Great work", "")));
  EXPECT_EQ(h.balance(r).available, before - cents(120));
  must(h->send_bonus(bonus_req(r, w, id, cents(1), "A cent", "")));     // fee: the $0.01 minimum
  EXPECT_EQ(h.balance(r).available, before - cents(122));
  must(h->send_bonus(bonus_req(r, w, id, cents(13), "Thirteen", "")));  // fee: 2.6 -> 3 cents
  EXPECT_EQ(h.balance(r).available, before - cents(138));
  auto d = h.dashboard(w);
  EXPECT_EQ(d.bonus_earnings, cents(114));
  EXPECT_EQ(d.total_earnings, cents(114));
  EXPECT_EQ(d.available_balance, cents(114));
  auto audit = h.audit();
  EXPECT_EQ(audit.platform, cents(24));
  EXPECT_EQ(audit.workers, cents(114));
  h.expect_books_balanced();
}

TEST(Engine, SendBonusWithARepeatedTokenPaysOnce) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r);
  auto id = h.submitted(w, v.hit_id);
  must(h->send_bonus(bonus_req(r, w, id, cents(100), "Great work", "bonus-1")));
  must(h->send_bonus(bonus_req(r, w, id, cents(100), "Great work", "bonus-1")));
  EXPECT_EQ(h.balance(r).available, cents(10'000 - 60 - 120));
  EXPECT_EQ(h.dashboard(w).bonus_earnings, cents(100));
  EXPECT_EQ(must(h->list_bonus_payments(r, v.hit_id, "", {})).items.size(), 1u);
  must(h->send_bonus(bonus_req(r, w, id, cents(100), "Great work", "bonus-2")));
  EXPECT_EQ(h.dashboard(w).bonus_earnings, cents(200));
  h.expect_books_balanced();
}

TEST(Engine, SendBonusErrors) {
  engine_harness h;
  auto r = h.requester(cents(100));
  auto other = h.requester(cents(10'000));
  auto w = h.worker();
  auto stranger = h.worker();
  auto v = h.hit(r, 1);   // holds 60, 40 left
  auto in_progress = h.accept(w, v.hit_id);
  EXPECT_EQ(h->send_bonus(bonus_req(r, w, in_progress.assignment_id, cents(10), "Thanks", "")).code(),
            errc::assignment_does_not_exist);
  h.submit(w, in_progress.assignment_id);
  auto id = in_progress.assignment_id;
  EXPECT_EQ(h->send_bonus(bonus_req(r, stranger, id, cents(10), "Thanks", "")).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->send_bonus(bonus_req(r, "AWNOBODY", id, cents(10), "Thanks", "")).code(), errc::worker_does_not_exist);
  EXPECT_EQ(h->send_bonus(bonus_req(r, w, "junk", cents(10), "Thanks", "")).code(), errc::assignment_does_not_exist);
  EXPECT_EQ(h->send_bonus(bonus_req(r, w, id, cents(0), "Thanks", "")).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->send_bonus(bonus_req(r, w, id, cents(-5), "Thanks", "")).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->send_bonus(bonus_req(r, w, id, cents(10), "", "")).code(), errc::missing_parameter);
  EXPECT_EQ(h->send_bonus(bonus_req(r, w, id, cents(10), "Thanks", std::string(65, 't'))).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->send_bonus(bonus_req(other, w, id, cents(10), "Thanks", "")).code(), errc::permission_denied);
  EXPECT_EQ(h->send_bonus(bonus_req(r, w, id, cents(34), "Thanks", "")).code(), errc::insufficient_funds);   // 34 + 7 > 40
  EXPECT_EQ(h.balance(r).available, cents(40));
  EXPECT_EQ(h.dashboard(w).bonus_earnings, cents(0));
  EXPECT_TRUE(must(h->list_bonus_payments(r, v.hit_id, "", {})).items.empty());
  must(h->send_bonus(bonus_req(r, w, id, cents(33), "Thanks", "")));   // 33 + 7 = 40 exactly
  EXPECT_EQ(h.balance(r).available, cents(0));
  h.expect_books_balanced();
}

TEST(Engine, ListBonusPaymentsByHitOrByAssignment) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto other = h.requester();
  auto w1 = h.worker();
  auto w2 = h.worker();
  auto v = h.hit(r, 2);
  auto a1 = h.submitted(w1, v.hit_id);
  auto a2 = h.submitted(w2, v.hit_id);
  must(h->send_bonus(bonus_req(r, w1, a1, cents(100), "first", "")));
  h->advance_clock(seconds(5));
  must(h->send_bonus(bonus_req(r, w2, a2, cents(200), "second", "")));
  must(h->send_bonus(bonus_req(r, w1, a1, cents(50), "third", "")));
  auto by_hit = must(h->list_bonus_payments(r, v.hit_id, "", {}));
  ASSERT_EQ(by_hit.items.size(), 3u);
  EXPECT_EQ(by_hit.items[0].worker_id, w1);
  EXPECT_EQ(by_hit.items[0].amount, cents(100));
  EXPECT_EQ(by_hit.items[0].assignment_id, a1);
  EXPECT_EQ(by_hit.items[0].reason, "first");
  EXPECT_EQ(by_hit.items[0].grant_time, start_time);
  EXPECT_EQ(by_hit.items[1].grant_time, start_time + seconds(5));
  auto by_a1 = must(h->list_bonus_payments(r, "", a1, {}));
  ASSERT_EQ(by_a1.items.size(), 2u);
  EXPECT_EQ(by_a1.items[1].reason, "third");
  auto by_a2 = must(h->list_bonus_payments(r, "", a2, {}));
  ASSERT_EQ(by_a2.items.size(), 1u);
  EXPECT_EQ(by_a2.items[0].amount, cents(200));
  auto p1 = must(h->list_bonus_payments(r, v.hit_id, "", page_of(2)));
  EXPECT_EQ(p1.items.size(), 2u);
  ASSERT_FALSE(p1.next_token.empty());
  auto p2 = must(h->list_bonus_payments(r, v.hit_id, "", page_of(2, p1.next_token)));
  ASSERT_EQ(p2.items.size(), 1u);
  EXPECT_EQ(p2.items[0].reason, "third");
  EXPECT_TRUE(p2.next_token.empty());
  EXPECT_EQ(h->list_bonus_payments(r, v.hit_id, a1, {}).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_bonus_payments(r, "", "", {}).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_bonus_payments(r, v.hit_id, "", page_of(101)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->list_bonus_payments(other, v.hit_id, "", {}).code(), errc::permission_denied);
  EXPECT_EQ(h->list_bonus_payments(other, "", a1, {}).code(), errc::permission_denied);
  EXPECT_EQ(h->list_bonus_payments(r, format_id(id_kind::hit, 4'242), "", {}).code(), errc::hit_does_not_exist);
  h.expect_books_balanced();
}

// ==== worker blocks ==========================================================================================

TEST(Engine, WorkerBlocksCanBeCreatedListedAndDeleted) {
  engine_harness h;
  auto r = h.requester();
  auto w1 = h.worker({"US", ""}, std::nullopt, "AWONE");
  auto w2 = h.worker({"US", ""}, std::nullopt, "AWTWO");
  auto v = h.hit(r, 2);
  EXPECT_EQ(h->create_worker_block(r, w1, "").code(), errc::missing_parameter);
  EXPECT_EQ(h->create_worker_block(r, "not a worker", "spam").code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->create_worker_block("ANOBODY", w1, "spam").code(), errc::requester_does_not_exist);
  EXPECT_TRUE(must(h->list_worker_blocks(r, {})).items.empty());
  must(h->create_worker_block(r, w2, "Too fast"));
  must(h->create_worker_block(r, w1, "Copies answers"));
  auto all = must(h->list_worker_blocks(r, {}));
  ASSERT_EQ(all.items.size(), 2u);
  EXPECT_EQ(all.items[0].worker_id, "AWONE");
  EXPECT_EQ(all.items[0].reason, "Copies answers");
  EXPECT_EQ(all.items[1].worker_id, "AWTWO");
  EXPECT_EQ(all.items[1].reason, "Too fast");
  auto p1 = must(h->list_worker_blocks(r, page_of(1)));
  ASSERT_EQ(p1.items.size(), 1u);
  ASSERT_FALSE(p1.next_token.empty());
  auto p2 = must(h->list_worker_blocks(r, page_of(1, p1.next_token)));
  ASSERT_EQ(p2.items.size(), 1u);
  EXPECT_EQ(p2.items[0].worker_id, "AWTWO");
  EXPECT_EQ(h->list_worker_blocks(r, page_of(0)).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->accept(acc(w1, v.hit_id, "")).code(), errc::worker_blocked);
  must(h->delete_worker_block(r, w1, "Appealed"));
  EXPECT_TRUE(h->accept(acc(w1, v.hit_id, "")).ok());
  auto left = must(h->list_worker_blocks(r, {}));
  ASSERT_EQ(left.items.size(), 1u);
  EXPECT_EQ(left.items[0].worker_id, "AWTWO");
  EXPECT_EQ(h->accept(acc(w2, v.hit_id, "")).code(), errc::worker_blocked);
}

// A block is on a worker id; it holds for a worker who registers later.
TEST(Engine, ABlockCreatedBeforeTheWorkerExistsStillBlocksIt) {
  engine_harness h;
  auto r = h.requester();
  auto v = h.hit(r);
  must(h->create_worker_block(r, "AWLATER", "Known spammer"));
  EXPECT_EQ(must(h->list_worker_blocks(r, {})).items.size(), 1u);
  auto w = h.worker({"US", ""}, std::nullopt, "AWLATER");
  EXPECT_EQ(h->accept(acc(w, v.hit_id, "")).code(), errc::worker_blocked);
}

// ==== dashboard and withdrawals =================================================================================

TEST(Engine, DashboardCountsPerDayAndInTotal) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  std::vector<std::string> hits;
  for (int i = 0; i < 4; ++i)
    hits.push_back(h.hit(r, 1, 2 * 86'400).hit_id);
  // Day 0: three accepted, two submitted (one approved, one rejected), one returned.
  auto a = h.submitted(w, hits[0]);
  auto b = h.submitted(w, hits[1]);
  must(h->return_assignment(w, h.accept(w, hits[2]).assignment_id));
  h.approve(r, a);
  must(h->reject_assignment(r, b, "No"));
  // Day 1: one accepted and submitted (pending), and a bonus for day 0's work.
  h->advance_clock(days(1));
  h.submitted(w, hits[3]);
  must(h->send_bonus(bonus_req(r, w, a, cents(30), "Nice", "")));
  auto d = h.dashboard(w);
  const int64_t day0 = day_of(start_time);
  ASSERT_EQ(d.days.size(), 2u);
  const auto& today = d.days[0];
  const auto& yesterday = d.days[1];
  EXPECT_EQ(today.day, day0 + 1);
  EXPECT_EQ(today.accepted, 1);
  EXPECT_EQ(today.submitted, 1);
  EXPECT_EQ(today.pending, 1);
  EXPECT_EQ(today.approved, 0);
  EXPECT_EQ(today.reward_income, cents(0));
  EXPECT_EQ(today.bonus_income, cents(30));
  EXPECT_EQ(yesterday.day, day0);
  EXPECT_EQ(yesterday.accepted, 3);
  EXPECT_EQ(yesterday.submitted, 2);
  EXPECT_EQ(yesterday.approved, 1);
  EXPECT_EQ(yesterday.rejected, 1);
  EXPECT_EQ(yesterday.returned, 1);
  EXPECT_EQ(yesterday.pending, 0);
  EXPECT_EQ(yesterday.reward_income, cents(50));
  EXPECT_EQ(yesterday.bonus_income, cents(0));
  EXPECT_EQ(d.totals.accepted, 4);
  EXPECT_EQ(d.totals.submitted, 3);
  EXPECT_EQ(d.totals.approved, 1);
  EXPECT_EQ(d.totals.rejected, 1);
  EXPECT_EQ(d.totals.pending, 1);
  EXPECT_EQ(d.totals.returned, 1);
  EXPECT_EQ(d.totals.abandoned, 0);
  EXPECT_EQ(d.total_earnings, cents(80));
  EXPECT_EQ(d.reward_earnings, cents(50));
  EXPECT_EQ(d.bonus_earnings, cents(30));
  EXPECT_EQ(d.available_balance, cents(80));
  EXPECT_EQ(d.withdrawn, cents(0));
  EXPECT_EQ(d.returned_bp, 2'500);
  EXPECT_EQ(d.abandoned_bp, 0);
  EXPECT_EQ(d.approved_bp, 5'000);
  EXPECT_EQ(d.rejected_bp, 5'000);
  EXPECT_TRUE(d.on_probation);
  EXPECT_EQ(h->dashboard("AWNOBODY").code(), errc::worker_does_not_exist);
  h.expect_books_balanced();
}

TEST(Engine, WithdrawalIsRefusedOnProbation) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r, 1, 3'600, engine_harness::props(cents(200)));
  h.approve(r, h.submitted(w, v.hit_id));
  EXPECT_EQ(h.dashboard(w).available_balance, cents(200));
  EXPECT_EQ(h->withdraw(w, cents(150), "w-1").code(), errc::withdrawal_not_allowed);
  h->advance_clock(days(10));   // probation is over
  EXPECT_FALSE(h.dashboard(w).on_probation);
  EXPECT_EQ(must(h->withdraw(w, cents(150), "w-1")), cents(50));
  h.note_withdrawal(cents(150));
  h.expect_books_balanced();
}

TEST(Engine, WithdrawalAfterProbationWithMinimumBalanceAndKey) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.veteran();
  auto v = h.hit(r, 1, 3'600, engine_harness::props(cents(200)));
  h.approve(r, h.submitted(w, v.hit_id));
  EXPECT_EQ(h->withdraw(w, cents(99), "w-0").code(), errc::withdrawal_not_allowed);   // below $1.00
  EXPECT_EQ(h->withdraw(w, cents(0), "w-0").code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->withdraw(w, cents(201), "w-0").code(), errc::insufficient_funds);
  EXPECT_EQ(h->withdraw(w, cents(100), std::string(65, 'k')).code(), errc::invalid_parameter_value);
  EXPECT_EQ(h->withdraw("AWNOBODY", cents(100), "w-0").code(), errc::worker_does_not_exist);
  EXPECT_EQ(must(h->withdraw(w, cents(150), "w-1")), cents(50));
  h.note_withdrawal(cents(150));
  EXPECT_EQ(must(h->withdraw(w, cents(150), "w-1")), cents(50));   // a repeat: no second withdrawal
  EXPECT_EQ(h->withdraw(w, cents(100), "w-2").code(), errc::insufficient_funds);
  auto d = h.dashboard(w);
  EXPECT_EQ(d.withdrawn, cents(150));
  EXPECT_EQ(d.available_balance, cents(50));
  EXPECT_EQ(d.total_earnings, cents(200));
  auto audit = h.audit();
  EXPECT_EQ(audit.workers, cents(50));
  EXPECT_EQ(audit.external, cents(-(10'000 - 150)));
  h.expect_books_balanced();
}

// ==== events ========================================================================================

// A HIT does not copy its type's properties: the HITs of one type share
// them (inline properties equal to a type's too), and a retyped HIT takes
// its new type's.
TEST(Engine, HitsOfOneTypeShareItsPropertiesAndARetypedHitTakesTheNewTypes) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto t1 = h.hit_type(r, engine_harness::props(cents(50)));
  auto t2 = h.hit_type(r, engine_harness::props(cents(60)));
  test::event_log log;
  h->subscribe([&](const event& e) { log.add(e); });
  auto a = h.hit_of_type(r, t1);
  auto b = h.hit_of_type(r, t1);
  auto inline_request = engine_harness::hit_request(r, "");
  inline_request.properties = engine_harness::props(cents(50));
  auto c = must(h->create_hit(std::move(inline_request)));
  EXPECT_EQ(c.hit_type_id, t1);
  auto d = h.hit_of_type(r, t2);
  must(h->update_hit_type_of_hit(r, a.hit_id, t2));
  h->drain();
  // The properties each HIT's events carried, first and last.
  auto seen = [&](const std::string& hit_id, bool last) -> const hit_properties* {
    const hit_properties* p = nullptr;
    for (const auto& e : log.events())
      if (e.hit && e.hit_id() == hit_id && (last || !p))
        p = e.hit->properties.get();
    return p;
  };
  ASSERT_NE(seen(a.hit_id, false), nullptr);
  EXPECT_EQ(seen(a.hit_id, false), seen(b.hit_id, false));
  EXPECT_EQ(seen(c.hit_id, false), seen(a.hit_id, false));
  EXPECT_NE(seen(d.hit_id, false), seen(a.hit_id, false));
  EXPECT_EQ(seen(a.hit_id, true), seen(d.hit_id, false));   // retyped
  EXPECT_EQ(seen(b.hit_id, true)->reward, cents(50));
  EXPECT_EQ(seen(a.hit_id, true)->reward, cents(60));
  EXPECT_EQ(must(h->get_hit(r, a.hit_id)).reward, cents(60));
}

TEST(Engine, SubscribersSeeALifecycleInOrderWithIncreasingSeq) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto t = h.hit_type(r);
  test::event_log log;
  h->subscribe([&](const event& e) { log.add(e); });
  auto v = h.hit_of_type(r, t, 1);
  auto a = h.accept(w, v.hit_id);
  h.submit(w, a.assignment_id);
  h.approve(r, a.assignment_id);
  auto events = log.events();
  EXPECT_EQ(types_of(events), (std::vector<event_type>{
                                  event_type::hit_created, event_type::hit_available,
                                  event_type::assignment_accepted, event_type::hit_unavailable,
                                  event_type::assignment_submitted, event_type::hit_reviewable,
                                  event_type::assignment_approved}));
  ASSERT_FALSE(events.empty());
  for (size_t i = 1; i < events.size(); ++i)
    EXPECT_EQ(events[i].seq, events[i - 1].seq + 1) << i;
  EXPECT_EQ(h->last_event_seq(), events.back().seq);
  for (const auto& e : events) {
    EXPECT_EQ(e.hit_id(), v.hit_id);
    EXPECT_EQ(e.requester_id, r);
    EXPECT_EQ(e.hit_type_id(), t);
  }
  EXPECT_EQ(events[1].assignments_available, 1);
  EXPECT_EQ(events[2].assignment_id(), a.assignment_id);
  EXPECT_EQ(events[2].worker_id, w);
  EXPECT_EQ(events[3].reason, unavailable_reason::all_taken);
  EXPECT_EQ(events[6].amount, cents(50));
}

TEST(Engine, SubscribersSeeExpiryAndUnsubscribeStopsDelivery) {
  engine_harness h;
  auto r = h.requester();
  test::event_log log;
  auto id = h->subscribe([&](const event& e) { log.add(e); });
  auto v = h.hit(r, 1, 60);
  log.clear();
  h->advance_clock(seconds(61));
  auto events = log.events();
  EXPECT_EQ(types_of(events), (std::vector<event_type>{event_type::hit_expired, event_type::hit_unavailable,
                                                        event_type::hit_reviewable}));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].reason, unavailable_reason::lifetime_over);
  EXPECT_EQ(events[0].hit_id(), v.hit_id);
  h->unsubscribe(id);
  log.clear();
  auto before = h->last_event_seq();
  h.hit(r);
  EXPECT_GT(h->last_event_seq(), before);
  EXPECT_TRUE(log.events().empty());
}

// ==== the store ========================================================================================

TEST(Engine, CreateHitWritesItsRecordsToTheStore) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  EXPECT_EQ(h.store->count(record_kind::requester), 1u);
  EXPECT_EQ(h.store->count(record_kind::worker), 1u);
  EXPECT_EQ(h.store->count(record_kind::hit), 0u);
  auto v = h.hit(r, 2);
  EXPECT_EQ(h.store->count(record_kind::hit), 1u);
  EXPECT_EQ(h.store->count(record_kind::hit_type), 1u);
  EXPECT_EQ(h.store->count(record_kind::requester_hit), 1u);
  EXPECT_GE(h.store->count(record_kind::ledger_account), 3u);   // external, available, held
  auto n = *parse_id(id_kind::hit, v.hit_id);
  auto snap = h.store->get_as<hit_snapshot>(record_key{record_kind::hit}.number(n).str());
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->max_assignments, 2);
  EXPECT_EQ(snap->held, cents(120));
  EXPECT_EQ(snap->expiration, start_time + seconds(3'600));
  ASSERT_NE(snap->def, nullptr);
  EXPECT_EQ(snap->def->requester_id, r);
  auto a = h.accept(w, v.hit_id);
  EXPECT_EQ(h.store->count(record_kind::assignment), 1u);
  auto ref = *parse_assignment_id(a.assignment_id);
  auto key = record_key{record_kind::assignment}.number(ref.hit).number32(ref.ordinal).str();
  auto rec = h.store->get_as<assignment_record>(key);
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->worker_id, w);
  EXPECT_EQ(rec->status, assignment_status::accepted);
  h.submit(w, a.assignment_id, "stored answer");
  rec = h.store->get_as<assignment_record>(key);
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->status, assignment_status::submitted);
  EXPECT_EQ(rec->answer, "stored answer");
}

TEST(Engine, CommandsReportStorageFailureWhenTheStoreFails) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r, 2);
  auto a = h.accept(w, v.hit_id);
  h.store->fail_writes(true);
  EXPECT_EQ(h->create_hit_type(r, engine_harness::props(cents(77))).code(), errc::storage_failure);
  EXPECT_EQ(h->create_requester({"New", ""}).code(), errc::storage_failure);
  EXPECT_EQ(h->create_worker({}).code(), errc::storage_failure);
  EXPECT_EQ(h->deposit(r, cents(100), "").code(), errc::storage_failure);
  EXPECT_EQ(h->submit(sub(w, a.assignment_id, "x", "")).code(), errc::storage_failure);
  // Reads do not write.
  EXPECT_TRUE(h->get_hit(r, v.hit_id).ok());
  EXPECT_TRUE(h->get_account_balance(r).ok());
  h.store->fail_writes(false);
}

// storage_failure means "the command had no effect" (error.hpp).
TEST(Engine, CreateHitThatFailsToPersistReportsStorageFailureAndHoldsNothing) {
  engine_harness h;
  auto r = h.requester(cents(10'000));
  auto t = h.hit_type(r);
  h.store->fail_writes(true);
  EXPECT_EQ(h->create_hit(engine_harness::hit_request(r, t, 2, 3'600)).code(), errc::storage_failure);
  h.store->fail_writes(false);
  auto b = h.balance(r);
  EXPECT_EQ(b.available, cents(10'000));
  EXPECT_EQ(b.on_hold, cents(0));
  EXPECT_TRUE(must(h->list_hits(r, {})).items.empty());
}

TEST(Engine, DepositThatFailsToPersistCanBeRetriedWithTheSameToken) {
  engine_harness h;
  auto r = h.requester(cents(0));
  h.store->fail_writes(true);
  EXPECT_EQ(h->deposit(r, cents(500), "dep-1").code(), errc::storage_failure);
  h.store->fail_writes(false);
  EXPECT_EQ(must(h->deposit(r, cents(500), "dep-1")).available, cents(500));
}

TEST(Engine, AcceptThatFailsToPersistTakesNoSlot) {
  engine_harness h;
  auto r = h.requester();
  auto w = h.worker();
  auto v = h.hit(r, 1);
  h.store->fail_writes(true);
  EXPECT_EQ(h->accept(acc(w, v.hit_id, "")).code(), errc::storage_failure);
  h.store->fail_writes(false);
  EXPECT_EQ(must(h->get_hit(r, v.hit_id)).assignments_available, 1);
  EXPECT_TRUE(h->accept(acc(w, v.hit_id, "")).ok());
}

TEST(Engine, CreateRequesterThatFailsToPersistCanBeRetried) {
  engine_harness h;
  h.store->fail_writes(true);
  EXPECT_EQ(h->create_requester({"Acme", "AACME"}).code(), errc::storage_failure);
  h.store->fail_writes(false);
  EXPECT_EQ(must(h->create_requester({"Acme", "AACME"})), "AACME");
}

TEST(Engine, CreateHitTypeThatFailsToPersistIsPersistedOnRetry) {
  engine_harness h;
  auto r = h.requester();
  h.store->fail_writes(true);
  EXPECT_EQ(h->create_hit_type(r, engine_harness::props()).code(), errc::storage_failure);
  h.store->fail_writes(false);
  EXPECT_TRUE(h->create_hit_type(r, engine_harness::props()).ok());
  EXPECT_EQ(h.store->count(record_kind::hit_type), 1u);
}

TEST(Engine, WorksWithoutAStore) {
  harness_options o;
  o.with_store = false;
  engine_harness h{o};
  auto r = h.requester(cents(10'000));
  auto w = h.worker();
  auto v = h.hit(r);
  h.approve(r, h.submitted(w, v.hit_id));
  EXPECT_EQ(h.dashboard(w).reward_earnings, cents(50));
  h.expect_books_balanced();
}

} // namespace
} // namespace hitd
