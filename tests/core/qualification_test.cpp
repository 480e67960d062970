// Qualification matching and requirement validation (hitd/qualification.hpp).

#include "hitd/qualification.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "hitd/ids.hpp"
#include "hitd/limits.hpp"

namespace hitd {
namespace {

constexpr std::string_view custom_q = "Q0000000000001";
constexpr std::string_view other_q = "Q0000000000002";
constexpr std::string_view locale_q = system_qualification::locale;

qualification_requirement int_req(comparator cmp, std::vector<int32_t> values,
                                  std::string_view qid = custom_q,
                                  guarded_action guards = guarded_action::accept) {
  qualification_requirement r;
  r.qualification_type_id = std::string(qid);
  r.cmp = cmp;
  r.integer_values = std::move(values);
  r.guards = guards;
  return r;
}

qualification_requirement loc_req(comparator cmp, std::vector<locale> values,
                                  std::string_view qid = locale_q,
                                  guarded_action guards = guarded_action::accept) {
  qualification_requirement r;
  r.qualification_type_id = std::string(qid);
  r.cmp = cmp;
  r.locale_values = std::move(values);
  r.guards = guards;
  return r;
}

qualification_value int_val(int32_t v) { return qualification_value{v, std::nullopt}; }
qualification_value loc_val(std::string country, std::string subdivision = "") {
  return qualification_value{std::nullopt, locale{std::move(country), std::move(subdivision)}};
}

bool met(const qualification_requirement& r, const qualification_value& v) {
  return requirement_met(r, &v);
}
bool met_without(const qualification_requirement& r) { return requirement_met(r, nullptr); }

const std::vector<comparator> all_comparators = {
    comparator::less_than, comparator::less_than_or_equal_to, comparator::greater_than,
    comparator::greater_than_or_equal_to, comparator::equal_to, comparator::not_equal_to,
    comparator::exists, comparator::does_not_exist, comparator::in, comparator::not_in,
};

errc validate(const std::vector<qualification_requirement>& reqs, std::string* why = nullptr) {
  return validate_requirements(reqs, why);
}

// ---- worker_credentials::find -------------------------------------------------

TEST(Qualification, FindReturnsTheStoredValue) {
  worker_credentials w;
  w.values.emplace(std::string(custom_q), int_val(42));
  const qualification_value* v = w.find(custom_q);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v, &w.values.at(std::string(custom_q)));
  ASSERT_TRUE(v->integer.has_value());
  EXPECT_EQ(*v->integer, 42);
}

TEST(Qualification, FindReturnsNullWhenAbsent) {
  worker_credentials w;
  w.values.emplace(std::string(custom_q), int_val(42));
  EXPECT_EQ(w.find(other_q), nullptr);
  EXPECT_EQ(w.find(""), nullptr);
}

// ---- ordering comparators -----------------------------------------------------

TEST(Qualification, LessThanHoldsBelowTheValue) {
  EXPECT_TRUE(met(int_req(comparator::less_than, {10}), int_val(9)));
}

TEST(Qualification, LessThanFailsAtOrAboveTheValue) {
  EXPECT_FALSE(met(int_req(comparator::less_than, {10}), int_val(10)));
  EXPECT_FALSE(met(int_req(comparator::less_than, {10}), int_val(11)));
}

TEST(Qualification, LessThanOrEqualToHoldsAtTheValue) {
  EXPECT_TRUE(met(int_req(comparator::less_than_or_equal_to, {10}), int_val(10)));
  EXPECT_TRUE(met(int_req(comparator::less_than_or_equal_to, {10}), int_val(-3)));
}

TEST(Qualification, LessThanOrEqualToFailsAboveTheValue) {
  EXPECT_FALSE(met(int_req(comparator::less_than_or_equal_to, {10}), int_val(11)));
}

TEST(Qualification, GreaterThanHoldsAboveTheValue) {
  EXPECT_TRUE(met(int_req(comparator::greater_than, {95}), int_val(96)));
}

TEST(Qualification, GreaterThanFailsAtOrBelowTheValue) {
  EXPECT_FALSE(met(int_req(comparator::greater_than, {95}), int_val(95)));
  EXPECT_FALSE(met(int_req(comparator::greater_than, {95}), int_val(0)));
}

TEST(Qualification, GreaterThanOrEqualToHoldsAtTheValue) {
  EXPECT_TRUE(met(int_req(comparator::greater_than_or_equal_to, {95}), int_val(95)));
  EXPECT_TRUE(met(int_req(comparator::greater_than_or_equal_to, {95}), int_val(100)));
}

TEST(Qualification, GreaterThanOrEqualToFailsBelowTheValue) {
  EXPECT_FALSE(met(int_req(comparator::greater_than_or_equal_to, {95}), int_val(94)));
}

TEST(Qualification, OrderingHandlesNegativeAndExtremeValues) {
  constexpr int32_t lo = std::numeric_limits<int32_t>::min();
  constexpr int32_t hi = std::numeric_limits<int32_t>::max();
  EXPECT_TRUE(met(int_req(comparator::less_than, {-1}), int_val(lo)));
  EXPECT_FALSE(met(int_req(comparator::less_than, {lo}), int_val(lo)));
  EXPECT_TRUE(met(int_req(comparator::greater_than, {lo}), int_val(hi)));
  EXPECT_FALSE(met(int_req(comparator::greater_than, {hi}), int_val(hi)));
  EXPECT_TRUE(met(int_req(comparator::greater_than_or_equal_to, {hi}), int_val(hi)));
}

// ---- EqualTo / NotEqualTo with integers ---------------------------------------

TEST(Qualification, EqualToIntegerHoldsOnTheSameValue) {
  EXPECT_TRUE(met(int_req(comparator::equal_to, {1}), int_val(1)));
}

TEST(Qualification, EqualToIntegerFailsOnAnotherValue) {
  EXPECT_FALSE(met(int_req(comparator::equal_to, {1}), int_val(0)));
}

TEST(Qualification, NotEqualToIntegerHoldsOnAnotherValue) {
  EXPECT_TRUE(met(int_req(comparator::not_equal_to, {1}), int_val(2)));
}

TEST(Qualification, NotEqualToIntegerFailsOnTheSameValue) {
  EXPECT_FALSE(met(int_req(comparator::not_equal_to, {1}), int_val(1)));
}

// ---- Exists / DoesNotExist ----------------------------------------------------

TEST(Qualification, ExistsHoldsWithAnyValue) {
  EXPECT_TRUE(met(int_req(comparator::exists, {}), int_val(0)));
  EXPECT_TRUE(met(int_req(comparator::exists, {}), int_val(-7)));
  EXPECT_TRUE(met(loc_req(comparator::exists, {}), loc_val("US")));
}

TEST(Qualification, ExistsFailsWithoutTheQualification) {
  EXPECT_FALSE(met_without(int_req(comparator::exists, {})));
}

TEST(Qualification, DoesNotExistHoldsWithoutTheQualification) {
  EXPECT_TRUE(met_without(int_req(comparator::does_not_exist, {})));
}

TEST(Qualification, DoesNotExistFailsWithTheQualification) {
  EXPECT_FALSE(met(int_req(comparator::does_not_exist, {}), int_val(0)));
  EXPECT_FALSE(met(loc_req(comparator::does_not_exist, {}), loc_val("US")));
}

// ---- In / NotIn with integers -------------------------------------------------

TEST(Qualification, InIntegerHoldsForAMember) {
  EXPECT_TRUE(met(int_req(comparator::in, {1, 5, 9}), int_val(5)));
  EXPECT_TRUE(met(int_req(comparator::in, {1, 5, 9}), int_val(9)));
}

TEST(Qualification, InIntegerFailsForANonMember) {
  EXPECT_FALSE(met(int_req(comparator::in, {1, 5, 9}), int_val(4)));
}

TEST(Qualification, NotInIntegerHoldsForANonMember) {
  EXPECT_TRUE(met(int_req(comparator::not_in, {1, 5, 9}), int_val(4)));
}

TEST(Qualification, NotInIntegerFailsForAMember) {
  EXPECT_FALSE(met(int_req(comparator::not_in, {1, 5, 9}), int_val(1)));
  EXPECT_FALSE(met(int_req(comparator::not_in, {1, 5, 9}), int_val(9)));
}

// ---- without the qualification ------------------------------------------------

TEST(Qualification, NotInFailsWithoutTheQualification) {
  EXPECT_FALSE(met_without(int_req(comparator::not_in, {1, 2})));
  EXPECT_FALSE(met_without(loc_req(comparator::not_in, {{"US", ""}})));
}

TEST(Qualification, NotEqualToFailsWithoutTheQualification) {
  EXPECT_FALSE(met_without(int_req(comparator::not_equal_to, {1})));
  EXPECT_FALSE(met_without(loc_req(comparator::not_equal_to, {{"US", ""}})));
}

TEST(Qualification, OnlyDoesNotExistHoldsWithoutTheQualification) {
  for (comparator cmp : all_comparators) {
    SCOPED_TRACE(static_cast<int>(cmp));
    std::vector<int32_t> ints;
    if (cmp != comparator::exists && cmp != comparator::does_not_exist) ints = {0};
    EXPECT_EQ(met_without(int_req(cmp, ints)), cmp == comparator::does_not_exist);
  }
}

TEST(Qualification, LocaleComparatorsFailWithoutTheQualification) {
  for (comparator cmp : {comparator::equal_to, comparator::not_equal_to, comparator::in,
                         comparator::not_in}) {
    SCOPED_TRACE(static_cast<int>(cmp));
    EXPECT_FALSE(met_without(loc_req(cmp, {{"US", ""}})));
  }
}

// ---- locales --------------------------------------------------------------------

TEST(Qualification, EqualToLocaleHoldsOnTheSameCountry) {
  EXPECT_TRUE(met(loc_req(comparator::equal_to, {{"US", ""}}), loc_val("US")));
}

TEST(Qualification, EqualToLocaleFailsOnAnotherCountry) {
  EXPECT_FALSE(met(loc_req(comparator::equal_to, {{"US", ""}}), loc_val("CA")));
}

TEST(Qualification, CountryOnlyLocaleMatchesAnySubdivision) {
  EXPECT_TRUE(met(loc_req(comparator::equal_to, {{"US", ""}}), loc_val("US", "WA")));
  EXPECT_TRUE(met(loc_req(comparator::equal_to, {{"US", ""}}), loc_val("US", "CA")));
  EXPECT_TRUE(met(loc_req(comparator::in, {{"US", ""}}), loc_val("US", "NY")));
}

TEST(Qualification, SubdivisionLocaleMatchesTheSameSubdivision) {
  EXPECT_TRUE(met(loc_req(comparator::equal_to, {{"US", "WA"}}), loc_val("US", "WA")));
}

TEST(Qualification, SubdivisionLocaleFailsOnAnotherSubdivision) {
  EXPECT_FALSE(met(loc_req(comparator::equal_to, {{"US", "WA"}}), loc_val("US", "CA")));
}

TEST(Qualification, SubdivisionLocaleFailsWhenTheWorkerHasNone) {
  EXPECT_FALSE(met(loc_req(comparator::equal_to, {{"US", "WA"}}), loc_val("US")));
}

TEST(Qualification, SubdivisionLocaleFailsOnAnotherCountry) {
  EXPECT_FALSE(met(loc_req(comparator::equal_to, {{"US", "WA"}}), loc_val("CA", "WA")));
}

TEST(Qualification, NotEqualToLocaleHoldsOnAnotherCountry) {
  EXPECT_TRUE(met(loc_req(comparator::not_equal_to, {{"US", ""}}), loc_val("IN")));
}

TEST(Qualification, NotEqualToLocaleFailsOnTheSameCountryAnySubdivision) {
  EXPECT_FALSE(met(loc_req(comparator::not_equal_to, {{"US", ""}}), loc_val("US")));
  EXPECT_FALSE(met(loc_req(comparator::not_equal_to, {{"US", ""}}), loc_val("US", "WA")));
}

TEST(Qualification, NotEqualToSubdivisionHoldsOnAnotherSubdivision) {
  EXPECT_TRUE(met(loc_req(comparator::not_equal_to, {{"US", "WA"}}), loc_val("US", "CA")));
  EXPECT_FALSE(met(loc_req(comparator::not_equal_to, {{"US", "WA"}}), loc_val("US", "WA")));
}

TEST(Qualification, InLocaleHoldsForAMember) {
  auto r = loc_req(comparator::in, {{"US", ""}, {"CA", ""}, {"GB", "EN"}});
  EXPECT_TRUE(met(r, loc_val("CA")));
  EXPECT_TRUE(met(r, loc_val("US", "TX")));
}

TEST(Qualification, InLocaleFailsForANonMember) {
  auto r = loc_req(comparator::in, {{"US", ""}, {"CA", ""}, {"DE", "BY"}});
  EXPECT_FALSE(met(r, loc_val("MX")));
  EXPECT_FALSE(met(r, loc_val("DE", "BE")));
  EXPECT_TRUE(met(r, loc_val("DE", "BY")));
}

TEST(Qualification, NotInLocaleHoldsForANonMember) {
  auto r = loc_req(comparator::not_in, {{"US", ""}, {"CA", "QC"}});
  EXPECT_TRUE(met(r, loc_val("FR")));
  EXPECT_TRUE(met(r, loc_val("CA", "ON")));
}

TEST(Qualification, NotInLocaleFailsForAMember) {
  auto r = loc_req(comparator::not_in, {{"US", ""}, {"CA", "QC"}});
  EXPECT_FALSE(met(r, loc_val("US", "WA")));
  EXPECT_FALSE(met(r, loc_val("CA", "QC")));
}

// ---- integer vs locale mismatch -------------------------------------------------

TEST(Qualification, IntegerValueNeverSatisfiesALocaleComparison) {
  for (comparator cmp : {comparator::equal_to, comparator::not_equal_to, comparator::in,
                         comparator::not_in}) {
    SCOPED_TRACE(static_cast<int>(cmp));
    EXPECT_FALSE(met(loc_req(cmp, {{"US", ""}}), int_val(1)));
  }
}

TEST(Qualification, LocaleValueNeverSatisfiesAnIntegerComparison) {
  for (comparator cmp : all_comparators) {
    if (cmp == comparator::exists || cmp == comparator::does_not_exist) continue;
    SCOPED_TRACE(static_cast<int>(cmp));
    EXPECT_FALSE(met(int_req(cmp, {1}, locale_q), loc_val("US")));
  }
}

// ---- allowed actions ------------------------------------------------------------

TEST(Qualification, AllowsReportsEachFlag) {
  allowed_actions a;
  a.discover = true;
  a.preview = false;
  a.accept = true;
  EXPECT_TRUE(a.allows(hit_action::discover));
  EXPECT_FALSE(a.allows(hit_action::preview));
  EXPECT_TRUE(a.allows(hit_action::accept));
  a.discover = false;
  a.preview = true;
  a.accept = false;
  EXPECT_FALSE(a.allows(hit_action::discover));
  EXPECT_TRUE(a.allows(hit_action::preview));
  EXPECT_FALSE(a.allows(hit_action::accept));
}

void expect_actions(const allowed_actions& a, bool discover, bool preview, bool accept) {
  EXPECT_EQ(a.discover, discover);
  EXPECT_EQ(a.preview, preview);
  EXPECT_EQ(a.accept, accept);
  EXPECT_EQ(a.allows(hit_action::discover), discover);
  EXPECT_EQ(a.allows(hit_action::preview), preview);
  EXPECT_EQ(a.allows(hit_action::accept), accept);
}

worker_credentials worker_with(int32_t custom_value) {
  worker_credentials w;
  w.worker_id = "AW0000000000001";
  w.values.emplace(std::string(custom_q), int_val(custom_value));
  w.values.emplace(std::string(locale_q), loc_val("US", "WA"));
  return w;
}

TEST(Qualification, NoRequirementsAllowEverything) {
  expect_actions(evaluate_requirements({}, worker_credentials{}), true, true, true);
}

TEST(Qualification, MetRequirementsAllowEverything) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::greater_than_or_equal_to, {50}, custom_q,
              guarded_action::discover_preview_and_accept),
      loc_req(comparator::equal_to, {{"US", ""}}, locale_q, guarded_action::preview_and_accept),
      int_req(comparator::does_not_exist, {}, other_q, guarded_action::accept),
  };
  expect_actions(evaluate_requirements(reqs, worker_with(80)), true, true, true);
}

