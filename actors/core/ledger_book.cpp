#include "hitd/ledger_book.hpp"

#include <algorithm>
#include <functional>

namespace hitd {

size_t account_key_hash::operator()(const account_key& k) const noexcept {
  return std::hash<std::string>{}(k.owner) * 31u + static_cast<size_t>(k.kind);
}

transfer_outcome ledger_book::apply(const transfer& t, bool check_seq) {
  if (t.seq == 0)
    return transfer_outcome::invalid;
  for (const auto& leg : t.legs)
    if (leg.amount.cents < 0)
      return transfer_outcome::invalid;
  auto seq_it = last_seq_.find(t.source);
  if (check_seq && seq_it != last_seq_.end() && t.seq <= seq_it->second)
    return transfer_outcome::duplicate;
  // Check each account's net change over the whole transfer, so a transfer
  // that debits one account twice is checked whole and leg order is moot.
  std::unordered_map<account_key, money, account_key_hash> delta;
  for (const auto& leg : t.legs) {
    delta[leg.from] -= leg.amount;
    delta[leg.to] += leg.amount;
  }
  for (const auto& [key, d] : delta)
    if (key.kind != account_kind::external && (balance(key) + d).cents < 0)
      return transfer_outcome::insufficient_funds;
  for (const auto& [key, d] : delta)
    balances_[key] += d;
  auto& last = last_seq_[t.source];
  last = std::max(last, t.seq);
  return transfer_outcome::applied;
}

money ledger_book::balance(const account_key& k) const {
  auto it = balances_.find(k);
  return it == balances_.end() ? money{} : it->second;
}

money ledger_book::total() const {
  money sum;
  for (const auto& [key, m] : balances_)
    sum += m;
  return sum;
}

uint64_t ledger_book::last_seq(std::string_view source) const {
  auto it = last_seq_.find(std::string{source});
  return it == last_seq_.end() ? 0 : it->second;
}

} // namespace hitd
