// A worker's record (hitd/worker_rules.hpp): the daily accept cap and
// probation, the statistics projected from the HITs' assignment updates,
// the credentials and dashboard built from them, withdrawals and pruning.

#include "hitd/worker_rules.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "hitd/ids.hpp"
#include "hitd/limits.hpp"

namespace hitd {
namespace {

constexpr timestamp t0 = 1'767'225'600'000;   // 2026-01-01T00:00:00Z, a UTC midnight
constexpr int64_t day0 = day_of(t0);
constexpr timestamp hour = seconds(3'600);
const worker_policy policy{};

static_assert(t0 % ms_per_day == 0);

worker_state new_worker(timestamp created = t0) {
  worker_state w;
  w.id = "AW0000000000001";
  w.created = created;
  return w;
}

// A worker off probation (created ten days before t0).
worker_state seasoned_worker() { return new_worker(t0 - days(policy.probation_days)); }

assignment_update update(uint64_t hit, assignment_status s, timestamp accept_time, timestamp submit_time = 0,
                         timestamp time = 0, money reward = cents(100)) {
  assignment_update u;
  u.ref = {hit, 0};
  u.requester_id = "AR0000000000001";
  u.status = s;
  u.accept_time = accept_time;
  u.submit_time = submit_time;
  u.time = time != 0 ? time : (submit_time != 0 ? submit_time : accept_time);
  u.reward = reward;
  return u;
}

const worker_day* row(const worker_state& w, int64_t day) {
  for (const auto& d : w.days)
    if (d.day == day)
      return &d;
  return nullptr;
}

void accept_n(worker_state& w, int64_t n, timestamp t, uint64_t first_hit = 1) {
  for (int64_t i = 0; i < n; ++i)
    ASSERT_TRUE(apply_update(w, update(first_hit + static_cast<uint64_t>(i), assignment_status::accepted, t)));
}

// ---- probation and the daily cap ---------------------------------------------------

TEST(WorkerRules, InProgressListsAcceptedAssignmentsOldestFirstAndBounded) {
  worker_state w;
  // Accepted out of order in time: hits 3, 1, 2; hit 4 accepted then submitted,
  // hit 5 accepted then returned.
  ASSERT_TRUE(apply_update(w, update(3, assignment_status::accepted, t0 + 30)));
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::accepted, t0 + 10)));
  ASSERT_TRUE(apply_update(w, update(2, assignment_status::accepted, t0 + 20)));
  ASSERT_TRUE(apply_update(w, update(4, assignment_status::submitted, t0 + 5, t0 + 40, t0 + 40)));
  ASSERT_TRUE(apply_update(w, update(5, assignment_status::returned, t0 + 6, 0, t0 + 41)));
  auto all = in_progress(w, 10);
  ASSERT_EQ(all.refs.size(), 3u);
  EXPECT_EQ(all.refs[0], (assignment_ref{1, 0}));
  EXPECT_EQ(all.refs[1], (assignment_ref{2, 0}));
  EXPECT_EQ(all.refs[2], (assignment_ref{3, 0}));
  EXPECT_FALSE(all.more);
  auto two = in_progress(w, 2);
  ASSERT_EQ(two.refs.size(), 2u);
  EXPECT_EQ(two.refs[1], (assignment_ref{2, 0}));
  EXPECT_TRUE(two.more);
  EXPECT_TRUE(in_progress(worker_state{}, 10).refs.empty());
}

