#pragma once
// hitd::engine: the dispatch engine, embedded in a C++ program. Start here.
//
// One engine owns an actor system (CAF, hidden behind this header) in which
// each HIT, each worker and each requester is an actor that alone touches its
// state, and one ledger actor holds the money. Every command below is
// asynchronous: it returns at once and calls its callback exactly once, on an
// engine thread, after the transition is applied and handed to the store.
// Keep callbacks short (hand the result to your own thread or queue); a
// callback may issue further asynchronous commands. Each command also has a
// blocking overload without the callback, for plain programs and tests;
// never call a blocking overload from a callback or a subscriber (it would
// wait on the threads that must answer it). Commands still in flight when
// the engine is destroyed may go unanswered.
//
// Ids are MTurk's strings. Who may do what is checked here: a requester only
// touches its own HITs, assignments, qualification types and blocks; a
// worker only its own assignments.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hitd/config.hpp"
#include "hitd/events.hpp"
#include "hitd/model.hpp"
#include "hitd/qualification.hpp"
#include "hitd/result.hpp"
#include "hitd/storage_port.hpp"
#include "hitd/time.hpp"

namespace hitd {

template <class T>
using callback = std::function<void(result<T>)>;

// ---- command inputs ------------------------------------------------------------

struct requester_spec {
  std::string name;
  std::string requester_id;   // empty: generated ("AR...")
};

struct worker_spec {
  std::string worker_id;      // empty: generated ("AW..."); else ^A[A-Z0-9]+$
  locale home;                // the Worker_Locale system qualification
  std::optional<timestamp> registered;   // default now; an earlier time ends probation sooner
};

struct create_hit_request {
  std::string requester_id;
  std::string hit_type_id;                  // CreateHITWithHITType ...
  std::optional<hit_properties> properties; // ... or CreateHIT's inline properties
  int64_t max_assignments = 1;
  int64_t lifetime_s = 0;
  std::string question;
  std::string requester_annotation;
  std::string unique_request_token;         // a repeat within 24 h returns the first HIT
};

struct accept_request {
  std::string worker_id;
  std::string hit_id;          // this HIT; or, when empty, ...
  std::string hit_type_id;     // ... the next HIT of this group the worker may accept
  std::string idempotency_key; // a repeat within 24 h returns the first assignment
};

struct submit_request {
  std::string worker_id;
  std::string assignment_id;
  std::string answer;          // a QuestionFormAnswers document, or any text
  std::string idempotency_key;
};

struct approve_request {
  std::string requester_id;
  std::string assignment_id;
  std::string feedback;
  bool override_rejection = false;
};

struct bonus_request {
  std::string requester_id;
  std::string worker_id;
  std::string assignment_id;
  money amount;
  std::string reason;
  std::string unique_request_token;
};

struct assignment_with_hit {
  assignment_view assignment;
  hit_view hit;
};

// A worker's assignments in progress, each with its HIT (the question to
// show again after a reload), the oldest accept first; `more` when the
// worker holds more than one listing returns.
struct worker_assignments {
  std::vector<assignment_with_hit> items;
  bool more = false;
};

struct worker_block {
  std::string worker_id;
  std::string reason;
};

// The ledger's balances by account, and their sum (zero while sound).
// What is in memory now, and what the store has been through.
struct engine_stats {
  size_t resident_hits = 0;      // HITs with a live actor
  size_t parked_hits = 0;        // HITs held without one (no store; see engine_config)
  size_t resident_workers = 0;
  size_t parked_workers = 0;     // workers held without one likewise
  size_t resident_requesters = 0;
  uint64_t rebuilds = 0;         // times memory was rebuilt after a failed write
  uint64_t storage_errors = 0;   // records that could not be read, reported
};

struct ledger_audit {
  money total;                 // always zero: double entry
  money external;              // minus (deposits - withdrawals)
  money platform;              // fees earned
  money requesters_available;
  money requesters_held;
  money workers;
};

// One HIT with all its assignments, including accepted, returned and
// abandoned ones (which MTurk's API does not list), for operators and audits.
struct hit_inspection {
  hit_view hit;
  std::vector<assignment_view> assignments;
  std::vector<bonus_payment> bonuses;
};

class engine {
public:
  struct options {
    engine_config config;
    std::shared_ptr<hitd::clock> clock;     // default: the wall clock
    std::shared_ptr<storage_port> store;    // default: none (nothing persisted)
  };