TEST(Qualification, UnmetAcceptGuardBlocksOnlyAccept) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::greater_than, {90}, custom_q, guarded_action::accept)};
  expect_actions(evaluate_requirements(reqs, worker_with(80)), true, true, false);
}

TEST(Qualification, UnmetPreviewGuardBlocksPreviewAndAccept) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::greater_than, {90}, custom_q, guarded_action::preview_and_accept)};
  expect_actions(evaluate_requirements(reqs, worker_with(80)), true, false, false);
}

TEST(Qualification, UnmetDiscoverGuardBlocksEverything) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::greater_than, {90}, custom_q, guarded_action::discover_preview_and_accept)};
  expect_actions(evaluate_requirements(reqs, worker_with(80)), false, false, false);
}

TEST(Qualification, MeetsDiscoverButNotPreviewAllowsDiscoverOnly) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::exists, {}, custom_q, guarded_action::discover_preview_and_accept),
      loc_req(comparator::equal_to, {{"CA", ""}}, locale_q, guarded_action::preview_and_accept),
  };
  expect_actions(evaluate_requirements(reqs, worker_with(80)), true, false, false);
}

TEST(Qualification, MeetsDiscoverAndPreviewButNotAcceptAllowsBoth) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::exists, {}, custom_q, guarded_action::discover_preview_and_accept),
      loc_req(comparator::equal_to, {{"US", "WA"}}, locale_q, guarded_action::preview_and_accept),
      int_req(comparator::exists, {}, other_q, guarded_action::accept),
  };
  expect_actions(evaluate_requirements(reqs, worker_with(80)), true, true, false);
}

