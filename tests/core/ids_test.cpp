#include "hitd/ids.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace hitd {
namespace {

constexpr uint64_t u64_max = std::numeric_limits<uint64_t>::max();
constexpr uint32_t u32_max = std::numeric_limits<uint32_t>::max();

TEST(Ids, FormatsAKindLetterAndThirteenDigits) {
  EXPECT_EQ(format_id(id_kind::hit, 0), "H0000000000000");
  EXPECT_EQ(format_id(id_kind::hit, 1), "H0000000000001");
  EXPECT_EQ(format_id(id_kind::hit_type, 31), "T000000000000Z");
  EXPECT_EQ(format_id(id_kind::qualification_type, 32), "Q0000000000010");
  EXPECT_EQ(format_id(id_kind::qualification_request, 1234567890), "K00000014SC0PJ");
  EXPECT_EQ(format_id(id_kind::hit, 0xDEADBEEFCAFEBABEull), "HDXBDYXZ5FXENY");
  EXPECT_EQ(format_id(id_kind::hit, uint64_t{1} << 63), "H8000000000000");
  EXPECT_EQ(format_id(id_kind::hit, u64_max), "HFZZZZZZZZZZZZ");
}

TEST(Ids, FormattedIdsAreEntityIds) {
  for (uint64_t n : {uint64_t{0}, uint64_t{42}, u64_max}) {
    const std::string id = format_id(id_kind::hit, n);
    EXPECT_EQ(id.size(), 14u);
    EXPECT_TRUE(is_entity_id(id)) << id;
  }
}

TEST(Ids, ParsesWhatItFormats) {
  for (id_kind kind : {id_kind::hit, id_kind::hit_type, id_kind::qualification_type,
                       id_kind::qualification_request}) {
    for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{31}, uint64_t{32}, uint64_t{1234567890},
                       uint64_t{0xDEADBEEFCAFEBABEull}, u64_max - 1, u64_max}) {
      EXPECT_EQ(parse_id(kind, format_id(kind, n)), n);
    }
  }
  EXPECT_EQ(parse_id(id_kind::hit, "HDXBDYXZ5FXENY"), 0xDEADBEEFCAFEBABEull);
}

TEST(Ids, ParseRejectsTheWrongKind) {
  EXPECT_EQ(parse_id(id_kind::hit_type, "H0000000000001"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "T0000000000001"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "h0000000000001"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "S0000000000001"), std::nullopt);
}

TEST(Ids, ParseRejectsTheWrongLength) {
  EXPECT_EQ(parse_id(id_kind::hit, ""), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "H"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "H000000000001"), std::nullopt);     // 12 digits
  EXPECT_EQ(parse_id(id_kind::hit, "H00000000000001"), std::nullopt);   // 14 digits
  EXPECT_EQ(parse_id(id_kind::hit, "H0000000000001 "), std::nullopt);
}

TEST(Ids, ParseRejectsCharactersOutsideTheAlphabet) {
  // Crockford has no I, L, O, U; only canonical upper case parses.
  EXPECT_EQ(parse_id(id_kind::hit, "H000000000000I"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "H000000000000L"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "H000000000000O"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "H000000000000U"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "H000000000000a"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "H000000000000-"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "H00000000 0000"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, std::string("H000000\0" "000000", 14)), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "H000000000000\xC3"), std::nullopt);
}

TEST(Ids, ParseRejectsNumbersAbove64Bits) {
  EXPECT_EQ(parse_id(id_kind::hit, "HFZZZZZZZZZZZZ"), u64_max);
  EXPECT_EQ(parse_id(id_kind::hit, "HG000000000000"), std::nullopt);   // 2^64
  EXPECT_EQ(parse_id(id_kind::hit, "HZZZZZZZZZZZZZ"), std::nullopt);
  EXPECT_EQ(parse_id(id_kind::hit, "HG000000000001"), std::nullopt);
}

TEST(Ids, FormatsAssignmentIds) {
  EXPECT_EQ(format_assignment_id({0, 0}), "S00000000000000000000");
  EXPECT_EQ(format_assignment_id({1, 2}), "S00000000000010000002");
  EXPECT_EQ(format_assignment_id({1234567890, 123456}), "S00000014SC0PJ0003RJ0");
  EXPECT_EQ(format_assignment_id({u64_max, u32_max}), "SFZZZZZZZZZZZZ3ZZZZZZ");
  EXPECT_TRUE(is_entity_id(format_assignment_id({u64_max, u32_max})));
}

TEST(Ids, ParsesAssignmentIds) {
  for (const assignment_ref ref : {assignment_ref{0, 0}, assignment_ref{1, 2},
                                   assignment_ref{1234567890, 123456},
                                   assignment_ref{u64_max, u32_max}, assignment_ref{u64_max, 0},
                                   assignment_ref{0, u32_max}}) {
    EXPECT_EQ(parse_assignment_id(format_assignment_id(ref)), ref);
  }
  const auto ref = parse_assignment_id("S00000014SC0PJ0003RJ0");
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->hit, 1234567890u);
  EXPECT_EQ(ref->ordinal, 123456u);
}

