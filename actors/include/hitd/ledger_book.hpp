#pragma once
// The payment ledger's arithmetic: double-entry accounts in exact cents.
// Money is never created or destroyed inside the book: every transfer moves
// amounts between accounts, and the `external` account (the outside world:
// deposits in, withdrawals out) is the only one allowed below zero, so the sum
// of all balances is always zero. A transfer is applied whole or not at all.
//
// Transfers are numbered per source (a HIT, a requester, a worker): the book
// remembers the highest sequence number applied for each source, and a
// transfer at or below it is a duplicate with no second effect. Sources send
// in order (one actor to one actor), so this is exact and costs one entry per
// source rather than one per transfer.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hitd/money.hpp"

namespace hitd {

enum class account_kind : uint8_t {
  external,             // the world outside the marketplace
  platform,             // fees earned
  requester_available,  // a requester's spendable balance
  requester_held,       // a requester's escrow for published work
  worker,               // a worker's earnings not yet withdrawn
};

struct account_key {
  account_kind kind = account_kind::external;
  std::string owner;   // requester or worker id; empty for external and platform
  friend bool operator==(const account_key&, const account_key&) = default;
};

struct account_key_hash {
  size_t operator()(const account_key& k) const noexcept;
};

struct transfer_leg {
  account_key from;
  account_key to;
  money amount;
};

struct transfer {
  std::string source;   // who issued it: "H<hit>", a requester id, a worker id, "admin"
  uint64_t seq = 0;     // 1, 2, 3 ... per source
  std::vector<transfer_leg> legs;
};

enum class transfer_outcome : uint8_t {
  applied,
  duplicate,            // seq already applied for this source: nothing changed
  insufficient_funds,   // a non-external account would go below zero: nothing changed
  invalid,              // a negative amount or seq 0: nothing changed
};

class ledger_book {
public:
  // Applies t whole or not at all. With check_seq, a seq at or below the
  // source's last is a duplicate; without (the caller knows t is new: an
  // outbox entry still on disk), the source's last seq only moves up.
  transfer_outcome apply(const transfer& t, bool check_seq = true);
  money balance(const account_key& k) const;
  // The sum of every balance, external included: zero while the book is sound.
  money total() const;
  uint64_t last_seq(std::string_view source) const;
  size_t account_count() const { return balances_.size(); }
  const std::unordered_map<account_key, money, account_key_hash>& balances() const { return balances_; }

  // Restoring from a snapshot (storage): sets a balance or a source's seq.
  void restore_balance(const account_key& k, money m) { balances_[k] = m; }
  void restore_seq(const std::string& source, uint64_t seq) { last_seq_[source] = seq; }

private:
  std::unordered_map<account_key, money, account_key_hash> balances_;
  std::unordered_map<std::string, uint64_t> last_seq_;
};

// The accounts of the marketplace, by role.
inline account_key external_account() { return {account_kind::external, {}}; }
inline account_key platform_account() { return {account_kind::platform, {}}; }
inline account_key available_account(std::string requester) { return {account_kind::requester_available, std::move(requester)}; }
inline account_key held_account(std::string requester) { return {account_kind::requester_held, std::move(requester)}; }
inline account_key worker_account(std::string worker) { return {account_kind::worker, std::move(worker)}; }

} // namespace hitd
