#pragma once
// Records of every kind for the storage tests: one with every field set to a
// value other than its default, one default-constructed (empty strings and
// collections), and field-by-field comparisons (most value types have no
// operator==).

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hitd/engine.hpp"
#include "hitd/records.hpp"

namespace hitd::storage::testing {

// A directory under /tmp, removed with everything in it when destroyed.
class temp_dir {
public:
  temp_dir() {
    std::string tmpl = "/tmp/hitd-storage-test-XXXXXX";
    if (!mkdtemp(tmpl.data()))
      std::abort();
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

// ---- comparisons -----------------------------------------------------------------

inline void expect_same(uint64_t a, uint64_t b) { EXPECT_EQ(a, b); }
inline void expect_same(money a, money b) { EXPECT_EQ(a.cents, b.cents); }
inline void expect_same(const deadline_mark&, const deadline_mark&) {}

inline void expect_same(const std::optional<locale>& a, const std::optional<locale>& b) {
  ASSERT_EQ(a.has_value(), b.has_value());
  if (a) {
    EXPECT_EQ(*a, *b);
  }
}

inline void expect_same(const hit_properties& a, const hit_properties& b) { EXPECT_EQ(a, b); }

inline void expect_same(const hit_snapshot& a, const hit_snapshot& b) {
  EXPECT_EQ(a.max_assignments, b.max_assignments);
  EXPECT_EQ(a.expiration, b.expiration);
  EXPECT_EQ(a.expired, b.expired);
  EXPECT_EQ(a.withdrawn, b.withdrawn);
  EXPECT_EQ(a.reviewing, b.reviewing);
  EXPECT_EQ(a.disposed, b.disposed);
  EXPECT_EQ(a.review_status, b.review_status);
  EXPECT_EQ(a.held, b.held);
  EXPECT_EQ(a.ledger_seq, b.ledger_seq);
  EXPECT_EQ(a.pending_seq, b.pending_seq);
  EXPECT_EQ(a.pending_hold, b.pending_hold);
  EXPECT_EQ(a.disposed_at, b.disposed_at);
  EXPECT_EQ(a.add_tokens, b.add_tokens);
  EXPECT_EQ(b.def, nullptr);   // b is what was read back: the definition is its own record
}

inline void expect_same(const request_token_record& a, const request_token_record& b) {
  EXPECT_EQ(a.hit, b.hit);
  EXPECT_EQ(a.time, b.time);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
}

inline void expect_same(const deposit_token_record& a, const deposit_token_record& b) {
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.time, b.time);
}

inline void expect_same(const credential_record& a, const credential_record& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.owner_id, b.owner_id);
  EXPECT_EQ(a.secret, b.secret);
  EXPECT_EQ(a.created, b.created);
}

inline void expect_same(const hit_definition& a, const hit_definition& b) {
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.requester_id, b.requester_id);
  EXPECT_EQ(a.hit_type_id, b.hit_type_id);
  EXPECT_EQ(*a.properties, *b.properties);
  EXPECT_EQ(a.question, b.question);
  EXPECT_EQ(a.requester_annotation, b.requester_annotation);
  EXPECT_EQ(a.creation_time, b.creation_time);
}

inline void expect_same(const assignment_record& a, const assignment_record& b) {
  EXPECT_EQ(a.ordinal, b.ordinal);
  EXPECT_EQ(a.worker_id, b.worker_id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.accept_time, b.accept_time);
  EXPECT_EQ(a.deadline, b.deadline);
  EXPECT_EQ(a.submit_time, b.submit_time);
  EXPECT_EQ(a.auto_approval_time, b.auto_approval_time);
  EXPECT_EQ(a.approval_time, b.approval_time);
  EXPECT_EQ(a.rejection_time, b.rejection_time);
  EXPECT_EQ(a.end_time, b.end_time);
  EXPECT_EQ(a.reward, b.reward);
  EXPECT_EQ(a.fee, b.fee);
  EXPECT_EQ(a.answer, b.answer);
  EXPECT_EQ(a.requester_feedback, b.requester_feedback);
  EXPECT_EQ(a.submit_token, b.submit_token);
}

