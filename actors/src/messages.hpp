#pragma once
// The messages between hitd's actors. Each actor kind takes one message type,
// a std::variant of its commands; a command that answers carries a callback
// (`reply`) that the actor calls when the answer is durable. Messages are
// local only (never serialised), hence CAF_ALLOW_UNSAFE_MESSAGE_TYPE.

#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/send.hpp>

#include "post.hpp"

#include "hitd/engine.hpp"
#include "hitd/hit_rules.hpp"
#include "hitd/ledger_book.hpp"
#include "hitd/limits.hpp"
#include "hitd/worker_rules.hpp"

namespace hitd::detail {

// ---- ledger -------------------------------------------------------------------------
namespace ledger {
// `outbox`: the key of the outbox record this transfer was written in, to
// delete in the ledger's batch (empty when it came without one). `with`:
// records written in the same batch as the transfer when it is applied (a
// new HIT's records with its hold), so both happen or neither.
struct apply {
  transfer t;
  std::string outbox;
  std::function<void(transfer_outcome)> reply;
  bool counted = false;
  write_batch with;
};
struct balance { std::string requester_id; callback<account_balance> reply; };
struct audit { callback<ledger_audit> reply; };
using msg = std::variant<apply, balance, audit>;
} // namespace ledger

// ---- leaving memory (every actor kind) ------------------------------------------------
// An actor leaves memory when one of its writes failed (at its next message)
// or when asked to passivate while idle (nothing in flight, idle since
// `idle_before`): it takes itself out of the directory, answers what waits
// with storage_failure, drops its state, and from then on forwards every
// message to its successor, which is activated from the records.
struct passivate { timestamp idle_before = 0; };

// ---- HIT ------------------------------------------------------------------------------
namespace hit {
using detail::passivate;
// Sent by the requester actor right after spawning: persist and announce.
// Its records are durable already (written with its hold by the ledger).
struct init { hit_effects fx; callback<hit_view> reply; };
// A deadline may be due; `indexed` is the due time of the deadline record
// that woke the HIT at start (0 when the wake came from the timer wheel).
struct wake { std::function<void()> reply; timestamp indexed = 0; };
// The answer carries the key of the outbox record telling the worker of the
// accept (empty without a store): the worker deletes it when it has counted it.
struct accept { std::shared_ptr<const worker_credentials> creds; std::function<void(result<assignment_view>, std::string)> reply; };
struct submit { std::string worker_id; uint32_t ordinal; std::string answer; std::string token; callback<done> reply; };
struct give_back { std::string worker_id; uint32_t ordinal; callback<done> reply; };
struct approve { std::string requester_id; uint32_t ordinal; std::string feedback; bool override_rejection; callback<done> reply; };
struct reject { std::string requester_id; uint32_t ordinal; std::string feedback; callback<done> reply; };
struct get { std::string requester_id; callback<hit_view> reply; };   // empty requester: internal
// A requester's read (empty requester: internal), or with `worker_id` set,
// that worker's read of its own assignment (anyone else's: no such
// assignment).
struct get_assignment { std::string requester_id; uint32_t ordinal; callback<assignment_with_hit> reply;
                        std::string worker_id = {}; };
struct list_assignments { std::string requester_id; std::vector<assignment_status> statuses; page_request page; callback<hitd::page<assignment_view>> reply; };
struct update_expiration { std::string requester_id; timestamp expire_at; callback<done> reply; };
struct add_assignments { std::string requester_id; int64_t n; std::string token; callback<done> reply; };
struct review_status { std::string requester_id; bool revert; callback<done> reply; };
struct retype { std::string requester_id; std::shared_ptr<const hit_definition> def; callback<done> reply; };
struct dispose { std::string requester_id; callback<done> reply; };
struct bonus { bonus_request req; uint32_t ordinal; callback<done> reply; };
struct list_bonuses { std::string requester_id; bool one_assignment; uint32_t ordinal; page_request page; callback<hitd::page<bonus_payment>> reply; };
struct inspect { callback<hit_inspection> reply; };
// The ledger's answer to a hold or charge this HIT asked for.
struct funds { status outcome; std::function<void(status)> then; };
using msg = std::variant<init, wake, accept, submit, give_back, approve, reject, get, get_assignment,
                         list_assignments, update_expiration, add_assignments, review_status, retype,
                         dispose, bonus, list_bonuses, inspect, funds, passivate>;
} // namespace hit

// ---- worker ---------------------------------------------------------------------------------
namespace worker {
using detail::passivate;
struct init { callback<std::string> reply; };
// A HIT by number, or (hit_number 0) the next HIT of a group.
struct accept { uint64_t hit_number; std::string hit_type_id; std::string token; callback<assignment_view> reply; };
// The answer of one HIT; `rest` are the group's other candidates to try.
// Accepting the next HIT of a group: which group, and how far the search got.
struct group_search {
  std::string hit_type_id;
  uint64_t after = 0;        // candidates are HIT numbers above this
  int rounds = 0;            // batches of candidates asked for so far
};
struct accepted { result<assignment_view> outcome; std::string token; callback<assignment_view> reply;
                  std::vector<uint64_t> rest; std::optional<group_search> group; std::string outbox; };
struct candidates { std::vector<uint64_t> hits; std::string token; callback<assignment_view> reply; group_search group; };
struct grant { qualification_grant g; callback<done> reply; };
struct notify { worker_notification n; std::function<void(bool)> reply; };
// Counted notes from a HIT, each with the key of its outbox record (empty
// without a store), deleted in the worker's batch that applies it.
struct update { assignment_update u; std::string outbox; };
struct bonus { money amount; timestamp time; std::string outbox; };
struct block { std::string requester_id; bool on; callback<done> reply; };
struct dashboard { callback<worker_dashboard> reply; };
// What the worker presents to requirements now (the live feed's filter).
struct credentials { callback<worker_credentials> reply; };
struct withdraw { money amount; std::string token; callback<money> reply; };
// The worker's assignments in progress (in_progress in worker_rules.hpp).
struct list_open { callback<open_assignment_list> reply; };
struct funds { transfer_outcome outcome; money amount; std::string token; callback<money> reply; };
using msg = std::variant<init, accept, accepted, candidates, update, bonus, block, dashboard, withdraw, funds, grant,
                         notify, passivate, credentials, list_open>;
} // namespace worker

// ---- requester ---------------------------------------------------------------------------------
namespace requester {
using detail::passivate;
struct init { callback<std::string> reply; };
struct deposit { money amount; std::string token; callback<account_balance> reply; };
struct create_type { hit_properties props; callback<std::string> reply; };
struct create_hit { create_hit_request req; callback<hit_view> reply; };
struct list_hits { page_request page; bool reviewable_only; bool reviewing; std::string hit_type_id; callback<hitd::page<hit_view>> reply; };
struct hit_status_note { uint64_t hit_number; hit_status status; };   // counted note from a HIT
struct retype { uint64_t hit_number; std::string hit_type_id; callback<done> reply; };
struct retyped { uint64_t hit_number; std::string hit_type_id; };   // the HIT took the new type
struct token_done { std::string token; result<hit_view> outcome; };   // a create with this token answered
struct block { std::string worker_id; std::string reason; bool on; callback<done> reply; };
struct list_blocks { page_request page; callback<hitd::page<worker_block>> reply; };
struct funds { transfer_outcome outcome; std::function<void(transfer_outcome)> then; };
// Qualification types this requester owns.
struct create_qual_type { qualification_type_spec spec; callback<qualification_type_view> reply; };
struct update_qual_type { uint64_t number; qualification_type_update update; callback<qualification_type_view> reply; };
struct delete_qual_type { uint64_t number; callback<done> reply; };
// requested_at: set when the grant answers the worker's own request, at
// that time (written with the grant, as the type's retry record).
struct grant { uint64_t number; std::string worker_id; int32_t value; bool on; std::string reason; callback<done> reply;
               std::optional<timestamp> requested_at; };
struct score { uint64_t number; std::string worker_id; callback<qualification_view> reply; };
struct list_grants { uint64_t number; std::optional<qualification_status> status; page_request page; callback<hitd::page<qualification_view>> reply; };
struct qual_request { uint64_t number; std::string worker_id; std::string answer; callback<qualification_request_outcome> reply; };
struct list_qual_requests { uint64_t number; page_request page; callback<hitd::page<qualification_request_view>> reply; };   // 0: all
struct decide_qual_request { uint64_t request; bool accept; std::optional<int32_t> value; std::string reason; callback<done> reply; };
struct list_hits_for_qual { std::string qualification_type_id; page_request page; callback<hitd::page<hit_view>> reply; };
// HIT types: notifications and accept-next.
struct notification_update { std::string hit_type_id; std::optional<notification_spec> spec; std::optional<bool> active; callback<done> reply; };
struct notification_get { std::string hit_type_id; callback<notification_settings> reply; };
struct next_hits { std::string hit_type_id; uint64_t after; std::function<void(std::vector<uint64_t>)> reply; };
struct notify { std::string subject; std::string message; std::vector<std::string> worker_ids; callback<std::vector<notify_failure>> reply; };
using msg = std::variant<init, deposit, create_type, create_hit, list_hits, hit_status_note, retype, block,
                         list_blocks, funds, create_qual_type, update_qual_type, delete_qual_type, grant, score,
                         list_grants, qual_request, list_qual_requests, decide_qual_request, list_hits_for_qual,
                         notification_update, notification_get, next_hits, notify, retyped, token_done, passivate>;
} // namespace requester

// Spawning (each in its actor's file).
caf::actor spawn_ledger(struct runtime& rt);
caf::actor spawn_hit(struct runtime& rt, hit_state state);
// A new actor for a parked HIT (no store), with the parked state.
caf::actor unpark_hit(struct runtime& rt, struct parked_hit&& p);
// A new HIT's first records: definition, record, the requester's index
// entry and the deadline index (hit_actor.cpp, which keeps them current).
write_batch initial_hit_records(const hit_state& h);
caf::actor spawn_worker(struct runtime& rt, worker_state state);
caf::actor unpark_worker(struct runtime& rt, struct parked_worker&& p);
caf::actor spawn_requester(struct runtime& rt, std::string id, std::string name, timestamp created);

// Answers a message no actor will handle (its actor left memory and there is
// no successor now): every reply gets `e`, a counted note is counted.
void answer_failed(struct runtime& rt, hit::msg& m, const error& e);
void answer_failed(struct runtime& rt, worker::msg& m, const error& e);
void answer_failed(struct runtime& rt, requester::msg& m, const error& e);

// A retired actor's message goes to its successor (activated from its
// records), or is answered with the error of finding none.
template <class Msg>
void forward_or_fail(struct runtime& rt, result<caf::actor> next, const caf::actor& self, Msg& m) {
  if (next.ok() && *next && *next != self) {
    post(*next, std::move(m));
    return;
  }
  answer_failed(rt, m, next.ok() ? error{errc::storage_failure, "the actor left memory and has no records"} : next.err());
}

// Activation from records (each in its actor's file), run under the
// directory's lock for that id: the spawned actor, an invalid actor when
// there are no records, or the error of a record that cannot be read.
result<caf::actor> activate_hit(struct runtime& rt, uint64_t number);
result<caf::actor> activate_worker(struct runtime& rt, const std::string& id);
result<caf::actor> activate_requester(struct runtime& rt, const std::string& id);

// Pagination tokens are decimal offsets into the listing's order.
size_t page_offset(const page_request& p);
std::string next_page_token(size_t offset, size_t total);
bool valid_page(const page_request& p);

// One page of `items`: view(item) returns the item's entry, or nullopt to
// leave it out of the listing. The next token is the offset of the first
// entry not returned.
template <class T, class Range, class View>
hitd::page<T> page_of(const Range& items, const page_request& p, View&& view) {
  hitd::page<T> out;
  size_t skip = page_offset(p), seen = 0;
  for (const auto& item : items) {
    std::optional<T> v = view(item);
    if (!v)
      continue;
    if (seen++ < skip)
      continue;
    if (out.items.size() == p.max_results) {
      out.next_token = std::to_string(seen - 1);
      break;
    }
    out.items.push_back(std::move(*v));
  }
  return out;
}

} // namespace hitd::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hitd::detail::ledger::msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hitd::detail::hit::msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hitd::detail::worker::msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hitd::detail::requester::msg)
