// The record encoding: every kind reads back as written, and anything that
// is not exactly a record of its kind fails, naming the key.

#include "hitd/storage/codec.hpp"

#include <limits>
#include <set>

#include <gtest/gtest.h>

#include "samples.hpp"

namespace hitd::storage {
namespace {

using testing::empty_samples;
using testing::full_samples;
using testing::sample;

void expect_round_trip(const sample& s) {
  SCOPED_TRACE(record_kind_name(s.kind));
  auto bytes = encode(s.kind, s.value.get());
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), codec_version);
  auto back = decode(s.kind, bytes, s.key);
  ASSERT_TRUE(back.ok()) << back.err().message;
  ASSERT_NE(*back, nullptr);
  s.same(s.value.get(), back->get());
}

std::string expect_corrupt(record_kind k, std::string_view bytes, const std::string& key) {
  auto r = decode(k, bytes, key);
  EXPECT_FALSE(r.ok());
  if (r.ok())
    return {};
  EXPECT_EQ(r.err().code, errc::storage_failure);
  EXPECT_NE(r.err().message.find(key_hex(key)), std::string::npos) << r.err().message;
  EXPECT_NE(r.err().message.find(std::string{"corrupt "} + record_kind_name(k) + " record"), std::string::npos)
      << r.err().message;
  return r.err().message;
}

TEST(Codec, SamplesCoverEveryKind) {
  std::set<record_kind> kinds;
  for (const auto& s : full_samples())
    kinds.insert(s.kind);
  size_t known = 0;
  for (int b = 0; b < 256; ++b)
    if (known_kind(static_cast<record_kind>(b))) {
      ++known;
      EXPECT_TRUE(kinds.count(static_cast<record_kind>(b))) << b;
    }
  EXPECT_EQ(known, 25u);
  EXPECT_EQ(kinds.size(), known);
}

TEST(Codec, EveryKindRoundTripsWithEveryField) {
  for (const auto& s : full_samples())
    expect_round_trip(s);
}

TEST(Codec, EveryKindRoundTripsEmpty) {
  for (const auto& s : empty_samples())
    expect_round_trip(s);
}

TEST(Codec, HitFlagsAreIndependent) {
  for (int bits = 0; bits < 16; ++bits) {
    auto h = testing::full_hit();
    h.expired = bits & 1;
    h.withdrawn = bits & 2;
    h.reviewing = bits & 4;
    h.disposed = bits & 8;
    expect_round_trip(testing::make_sample(record_kind::hit, hit_key(1), h));
  }
}

TEST(Codec, OutboxKindsAndEnumsAtTheirBounds) {
  for (auto k : {outbox_entry::kind_t::transfer, outbox_entry::kind_t::worker_update,
                 outbox_entry::kind_t::worker_bonus}) {
    auto o = testing::full_outbox();
    o.kind = k;
    expect_round_trip(testing::make_sample(record_kind::outbox, outbox_key("x", 1), o));
  }
  auto t = testing::full_hit_type();
  t.properties.requirements.front().cmp = comparator::less_than;
  t.properties.requirements.back().cmp = comparator::not_in;
  expect_round_trip(testing::make_sample(record_kind::hit_type, hit_type_key(1), t));
}

TEST(Codec, BigValues) {
  constexpr auto i64_min = std::numeric_limits<int64_t>::min();
  constexpr auto i64_max = std::numeric_limits<int64_t>::max();
  constexpr auto u64_max = std::numeric_limits<uint64_t>::max();
  expect_round_trip(testing::make_sample(record_kind::counter, counter_key("c"), u64_max));
  expect_round_trip(testing::make_sample(record_kind::ledger_account, ledger_account_key(external_account()),
                                         money{i64_min}));
  expect_round_trip(testing::make_sample(record_kind::ledger_account, ledger_account_key(external_account()),
                                         money{i64_max}));

  auto a = testing::full_assignment();
  a.ordinal = std::numeric_limits<uint32_t>::max();
  a.accept_time = i64_min;
  a.deadline = i64_max;
  a.reward = money{i64_max};
  a.fee = money{i64_min};
  a.answer = std::string(1 << 20, 'x');   // a 1 MiB answer
  a.answer[12345] = '\0';                 // bytes, not C strings
  expect_round_trip(testing::make_sample(record_kind::assignment, assignment_key(u64_max, 1), a));

  auto w = testing::full_worker();
  w.finished.clear();
  w.finished_order.clear();
  for (uint64_t i = 0; i < finished_max; ++i) {
    uint64_t key = ((i * 7919) << 32) | (i % 50);
    w.finished.insert(key);
    w.finished_order.push_back(key);
  }
  for (int i = 0; i < 500; ++i)
    w.days.push_back(w.days.front());
  w.ledger_seq = u64_max;
  expect_round_trip(testing::make_sample(record_kind::worker, worker_key(w.id), w));

  auto d = testing::full_definition();
  d.number = u64_max;
  auto many = *d.properties;
  many.requirements.clear();
  for (int i = 0; i < 100; ++i)
    many.requirements.push_back(testing::full_properties().requirements[static_cast<size_t>(i % 4)]);
  d.properties = std::make_shared<const hit_properties>(std::move(many));
  expect_round_trip(testing::make_sample(record_kind::hit_definition, hit_definition_key(1), d));
}