  engine();
  explicit engine(options opts);
  ~engine();   // waits for in-flight work, then stops every actor
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // ---- operator ------------------------------------------------------------------
  void create_requester(requester_spec spec, callback<std::string> cb);
  result<std::string> create_requester(requester_spec spec);
  void create_worker(worker_spec spec, callback<std::string> cb);
  result<std::string> create_worker(worker_spec spec);
  // Adds money to a requester's available balance. A token (at most 64
  // characters) is kept 24 hours, durably: a repeat has no second effect and
  // answers with the balance once the first is made; a repeat with another
  // amount is refused (invalid_parameter_value).
  void deposit(std::string requester_id, money amount, std::string token, callback<account_balance> cb);
  result<account_balance> deposit(std::string requester_id, money amount, std::string token);

  // ---- requester: account and HITs -----------------------------------------------------
  void get_account_balance(std::string requester_id, callback<account_balance> cb);
  result<account_balance> get_account_balance(std::string requester_id);
  // Registers a HIT type; the same properties again return the same id.
  void create_hit_type(std::string requester_id, hit_properties props, callback<std::string> cb);
  result<std::string> create_hit_type(std::string requester_id, hit_properties props);
  void create_hit(create_hit_request req, callback<hit_view> cb);
  result<hit_view> create_hit(create_hit_request req);
  void get_hit(std::string requester_id, std::string hit_id, callback<hit_view> cb);
  result<hit_view> get_hit(std::string requester_id, std::string hit_id);
  void list_hits(std::string requester_id, page_request page, callback<hitd::page<hit_view>> cb);
  result<hitd::page<hit_view>> list_hits(std::string requester_id, page_request page);
  // Reviewable (reviewing = false) or Reviewing HITs, optionally of one type.
  void list_reviewable_hits(std::string requester_id, std::string hit_type_id, bool reviewing,
                            page_request page, callback<hitd::page<hit_view>> cb);
  result<hitd::page<hit_view>> list_reviewable_hits(std::string requester_id, std::string hit_type_id,
                                                    bool reviewing, page_request page);
  // A time at or before now expires the HIT at once; a later one extends it.
  void update_expiration(std::string requester_id, std::string hit_id, timestamp expire_at, callback<done> cb);
  status update_expiration(std::string requester_id, std::string hit_id, timestamp expire_at);
  void update_hit_review_status(std::string requester_id, std::string hit_id, bool revert, callback<done> cb);
  status update_hit_review_status(std::string requester_id, std::string hit_id, bool revert);
  void update_hit_type_of_hit(std::string requester_id, std::string hit_id, std::string hit_type_id, callback<done> cb);
  status update_hit_type_of_hit(std::string requester_id, std::string hit_id, std::string hit_type_id);
  void create_additional_assignments(std::string requester_id, std::string hit_id, int64_t n,
                                     std::string unique_request_token, callback<done> cb);
  status create_additional_assignments(std::string requester_id, std::string hit_id, int64_t n,
                                       std::string unique_request_token);
  void delete_hit(std::string requester_id, std::string hit_id, callback<done> cb);
  status delete_hit(std::string requester_id, std::string hit_id);

  // ---- requester: assignments and bonuses -----------------------------------------------
  void get_assignment(std::string requester_id, std::string assignment_id, callback<assignment_with_hit> cb);
  result<assignment_with_hit> get_assignment(std::string requester_id, std::string assignment_id);
  // Submitted, Approved and/or Rejected assignments (all three when empty).
  void list_assignments_for_hit(std::string requester_id, std::string hit_id,
                                std::vector<assignment_status> statuses, page_request page,
                                callback<hitd::page<assignment_view>> cb);
  result<hitd::page<assignment_view>> list_assignments_for_hit(std::string requester_id, std::string hit_id,
                                                               std::vector<assignment_status> statuses,
                                                               page_request page);
  void approve_assignment(approve_request req, callback<done> cb);
  status approve_assignment(approve_request req);
  void reject_assignment(std::string requester_id, std::string assignment_id, std::string feedback, callback<done> cb);
  status reject_assignment(std::string requester_id, std::string assignment_id, std::string feedback);
  void send_bonus(bonus_request req, callback<done> cb);
  status send_bonus(bonus_request req);
  // The bonuses paid for one HIT (hit_id) or one assignment (assignment_id).
  void list_bonus_payments(std::string requester_id, std::string hit_id, std::string assignment_id,
                           page_request page, callback<hitd::page<bonus_payment>> cb);
  result<hitd::page<bonus_payment>> list_bonus_payments(std::string requester_id, std::string hit_id,
                                                        std::string assignment_id, page_request page);

  // ---- requester: workers ------------------------------------------------------------------
  void create_worker_block(std::string requester_id, std::string worker_id, std::string reason, callback<done> cb);
  status create_worker_block(std::string requester_id, std::string worker_id, std::string reason);
  void delete_worker_block(std::string requester_id, std::string worker_id, std::string reason, callback<done> cb);
  status delete_worker_block(std::string requester_id, std::string worker_id, std::string reason);
  void list_worker_blocks(std::string requester_id, page_request page, callback<hitd::page<worker_block>> cb);
  result<hitd::page<worker_block>> list_worker_blocks(std::string requester_id, page_request page);

