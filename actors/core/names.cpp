#include "hitd/names.hpp"

#include <array>
#include <utility>

namespace hitd {

namespace {

constexpr std::array<std::pair<comparator, std::string_view>, 10> comparators = {{
    {comparator::less_than, "LessThan"},
    {comparator::less_than_or_equal_to, "LessThanOrEqualTo"},
    {comparator::greater_than, "GreaterThan"},
    {comparator::greater_than_or_equal_to, "GreaterThanOrEqualTo"},
    {comparator::equal_to, "EqualTo"},
    {comparator::not_equal_to, "NotEqualTo"},
    {comparator::exists, "Exists"},
    {comparator::does_not_exist, "DoesNotExist"},
    {comparator::in, "In"},
    {comparator::not_in, "NotIn"},
}};

constexpr std::array<std::pair<guarded_action, std::string_view>, 3> guards = {{
    {guarded_action::accept, "Accept"},
    {guarded_action::preview_and_accept, "PreviewAndAccept"},
    {guarded_action::discover_preview_and_accept, "DiscoverPreviewAndAccept"},
}};

template <class E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E v) {
  for (auto& [e, n] : table)
    if (e == v)
      return n;
  return table[0].second;
}

template <class E, size_t N>
std::optional<E> parse(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view name) {
  for (auto& [e, n] : table)
    if (n == name)
      return e;
  return std::nullopt;
}

} // namespace

std::string_view comparator_name(comparator c) { return name_of(comparators, c); }
std::optional<comparator> parse_comparator(std::string_view name) { return parse(comparators, name); }
std::string_view guarded_name(guarded_action a) { return name_of(guards, a); }
std::optional<guarded_action> parse_guarded(std::string_view name) { return parse(guards, name); }

std::string_view assignment_status_name(assignment_status s) {
  static constexpr std::array<std::pair<assignment_status, std::string_view>, 6> names = {{
      {assignment_status::accepted, "Accepted"},
      {assignment_status::submitted, "Submitted"},
      {assignment_status::approved, "Approved"},
      {assignment_status::rejected, "Rejected"},
      {assignment_status::returned, "Returned"},
      {assignment_status::abandoned, "Abandoned"},
  }};
  return name_of(names, s);
}

std::string_view hit_status_name(hit_status s) {
  static constexpr std::array<std::pair<hit_status, std::string_view>, 5> names = {{
      {hit_status::assignable, "Assignable"},
      {hit_status::unassignable, "Unassignable"},
      {hit_status::reviewable, "Reviewable"},
      {hit_status::reviewing, "Reviewing"},
      {hit_status::disposed, "Disposed"},
  }};
  return name_of(names, s);
}

std::string_view review_status_name(hit_review_status s) {
  static constexpr std::array<std::pair<hit_review_status, std::string_view>, 4> names = {{
      {hit_review_status::not_reviewed, "NotReviewed"},
      {hit_review_status::marked_for_review, "MarkedForReview"},
      {hit_review_status::reviewed_appropriate, "ReviewedAppropriate"},
      {hit_review_status::reviewed_inappropriate, "ReviewedInappropriate"},
  }};
  return name_of(names, s);
}

} // namespace hitd