TEST(Qualification, UnmetDiscoverGuardWinsOverMetLesserGuards) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::exists, {}, custom_q, guarded_action::accept),
      int_req(comparator::exists, {}, custom_q, guarded_action::preview_and_accept),
      int_req(comparator::exists, {}, other_q, guarded_action::discover_preview_and_accept),
  };
  expect_actions(evaluate_requirements(reqs, worker_with(80)), false, false, false);
}

TEST(Qualification, SameTypeTwiceFormsARange) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::greater_than_or_equal_to, {10}),
      int_req(comparator::less_than, {20}),
  };
  expect_actions(evaluate_requirements(reqs, worker_with(15)), true, true, true);
  expect_actions(evaluate_requirements(reqs, worker_with(20)), true, true, false);
  expect_actions(evaluate_requirements(reqs, worker_with(9)), true, true, false);
}

TEST(Qualification, WorkerWithoutQualificationsFailsGuardedRequirements) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::not_equal_to, {5}, custom_q, guarded_action::preview_and_accept)};
  expect_actions(evaluate_requirements(reqs, worker_credentials{}), true, false, false);
}

// ---- validation: valid lists ----------------------------------------------------

TEST(Qualification, ValidateAcceptsAnEmptyList) {
  std::string why = "untouched";
  EXPECT_EQ(validate({}, &why), errc::none);
}

