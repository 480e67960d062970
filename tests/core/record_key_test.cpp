// Keys written by record_key read back by key_reader, and keys that do not
// have their parts.

#include <gtest/gtest.h>

#include <hitd/records.hpp>
#include <hitd/storage_port.hpp>

namespace hitd {
namespace {

TEST(KeyReader, ReadsBackWhatRecordKeyWrote) {
  auto key = record_key{record_kind::qualification_grant}.number(0x0102030405060708).text("W1").number32(7).text("").str();
  key_reader k{key};
  EXPECT_EQ(k.number(), 0x0102030405060708u);
  EXPECT_EQ(k.text(), "W1");
  EXPECT_EQ(k.number32(), 7u);
  EXPECT_EQ(k.text(), "");
  EXPECT_TRUE(k.ok());
}

TEST(KeyReader, ATruncatedNumberIsMalformed) {
  auto key = record_key{record_kind::deadline}.number(5).str();
  key.pop_back();
  key_reader k{key};
  EXPECT_EQ(k.number(), 0u);
  EXPECT_FALSE(k.ok());
  EXPECT_EQ(k.number(), 0u);   // and stays so
  EXPECT_FALSE(k.ok());
  EXPECT_EQ(k.malformed(), "malformed deadline key 10" + std::string(14, '0'));
}

TEST(KeyReader, ATextWithoutItsTerminatorIsMalformed) {
  std::string key = record_key{record_kind::worker_block}.text("R1").str() + "W1";
  key_reader k{key};
  EXPECT_EQ(k.text(), "R1");
  EXPECT_FALSE(k.ok());   // "W1" is left
  EXPECT_EQ(k.text(), "");
  EXPECT_FALSE(k.ok());
}

TEST(KeyReader, PartsLeftOverAreMalformed) {
  auto key = hit_key(3) + "x";
  key_reader k{key};
  EXPECT_EQ(k.number(), 3u);
  EXPECT_FALSE(k.ok());
  EXPECT_FALSE(key_reader{std::string{}}.ok());
}

TEST(KeyReader, KeyHexIsTwoLowercaseDigitsAByte) {
  EXPECT_EQ(key_hex(std::string{"\x00\x0f\xab", 3}), "000fab");
  EXPECT_EQ(key_hex(""), "");
}

} // namespace
} // namespace hitd
