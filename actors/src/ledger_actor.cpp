// The payment ledger: one actor owns the ledger_book, so every transfer is
// applied in one order and whole. Balances are persisted per account touched,
// with the issuing source's sequence number, in one batch per transfer.

#include <caf/all.hpp>

#include "hitd/records.hpp"
#include "messages.hpp"
#include "runtime.hpp"

namespace hitd::detail {
namespace {

struct ledger_state {
  runtime* rt = nullptr;
  ledger_book book;
  static inline const char* name = "hitd.ledger";
};

write_batch records_for(const ledger_book& book, const transfer& t) {
  write_batch b;
  for (const auto& leg : t.legs)
    for (const auto* k : {&leg.from, &leg.to})
      b.push_back({record_kind::ledger_account, ledger_account_key(*k),
                   std::make_shared<const money>(book.balance(*k))});
  b.push_back({record_kind::ledger_source, ledger_source_key(t.source),
               std::make_shared<const uint64_t>(t.seq)});
  return b;
}

caf::behavior ledger_impl(caf::stateful_actor<ledger_state>* self, runtime* rt) {
  self->state.rt = rt;
  return {
    [=](ledger::msg& m) {
      auto& st = self->state;
      std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, ledger::apply>) {
            auto outcome = st.book.apply(c.t);
            auto finish = [reply = std::move(c.reply), counted = c.counted, rt, outcome](status s) {
              if (reply)
                reply(s.ok() ? outcome : transfer_outcome::invalid);
              if (counted)
                rt->noted();
            };
            if (outcome == transfer_outcome::applied && rt->persistent())
              rt->persist(records_for(st.book, c.t), std::move(finish));
            else
              finish(done{});
          } else if constexpr (std::is_same_v<T, ledger::balance>) {
            c.reply(account_balance{st.book.balance(available_account(c.requester_id)),
                                    st.book.balance(held_account(c.requester_id))});
          } else if constexpr (std::is_same_v<T, ledger::audit>) {
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

caf::actor spawn_ledger(runtime& rt) { return rt.sys.spawn(ledger_impl, &rt); }

} // namespace hitd::detail