inline void expect_same(const bonus_record& a, const bonus_record& b) {
  EXPECT_EQ(a.ordinal, b.ordinal);
  EXPECT_EQ(a.worker_id, b.worker_id);
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.fee, b.fee);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.grant_time, b.grant_time);
  EXPECT_EQ(a.token, b.token);
}

inline void expect_same(const requester_snapshot& a, const requester_snapshot& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.ledger_seq, b.ledger_seq);
}

inline void expect_same(const requester_hit_entry& a, const requester_hit_entry& b) {
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.hit_type, b.hit_type);
}

inline void expect_same(const notification_settings& a, const notification_settings& b) {
  EXPECT_EQ(a.active, b.active);
  ASSERT_EQ(a.spec.has_value(), b.spec.has_value());
  if (a.spec) {
    EXPECT_EQ(a.spec->destination, b.spec->destination);
    EXPECT_EQ(a.spec->transport, b.spec->transport);
    EXPECT_EQ(a.spec->version, b.spec->version);
    EXPECT_EQ(a.spec->event_types, b.spec->event_types);
  }
}

inline void expect_same(const hit_type& a, const hit_type& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.requester_id, b.requester_id);
  EXPECT_EQ(a.properties, b.properties);
  EXPECT_EQ(a.creation_time, b.creation_time);
  expect_same(a.notifications, b.notifications);
}

inline void expect_same(const worker_block& a, const worker_block& b) {
  EXPECT_EQ(a.worker_id, b.worker_id);
  EXPECT_EQ(a.reason, b.reason);
}

inline void expect_same(const qualification_type_view& a, const qualification_type_view& b) {
  EXPECT_EQ(a.qualification_type_id, b.qualification_type_id);
  EXPECT_EQ(a.requester_id, b.requester_id);
  EXPECT_EQ(a.creation_time, b.creation_time);
  EXPECT_EQ(a.is_requestable, b.is_requestable);
  const auto &s = a.spec, &t = b.spec;
  EXPECT_EQ(s.name, t.name);
  EXPECT_EQ(s.description, t.description);
  EXPECT_EQ(s.keywords, t.keywords);
  EXPECT_EQ(s.status, t.status);
  EXPECT_EQ(s.retry_delay_s, t.retry_delay_s);
  EXPECT_EQ(s.test, t.test);
  EXPECT_EQ(s.answer_key, t.answer_key);
  EXPECT_EQ(s.test_duration_s, t.test_duration_s);
  EXPECT_EQ(s.auto_granted, t.auto_granted);
  EXPECT_EQ(s.auto_granted_value, t.auto_granted_value);
}

inline void expect_same(const qualification_grant& a, const qualification_grant& b) {
  EXPECT_EQ(a.qualification_type_id, b.qualification_type_id);
  EXPECT_EQ(a.integer_value, b.integer_value);
  expect_same(a.locale_value, b.locale_value);
  EXPECT_EQ(a.grant_time, b.grant_time);
  EXPECT_EQ(a.status, b.status);
}

inline void expect_same(const qualification_request_view& a, const qualification_request_view& b) {
  EXPECT_EQ(a.qualification_request_id, b.qualification_request_id);
  EXPECT_EQ(a.qualification_type_id, b.qualification_type_id);
  EXPECT_EQ(a.worker_id, b.worker_id);
  EXPECT_EQ(a.test, b.test);
  EXPECT_EQ(a.answer, b.answer);
  EXPECT_EQ(a.submit_time, b.submit_time);
}

inline void expect_same(const transfer& a, const transfer& b) {
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.seq, b.seq);
  ASSERT_EQ(a.legs.size(), b.legs.size());
  for (size_t i = 0; i < a.legs.size(); ++i) {
    EXPECT_EQ(a.legs[i].from, b.legs[i].from);
    EXPECT_EQ(a.legs[i].to, b.legs[i].to);
    EXPECT_EQ(a.legs[i].amount, b.legs[i].amount);
  }
}

