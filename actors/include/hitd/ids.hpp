#pragma once
// Identifiers. Every id on the wire is an MTurk EntityId (^[A-Z0-9]+$, at most
// 64 characters) or, for workers and requesters, a CustomerId (^A[A-Z0-9]+$).
// hitd numbers HITs, HIT types, qualification types and qualification
// requests with 64-bit counters and renders them as a one-letter kind plus 13
// Crockford base32 digits, so parsing an id back is exact and cheap. An
// assignment id carries its HIT's number and its ordinal within the HIT, so an
// assignment is routed to its HIT actor without any index.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace hitd {

enum class id_kind : char {
  hit = 'H',
  hit_type = 'T',
  qualification_type = 'Q',
  qualification_request = 'K',
};

std::string format_id(id_kind kind, uint64_t number);
std::optional<uint64_t> parse_id(id_kind kind, std::string_view text);

struct assignment_ref {
  uint64_t hit = 0;
  uint32_t ordinal = 0;
  friend bool operator==(const assignment_ref&, const assignment_ref&) = default;
};
std::string format_assignment_id(assignment_ref ref);   // "S" + 13 + 7 digits
std::optional<assignment_ref> parse_assignment_id(std::string_view text);

// Generated customer ids: "AR" / "AW" + 13 digits.
std::string format_requester_id(uint64_t number);
std::string format_worker_id(uint64_t number);

bool is_entity_id(std::string_view text);     // ^[A-Z0-9]+$, 1..64
bool is_customer_id(std::string_view text);   // ^A[A-Z0-9]+$, 2..64

// MTurk's system qualification types, computed by hitd from a worker's record.
namespace system_qualification {
inline constexpr std::string_view percent_assignments_submitted = "00000000000000000000";
inline constexpr std::string_view percent_assignments_abandoned = "00000000000000000070";
inline constexpr std::string_view percent_assignments_returned = "000000000000000000E0";
inline constexpr std::string_view percent_assignments_approved = "000000000000000000L0";
inline constexpr std::string_view percent_assignments_rejected = "000000000000000000S0";
inline constexpr std::string_view number_hits_approved = "00000000000000000040";
inline constexpr std::string_view locale = "00000000000000000071";
inline constexpr std::string_view adult = "00000000000000000060";
bool is_system(std::string_view qualification_type_id);
// The system types in a fixed order, so a worker's values can sit in an array.
inline constexpr std::string_view all[] = {percent_assignments_submitted, percent_assignments_abandoned,
                                           percent_assignments_returned,  percent_assignments_approved,
                                           percent_assignments_rejected,  number_hits_approved,
                                           locale,                        adult};
inline constexpr size_t count = std::size(all);
// The index of a system type in `all`, or count when it is not one.
constexpr size_t index_of(std::string_view qualification_type_id) {
  for (size_t i = 0; i < count; ++i)
    if (all[i] == qualification_type_id)
      return i;
  return count;
}
} // namespace system_qualification

} // namespace hitd