TEST(WorkerRules, ProbationLastsTenDays) {
  auto w = new_worker();
  EXPECT_TRUE(on_probation(w, t0, policy));
  EXPECT_TRUE(on_probation(w, t0 + days(10) - 1, policy));
  EXPECT_FALSE(on_probation(w, t0 + days(10), policy));
  EXPECT_EQ(daily_cap(w, t0, policy), 100);
  EXPECT_EQ(daily_cap(w, t0 + days(10) - 1, policy), 100);
  EXPECT_EQ(daily_cap(w, t0 + days(10), policy), 3'800);
}

TEST(WorkerRules, PolicyIsConfigurable) {
  worker_policy p;
  p.probation_days = 2;
  p.probation_daily_accepts = 3;
  p.daily_accepts = 5;
  auto w = new_worker();
  EXPECT_EQ(daily_cap(w, t0 + days(2) - 1, p), 3);
  EXPECT_EQ(daily_cap(w, t0 + days(2), p), 5);
  accept_n(w, 3, t0 + hour);
  EXPECT_EQ(check_daily_cap(w, t0 + hour, p).code(), errc::exceeds_daily_limit);
}

TEST(WorkerRules, ProbationCapIs100AcceptsADay) {
  auto w = new_worker();
  accept_n(w, 99, t0 + hour);
  EXPECT_EQ(accepted_today(w, t0 + hour), 99);
  EXPECT_TRUE(check_daily_cap(w, t0 + hour, policy).ok());
  accept_n(w, 1, t0 + hour, 1'000);
  EXPECT_EQ(accepted_today(w, t0 + hour), 100);
  auto r = check_daily_cap(w, t0 + 2 * hour, policy);
  EXPECT_EQ(r.code(), errc::exceeds_daily_limit);
}

TEST(WorkerRules, DailyCapCountsAcceptsInFlight) {
  auto w = new_worker();
  accept_n(w, 98, t0 + hour);
  w.accepts_in_flight = 1;
  EXPECT_TRUE(check_daily_cap(w, t0 + hour, policy).ok());
  w.accepts_in_flight = 2;
  EXPECT_EQ(check_daily_cap(w, t0 + hour, policy).code(), errc::exceeds_daily_limit);
}

TEST(WorkerRules, DailyCapCountsReturnedAndAbandonedAccepts) {
  auto w = new_worker();
  accept_n(w, 100, t0 + hour);
  for (uint64_t hit = 1; hit <= 50; ++hit)
    ASSERT_TRUE(apply_update(w, update(hit, assignment_status::returned, t0 + hour, 0, t0 + 2 * hour)));
  for (uint64_t hit = 51; hit <= 100; ++hit)
    ASSERT_TRUE(apply_update(w, update(hit, assignment_status::abandoned, t0 + hour, 0, t0 + 2 * hour)));
  EXPECT_EQ(accepted_today(w, t0 + 3 * hour), 100);
  EXPECT_EQ(check_daily_cap(w, t0 + 3 * hour, policy).code(), errc::exceeds_daily_limit);
}

TEST(WorkerRules, DailyCapResetsOnTheNextUtcDay) {
  auto w = new_worker();
  timestamp late = t0 + days(1) - 1;   // 23:59:59.999 UTC
  accept_n(w, 100, late);
  EXPECT_EQ(check_daily_cap(w, late, policy).code(), errc::exceeds_daily_limit);
  EXPECT_EQ(accepted_today(w, t0 + days(1)), 0);
  EXPECT_TRUE(check_daily_cap(w, t0 + days(1), policy).ok());
  // Accepts are counted on the day they were made, not the day they arrive.
  auto w2 = new_worker();
  accept_n(w2, 100, t0 + hour);
  EXPECT_EQ(accepted_today(w2, t0 + days(1) + hour), 0);
}

TEST(WorkerRules, CapIs3800AfterProbation) {
  auto w = seasoned_worker();
  ASSERT_FALSE(on_probation(w, t0, policy));
  accept_n(w, 3'799, t0 + hour);
  EXPECT_TRUE(check_daily_cap(w, t0 + hour, policy).ok());
  w.accepts_in_flight = 1;
  EXPECT_EQ(check_daily_cap(w, t0 + hour, policy).code(), errc::exceeds_daily_limit);
  w.accepts_in_flight = 0;
  accept_n(w, 1, t0 + hour, 100'000);
  EXPECT_EQ(check_daily_cap(w, t0 + hour, policy).code(), errc::exceeds_daily_limit);
  EXPECT_TRUE(check_daily_cap(w, t0 + days(1), policy).ok());
}

// ---- statistics: apply_update --------------------------------------------------------

TEST(WorkerRules, AcceptedIsCountedOnceOnTheAcceptDay) {
  auto w = new_worker();
  EXPECT_TRUE(apply_update(w, update(7, assignment_status::accepted, t0 + hour)));
  EXPECT_FALSE(apply_update(w, update(7, assignment_status::accepted, t0 + hour)));
  EXPECT_EQ(w.totals.accepted, 1);
  ASSERT_NE(row(w, day0), nullptr);
  EXPECT_EQ(row(w, day0)->accepted, 1);
  EXPECT_EQ(w.open.size(), 1u);
  // The same HIT's other ordinal is another assignment.
  auto other = update(7, assignment_status::accepted, t0 + hour);
  other.ref.ordinal = 1;
  EXPECT_TRUE(apply_update(w, other));
  EXPECT_EQ(w.totals.accepted, 2);
}

TEST(WorkerRules, ARepeatedUpdateChangesNothing) {
  auto w = new_worker();
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::accepted, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::submitted, t0 + hour, t0 + 2 * hour)));
  auto before_totals = w.totals;
  auto before_row = *row(w, day0);
  EXPECT_FALSE(apply_update(w, update(1, assignment_status::submitted, t0 + hour, t0 + 2 * hour)));
  EXPECT_EQ(w.totals.submitted, before_totals.submitted);
  EXPECT_EQ(w.totals.pending, before_totals.pending);
  EXPECT_EQ(row(w, day0)->submitted, before_row.submitted);
  EXPECT_EQ(row(w, day0)->pending, before_row.pending);
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::rejected, t0 + hour, t0 + 2 * hour, t0 + 3 * hour)));
  EXPECT_FALSE(apply_update(w, update(1, assignment_status::rejected, t0 + hour, t0 + 2 * hour, t0 + 3 * hour)));
  EXPECT_EQ(w.totals.rejected, 1);
  EXPECT_EQ(w.totals.pending, 0);
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::approved, t0 + hour, t0 + 2 * hour, t0 + 4 * hour)));
  EXPECT_FALSE(apply_update(w, update(1, assignment_status::approved, t0 + hour, t0 + 2 * hour, t0 + 4 * hour)));
  EXPECT_EQ(w.totals.approved, 1);
  EXPECT_EQ(w.totals.reward_income.cents, 100);
  EXPECT_TRUE(w.open.empty());
}