TEST(Qualification, ValidateAcceptsEveryWellFormedShape) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::less_than, {5}),
      int_req(comparator::less_than_or_equal_to, {5}),
      int_req(comparator::greater_than, {5}, system_qualification::percent_assignments_approved),
      int_req(comparator::greater_than_or_equal_to, {5}, system_qualification::number_hits_approved),
      int_req(comparator::equal_to, {1}, system_qualification::adult),
      int_req(comparator::not_equal_to, {1}),
      int_req(comparator::exists, {}),
      int_req(comparator::does_not_exist, {}, other_q),
      int_req(comparator::in, {1, 2, 3}),
      int_req(comparator::not_in, {1}),
  };
  EXPECT_EQ(validate(reqs), errc::none);
}

TEST(Qualification, ValidateAcceptsEveryLocaleShape) {
  std::vector<qualification_requirement> reqs = {
      loc_req(comparator::equal_to, {{"US", ""}}),
      loc_req(comparator::not_equal_to, {{"US", "WA"}}),
      loc_req(comparator::in, {{"US", ""}, {"GB", "EN"}, {"FR", "75"}}),
      loc_req(comparator::not_in, {{"IN", "MH"}}),
      loc_req(comparator::exists, {}),
      loc_req(comparator::does_not_exist, {}),
  };
  std::string why;
  EXPECT_EQ(validate(reqs, &why), errc::none) << why;
}