inline void expect_same(const assignment_update& a, const assignment_update& b) {
  EXPECT_EQ(a.ref, b.ref);
  EXPECT_EQ(a.requester_id, b.requester_id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.accept_time, b.accept_time);
  EXPECT_EQ(a.submit_time, b.submit_time);
  EXPECT_EQ(a.time, b.time);
  EXPECT_EQ(a.reward, b.reward);
}

inline void expect_same(const outbox_entry& a, const outbox_entry& b) {
  EXPECT_EQ(a.kind, b.kind);
  expect_same(a.t, b.t);
  EXPECT_EQ(a.worker_id, b.worker_id);
  expect_same(a.update, b.update);
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.time, b.time);
}

inline void expect_same(const assignment_view& a, const assignment_view& b) {
  EXPECT_EQ(a.assignment_id, b.assignment_id);
  EXPECT_EQ(a.worker_id, b.worker_id);
  EXPECT_EQ(a.hit_id, b.hit_id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.accept_time, b.accept_time);
  EXPECT_EQ(a.deadline, b.deadline);
  EXPECT_EQ(a.submit_time, b.submit_time);
  EXPECT_EQ(a.auto_approval_time, b.auto_approval_time);
  EXPECT_EQ(a.approval_time, b.approval_time);
  EXPECT_EQ(a.rejection_time, b.rejection_time);
  EXPECT_EQ(a.answer, b.answer);
  EXPECT_EQ(a.requester_feedback, b.requester_feedback);
  EXPECT_EQ(a.reward, b.reward);
}

template <class T>
void expect_same_counts(const T& a, const T& b) {
  EXPECT_EQ(a.accepted, b.accepted);
  EXPECT_EQ(a.submitted, b.submitted);
  EXPECT_EQ(a.approved, b.approved);
  EXPECT_EQ(a.rejected, b.rejected);
  EXPECT_EQ(a.pending, b.pending);
  EXPECT_EQ(a.returned, b.returned);
  EXPECT_EQ(a.abandoned, b.abandoned);
  EXPECT_EQ(a.reward_income, b.reward_income);
  EXPECT_EQ(a.bonus_income, b.bonus_income);
}

inline void expect_same(const worker_state& a, const worker_state& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.home, b.home);
  ASSERT_EQ(a.qualifications.size(), b.qualifications.size());
  for (const auto& [k, g] : a.qualifications) {
    auto it = b.qualifications.find(k);
    ASSERT_NE(it, b.qualifications.end()) << k;
    expect_same(g, it->second);
  }
  EXPECT_EQ(a.blocked_by, b.blocked_by);
  expect_same_counts(a.totals, b.totals);
  ASSERT_EQ(a.days.size(), b.days.size());
  for (size_t i = 0; i < a.days.size(); ++i) {
    EXPECT_EQ(a.days[i].day, b.days[i].day);
    expect_same_counts(a.days[i], b.days[i]);
  }
  EXPECT_EQ(a.withdrawn, b.withdrawn);
  EXPECT_EQ(a.ledger_seq, b.ledger_seq);
  ASSERT_EQ(a.open.size(), b.open.size());
  for (const auto& [k, e] : a.open) {
    auto it = b.open.find(k);
    ASSERT_NE(it, b.open.end()) << k;
    EXPECT_EQ(e.status, it->second.status);
    EXPECT_EQ(e.since, it->second.since);
  }
  EXPECT_EQ(a.finished, b.finished);
  EXPECT_EQ(a.finished_order, b.finished_order);
  EXPECT_EQ(a.accepts_in_flight, b.accepts_in_flight);
  ASSERT_EQ(a.notifications.size(), b.notifications.size());
  for (size_t i = 0; i < a.notifications.size(); ++i) {
    EXPECT_EQ(a.notifications[i].requester_id, b.notifications[i].requester_id);
    EXPECT_EQ(a.notifications[i].subject, b.notifications[i].subject);
    EXPECT_EQ(a.notifications[i].message, b.notifications[i].message);
    EXPECT_EQ(a.notifications[i].time, b.notifications[i].time);
  }
  ASSERT_EQ(a.accept_tokens.size(), b.accept_tokens.size());
  for (const auto& [k, v] : a.accept_tokens) {
    auto it = b.accept_tokens.find(k);
    ASSERT_NE(it, b.accept_tokens.end()) << k;
    expect_same(v.first, it->second.first);
    EXPECT_EQ(v.second, it->second.second);
  }
  EXPECT_EQ(a.withdraw_tokens, b.withdraw_tokens);
  EXPECT_EQ(a.last_prune, b.last_prune);
}

