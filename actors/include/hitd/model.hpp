#pragma once
// The plain data of the marketplace: HIT types, HITs, assignments, workers'
// qualifications, and the views the engine hands back. No behaviour lives
// here; the decisions over these structs are in the core headers
// (hit_rules.hpp, qualification.hpp, worker_rules.hpp, ledger_book.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hitd/money.hpp"
#include "hitd/time.hpp"

namespace hitd {

// ---- qualifications ---------------------------------------------------------

struct locale {
  std::string country;       // ISO 3166 alpha-2, e.g. "US"
  std::string subdivision;   // ISO 3166-2 subdivision, e.g. "WA"; may be empty
  friend bool operator==(const locale&, const locale&) = default;
};

enum class comparator : uint8_t {
  less_than, less_than_or_equal_to, greater_than, greater_than_or_equal_to,
  equal_to, not_equal_to, exists, does_not_exist, in, not_in,
};

// What a requirement guards, from least to most restrictive (MTurk's
// ActionsGuarded): Accept; PreviewAndAccept; DiscoverPreviewAndAccept.
enum class guarded_action : uint8_t { accept, preview_and_accept, discover_preview_and_accept };

// The three things a worker may do with a HIT, in order of restriction.
enum class hit_action : uint8_t { discover, preview, accept };

struct qualification_requirement {
  std::string qualification_type_id;
  comparator cmp = comparator::exists;
  std::vector<int32_t> integer_values;
  std::vector<locale> locale_values;
  guarded_action guards = guarded_action::accept;
  friend bool operator==(const qualification_requirement&, const qualification_requirement&) = default;
};

enum class qualification_status : uint8_t { granted, revoked };

// A qualification a worker holds (custom ones; system ones are computed).
struct qualification_grant {
  std::string qualification_type_id;
  int32_t integer_value = 1;
  std::optional<locale> locale_value;
  timestamp grant_time = 0;
  qualification_status status = qualification_status::granted;
};

enum class qualification_type_status : uint8_t { active, inactive, disposing };

// CreateQualificationType's fields.
struct qualification_type_spec {
  std::string name;                       // unique among the requester's types
  std::string description;
  std::string keywords;
  qualification_type_status status = qualification_type_status::active;
  std::optional<int64_t> retry_delay_s;   // none: a worker may request it only once
  std::string test;                       // a QuestionForm; empty: no test
  std::string answer_key;                 // scores the test; empty: requests wait for review
  int64_t test_duration_s = 0;
  bool auto_granted = false;              // requests are granted at once
  int32_t auto_granted_value = 1;
};

// UpdateQualificationType: what is set changes; Name and Keywords cannot.
struct qualification_type_update {
  std::optional<std::string> description;
  std::optional<qualification_type_status> status;
  std::optional<std::string> test;        // with test_duration_s; answer_key goes with it
  std::optional<std::string> answer_key;
  std::optional<int64_t> test_duration_s;
  std::optional<int64_t> retry_delay_s;
  std::optional<bool> auto_granted;
  std::optional<int32_t> auto_granted_value;
};

struct qualification_type_view {
  std::string qualification_type_id;
  std::string requester_id;
  timestamp creation_time = 0;
  qualification_type_spec spec;
  bool is_requestable = true;             // custom types can be requested by workers
};

// A qualification a worker holds, as the requester API shows it.
struct qualification_view {
  std::string qualification_type_id;
  std::string worker_id;
  timestamp grant_time = 0;
  int32_t integer_value = 0;
  std::optional<locale> locale_value;
  qualification_status status = qualification_status::granted;
};

struct qualification_request_view {
  std::string qualification_request_id;
  std::string qualification_type_id;
  std::string worker_id;
  std::string test;
  std::string answer;
  timestamp submit_time = 0;
};

// What a worker's request for a qualification came to.
struct qualification_request_outcome {
  bool granted = false;                   // auto-granted, or scored by the answer key
  int32_t value = 0;
  std::string qualification_request_id;   // when it waits for the requester
};

// UpdateNotificationSettings for a HIT type. hitd records it; the requester
// API delivers (issue 5).
struct notification_spec {
  std::string destination;
  std::string transport;                  // Email | SQS | SNS (hitd adds its own transports)
  std::string version = "2006-05-05";
  std::vector<std::string> event_types;   // MTurk event type names
};

struct notification_settings {
  std::optional<notification_spec> spec;
  bool active = false;
};

struct notify_failure {
  std::string worker_id;
  bool hard = false;                      // HardFailure (no such worker) vs SoftFailure
  std::string message;
};

// ---- HIT types and HITs -----------------------------------------------------

// The shared properties of a group of HITs (MTurk's HIT type).
struct hit_properties {
  std::string title;
  std::string description;
  std::string keywords;
  money reward;
  int64_t assignment_duration_s = 0;
  int64_t auto_approval_delay_s = 2'592'000;
  std::vector<qualification_requirement> requirements;
  friend bool operator==(const hit_properties&, const hit_properties&) = default;
};

struct hit_type {
  std::string id;            // also the HIT group id of its HITs
  std::string requester_id;
  hit_properties properties;
  timestamp creation_time = 0;
  notification_settings notifications;
};

enum class hit_status : uint8_t { assignable, unassignable, reviewable, reviewing, disposed };
enum class hit_review_status : uint8_t {
  not_reviewed, marked_for_review, reviewed_appropriate, reviewed_inappropriate,
};

enum class assignment_status : uint8_t { accepted, submitted, approved, rejected, returned, abandoned };

// Why a HIT stopped being offered to workers.
enum class unavailable_reason : uint8_t { none, lifetime_over, all_taken, withdrawn };

// What the engine answers about a HIT. `requester_annotation` is filled only
// for the HIT's own requester.
struct hit_view {
  std::string hit_id;
  std::string hit_type_id;
  std::string hit_group_id;
  std::string requester_id;
  timestamp creation_time = 0;
  std::string title;
  std::string description;
  std::string question;
  std::string keywords;
  hit_status status = hit_status::assignable;
  int64_t max_assignments = 0;
  money reward;
  int64_t auto_approval_delay_s = 0;
  timestamp expiration = 0;
  int64_t assignment_duration_s = 0;
  std::string requester_annotation;
  std::vector<qualification_requirement> requirements;
  hit_review_status review_status = hit_review_status::not_reviewed;
  int64_t assignments_pending = 0;     // accepted, not yet submitted/returned/abandoned
  int64_t assignments_available = 0;   // may still be accepted (0 once expired)
  int64_t assignments_completed = 0;   // approved or rejected
  money escrow_held;                   // hitd: what the ledger holds for this HIT now
};

struct assignment_view {
  std::string assignment_id;
  std::string worker_id;
  std::string hit_id;
  assignment_status status = assignment_status::accepted;
  timestamp accept_time = 0;
  timestamp deadline = 0;
  std::optional<timestamp> submit_time;
  std::optional<timestamp> auto_approval_time;
  std::optional<timestamp> approval_time;
  std::optional<timestamp> rejection_time;
  std::string answer;
  std::string requester_feedback;
  money reward;
};

struct bonus_payment {
  std::string worker_id;
  money amount;
  std::string assignment_id;
  std::string reason;
  timestamp grant_time = 0;
};

struct account_balance {
  money available;
  money on_hold;
};

// One page of a listing, MTurk style: at most `max_results` items and an
// opaque token for the next page (empty when this is the last one).
template <class T>
struct page {
  std::vector<T> items;
  std::string next_token;
};

struct page_request {
  std::string next_token;
  size_t max_results = 100;   // 1..100
};

// ---- workers ----------------------------------------------------------------

struct worker_day {
  int64_t day = 0;           // day_of(time), UTC
  int64_t accepted = 0;
  int64_t submitted = 0;
  int64_t approved = 0;
  int64_t rejected = 0;
  int64_t pending = 0;       // submitted that day and not yet decided
  int64_t returned = 0;
  int64_t abandoned = 0;
  money reward_income;       // rewards approved for work submitted that day
  money bonus_income;        // bonuses granted that day
};

struct worker_totals {
  int64_t accepted = 0;
  int64_t submitted = 0;
  int64_t approved = 0;
  int64_t rejected = 0;
  int64_t pending = 0;
  int64_t returned = 0;
  int64_t abandoned = 0;
  money reward_income;
  money bonus_income;
};

struct worker_notification {
  std::string requester_id;
  std::string subject;
  std::string message;
  timestamp time = 0;
};

// The worker dashboard (MTurk's worker site): total earnings with rewards and
// bonuses; per-day counts and income; totals with percentages.
struct worker_dashboard {
  std::string worker_id;
  money total_earnings;        // rewards + bonuses, lifetime
  money reward_earnings;
  money bonus_earnings;
  money available_balance;     // earned and not yet withdrawn
  money withdrawn;
  std::vector<worker_day> days;   // newest first, at most worker_daily_stats_days_max
  worker_totals totals;
  // Percentages in basis points of assignments accepted (returned,
  // abandoned) or decided (approved, rejected); 10000 = 100%.
  int64_t returned_bp = 0;
  int64_t abandoned_bp = 0;
  int64_t approved_bp = 0;
  int64_t rejected_bp = 0;
  bool on_probation = false;
  std::vector<worker_notification> notifications;   // newest last, bounded
};


} // namespace hitd