  // ---- requester: qualification types, grants and requests --------------------------------
  void create_qualification_type(std::string requester_id, qualification_type_spec spec,
                                 callback<qualification_type_view> cb);
  result<qualification_type_view> create_qualification_type(std::string requester_id, qualification_type_spec spec);
  // Any caller may read any type (MTurk's qualification types are public).
  void get_qualification_type(std::string qualification_type_id, callback<qualification_type_view> cb);
  result<qualification_type_view> get_qualification_type(std::string qualification_type_id);
  void update_qualification_type(std::string requester_id, std::string qualification_type_id,
                                 qualification_type_update update, callback<qualification_type_view> cb);
  result<qualification_type_view> update_qualification_type(std::string requester_id, std::string qualification_type_id,
                                                            qualification_type_update update);
  // Rejects the type's pending requests and stops new HIT types from using it;
  // grants already made stay with the workers.
  void delete_qualification_type(std::string requester_id, std::string qualification_type_id, callback<done> cb);
  status delete_qualification_type(std::string requester_id, std::string qualification_type_id);
  // Types whose name, description or keywords contain `query` (case-insensitive).
  void list_qualification_types(std::string requester_id, std::string query, bool must_be_requestable,
                                bool must_be_owned_by_caller, page_request page,
                                callback<hitd::page<qualification_type_view>> cb);
  result<hitd::page<qualification_type_view>> list_qualification_types(std::string requester_id, std::string query,
                                                                        bool must_be_requestable,
                                                                        bool must_be_owned_by_caller,
                                                                        page_request page);
  void associate_qualification_with_worker(std::string requester_id, std::string qualification_type_id,
                                           std::string worker_id, int32_t value, bool send_notification,
                                           callback<done> cb);
  status associate_qualification_with_worker(std::string requester_id, std::string qualification_type_id,
                                             std::string worker_id, int32_t value, bool send_notification);
  void disassociate_qualification_from_worker(std::string requester_id, std::string qualification_type_id,
                                              std::string worker_id, std::string reason, callback<done> cb);
  status disassociate_qualification_from_worker(std::string requester_id, std::string qualification_type_id,
                                                std::string worker_id, std::string reason);
  void get_qualification_score(std::string requester_id, std::string qualification_type_id,
                               std::string worker_id, callback<qualification_view> cb);
  result<qualification_view> get_qualification_score(std::string requester_id, std::string qualification_type_id,
                                                     std::string worker_id);
  void list_workers_with_qualification_type(std::string requester_id, std::string qualification_type_id,
                                            std::optional<qualification_status> grant_status, page_request page,
                                            callback<hitd::page<qualification_view>> cb);
  result<hitd::page<qualification_view>> list_workers_with_qualification_type(
    std::string requester_id, std::string qualification_type_id, std::optional<qualification_status> grant_status,
    page_request page);
  // Pending requests for one of the requester's types, or for all of them.
  void list_qualification_requests(std::string requester_id, std::string qualification_type_id,
                                   page_request page, callback<hitd::page<qualification_request_view>> cb);
  result<hitd::page<qualification_request_view>> list_qualification_requests(std::string requester_id,
                                                                             std::string qualification_type_id,
                                                                             page_request page);
  void accept_qualification_request(std::string requester_id, std::string qualification_request_id,
                                    std::optional<int32_t> value, callback<done> cb);
  status accept_qualification_request(std::string requester_id, std::string qualification_request_id,
                                      std::optional<int32_t> value);
  void reject_qualification_request(std::string requester_id, std::string qualification_request_id,
                                    std::string reason, callback<done> cb);
  status reject_qualification_request(std::string requester_id, std::string qualification_request_id,
                                      std::string reason);
  // The requester's HITs that have a requirement on this type.
  void list_hits_for_qualification_type(std::string requester_id, std::string qualification_type_id,
                                        page_request page, callback<hitd::page<hit_view>> cb);
  result<hitd::page<hit_view>> list_hits_for_qualification_type(std::string requester_id,
                                                                std::string qualification_type_id, page_request page);

  // ---- requester: notifications ----------------------------------------------------------------
  // Records a HIT type's notification settings: a new spec, the active flag,
  // or both (at least one). The requester API delivers them.
  void update_notification_settings(std::string requester_id, std::string hit_type_id,
                                    std::optional<notification_spec> spec, std::optional<bool> active,
                                    callback<done> cb);
  status update_notification_settings(std::string requester_id, std::string hit_type_id,
                                      std::optional<notification_spec> spec, std::optional<bool> active);
  void get_notification_settings(std::string requester_id, std::string hit_type_id,
                                 callback<notification_settings> cb);
  result<notification_settings> get_notification_settings(std::string requester_id, std::string hit_type_id);
  // Records a message for up to 100 workers (shown on their dashboard and
  // published as WorkerNotified); answers with the workers it could not reach.
  void notify_workers(std::string requester_id, std::string subject, std::string message,
                      std::vector<std::string> worker_ids, callback<std::vector<notify_failure>> cb);
  result<std::vector<notify_failure>> notify_workers(std::string requester_id, std::string subject,
                                                      std::string message, std::vector<std::string> worker_ids);