// Updates can arrive out of order (a note replayed after a failed write
// overtakes a later one): a status implies the accept and the submission it
// needs, each counted once, and the late updates change nothing.
TEST(WorkerRules, AnOutOfOrderUpdateImpliesTheStepsBeforeIt) {
  auto w = new_worker();
  // Approved before anything else: accepted, submitted and approved, once.
  EXPECT_TRUE(apply_update(w, update(1, assignment_status::approved, t0, t0 + hour, t0 + 2 * hour)));
  EXPECT_FALSE(apply_update(w, update(1, assignment_status::accepted, t0)));
  EXPECT_FALSE(apply_update(w, update(1, assignment_status::submitted, t0, t0 + hour)));
  EXPECT_EQ(w.totals.accepted, 1);
  EXPECT_EQ(w.totals.submitted, 1);
  EXPECT_EQ(w.totals.approved, 1);
  EXPECT_EQ(w.totals.pending, 0);
  EXPECT_EQ(w.totals.reward_income.cents, 100);
  EXPECT_EQ(row(w, day0)->accepted, 1);
  EXPECT_EQ(row(w, day0)->pending, 0);

  // Rejected straight from accepted: the submission is implied.
  ASSERT_TRUE(apply_update(w, update(2, assignment_status::accepted, t0)));
  EXPECT_TRUE(apply_update(w, update(2, assignment_status::rejected, t0, t0 + hour, t0 + 2 * hour)));
  EXPECT_FALSE(apply_update(w, update(2, assignment_status::submitted, t0, t0 + hour)));
  EXPECT_EQ(w.totals.submitted, 2);
  EXPECT_EQ(w.totals.rejected, 1);
  EXPECT_EQ(w.totals.pending, 0);
  // An older status after a newer one changes nothing.
  EXPECT_FALSE(apply_update(w, update(2, assignment_status::accepted, t0)));
  EXPECT_FALSE(apply_update(w, update(2, assignment_status::returned, t0, 0, t0 + hour)));
  // The rejection overridden later still counts.
  EXPECT_TRUE(apply_update(w, update(2, assignment_status::approved, t0, t0 + hour, t0 + 3 * hour)));
  EXPECT_EQ(w.totals.rejected, 0);
  EXPECT_EQ(w.totals.approved, 2);

  // Returned before its accept: the accept is implied.
  EXPECT_TRUE(apply_update(w, update(3, assignment_status::returned, t0, 0, t0 + hour)));
  EXPECT_FALSE(apply_update(w, update(3, assignment_status::accepted, t0)));
  EXPECT_EQ(w.totals.accepted, 3);
  EXPECT_EQ(w.totals.returned, 1);
  EXPECT_TRUE(w.open.empty());
}

