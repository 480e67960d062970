// MTurk's wire names for the model's enums: each parses back to itself.

#include <gtest/gtest.h>

#include "hitd/names.hpp"

namespace hitd {
namespace {

TEST(Names, ComparatorsAndGuardsRoundTrip) {
  for (int i = 0; i <= static_cast<int>(comparator::not_in); ++i) {
    auto c = static_cast<comparator>(i);
    EXPECT_EQ(parse_comparator(comparator_name(c)), c) << comparator_name(c);
  }
  for (int i = 0; i <= static_cast<int>(guarded_action::discover_preview_and_accept); ++i) {
    auto g = static_cast<guarded_action>(i);
    EXPECT_EQ(parse_guarded(guarded_name(g)), g) << guarded_name(g);
  }
  EXPECT_EQ(comparator_name(comparator::greater_than_or_equal_to), "GreaterThanOrEqualTo");
  EXPECT_EQ(guarded_name(guarded_action::discover_preview_and_accept), "DiscoverPreviewAndAccept");
  EXPECT_FALSE(parse_comparator("greaterthan"));
  EXPECT_FALSE(parse_guarded(""));
}

TEST(Names, StatusesAsMturkSpellsThem) {
  EXPECT_EQ(assignment_status_name(assignment_status::submitted), "Submitted");
  EXPECT_EQ(assignment_status_name(assignment_status::abandoned), "Abandoned");
  EXPECT_EQ(hit_status_name(hit_status::reviewing), "Reviewing");
  EXPECT_EQ(hit_status_name(hit_status::disposed), "Disposed");
  EXPECT_EQ(review_status_name(hit_review_status::marked_for_review), "MarkedForReview");
}

} // namespace
} // namespace hitd