TEST(Qualification, ValidateAcceptsTenRequirements) {
  std::vector<qualification_requirement> reqs(limits::requirements_per_hit_max,
                                              int_req(comparator::exists, {}));
  EXPECT_EQ(validate(reqs), errc::none);
}

TEST(Qualification, ValidateAcceptsTheSameTypeSeveralTimes) {
  std::vector<qualification_requirement> reqs = {
      int_req(comparator::greater_than, {1}),
      int_req(comparator::less_than, {9}),
      int_req(comparator::not_equal_to, {5}),
  };
  EXPECT_EQ(validate(reqs), errc::none);
}

TEST(Qualification, ValidateAcceptsFifteenIntegersAndThirtyLocales) {
  std::vector<int32_t> ints(limits::requirement_integer_values_max);
  for (size_t i = 0; i < ints.size(); ++i) ints[i] = static_cast<int32_t>(i);
  std::vector<locale> locs(limits::requirement_locale_values_max, locale{"US", ""});
  EXPECT_EQ(validate({int_req(comparator::in, ints), int_req(comparator::not_in, ints),
                      loc_req(comparator::in, locs), loc_req(comparator::not_in, locs)}),
            errc::none);
}

TEST(Qualification, ValidateAcceptsA64CharacterId) {
  EXPECT_EQ(validate({int_req(comparator::exists, {}, std::string(64, 'A'))}), errc::none);
}

