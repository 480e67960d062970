// One requester_actor owns one requester: its HIT types, the index of its
// HITs (with the statuses that ListReviewableHITs filters on), its create
// tokens, its worker blocks and its deposits. Creating a HIT starts here: the
// actor validates, holds the money at the ledger, spawns the HIT actor and
// hands it the records to persist in the HIT's first batch.

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <set>

#include <caf/all.hpp>

#include "hitd/answer_key.hpp"
#include "hitd/ids.hpp"
#include "hitd/limits.hpp"
#include "hitd/records.hpp"
#include "messages.hpp"
#include "runtime.hpp"

namespace hitd::detail {
namespace {

struct requester_actor_state {
  runtime* rt = nullptr;
  requester_snapshot me;
  std::unordered_map<std::string, hit_type> types;      // by id
  // Each type's properties as its HITs share them, made at the type's first
  // HIT here (a type's properties never change): not a copy per HIT.
  std::unordered_map<std::string, std::shared_ptr<const hit_properties>> shared_properties;
  std::vector<uint64_t> hits;                           // creation order
  // Each HIT's last reported status and its HIT type's number (0: not
  // known): one small entry per HIT (one map, not two, and no type id
  // string per HIT).
  struct hit_entry {
    hit_status status = hit_status::assignable;
    uint64_t type = 0;
  };
  std::unordered_map<uint64_t, hit_entry> index;
  struct create_token {
    uint64_t hit = 0;
    timestamp time = 0;
    size_t fingerprint = 0;   // of the request, to tell a retry from a reuse
  };
  std::unordered_map<std::string, create_token> create_tokens;
  std::deque<std::pair<std::string, timestamp>> create_token_order;
  std::vector<std::string> expired_tokens;   // records to delete in the next batch
  // Deposit tokens (24 hours): durable once their deposit is; repeats of
  // one still in flight wait for it.
  struct deposit_token {
    money amount;
    timestamp time = 0;
    bool done = false;
    std::vector<callback<account_balance>> waiters;
  };
  std::unordered_map<std::string, deposit_token> deposit_tokens;
  std::deque<std::pair<std::string, timestamp>> deposit_token_order;
  std::vector<std::string> expired_deposit_tokens;   // records to delete with the next deposit
  std::map<std::string, std::string> blocks;            // worker id -> reason
  std::unordered_map<std::string, std::set<uint64_t>> assignable;      // type id -> assignable HITs
  struct qual_type {
    qualification_type_view view;
    std::map<std::string, qualification_grant> grants;                 // by worker
    std::unordered_map<std::string, timestamp> last_request;           // by worker
  };
  std::map<uint64_t, qual_type> qual_types;                            // by number
  std::map<uint64_t, qualification_request_view> qual_requests;        // pending, by number
  // Create tokens whose first HIT is still being published: repeats wait here.
  std::unordered_map<std::string, std::vector<callback<hit_view>>> tokens_in_flight;
  // Holds asked of the ledger and not yet answered (bounded: see holds_max).
  size_t holds_in_flight = 0;
  // Leaving memory (see hit_actor.cpp).
  write_counter writes = make_write_counter();
  timestamp last_active = 0;
  bool retired = false;
  static inline const char* name = "hitd.requester";
};

using self_ptr = caf::stateful_actor<requester_actor_state>*;

size_t fingerprint_of(const create_hit_request& r) {
  std::string all = r.hit_type_id;
  if (r.properties) {
    const auto& p = *r.properties;
    all += '\x1f' + p.title + '\x1f' + p.description + '\x1f' + p.keywords + '\x1f' +
           std::to_string(p.reward.cents) + '\x1f' + std::to_string(p.assignment_duration_s) + '\x1f' +
           std::to_string(p.auto_approval_delay_s) + '\x1f' + std::to_string(p.requirements.size());
  }
  all += '\x1f' + std::to_string(r.max_assignments) + '\x1f' + std::to_string(r.lifetime_s) + '\x1f' +
         r.question + '\x1f' + r.requester_annotation;
  return std::hash<std::string>{}(all);
}

// Forgets tokens older than the window; their records go in the next batch.
void prune_tokens(requester_actor_state& st, timestamp now) {
  while (!st.create_token_order.empty() && st.create_token_order.front().second < now - limits::request_token_window_ms) {
    const auto& token = st.create_token_order.front().first;
    // A token reused after its window has a newer entry: only the old one goes.
    if (auto it = st.create_tokens.find(token); it != st.create_tokens.end() && it->second.time == st.create_token_order.front().second) {
      st.create_tokens.erase(it);
      if (st.rt->persistent())
        st.expired_tokens.push_back(token);
    }
    st.create_token_order.pop_front();
  }
}

// The same for deposit tokens; one still in flight is never forgotten.
void prune_deposit_tokens(requester_actor_state& st, timestamp now) {
  while (!st.deposit_token_order.empty() && st.deposit_token_order.front().second < now - limits::request_token_window_ms) {
    const auto& token = st.deposit_token_order.front().first;
    auto it = st.deposit_tokens.find(token);
    if (it != st.deposit_tokens.end() && !it->second.done)
      break;
    if (it != st.deposit_tokens.end() && it->second.time == st.deposit_token_order.front().second) {
      st.deposit_tokens.erase(it);
      if (st.rt->persistent())
        st.expired_deposit_tokens.push_back(token);
    }
    st.deposit_token_order.pop_front();
  }
}

// MTurk's field rules for a HIT type.
status validate_properties(const hit_properties& p) {
  if (p.title.empty())
    return error{errc::missing_parameter, "Title is required"};
  if (p.description.empty())
    return error{errc::missing_parameter, "Description is required"};
  if (p.title.size() > limits::title_chars_max)
    return error{errc::invalid_parameter_value, "Title is longer than 128 characters"};
  if (p.description.size() > limits::description_chars_max)
    return error{errc::invalid_parameter_value, "Description is longer than 2,000 characters"};
  if (p.keywords.size() > limits::keywords_chars_max)
    return error{errc::invalid_parameter_value, "Keywords are longer than 1,000 characters"};
  if (p.reward.cents < 0 || p.reward.cents > amount_cents_max)
    return error{errc::invalid_parameter_value, "Reward is out of range"};
  if (p.assignment_duration_s < limits::assignment_duration_s_min || p.assignment_duration_s > limits::assignment_duration_s_max)
    return error{errc::invalid_parameter_value, "AssignmentDurationInSeconds must be between 30 and 31,536,000"};
  if (p.auto_approval_delay_s < 0 || p.auto_approval_delay_s > limits::auto_approval_delay_s_max)
    return error{errc::invalid_parameter_value, "AutoApprovalDelayInSeconds must be between 0 and 2,592,000"};
  std::string why;
  if (auto e = validate_requirements(p.requirements, &why); e != errc::none)
    return error{e, why};
  return done{};
}

// Requirements may name system qualifications or existing custom types
// that are not being deleted.
status check_requirement_types(const runtime& rt, const hit_properties& p) {
  for (const auto& r : p.requirements) {
    if (system_qualification::is_system(r.qualification_type_id))
      continue;
    auto n = parse_id(id_kind::qualification_type, r.qualification_type_id);
    auto v = n ? rt.qualification_types.get(*n) : std::nullopt;
    if (!v)
      return error{errc::qualification_type_does_not_exist, "no qualification type " + r.qualification_type_id};
    if (v->spec.status == qualification_type_status::disposing)
      return error{errc::invalid_qualification_type_state, "qualification type " + r.qualification_type_id + " is being deleted"};
  }
  return done{};
}

status validate_qualification_spec(const qualification_type_spec& q) {
  if (q.name.empty())
    return error{errc::missing_parameter, "Name is required"};
  if (q.description.empty())
    return error{errc::missing_parameter, "Description is required"};
  if (q.name.size() > limits::qualification_name_chars_max)
    return error{errc::invalid_parameter_value, "Name is longer than 128 characters"};
  if (q.description.size() > limits::description_chars_max)
    return error{errc::invalid_parameter_value, "Description is longer than 2,000 characters"};
  if (q.keywords.size() > limits::keywords_chars_max)
    return error{errc::invalid_parameter_value, "Keywords are longer than 1,000 characters"};
  if (q.status == qualification_type_status::disposing)
    return error{errc::invalid_parameter_value, "QualificationTypeStatus must be Active or Inactive"};
  if (q.test.size() > limits::qualification_test_bytes_max || q.answer_key.size() > limits::qualification_test_bytes_max)
    return error{errc::invalid_parameter_value, "Test and AnswerKey are at most 65,535 bytes"};
  if (!q.test.empty() && q.auto_granted)
    return error{errc::invalid_parameter_value, "a type with a Test cannot be AutoGranted"};
  if (!q.test.empty() && q.test_duration_s <= 0)
    return error{errc::missing_parameter, "TestDurationInSeconds is required with a Test"};
  if (!q.answer_key.empty() && q.test.empty())
    return error{errc::invalid_parameter_value, "an AnswerKey needs a Test"};
  if (!q.answer_key.empty())
    if (auto ok = validate_answer_key(q.answer_key); !ok.ok())
      return ok;
  if (q.retry_delay_s && *q.retry_delay_s < 0)
    return error{errc::invalid_parameter_value, "RetryDelayInSeconds cannot be negative"};
  return done{};
}


// Publishes a qualification type's current view to the registry and
// persists it; `then` gets the store's answer.
template <class Then>
void save_qual_type(runtime* rt, uint64_t number, const qualification_type_view& v, Then&& then) {
  rt->qualification_types.put(number, v);
  write_batch batch;
  if (rt->persistent())
    batch.push_back({record_kind::qualification_type, qualification_type_key(number),
                     std::make_shared<const qualification_type_view>(v)});
  rt->persist(std::move(batch), std::forward<Then>(then));
}

qualification_view grant_view(const std::string& type_id, const std::string& worker_id, const qualification_grant& g) {
  return {type_id, worker_id, g.grant_time, g.integer_value, g.locale_value, g.status};
}

// A HIT type's two records: by number (to find its owner) and under its
// requester (to activate the requester with its types).
void add_type_records(write_batch& batch, uint64_t number, const hit_type& t) {
  auto v = std::make_shared<const hit_type>(t);
  batch.push_back({record_kind::hit_type, hit_type_key(number), v});
  batch.push_back({record_kind::requester_hit_type, requester_hit_type_key(t.requester_id, number), v});
}

// The properties of one of this requester's types, as its HITs share them.
std::shared_ptr<const hit_properties> shared_properties_of(requester_actor_state& st, const std::string& type_id) {
  auto& p = st.shared_properties[type_id];
  if (!p)
    p = std::make_shared<const hit_properties>(st.types.at(type_id).properties);
  return p;
}

// Registers (or finds) the type with these properties; returns its id.
std::string register_type(self_ptr self, const hit_properties& props, write_batch& batch) {
  auto& st = self->state;
  for (const auto& [id, t] : st.types)
    if (t.properties == props)
      return id;
  auto number = st.rt->next_hit_type.next();
  hit_type t{format_id(id_kind::hit_type, number), st.me.id, props, st.rt->now()};
  st.rt->hit_types.insert(number, caf::actor_cast<caf::actor>(self));
  if (st.rt->persistent())
    add_type_records(batch, number, t);
  st.types.emplace(t.id, t);
  return t.id;
}

// Gathers the views of some HITs from their actors, in order.
void gather(runtime* rt, std::vector<uint64_t> numbers, std::string next_token, callback<hitd::page<hit_view>> reply) {
  struct join {
    std::mutex mutex;
    std::vector<std::optional<hit_view>> views;
    std::optional<error> failed;   // a HIT could not be read
    size_t left;
    std::string next;
    callback<hitd::page<hit_view>> reply;
  };
  if (numbers.empty()) {
    reply(page<hit_view>{{}, std::move(next_token)});
    return;
  }
  // Every HIT's actor first: a store that cannot answer fails the listing
  // rather than leaving HITs out of it.
  std::vector<caf::actor> actors;
  actors.reserve(numbers.size());
  for (auto n : numbers) {
    auto a = rt->hit(n);
    if (!a.ok()) {
      reply(a.err());
      return;
    }
    actors.push_back(*a);
  }
  auto j = std::make_shared<join>();
  j->views.resize(numbers.size());
  j->left = numbers.size();
  j->next = std::move(next_token);
  j->reply = std::move(reply);
  auto arrive = [j](size_t i, result<hit_view> v) {
    bool last = false;
    {
      std::lock_guard<std::mutex> g{j->mutex};
      if (v.ok())
        j->views[i] = std::move(v).value();
      else if (v.code() == errc::storage_failure && !j->failed)
        j->failed = v.err();
      last = --j->left == 0;
    }
    if (!last)
      return;
    if (j->failed) {
      j->reply(*j->failed);
      return;
    }
    page<hit_view> out;
    for (auto& v2 : j->views)
      if (v2)
        out.items.push_back(std::move(*v2));
    out.next_token = std::move(j->next);
    j->reply(std::move(out));
  };
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (!actors[i]) {
      arrive(i, error{errc::hit_does_not_exist, "no such HIT"});
      continue;
    }
    post(actors[i], hit::msg{hit::get{{}, [arrive, i](result<hit_view> r) { arrive(i, std::move(r)); }}});
  }
}

// Creates of one requester are pipelined: each asks the ledger for its hold
// and the actor goes on with the next command; the ledger, which serialises
// every transfer, decides which holds the balance covers. This bounds how
// many may be outstanding at once.
constexpr size_t holds_max = 4'096;

// Holds `amount` for a new HIT and writes the HIT's first records (`with`)
// in the ledger's batch for the hold: both or neither.
void send_hold(self_ptr self, money amount, write_batch with, std::function<void(transfer_outcome)> then) {
  auto& st = self->state;
  ++st.holds_in_flight;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  transfer t{st.me.id, ++st.me.ledger_seq, {{available_account(st.me.id), held_account(st.me.id), amount}}};
  if (st.rt->persistent())
    with.push_back({record_kind::requester, requester_key(st.me.id), std::make_shared<const requester_snapshot>(st.me)});
  st.rt->note(st.rt->ledger, ledger::msg{ledger::apply{
    std::move(t), {}, [me, then = std::move(then)](transfer_outcome o) mutable {
      post(me, requester::msg{requester::funds{o, std::move(then)}});
    }, true, std::move(with)}});
}

void leave(self_ptr self) {
  auto& st = self->state;
  st.retired = true;
  // Its HIT types name it in the directory too.
  for (const auto& [id, t] : st.types)
    st.rt->hit_types.erase(*parse_id(id_kind::hit_type, id), caf::actor_cast<caf::actor>(self));
  error e{errc::storage_failure, "a write failed before this command finished"};
  for (auto& [token, replies] : st.tokens_in_flight)
    for (auto& r : replies)
      r(e);
  requester_actor_state fresh;
  fresh.rt = st.rt;
  fresh.me.id = st.me.id;
  fresh.retired = true;
  // A deposit at the ledger is answered here when the ledger is done
  // (requester::funds): its repeats waiting on the token go with it.
  for (auto& [token, d] : st.deposit_tokens)
    if (!d.done && !d.waiters.empty())
      fresh.deposit_tokens.emplace(token, std::move(d));
  fresh.writes = st.writes;
  fresh.holds_in_flight = st.holds_in_flight;
  st = std::move(fresh);
}

bool idle(const requester_actor_state& st, timestamp before) {
  return st.holds_in_flight == 0 && st.tokens_in_flight.empty() && st.writes->in_flight.load(std::memory_order_acquire) == 0 &&
         st.last_active < before;
}

void handle(self_ptr self, requester::msg& m) {
  auto& st = self->state;
  if (st.retired) {
    // Answers to the old incarnation's requests are not for a successor.
    // A create's hold answered: the HIT's records went with it (or not), so
    // its answer stands whatever became of this actor.
    if (auto* f = std::get_if<requester::funds>(&m)) {
      f->then(f->outcome);
      return;
    }
    if (std::holds_alternative<requester::token_done>(m) ||
        std::holds_alternative<requester::retyped>(m) || std::holds_alternative<passivate>(m))
      answer_failed(*st.rt, m, error{errc::storage_failure, "a write failed before this command finished"});
    else
      forward_or_fail(*st.rt, st.rt->requester(st.me.id), caf::actor_cast<caf::actor>(self), m);
    return;
  }
  if (st.writes->failed.load(std::memory_order_acquire)) {
    // A write of this actor failed: its memory is ahead of disk.
    st.rt->requesters.erase(st.me.id, caf::actor_cast<caf::actor>(self));
    leave(self);
    handle(self, m);   // forwarded to the successor
    return;
  }
  if (auto* p = std::get_if<passivate>(&m)) {
    // Only with nothing else queued (see hit_actor.cpp's passivate).
    if (idle(st, p->idle_before) &&
        st.rt->requesters.erase_if(st.me.id, self->address(), [self] { return self->mailbox().empty(); }))
      leave(self);
    st.rt->noted();   // passivate is a counted note
    return;
  }
  writes_scope in_flight{st.writes};
  auto* rt = st.rt;
  auto now = rt->now();
  st.last_active = now;
  std::visit(
    [&](auto& c) {
      using T = std::decay_t<decltype(c)>;
      if constexpr (std::is_same_v<T, requester::init>) {
        write_batch batch;
        if (rt->persistent())
          batch.push_back({record_kind::requester, requester_key(st.me.id), std::make_shared<const requester_snapshot>(st.me)});
        rt->persist(std::move(batch), [reply = std::move(c.reply), id = st.me.id](status s) {
          if (s.ok())
            reply(id);
          else
            reply(s.err());
        });
      } else if constexpr (std::is_same_v<T, requester::deposit>) {
        if (c.amount.cents <= 0 || c.amount.cents > amount_cents_max) {
          c.reply(error{errc::invalid_parameter_value, "the amount must be positive and at most $10,000,000,000"});
          return;
        }
        if (c.token.size() > limits::request_token_chars_max) {
          c.reply(error{errc::invalid_parameter_value, "the deposit token is longer than 64 characters"});
          return;
        }
        prune_deposit_tokens(st, now);
        if (!c.token.empty()) {
          if (auto it = st.deposit_tokens.find(c.token); it != st.deposit_tokens.end()) {
            auto& known = it->second;
            if (known.amount != c.amount) {
              c.reply(error{errc::invalid_parameter_value,
                            "the deposit token was used for a deposit of $" + format_amount(known.amount)});
            } else if (known.done) {
              post(rt->ledger, ledger::msg{ledger::balance{st.me.id, std::move(c.reply)}});
            } else if (known.waiters.size() >= 64) {
              c.reply(error{errc::throttled, "too many repeats of a deposit still being made"});
            } else {
              known.waiters.push_back(std::move(c.reply));   // answered with the first
            }
            return;
          }
          st.deposit_tokens[c.token] = {c.amount, now, false, {}};
          st.deposit_token_order.emplace_back(c.token, now);
        }
        // The transfer goes to the ledger now, with the requester's record
        // (its ledger seq) and the token in the ledger's batch, as a
        // create's hold does: a hold sent after it takes the next seq, and
        // the ledger must see them in seq order (the next seq applied first
        // would make this one a duplicate: the deposit answered but never
        // made); and a retry after a crash finds the token with the money.
        ++st.holds_in_flight;
        transfer t{st.me.id, ++st.me.ledger_seq, {{external_account(), available_account(st.me.id), c.amount}}};
        auto id = st.me.id;
        write_batch with;
        if (rt->persistent()) {
          with.push_back({record_kind::requester, requester_key(id), std::make_shared<const requester_snapshot>(st.me)});
          // Expired tokens first, as for create tokens.
          for (const auto& old : st.expired_deposit_tokens)
            with.push_back({record_kind::deposit_token, deposit_token_key(id, old), nullptr});
          st.expired_deposit_tokens.clear();
          if (!c.token.empty())
            with.push_back({record_kind::deposit_token, deposit_token_key(id, c.token),
                            std::make_shared<const deposit_token_record>(deposit_token_record{c.amount, now})});
        }
        event e;
        e.type = event_type::funds_deposited;
        e.time = now;
        e.requester_id = id;
        e.amount = c.amount;
        caf::actor me = caf::actor_cast<caf::actor>(self);
        auto then = [self, rt, id, token = c.token, e = std::move(e), reply = std::move(c.reply)](transfer_outcome o) mutable {
          std::vector<callback<account_balance>> waiters;
          bool made = o == transfer_outcome::applied || o == transfer_outcome::duplicate;
          if (!token.empty()) {
            if (auto it = self->state.deposit_tokens.find(token); it != self->state.deposit_tokens.end()) {
              waiters = std::move(it->second.waiters);
              if (made)
                it->second.done = true;
              else
                self->state.deposit_tokens.erase(it);   // not made: a retry must make it
            }
          }
          if (!made) {
            error err{errc::storage_failure, "the ledger could not record the deposit"};
            reply(err);
            for (auto& w : waiters)
              w(err);
            return;
          }
          std::vector<event> v{std::move(e)};
          rt->bus.publish(v);
          post(rt->ledger, ledger::msg{ledger::balance{id, std::move(reply)}});
          for (auto& w : waiters)
            post(rt->ledger, ledger::msg{ledger::balance{id, std::move(w)}});
        };
        rt->note(rt->ledger, ledger::msg{ledger::apply{
          std::move(t), {}, [me, then = std::move(then)](transfer_outcome o) mutable {
            post(me, requester::msg{requester::funds{o, std::move(then)}});
          }, true, std::move(with)}});
      } else if constexpr (std::is_same_v<T, requester::create_type>) {
        if (auto ok = validate_properties(c.props); !ok.ok()) {
          c.reply(ok.err());
          return;
        }
        if (auto ok = check_requirement_types(*rt, c.props); !ok.ok()) {
          c.reply(ok.err());
          return;
        }
        write_batch batch;
        auto id = register_type(self, c.props, batch);
        rt->persist(std::move(batch), [reply = std::move(c.reply), id](status s) {
          if (s.ok())
            reply(id);
          else
            reply(s.err());
        });
      } else if constexpr (std::is_same_v<T, requester::create_hit>) {
        auto& r = c.req;
        prune_tokens(st, now);
        if (!r.unique_request_token.empty()) {
          if (r.unique_request_token.size() > limits::request_token_chars_max) {
            c.reply(error{errc::invalid_parameter_value, "UniqueRequestToken is longer than 64 characters"});
            return;
          }
          if (auto it = st.create_tokens.find(r.unique_request_token); it != st.create_tokens.end()) {
            if (it->second.fingerprint != fingerprint_of(r)) {
              c.reply(error{errc::hit_already_exists, "UniqueRequestToken " + r.unique_request_token + " was used for HIT " +
                                                        format_id(id_kind::hit, it->second.hit) + " with other input"});
              return;
            }
            // A repeat within 24 hours: the first HIT, as it is now.
            gather(rt, {it->second.hit}, {}, [reply = std::move(c.reply)](result<page<hit_view>> p) {
              if (p.ok() && p->items.size() == 1)
                reply(std::move(p->items[0]));
              else if (!p.ok())
                reply(p.err());
              else
                reply(error{errc::hit_does_not_exist, "the HIT created with this token is gone"});
            });
            return;
          }
        }
        const hit_properties* props = nullptr;   // the type's, or the request's
        if (!r.hit_type_id.empty()) {
          auto it = st.types.find(r.hit_type_id);
          if (it == st.types.end()) {
            c.reply(error{errc::hit_type_does_not_exist, "no HIT type " + r.hit_type_id + " of this requester"});
            return;
          }
          props = &it->second.properties;
          if (auto ok = check_requirement_types(*rt, *props); !ok.ok()) {
            c.reply(ok.err());
            return;
          }
        } else if (r.properties) {
          props = &*r.properties;
          if (auto ok = validate_properties(*props); !ok.ok()) {
            c.reply(ok.err());
            return;
          }
          if (auto ok = check_requirement_types(*rt, *props); !ok.ok()) {
            c.reply(ok.err());
            return;
          }
        } else {
          c.reply(error{errc::missing_parameter, "a HITTypeId or the HIT's properties are required"});
          return;
        }
        if (r.max_assignments < limits::max_assignments_min || r.max_assignments > limits::max_assignments_max) {
          c.reply(error{errc::invalid_parameter_value, "MaxAssignments must be between 1 and 1,000,000,000"});
          return;
        }
        if (r.lifetime_s < limits::lifetime_s_min || r.lifetime_s > limits::lifetime_s_max) {
          c.reply(error{errc::invalid_parameter_value, "LifetimeInSeconds must be between 30 and 31,536,000"});
          return;
        }
        if (r.question.empty()) {
          c.reply(error{errc::missing_parameter, "Question is required"});
          return;
        }
        if (r.question.size() > limits::question_bytes_max) {
          c.reply(error{errc::invalid_parameter_value, "Question is larger than 65,535 bytes"});
          return;
        }
        if (r.requester_annotation.size() > limits::annotation_chars_max) {
          c.reply(error{errc::invalid_parameter_value, "RequesterAnnotation is longer than 255 characters"});
          return;
        }
        if (!r.unique_request_token.empty()) {
          if (auto it = st.tokens_in_flight.find(r.unique_request_token); it != st.tokens_in_flight.end()) {
            it->second.push_back(std::move(c.reply));   // the first call answers both
            return;
          }
        }
        if (st.holds_in_flight >= holds_max) {
          c.reply(error{errc::throttled, "too many HITs of this requester are being published at once"});
          return;
        }
        auto hold = publish_hold(rt->cfg.fees, props->reward, r.max_assignments);
        if (!hold || hold->cents > amount_cents_max) {
          c.reply(error{errc::invalid_parameter_value, "Reward x MaxAssignments is too large"});
          return;
        }
        write_batch batch;
        auto type_id = r.hit_type_id.empty() ? register_type(self, *props, batch) : r.hit_type_id;
        auto amount = *hold;
        if (!r.unique_request_token.empty()) {
          // Every caller of this token gets the first call's answer.
          st.tokens_in_flight[r.unique_request_token];
          // Runs on another actor's thread: a handle, not `self`, which may be gone by then.
          c.reply = [me = caf::actor_cast<caf::actor>(self), token = r.unique_request_token, reply = std::move(c.reply)](result<hit_view> v) mutable {
            post(me, requester::msg{requester::token_done{token, v}});
            reply(std::move(v));
          };
        }
        auto t = now;
        auto fingerprint = fingerprint_of(c.req);
        auto def = std::make_shared<hit_definition>();
        def->number = rt->next_hit.next();
        def->requester_id = st.me.id;
        def->hit_type_id = type_id;
        def->properties = shared_properties_of(st, type_id);
        def->question = std::move(c.req.question);
        def->requester_annotation = std::move(c.req.requester_annotation);
        def->creation_time = t;
        hit_effects fx;
        auto h = make_hit(std::move(def), c.req.max_assignments, t, c.req.lifetime_s, amount, fx);
        if (rt->persistent()) {
          for (auto& r2 : initial_hit_records(h))
            batch.push_back(std::move(r2));
          // Expired tokens go first: one reused now is written again after
          // its deletion (a batch keeps the order of writes to one key).
          for (auto& token : st.expired_tokens)
            batch.push_back({record_kind::request_token, request_token_key(st.me.id, token), nullptr});
          st.expired_tokens.clear();
          // The token is durable with the HIT it made.
          if (!c.req.unique_request_token.empty())
            batch.push_back({record_kind::request_token, request_token_key(st.me.id, c.req.unique_request_token),
                             std::make_shared<const request_token_record>(request_token_record{h.def->number, t, fingerprint})});
        }
        send_hold(self, amount, std::move(batch), [self, c = std::move(c), h = std::move(h), fx = std::move(fx), t, fingerprint](transfer_outcome o) mutable {
          auto& s2 = self->state;
          auto* rt2 = s2.rt;
          if (o == transfer_outcome::insufficient_funds) {
            c.reply(error{errc::insufficient_funds, "this requester has insufficient funds to publish the HIT"});
            return;
          }
          if (o != transfer_outcome::applied) {
            c.reply(error{errc::storage_failure, "the HIT and its hold could not be written"});
            return;
          }
          auto number = h.def->number;
          const auto& type = h.def->hit_type_id;
          s2.hits.push_back(number);
          s2.index[number] = {hit_status::assignable, parse_id(id_kind::hit_type, type).value_or(0)};
          s2.assignable[type].insert(number);
          if (!c.req.unique_request_token.empty()) {
            s2.create_tokens[c.req.unique_request_token] = {number, t, fingerprint};
            s2.create_token_order.emplace_back(c.req.unique_request_token, t);
          }
          auto actor = rt2->hits.find_or_create(number, [&] { return spawn_hit(*rt2, std::move(h)); });
          if (!actor) {
            c.reply(error{errc::shutting_down, "the engine is stopping"});
            return;
          }
          post(actor, hit::msg{hit::init{std::move(fx), std::move(c.reply)}});
        });
      } else if constexpr (std::is_same_v<T, requester::list_hits>) {
        auto p = page_of<uint64_t>(st.hits, c.page, [&](uint64_t n) -> std::optional<uint64_t> {
          const auto& e = st.index[n];
          auto s = e.status;
          if (s == hit_status::disposed)
            return std::nullopt;
          if (c.reviewable_only && (s != (c.reviewing ? hit_status::reviewing : hit_status::reviewable) ||
                                    (!c.hit_type_id.empty() && (e.type == 0 || format_id(id_kind::hit_type, e.type) != c.hit_type_id))))
            return std::nullopt;
          return n;
        });
        gather(rt, std::move(p.items), std::move(p.next_token), std::move(c.reply));
      } else if constexpr (std::is_same_v<T, requester::hit_status_note>) {
        auto& e = st.index[c.hit_number];
        e.status = c.status;
        if (e.type != 0) {
          auto type = format_id(id_kind::hit_type, e.type);
          if (c.status == hit_status::assignable)
            st.assignable[type].insert(c.hit_number);
          else
            st.assignable[type].erase(c.hit_number);
        }
        rt->noted();
      } else if constexpr (std::is_same_v<T, requester::retype>) {
        auto it = st.types.find(c.hit_type_id);
        if (it == st.types.end()) {
          c.reply(error{errc::hit_type_does_not_exist, "no HIT type " + c.hit_type_id + " of this requester"});
          return;
        }
        auto a = rt->hit_or_none(c.hit_number);
        if (!a) {
          c.reply(error{errc::hit_does_not_exist, "no such HIT"});
          return;
        }
        // The HIT builds its new definition from its old one and these properties.
        // The index follows once the HIT has taken the new type.
        auto me = caf::actor_cast<caf::actor>(self);
        c.reply = [me, number = c.hit_number, type_id = it->second.id, reply = std::move(c.reply)](status s) mutable {
          if (s.ok())
            post(me, requester::msg{requester::retyped{number, type_id}});
          reply(std::move(s));
        };
        post(a, hit::msg{hit::get{st.me.id, [a, id = st.me.id, type_id = it->second.id,
                                                     props = shared_properties_of(st, it->second.id),
                                                     reply = std::move(c.reply)](result<hit_view> v) mutable {
          if (!v.ok()) {
            reply(v.err());
            return;
          }
          auto def = std::make_shared<hit_definition>();
          def->number = *parse_id(id_kind::hit, v->hit_id);
          def->requester_id = id;
          def->hit_type_id = type_id;
          def->properties = props;
          def->question = v->question;
          def->requester_annotation = v->requester_annotation;
          def->creation_time = v->creation_time;
          post(a, hit::msg{hit::retype{id, std::move(def), std::move(reply)}});
        }}});
      } else if constexpr (std::is_same_v<T, requester::block>) {
        if (c.on) {
          if (c.reason.empty()) {
            c.reply(error{errc::missing_parameter, "Reason is required to block a worker"});
            return;
          }
          if (c.reason.size() > limits::reason_chars_max) {
            c.reply(error{errc::invalid_parameter_value, "Reason is too long"});
            return;
          }
          if (!st.blocks.count(c.worker_id) && st.blocks.size() >= limits::worker_blocks_per_requester_max) {
            c.reply(error{errc::invalid_parameter_value, "a requester can block at most 100,000 workers"});
            return;
          }
          st.blocks[c.worker_id] = c.reason;
        } else {
          st.blocks.erase(c.worker_id);
        }
        rt->blocks.set(c.worker_id, st.me.id, c.on);
        auto w = rt->worker_or_none(c.worker_id);
        write_batch batch;
        if (rt->persistent()) {
          auto key = worker_block_key(st.me.id, c.worker_id);
          batch.push_back({record_kind::worker_block, key,
                           c.on ? std::make_shared<const worker_block>(worker_block{c.worker_id, c.reason}) : nullptr});
        }
        event e;
        e.type = c.on ? event_type::worker_blocked : event_type::worker_unblocked;
        e.time = rt->now();
        e.requester_id = st.me.id;
        e.worker_id = c.worker_id;
        e.text = c.reason;
        // Published once the worker holds the change, like a grant.
        callback<done> published = [rt, e = std::move(e), reply = std::move(c.reply)](status s2) mutable {
          if (s2.ok()) {
            std::vector<event> v{std::move(e)};
            rt->bus.publish(v);
          }
          reply(std::move(s2));
        };
        rt->persist(std::move(batch), [w, id = st.me.id, on = c.on, reply = std::move(published)](status s) mutable {
          if (!s.ok()) {
            reply(std::move(s));
            return;
          }
          // The worker applies it before the requester hears back, so an
          // acknowledged block holds for the worker's next accept.
          if (w)
            post(w, worker::msg{worker::block{id, on, std::move(reply)}});
          else
            reply(done{});
        });
      } else if constexpr (std::is_same_v<T, requester::list_blocks>) {
        c.reply(page_of<worker_block>(st.blocks, c.page, [](const auto& kv) -> std::optional<worker_block> {
          return worker_block{kv.first, kv.second};
        }));
      } else if constexpr (std::is_same_v<T, requester::token_done>) {
        if (auto it = st.tokens_in_flight.find(c.token); it != st.tokens_in_flight.end()) {
          auto waiting = std::move(it->second);
          st.tokens_in_flight.erase(it);
          if (!c.outcome.ok())
            st.create_tokens.erase(c.token);   // a failed first call leaves the token free
          for (auto& w : waiting)
            w(c.outcome);
        }
      } else if constexpr (std::is_same_v<T, requester::retyped>) {
        auto& e = st.index[c.hit_number];
        if (e.type != 0 && st.assignable[format_id(id_kind::hit_type, e.type)].erase(c.hit_number))
          st.assignable[c.hit_type_id].insert(c.hit_number);
        e.type = parse_id(id_kind::hit_type, c.hit_type_id).value_or(0);
      } else if constexpr (std::is_same_v<T, requester::create_qual_type>) {
        if (auto ok = validate_qualification_spec(c.spec); !ok.ok()) {
          c.reply(ok.err());
          return;
        }
        for (const auto& [n, q] : st.qual_types)
          if (q.view.spec.name == c.spec.name) {
            c.reply(error{errc::qualification_type_already_exists, "this requester already has a qualification type named " + c.spec.name});
            return;
          }
        auto number = rt->next_qualification_type.next();
        qualification_type_view v{format_id(id_kind::qualification_type, number), st.me.id, now, std::move(c.spec), true};
        st.qual_types[number].view = v;
        save_qual_type(rt, number, v, [v, reply = std::move(c.reply)](status s) {
          if (s.ok())
            reply(v);
          else
            reply(s.err());
        });
      } else if constexpr (std::is_same_v<T, requester::update_qual_type>) {
        auto it = st.qual_types.find(c.number);
        if (it == st.qual_types.end()) {
          c.reply(error{errc::qualification_type_does_not_exist, "no qualification type of this requester with that id"});
          return;
        }
        auto& q = it->second.view.spec;
        if (q.status == qualification_type_status::disposing) {
          c.reply(error{errc::invalid_qualification_type_state, "the qualification type is being deleted"});
          return;
        }
        auto next = q;
        auto& u = c.update;
        if (u.description)
          next.description = *u.description;
        if (u.status)
          next.status = *u.status;
        if (u.test) {
          if (!u.test_duration_s) {
            c.reply(error{errc::missing_parameter, "TestDurationInSeconds is required with a Test"});
            return;
          }
          next.test = *u.test;
          next.answer_key = u.answer_key.value_or(std::string{});   // a new test without a key has none
        } else if (u.answer_key) {
          c.reply(error{errc::invalid_parameter_value, "an AnswerKey is updated together with its Test"});
          return;
        }
        if (u.test_duration_s)
          next.test_duration_s = *u.test_duration_s;
        if (u.retry_delay_s) {
          next.retry_delay_s = *u.retry_delay_s;
        }
        if (u.auto_granted) {
          if (*u.auto_granted && !next.test.empty()) {
            c.reply(error{errc::invalid_parameter_value, "a type with a Test cannot be AutoGranted"});
            return;
          }
          next.auto_granted = *u.auto_granted;
        }
        if (u.auto_granted_value)
          next.auto_granted_value = *u.auto_granted_value;
        if (auto ok = validate_qualification_spec(next); !ok.ok()) {
          c.reply(ok.err());
          return;
        }
        q = std::move(next);
        auto v = it->second.view;
        save_qual_type(rt, c.number, v, [v, reply = std::move(c.reply)](status s) {
          if (s.ok())
            reply(v);
          else
            reply(s.err());
        });
      } else if constexpr (std::is_same_v<T, requester::delete_qual_type>) {
        auto it = st.qual_types.find(c.number);
        if (it == st.qual_types.end()) {
          c.reply(error{errc::qualification_type_does_not_exist, "no qualification type of this requester with that id"});
          return;
        }
        it->second.view.spec.status = qualification_type_status::disposing;
        std::erase_if(st.qual_requests, [&](const auto& kv) { return kv.second.qualification_type_id == it->second.view.qualification_type_id; });
        save_qual_type(rt, c.number, it->second.view, [reply = std::move(c.reply)](status s) { reply(std::move(s)); });
      } else if constexpr (std::is_same_v<T, requester::grant>) {
        auto it = st.qual_types.find(c.number);
        if (it == st.qual_types.end()) {
          c.reply(error{errc::qualification_type_does_not_exist, "no qualification type of this requester with that id"});
          return;
        }
        auto w = rt->worker_or_none(c.worker_id);
        if (!w) {
          c.reply(error{errc::worker_does_not_exist, "no worker " + c.worker_id});
          return;
        }
        auto& grants = it->second.grants;
        auto found = grants.find(c.worker_id);
        if (!c.on && (found == grants.end() || found->second.status == qualification_status::revoked)) {
          c.reply(error{errc::qualification_does_not_exist, "the worker does not hold this qualification"});
          return;
        }
        qualification_grant g;
        g.qualification_type_id = it->second.view.qualification_type_id;
        g.integer_value = c.on ? c.value : (found != grants.end() ? found->second.integer_value : 0);
        g.grant_time = c.on ? now : found->second.grant_time;
        g.status = c.on ? qualification_status::granted : qualification_status::revoked;
        grants[c.worker_id] = g;
        write_batch batch;
        if (rt->persistent()) {
          // The worker's index of its grants, in the same batch: the worker
          // is activated from it, so a crash before the worker wrote its own
          // copy loses nothing (its copy is a cache).
          auto value = std::make_shared<const qualification_grant>(g);
          batch.push_back({record_kind::qualification_grant, qualification_grant_key(c.number, c.worker_id), value});
          batch.push_back({record_kind::worker_grant, worker_grant_key(c.worker_id, c.number), value});
          if (c.requested_at)
            batch.push_back({record_kind::qualification_retry, qualification_retry_key(c.number, c.worker_id),
                             std::make_shared<const timestamp>(*c.requested_at)});
        }
        event e;
        e.type = c.on ? event_type::qualification_granted : event_type::qualification_revoked;
        e.time = now;
        e.requester_id = st.me.id;
        e.worker_id = c.worker_id;
        e.text = g.qualification_type_id;
        worker_notification notice;
        if (!c.on && !c.reason.empty())
          notice = {st.me.id, "Qualification " + g.qualification_type_id + " revoked", c.reason, now};
        rt->persist(std::move(batch), [rt, w, g, e = std::move(e), notice = std::move(notice), reply = std::move(c.reply)](status s) mutable {
          if (!s.ok()) {
            reply(std::move(s));
            return;
          }
          // The worker holds it before the requester hears back; a revoke's
          // reason is shown to the worker.
          if (!notice.subject.empty())
            post(w, worker::msg{worker::notify{std::move(notice), [](bool) {}}});
          post(w, worker::msg{worker::grant{g, [rt, e = std::move(e), reply = std::move(reply)](status s2) mutable {
            if (s2.ok()) {
              std::vector<event> v{std::move(e)};
              rt->bus.publish(v);
            }
            reply(std::move(s2));
          }}});
        });
      } else if constexpr (std::is_same_v<T, requester::score>) {
        auto it = st.qual_types.find(c.number);
        if (it == st.qual_types.end()) {
          c.reply(error{errc::qualification_type_does_not_exist, "no qualification type of this requester with that id"});
          return;
        }
        auto g = it->second.grants.find(c.worker_id);
        if (g == it->second.grants.end()) {
          c.reply(error{errc::qualification_does_not_exist, "the worker does not hold this qualification"});
          return;
        }
        c.reply(grant_view(it->second.view.qualification_type_id, c.worker_id, g->second));
      } else if constexpr (std::is_same_v<T, requester::list_grants>) {
        auto it = st.qual_types.find(c.number);
        if (it == st.qual_types.end()) {
          c.reply(error{errc::qualification_type_does_not_exist, "no qualification type of this requester with that id"});
          return;
        }
        const auto& type_id = it->second.view.qualification_type_id;
        c.reply(page_of<qualification_view>(it->second.grants, c.page, [&](const auto& kv) -> std::optional<qualification_view> {
          if (c.status && kv.second.status != *c.status)
            return std::nullopt;
          return grant_view(type_id, kv.first, kv.second);
        }));
      } else if constexpr (std::is_same_v<T, requester::qual_request>) {
        auto it = st.qual_types.find(c.number);
        if (it == st.qual_types.end()) {
          c.reply(error{errc::qualification_type_does_not_exist, "no such qualification type"});
          return;
        }
        auto& q = it->second;
        const auto& spec = q.view.spec;
        if (spec.status != qualification_type_status::active) {
          c.reply(error{errc::invalid_qualification_type_state, "the qualification type is not active"});
          return;
        }
        if (auto last = q.last_request.find(c.worker_id); last != q.last_request.end()) {
          if (!spec.retry_delay_s) {
            c.reply(error{errc::qualification_retry_not_allowed, "this qualification type does not allow a retake"});
            return;
          }
          if (now - last->second < seconds(*spec.retry_delay_s)) {
            c.reply(error{errc::qualification_retry_not_allowed, "the retry delay has not elapsed"});
            return;
          }
        }
        if (!spec.test.empty() && c.answer.empty()) {
          c.reply(error{errc::missing_parameter, "this qualification type has a test: an answer is required"});
          return;
        }
        if (c.answer.size() > limits::qualification_test_bytes_max) {
          c.reply(error{errc::invalid_parameter_value, "the answer is larger than 65,535 bytes"});
          return;
        }
        std::optional<int32_t> value;
        if (spec.auto_granted) {
          value = spec.auto_granted_value;
        } else if (!spec.answer_key.empty()) {
          auto scored = score_answers(spec.answer_key, c.answer);
          if (!scored.ok()) {
            c.reply(scored.err());
            return;
          }
          value = *scored;
        }
        q.last_request[c.worker_id] = now;
        if (value) {
          // Granted at once: through the same path as AssociateQualificationWithWorker.
          auto me = caf::actor_cast<caf::actor>(self);
          auto v = *value;
          post(me, requester::msg{requester::grant{c.number, c.worker_id, v, true, {},
            [v, reply = std::move(c.reply)](status s) {
              if (s.ok())
                reply(qualification_request_outcome{true, v, {}});
              else
                reply(s.err());
            }, now}});
          return;
        }
        auto request_number = rt->next_qualification_request.next();
        qualification_request_view r{format_id(id_kind::qualification_request, request_number), q.view.qualification_type_id,
                                     c.worker_id, spec.test, std::move(c.answer), now};
        st.qual_requests[request_number] = r;
        write_batch batch;
        if (rt->persistent()) {
          batch.push_back({record_kind::qualification_request, qualification_request_key(c.number, request_number),
                           std::make_shared<const qualification_request_view>(r)});
          batch.push_back({record_kind::qualification_retry, qualification_retry_key(c.number, c.worker_id),
                           std::make_shared<const timestamp>(now)});
        }
        rt->persist(std::move(batch), [reply = std::move(c.reply), id = r.qualification_request_id](status s) {
          if (s.ok())
            reply(qualification_request_outcome{false, 0, id});
          else
            reply(s.err());
        });
      } else if constexpr (std::is_same_v<T, requester::list_qual_requests>) {
        std::string type_id = c.number ? format_id(id_kind::qualification_type, c.number) : std::string{};
        if (c.number && !st.qual_types.count(c.number)) {
          c.reply(error{errc::qualification_type_does_not_exist, "no qualification type of this requester with that id"});
          return;
        }
        c.reply(page_of<qualification_request_view>(st.qual_requests, c.page, [&](const auto& kv) -> std::optional<qualification_request_view> {
          if (!type_id.empty() && kv.second.qualification_type_id != type_id)
            return std::nullopt;
          return kv.second;
        }));
      } else if constexpr (std::is_same_v<T, requester::decide_qual_request>) {
        auto it = st.qual_requests.find(c.request);
        if (it == st.qual_requests.end()) {
          c.reply(error{errc::qualification_request_does_not_exist, "no pending qualification request with that id"});
          return;
        }
        auto r = std::move(it->second);
        auto number = *parse_id(id_kind::qualification_type, r.qualification_type_id);
        st.qual_requests.erase(it);
        if (rt->persistent()) {
          // The request is answered: its record goes (a grant follows on accept).
          write_batch batch;
          batch.push_back({record_kind::qualification_request, qualification_request_key(number, c.request), nullptr});
          rt->persist(std::move(batch), [](status) {});
        }
        if (!c.accept) {
          if (auto w = rt->worker_or_none(r.worker_id))
            post(w, worker::msg{worker::notify{{st.me.id, "Qualification request rejected", c.reason, now}, [](bool) {}}});
          c.reply(done{});
          return;
        }
        post(caf::actor_cast<caf::actor>(self),
                       requester::msg{requester::grant{number, r.worker_id, c.value.value_or(1), true, {}, std::move(c.reply)}});
      } else if constexpr (std::is_same_v<T, requester::list_hits_for_qual>) {
        std::set<std::string> types;
        for (const auto& [id, t] : st.types)
          for (const auto& req : t.properties.requirements)
            if (req.qualification_type_id == c.qualification_type_id)
              types.insert(id);
        auto p = page_of<uint64_t>(st.hits, c.page, [&](uint64_t n) -> std::optional<uint64_t> {
          const auto& e = st.index[n];
          if (e.status == hit_status::disposed || e.type == 0 || !types.count(format_id(id_kind::hit_type, e.type)))
            return std::nullopt;
          return n;
        });
        gather(rt, std::move(p.items), std::move(p.next_token), std::move(c.reply));
      } else if constexpr (std::is_same_v<T, requester::notification_update>) {
        auto it = st.types.find(c.hit_type_id);
        if (it == st.types.end()) {
          c.reply(error{errc::hit_type_does_not_exist, "no HIT type " + c.hit_type_id + " of this requester"});
          return;
        }
        auto& n = it->second.notifications;
        if (!c.spec && !c.active) {
          c.reply(error{errc::missing_parameter, "give a Notification, Active, or both"});
          return;
        }
        if (c.active && !c.spec && !n.spec) {
          c.reply(error{errc::invalid_parameter_value, "the HIT type has no notification specification to activate"});
          return;
        }
        if (c.spec) {
          if (c.spec->destination.empty() || c.spec->transport.empty() || c.spec->event_types.empty()) {
            c.reply(error{errc::missing_parameter, "Destination, Transport and EventTypes are required"});
            return;
          }
          // 2006-05-05 is the model's; 2014-08-15 is the JSON document version
          // MTurk's SQS and SNS notifications use.
          if (c.spec->version != "2006-05-05" && c.spec->version != "2014-08-15") {
            c.reply(error{errc::invalid_parameter_value, "Version must be 2006-05-05 or 2014-08-15"});
            return;
          }
          n.spec = *c.spec;
          if (!c.active)
            n.active = true;
        }
        if (c.active)
          n.active = *c.active;
        write_batch batch;
        if (rt->persistent())
          add_type_records(batch, *parse_id(id_kind::hit_type, it->first), it->second);
        rt->persist(std::move(batch), [reply = std::move(c.reply)](status s) { reply(std::move(s)); });
      } else if constexpr (std::is_same_v<T, requester::notification_get>) {
        auto it = st.types.find(c.hit_type_id);
        if (it == st.types.end())
          c.reply(error{errc::hit_type_does_not_exist, "no HIT type " + c.hit_type_id + " of this requester"});
        else
          c.reply(it->second.notifications);
      } else if constexpr (std::is_same_v<T, requester::next_hits>) {
        // Candidates for accept-next, oldest first; bounded so one accept
        // never walks a whole group.
        constexpr size_t candidates_max = 16;
        std::vector<uint64_t> out;
        if (auto it = st.assignable.find(c.hit_type_id); it != st.assignable.end())
          for (auto i = it->second.upper_bound(c.after); i != it->second.end() && out.size() < candidates_max; ++i)
            out.push_back(*i);
        c.reply(std::move(out));
      } else if constexpr (std::is_same_v<T, requester::notify>) {
        struct join {
          std::mutex mutex;
          std::vector<notify_failure> failures;
          size_t left;
          callback<std::vector<notify_failure>> reply;
        };
        auto j = std::make_shared<join>();
        j->left = c.worker_ids.size();
        j->reply = std::move(c.reply);
        auto arrive = [j](std::optional<notify_failure> f) {
          bool last = false;
          {
            std::lock_guard<std::mutex> g{j->mutex};
            if (f)
              j->failures.push_back(std::move(*f));
            last = --j->left == 0;
          }
          if (last)
            j->reply(std::move(j->failures));
        };
        for (const auto& id : c.worker_ids) {
          auto w = rt->worker_or_none(id);
          if (!w) {
            arrive(notify_failure{id, true, "no such worker"});
            continue;
          }
          post(w, worker::msg{worker::notify{{st.me.id, c.subject, c.message, now}, [arrive, id](bool ok) {
            arrive(ok ? std::nullopt : std::optional<notify_failure>{notify_failure{id, false, "the message could not be recorded"}});
          }}});
        }
      } else if constexpr (std::is_same_v<T, requester::funds>) {
        --st.holds_in_flight;
        c.then(c.outcome);
      }
    },
    m);
}

// Takes the requester (and its HIT types) out of the directory when a write
// of it fails.
std::function<void()> failure_hook(caf::stateful_actor<requester_actor_state>* self) {
  return [rt = self->state.rt, id = self->state.me.id, addr = self->address()] { rt->requesters.erase(id, addr); };
}

caf::behavior requester_impl(caf::stateful_actor<requester_actor_state>* self, runtime* rt, std::string id,
                             std::string name, timestamp created) {
  self->state.rt = rt;
  self->state.me = requester_snapshot{std::move(id), std::move(name), created, 0};
  self->state.writes->on_failure = failure_hook(self);
  return {
    [=](requester::msg& m) {
      on_unit u{self->context()};
      handle(self, m);
    },
  };
}

// A requester activated from its records: `st` holds everything but rt.
caf::behavior requester_restored(caf::stateful_actor<requester_actor_state>* self, runtime* rt,
                                 std::shared_ptr<requester_actor_state> st) {
  auto& me = self->state;
  me.me = std::move(st->me);
  me.types = std::move(st->types);
  me.hits = std::move(st->hits);
  me.index = std::move(st->index);
  me.assignable = std::move(st->assignable);
  me.blocks = std::move(st->blocks);
  me.qual_types = std::move(st->qual_types);
  me.qual_requests = std::move(st->qual_requests);
  me.create_tokens = std::move(st->create_tokens);
  me.create_token_order = std::move(st->create_token_order);
  me.expired_tokens = std::move(st->expired_tokens);
  me.deposit_tokens = std::move(st->deposit_tokens);
  me.deposit_token_order = std::move(st->deposit_token_order);
  me.expired_deposit_tokens = std::move(st->expired_deposit_tokens);
  me.rt = rt;
  me.writes->on_failure = failure_hook(self);
  return {
    [=](requester::msg& m) {
      on_unit u{self->context()};
      handle(self, m);
    },
  };
}

} // namespace