TEST(Codec, EveryStrictPrefixFails) {
  for (const auto& s : full_samples()) {
    SCOPED_TRACE(record_kind_name(s.kind));
    auto bytes = encode(s.kind, s.value.get());
    for (size_t n = 0; n < bytes.size(); ++n)
      expect_corrupt(s.kind, std::string_view{bytes}.substr(0, n), s.key);
  }
}

TEST(Codec, TrailingBytesFail) {
  for (const auto& s : full_samples()) {
    SCOPED_TRACE(record_kind_name(s.kind));
    auto bytes = encode(s.kind, s.value.get());
    auto msg = expect_corrupt(s.kind, bytes + '\0', s.key);
    EXPECT_NE(msg.find("trailing"), std::string::npos) << msg;
    expect_corrupt(s.kind, bytes + "xyz", s.key);
  }
}

TEST(Codec, UnknownVersionFails) {
  for (const auto& s : full_samples()) {
    SCOPED_TRACE(record_kind_name(s.kind));
    auto bytes = encode(s.kind, s.value.get());
    for (int v : {0, 2, 255}) {
      bytes[0] = static_cast<char>(v);
      auto msg = expect_corrupt(s.kind, bytes, s.key);
      EXPECT_NE(msg.find("unknown encoding version " + std::to_string(v)), std::string::npos) << msg;
    }
  }
}

TEST(Codec, OutOfRangeEnumsFail) {
  auto key = requester_hit_key("AR1", 7);
  // requester_hit_entry: version, hit_status (0..4), hit type varint.
  EXPECT_TRUE(decode(record_kind::requester_hit, std::string{"\x01\x04\x05", 3}, key).ok());
  auto msg = expect_corrupt(record_kind::requester_hit, std::string{"\x01\x05\x05", 3}, key);
  EXPECT_NE(msg.find("bad hit_status 5"), std::string::npos) << msg;

  // assignment_record: version, ordinal, worker id, status (0..5).
  auto a = testing::full_assignment();
  a.ordinal = 1;
  a.worker_id = "W";
  auto bytes = encode(record_kind::assignment, &a);
  ASSERT_EQ(bytes[3], 'W');
  ASSERT_EQ(static_cast<uint8_t>(bytes[4]), static_cast<uint8_t>(assignment_status::approved));
  bytes[4] = 6;
  msg = expect_corrupt(record_kind::assignment, bytes, assignment_key(1, 1));
  EXPECT_NE(msg.find("bad assignment_status 6"), std::string::npos) << msg;

  // outbox_entry: version, kind (1..3).
  auto o = testing::full_outbox();
  bytes = encode(record_kind::outbox, &o);
  for (int k : {0, 4}) {
    bytes[1] = static_cast<char>(k);
    msg = expect_corrupt(record_kind::outbox, bytes, outbox_key("s", 1));
    EXPECT_NE(msg.find("bad outbox kind"), std::string::npos) << msg;
  }

  // hit_snapshot: version, max assignments, expiration, flags (4 bits), review
  // status, held, ledger seq, pending seq, pending hold, time deleted, add tokens.
  hit_snapshot h;
  bytes = encode(record_kind::hit, &h);
  ASSERT_EQ(bytes.size(), 11u);
  bytes[3] = 0x10;
  msg = expect_corrupt(record_kind::hit, bytes, hit_key(1));
  EXPECT_NE(msg.find("bad hit flags"), std::string::npos) << msg;
  bytes[3] = 0;
  bytes[4] = 4;
  msg = expect_corrupt(record_kind::hit, bytes, hit_key(1));
  EXPECT_NE(msg.find("bad hit_review_status 4"), std::string::npos) << msg;

  // A boolean is 0 or 1: qualification_grant's locale presence.
  qualification_grant g;
  g.qualification_type_id = "Q";
  bytes = encode(record_kind::qualification_grant, &g);
  ASSERT_EQ(static_cast<uint8_t>(bytes[4]), 0u);   // version, "Q" (2), value 1 (zigzag 2), presence
  bytes[4] = 2;
  msg = expect_corrupt(record_kind::qualification_grant, bytes, qualification_grant_key(1, "W"));
  EXPECT_NE(msg.find("bad boolean"), std::string::npos) << msg;
}

TEST(Codec, CredentialKindsAtTheirBounds) {
  credential_record c{credential_record::kind_t::worker_token, "AW1", std::string(64, 'a'), 5};
  auto key = credential_key(c.kind, c.secret);
  auto bytes = encode(record_kind::credential, &c);
  // version, kind (1..2), owner, secret, created.
  ASSERT_EQ(static_cast<uint8_t>(bytes[1]), 1u);
  bytes[1] = 2;
  EXPECT_TRUE(decode(record_kind::credential, bytes, key).ok());
  for (int k : {0, 3}) {
    bytes[1] = static_cast<char>(k);
    auto msg = expect_corrupt(record_kind::credential, bytes, key);
    EXPECT_NE(msg.find("bad credential kind"), std::string::npos) << msg;
  }
}

