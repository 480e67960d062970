// One worker_actor owns one worker: its qualifications, blocks, daily cap,
// statistics and withdrawals. Accepting starts here (the cap and the
// credentials are the worker's), is decided by the HIT, and is counted here
// when the HIT answers. Other assignment changes arrive as idempotent updates
// from the HITs.

#include <algorithm>
#include <list>
#include <unordered_set>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "hitd/records.hpp"
#include "messages.hpp"
#include "runtime.hpp"

namespace hitd::detail {
namespace {

constexpr size_t stash_max = 10'000;
// Accepts of one worker waiting for their HITs at once.
constexpr int64_t accepts_in_flight_max = 64;
// Accept-next asks its group's requester for candidates in batches; after
// this many batches it gives up with no_hits_available_in_group.
constexpr int group_rounds_max = 8;

struct worker_actor_state {
  runtime* rt = nullptr;
  worker_state w;
  // Built when asked for and dropped when the worker changes (not kept
  // stale: about 900 bytes a worker).
  std::shared_ptr<const worker_credentials> creds;
  bool busy = false;                                  // a withdrawal is at the ledger
  bool replaying = false;                             // the stash is being replayed (not re-entered)
  stash_queue<worker::msg> stash;
  // Accept tokens whose first call is still at the HIT: later repeats wait here.
  std::unordered_map<std::string, std::vector<callback<assignment_view>>> tokens_in_flight;
  // Outbox keys of bonuses applied lately: a bonus note may come twice (its
  // first delivery and a replay after a failed write) and is not idempotent
  // by itself. Older ones are recognised by their record being gone.
  std::unordered_set<std::string> recent_bonuses;
  std::list<std::string> recent_order;   // not a deque: an empty deque allocates
  // The worker's finished assignments as worker_finished records: those
  // numbered finished_first .. finished_end - 1 are in the store (or in a
  // batch on its way); the others in memory go with the next batch.
  uint64_t finished_first = 0;
  uint64_t finished_end = 0;
  // Leaving memory (see hit_actor.cpp).
  write_counter writes = make_write_counter();
  timestamp last_active = 0;
  bool retired = false;
  static inline const char* name = "hitd.worker";
};

using self_ptr = caf::stateful_actor<worker_actor_state>*;

// Writes the worker's record (and deletes the outbox record of the note it
// applied, if any), then calls then.
void refresh_credentials(worker_actor_state& st) {
  if (!st.creds)
    st.creds = std::make_shared<const worker_credentials>(credentials_of(st.w));
}

// The worker's record as stored: everything but the finished lists, which
// are moved out for the copy and back (so a change costs what changed, not
// the up to 10,000 finished assignments); with_lists keeps them in (a
// record written where the finished records cannot go with it, while some
// are not stored yet: docs/storage.md).
std::shared_ptr<const worker_state> worker_record(worker_state& w, bool with_lists) {
  if (with_lists)
    return std::make_shared<const worker_state>(w);
  return copy_without_finished(w);
}

bool finished_unstored(const worker_actor_state& st) {
  return st.finished_first != st.w.finished_total - st.w.finished_order.size() || st.finished_end != st.w.finished_total;
}

// The worker's record and, in the same batch, the finished records that
// changed since the last one: the new finishes, and the oldest dropped
// beyond finished_max (deleted by number, nothing read).
void add_worker_records(worker_actor_state& st, write_batch& batch) {
  auto& w = st.w;
  batch.push_back({record_kind::worker, worker_key(w.id), worker_record(w, false)});
  uint64_t first = w.finished_total - w.finished_order.size();
  for (uint64_t seq = st.finished_first; seq < std::min(first, st.finished_end); ++seq)
    batch.push_back({record_kind::worker_finished, worker_finished_key(w.id, seq), nullptr});
  for (uint64_t seq = std::max(st.finished_end, first); seq < w.finished_total; ++seq)
    batch.push_back({record_kind::worker_finished, worker_finished_key(w.id, seq),
                     std::make_shared<const uint64_t>(w.finished_order[static_cast<size_t>(seq - first)])});
  st.finished_first = first;
  st.finished_end = w.finished_total;
}

void persist_then(self_ptr self, std::function<void(status)> then, std::string outbox = {}) {
  auto& st = self->state;
  write_batch batch;
  if (st.rt->persistent()) {
    add_worker_records(st, batch);
    if (!outbox.empty())
      batch.push_back({record_kind::outbox, std::move(outbox), nullptr});
  }
  st.rt->persist(std::move(batch), std::move(then));
}

void publish_one(runtime* rt, event e) {
  std::vector<event> v;
  v.push_back(std::move(e));
  rt->bus.publish(v);
}

// Asks one HIT for an assignment; its answer comes back as worker::accepted
// (with the group's remaining candidates when accepting the next of a group).
void try_accept(self_ptr self, uint64_t hit_number, std::vector<uint64_t> rest, std::optional<worker::group_search> group,
                std::string token, callback<assignment_view> reply) {
  auto& st = self->state;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto hit_actor = st.rt->hit_or_none(hit_number);
  if (!hit_actor) {
    post(me, worker::msg{worker::accepted{error{errc::hit_does_not_exist, "no such HIT"}, std::move(token),
                                                    std::move(reply), std::move(rest), std::move(group)}});
    return;
  }
  refresh_credentials(st);
  post(hit_actor, hit::msg{hit::accept{
    st.creds, [me, token = std::move(token), reply = std::move(reply), rest = std::move(rest), group = std::move(group)](result<assignment_view> r, std::string outbox) mutable {
      // Back into this actor to count it; the client's reply rides along.
      post(me, worker::msg{worker::accepted{std::move(r), std::move(token), std::move(reply), std::move(rest), std::move(group), std::move(outbox)}});
    }}});
}

// Asks the group's requester for the next batch of assignable HITs.
void ask_candidates(self_ptr self, worker::group_search g, std::string token, callback<assignment_view> reply) {
  auto& st = self->state;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto owner = st.rt->or_report(st.rt->hit_type_owner(*parse_id(id_kind::hit_type, g.hit_type_id)));
  if (!owner) {
    // Not found now (a failed read, the engine stopping): no candidates,
    // so the accept ends as no_hits_available_in_group and frees its slot
    // (a send to no actor would drop it, and the client's answer with it).
    post(me, worker::msg{worker::candidates{{}, std::move(token), std::move(reply), std::move(g)}});
    return;
  }
  ++g.rounds;
  auto type_id = g.hit_type_id;
  auto after = g.after;
  post(owner, requester::msg{requester::next_hits{
    std::move(type_id), after, [me, g = std::move(g), token = std::move(token), reply = std::move(reply)](std::vector<uint64_t> hits) mutable {
      post(me, worker::msg{worker::candidates{std::move(hits), std::move(token), std::move(reply), std::move(g)}});
    }}});
}

void handle(self_ptr self, worker::msg& m);

void leave(self_ptr self) {
  auto& st = self->state;
  st.retired = true;
  error e{errc::storage_failure, "a write failed before this command ran"};
  for (auto& waiting : st.stash.take_all()) {
    // An accept its HIT made durable stands, stashed or not: the retired
    // path answers it and hands the successor its count.
    if (auto* a = std::get_if<worker::accepted>(&waiting); a && a->outcome.ok())
      handle(self, waiting);
    else
      answer_failed(*st.rt, waiting, e);
  }
  for (auto& [token, replies] : st.tokens_in_flight)
    for (auto& r : replies)
      r(e);
  st.tokens_in_flight.clear();
  auto id = std::move(st.w.id);
  st.w = worker_state{};
  st.w.id = std::move(id);
  st.creds.reset();
}

bool idle(const worker_actor_state& st, timestamp before) {
  return !st.busy && st.stash.empty() && st.w.accepts_in_flight == 0 && st.tokens_in_flight.empty() &&
         st.writes->in_flight.load(std::memory_order_acquire) == 0 && st.last_active < before;
}

void handle(self_ptr self, worker::msg& m) {
  auto& st = self->state;
  if (st.retired) {
    // A withdrawal the ledger applied is durable with the worker's record:
    // its answer is the successor's balance.
    if (auto* f = std::get_if<worker::funds>(&m); f && f->outcome == transfer_outcome::applied) {
      worker::msg q{worker::dashboard{[reply = std::move(f->reply)](result<worker_dashboard> d) {
        if (d.ok())
          reply(d->available_balance);
        else
          reply(d.err());
      }}};
      forward_or_fail(*st.rt, st.rt->worker(st.w.id), caf::actor_cast<caf::actor>(self), q);
      return;
    }
    // An accept the HIT made durable stands: the client has its assignment,
    // and the successor counts it (as the outbox note it also is).
    if (auto* a = std::get_if<worker::accepted>(&m); a && a->outcome.ok()) {
      auto ref = parse_assignment_id(a->outcome->assignment_id);
      if (ref && !a->outbox.empty()) {
        const auto& v = *a->outcome;
        st.rt->notes_in_flight.fetch_add(1, std::memory_order_relaxed);
        worker::msg u{worker::update{{*ref, {}, assignment_status::accepted, v.accept_time, 0, v.accept_time, v.reward},
                                     std::move(a->outbox)}};
        forward_or_fail(*st.rt, st.rt->worker(st.w.id), caf::actor_cast<caf::actor>(self), u);
      }
      a->reply(std::move(a->outcome));
      return;
    }
    // Answers to the old incarnation's requests are not for a successor.
    if (std::holds_alternative<worker::funds>(m) || std::holds_alternative<worker::accepted>(m) ||
        std::holds_alternative<worker::candidates>(m) || std::holds_alternative<passivate>(m))
      answer_failed(*st.rt, m, error{errc::storage_failure, "a write failed before this command finished"});
    else
      forward_or_fail(*st.rt, st.rt->worker(st.w.id), caf::actor_cast<caf::actor>(self), m);
    return;
  }
  if (st.writes->failed.load(std::memory_order_acquire)) {
    // A write of this actor failed: its memory is ahead of disk.
    st.rt->workers.erase(st.w.id, caf::actor_cast<caf::actor>(self));
    leave(self);
    handle(self, m);   // forwarded to the successor
    return;
  }
  if (auto* p = std::get_if<passivate>(&m)) {
    // Only with nothing else queued (see hit_actor.cpp's passivate). With a
    // store the successor reads the records; without one the state is
    // parked in the directory for it.
    if (idle(st, p->idle_before)) {
      auto nothing_queued = [self] { return self->mailbox().empty(); };
      auto id = st.w.id;
      bool gone = st.rt->persistent()
                    ? st.rt->workers.erase_if(id, self->address(), nothing_queued)
                    : st.rt->workers.park(id, self->address(), nothing_queued,
                                          [&] { return parked_worker{std::move(st.w)}; });
      if (gone) {
        st.w.id = std::move(id);   // the retired actor forwards by id
        leave(self);
      }
    }
    st.rt->noted();   // passivate is a counted note
    return;
  }
  writes_scope in_flight{st.writes};
  auto& w = st.w;
  auto* rt = st.rt;
  st.last_active = rt->now();
  if (st.busy && !std::holds_alternative<worker::funds>(m)) {
    // An accept's own continuations (its HIT's answer, its group's
    // candidates) always wait: refusing one would lose its bookkeeping (the
    // slot in accepts_in_flight, the repeats of its token) and tell the
    // client throttled for an assignment the HIT may have made durable.
    // There are at most accepts_in_flight_max of them.
    bool continuation = std::holds_alternative<worker::accepted>(m) || std::holds_alternative<worker::candidates>(m);
    if (st.stash.size() >= stash_max && !continuation) {
      // Refused as answer_failed answers each kind: a command with the
      // error, a counted note uncounted (an update or bonus stays in the
      // outbox for the next replay). Not answering left the note counted,
      // so drain() and every rebuild waited their whole bound.
      answer_failed(*rt, m, error{errc::throttled, "too many commands are waiting for this worker"});
      return;
    }
    st.stash.push_back(std::move(m));
    return;
  }
  auto now = rt->now();
  prune(w, now);
  std::visit(
    [&](auto& c) {
      using T = std::decay_t<decltype(c)>;
      if constexpr (std::is_same_v<T, worker::init>) {
        persist_then(self, [reply = std::move(c.reply), id = w.id](status s) {
          if (s.ok())
            reply(id);
          else
            reply(s.err());
        });
      } else if constexpr (std::is_same_v<T, worker::accept>) {
        if (!c.token.empty()) {
          if (auto it = w.accept_tokens.find(c.token); it != w.accept_tokens.end()) {
            c.reply(it->second.first);   // a repeat: the first assignment
            return;
          }
          if (auto it = st.tokens_in_flight.find(c.token); it != st.tokens_in_flight.end()) {
            it->second.push_back(std::move(c.reply));
            return;
          }
        }
        if (auto cap = check_daily_cap(w, now, rt->cfg.workers); !cap.ok()) {
          c.reply(cap.err());
          return;
        }
        if (w.accepts_in_flight >= accepts_in_flight_max) {
          c.reply(error{errc::throttled, "too many accepts of this worker are in progress"});
          return;
        }
        if (c.hit_number != 0) {
          if (!rt->hit_or_none(c.hit_number)) {
            c.reply(error{errc::hit_does_not_exist, "no such HIT"});
            return;
          }
          ++w.accepts_in_flight;
          if (!c.token.empty())
            st.tokens_in_flight[c.token];
          try_accept(self, c.hit_number, {}, std::nullopt, std::move(c.token), std::move(c.reply));
          return;
        }
        // The next HIT of a group: its requester knows which are assignable.
        auto type_number = parse_id(id_kind::hit_type, c.hit_type_id);
        if (!type_number || !rt->or_report(rt->hit_type_owner(*type_number))) {
          c.reply(error{errc::hit_type_does_not_exist, "no HIT group " + c.hit_type_id});
          return;
        }
        ++w.accepts_in_flight;
        if (!c.token.empty())
          st.tokens_in_flight[c.token];
        ask_candidates(self, worker::group_search{c.hit_type_id, 0, 0}, std::move(c.token), std::move(c.reply));
      } else if constexpr (std::is_same_v<T, worker::candidates>) {
        if (c.hits.empty()) {
          post(caf::actor_cast<caf::actor>(self), worker::msg{worker::accepted{
            error{errc::no_hits_available_in_group, "no HIT of this group can be accepted now"}, std::move(c.token),
            std::move(c.reply), {}, std::nullopt}});
          return;
        }
        c.group.after = c.hits.back();
        auto first = c.hits.front();
        std::vector<uint64_t> rest(c.hits.begin() + 1, c.hits.end());
        try_accept(self, first, std::move(rest), std::move(c.group), std::move(c.token), std::move(c.reply));
      } else if constexpr (std::is_same_v<T, worker::accepted>) {
        if (!c.outcome.ok() && c.group) {
          auto code = c.outcome.code();
          bool skip = code == errc::invalid_hit_state || code == errc::assignment_already_exists ||
                      code == errc::does_not_meet_requirements || code == errc::worker_blocked ||
                      code == errc::hit_does_not_exist;
          if (skip && !c.rest.empty()) {
            auto next = c.rest.front();
            c.rest.erase(c.rest.begin());
            try_accept(self, next, std::move(c.rest), std::move(c.group), std::move(c.token), std::move(c.reply));
            return;
          }
          if (skip && c.group->rounds < group_rounds_max) {
            // This batch is used up: ask for the group's HITs after it.
            ask_candidates(self, std::move(*c.group), std::move(c.token), std::move(c.reply));
            return;
          }
          if (skip)
            c.outcome = error{errc::no_hits_available_in_group, "no HIT of this group can be accepted by this worker now"};
        }
        --w.accepts_in_flight;
        std::vector<callback<assignment_view>> waiting;
        if (!c.token.empty()) {
          if (auto it = st.tokens_in_flight.find(c.token); it != st.tokens_in_flight.end()) {
            waiting = std::move(it->second);
            st.tokens_in_flight.erase(it);
          }
        }
        auto answer_all = [waiting = std::move(waiting), reply = std::move(c.reply)](const result<assignment_view>& r) mutable {
          reply(r);
          for (auto& r2 : waiting)
            r2(r);
        };
        if (!c.outcome.ok()) {
          answer_all(c.outcome);
          return;
        }
        const auto& v = *c.outcome;
        auto ref = parse_assignment_id(v.assignment_id);
        assignment_update u{*ref, {}, assignment_status::accepted, v.accept_time, 0, v.accept_time, v.reward};
        apply_update(w, u);
        st.creds.reset();
        if (!c.token.empty())
          w.accept_tokens[c.token] = {v, now};
        // Answered once the worker's count is written, with the assignment
        // even if that write fails: the HIT made it durable, with an outbox
        // note that counts it here again (the rebuild replays it).
        persist_then(self, [answer_all = std::move(answer_all), r = std::move(c.outcome)](status) mutable {
          answer_all(r);
        }, std::move(c.outbox));
      } else if constexpr (std::is_same_v<T, worker::update>) {
        // A replayed note may have been applied already: then only its
        // outbox record goes.
        if (apply_update(w, c.u)) {
          st.creds.reset();
          persist_then(self, [rt](status) { rt->noted(); }, std::move(c.outbox));
        } else if (!c.outbox.empty() && rt->persistent()) {
          write_batch batch;
          batch.push_back({record_kind::outbox, std::move(c.outbox), nullptr});
          rt->persist(std::move(batch), [rt](status) { rt->noted(); });
        } else {
          rt->noted();
        }
      } else if constexpr (std::is_same_v<T, worker::bonus>) {
        // Bonuses are counted once: the outbox record goes in the same batch,
        // and a second delivery finds it applied (recently) or gone.
        if (!c.outbox.empty()) {
          bool seen = st.recent_bonuses.count(c.outbox) > 0;
          if (!seen) {
            auto rec = rt->store->get(c.outbox);
            seen = rec.ok() && !*rec;
          }
          if (seen) {
            rt->noted();
            return;
          }
          st.recent_bonuses.insert(c.outbox);
          st.recent_order.push_back(c.outbox);
          if (st.recent_order.size() > 1'024) {
            st.recent_bonuses.erase(st.recent_order.front());
            st.recent_order.pop_front();
          }
        }
        record_bonus(w, c.amount, c.time);
        persist_then(self, [rt](status) { rt->noted(); }, std::move(c.outbox));
      } else if constexpr (std::is_same_v<T, worker::block>) {
        if (c.on)
          w.blocked_by.insert(c.requester_id);
        else
          w.blocked_by.erase(c.requester_id);
        st.creds.reset();
        persist_then(self, [reply = std::move(c.reply)](status s) { reply(std::move(s)); });
      } else if constexpr (std::is_same_v<T, worker::grant>) {
        w.qualifications[c.g.qualification_type_id] = c.g;
        st.creds.reset();
        persist_then(self, [reply = std::move(c.reply)](status s) { reply(std::move(s)); });
      } else if constexpr (std::is_same_v<T, worker::notify>) {
        w.notifications.push_back(c.n);
        prune(w, now);
        event e;
        e.type = event_type::worker_notified;
        e.time = now;
        e.worker_id = w.id;
        e.requester_id = c.n.requester_id;
        e.text = c.n.subject;
        persist_then(self, [rt, e = std::move(e), reply = std::move(c.reply)](status s) mutable {
          if (s.ok())
            publish_one(rt, std::move(e));
          reply(s.ok());
        });
      } else if constexpr (std::is_same_v<T, worker::credentials>) {
        refresh_credentials(st);
        c.reply(*st.creds);
      } else if constexpr (std::is_same_v<T, worker::dashboard>) {
        auto d = dashboard_of(w, now, rt->cfg.workers);
        d.notifications.assign(w.notifications.begin(), w.notifications.end());
        c.reply(std::move(d));
      } else if constexpr (std::is_same_v<T, worker::list_open>) {
        c.reply(in_progress(w, limits::worker_open_assignments_listed_max));
      } else if constexpr (std::is_same_v<T, worker::withdraw>) {
        if (!c.token.empty() && w.withdraw_tokens.count(c.token)) {
          c.reply(balance_of(w));   // a repeat: the first withdrawal stands
          return;
        }
        if (auto ok = check_withdrawal(w, c.amount, now, rt->cfg.workers); !ok.ok()) {
          c.reply(ok.err());
          return;
        }
        st.busy = true;
        caf::actor me = caf::actor_cast<caf::actor>(self);
        transfer t{w.id, ++w.ledger_seq, {{worker_account(w.id), external_account(), c.amount}}};
        // The worker's record as it is once paid out goes in the ledger's
        // batch with the transfer: both are written or neither.
        write_batch with;
        if (rt->persistent()) {
          worker_state after = *worker_record(w, finished_unstored(st));
          after.withdrawn += c.amount;
          if (!c.token.empty())
            after.withdraw_tokens[c.token] = now;
          with.push_back({record_kind::worker, worker_key(w.id), std::make_shared<const worker_state>(std::move(after))});
        }
        rt->note(rt->ledger, ledger::msg{ledger::apply{
          std::move(t), {}, [me, amount = c.amount, token = c.token, reply = std::move(c.reply)](transfer_outcome o) mutable {
            post(me, worker::msg{worker::funds{o, amount, std::move(token), std::move(reply)}});
          }, true, std::move(with)}});
      } else if constexpr (std::is_same_v<T, worker::funds>) {
        st.busy = false;
        if (c.outcome == transfer_outcome::insufficient_funds) {
          c.reply(error{errc::insufficient_funds, "the ledger refused the withdrawal"});
          return;
        }
        if (c.outcome != transfer_outcome::applied) {
          c.reply(error{errc::storage_failure, "the withdrawal could not be written"});
          return;
        }
        // Durable already (with the ledger's batch).
        w.withdrawn += c.amount;
        if (!c.token.empty())
          w.withdraw_tokens[c.token] = now;
        event e;
        e.type = event_type::earnings_withdrawn;
        e.time = now;
        e.worker_id = w.id;
        e.amount = c.amount;
        publish_one(rt, std::move(e));
        c.reply(balance_of(w));
      }
    },
    m);
  // What waited runs in order until a command makes the worker busy again.
  // A command replayed here reaches this point too: it leaves the loop to
  // the outer call, so a long stash is one frame deep, not one per command.
  if (st.replaying)
    return;
  st.replaying = true;
  while (!st.busy && !st.stash.empty()) {
    auto next = st.stash.take_front();
    handle(self, next);
  }
  st.replaying = false;
}

caf::behavior worker_impl(caf::stateful_actor<worker_actor_state>* self, runtime* rt, worker_state w,
                          uint64_t finished_first, uint64_t finished_end) {
  self->state.rt = rt;
  self->state.w = std::move(w);
  self->state.finished_first = finished_first;
  self->state.finished_end = finished_end;
  // New, activated or unparked for a message: not idle before it (a sweep
  // racing with its first message would otherwise send it away, and a new
  // worker's init to a successor that finds no record of it).
  self->state.last_active = rt->now();
  self->state.writes->on_failure = [rt, id = self->state.w.id, addr = self->address()] { rt->workers.erase(id, addr); };
  return {
    [=](worker::msg& m) {
      on_unit u{self->context()};
      handle(self, m);
    },
  };
}

} // namespace

caf::actor spawn_worker(runtime& rt, worker_state state) {
  // A new worker: nothing finished, nothing stored of it.
  state.finished_total = state.finished_order.size();
  uint64_t stored = 0;
  return spawn_actor(rt.sys, worker_impl, &rt, std::move(state), stored, stored);
}

caf::actor unpark_worker(runtime& rt, parked_worker&& p) {
  // No store: nothing of it is stored, nothing was in flight when it parked.
  return spawn_actor(rt.sys, worker_impl, &rt, std::move(p.w), uint64_t{0}, uint64_t{0});
}

result<caf::actor> activate_worker(runtime& rt, const std::string& id) {
  auto v = rt.store->get(worker_key(id));
  if (!v.ok())
    return v.err();
  if (!*v)
    return caf::actor{};
  worker_state w = *std::static_pointer_cast<const worker_state>(*v);
  w.accepts_in_flight = 0;   // those were answered (or lost) with the old incarnation
  // A withdrawal the ledger applied after the worker's record was written
  // used the next seq: never issue it again.
  auto applied = rt.store->get(ledger_source_key(w.id));
  if (!applied.ok())
    return applied.err();
  if (*applied)
    w.ledger_seq = std::max(w.ledger_seq, *std::static_pointer_cast<const uint64_t>(*applied));
  // Blocks and grants are the requesters' records (a requester writes them
  // first, then tells the worker): what the worker's record holds of them is
  // a cache a crash may have left behind.
  w.blocked_by = rt.blocks.of(w.id);
  auto grants = rt.store->scan(worker_grant_prefix(w.id), [&](const std::string&, const record_value& r) {
    const auto& g = *std::static_pointer_cast<const qualification_grant>(r);
    w.qualifications[g.qualification_type_id] = g;
    return true;
  });
  if (!grants.ok())
    return grants.err();
  // The finished assignments: worker_finished records, oldest first. A
  // record written before they existed keeps its lists instead: those are
  // written out as records with the worker's next batch.
  std::vector<std::pair<uint64_t, uint64_t>> finished;   // (seq, assignment key)
  auto prefix = worker_finished_prefix(w.id);
  auto scanned = scan_with_keys(*rt.store, prefix, [&](key_reader& k, const record_value& r) {
    k.text();
    auto seq = k.number();
    if (!k.ok())
      return false;
    finished.emplace_back(seq, *std::static_pointer_cast<const uint64_t>(r));
    return true;
  });
  if (!scanned.ok())
    return scanned.err();
  uint64_t first = 0, end = 0;
  if (!finished.empty()) {
    w.finished.clear();
    w.finished_order.clear();
    for (const auto& [seq, key] : finished) {
      w.finished.insert(key);
      w.finished_order.push_back(key);
    }
    first = finished.front().first;
    end = finished.back().first + 1;
    w.finished_total = end;
  } else {
    w.finished_total = w.finished_order.size();
  }
  return spawn_actor(rt.sys, worker_impl, &rt, std::move(w), first, end);
}

} // namespace hitd::detail