TEST(Qualification, ValidateWorksWithoutAMessageSink) {
  EXPECT_EQ(validate({int_req(comparator::exists, {1})}, nullptr), errc::invalid_parameter_value);
}

// ---- validation: errors ---------------------------------------------------------

void expect_invalid(const std::vector<qualification_requirement>& reqs) {
  std::string why;
  EXPECT_EQ(validate(reqs, &why), errc::invalid_parameter_value);
  EXPECT_FALSE(why.empty());
}

TEST(Qualification, ValidateRejectsElevenRequirements) {
  std::vector<qualification_requirement> reqs(limits::requirements_per_hit_max + 1,
                                              int_req(comparator::exists, {}));
  expect_invalid(reqs);
}

TEST(Qualification, ValidateRejectsABadQualificationTypeId) {
  for (const std::string& id : {std::string(), std::string("q0000000000001"),
                                std::string("Q-1"), std::string("Q 1"), std::string(65, 'A')}) {
    SCOPED_TRACE(id);
    expect_invalid({int_req(comparator::exists, {}, id)});
  }
}

TEST(Qualification, ValidateNamesTheOffendingRequirement) {
  std::string why;
  EXPECT_EQ(validate({int_req(comparator::exists, {}), int_req(comparator::less_than, {})}, &why),
            errc::invalid_parameter_value);
  EXPECT_NE(why.find("[1]"), std::string::npos) << why;
}

TEST(Qualification, ValidateRejectsExistsWithValues) {
  expect_invalid({int_req(comparator::exists, {1})});
  expect_invalid({loc_req(comparator::exists, {{"US", ""}})});
}

TEST(Qualification, ValidateRejectsDoesNotExistWithValues) {
  expect_invalid({int_req(comparator::does_not_exist, {0})});
  expect_invalid({loc_req(comparator::does_not_exist, {{"US", ""}})});
}

TEST(Qualification, ValidateRejectsOrderingWithoutAnInteger) {
  for (comparator cmp : {comparator::less_than, comparator::less_than_or_equal_to,
                         comparator::greater_than, comparator::greater_than_or_equal_to}) {
    SCOPED_TRACE(static_cast<int>(cmp));
    expect_invalid({int_req(cmp, {})});
  }
}

TEST(Qualification, ValidateRejectsOrderingWithTwoIntegers) {
  for (comparator cmp : {comparator::less_than, comparator::less_than_or_equal_to,
                         comparator::greater_than, comparator::greater_than_or_equal_to}) {
    SCOPED_TRACE(static_cast<int>(cmp));
    expect_invalid({int_req(cmp, {1, 2})});
  }
}

