#pragma once
// Every bound of the worker feed's protocol logic, with its unit and reason.
// The transport's own bounds (frame size on the wire, queue bytes per
// session, command rate) are the transport's; these bound what the logic
// keeps and what one request may ask for.

#include <cstddef>
#include <cstdint>

namespace hitd::gateway::feed_limits {

// The history ring a resume replays from: the last N feed events, and at
// most this many bytes of their frames (whichever is reached first). A
// client away longer gets a fresh snapshot.
inline constexpr size_t history_events_default = 65'536;
inline constexpr size_t history_bytes_default = 32u << 20;   // 32 MiB
// Bookkeeping per feed event in the ring beyond its frame, counted in bytes.
inline constexpr size_t history_entry_overhead_bytes = 160;

// A snapshot lists at most this many HITs (the rest: "truncated": true).
inline constexpr size_t snapshot_hits_max = 5'000;

// Inbound frames the logic parses at most (the transport bounds the wire;
// this is the logic's own guard).
inline constexpr size_t inbound_frame_bytes_max = 128u << 10;   // an answer is at most 64 KiB
// Engine commands of one connection in flight at once.
inline constexpr int64_t commands_in_flight_max = 64;

// Keyword filters: at most 20 words of at most 64 bytes.
inline constexpr size_t filter_keywords_max = 20;
inline constexpr size_t filter_keyword_bytes_max = 64;
// A request id: a string of at most 64 bytes, or an integer.
inline constexpr size_t request_id_bytes_max = 64;

// Workers whose last credential change the feed remembers (for resume of
// "qualified only" subscriptions); older changes fold into one floor.
inline constexpr size_t credential_marks_max = 100'000;

// Pages of list_available_hits read at start (100 HITs each): 10 million HITs.
inline constexpr size_t seed_pages_max = 100'000;

static_assert(history_events_default > 0 && history_bytes_default > history_entry_overhead_bytes);
static_assert(filter_keywords_max * filter_keyword_bytes_max < inbound_frame_bytes_max);

} // namespace hitd::gateway::feed_limits