TEST(Ids, ParseAssignmentIdRejectsMalformedIds) {
  EXPECT_EQ(parse_assignment_id(""), std::nullopt);
  EXPECT_EQ(parse_assignment_id("S"), std::nullopt);
  EXPECT_EQ(parse_assignment_id("S0000000000001000000"), std::nullopt);     // 19 digits
  EXPECT_EQ(parse_assignment_id("S000000000000100000000"), std::nullopt);   // 21 digits
  EXPECT_EQ(parse_assignment_id("H00000000000010000002"), std::nullopt);    // wrong kind
  EXPECT_EQ(parse_assignment_id("s00000000000010000002"), std::nullopt);
  EXPECT_EQ(parse_assignment_id("S0000000000001000000U"), std::nullopt);    // bad ordinal digit
  EXPECT_EQ(parse_assignment_id("S000000000000I0000002"), std::nullopt);    // bad hit digit
  EXPECT_EQ(parse_assignment_id("H0000000000001"), std::nullopt);
}

TEST(Ids, ParseAssignmentIdRejectsOverflow) {
  EXPECT_EQ(parse_assignment_id("SG0000000000000000000"), std::nullopt);   // hit 2^64
  EXPECT_EQ(parse_assignment_id("S00000000000014000000"), std::nullopt);   // ordinal 2^32
  EXPECT_EQ(parse_assignment_id("S0000000000001ZZZZZZZ"), std::nullopt);
  const auto max = parse_assignment_id("S00000000000013ZZZZZZ");
  ASSERT_TRUE(max.has_value());
  EXPECT_EQ(max->ordinal, u32_max);
}

TEST(Ids, FormatsCustomerIds) {
  EXPECT_EQ(format_requester_id(0), "AR0000000000000");
  EXPECT_EQ(format_requester_id(1234567890), "AR00000014SC0PJ");
  EXPECT_EQ(format_worker_id(1), "AW0000000000001");
  EXPECT_EQ(format_worker_id(u64_max), "AWFZZZZZZZZZZZZ");
  EXPECT_NE(format_requester_id(7), format_worker_id(7));
  EXPECT_TRUE(is_customer_id(format_requester_id(u64_max)));
  EXPECT_TRUE(is_customer_id(format_worker_id(0)));
  EXPECT_TRUE(is_entity_id(format_worker_id(0)));
}

TEST(Ids, RecognisesEntityIds) {
  EXPECT_TRUE(is_entity_id("A"));
  EXPECT_TRUE(is_entity_id("0"));
  EXPECT_TRUE(is_entity_id("3XYZ09AB"));
  EXPECT_TRUE(is_entity_id(std::string(64, 'Z')));
  EXPECT_FALSE(is_entity_id(""));
  EXPECT_FALSE(is_entity_id(std::string(65, 'Z')));
  EXPECT_FALSE(is_entity_id("abc"));
  EXPECT_FALSE(is_entity_id("AB-C"));
  EXPECT_FALSE(is_entity_id("AB C"));
  EXPECT_FALSE(is_entity_id("AB_C"));
  EXPECT_FALSE(is_entity_id("ABC\n"));
  EXPECT_FALSE(is_entity_id(std::string("AB\0C", 4)));
}

TEST(Ids, RecognisesCustomerIds) {
  EXPECT_TRUE(is_customer_id("A1"));
  EXPECT_TRUE(is_customer_id("AZ"));
  EXPECT_TRUE(is_customer_id("A2ABCDEF3GHI"));
  EXPECT_TRUE(is_customer_id("A" + std::string(63, '9')));
  EXPECT_FALSE(is_customer_id(""));
  EXPECT_FALSE(is_customer_id("A"));
  EXPECT_FALSE(is_customer_id("A" + std::string(64, '9')));
  EXPECT_FALSE(is_customer_id("B1"));
  EXPECT_FALSE(is_customer_id("a1"));
  EXPECT_FALSE(is_customer_id("Ab"));
  EXPECT_FALSE(is_customer_id("A-1"));
  EXPECT_FALSE(is_customer_id(" A1"));
}

TEST(Ids, RecognisesSystemQualifications) {
  namespace sq = system_qualification;
  for (std::string_view id :
       {sq::percent_assignments_submitted, sq::percent_assignments_abandoned,
        sq::percent_assignments_returned, sq::percent_assignments_approved,
        sq::percent_assignments_rejected, sq::number_hits_approved, sq::locale, sq::adult}) {
    EXPECT_TRUE(sq::is_system(id)) << id;
    EXPECT_TRUE(is_entity_id(id)) << id;
  }
  EXPECT_FALSE(sq::is_system(""));
  EXPECT_FALSE(sq::is_system("00000000000000000072"));
  EXPECT_FALSE(sq::is_system("0000000000000000007"));
  EXPECT_FALSE(sq::is_system("000000000000000000700"));
  EXPECT_FALSE(sq::is_system(format_id(id_kind::qualification_type, 0)));
  EXPECT_FALSE(sq::is_system(format_id(id_kind::qualification_type, 0x70)));
}

} // namespace
} // namespace hitd
