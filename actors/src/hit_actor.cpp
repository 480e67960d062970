// One hit_actor owns one HIT and all its assignments; its state is only
// touched by its own handlers. Each command runs the plain rules of
// hit_rules.hpp, then `finish` moves the money, arms the next deadline,
// tells the workers and the requester, persists the records that changed,
// and only then replies and publishes the events.
//
// While the ledger holds or charges money for this HIT (an extension, more
// assignments, an overridden rejection, a bonus) the actor is `busy`: other
// commands wait in a bounded stash and run, in order, when the answer is in.

#include <deque>

#include <caf/all.hpp>

#include "hitd/records.hpp"
#include "messages.hpp"
#include "runtime.hpp"

namespace hitd::detail {
namespace {

// Commands waiting while the ledger answers; beyond this a command is
// refused as throttled rather than queued without bound.
constexpr size_t stash_max = 10'000;

struct hit_actor_state {
  runtime* rt = nullptr;
  hit_state h;
  uint64_t ledger_seq = 0;
  // The earliest wake-up this HIT has in the timer wheel and not yet
  // received (none after a wake): kept at or before its next deadline.
  std::optional<timestamp> wake_scheduled;
  bool busy = false;
  std::deque<hit::msg> stash;
  static inline const char* name = "hitd.hit";
};

using self_ptr = caf::stateful_actor<hit_actor_state>*;

std::string source_of(const hit_state& h) { return "H" + std::to_string(h.def->number); }

bool owner(const hit_state& h, const std::string& requester_id) {
  return requester_id.empty() || h.def->requester_id == requester_id;
}

template <class Reply>
bool deny_unless_owner(const hit_state& h, const std::string& requester_id, Reply& reply) {
  if (owner(h, requester_id))
    return false;
  reply(error{errc::permission_denied, "the HIT belongs to another requester"});
  return true;
}

hit_snapshot snapshot_of(const hit_state& h, uint64_t ledger_seq) {
  return {h.def, h.max_assignments, h.expiration, h.expired, h.withdrawn, h.reviewing, h.disposed,
          h.review_status, h.held, ledger_seq};
}


bool is_hit_event(event_type t) {
  return t == event_type::hit_created || t == event_type::hit_extended || t == event_type::hit_disposed ||
         t == event_type::hit_reviewable || t == event_type::hit_expired || t == event_type::hit_available ||
         t == event_type::hit_updated || t == event_type::hit_unavailable;
}

// Sends the ledger a transfer issued by this HIT. `then` (may be empty) gets
// the outcome back inside this actor.
void send_transfer(self_ptr self, std::vector<transfer_leg> legs, std::function<void(bool)> then) {
  auto& st = self->state;
  transfer t{source_of(st.h), ++st.ledger_seq, std::move(legs)};
  if (!then) {
    st.rt->note(st.rt->ledger, ledger::msg{ledger::apply{std::move(t), {}, true}});
    return;
  }
  st.busy = true;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  caf::anon_send(st.rt->ledger, ledger::msg{ledger::apply{
    std::move(t), [me, then = std::move(then)](transfer_outcome o) mutable {
      caf::anon_send(me, hit::msg{hit::funds{o, std::move(then)}});
    }}});
}

// Holds `extra` more from the requester's balance (when positive), then runs
// apply(held) inside this actor; refuses with InsufficientFunds when the
// balance cannot cover it.
template <class Apply>
void hold_then(self_ptr self, money extra, callback<done> reply, const char* what, Apply apply) {
  if (extra.cents <= 0) {
    apply(money{}, std::move(reply));
    return;
  }
  auto requester = self->state.h.def->requester_id;
  send_transfer(self, {{available_account(requester), held_account(requester), extra}},
                [extra, what, reply = std::move(reply), apply = std::move(apply)](bool ok) mutable {
                  if (ok)
                    apply(extra, std::move(reply));
                  else
                    reply(error{errc::insufficient_funds, std::string{"the requester's balance cannot cover "} + what});
                });
}

// Everything a transition asks for after the rules ran; `reply` runs once
// the records are durable.
void finish(self_ptr self, hit_effects& fx, hit_status before, std::function<void(status)> reply) {
  auto& st = self->state;
  auto& h = st.h;
  auto* rt = st.rt;
  const auto& requester = h.def->requester_id;
  // Money.
  for (auto& p : fx.payments) {
    std::vector<transfer_leg> legs{{held_account(requester), worker_account(p.worker_id), p.reward}};
    if (p.fee.cents > 0)
      legs.push_back({held_account(requester), platform_account(), p.fee});
    send_transfer(self, std::move(legs), {});
  }
  if (fx.released.cents > 0)
    send_transfer(self, {{held_account(requester), available_account(requester), fx.released}}, {});
  // Keep the earliest pending deadline in the timer wheel. Deadlines are
  // never cancelled there: an early or stale wake-up finds nothing due.
  if (auto next = next_deadline(h); next && (!st.wake_scheduled || *next < *st.wake_scheduled)) {
    rt->timers.schedule(*next, h.def->number);
    st.wake_scheduled = *next;
  }
  // Workers hear of every change to their assignments but the accept (the
  // worker actor made that one happen and learns it from the reply), each
  // change with its own status: one step may submit and approve at once.
  for (const auto& c : fx.changes) {
    if (!c.has_assignment || c.type == event_type::assignment_accepted)
      continue;
    const auto& a = h.assignments[c.ordinal];
    assignment_status s;
    timestamp t;
    switch (c.type) {
      case event_type::assignment_submitted: s = assignment_status::submitted; t = a.submit_time; break;
      case event_type::assignment_approved: s = assignment_status::approved; t = a.approval_time; break;
      case event_type::assignment_rejected: s = assignment_status::rejected; t = a.rejection_time; break;
      case event_type::assignment_returned: s = assignment_status::returned; t = a.end_time; break;
      case event_type::assignment_abandoned: s = assignment_status::abandoned; t = a.end_time; break;
      default: continue;
    }
    if (auto w = rt->workers.find(a.worker_id))
      rt->note(w, worker::msg{worker::update{assignment_update{{h.def->number, a.ordinal}, requester, s,
                                                                a.accept_time, a.submit_time, t, a.reward}}});
  }
  auto after = status_of(h);
  if (after != before)
    if (auto r = rt->requesters.find(requester))
      rt->note(r, requester::msg{requester::hit_status_note{h.def->number, after}});
  // Events, built now, published once durable.
  std::vector<event> events;
  events.reserve(fx.changes.size());
  auto now = rt->now();
  for (const auto& c : fx.changes) {
    event e;
    e.type = c.type;
    e.time = now;
    e.requester_id = requester;
    e.hit_number = h.def->number;
    e.max_assignments = h.max_assignments;
    e.expiration = h.expiration;
    e.assignments_available = is_hit_event(c.type) ? available_of(h) : 0;
    e.reason = c.reason;
    e.hit = h.def;
    if (c.has_assignment) {
      const auto& a = h.assignments[c.ordinal];
      e.has_assignment = true;
      e.assignment_ordinal = c.ordinal;
      e.worker_id = a.worker_id;
      e.amount = a.reward;
    }
    events.push_back(std::move(e));
  }
  write_batch batch;
  if (rt->persistent()) {
    if (fx.hit_changed || !fx.payments.empty() || fx.released.cents > 0)
      batch.push_back({record_kind::hit, hit_key(h.def->number),
                       std::make_shared<const hit_snapshot>(snapshot_of(h, st.ledger_seq))});
    for (auto o : fx.touched)
      batch.push_back({record_kind::assignment, assignment_key(h.def->number, o),
                       std::make_shared<const assignment_record>(h.assignments[o])});
  }
  rt->persist(std::move(batch), [rt, events = std::move(events), reply = std::move(reply)](status s) mutable {
    if (s.ok())
      rt->bus.publish(events);
    if (reply)
      reply(std::move(s));
  });
}

// Runs a command whose only answer is done/error.
template <class F>
void simple(self_ptr self, callback<done>& reply, F&& rules) {
  auto& st = self->state;
  hit_effects fx;
  auto before = status_of(st.h);
  status r = rules(fx);
  if (!r.ok()) {
    finish(self, fx, before, {});
    reply(r.err());
    return;
  }
  finish(self, fx, before, [reply = std::move(reply)](status s) { reply(std::move(s)); });
}

page<assignment_view> list_page(const hit_state& h, const std::vector<assignment_status>& statuses,
                                const page_request& p) {
  auto wanted = [&](assignment_status s) {
    if (statuses.empty())
      return s == assignment_status::submitted || s == assignment_status::approved || s == assignment_status::rejected;
    return std::find(statuses.begin(), statuses.end(), s) != statuses.end();
  };
  return page_of<assignment_view>(h.assignments, p, [&](const assignment_record& a) -> std::optional<assignment_view> {
    if (!wanted(a.status))
      return std::nullopt;
    return view_of(h, a);
  });
}

bonus_payment bonus_view(const hit_state& h, const bonus_record& b) {
  return {b.worker_id, b.amount, format_assignment_id({h.def->number, b.ordinal}), b.reason, b.grant_time};
}

void handle(self_ptr self, hit::msg& m);

void replay_stash(self_ptr self) {
  auto& st = self->state;
  while (!st.busy && !st.stash.empty()) {
    auto m = std::move(st.stash.front());
    st.stash.pop_front();
    handle(self, m);
  }
}

void handle(self_ptr self, hit::msg& m) {
  auto& st = self->state;
  auto& h = st.h;
  auto* rt = st.rt;
  const auto& fees = rt->cfg.fees;
  if (st.busy && !std::holds_alternative<hit::funds>(m)) {
    if (st.stash.size() >= stash_max) {
      std::visit([](auto& c) {
        if constexpr (requires { c.reply(error{}); })
          if (c.reply)
            c.reply(error{errc::throttled, "too many commands are waiting for this HIT"});
      }, m);
      return;
    }
    st.stash.push_back(std::move(m));
    return;
  }
  auto now = rt->now();
  std::visit(
    [&](auto& c) {
      using T = std::decay_t<decltype(c)>;
      if constexpr (std::is_same_v<T, hit::init>) {
        finish(self, c.fx, hit_status::assignable, {});
        // The requester's records go in the same batch as the HIT's first one.
        write_batch batch = std::move(c.extra);
        if (rt->persistent()) {
          batch.push_back({record_kind::hit, hit_key(h.def->number),
                           std::make_shared<const hit_snapshot>(snapshot_of(h, st.ledger_seq))});
        }
        rt->persist(std::move(batch), [reply = std::move(c.reply), v = view_of(h, true)](status s) {
          if (s.ok())
            reply(v);
          else
            reply(s.err());
        });
      } else if constexpr (std::is_same_v<T, hit::wake>) {
        st.wake_scheduled.reset();   // finish() schedules the next one
        hit_effects fx;
        auto before = status_of(h);
        advance_to(h, now, fees, fx);
        finish(self, fx, before, [reply = std::move(c.reply)](status) {
          if (reply)
            reply();
        });
      } else if constexpr (std::is_same_v<T, hit::accept>) {
        hit_effects fx;
        auto before = status_of(h);
        auto r = hitd::accept(h, *c.creds, now, fees, fx);
        if (!r.ok()) {
          finish(self, fx, before, {});
          c.reply(r.err());
          return;
        }
        finish(self, fx, before, [reply = std::move(c.reply), v = view_of(h, h.assignments[*r])](status s) {
          if (s.ok())
            reply(v);
          else
            reply(s.err());
        });
      } else if constexpr (std::is_same_v<T, hit::submit>) {
        simple(self, c.reply, [&](hit_effects& fx) {
          return hitd::submit(h, c.ordinal, c.worker_id, std::move(c.answer), c.token, now, fees, fx);
        });
      } else if constexpr (std::is_same_v<T, hit::give_back>) {
        simple(self, c.reply, [&](hit_effects& fx) {
          return hitd::return_assignment(h, c.ordinal, c.worker_id, now, fees, fx);
        });
      } else if constexpr (std::is_same_v<T, hit::approve>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        hit_effects fx;
        auto before = status_of(h);
        advance_to(h, now, fees, fx);
        auto plan = plan_approval(h, c.ordinal, c.override_rejection, now);
        if (!plan.ok()) {
          finish(self, fx, before, {});
          c.reply(plan.err());
          return;
        }
        if (!plan->charge) {
          hitd::approve(h, c.ordinal, std::move(c.feedback), now, fees, fx);
          finish(self, fx, before, [reply = std::move(c.reply)](status s) { reply(std::move(s)); });
          return;
        }
        finish(self, fx, before, {});   // whatever advance_to did
        const auto& a = h.assignments[c.ordinal];
        std::vector<transfer_leg> legs{{available_account(h.def->requester_id), worker_account(a.worker_id), plan->reward}};
        if (plan->fee.cents > 0)
          legs.push_back({available_account(h.def->requester_id), platform_account(), plan->fee});
        send_transfer(self, std::move(legs), [self, c = std::move(c)](bool ok) mutable {
          auto& s2 = self->state;
          if (!ok) {
            c.reply(error{errc::insufficient_funds, "the requester's balance cannot pay the reward and fee"});
            return;
          }
          hit_effects fx2;
          auto before2 = status_of(s2.h);
          auto t = s2.rt->now();
          // Nothing ran in between (the actor was busy), so the plan holds.
          hitd::approve(s2.h, c.ordinal, std::move(c.feedback), t, s2.rt->cfg.fees, fx2);
          finish(self, fx2, before2, [reply = std::move(c.reply)](status s) { reply(std::move(s)); });
        });
      } else if constexpr (std::is_same_v<T, hit::reject>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        simple(self, c.reply, [&](hit_effects& fx) {
          return hitd::reject(h, c.ordinal, std::move(c.feedback), now, fees, fx);
        });
      } else if constexpr (std::is_same_v<T, hit::get>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        hit_effects fx;
        auto before = status_of(h);
        advance_to(h, now, fees, fx);
        finish(self, fx, before, {});
        c.reply(view_of(h, true));
      } else if constexpr (std::is_same_v<T, hit::get_assignment>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        hit_effects fx;
        auto before = status_of(h);
        advance_to(h, now, fees, fx);
        finish(self, fx, before, {});
        if (c.ordinal >= h.assignments.size() ||
            h.assignments[c.ordinal].status == assignment_status::returned ||
            h.assignments[c.ordinal].status == assignment_status::abandoned)
          c.reply(error{errc::assignment_does_not_exist, "no such assignment"});
        else
          c.reply(assignment_with_hit{view_of(h, h.assignments[c.ordinal]), view_of(h, true)});
      } else if constexpr (std::is_same_v<T, hit::list_assignments>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        hit_effects fx;
        auto before = status_of(h);
        advance_to(h, now, fees, fx);
        finish(self, fx, before, {});
        c.reply(list_page(h, c.statuses, c.page));
      } else if constexpr (std::is_same_v<T, hit::update_expiration>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        hit_effects fx;
        auto before = status_of(h);
        advance_to(h, now, fees, fx);
        finish(self, fx, before, {});
        if (h.disposed) {
          c.reply(error{errc::invalid_hit_state, "the HIT was deleted"});
          return;
        }
        hold_then(self, extension_hold(h, c.expire_at, now, fees), std::move(c.reply), "the extended HIT",
                  [self, expire_at = c.expire_at](money held, callback<done> reply) {
                    auto& s2 = self->state;
                    simple(self, reply, [&](hit_effects& fx2) {
                      return hitd::update_expiration(s2.h, expire_at, s2.rt->now(), held, s2.rt->cfg.fees, fx2);
                    });
                  });
      } else if constexpr (std::is_same_v<T, hit::add_assignments>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        if (!c.token.empty()) {
          std::erase_if(h.add_tokens, [&](const auto& kv) { return kv.second < now - limits::request_token_window_ms; });
          if (h.add_tokens.count(c.token)) {
            c.reply(done{});   // a repeat: the first call's assignments stand
            return;
          }
        }
        auto plan = plan_additional_assignments(h, c.n, fees);
        if (!plan.ok()) {
          c.reply(plan.err());
          return;
        }
        hold_then(self, *plan, std::move(c.reply), "the new assignments",
                  [self, n = c.n, token = c.token](money held, callback<done> reply) {
                    auto& s2 = self->state;
                    if (!token.empty())
                      s2.h.add_tokens[token] = s2.rt->now();
                    simple(self, reply, [&](hit_effects& fx2) {
                      hitd::add_assignments(s2.h, n, held, s2.rt->now(), s2.rt->cfg.fees, fx2);
                      return status{done{}};
                    });
                  });
      } else if constexpr (std::is_same_v<T, hit::review_status>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        simple(self, c.reply, [&](hit_effects& fx) {
          advance_to(h, now, fees, fx);
          return hitd::update_review_status(h, c.revert, fx);
        });
      } else if constexpr (std::is_same_v<T, hit::retype>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        if (h.disposed) {
          c.reply(error{errc::invalid_hit_state, "the HIT was deleted"});
          return;
        }
        hold_then(self, retype_hold(h, c.def->properties, fees), std::move(c.reply), "the new reward",
                  [self, def = c.def](money held, callback<done> reply) {
                    auto& s2 = self->state;
                    simple(self, reply, [&](hit_effects& fx2) {
                      hitd::retype(s2.h, def, held, s2.rt->now(), s2.rt->cfg.fees, fx2);
                      return status{done{}};
                    });
                  });
      } else if constexpr (std::is_same_v<T, hit::dispose>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        simple(self, c.reply, [&](hit_effects& fx) { return hitd::dispose(h, now, fees, fx); });
      } else if constexpr (std::is_same_v<T, hit::bonus>) {
        if (deny_unless_owner(h, c.req.requester_id, c.reply))
          return;
        if (!c.req.unique_request_token.empty())
          for (const auto& b : h.bonuses)
            if (b.token == c.req.unique_request_token && b.grant_time >= now - limits::request_token_window_ms) {
              c.reply(done{});   // a repeat: the first bonus stands
              return;
            }
        if (auto ok = check_bonus(h, c.ordinal, c.req.worker_id); !ok.ok()) {
          c.reply(ok.err());
          return;
        }
        auto fee = bonus_fee(fees, c.req.amount);
        auto requester = h.def->requester_id;
        std::vector<transfer_leg> legs{{available_account(requester), worker_account(c.req.worker_id), c.req.amount}};
        if (fee.cents > 0)
          legs.push_back({available_account(requester), platform_account(), fee});
        send_transfer(self, std::move(legs), [self, c = std::move(c), fee](bool ok) mutable {
          if (!ok) {
            c.reply(error{errc::insufficient_funds, "the requester's balance cannot pay the bonus and its fee"});
            return;
          }
          auto& s2 = self->state;
          auto t = s2.rt->now();
          auto index = static_cast<uint32_t>(s2.h.bonuses.size());
          s2.h.bonuses.push_back({c.ordinal, c.req.worker_id, c.req.amount, fee, c.req.reason, t, c.req.unique_request_token});
          if (auto w = s2.rt->workers.find(c.req.worker_id))
            s2.rt->note(w, worker::msg{worker::bonus{c.req.amount, t}});
          std::vector<event> events(1);
          auto& e = events[0];
          e.type = event_type::bonus_paid;
          e.time = t;
          e.requester_id = s2.h.def->requester_id;
          e.worker_id = c.req.worker_id;
          e.hit_number = s2.h.def->number;
          e.has_assignment = true;
          e.assignment_ordinal = c.ordinal;
          e.amount = c.req.amount;
          e.hit = s2.h.def;
          write_batch batch;
          if (s2.rt->persistent()) {
            batch.push_back({record_kind::bonus, bonus_key(s2.h.def->number, index),
                             std::make_shared<const bonus_record>(s2.h.bonuses.back())});
            batch.push_back({record_kind::hit, hit_key(s2.h.def->number),
                             std::make_shared<const hit_snapshot>(snapshot_of(s2.h, s2.ledger_seq))});
          }
          auto* rt2 = s2.rt;
          rt2->persist(std::move(batch), [rt2, events = std::move(events), reply = std::move(c.reply)](status s) mutable {
            if (s.ok())
              rt2->bus.publish(events);
            reply(std::move(s));
          });
        });
      } else if constexpr (std::is_same_v<T, hit::list_bonuses>) {
        if (deny_unless_owner(h, c.requester_id, c.reply))
          return;
        c.reply(page_of<bonus_payment>(h.bonuses, c.page, [&](const bonus_record& b) -> std::optional<bonus_payment> {
          if (c.one_assignment && b.ordinal != c.ordinal)
            return std::nullopt;
          return bonus_view(h, b);
        }));
      } else if constexpr (std::is_same_v<T, hit::inspect>) {
        hit_inspection in;
        in.hit = view_of(h, true);
        for (const auto& a : h.assignments)
          in.assignments.push_back(view_of(h, a));
        for (const auto& b : h.bonuses)
          in.bonuses.push_back(bonus_view(h, b));
        c.reply(std::move(in));
      } else if constexpr (std::is_same_v<T, hit::funds>) {
        st.busy = false;
        c.then(c.outcome == transfer_outcome::applied);
      }
    },
    m);
  replay_stash(self);
}

caf::behavior hit_impl(caf::stateful_actor<hit_actor_state>* self, runtime* rt, hit_state h) {
  self->state.rt = rt;
  self->state.h = std::move(h);
  return {
    [=](hit::msg& m) { handle(self, m); },
  };
}

} // namespace

caf::actor spawn_hit(runtime& rt, hit_state state) {
  return rt.sys.spawn(hit_impl, &rt, std::move(state));
}

} // namespace hitd::detail