caf::actor spawn_requester(runtime& rt, std::string id, std::string name, timestamp created) {
  return spawn_actor(rt.sys, requester_impl, &rt, std::move(id), std::move(name), created);
}

result<caf::actor> activate_requester(runtime& rt, const std::string& id) {
  auto& store = *rt.store;
  auto v = store.get(requester_key(id));
  if (!v.ok())
    return v.err();
  if (!*v)
    return caf::actor{};
  auto st = std::make_shared<requester_actor_state>();
  st->me = *std::static_pointer_cast<const requester_snapshot>(*v);
  // A hold the ledger applied after the requester's record was written used
  // the next seq: never issue it again.
  auto applied = store.get(ledger_source_key(id));
  if (!applied.ok())
    return applied.err();
  if (*applied)
    st->me.ledger_seq = std::max(st->me.ledger_seq, *std::static_pointer_cast<const uint64_t>(*applied));
  std::vector<uint64_t> type_numbers;
  auto s = scan_with_keys(store, requester_hit_type_prefix(id), [&](key_reader& k, const record_value& r) {
    k.text();
    auto number = k.number();
    if (!k.ok())
      return false;
    const auto& t = *std::static_pointer_cast<const hit_type>(r);
    st->types.emplace(t.id, t);
    type_numbers.push_back(number);
    return true;
  });
  if (!s.ok())
    return s.err();
  s = scan_with_keys(store, requester_hit_prefix(id), [&](key_reader& k, const record_value& r) {
    k.text();
    auto number = k.number();
    if (!k.ok())
      return false;
    const auto& e = *std::static_pointer_cast<const requester_hit_entry>(r);
    auto type_id = format_id(id_kind::hit_type, e.hit_type);
    st->hits.push_back(number);
    st->index[number] = {e.status, e.hit_type};
    if (e.status == hit_status::assignable)
      st->assignable[type_id].insert(number);
    return true;
  });
  if (!s.ok())
    return s.err();
  // CreateHIT tokens still in their window, oldest first.
  auto window_start = rt.now() - limits::request_token_window_ms;
  std::vector<std::pair<timestamp, std::string>> tokens;
  s = scan_with_keys(store, request_token_prefix(id), [&](key_reader& k, const record_value& r) {
    k.text();
    std::string token{k.text()};
    if (!k.ok())
      return false;
    const auto& t = *std::static_pointer_cast<const request_token_record>(r);
    if (t.time < window_start) {
      st->expired_tokens.push_back(token);
      return true;
    }
    st->create_tokens[token] = {t.hit, t.time, static_cast<size_t>(t.fingerprint)};
    tokens.emplace_back(t.time, std::move(token));
    return true;
  });
  if (!s.ok())
    return s.err();
  std::sort(tokens.begin(), tokens.end());
  for (auto& [time, token] : tokens)
    st->create_token_order.emplace_back(std::move(token), time);
  // Deposit tokens likewise (every one on disk was made).
  tokens.clear();
  s = scan_with_keys(store, deposit_token_prefix(id), [&](key_reader& k, const record_value& r) {
    k.text();
    std::string token{k.text()};
    if (!k.ok())
      return false;
    const auto& t = *std::static_pointer_cast<const deposit_token_record>(r);
    if (t.time < window_start) {
      st->expired_deposit_tokens.push_back(token);
      return true;
    }
    st->deposit_tokens[token] = {t.amount, t.time, true, {}};
    tokens.emplace_back(t.time, std::move(token));
    return true;
  });
  if (!s.ok())
    return s.err();
  std::sort(tokens.begin(), tokens.end());
  for (auto& [time, token] : tokens)
    st->deposit_token_order.emplace_back(std::move(token), time);
  s = scan_with_keys(store, worker_block_prefix(id), [&](key_reader&, const record_value& r) {
    const auto& b = *std::static_pointer_cast<const worker_block>(r);
    st->blocks[b.worker_id] = b.reason;
    return true;
  });
  if (!s.ok())
    return s.err();
  // Its qualification types are in the registry (loaded at start); their
  // grants and pending requests are records of their own.
  std::vector<std::pair<uint64_t, qualification_type_view>> quals;
  rt.qualification_types.each([&](uint64_t n, const qualification_type_view& q) {
    if (q.requester_id == id)
      quals.emplace_back(n, q);
  });
  for (auto& [n, q] : quals) {
    auto& qt = st->qual_types[n];
    qt.view = std::move(q);
    s = scan_with_keys(store, qualification_grant_prefix(n), [&](key_reader& k, const record_value& r) {
      k.number();
      std::string worker{k.text()};
      if (!k.ok())
        return false;
      qt.grants[worker] = *std::static_pointer_cast<const qualification_grant>(r);
      return true;
    });
    if (!s.ok())
      return s.err();
    s = scan_with_keys(store, qualification_request_prefix(n), [&](key_reader& k, const record_value& r) {
      k.number();
      auto request = k.number();
      if (!k.ok())
        return false;
      st->qual_requests[request] = *std::static_pointer_cast<const qualification_request_view>(r);
      return true;
    });
    if (!s.ok())
      return s.err();
    s = scan_with_keys(store, qualification_retry_prefix(n), [&](key_reader& k, const record_value& r) {
      k.number();
      std::string worker{k.text()};
      if (!k.ok())
        return false;
      qt.last_request[worker] = *std::static_pointer_cast<const timestamp>(r);
      return true;
    });
    if (!s.ok())
      return s.err();
  }
  auto a = spawn_actor(rt.sys, requester_restored, &rt, st);
  for (auto n : type_numbers)
    rt.hit_types.insert(n, a);
  return a;
}

} // namespace hitd::detail