// The accepted update of an assignment that has reached a final status
// (approved, returned, abandoned) is a replay too: the assignment has left
// `open`, but it must not be counted as a second accept.
TEST(WorkerRules, AReplayedAcceptAfterTheFinalStatusChangesNothing) {
  using s = assignment_status;
  for (auto final_status : {s::approved, s::returned, s::abandoned}) {
    SCOPED_TRACE(static_cast<int>(final_status));
    auto w = new_worker();
    ASSERT_TRUE(apply_update(w, update(1, s::accepted, t0 + hour)));
    if (final_status == s::approved) {
      ASSERT_TRUE(apply_update(w, update(1, s::submitted, t0 + hour, t0 + 2 * hour)));
      ASSERT_TRUE(apply_update(w, update(1, s::approved, t0 + hour, t0 + 2 * hour)));
    } else {
      ASSERT_TRUE(apply_update(w, update(1, final_status, t0 + hour, 0, t0 + 2 * hour)));
    }
    EXPECT_FALSE(apply_update(w, update(1, s::accepted, t0 + hour)))
        << "BUG: apply_update counts an accepted update again once the assignment has left `open`";
    EXPECT_EQ(w.totals.accepted, 1);
    EXPECT_EQ(accepted_today(w, t0 + 3 * hour), 1);
    EXPECT_TRUE(w.open.empty());
  }
}

TEST(WorkerRules, ApprovalAddsIncomeToTheSubmitDayRow) {
  auto w = new_worker();
  timestamp accepted = t0 + days(1) - hour;             // day0
  timestamp submitted = t0 + days(1) + hour;            // day0 + 1
  timestamp approved = t0 + days(3);                    // day0 + 3
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::accepted, accepted)));
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::submitted, accepted, submitted)));
  ASSERT_NE(row(w, day0 + 1), nullptr);
  EXPECT_EQ(row(w, day0 + 1)->submitted, 1);
  EXPECT_EQ(row(w, day0 + 1)->pending, 1);
  EXPECT_EQ(w.totals.pending, 1);
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::approved, accepted, submitted, approved, cents(250))));
  EXPECT_EQ(row(w, day0)->accepted, 1);
  EXPECT_EQ(row(w, day0)->submitted, 0);
  const auto* d = row(w, day0 + 1);
  EXPECT_EQ(d->accepted, 0);
  EXPECT_EQ(d->approved, 1);
  EXPECT_EQ(d->pending, 0);
  EXPECT_EQ(d->reward_income.cents, 250);
  EXPECT_EQ(row(w, day0 + 3), nullptr);
  EXPECT_EQ(w.totals.approved, 1);
  EXPECT_EQ(w.totals.pending, 0);
  EXPECT_EQ(w.totals.reward_income.cents, 250);
  // Newest first.
  ASSERT_EQ(w.days.size(), 2u);
  EXPECT_EQ(w.days[0].day, day0 + 1);
  EXPECT_EQ(w.days[1].day, day0);
}