  // ---- worker ----------------------------------------------------------------------------
  // Asks for a qualification: granted at once when the type auto-grants or
  // its answer key scores `answer`; otherwise it waits for the requester.
  void request_qualification(std::string worker_id, std::string qualification_type_id, std::string answer,
                             callback<qualification_request_outcome> cb);
  result<qualification_request_outcome> request_qualification(std::string worker_id,
                                                              std::string qualification_type_id,
                                                              std::string answer);
  void accept(accept_request req, callback<assignment_view> cb);
  result<assignment_view> accept(accept_request req);
  void submit(submit_request req, callback<done> cb);
  status submit(submit_request req);
  void return_assignment(std::string worker_id, std::string assignment_id, callback<done> cb);
  status return_assignment(std::string worker_id, std::string assignment_id);
  void dashboard(std::string worker_id, callback<worker_dashboard> cb);
  result<worker_dashboard> dashboard(std::string worker_id);
  // The worker's own assignments in progress (accepted, not yet submitted,
  // returned or abandoned), at most limits::worker_open_assignments_listed_max.
  void assignments_in_progress(std::string worker_id, callback<worker_assignments> cb);
  result<worker_assignments> assignments_in_progress(std::string worker_id);
  // Moves earnings out of the marketplace: not on probation, at least the
  // minimum, at most the balance. A repeated key has no second effect.
  void withdraw(std::string worker_id, money amount, std::string idempotency_key, callback<money> cb);
  result<money> withdraw(std::string worker_id, money amount, std::string idempotency_key);

  // ---- the live feed -------------------------------------------------------------------------
  // What a worker presents to HITs' qualification requirements now: its
  // granted custom qualifications, its system qualification values and the
  // requesters who blocked it (the live feed's "only HITs I may discover"
  // filter evaluates requirements with it). Kept fresh by the events
  // qualification_granted / _revoked, worker_blocked / _unblocked and the
  // worker's assignment events (the system values follow its statistics).
  void worker_credentials_of(std::string worker_id, callback<worker_credentials> cb);
  result<worker_credentials> worker_credentials_of(std::string worker_id);
  // The HITs workers may accept now, across every requester, in pages (the
  // live feed's snapshot at start, including HITs stored by an earlier run).
  // Items are Assignable HITs with assignments_available > 0 and no
  // requester_annotation. A page may hold fewer than max_results items and
  // still have a next_token (HITs that stopped being available while it was
  // read are left out). Cost: with a store, a scan of every requester's HIT
  // index (one small record per HIT) plus one activation of each Assignable
  // HIT not in memory; docs/architecture.md ("The live feed's queries").
  void list_available_hits(page_request page, callback<hitd::page<hit_view>> cb);
  result<hitd::page<hit_view>> list_available_hits(page_request page);

  // ---- events and time -----------------------------------------------------------------------
  // Calls fn for every event from now on, in sequence order, on an engine
  // thread, one at a time. Keep it short, and do not subscribe or
  // unsubscribe from inside it (events are delivered under the bus's lock);
  // issuing commands from it is fine. Returns an id for unsubscribe.
  uint64_t subscribe(std::function<void(const event&)> fn);
  void unsubscribe(uint64_t id);
  uint64_t last_event_seq() const;

  timestamp now() const;
  // With a manual clock: moves it forward and returns once every deadline
  // that fell due (expiries, abandonments, auto-approvals) has been applied.
  void advance_clock(duration_ms by);

  // ---- inspection -------------------------------------------------------------------------------
  // Returns once every notification already sent between actors (payments to
  // the ledger, statistics to workers) has been handled.
  void drain();
  result<hit_inspection> inspect_hit(std::string hit_id);
  result<ledger_audit> audit_ledger();
  // Every HIT number allocated so far is below this (a create the ledger
  // refused leaves its number unused; after a restart numbers go on above
  // the last reserved block).
  uint64_t hit_count() const;
  engine_stats stats() const;
  // Asks every resident actor beyond its kind's budget
  // (engine_config::resident_*_max) that has been idle for `idle_for` to
  // leave memory (it comes back from its records on its next message;
  // without a store only HITs leave, parked), and returns how many were
  // asked. The engine does this by itself every
  // second under the wall clock, and on advance_clock under a manual one.
  size_t passivate_idle(duration_ms idle_for);

  const engine_config& config() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace hitd
