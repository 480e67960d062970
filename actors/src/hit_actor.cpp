// One hit_actor owns one HIT and all its assignments; its state is only
// touched by its own handlers. Each command runs the plain rules of
// hit_rules.hpp, then `finish` moves the money, arms the next deadline,
// tells the workers and the requester, persists the records that changed,
// and only then replies and publishes the events.
//
// While the ledger holds or charges money for this HIT (an extension, more
// assignments, an overridden rejection, a bonus) the actor is `busy`: other
// commands wait in a bounded stash and run, in order, when the answer is in.

#include <limits>

#include <caf/all.hpp>

#include "hitd/records.hpp"
#include "messages.hpp"
#include "runtime.hpp"

namespace hitd::detail {
namespace {

// A HIT that could not read whether the ledger applied its pending hold
// (settle_pending) tries again this much later; its commands wait meanwhile.
constexpr timestamp settle_retry_ms = 1'000;
// Commands waiting while the ledger answers; beyond this a command is
// refused as throttled rather than queued without bound.
constexpr size_t stash_max = 10'000;

struct hit_actor_state {
  runtime* rt = nullptr;
  hit_state h;
  // The seq of the last transfer or outbox entry this HIT issued: persisted
  // in the HIT's record before the entry leaves the actor, so it is never
  // issued twice.
  uint64_t ledger_seq = 0;
  // A hold into escrow asked of the ledger and not yet answered: persisted
  // before it is sent, so that after a crash the activation can tell whether
  // the ledger applied it (then the money joins the escrow).
  uint64_t pending_seq = 0;
  money pending_hold;
  // What the durable indexes say: the deadline record and the requester's
  // entry for this HIT (written whenever they change; the entry is known
  // when index_known).
  std::optional<timestamp> deadline_indexed;
  requester_hit_entry index_entry;
  // The earliest wake-up this HIT has in the timer wheel and not yet
  // received (none after a wake): kept at or before its next deadline.
  std::optional<timestamp> wake_scheduled;
  stash_queue<hit::msg> stash;
  // Leaving memory: writes in flight (an actor with any is not idle), when
  // it last handled a command, and whether it has left (then it forwards).
  write_counter writes = make_write_counter();
  timestamp last_active = 0;
  // The flags together, after the 8-byte fields: this state and CAF's actor
  // (about 1,090 bytes) make one allocation per HIT, which stays in
  // tcmalloc's 1,536-byte size class only while the state is at most 448
  // bytes (hitd_bench_memory shows the blocks per HIT).
  bool pending_indexed = false;  // the pending_hold index lists this HIT
  bool settling = false;         // an unanswered hold from before awaits settling: commands wait
  bool snapshot_dirty = false;   // the HIT's record must be rewritten
  bool records_written = false;  // this transition's records are durable already (a new HIT)
  bool index_known = false;      // index_entry is what the durable index says
  bool busy = false;
  bool replaying = false;        // replay_stash is running (it is not re-entered)
  bool retired = false;
  // The HIT's number (the definition stays when the actor leaves memory).
  uint64_t number() const { return h.def->number; }
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

// When this HIT next has something to do: its earliest deadline, or, once
// deleted, the end of its retention (then its records are deleted).
std::optional<timestamp> next_wake(const hit_state& h, const engine_config& cfg) {
  if (h.disposed)
    return h.disposed_at + cfg.retention_ms;
  return next_deadline(h);
}

hit_snapshot snapshot_of(const hit_actor_state& st) {
  const auto& h = st.h;
  return {h.def, h.max_assignments, h.expiration, h.expired, h.withdrawn, h.reviewing, h.disposed,
          h.review_status, h.held, st.ledger_seq, h.add_tokens, h.disposed_at, st.pending_seq, st.pending_hold};
}

record snapshot_record(const hit_actor_state& st) {
  return {record_kind::hit, hit_key(st.h.def->number), std::make_shared<const hit_snapshot>(snapshot_of(st))};
}

// The HIT's record, and the pending-hold index kept in step with it: a HIT
// with a hold at the ledger not yet settled is listed there, so that after a
// failed write or a crash it is woken and settles it (see activation).
void add_snapshot(hit_actor_state& st, write_batch& batch) {
  batch.push_back(snapshot_record(st));
  bool pending = st.pending_seq != 0;
  if (pending != st.pending_indexed) {
    batch.push_back({record_kind::pending_hold, pending_hold_key(st.h.def->number),
                     pending ? std::make_shared<const deadline_mark>() : nullptr});
    st.pending_indexed = pending;
  }
}


bool is_hit_event(event_type t) {
  return t == event_type::hit_created || t == event_type::hit_extended || t == event_type::hit_disposed ||
         t == event_type::hit_reviewable || t == event_type::hit_expired || t == event_type::hit_available ||
         t == event_type::hit_updated || t == event_type::hit_unavailable;
}

// Asks the ledger to hold `amount` more for this HIT, the one transfer a HIT
// waits on (every payment and release goes through the outbox): the HIT's
// record with the hold marked pending is written first, so the seq is
// durable before it is used and a crash in between is resolved on
// activation; then the ledger is asked, and `then` runs inside this actor
// with its answer. The HIT is busy meanwhile.
void ask_hold(self_ptr self, money amount, std::function<void(status)> then) {
  auto& st = self->state;
  const auto& requester = st.h.def->requester_id;
  transfer t{source_of(st.h), ++st.ledger_seq, {{available_account(requester), held_account(requester), amount}}};
  st.pending_seq = t.seq;
  st.pending_hold = amount;
  st.busy = true;
  write_batch batch;
  if (st.rt->persistent())
    add_snapshot(st, batch);
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto* rt = st.rt;
  rt->persist(std::move(batch), [rt, me, t = std::move(t), then = std::move(then)](status s) mutable {
    if (!s.ok()) {
      post(me, hit::msg{hit::funds{std::move(s), std::move(then)}});
      return;
    }
    // Counted (drain, and a rebuild waits for the ledger's answer).
    rt->note(rt->ledger, ledger::msg{ledger::apply{
      std::move(t), {}, [me, then = std::move(then)](transfer_outcome o) mutable {
        status answer = o == transfer_outcome::applied            ? status{done{}}
                        : o == transfer_outcome::insufficient_funds ? status{error{errc::insufficient_funds, "the ledger refused the hold"}}
                                                                    : status{error{errc::storage_failure, "the hold could not be written"}};
        post(me, hit::msg{hit::funds{std::move(answer), std::move(then)}});
      }, true}});
  });
}

// Holds `extra` more from the requester's balance (when positive), then runs
// apply(held) inside this actor; refuses with InsufficientFunds when the
// balance cannot cover it.
void settle_pending(self_ptr self);

template <class Apply>
void hold_then(self_ptr self, money extra, callback<done> reply, const char* what, Apply apply) {
  if (extra.cents <= 0) {
    apply(money{}, std::move(reply));
    return;
  }
  // An earlier hold must be settled before another is asked for.
  settle_pending(self);
  if (self->state.pending_seq) {
    reply(error{errc::storage_failure, "an earlier hold of this HIT is being settled after a failed write; retry"});
    return;
  }
  ask_hold(self, extra,
             [extra, what, reply = std::move(reply), apply = std::move(apply)](status s) mutable {
               if (s.ok())
                 apply(extra, std::move(reply));
               else if (s.code() == errc::insufficient_funds)
                 reply(error{errc::insufficient_funds, std::string{"the requester's balance cannot cover "} + what});
               else
                 reply(s.err());
             });
}

// The effects of a transition on other actors, sent once the transition is
// durable: transfers to the ledger and updates to workers, each written as an
// outbox record in the transition's batch (with a store), which its receiver
// deletes in the batch that applies it.
struct outgoing {
  std::vector<std::pair<transfer, std::string>> transfers;       // with outbox key
  struct to_worker { std::string worker_id; worker::msg m; };
  std::vector<to_worker> workers;
  std::optional<requester::hit_status_note> status;
  std::string accept_outbox;   // the outbox key of an accept's update, for the worker's reply
};

void send_all(runtime* rt, outgoing& out, const std::string& requester) {
  for (auto& [t, key] : out.transfers)
    rt->note(rt->ledger, ledger::msg{ledger::apply{std::move(t), std::move(key), {}, true}});
  for (auto& w : out.workers)
    if (auto a = rt->worker_or_none(w.worker_id))
      rt->note(a, std::move(w.m));
  if (out.status)
    if (auto r = rt->requester_or_none(requester))
      rt->note(r, requester::msg{*out.status});
}


// Everything a transition asks for after the rules ran: money, the next
// deadline, the workers' and the requester's notes, the records that
// changed (after `batch`, records the caller adds), and only once they are
// durable, the notes, the events and `reply`.
void finish(self_ptr self, hit_effects& fx, hit_status before, std::function<void(status)> reply,
            write_batch batch = {}, std::string* accept_outbox = nullptr) {
  auto& st = self->state;
  auto& h = st.h;
  auto* rt = st.rt;
  const auto& requester = h.def->requester_id;
  const bool persistent = rt->persistent();
  const uint64_t number = h.def->number;
  auto out = std::make_shared<outgoing>();
  auto add_outbox = [&](outbox_entry e) -> std::string {
    st.snapshot_dirty = true;
    if (!persistent)
      return {};
    auto key = outbox_key(source_of(h), e.kind == outbox_entry::kind_t::transfer ? e.t.seq : ++st.ledger_seq);
    batch.push_back({record_kind::outbox, key, std::make_shared<const outbox_entry>(std::move(e))});
    return key;
  };
  auto add_transfer = [&](std::vector<transfer_leg> legs) {
    transfer t{source_of(h), ++st.ledger_seq, std::move(legs)};
    outbox_entry e;
    e.kind = outbox_entry::kind_t::transfer;
    e.t = t;
    auto key = add_outbox(std::move(e));
    out->transfers.emplace_back(std::move(t), std::move(key));
  };
  // Money.
  for (auto& p : fx.payments) {
    std::vector<transfer_leg> legs{{held_account(requester), worker_account(p.worker_id), p.reward}};
    if (p.fee.cents > 0)
      legs.push_back({held_account(requester), platform_account(), p.fee});
    add_transfer(std::move(legs));
  }
  if (fx.released.cents > 0)
    add_transfer({{held_account(requester), available_account(requester), fx.released}});
  // Keep the earliest pending deadline in the timer wheel. Deadlines are
  // never cancelled there: an early or stale wake-up finds nothing due.
  auto next = next_wake(h, rt->cfg);
  if (next && (!st.wake_scheduled || *next < *st.wake_scheduled)) {
    rt->timers.schedule(*next, number);
    st.wake_scheduled = *next;
  }
  // Workers hear of every change to their assignments, each change with its
  // own status: one step may submit and approve at once. The accept's own
  // worker learns it from the reply (with the outbox key to delete).
  for (const auto& c : fx.changes) {
    if (!c.has_assignment)
      continue;
    const auto& a = h.assignments[c.ordinal];
    assignment_status s;
    timestamp t;
    switch (c.type) {
      case event_type::assignment_accepted: s = assignment_status::accepted; t = a.accept_time; break;
      case event_type::assignment_submitted: s = assignment_status::submitted; t = a.submit_time; break;
      case event_type::assignment_approved: s = assignment_status::approved; t = a.approval_time; break;
      case event_type::assignment_rejected: s = assignment_status::rejected; t = a.rejection_time; break;
      case event_type::assignment_returned: s = assignment_status::returned; t = a.end_time; break;
      case event_type::assignment_abandoned: s = assignment_status::abandoned; t = a.end_time; break;
      default: continue;
    }
    assignment_update u{{number, a.ordinal}, requester, s, a.accept_time, a.submit_time, t, a.reward};
    outbox_entry e;
    e.kind = outbox_entry::kind_t::worker_update;
    e.worker_id = a.worker_id;
    e.update = u;
    auto key = add_outbox(std::move(e));
    if (s == assignment_status::accepted)
      out->accept_outbox = std::move(key);
    else
      out->workers.push_back({a.worker_id, worker::msg{worker::update{std::move(u), std::move(key)}}});
  }
  auto after = status_of(h);
  if (after != before)
    out->status = requester::hit_status_note{number, after};
  // Events, built now, published once durable.
  std::vector<event> events;
  events.reserve(fx.changes.size());
  auto now = rt->now();
  for (const auto& c : fx.changes) {
    event e;
    e.type = c.type;
    e.time = now;
    e.requester_id = requester;
    e.hit_number = number;
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
  if (persistent && !st.records_written) {
    if (fx.hit_changed || st.snapshot_dirty || !fx.payments.empty() || fx.released.cents > 0)
      add_snapshot(st, batch);
    for (auto o : fx.touched)
      batch.push_back({record_kind::assignment, assignment_key(number, o),
                       std::make_shared<const assignment_record>(h.assignments[o])});
    // The durable indexes: the requester's entry and the deadline.
    uint64_t type = parse_id(id_kind::hit_type, h.def->hit_type_id).value_or(0);
    if (!st.index_known || st.index_entry.status != after || st.index_entry.hit_type != type) {
      st.index_entry = requester_hit_entry{after, type};
      st.index_known = true;
      batch.push_back({record_kind::requester_hit, requester_hit_key(requester, number),
                       std::make_shared<const requester_hit_entry>(st.index_entry)});
    }
    if (next != st.deadline_indexed) {
      if (st.deadline_indexed)
        batch.push_back({record_kind::deadline, deadline_key(*st.deadline_indexed, number), nullptr});
      if (next)
        batch.push_back({record_kind::deadline, deadline_key(*next, number), std::make_shared<const deadline_mark>()});
      st.deadline_indexed = next;
    }
  }
  st.snapshot_dirty = false;
  st.records_written = false;
  if (accept_outbox)
    *accept_outbox = out->accept_outbox;
  rt->persist(std::move(batch), [rt, out, requester, events = std::move(events), reply = std::move(reply)](status s) mutable {
    if (s.ok()) {
      send_all(rt, *out, requester);
      rt->bus.publish(events);
    }
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

// Runs what waited, in order, until a command makes the HIT busy again.
// Each command handled here ends by calling replay_stash itself: that inner
// call returns at once and this loop goes on, so a long stash is replayed in
// one frame, not one frame deeper per command (10,000 deep overflowed).
void replay_stash(self_ptr self) {
  auto& st = self->state;
  if (st.replaying)
    return;
  st.replaying = true;
  while (!st.busy && !st.settling && !st.stash.empty()) {
    auto m = st.stash.take_front();
    handle(self, m);
  }
  st.replaying = false;
}

// A hold this HIT's record says was sent to the ledger and never answered
// (a write failed or the process stopped in between): if the ledger applied
// it, the money joins the escrow and what is not needed goes back at once;
// if not, it never will be (it is not resent). Not while the engine
// rebuilds (the ledger may still be answering older incarnations, and the
// store takes no writes): then the HIT stays listed as pending and the
// rebuild wakes it afterwards.
void settle_pending(self_ptr self) {
  auto& st = self->state;
  auto* rt = st.rt;
  if (!st.pending_seq || st.busy || !rt->store || rt->rebuilding())
    return;
  auto applied = rt->store->get(ledger_source_key(source_of(st.h)));
  if (!applied.ok()) {
    rt->report_storage_error(applied.err().message);
    return;
  }
  uint64_t last = *applied ? *std::static_pointer_cast<const uint64_t>(*applied) : 0;
  hit_effects fx;
  auto before = status_of(st.h);
  if (last >= st.pending_seq)
    adopt_hold(st.h, st.pending_hold, rt->cfg.fees, fx);
  st.ledger_seq = std::max(st.ledger_seq, last);
  st.pending_seq = 0;
  st.pending_hold = {};
  st.snapshot_dirty = true;
  finish(self, fx, before, {});
}

// Leaves memory: what waits is answered, the state goes, and from now on
// every message is forwarded to the successor activated from the records.
void leave(self_ptr self) {
  auto& st = self->state;
  st.retired = true;
  for (auto& waiting : st.stash.take_all())
    answer_failed(*st.rt, waiting, error{errc::storage_failure, "a write failed before this command ran"});
  auto def = std::move(st.h.def);   // kept: it names the HIT
  st.h = hit_state{};
  st.h.def = std::move(def);
}

// Retention is over for a deleted HIT: every record of it goes (the HIT,
// its definition, assignments, bonuses, index entries, the ledger's seq of
// it), and it leaves memory; a later command finds no such HIT.
void purge(self_ptr self, std::function<void()> reply) {
  auto& st = self->state;
  auto& h = st.h;
  auto* rt = st.rt;
  auto n = st.number();
  write_batch batch;
  auto erase = [&](record_kind k, std::string key) { batch.push_back({k, std::move(key), nullptr}); };
  erase(record_kind::hit, hit_key(n));
  erase(record_kind::hit_definition, hit_definition_key(n));
  for (const auto& a : h.assignments)
    erase(record_kind::assignment, assignment_key(n, a.ordinal));
  for (uint32_t i = 0; i < h.bonuses.size(); ++i)
    erase(record_kind::bonus, bonus_key(n, i));
  erase(record_kind::requester_hit, requester_hit_key(h.def->requester_id, n));
  if (st.deadline_indexed)
    erase(record_kind::deadline, deadline_key(*st.deadline_indexed, n));
  if (st.pending_indexed)
    erase(record_kind::pending_hold, pending_hold_key(n));
  erase(record_kind::ledger_source, ledger_source_key(source_of(h)));
  // Out of the directory before the reply: without a store persist()
  // answers at once, and a command sent on that answer must not find
  // this actor.
  rt->hits.erase(n, caf::actor_cast<caf::actor>(self));
  leave(self);
  rt->persist(std::move(batch), [reply = std::move(reply)](status) {
    if (reply)
      reply();
  });
}

bool idle(const hit_actor_state& st, timestamp before) {
  return !st.busy && !st.settling && st.stash.empty() && st.writes->in_flight.load(std::memory_order_acquire) == 0 &&
         st.last_active < before;
}

void handle(self_ptr self, hit::msg& m) {
  auto& st = self->state;
  if (st.retired) {
    // The old incarnation's pending ledger answer is not for a successor.
    if (std::holds_alternative<hit::funds>(m) || std::holds_alternative<passivate>(m))
      answer_failed(*st.rt, m, error{errc::storage_failure, "a write failed before this command finished"});
    else
      forward_or_fail(*st.rt, st.rt->hit(st.number()), caf::actor_cast<caf::actor>(self), m);
    return;
  }
  if (st.writes->failed.load(std::memory_order_acquire)) {
    // A write of this actor failed: its memory is ahead of disk.
    st.rt->hits.erase(st.number(), caf::actor_cast<caf::actor>(self));
    leave(self);
    handle(self, m);   // forwarded to the successor
    return;
  }
  if (auto* p = std::get_if<passivate>(&m)) {
    if (idle(st, p->idle_before)) {
      auto me = self->address();
      auto def = st.h.def;
      // Only with nothing else in the mailbox, checked under the
      // directory's lock: what is queued behind this would reach the
      // successor after commands sent later (through the directory).
      auto nothing_queued = [self] { return self->mailbox().empty(); };
      // With a store the successor reads the records; without one the
      // state is parked in the directory for it.
      bool gone = st.rt->persistent()
                    ? st.rt->hits.erase_if(st.number(), me, nothing_queued)
                    : st.rt->hits.park(st.number(), me, nothing_queued, [&] {
                        return parked_hit{std::move(st.h), st.ledger_seq, st.wake_scheduled};
                      });
      if (gone) {
        st.h.def = std::move(def);
        leave(self);
      }
    }
    st.rt->noted();   // passivate is a counted note
    return;
  }
  writes_scope in_flight{st.writes};
  auto& h = st.h;
  auto* rt = st.rt;
  const auto& fees = rt->cfg.fees;
  st.last_active = rt->now();
  if (st.settling) {
    if (auto* w = std::get_if<hit::wake>(&m)) {
      settle_pending(self);
      st.settling = st.pending_seq != 0;
      if (st.settling) {
        if (rt->rebuilding())
          rt->wake_when_rebuilt(st.number());   // still rebuilding: again after it
        else
          rt->timers.schedule(rt->now() + settle_retry_ms, st.number());   // the read failed: again later
        if (w->reply)
          w->reply();
        return;
      }
    }
  }
  if ((st.busy || st.settling) && !std::holds_alternative<hit::funds>(m)) {
    if (st.stash.size() >= stash_max) {
      // Refused as answer_failed answers each kind: a command with the
      // error, an accept with it too (its reply takes two arguments, and it
      // went unanswered: the worker waited for it), a counted wake
      // uncounted (it went uncounted, and drain() waited its whole bound).
      answer_failed(*rt, m, error{errc::throttled, "too many commands are waiting for this HIT"});
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
        // The first records went with the hold (initial_hit_records).
        st.index_entry = requester_hit_entry{status_of(h), parse_id(id_kind::hit_type, h.def->hit_type_id).value_or(0)};
        st.index_known = true;
        st.deadline_indexed = next_wake(h, rt->cfg);
        st.records_written = true;
        finish(self, c.fx, hit_status::assignable, [reply = std::move(c.reply), v = view_of(h, true)](status s) {
          if (s.ok())
            reply(v);
          else
            reply(s.err());
        });
      } else if constexpr (std::is_same_v<T, hit::wake>) {
        settle_pending(self);
        if (h.disposed && now >= h.disposed_at + rt->cfg.retention_ms) {   // (without a store: from memory)
          purge(self, std::move(c.reply));
          return;
        }
        st.wake_scheduled.reset();   // finish() schedules the next one
        hit_effects fx;
        auto before = status_of(h);
        advance_to(h, now, fees, fx);
        write_batch batch;
        // A deadline record this HIT no longer has (it woke the HIT at
        // start) goes; finish() writes the current one.
        if (c.indexed && rt->persistent() && st.deadline_indexed != c.indexed)
          batch.push_back({record_kind::deadline, deadline_key(c.indexed, h.def->number), nullptr});
        finish(self, fx, before, [reply = std::move(c.reply)](status) {
          if (reply)
            reply();
        }, std::move(batch));
      } else if constexpr (std::is_same_v<T, hit::accept>) {
        hit_effects fx;
        auto before = status_of(h);
        auto r = hitd::accept(h, *c.creds, now, fees, fx);
        if (!r.ok()) {
          finish(self, fx, before, {});
          c.reply(r.err(), {});
          return;
        }
        auto key = std::make_shared<std::string>();
        finish(self, fx, before, [reply = std::move(c.reply), v = view_of(h, h.assignments[*r]), key](status s) {
          if (s.ok())
            reply(v, std::move(*key));
          else
            reply(s.err(), {});
        }, {}, key.get());
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
        // Overriding a rejection: the reward and fee are held from the
        // requester's balance first, then paid from the hold like any approval.
        hold_then(self, plan->reward + plan->fee, std::move(c.reply), "the reward and fee",
                  [self, ordinal = c.ordinal, feedback = std::move(c.feedback)](money held, callback<done> reply) mutable {
                    auto& s2 = self->state;
                    // Nothing ran in between (the actor was busy), so the plan holds.
                    simple(self, reply, [&](hit_effects& fx2) {
                      hitd::approve_rejected(s2.h, ordinal, std::move(feedback), s2.rt->now(), held, s2.rt->cfg.fees, fx2);
                      return status{done{}};
                    });
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
        if (c.worker_id.empty() && deny_unless_owner(h, c.requester_id, c.reply))
          return;
        hit_effects fx;
        auto before = status_of(h);
        advance_to(h, now, fees, fx);
        finish(self, fx, before, {});
        if (c.ordinal >= h.assignments.size() ||
            h.assignments[c.ordinal].status == assignment_status::returned ||
            h.assignments[c.ordinal].status == assignment_status::abandoned ||
            (!c.worker_id.empty() && h.assignments[c.ordinal].worker_id != c.worker_id))
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
        // The extension applies at `now`, the time its hold was computed for:
        // the HIT waits for the ledger without advancing, and a deadline that
        // falls due meanwhile (its expiry, or the abandonment of an
        // assignment of the expired HIT, which opens a slot) is applied after
        // it, by the next wake or command. Applied at a later time, such a
        // deadline would come first and the hold would fall short of what the
        // extended HIT must hold (found by the crash test).
        hold_then(self, extension_hold(h, c.expire_at, now, fees), std::move(c.reply), "the extended HIT",
                  [self, expire_at = c.expire_at, now](money held, callback<done> reply) {
                    auto& s2 = self->state;
                    simple(self, reply, [&](hit_effects& fx2) {
                      return hitd::update_expiration(s2.h, expire_at, now, held, s2.rt->cfg.fees, fx2);
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
        hold_then(self, retype_hold(h, *c.def->properties, fees), std::move(c.reply), "the new reward",
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
        // A deleted HIT leaves memory as soon as its deletion is durable.
        c.reply = [rt, me = caf::actor_cast<caf::actor>(self), reply = std::move(c.reply)](result<done> r) {
          if (r.ok())
            rt->note(me, hit::msg{passivate{std::numeric_limits<timestamp>::max()}});
          reply(std::move(r));
        };
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
        // The bonus and its fee are held from the requester's balance, then
        // paid from the hold through the outbox with the bonus's record.
        auto fee = bonus_fee(fees, c.req.amount);
        auto reply = std::move(c.reply);
        hold_then(self, c.req.amount + fee, std::move(reply), "the bonus and its fee",
                  [self, c = std::move(c), fee](money, callback<done> reply2) mutable {
          auto& s2 = self->state;
          auto* rt2 = s2.rt;
          auto t = rt2->now();
          auto number = s2.h.def->number;
          const auto& requester = s2.h.def->requester_id;
          auto index = static_cast<uint32_t>(s2.h.bonuses.size());
          s2.h.bonuses.push_back({c.ordinal, c.req.worker_id, c.req.amount, fee, c.req.reason, t, c.req.unique_request_token});
          std::vector<event> events(1);
          auto& e = events[0];
          e.type = event_type::bonus_paid;
          e.time = t;
          e.requester_id = requester;
          e.worker_id = c.req.worker_id;
          e.hit_number = number;
          e.has_assignment = true;
          e.assignment_ordinal = c.ordinal;
          e.amount = c.req.amount;
          e.hit = s2.h.def;
          transfer pay{source_of(s2.h), ++s2.ledger_seq, {{held_account(requester), worker_account(c.req.worker_id), c.req.amount}}};
          if (fee.cents > 0)
            pay.legs.push_back({held_account(requester), platform_account(), fee});
          write_batch batch;
          std::string pay_key, note_key;
          if (rt2->persistent()) {
            outbox_entry p;
            p.kind = outbox_entry::kind_t::transfer;
            p.t = pay;
            pay_key = outbox_key(source_of(s2.h), pay.seq);
            batch.push_back({record_kind::outbox, pay_key, std::make_shared<const outbox_entry>(std::move(p))});
            outbox_entry o;
            o.kind = outbox_entry::kind_t::worker_bonus;
            o.worker_id = c.req.worker_id;
            o.amount = c.req.amount;
            o.time = t;
            note_key = outbox_key(source_of(s2.h), ++s2.ledger_seq);
            batch.push_back({record_kind::outbox, note_key, std::make_shared<const outbox_entry>(std::move(o))});
            batch.push_back({record_kind::bonus, bonus_key(number, index),
                             std::make_shared<const bonus_record>(s2.h.bonuses.back())});
            add_snapshot(s2, batch);
          } else {
            ++s2.ledger_seq;
          }
          s2.snapshot_dirty = false;
          rt2->persist(std::move(batch), [rt2, events = std::move(events), pay = std::move(pay), pay_key = std::move(pay_key),
                                          note_key = std::move(note_key), worker_id = c.req.worker_id, amount = c.req.amount,
                                          t, reply2 = std::move(reply2)](status s) mutable {
            if (s.ok()) {
              rt2->note(rt2->ledger, ledger::msg{ledger::apply{std::move(pay), std::move(pay_key), {}, true}});
              if (auto w = rt2->worker_or_none(worker_id))
                rt2->note(w, worker::msg{worker::bonus{amount, t, std::move(note_key)}});
              rt2->bus.publish(events);
            }
            reply2(std::move(s));
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
        st.pending_seq = 0;
        st.pending_hold = {};
        st.snapshot_dirty = true;   // the next record written clears the pending transfer
        c.then(std::move(c.outcome));
      }
    },
    m);
  replay_stash(self);
}

// What an activation found beside the HIT's own records.
struct activation {
  uint64_t ledger_seq = 0;        // from the HIT's record
  uint64_t pending_seq = 0;
  money pending_hold;
  uint64_t ledger_applied = 0;    // the last seq of this HIT the ledger applied
  bool active = false;            // false: a new HIT (hit::init follows)
  // A parked HIT's wake-up still in the timer wheel (not scheduled again).
  std::optional<timestamp> wake_scheduled;
};

caf::behavior hit_impl(caf::stateful_actor<hit_actor_state>* self, runtime* rt, hit_state h, activation act) {
  auto& st = self->state;
  st.rt = rt;
  st.h = std::move(h);
  st.writes->on_failure = [rt, n = st.number(), addr = self->address()] { rt->hits.erase(n, addr); };
  writes_scope in_flight{st.writes};
  // New (its init follows), activated or unparked for a message: not idle
  // before it, so a sweep racing with that message leaves it be.
  st.last_active = rt->now();
  if (act.active) {
    // The indexes are as durable as the records they came with.
    st.ledger_seq = std::max(act.ledger_seq, act.ledger_applied);
    st.pending_indexed = act.pending_seq != 0;
    st.deadline_indexed = next_wake(st.h, rt->cfg);
    st.index_entry = requester_hit_entry{status_of(st.h), parse_id(id_kind::hit_type, st.h.def->hit_type_id).value_or(0)};
    st.index_known = true;
    if (act.wake_scheduled && (!st.deadline_indexed || *act.wake_scheduled <= *st.deadline_indexed)) {
      st.wake_scheduled = act.wake_scheduled;
    } else if (st.deadline_indexed) {
      rt->timers.schedule(*st.deadline_indexed, st.h.def->number);
      st.wake_scheduled = st.deadline_indexed;
    }
    // A hold that was waiting for the ledger when the HIT stopped.
    st.pending_seq = act.pending_seq;
    st.pending_hold = act.pending_hold;
    if (st.pending_seq)
      settle_pending(self);
    // Not settled now (the engine rebuilds): nothing else runs until a wake
    // after the rebuild settles it, so no newer seq can blur whether the
    // ledger applied this one.
    st.settling = st.pending_seq != 0;
    if (st.settling)
      rt->wake_when_rebuilt(st.number());
  }
  return {
    [=](hit::msg& m) {
      on_unit u{self->context()};
      handle(self, m);
    },
  };
}

template <class T>
result<std::vector<T>> scan_all(const storage_port& store, const std::string& prefix) {
  std::vector<T> out;
  auto s = store.scan(prefix, [&](const std::string&, const record_value& v) {
    out.push_back(*std::static_pointer_cast<const T>(v));
    return true;
  });
  if (!s.ok())
    return s.err();
  return out;
}

} // namespace

write_batch initial_hit_records(const hit_state& h) {
  auto number = h.def->number;
  hit_actor_state st;
  st.h = h;
  write_batch b;
  b.push_back({record_kind::hit_definition, hit_definition_key(number), h.def});
  b.push_back(snapshot_record(st));
  b.push_back({record_kind::requester_hit, requester_hit_key(h.def->requester_id, number),
               std::make_shared<const requester_hit_entry>(
                 requester_hit_entry{status_of(h), parse_id(id_kind::hit_type, h.def->hit_type_id).value_or(0)})});
  if (auto next = next_deadline(h))
    b.push_back({record_kind::deadline, deadline_key(*next, number), std::make_shared<const deadline_mark>()});
  return b;
}

caf::actor spawn_hit(runtime& rt, hit_state state) {
  // A new HIT's first message, hit::init, follows at once.
  return spawn_actor<caf::lazy_init>(rt.sys, hit_impl, &rt, std::move(state), activation{});
}

caf::actor unpark_hit(runtime& rt, parked_hit&& p) {
  activation act;
  act.active = true;
  act.ledger_seq = p.ledger_seq;
  act.ledger_applied = p.ledger_seq;   // no store: every hold was answered before it parked
  act.wake_scheduled = p.wake_scheduled;
  return spawn_actor(rt.sys, hit_impl, &rt, std::move(p.h), act);
}

result<caf::actor> activate_hit(runtime& rt, uint64_t number) {
  auto& store = *rt.store;
  auto snap = store.get(hit_key(number));
  if (!snap.ok())
    return snap.err();
  if (!*snap)
    return caf::actor{};
  auto def = store.get(hit_definition_key(number));
  if (!def.ok())
    return def.err();
  if (!*def)
    return error{errc::storage_failure, "HIT " + std::to_string(number) + " has a record but no definition"};
  auto assignments = scan_all<assignment_record>(store, assignment_prefix(number));
  if (!assignments.ok())
    return assignments.err();
  auto bonuses = scan_all<bonus_record>(store, bonus_prefix(number));
  if (!bonuses.ok())
    return bonuses.err();
  hit_snapshot s = *std::static_pointer_cast<const hit_snapshot>(*snap);
  s.def = std::static_pointer_cast<const hit_definition>(*def);
  auto h = restore_hit(s, std::move(*assignments), std::move(*bonuses));
  if (!h.ok())
    return error{errc::storage_failure, "HIT " + std::to_string(number) + ": " + h.err().message};
  activation act;
  act.active = true;
  act.ledger_seq = s.ledger_seq;
  act.pending_seq = s.pending_seq;
  act.pending_hold = s.pending_hold;
  auto applied = store.get(ledger_source_key(source_of(*h)));
  if (!applied.ok())
    return applied.err();
  if (*applied)
    act.ledger_applied = *std::static_pointer_cast<const uint64_t>(*applied);
  return spawn_actor(rt.sys, hit_impl, &rt, std::move(*h), act);
}

} // namespace hitd::detail
