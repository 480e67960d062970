#pragma once
// MTurk's names for the model's enums, as its API spells them on the wire
// ("GreaterThanOrEqualTo", "PreviewAndAccept", "Submitted", ...), both ways.
// One table each, shared by the worker feed and the requester API.

#include <optional>
#include <string_view>

#include "hitd/model.hpp"

namespace hitd {

std::string_view comparator_name(comparator c);
std::optional<comparator> parse_comparator(std::string_view name);
std::string_view guarded_name(guarded_action a);   // ActionsGuarded
std::optional<guarded_action> parse_guarded(std::string_view name);
std::string_view assignment_status_name(assignment_status s);
std::string_view hit_status_name(hit_status s);
std::string_view review_status_name(hit_review_status s);

} // namespace hitd