TEST(Codec, AbsurdLengthsAndVarintsFail) {
  auto key = worker_block_key("AR1", "AW1");
  // A string longer than the value.
  auto msg = expect_corrupt(record_kind::worker_block, std::string{"\x01\x7f" "abc", 5}, key);
  EXPECT_NE(msg.find("string length 127 exceeds"), std::string::npos) << msg;
  // A length of 2^63.
  std::string huge = "\x01";
  huge += std::string(9, '\x80');
  huge += '\x01';
  msg = expect_corrupt(record_kind::worker_block, huge, key);
  EXPECT_NE(msg.find("exceeds"), std::string::npos) << msg;
  // A varint of more than 64 bits.
  std::string over = "\x01";
  over += std::string(10, '\xff');
  over += '\x01';
  msg = expect_corrupt(record_kind::counter, over, counter_key("c"));
  EXPECT_NE(msg.find("varint longer than 64 bits"), std::string::npos) << msg;
  // A collection count larger than what is left: a worker whose
  // qualification count says a billion.
  worker_state w;
  auto bytes = encode(record_kind::worker, &w);
  // version, id "", created 0, home ("", ""), qualification count
  ASSERT_EQ(bytes.substr(0, 6), std::string(1, '\x01') + std::string(5, '\0'));
  std::string bad = bytes.substr(0, 5) + "\x80\x94\xeb\xdc\x03" + bytes.substr(6);
  msg = expect_corrupt(record_kind::worker, bad, worker_key(""));
  EXPECT_NE(msg.find("count 1000000000 exceeds"), std::string::npos) << msg;
  // An ordinal above 32 bits.
  bonus_record b;
  bytes = encode(record_kind::bonus, &b);
  bad = bytes.substr(0, 1) + "\x80\x80\x80\x80\x10" + bytes.substr(2);
  msg = expect_corrupt(record_kind::bonus, bad, bonus_key(1, 1));
  EXPECT_NE(msg.find("does not fit 32 bits"), std::string::npos) << msg;
}

TEST(Codec, DuplicateKeysInAWorkerFail) {
  worker_state w;
  w.blocked_by = {"AR1"};
  auto bytes = encode(record_kind::worker, &w);
  // ... blocked_by count 1, "AR1" -> count 2, "AR1", "AR1"
  auto at = bytes.find(std::string{"\x01\x03" "AR1", 5});
  ASSERT_NE(at, std::string::npos);
  std::string bad = bytes.substr(0, at) + std::string{"\x02\x03" "AR1\x03" "AR1", 9} + bytes.substr(at + 5);
  auto msg = expect_corrupt(record_kind::worker, bad, worker_key(""));
  EXPECT_NE(msg.find("duplicate blocking requester"), std::string::npos) << msg;
}

TEST(Codec, ErrorNamesKindAndKeyInHex) {
  auto h = testing::full_hit();
  auto bytes = encode(record_kind::hit, &h);
  auto r = decode(record_kind::hit, std::string_view{bytes}.substr(0, 3), hit_key(42));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::storage_failure);
  EXPECT_EQ(r.err().message, "corrupt hit record at key 02000000000000002a: truncated");
  r = decode(record_kind::hit, "", hit_key(42));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().message, "corrupt hit record at key 02000000000000002a: empty value");
}

TEST(Codec, UnknownKindFails) {
  uint64_t v = 1;
  EXPECT_EQ(encode(static_cast<record_kind>(99), &v), "");
  auto r = decode(static_cast<record_kind>(99), "\x01\x01", std::string{"\x63\x01", 2});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::storage_failure);
  EXPECT_NE(r.err().message.find("6301"), std::string::npos) << r.err().message;
}

TEST(Codec, KeyHex) {
  EXPECT_EQ(key_hex(""), "");
  EXPECT_EQ(key_hex(std::string{"\x00\x7f\x80\xff", 4}), "007f80ff");
  EXPECT_EQ(key_hex(worker_key("AW1")), "0541573100");
  EXPECT_EQ(key_hex(assignment_key(1, 2)), "03000000000000000100000002");
}

TEST(Codec, EncodingIsCompact) {
  // Sizes are part of the format: a change here is a format change (bump
  // codec_version and update docs/storage.md).
  hit_snapshot h;
  EXPECT_EQ(encode(record_kind::hit, &h).size(), 11u);
  deadline_mark d;
  EXPECT_EQ(encode(record_kind::deadline, &d), std::string(1, '\x01'));
  uint64_t c = 300;
  EXPECT_EQ(encode(record_kind::counter, &c), std::string("\x01\xac\x02", 3));
  money m{-3};
  EXPECT_EQ(encode(record_kind::ledger_account, &m), std::string("\x01\x05", 2));
  requester_hit_entry e{hit_status::reviewable, 5};
  EXPECT_EQ(encode(record_kind::requester_hit, &e), std::string("\x01\x02\x05", 3));
}

} // namespace
} // namespace hitd::storage