// ---- samples ---------------------------------------------------------------------

inline constexpr timestamp t0 = 1'767'225'600'000;   // 2026-01-01T00:00:00Z

inline hit_properties full_properties() {
  hit_properties p;
  p.title = "Label the animals in the picture";
  p.description = "Draw a box around every animal and name it.";
  p.keywords = "image, label, animals";
  p.reward = cents(25);
  p.assignment_duration_s = 3600;
  p.auto_approval_delay_s = 86'400;
  p.requirements = {
      {"3TDQPWMDS877YXAXCWP6LHT0FJRANT", comparator::greater_than_or_equal_to, {95}, {},
       guarded_action::preview_and_accept},
      {"00000000000000000071", comparator::in, {}, {{"US", "WA"}, {"CA", ""}},
       guarded_action::discover_preview_and_accept},
      {"3XQ", comparator::not_in, {-5, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()},
       {}, guarded_action::accept},
      {"3XR", comparator::does_not_exist, {}, {}, guarded_action::accept},
  };
  return p;
}

inline hit_snapshot full_hit() {
  hit_snapshot h;
  auto def = std::make_shared<hit_definition>();
  def->number = 42;
  h.def = def;   // not encoded: read back as null
  h.max_assignments = 9;
  h.expiration = t0 + days(3);
  h.expired = h.withdrawn = h.reviewing = h.disposed = true;
  h.review_status = hit_review_status::reviewed_inappropriate;
  h.held = cents(12'345);
  h.ledger_seq = 7;
  h.pending_seq = 8;
  h.pending_hold = cents(500);
  h.disposed_at = t0 + days(4);
  h.add_tokens = {{"more-1", t0 + 5}, {"more-2", t0 - 5}};
  return h;
}

inline hit_definition full_definition() {
  hit_definition d;
  d.number = 42;
  d.requester_id = "AR0000000000001";
  d.hit_type_id = "T0000000000005";
  d.properties = std::make_shared<const hit_properties>(full_properties());
  d.question = "<QuestionForm>...</QuestionForm>";
  d.requester_annotation = "batch 17";
  d.creation_time = t0;
  return d;
}

inline assignment_record full_assignment() {
  assignment_record a;
  a.ordinal = 3;
  a.worker_id = "AW0000000000123";
  a.status = assignment_status::approved;
  a.accept_time = t0 + 1000;
  a.deadline = t0 + seconds(3600);
  a.submit_time = t0 + seconds(600);
  a.auto_approval_time = t0 + days(1);
  a.approval_time = t0 + seconds(7200);
  a.rejection_time = t0 + seconds(3000);
  a.end_time = t0 + seconds(9000);
  a.reward = cents(25);
  a.fee = cents(5);
  a.answer = "<QuestionFormAnswers><Answer>cat</Answer></QuestionFormAnswers>";
  a.requester_feedback = "Thanks";
  a.submit_token = "tok-1";
  return a;
}

inline bonus_record full_bonus() {
  bonus_record b;
  b.ordinal = 3;
  b.worker_id = "AW0000000000123";
  b.amount = cents(150);
  b.fee = cents(30);
  b.reason = "Great work";
  b.grant_time = t0 + days(2);
  b.token = "bonus-token";
  return b;
}

inline worker_state full_worker() {
  worker_state w;
  w.id = "AW0000000000123";
  w.created = t0 - days(30);
  w.home = {"US", "WA"};
  qualification_grant g1{"3TDQPWMDS877YXAXCWP6LHT0FJRANT", 97, std::nullopt, t0 - days(2), qualification_status::granted};
  qualification_grant g2{"3XQ", -4, locale{"DE", "BE"}, t0 - days(1), qualification_status::revoked};
  w.qualifications.emplace(g1.qualification_type_id, g1);
  w.qualifications.emplace(g2.qualification_type_id, g2);
  w.blocked_by = {"AR0000000000001", "AR0000000000002"};
  w.totals = {11, 10, 8, 1, 1, 2, 3, cents(200), cents(150)};
  worker_day d1;
  d1.day = day_of(t0);
  d1.accepted = 4;
  d1.submitted = 3;
  d1.approved = 2;
  d1.rejected = 1;
  d1.pending = 5;
  d1.returned = 6;
  d1.abandoned = 7;
  d1.reward_income = cents(50);
  d1.bonus_income = cents(60);
  worker_day d2 = d1;
  d2.day = day_of(t0) - 1;
  d2.accepted = 40;
  w.days = {d1, d2};
  w.withdrawn = cents(100);
  w.ledger_seq = 12;
  uint64_t k1 = (uint64_t{42} << 32) | 3, k2 = (uint64_t{43} << 32) | 0, k3 = (uint64_t{1} << 40) | 9;
  w.open.emplace(k1, worker_state::open_entry{assignment_status::submitted, t0 + 5});
  w.open.emplace(k2, worker_state::open_entry{assignment_status::rejected, t0 + 6});
  w.finished = {k3, 7, ~uint64_t{0}};
  w.finished_order = {7, k3, ~uint64_t{0}};
  w.accepts_in_flight = 2;
  w.notifications = {{"AR0000000000001", "Hello", "Please retry", t0 + 7},
                     {"AR0000000000002", "Bonus", "", t0 + 8}};
  assignment_view v;
  v.assignment_id = "S00000000000001A0000003";
  v.worker_id = w.id;
  v.hit_id = "H000000000001A";
  v.status = assignment_status::submitted;
  v.accept_time = t0 + 1;
  v.deadline = t0 + 2;
  v.submit_time = t0 + 3;
  v.auto_approval_time = t0 + 4;
  v.approval_time = t0 + 5;
  v.rejection_time = t0 + 6;
  v.answer = "a";
  v.requester_feedback = "f";
  v.reward = cents(25);
  w.accept_tokens.emplace("accept-1", std::make_pair(v, t0 + 9));
  assignment_view bare;
  bare.assignment_id = "S2";
  w.accept_tokens.emplace("accept-2", std::make_pair(bare, t0 + 10));
  w.withdraw_tokens = {{"w-1", t0 + 11}, {"w-2", t0 + 12}};
  w.last_prune = t0 + 13;
  return w;
}

inline requester_snapshot full_requester() { return {"AR0000000000001", "Acme Labs", t0 - days(100), 31}; }

inline requester_hit_entry full_requester_hit() { return {hit_status::reviewing, 5}; }

inline hit_type full_hit_type() {
  hit_type t;
  t.id = "T0000000000005";
  t.requester_id = "AR0000000000001";
  t.properties = full_properties();
  t.creation_time = t0 - days(1);
  notification_spec n;
  n.destination = "https://example.com/notify";
  n.transport = "SNS";
  n.version = "2014-08-15";
  n.event_types = {"AssignmentSubmitted", "HITReviewable"};
  t.notifications.spec = n;
  t.notifications.active = true;
  return t;
}

inline worker_block full_block() { return {"AW0000000000123", "Copies answers"}; }

inline qualification_type_view full_qualification_type() {
  qualification_type_view v;
  v.qualification_type_id = "Q0000000000009";
  v.requester_id = "AR0000000000001";
  v.creation_time = t0 - days(5);
  v.spec.name = "Animal expert";
  v.spec.description = "Knows animals";
  v.spec.keywords = "animals";
  v.spec.status = qualification_type_status::disposing;
  v.spec.retry_delay_s = 86'400;
  v.spec.test = "<QuestionForm/>";
  v.spec.answer_key = "<AnswerKey/>";
  v.spec.test_duration_s = 600;
  v.spec.auto_granted = true;
  v.spec.auto_granted_value = -7;
  v.is_requestable = false;
  return v;
}

inline qualification_grant full_grant() {
  return {"Q0000000000009", 88, locale{"US", "NY"}, t0 - days(4), qualification_status::revoked};
}

inline qualification_request_view full_request() {
  return {"K0000000000002", "Q0000000000009", "AW0000000000123", "<QuestionForm/>", "<Answers/>", t0 - days(3)};
}

inline outbox_entry full_outbox() {
  outbox_entry o;
  o.kind = outbox_entry::kind_t::worker_bonus;
  o.t.source = "H000000000001A";
  o.t.seq = 4;
  o.t.legs = {{held_account("AR0000000000001"), worker_account("AW0000000000123"), cents(25)},
              {held_account("AR0000000000001"), platform_account(), cents(5)},
              {external_account(), available_account("AR0000000000001"), cents(1000)}};
  o.worker_id = "AW0000000000123";
  o.update.ref = {42, 3};
  o.update.requester_id = "AR0000000000001";
  o.update.status = assignment_status::rejected;
  o.update.accept_time = t0 + 1;
  o.update.submit_time = t0 + 2;
  o.update.time = t0 + 3;
  o.update.reward = cents(25);
  o.amount = cents(150);
  o.time = t0 + 4;
  return o;
}

// ---- every kind ------------------------------------------------------------------

struct sample {
  record_kind kind;
  std::string key;
  record_value value;
  std::function<void(const void* written, const void* read)> same;
};

template <class T>
sample make_sample(record_kind kind, std::string key, T value) {
  return {kind, std::move(key), std::make_shared<const T>(std::move(value)), [](const void* a, const void* b) {
            expect_same(*static_cast<const T*>(a), *static_cast<const T*>(b));
          }};
}

// Every kind with every field set (hit: all but def, which is not encoded).
inline std::vector<sample> full_samples() {
  std::vector<sample> s;
  s.push_back(make_sample(record_kind::counter, counter_key("hit"), uint64_t{1'000'001}));
  s.push_back(make_sample(record_kind::hit, hit_key(42), full_hit()));
  s.push_back(make_sample(record_kind::assignment, assignment_key(42, 3), full_assignment()));
  s.push_back(make_sample(record_kind::bonus, bonus_key(42, 0), full_bonus()));
  s.push_back(make_sample(record_kind::worker, worker_key("AW0000000000123"), full_worker()));
  s.push_back(make_sample(record_kind::requester, requester_key("AR0000000000001"), full_requester()));
  s.push_back(make_sample(record_kind::requester_hit, requester_hit_key("AR0000000000001", 42), full_requester_hit()));
  s.push_back(make_sample(record_kind::hit_type, hit_type_key(5), full_hit_type()));
  s.push_back(make_sample(record_kind::worker_block, worker_block_key("AR0000000000001", "AW0000000000123"),
                          full_block()));
  s.push_back(make_sample(record_kind::qualification_type, qualification_type_key(9), full_qualification_type()));
  s.push_back(make_sample(record_kind::qualification_grant, qualification_grant_key(9, "AW0000000000123"),
                          full_grant()));
  s.push_back(make_sample(record_kind::ledger_account, ledger_account_key(held_account("AR0000000000001")),
                          cents(-123'456'789)));
  s.push_back(make_sample(record_kind::ledger_source, ledger_source_key("H000000000001A"), uint64_t{77}));
  s.push_back(make_sample(record_kind::hit_definition, hit_definition_key(42), full_definition()));
  s.push_back(make_sample(record_kind::outbox, outbox_key("H000000000001A", 4), full_outbox()));
  s.push_back(make_sample(record_kind::deadline, deadline_key(t0 + days(3), 42), deadline_mark{}));
  s.push_back(make_sample(record_kind::qualification_request, qualification_request_key(9, 2), full_request()));
  s.push_back(make_sample(record_kind::requester_hit_type, requester_hit_type_key("AR0000000000001", 5), full_hit_type()));
  s.push_back(make_sample(record_kind::request_token, request_token_key("AR0000000000001", "token-1"),
                          request_token_record{42, t0 + 9, 0xfedcba9876543210ull}));
  s.push_back(make_sample(record_kind::pending_hold, pending_hold_key(42), deadline_mark{}));
  s.push_back(make_sample(record_kind::credential,
                          credential_key(credential_record::kind_t::requester_access_key, "AKIA0000000000000001"),
                          credential_record{credential_record::kind_t::requester_access_key, "AR0000000000001",
                                            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", t0 + 11}));
  s.push_back(make_sample(record_kind::worker_grant, worker_grant_key("AW0000000000123", 9), full_grant()));
  s.push_back(make_sample(record_kind::deposit_token, deposit_token_key("AR0000000000001", "deposit-1"),
                          deposit_token_record{cents(1'000'000'000'000), t0 - days(1)}));
  s.push_back(make_sample(record_kind::worker_finished, worker_finished_key("AW0000000000123", 9'999),
                          uint64_t{(uint64_t{42} << 32) | 7}));
  s.push_back(make_sample(record_kind::qualification_retry, qualification_retry_key(9, "AW0000000000123"),
                          timestamp{t0 + days(2)}));
  return s;
}

// Every kind default-constructed: zeros, empty strings and collections.
inline std::vector<sample> empty_samples() {
  std::vector<sample> s;
  s.push_back(make_sample(record_kind::counter, counter_key(""), uint64_t{0}));
  s.push_back(make_sample(record_kind::hit, hit_key(0), hit_snapshot{}));
  s.push_back(make_sample(record_kind::assignment, assignment_key(0, 0), assignment_record{}));
  s.push_back(make_sample(record_kind::bonus, bonus_key(0, 0), bonus_record{}));
  s.push_back(make_sample(record_kind::worker, worker_key(""), worker_state{}));
  s.push_back(make_sample(record_kind::requester, requester_key(""), requester_snapshot{}));
  s.push_back(make_sample(record_kind::requester_hit, requester_hit_key("", 0), requester_hit_entry{}));
  s.push_back(make_sample(record_kind::hit_type, hit_type_key(0), hit_type{}));
  s.push_back(make_sample(record_kind::worker_block, worker_block_key("", ""), worker_block{}));
  s.push_back(make_sample(record_kind::qualification_type, qualification_type_key(0), qualification_type_view{}));
  s.push_back(make_sample(record_kind::qualification_grant, qualification_grant_key(0, ""), qualification_grant{}));
  s.push_back(make_sample(record_kind::ledger_account, ledger_account_key(external_account()), money{}));
  s.push_back(make_sample(record_kind::ledger_source, ledger_source_key(""), uint64_t{0}));
  s.push_back(make_sample(record_kind::hit_definition, hit_definition_key(0), hit_definition{}));
  s.push_back(make_sample(record_kind::outbox, outbox_key("", 0), outbox_entry{}));
  s.push_back(make_sample(record_kind::deadline, deadline_key(0, 0), deadline_mark{}));
  s.push_back(make_sample(record_kind::qualification_request, qualification_request_key(0, 0), qualification_request_view{}));
  s.push_back(make_sample(record_kind::requester_hit_type, requester_hit_type_key("", 0), hit_type{}));
  s.push_back(make_sample(record_kind::request_token, request_token_key("", ""), request_token_record{}));
  s.push_back(make_sample(record_kind::pending_hold, pending_hold_key(0), deadline_mark{}));
  s.push_back(make_sample(record_kind::credential, credential_key(credential_record::kind_t::worker_token, ""),
                          credential_record{}));
  s.push_back(make_sample(record_kind::worker_grant, worker_grant_key("", 0), qualification_grant{}));
  s.push_back(make_sample(record_kind::deposit_token, deposit_token_key("", ""), deposit_token_record{}));
  s.push_back(make_sample(record_kind::worker_finished, worker_finished_key("", 0), uint64_t{0}));
  s.push_back(make_sample(record_kind::qualification_retry, qualification_retry_key(0, ""), timestamp{0}));
  return s;
}

} // namespace hitd::storage::testing
