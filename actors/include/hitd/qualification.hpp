#pragma once
// Qualification matching: whether a worker may discover, preview or accept a
// HIT under its requirements. Plain functions over plain data; the HIT actor
// calls them with the credentials its worker actor sent along.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "hitd/error.hpp"
#include "hitd/ids.hpp"
#include "hitd/model.hpp"

namespace hitd {

// The value of one qualification as a requirement sees it.
struct qualification_value {
  std::optional<int32_t> integer;
  std::optional<locale> locale_value;
};

// What a worker presents when it asks to act on a HIT: its custom
// qualifications (granted ones only), the values of the system
// qualifications computed from its record, and who has blocked it. Built by
// the worker actor and shared read-only (std::shared_ptr<const ...>).
struct worker_credentials {
  std::string worker_id;
  std::unordered_map<std::string, qualification_value> values;   // custom, by qualification type id
  // System qualifications computed from the worker's record, by
  // system_qualification::index_of (a fixed array: rebuilt on every accept,
  // so it must not allocate).
  std::array<std::optional<qualification_value>, system_qualification::count> system;
  std::unordered_set<std::string> blocked_by;                      // requester ids

  const qualification_value* find(std::string_view qualification_type_id) const;
};

// Does one requirement hold for a worker whose value is `value` (nullptr when
// the worker lacks the qualification)? Without the qualification only
// DoesNotExist holds (MTurk: every other comparator needs a value).
bool requirement_met(const qualification_requirement& req, const qualification_value* value);

// Which of the three actions the requirements allow: a requirement guarding
// Accept blocks only accepting; PreviewAndAccept blocks preview too;
// DiscoverPreviewAndAccept blocks all three. All requirements guarding an
// action must hold for it.
struct allowed_actions {
  bool discover = true;
  bool preview = true;
  bool accept = true;
  bool allows(hit_action a) const;
};
allowed_actions evaluate_requirements(std::span<const qualification_requirement> reqs,
                                      const worker_credentials& worker);

// Validates a requirement list as MTurk does (0..10 requirements, values that
// fit the comparator, locale values only for the locale qualification, at
// most 15 integers or 30 locales). Returns errc::none or the error, with the
// message in *why.
errc validate_requirements(std::span<const qualification_requirement> reqs, std::string* why);

} // namespace hitd