TEST(Qualification, ValidateRejectsOrderingWithALocale) {
  for (comparator cmp : {comparator::less_than, comparator::less_than_or_equal_to,
                         comparator::greater_than, comparator::greater_than_or_equal_to}) {
    SCOPED_TRACE(static_cast<int>(cmp));
    expect_invalid({loc_req(cmp, {{"US", ""}})});
  }
}

TEST(Qualification, ValidateRejectsEqualToWithoutAValue) {
  expect_invalid({int_req(comparator::equal_to, {})});
  expect_invalid({int_req(comparator::not_equal_to, {})});
  expect_invalid({loc_req(comparator::equal_to, {})});
}

TEST(Qualification, ValidateRejectsEqualToWithTwoIntegers) {
  expect_invalid({int_req(comparator::equal_to, {1, 2})});
  expect_invalid({int_req(comparator::not_equal_to, {1, 2})});
}

TEST(Qualification, ValidateRejectsEqualToWithTwoLocales) {
  expect_invalid({loc_req(comparator::equal_to, {{"US", ""}, {"CA", ""}})});
  expect_invalid({loc_req(comparator::not_equal_to, {{"US", ""}, {"CA", ""}})});
}

TEST(Qualification, ValidateRejectsIntegerAndLocaleTogether) {
  auto eq = loc_req(comparator::equal_to, {{"US", ""}});
  eq.integer_values = {1};
  expect_invalid({eq});
  auto in = loc_req(comparator::in, {{"US", ""}});
  in.integer_values = {1};
  std::string why;
  EXPECT_EQ(validate({in}, &why), errc::invalid_parameter_value);
  // Any such list also breaks "no integers on the locale type"; the message
  // names the real mistake.
  EXPECT_NE(why.find("both"), std::string::npos) << why;
}

TEST(Qualification, ValidateRejectsInWithoutValues) {
  expect_invalid({int_req(comparator::in, {})});
  expect_invalid({int_req(comparator::not_in, {})});
  expect_invalid({loc_req(comparator::in, {})});
}

TEST(Qualification, ValidateRejectsSixteenIntegers) {
  std::vector<int32_t> ints(limits::requirement_integer_values_max + 1, 1);
  expect_invalid({int_req(comparator::in, ints)});
  expect_invalid({int_req(comparator::not_in, ints)});
}

TEST(Qualification, ValidateRejectsThirtyOneLocales) {
  std::vector<locale> locs(limits::requirement_locale_values_max + 1, locale{"US", ""});
  expect_invalid({loc_req(comparator::in, locs)});
  expect_invalid({loc_req(comparator::not_in, locs)});
}

TEST(Qualification, ValidateRejectsLocaleValuesOnACustomType) {
  expect_invalid({loc_req(comparator::equal_to, {{"US", ""}}, custom_q)});
  expect_invalid({loc_req(comparator::in, {{"US", ""}}, system_qualification::adult)});
}

TEST(Qualification, ValidateRejectsIntegerValuesOnTheLocaleType) {
  expect_invalid({int_req(comparator::equal_to, {1}, locale_q)});
  expect_invalid({int_req(comparator::in, {1, 2}, locale_q)});
  expect_invalid({int_req(comparator::greater_than, {1}, locale_q)});
}

TEST(Qualification, ValidateRejectsABadCountry) {
  for (const char* country : {"", "U", "us", "Us", "USA", "U1", "1S"}) {
    SCOPED_TRACE(country);
    expect_invalid({loc_req(comparator::equal_to, {{country, ""}})});
  }
}

TEST(Qualification, ValidateRejectsABadSubdivision) {
  for (const char* subdivision : {"W", "wa", "Wa", "WAS", "W-", "  "}) {
    SCOPED_TRACE(subdivision);
    expect_invalid({loc_req(comparator::equal_to, {{"US", subdivision}})});
  }
}

TEST(Qualification, ValidateChecksEveryLocaleOfAnInList) {
  expect_invalid({loc_req(comparator::in, {{"US", ""}, {"CA", ""}, {"de", ""}})});
  expect_invalid({loc_req(comparator::not_in, {{"US", "WA"}, {"CA", "q"}})});
}

TEST(Qualification, ValidateRejectsAnUnknownComparator) {
  expect_invalid({int_req(static_cast<comparator>(99), {1})});
}

} // namespace
} // namespace hitd
