// One requester_actor owns one requester: its HIT types, the index of its
// HITs (with the statuses that ListReviewableHITs filters on), its create
// tokens, its worker blocks and its deposits. Creating a HIT starts here: the
// actor validates, holds the money at the ledger, spawns the HIT actor and
// hands it the records to persist in the HIT's first batch.

#include <deque>
#include <map>

#include <caf/all.hpp>

#include "hitd/ids.hpp"
#include "hitd/limits.hpp"
#include "messages.hpp"
#include "runtime.hpp"

namespace hitd::detail {
namespace {

constexpr size_t stash_max = 10'000;

struct requester_snapshot {
  std::string id;
  std::string name;
  timestamp created = 0;
  uint64_t ledger_seq = 0;
};

struct requester_actor_state {
  runtime* rt = nullptr;
  requester_snapshot me;
  std::unordered_map<std::string, hit_type> types;      // by id
  std::vector<uint64_t> hits;                           // creation order
  std::unordered_map<uint64_t, hit_status> statuses;    // last status each HIT reported
  std::unordered_map<std::string, std::pair<uint64_t, timestamp>> create_tokens;
  std::deque<std::pair<std::string, timestamp>> create_token_order;
  std::unordered_map<std::string, timestamp> deposit_tokens;
  std::map<std::string, std::string> blocks;            // worker id -> reason
  bool busy = false;
  std::deque<requester::msg> stash;
  static inline const char* name = "hitd.requester";
};

using self_ptr = caf::stateful_actor<requester_actor_state>*;

std::string requester_key(const std::string& id) { return record_key{record_kind::requester}.text(id).str(); }

void prune_tokens(requester_actor_state& st, timestamp now) {
  while (!st.create_token_order.empty() && st.create_token_order.front().second < now - limits::request_token_window_ms) {
    st.create_tokens.erase(st.create_token_order.front().first);
    st.create_token_order.pop_front();
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

// Registers (or finds) the type with these properties; returns its id.
std::string register_type(self_ptr self, const hit_properties& props, write_batch& batch) {
  auto& st = self->state;
  for (const auto& [id, t] : st.types)
    if (t.properties == props)
      return id;
  auto number = st.rt->next_hit_type.fetch_add(1);
  hit_type t{format_id(id_kind::hit_type, number), st.me.id, props, st.rt->now()};
  st.rt->hit_types.insert(number, caf::actor_cast<caf::actor>(self));
  if (st.rt->persistent())
    batch.push_back({record_kind::hit_type, record_key{record_kind::hit_type}.number(number).str(),
                     std::make_shared<const hit_type>(t)});
  st.types.emplace(t.id, t);
  return t.id;
}

// Gathers the views of some HITs from their actors, in order.
void gather(runtime* rt, std::vector<uint64_t> numbers, std::string next_token, callback<hitd::page<hit_view>> reply) {
  struct join {
    std::mutex mutex;
    std::vector<std::optional<hit_view>> views;
    size_t left;
    std::string next;
    callback<hitd::page<hit_view>> reply;
  };
  if (numbers.empty()) {
    reply(page<hit_view>{{}, std::move(next_token)});
    return;
  }
  auto j = std::make_shared<join>();
  j->views.resize(numbers.size());
  j->left = numbers.size();
  j->next = std::move(next_token);
  j->reply = std::move(reply);
  auto arrive = [j](size_t i, std::optional<hit_view> v) {
    bool last = false;
    {
      std::lock_guard<std::mutex> g{j->mutex};
      j->views[i] = std::move(v);
      last = --j->left == 0;
    }
    if (!last)
      return;
    page<hit_view> out;
    for (auto& v2 : j->views)
      if (v2)
        out.items.push_back(std::move(*v2));
    out.next_token = std::move(j->next);
    j->reply(std::move(out));
  };
  for (size_t i = 0; i < numbers.size(); ++i) {
    auto a = rt->hits.find(numbers[i]);
    if (!a) {
      arrive(i, std::nullopt);
      continue;
    }
    caf::anon_send(a, hit::msg{hit::get{{}, [arrive, i](result<hit_view> r) {
      arrive(i, r.ok() ? std::optional<hit_view>{std::move(r).value()} : std::nullopt);
    }}});
  }
}

void send_hold(self_ptr self, money amount, std::function<void(bool)> then) {
  auto& st = self->state;
  st.busy = true;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  transfer t{st.me.id, ++st.me.ledger_seq, {{available_account(st.me.id), held_account(st.me.id), amount}}};
  caf::anon_send(st.rt->ledger, ledger::msg{ledger::apply{
    std::move(t), [me, then = std::move(then)](transfer_outcome o) mutable {
      caf::anon_send(me, requester::msg{requester::funds{o, std::move(then)}});
    }}});
}

void handle(self_ptr self, requester::msg& m) {
  auto& st = self->state;
  auto* rt = st.rt;
  if (st.busy && !std::holds_alternative<requester::funds>(m)) {
    if (st.stash.size() >= stash_max) {
      std::visit([](auto& c) {
        if constexpr (requires { c.reply(error{}); })
          if (c.reply)
            c.reply(error{errc::throttled, "too many commands are waiting for this requester"});
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
        if (!c.token.empty() && st.deposit_tokens.count(c.token)) {
          caf::anon_send(rt->ledger, ledger::msg{ledger::balance{st.me.id, std::move(c.reply)}});
          return;
        }
        if (!c.token.empty())
          st.deposit_tokens[c.token] = now;
        transfer t{st.me.id, ++st.me.ledger_seq, {{external_account(), available_account(st.me.id), c.amount}}};
        auto ledger_actor = rt->ledger;
        auto id = st.me.id;
        write_batch batch;
        if (rt->persistent())
          batch.push_back({record_kind::requester, requester_key(st.me.id), std::make_shared<const requester_snapshot>(st.me)});
        event e;
        e.type = event_type::funds_deposited;
        e.time = now;
        e.requester_id = id;
        e.amount = c.amount;
        rt->persist(std::move(batch), [rt, ledger_actor, id, t = std::move(t), e = std::move(e), reply = std::move(c.reply)](status s) mutable {
          if (!s.ok()) {
            reply(s.err());
            return;
          }
          caf::anon_send(ledger_actor, ledger::msg{ledger::apply{std::move(t), [rt, ledger_actor, id, e = std::move(e), reply = std::move(reply)](transfer_outcome o) mutable {
            if (o != transfer_outcome::applied && o != transfer_outcome::duplicate) {
              reply(error{errc::storage_failure, "the ledger could not record the deposit"});
              return;
            }
            std::vector<event> v{std::move(e)};
            rt->bus.publish(v);
            caf::anon_send(ledger_actor, ledger::msg{ledger::balance{id, std::move(reply)}});
          }}});
        });
      } else if constexpr (std::is_same_v<T, requester::create_type>) {
        if (auto ok = validate_properties(c.props); !ok.ok()) {
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
            // A repeat within 24 hours: the first HIT, as it is now.
            gather(rt, {it->second.first}, {}, [reply = std::move(c.reply)](result<page<hit_view>> p) {
              if (p.ok() && p->items.size() == 1)
                reply(std::move(p->items[0]));
              else
                reply(error{errc::hit_does_not_exist, "the HIT created with this token is gone"});
            });
            return;
          }
        }
        hit_properties props;
        if (!r.hit_type_id.empty()) {
          auto it = st.types.find(r.hit_type_id);
          if (it == st.types.end()) {
            c.reply(error{errc::hit_type_does_not_exist, "no HIT type " + r.hit_type_id + " of this requester"});
            return;
          }
          props = it->second.properties;
        } else if (r.properties) {
          props = *r.properties;
          if (auto ok = validate_properties(props); !ok.ok()) {
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
        auto hold = publish_hold(rt->cfg.fees, props.reward, r.max_assignments);
        if (!hold || hold->cents > amount_cents_max) {
          c.reply(error{errc::invalid_parameter_value, "Reward x MaxAssignments is too large"});
          return;
        }
        write_batch batch;
        auto type_id = r.hit_type_id.empty() ? register_type(self, props, batch) : r.hit_type_id;
        auto amount = *hold;
        send_hold(self, amount, [self, c = std::move(c), props = std::move(props), type_id, amount,
                                 batch = std::move(batch)](bool ok) mutable {
          auto& s2 = self->state;
          auto* rt2 = s2.rt;
          if (!ok) {
            c.reply(error{errc::insufficient_funds, "this requester has insufficient funds to publish the HIT"});
            return;
          }
          auto t = rt2->now();
          auto def = std::make_shared<hit_definition>();
          def->number = rt2->next_hit.fetch_add(1);
          def->requester_id = s2.me.id;
          def->hit_type_id = type_id;
          def->properties = std::move(props);
          def->question = std::move(c.req.question);
          def->requester_annotation = std::move(c.req.requester_annotation);
          def->creation_time = t;
          hit_effects fx;
          auto number = def->number;
          auto h = make_hit(std::move(def), c.req.max_assignments, t, c.req.lifetime_s, amount, fx);
          s2.hits.push_back(number);
          s2.statuses[number] = hit_status::assignable;
          if (!c.req.unique_request_token.empty()) {
            s2.create_tokens[c.req.unique_request_token] = {number, t};
            s2.create_token_order.emplace_back(c.req.unique_request_token, t);
          }
          if (rt2->persistent()) {
            batch.push_back({record_kind::requester_hit, record_key{record_kind::requester_hit}.text(s2.me.id).number(number).str(),
                             std::make_shared<const uint64_t>(number)});
            batch.push_back({record_kind::requester, requester_key(s2.me.id), std::make_shared<const requester_snapshot>(s2.me)});
          }
          auto actor = rt2->hits.insert(number, spawn_hit(*rt2, std::move(h)));
          caf::anon_send(actor, hit::msg{hit::init{std::move(fx), std::move(batch), std::move(c.reply)}});
        });
      } else if constexpr (std::is_same_v<T, requester::list_hits>) {
        std::vector<uint64_t> numbers;
        size_t skip = page_offset(c.page), seen = 0;
        std::string next;
        for (auto n : st.hits) {
          auto s = st.statuses[n];
          if (s == hit_status::disposed)
            continue;
          if (c.reviewable_only) {
            if (s != (c.reviewing ? hit_status::reviewing : hit_status::reviewable))
              continue;
            if (!c.hit_type_id.empty()) {
              // The type is in the HIT's definition; filter on the views below.
            }
          }
          if (seen++ < skip)
            continue;
          if (numbers.size() == c.page.max_results) {
            next = std::to_string(seen - 1);
            break;
          }
          numbers.push_back(n);
        }
        if (c.hit_type_id.empty()) {
          gather(rt, std::move(numbers), std::move(next), std::move(c.reply));
        } else {
          gather(rt, std::move(numbers), std::move(next), [type = c.hit_type_id, reply = std::move(c.reply)](result<page<hit_view>> p) {
            if (p.ok())
              std::erase_if(p->items, [&](const hit_view& v) { return v.hit_type_id != type; });
            reply(std::move(p));
          });
        }
      } else if constexpr (std::is_same_v<T, requester::hit_status_note>) {
        st.statuses[c.hit_number] = c.status;
        rt->noted();
      } else if constexpr (std::is_same_v<T, requester::retype>) {
        auto it = st.types.find(c.hit_type_id);
        if (it == st.types.end()) {
          c.reply(error{errc::hit_type_does_not_exist, "no HIT type " + c.hit_type_id + " of this requester"});
          return;
        }
        auto a = rt->hits.find(c.hit_number);
        if (!a) {
          c.reply(error{errc::hit_does_not_exist, "no such HIT"});
          return;
        }
        // The HIT builds its new definition from its old one and these properties.
        caf::anon_send(a, hit::msg{hit::get{st.me.id, [a, id = st.me.id, type = it->second, reply = std::move(c.reply)](result<hit_view> v) mutable {
          if (!v.ok()) {
            reply(v.err());
            return;
          }
          auto def = std::make_shared<hit_definition>();
          def->number = *parse_id(id_kind::hit, v->hit_id);
          def->requester_id = id;
          def->hit_type_id = type.id;
          def->properties = type.properties;
          def->question = v->question;
          def->requester_annotation = v->requester_annotation;
          def->creation_time = v->creation_time;
          caf::anon_send(a, hit::msg{hit::retype{id, std::move(def), std::move(reply)}});
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
        auto w = rt->workers.find(c.worker_id);
        write_batch batch;
        if (rt->persistent()) {
          auto key = record_key{record_kind::worker_block}.text(st.me.id).text(c.worker_id).str();
          batch.push_back({record_kind::worker_block, key,
                           c.on ? std::make_shared<const worker_block>(worker_block{c.worker_id, c.reason}) : nullptr});
        }
        rt->persist(std::move(batch), [w, id = st.me.id, on = c.on, reply = std::move(c.reply)](status s) mutable {
          if (!s.ok()) {
            reply(std::move(s));
            return;
          }
          // The worker applies it before the requester hears back, so an
          // acknowledged block holds for the worker's next accept.
          if (w)
            caf::anon_send(w, worker::msg{worker::block{id, on, std::move(reply)}});
          else
            reply(done{});
        });
      } else if constexpr (std::is_same_v<T, requester::list_blocks>) {
        page<worker_block> out;
        size_t skip = page_offset(c.page), seen = 0;
        for (const auto& [worker_id, reason] : st.blocks) {
          if (seen++ < skip)
            continue;
          if (out.items.size() == c.page.max_results) {
            out.next_token = std::to_string(seen - 1);
            break;
          }
          out.items.push_back({worker_id, reason});
        }
        c.reply(std::move(out));
      } else if constexpr (std::is_same_v<T, requester::funds>) {
        st.busy = false;
        c.then(c.outcome == transfer_outcome::applied);
      }
    },
    m);
  while (!st.busy && !st.stash.empty()) {
    auto next = std::move(st.stash.front());
    st.stash.pop_front();
    handle(self, next);
  }
}

caf::behavior requester_impl(caf::stateful_actor<requester_actor_state>* self, runtime* rt, std::string id,
                             std::string name, timestamp created) {
  self->state.rt = rt;
  self->state.me = requester_snapshot{std::move(id), std::move(name), created, 0};
  return {
    [=](requester::msg& m) { handle(self, m); },
  };
}

} // namespace

caf::actor spawn_requester(runtime& rt, std::string id, std::string name, timestamp created) {
  return rt.sys.spawn(requester_impl, &rt, std::move(id), std::move(name), created);
}

} // namespace hitd::detail
