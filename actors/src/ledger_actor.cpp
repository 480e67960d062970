// The payment ledger: one actor owns the ledger_book, so every transfer is
// applied in one order and whole. Balances are persisted per account touched,
// with the issuing source's sequence number, in one batch per transfer; the
// batch also deletes the outbox record the transfer came from and carries
// the records the issuer asked to be written with it.
//
// With a store the book is a cache: an account or a source's sequence is
// read from its record the first time a transfer or a query touches it, so
// starting on a large data directory reads nothing up front.

#include <deque>
#include <unordered_set>

#include <caf/all.hpp>

#include "hitd/records.hpp"
#include "messages.hpp"
#include "runtime.hpp"

namespace hitd::detail {
namespace {

struct ledger_state {
  runtime* rt = nullptr;
  ledger_book book;
  std::unordered_set<account_key, account_key_hash> loaded_accounts;
  std::unordered_set<std::string> loaded_sources;
  bool all_loaded = false;   // every stored account is in the book (after an audit)
  write_counter writes = make_write_counter();
  // Outbox transfers applied lately (their records' deletion may still be in
  // flight): with the record's presence on disk, what tells a first delivery
  // from a second (a replay after a failed write may come late, after newer
  // transfers of the same source, so a seq does not tell).
  std::unordered_set<std::string> recent_outbox;
  std::deque<std::string> recent_order;
  static inline const char* name = "hitd.ledger";
};

// Reads an account's balance into the book the first time it is touched.
status load_account(ledger_state& st, const account_key& k) {
  if (!st.rt->store || st.all_loaded || st.loaded_accounts.count(k))
    return done{};
  auto v = st.rt->store->get(ledger_account_key(k));
  if (!v.ok())
    return v.err();
  if (*v)
    st.book.restore_balance(k, *std::static_pointer_cast<const money>(*v));
  st.loaded_accounts.insert(k);
  return done{};
}

status load_source(ledger_state& st, const std::string& source) {
  if (!st.rt->store || st.loaded_sources.count(source))
    return done{};
  auto v = st.rt->store->get(ledger_source_key(source));
  if (!v.ok())
    return v.err();
  if (*v)
    st.book.restore_seq(source, *std::static_pointer_cast<const uint64_t>(*v));
  st.loaded_sources.insert(source);
  return done{};
}

status load_transfer(ledger_state& st, const transfer& t) {
  if (auto s = load_source(st, t.source); !s.ok())
    return s;
  for (const auto& leg : t.legs)
    for (const auto* k : {&leg.from, &leg.to})
      if (auto s = load_account(st, *k); !s.ok())
        return s;
  return done{};
}

// Every stored account, for an audit.
status load_all(ledger_state& st) {
  if (!st.rt->store || st.all_loaded)
    return done{};
  std::vector<std::pair<account_key, money>> found;
  // An audit that left out an account would not add up: a malformed key
  // fails it, named.
  auto s = scan_with_keys(*st.rt->store, kind_prefix(record_kind::ledger_account), [&](key_reader& r, const record_value& v) {
    account_key k;
    k.kind = static_cast<account_kind>(r.number());
    k.owner = std::string{r.text()};
    if (!r.ok())
      return false;
    found.emplace_back(std::move(k), *std::static_pointer_cast<const money>(v));
    return true;
  });
  if (!s.ok())
    return s;
  for (auto& [k, m] : found)
    if (!st.loaded_accounts.count(k)) {
      st.book.restore_balance(k, m);
      st.loaded_accounts.insert(k);
    }
  st.all_loaded = true;
  return done{};
}

write_batch records_for(const ledger_book& book, const transfer& t) {
  write_batch b;
  for (const auto& leg : t.legs)
    for (const auto* k : {&leg.from, &leg.to})
      b.push_back({record_kind::ledger_account, ledger_account_key(*k),
                   std::make_shared<const money>(book.balance(*k))});
  b.push_back({record_kind::ledger_source, ledger_source_key(t.source), std::make_shared<const uint64_t>(book.last_seq(t.source))});
  return b;
}

caf::behavior ledger_impl(caf::stateful_actor<ledger_state>* self, runtime* rt) {
  self->state.rt = rt;
  return {
    [=](ledger::msg& m) {
      on_unit u{self->context()};
      auto& st = self->state;
      if (st.writes->failed.exchange(false, std::memory_order_acq_rel)) {
        // A write failed: balances applied in memory may not be on disk, so
        // every one is read again from its record.
        st.book = ledger_book{};
        st.loaded_accounts.clear();
        st.loaded_sources.clear();
        st.all_loaded = false;
        st.recent_outbox.clear();
        st.recent_order.clear();
      }
      writes_scope in_flight{st.writes};
      std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, ledger::apply>) {
            if (auto s = load_transfer(st, c.t); !s.ok()) {
              rt->report_storage_error(s.err().message);
              if (c.reply)
                c.reply(transfer_outcome::invalid);
              if (c.counted)
                rt->noted();
              return;
            }
            transfer_outcome outcome;
            if (!c.outbox.empty() && rt->persistent()) {
              bool done_before = st.recent_outbox.count(c.outbox) > 0;
              if (!done_before) {
                auto rec = rt->store->get(c.outbox);
                if (!rec.ok()) {
                  rt->report_storage_error(rec.err().message);
                  if (c.reply)
                    c.reply(transfer_outcome::invalid);
                  if (c.counted)
                    rt->noted();
                  return;
                }
                done_before = !*rec;
              }
              outcome = done_before ? transfer_outcome::duplicate : st.book.apply(c.t, false);
              if (outcome == transfer_outcome::applied) {
                st.recent_outbox.insert(c.outbox);
                st.recent_order.push_back(c.outbox);
                if (st.recent_order.size() > 65'536) {
                  st.recent_outbox.erase(st.recent_order.front());
                  st.recent_order.pop_front();
                }
              }
            } else {
              outcome = st.book.apply(c.t);
            }
            auto finish = [reply = std::move(c.reply), counted = c.counted, rt, outcome](status s) {
              if (reply)
                reply(s.ok() ? outcome : transfer_outcome::invalid);
              if (counted)
                rt->noted();
            };
            if (!rt->persistent()) {
              finish(done{});
              return;
            }
            write_batch batch;
            if (outcome == transfer_outcome::applied) {
              batch = records_for(st.book, c.t);
              for (auto& r : c.with)
                batch.push_back(std::move(r));
            }
            // The outbox record is done with whether the transfer applied now
            // or before (a replay), or was refused.
            if (!c.outbox.empty() && outcome != transfer_outcome::duplicate)
              batch.push_back({record_kind::outbox, std::move(c.outbox), nullptr});
            rt->persist(std::move(batch), std::move(finish));
          } else if constexpr (std::is_same_v<T, ledger::balance>) {
            auto available = available_account(c.requester_id);
            auto held = held_account(c.requester_id);
            for (const auto* k : {&available, &held})
              if (auto s = load_account(st, *k); !s.ok()) {
                c.reply(s.err());
                return;
              }
            c.reply(account_balance{st.book.balance(available), st.book.balance(held)});
          } else if constexpr (std::is_same_v<T, ledger::audit>) {
            if (auto s = load_all(st); !s.ok()) {
              c.reply(s.err());
              return;
            }
            ledger_audit a;
            for (const auto& [k, m2] : st.book.balances()) {
              a.total += m2;
              switch (k.kind) {
                case account_kind::external: a.external += m2; break;
                case account_kind::platform: a.platform += m2; break;
                case account_kind::requester_available: a.requesters_available += m2; break;
                case account_kind::requester_held: a.requesters_held += m2; break;
                case account_kind::worker: a.workers += m2; break;
              }
            }
            c.reply(a);
          }
        },
        m);
    },
  };
}

} // namespace

caf::actor spawn_ledger(runtime& rt) { return spawn_actor(rt.sys, ledger_impl, &rt); }

} // namespace hitd::detail