TEST(WorkerRules, RejectionThenOverrideMovesRejectedToApproved) {
  auto w = new_worker();
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::accepted, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::submitted, t0 + hour, t0 + 2 * hour)));
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::rejected, t0 + hour, t0 + 2 * hour, t0 + days(2))));
  EXPECT_EQ(w.totals.rejected, 1);
  EXPECT_EQ(w.totals.pending, 0);
  EXPECT_EQ(row(w, day0)->rejected, 1);
  EXPECT_EQ(row(w, day0)->pending, 0);
  EXPECT_EQ(w.totals.reward_income.cents, 0);
  EXPECT_EQ(w.open.size(), 1u);   // a rejection can still be overridden
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::approved, t0 + hour, t0 + 2 * hour, t0 + days(5))));
  EXPECT_EQ(w.totals.rejected, 0);
  EXPECT_EQ(w.totals.approved, 1);
  EXPECT_EQ(w.totals.pending, 0);
  EXPECT_EQ(w.totals.reward_income.cents, 100);
  EXPECT_EQ(row(w, day0)->rejected, 0);
  EXPECT_EQ(row(w, day0)->approved, 1);
  EXPECT_EQ(row(w, day0)->reward_income.cents, 100);
  EXPECT_EQ(row(w, day0 + 5), nullptr);
  EXPECT_TRUE(w.open.empty());
}

TEST(WorkerRules, ReturnedAndAbandonedAreCountedOnTheirDayAndCloseTheAssignment) {
  auto w = new_worker();
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::accepted, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(2, assignment_status::accepted, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::returned, t0 + hour, 0, t0 + days(1) + hour)));
  ASSERT_TRUE(apply_update(w, update(2, assignment_status::abandoned, t0 + hour, 0, t0 + days(2) + hour)));
  EXPECT_EQ(w.totals.accepted, 2);
  EXPECT_EQ(w.totals.returned, 1);
  EXPECT_EQ(w.totals.abandoned, 1);
  EXPECT_EQ(row(w, day0)->accepted, 2);
  EXPECT_EQ(row(w, day0)->returned, 0);
  EXPECT_EQ(row(w, day0 + 1)->returned, 1);
  EXPECT_EQ(row(w, day0 + 2)->abandoned, 1);
  EXPECT_TRUE(w.open.empty());
  EXPECT_FALSE(apply_update(w, update(1, assignment_status::returned, t0 + hour, 0, t0 + days(1) + hour)));
  EXPECT_FALSE(apply_update(w, update(2, assignment_status::submitted, t0 + hour, t0 + days(2))));
  EXPECT_EQ(w.totals.returned, 1);
  EXPECT_EQ(w.totals.submitted, 0);
}

TEST(WorkerRules, RecordBonusAddsToTotalsAndTheGrantDay) {
  auto w = new_worker();
  record_bonus(w, cents(75), t0 + hour);
  record_bonus(w, cents(25), t0 + days(1));
  EXPECT_EQ(w.totals.bonus_income.cents, 100);
  EXPECT_EQ(row(w, day0)->bonus_income.cents, 75);
  EXPECT_EQ(row(w, day0 + 1)->bonus_income.cents, 25);
  EXPECT_EQ(w.totals.reward_income.cents, 0);
  EXPECT_EQ(earnings_of(w).cents, 100);
  EXPECT_EQ(balance_of(w).cents, 100);
}

