#pragma once
// Every bound hitd enforces, in one place, with its unit last in the name and
// its source. MTurk's own limits come from shared/reference/mturk-api.txt and
// mturk-semantics.md; hitd's own bounds say why they are what they are.

#include <cstddef>
#include <cstdint>

#include "hitd/time.hpp"

namespace hitd::limits {

// --- MTurk's limits (2017-01-17 model and the legacy docs) ---
inline constexpr int64_t lifetime_s_min = 30;
inline constexpr int64_t lifetime_s_max = 31'536'000;            // 365 days
inline constexpr int64_t assignment_duration_s_min = 30;
inline constexpr int64_t assignment_duration_s_max = 31'536'000;
inline constexpr int64_t auto_approval_delay_s_max = 2'592'000;  // 30 days
inline constexpr int64_t auto_approval_delay_s_default = 2'592'000;
inline constexpr int64_t max_assignments_min = 1;
inline constexpr int64_t max_assignments_max = 1'000'000'000;
inline constexpr size_t title_chars_max = 128;
inline constexpr size_t description_chars_max = 2'000;
inline constexpr size_t keywords_chars_max = 1'000;
inline constexpr size_t annotation_chars_max = 255;
inline constexpr size_t question_bytes_max = 65'535;
inline constexpr size_t answer_bytes_max = 65'535;     // hitd's: an answer as large as a question
inline constexpr size_t requirements_per_hit_max = 10;
inline constexpr size_t requirement_integer_values_max = 15;
inline constexpr size_t requirement_locale_values_max = 30;
inline constexpr size_t request_token_chars_max = 64;
inline constexpr duration_ms request_token_window_ms = days(1);   // "unique for 24 h"
inline constexpr duration_ms override_rejection_window_ms = days(30);
inline constexpr size_t worker_blocks_per_requester_max = 100'000;
inline constexpr size_t notify_workers_per_call_max = 100;
inline constexpr size_t notify_subject_chars_max = 200;
inline constexpr size_t notify_message_chars_max = 4'096;
inline constexpr size_t page_results_max = 100;
inline constexpr size_t feedback_chars_max = 1'024;   // hitd's: MTurk documents none
inline constexpr size_t reason_chars_max = 1'024;     // hitd's, for block/bonus/revoke reasons
inline constexpr size_t qualification_name_chars_max = 128;
inline constexpr size_t qualification_test_bytes_max = 65'535;

// --- hitd's own bounds ---
// Days of per-day statistics a worker keeps for the dashboard (MTurk's
// trackers sync 45 days; a quarter is kept so the last 90 days are exact).
inline constexpr size_t worker_daily_stats_days_max = 90;
// Notifications kept per worker (NotifyWorkers is recorded, not e-mailed).
inline constexpr size_t worker_notifications_max = 100;
// Assignments of a HIT returned by one internal listing message, so one actor
// never builds an unbounded reply.
inline constexpr size_t assignments_per_reply_max = page_results_max;

// Assignments in progress (accepted, not yet submitted) one listing of a
// worker's own work returns, the oldest first (the worker page's "In
// progress" list after a reload).
inline constexpr size_t worker_open_assignments_listed_max = 100;

static_assert(auto_approval_delay_s_max <= lifetime_s_max);
static_assert(assignments_per_reply_max >= page_results_max);

} // namespace hitd::limits
