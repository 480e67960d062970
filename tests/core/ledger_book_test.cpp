// The payment ledger's arithmetic (hitd/ledger_book.hpp): double entry in
// exact cents, whole-or-nothing transfers, per-source sequence numbers.

#include "hitd/ledger_book.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace hitd {
namespace {

const std::string req = "AR0000000000001";
const std::string wrk = "AW0000000000001";

transfer make(std::string source, uint64_t seq, std::vector<transfer_leg> legs) {
  return transfer{std::move(source), seq, std::move(legs)};
}

// A requester who deposited `amount` from outside.
ledger_book funded(money amount) {
  ledger_book b;
  EXPECT_EQ(b.apply(make("admin", 1, {{external_account(), available_account(req), amount}})),
            transfer_outcome::applied);
  return b;
}

TEST(LedgerBook, ADepositMovesMoneyFromOutside) {
  auto b = funded(cents(10'000));
  EXPECT_EQ(b.balance(available_account(req)).cents, 10'000);
  EXPECT_EQ(b.balance(external_account()).cents, -10'000);
  EXPECT_EQ(b.total().cents, 0);
  EXPECT_EQ(b.last_seq("admin"), 1u);
}

TEST(LedgerBook, ExternalMayGoNegativeOthersMayNot) {
  ledger_book b;
  EXPECT_EQ(b.apply(make("admin", 1, {{external_account(), worker_account(wrk), cents(5)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.balance(external_account()).cents, -5);
  EXPECT_EQ(b.apply(make("admin", 2, {{platform_account(), worker_account(wrk), cents(1)}})),
            transfer_outcome::insufficient_funds);
  EXPECT_EQ(b.apply(make(wrk, 1, {{worker_account(wrk), external_account(), cents(6)}})),
            transfer_outcome::insufficient_funds);
  EXPECT_EQ(b.apply(make(wrk, 1, {{worker_account(wrk), external_account(), cents(5)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.balance(worker_account(wrk)).cents, 0);
  EXPECT_EQ(b.balance(external_account()).cents, 0);
  EXPECT_EQ(b.total().cents, 0);
}

TEST(LedgerBook, AHitLifecycleMovesMoneyAndTotalStaysZero) {
  auto b = funded(cents(1'000));
  // Publish: hold 2 x (100 + 20).
  ASSERT_EQ(b.apply(make(req, 1, {{available_account(req), held_account(req), cents(240)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.total().cents, 0);
  // Approve one: reward to the worker, fee to the platform, from the hold.
  ASSERT_EQ(b.apply(make("H1", 1, {{held_account(req), worker_account(wrk), cents(100)},
                                   {held_account(req), platform_account(), cents(20)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.total().cents, 0);
  // Expire the other: release.
  ASSERT_EQ(b.apply(make("H1", 2, {{held_account(req), available_account(req), cents(120)}})),
            transfer_outcome::applied);
  // Withdraw.
  ASSERT_EQ(b.apply(make(wrk, 1, {{worker_account(wrk), external_account(), cents(100)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.balance(available_account(req)).cents, 880);
  EXPECT_EQ(b.balance(held_account(req)).cents, 0);
  EXPECT_EQ(b.balance(worker_account(wrk)).cents, 0);
  EXPECT_EQ(b.balance(platform_account()).cents, 20);
  EXPECT_EQ(b.balance(external_account()).cents, -900);
  EXPECT_EQ(b.total().cents, 0);
}

TEST(LedgerBook, ADuplicateSequenceNumberHasNoSecondEffect) {
  auto b = funded(cents(1'000));
  auto t = make(req, 1, {{available_account(req), held_account(req), cents(300)}});
  ASSERT_EQ(b.apply(t), transfer_outcome::applied);
  EXPECT_EQ(b.apply(t), transfer_outcome::duplicate);
  EXPECT_EQ(b.balance(held_account(req)).cents, 300);
  // A lower number is a duplicate too, whatever it carries.
  ASSERT_EQ(b.apply(make(req, 5, {{available_account(req), held_account(req), cents(1)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.apply(make(req, 4, {{available_account(req), held_account(req), cents(1)}})),
            transfer_outcome::duplicate);
  EXPECT_EQ(b.apply(make(req, 5, {{available_account(req), held_account(req), cents(1)}})),
            transfer_outcome::duplicate);
  EXPECT_EQ(b.balance(held_account(req)).cents, 301);
  EXPECT_EQ(b.last_seq(req), 5u);
  EXPECT_EQ(b.total().cents, 0);
}

TEST(LedgerBook, SequenceNumbersArePerSource) {
  auto b = funded(cents(1'000));
  ASSERT_EQ(b.apply(make("H1", 1, {{available_account(req), held_account(req), cents(10)}})),
            transfer_outcome::applied);
  ASSERT_EQ(b.apply(make("H2", 1, {{available_account(req), held_account(req), cents(10)}})),
            transfer_outcome::applied);
  ASSERT_EQ(b.apply(make("H2", 2, {{available_account(req), held_account(req), cents(10)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.last_seq("H1"), 1u);
  EXPECT_EQ(b.last_seq("H2"), 2u);
  EXPECT_EQ(b.last_seq("admin"), 1u);
  EXPECT_EQ(b.last_seq("H3"), 0u);
  EXPECT_EQ(b.balance(held_account(req)).cents, 30);
}

TEST(LedgerBook, InsufficientFundsChangesNothingAndKeepsTheSequenceNumber) {
  auto b = funded(cents(100));
  auto before = b.balances();
  EXPECT_EQ(b.apply(make(req, 1, {{available_account(req), held_account(req), cents(101)}})),
            transfer_outcome::insufficient_funds);
  EXPECT_EQ(b.balance(available_account(req)).cents, 100);
  EXPECT_EQ(b.balance(held_account(req)).cents, 0);
  EXPECT_EQ(b.last_seq(req), 0u);
  for (const auto& [key, m] : before)
    EXPECT_EQ(b.balance(key).cents, m.cents);
  // The same number may be used again once the money is there.
  EXPECT_EQ(b.apply(make(req, 1, {{available_account(req), held_account(req), cents(100)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.last_seq(req), 1u);
}

TEST(LedgerBook, NegativeAmountsAndSequenceZeroAreInvalid) {
  auto b = funded(cents(100));
  EXPECT_EQ(b.apply(make(req, 1, {{available_account(req), held_account(req), cents(-5)}})),
            transfer_outcome::invalid);
  EXPECT_EQ(b.apply(make(req, 1, {{available_account(req), held_account(req), cents(5)},
                                  {held_account(req), available_account(req), cents(-1)}})),
            transfer_outcome::invalid);
  EXPECT_EQ(b.apply(make(req, 0, {{available_account(req), held_account(req), cents(5)}})),
            transfer_outcome::invalid);
  EXPECT_EQ(b.balance(available_account(req)).cents, 100);
  EXPECT_EQ(b.balance(held_account(req)).cents, 0);
  EXPECT_EQ(b.last_seq(req), 0u);
  // An invalid transfer does not pass for a duplicate either.
  ASSERT_EQ(b.apply(make(req, 3, {{available_account(req), held_account(req), cents(5)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.apply(make(req, 2, {{available_account(req), held_account(req), cents(-5)}})),
            transfer_outcome::invalid);
  EXPECT_EQ(b.last_seq(req), 3u);
}

TEST(LedgerBook, AMultiLegTransferIsAppliedWholeOrNotAtAll) {
  auto b = funded(cents(100));
  // The first leg fits; the second would overdraw the platform.
  auto t = make("H1", 1, {{available_account(req), worker_account(wrk), cents(50)},
                          {platform_account(), worker_account(wrk), cents(1)}});
  EXPECT_EQ(b.apply(t), transfer_outcome::insufficient_funds);
  EXPECT_EQ(b.balance(available_account(req)).cents, 100);
  EXPECT_EQ(b.balance(worker_account(wrk)).cents, 0);
  EXPECT_EQ(b.balance(platform_account()).cents, 0);
  EXPECT_EQ(b.last_seq("H1"), 0u);
  EXPECT_EQ(b.total().cents, 0);
}

TEST(LedgerBook, ATransferDebitingOneAccountTwiceIsCheckedAsAWhole) {
  auto b = funded(cents(100));
  // Each leg alone fits; together they overdraw.
  EXPECT_EQ(b.apply(make("H1", 1, {{available_account(req), worker_account(wrk), cents(60)},
                                   {available_account(req), platform_account(), cents(60)}})),
            transfer_outcome::insufficient_funds);
  EXPECT_EQ(b.balance(available_account(req)).cents, 100);
  EXPECT_EQ(b.balance(worker_account(wrk)).cents, 0);
  EXPECT_EQ(b.balance(platform_account()).cents, 0);
  // Exactly the balance is fine.
  EXPECT_EQ(b.apply(make("H1", 1, {{available_account(req), worker_account(wrk), cents(60)},
                                   {available_account(req), platform_account(), cents(40)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.balance(available_account(req)).cents, 0);
  EXPECT_EQ(b.balance(worker_account(wrk)).cents, 60);
  EXPECT_EQ(b.balance(platform_account()).cents, 40);
  EXPECT_EQ(b.total().cents, 0);
}

TEST(LedgerBook, AccountsAreDistinguishedByKindAndOwner) {
  auto b = funded(cents(100));
  EXPECT_EQ(b.balance(held_account(req)).cents, 0);
  EXPECT_EQ(b.balance(available_account("AR0000000000002")).cents, 0);
  EXPECT_EQ(b.balance(worker_account(req)).cents, 0);
  ASSERT_EQ(b.apply(make(req, 1, {{available_account(req), worker_account(req), cents(40)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.balance(worker_account(req)).cents, 40);
  EXPECT_EQ(b.balance(available_account(req)).cents, 60);
  EXPECT_EQ(b.total().cents, 0);
}

TEST(LedgerBook, ATransferWithNoLegsOnlyAdvancesTheSequence) {
  auto b = funded(cents(100));
  EXPECT_EQ(b.apply(make(req, 1, {})), transfer_outcome::applied);
  EXPECT_EQ(b.last_seq(req), 1u);
  EXPECT_EQ(b.apply(make(req, 1, {})), transfer_outcome::duplicate);
  EXPECT_EQ(b.balance(available_account(req)).cents, 100);
}

TEST(LedgerBook, RestoreSetsBalancesAndSequences) {
  ledger_book b;
  b.restore_balance(external_account(), cents(-500));
  b.restore_balance(available_account(req), cents(500));
  b.restore_seq(req, 7);
  EXPECT_EQ(b.balance(available_account(req)).cents, 500);
  EXPECT_EQ(b.last_seq(req), 7u);
  EXPECT_EQ(b.total().cents, 0);
  EXPECT_EQ(b.apply(make(req, 7, {{available_account(req), held_account(req), cents(1)}})),
            transfer_outcome::duplicate);
  EXPECT_EQ(b.apply(make(req, 8, {{available_account(req), held_account(req), cents(1)}})),
            transfer_outcome::applied);
  EXPECT_EQ(b.account_count(), 3u);
}

TEST(LedgerBook, TotalStaysZeroThroughManyTransfers) {
  ledger_book b;
  uint64_t seq = 0;
  for (int i = 0; i < 200; ++i) {
    std::string w = "AW" + std::to_string(i % 7);
    auto r = b.apply(make("admin", ++seq, {{external_account(), available_account(req), cents(i)}}));
    ASSERT_EQ(r, transfer_outcome::applied);
    auto pay = b.apply(make("H1", seq, {{available_account(req), worker_account(w), cents(i / 2)},
                                        {available_account(req), platform_account(), cents(i / 4)}}));
    ASSERT_NE(pay, transfer_outcome::invalid);
    ASSERT_EQ(b.total().cents, 0) << "after transfer " << i;
    for (const auto& [key, m] : b.balances()) {
      if (key.kind != account_kind::external) {
        ASSERT_GE(m.cents, 0);
      }
    }
  }
}

}  // namespace
}  // namespace hitd