TEST(WorkerRules, DailyRowsAreBoundedTo90Days) {
  auto w = new_worker();
  for (int64_t d = 0; d < 100; ++d)
    ASSERT_TRUE(apply_update(w, update(static_cast<uint64_t>(d + 1), assignment_status::accepted, t0 + days(d))));
  ASSERT_EQ(w.days.size(), limits::worker_daily_stats_days_max);
  EXPECT_EQ(w.days.front().day, day0 + 99);
  EXPECT_EQ(w.days.back().day, day0 + 10);
  for (size_t i = 1; i < w.days.size(); ++i)
    EXPECT_GT(w.days[i - 1].day, w.days[i].day);
  EXPECT_EQ(w.totals.accepted, 100);
  // News about a day older than the rows kept counts in the totals only.
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::submitted, t0, t0 + hour)));
  EXPECT_EQ(w.totals.submitted, 1);
  EXPECT_EQ(w.days.size(), limits::worker_daily_stats_days_max);
  EXPECT_EQ(row(w, day0), nullptr);
  // A new day pushes the oldest row out.
  ASSERT_TRUE(apply_update(w, update(1'000, assignment_status::accepted, t0 + days(100))));
  EXPECT_EQ(w.days.size(), limits::worker_daily_stats_days_max);
  EXPECT_EQ(w.days.front().day, day0 + 100);
  EXPECT_EQ(w.days.back().day, day0 + 11);
  // A day inside the kept range but missing (a gap) gets a row in place.
  auto gap = new_worker();
  for (int64_t d = 0; d < 180; d += 2)
    ASSERT_TRUE(apply_update(gap, update(static_cast<uint64_t>(d + 1), assignment_status::accepted, t0 + days(d))));
  ASSERT_EQ(gap.days.size(), 90u);
  ASSERT_TRUE(apply_update(gap, update(5'000, assignment_status::accepted, t0 + days(101))));
  EXPECT_EQ(gap.days.size(), 90u);
  ASSERT_NE(row(gap, day0 + 101), nullptr);
  EXPECT_EQ(row(gap, day0 + 101)->accepted, 1);
  EXPECT_EQ(row(gap, day0), nullptr);   // the oldest row went
  for (size_t i = 1; i < gap.days.size(); ++i)
    EXPECT_GT(gap.days[i - 1].day, gap.days[i].day);
}

// ---- credentials ---------------------------------------------------------------------

int32_t int_value(const worker_credentials& c, std::string_view id) {
  const auto* v = c.find(id);
  EXPECT_NE(v, nullptr) << id;
  if (v == nullptr || !v->integer)
    return -1;
  return *v->integer;
}

TEST(WorkerRules, CredentialsWithNoHistory) {
  auto w = new_worker();
  auto c = credentials_of(w);
  namespace sq = system_qualification;
  EXPECT_EQ(c.worker_id, w.id);
  EXPECT_EQ(int_value(c, sq::percent_assignments_approved), 100);
  EXPECT_EQ(int_value(c, sq::percent_assignments_rejected), 0);
  EXPECT_EQ(int_value(c, sq::percent_assignments_submitted), 100);
  EXPECT_EQ(int_value(c, sq::percent_assignments_returned), 0);
  EXPECT_EQ(int_value(c, sq::percent_assignments_abandoned), 0);
  EXPECT_EQ(int_value(c, sq::number_hits_approved), 0);
  EXPECT_EQ(c.find(sq::locale), nullptr);   // no locale known
  EXPECT_TRUE(c.blocked_by.empty());
}

TEST(WorkerRules, CredentialsAreComputedFromTheRecord) {
  auto w = new_worker();
  w.home = {"US", "WA"};
  w.blocked_by = {"AR0000000000009"};
  for (uint64_t hit = 1; hit <= 8; ++hit)
    ASSERT_TRUE(apply_update(w, update(hit, assignment_status::accepted, t0)));
  for (uint64_t hit = 1; hit <= 6; ++hit)
    ASSERT_TRUE(apply_update(w, update(hit, assignment_status::submitted, t0, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(7, assignment_status::returned, t0, 0, t0 + hour)));
  for (uint64_t hit = 1; hit <= 4; ++hit)
    ASSERT_TRUE(apply_update(w, update(hit, assignment_status::approved, t0, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(5, assignment_status::rejected, t0, t0 + hour)));
  // 8 accepted, 6 submitted, 1 returned, 4 approved, 1 rejected, 1 pending.
  auto c = credentials_of(w);
  namespace sq = system_qualification;
  EXPECT_EQ(int_value(c, sq::percent_assignments_approved), 80);
  EXPECT_EQ(int_value(c, sq::percent_assignments_rejected), 20);
  EXPECT_EQ(int_value(c, sq::percent_assignments_submitted), 75);
  EXPECT_EQ(int_value(c, sq::percent_assignments_returned), 12);   // 12.5 truncated
  EXPECT_EQ(int_value(c, sq::percent_assignments_abandoned), 0);
  EXPECT_EQ(int_value(c, sq::number_hits_approved), 4);
  const auto* loc = c.find(sq::locale);
  ASSERT_NE(loc, nullptr);
  ASSERT_TRUE(loc->locale_value.has_value());
  EXPECT_EQ(*loc->locale_value, (locale{"US", "WA"}));
  EXPECT_FALSE(loc->integer.has_value());
  EXPECT_EQ(c.blocked_by.count("AR0000000000009"), 1u);
}

TEST(WorkerRules, CredentialsCarryGrantedCustomQualificationsOnly) {
  auto w = new_worker();
  qualification_grant score;
  score.qualification_type_id = "Q0000000000001";
  score.integer_value = 87;
  w.qualifications[score.qualification_type_id] = score;
  qualification_grant where;
  where.qualification_type_id = "Q0000000000002";
  where.locale_value = locale{"DE", ""};
  w.qualifications[where.qualification_type_id] = where;
  qualification_grant gone;
  gone.qualification_type_id = "Q0000000000003";
  gone.status = qualification_status::revoked;
  w.qualifications[gone.qualification_type_id] = gone;
  auto c = credentials_of(w);
  EXPECT_EQ(int_value(c, "Q0000000000001"), 87);
  const auto* l = c.find("Q0000000000002");
  ASSERT_NE(l, nullptr);
  EXPECT_FALSE(l->integer.has_value());
  ASSERT_TRUE(l->locale_value.has_value());
  EXPECT_EQ(l->locale_value->country, "DE");
  EXPECT_EQ(c.find("Q0000000000003"), nullptr);
}

// ---- dashboard, earnings, withdrawals ---------------------------------------------------

TEST(WorkerRules, DashboardReportsTotalsAndBasisPoints) {
  auto w = new_worker();
  for (uint64_t hit = 1; hit <= 3; ++hit)
    ASSERT_TRUE(apply_update(w, update(hit, assignment_status::accepted, t0)));
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::submitted, t0, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(2, assignment_status::submitted, t0, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(3, assignment_status::abandoned, t0, 0, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(1, assignment_status::approved, t0, t0 + hour, t0 + 2 * hour, cents(150))));
  ASSERT_TRUE(apply_update(w, update(2, assignment_status::rejected, t0, t0 + hour)));
  ASSERT_TRUE(apply_update(w, update(4, assignment_status::accepted, t0 + days(1))));
  ASSERT_TRUE(apply_update(w, update(4, assignment_status::submitted, t0 + days(1), t0 + days(1) + hour)));
  ASSERT_TRUE(apply_update(w, update(4, assignment_status::approved, t0 + days(1), t0 + days(1) + hour, 0, cents(50))));
  record_bonus(w, cents(30), t0 + days(1));
  w.withdrawn = cents(20);
  // 4 accepted, 1 abandoned, 2 approved, 1 rejected.
  auto d = dashboard_of(w, t0 + days(1), policy);
  EXPECT_EQ(d.worker_id, w.id);
  EXPECT_EQ(d.reward_earnings.cents, 200);
  EXPECT_EQ(d.bonus_earnings.cents, 30);
  EXPECT_EQ(d.total_earnings.cents, 230);
  EXPECT_EQ(d.withdrawn.cents, 20);
  EXPECT_EQ(d.available_balance.cents, 210);
  EXPECT_EQ(d.abandoned_bp, 2'500);
  EXPECT_EQ(d.returned_bp, 0);
  EXPECT_EQ(d.approved_bp, 6'666);
  EXPECT_EQ(d.rejected_bp, 3'333);
  EXPECT_EQ(d.totals.accepted, 4);
  EXPECT_EQ(d.totals.approved, 2);
  EXPECT_EQ(d.totals.rejected, 1);
  EXPECT_EQ(d.totals.abandoned, 1);
  EXPECT_EQ(d.totals.pending, 0);
  EXPECT_TRUE(d.on_probation);
  ASSERT_EQ(d.days.size(), 2u);
  EXPECT_EQ(d.days[0].day, day0 + 1);
  EXPECT_EQ(d.days[0].reward_income.cents, 50);
  EXPECT_EQ(d.days[0].bonus_income.cents, 30);
  EXPECT_EQ(d.days[1].day, day0);
  EXPECT_EQ(d.days[1].reward_income.cents, 150);
  EXPECT_EQ(d.days[1].approved, 1);
  EXPECT_EQ(d.days[1].rejected, 1);
  EXPECT_FALSE(dashboard_of(w, t0 + days(10), policy).on_probation);
}

TEST(WorkerRules, DashboardOfANewWorkerHasNoPercentages) {
  auto d = dashboard_of(new_worker(), t0, policy);
  EXPECT_EQ(d.approved_bp, 0);
  EXPECT_EQ(d.rejected_bp, 0);
  EXPECT_EQ(d.returned_bp, 0);
  EXPECT_EQ(d.abandoned_bp, 0);
  EXPECT_EQ(d.total_earnings.cents, 0);
  EXPECT_TRUE(d.days.empty());
}

TEST(WorkerRules, CheckWithdrawalErrors) {
  auto w = new_worker();
  w.totals.reward_income = cents(500);
  w.totals.bonus_income = cents(100);
  w.withdrawn = cents(100);   // balance 5.00
  timestamp after = t0 + days(10);
  EXPECT_EQ(check_withdrawal(w, cents(0), after, policy).code(), errc::invalid_parameter_value);
  EXPECT_EQ(check_withdrawal(w, cents(-100), after, policy).code(), errc::invalid_parameter_value);
  EXPECT_EQ(check_withdrawal(w, cents(200), t0 + days(10) - 1, policy).code(), errc::withdrawal_not_allowed);
  EXPECT_EQ(check_withdrawal(w, cents(99), after, policy).code(), errc::withdrawal_not_allowed);
  EXPECT_EQ(check_withdrawal(w, cents(501), after, policy).code(), errc::insufficient_funds);
  EXPECT_TRUE(check_withdrawal(w, cents(100), after, policy).ok());
  EXPECT_TRUE(check_withdrawal(w, cents(500), after, policy).ok());
  worker_policy low;
  low.withdrawal_minimum = cents(1);
  EXPECT_TRUE(check_withdrawal(w, cents(1), after, low).ok());
}

// ---- pruning -----------------------------------------------------------------------

TEST(WorkerRules, PruneDropsTokensOlderThan24Hours) {
  auto w = new_worker();
  timestamp now = t0 + days(2);
  w.accept_tokens["old"] = {assignment_view{}, now - days(1) - 1};
  w.accept_tokens["edge"] = {assignment_view{}, now - days(1)};
  w.accept_tokens["new"] = {assignment_view{}, now - hour};
  w.withdraw_tokens["old"] = now - days(1) - 1;
  w.withdraw_tokens["new"] = now - 1;
  prune(w, now);
  EXPECT_EQ(w.accept_tokens.count("old"), 0u);
  EXPECT_EQ(w.accept_tokens.count("edge"), 1u);
  EXPECT_EQ(w.accept_tokens.count("new"), 1u);
  EXPECT_EQ(w.withdraw_tokens.count("old"), 0u);
  EXPECT_EQ(w.withdraw_tokens.count("new"), 1u);
  EXPECT_EQ(w.last_prune, now);
}

TEST(WorkerRules, PruneScansAtMostOnceAMinute) {
  auto w = new_worker();
  prune(w, t0);
  ASSERT_EQ(w.last_prune, t0);
  w.withdraw_tokens["old"] = t0 - days(2);
  prune(w, t0 + seconds(59));
  EXPECT_EQ(w.withdraw_tokens.count("old"), 1u);
  EXPECT_EQ(w.last_prune, t0);
  prune(w, t0 + seconds(60));
  EXPECT_EQ(w.withdraw_tokens.count("old"), 0u);
  EXPECT_EQ(w.last_prune, t0 + seconds(60));
}

TEST(WorkerRules, PruneBoundsNotificationsRightAway) {
  auto w = new_worker();
  prune(w, t0);
  for (int i = 0; i < 105; ++i)
    w.notifications.push_back({"AR0000000000001", "s" + std::to_string(i), "m", t0});
  prune(w, t0 + 1);   // within the minute, but over the bound
  ASSERT_EQ(w.notifications.size(), limits::worker_notifications_max);
  EXPECT_EQ(w.notifications.front().subject, "s5");
  EXPECT_EQ(w.notifications.back().subject, "s104");
}

}  // namespace
}  // namespace hitd
