#pragma once
// The HIT and assignment state machines as plain functions over hit_state.
// The HIT actor owns one hit_state and calls these; they do no I/O, send no
// messages and read no clock: time comes in as `now`, and what the actor must
// do afterwards (events to publish, money to move, deadlines to arm) comes
// out in hit_effects.
//
//  HIT (status derived from the counts, see status_of):
//
//        create ──► Assignable ◄──────────── a slot comes back (return/abandon
//                     │    ▲                  before expiry), extension, more
//       last slot     │    │                  assignments
//       taken, or     ▼    │
//       expiry ──► Unassignable ──(no work in progress)──► Reviewable ◄─► Reviewing
//                                                             │   (UpdateHITReviewStatus)
//                                  delete (all decided) ──────┴──► Disposed
//
//  Assignment:
//
//    Accepted ──submit──► Submitted ──approve / auto-approval──► Approved
//       │  └──return──► Returned        └──reject──► Rejected ──approve with
//       └──deadline──► Abandoned                      OverrideRejection (≤30 days)──► Approved
//
// Money: while a HIT lives, the ledger holds for it exactly required_hold():
// reward + fee for every assignment in progress or awaiting review, plus
// reward + fee for every slot still open while the HIT is unexpired. Every
// function ends by releasing what is no longer required; an approval pays
// reward and fee out of the hold; anything that needs more (more
// assignments, an extension, an overridden rejection) is held or charged by
// the actor before it calls the function.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hitd/config.hpp"
#include "hitd/limits.hpp"
#include "hitd/error.hpp"
#include "hitd/events.hpp"
#include "hitd/model.hpp"
#include "hitd/qualification.hpp"
#include "hitd/result.hpp"

namespace hitd {

struct assignment_record {
  uint32_t ordinal = 0;
  std::string worker_id;
  assignment_status status = assignment_status::accepted;
  timestamp accept_time = 0;
  timestamp deadline = 0;
  timestamp submit_time = 0;          // 0 until submitted
  timestamp auto_approval_time = 0;   // 0 until submitted
  timestamp approval_time = 0;
  timestamp rejection_time = 0;
  timestamp end_time = 0;             // returned or abandoned at
  money reward;                       // fixed when accepted
  money fee;
  std::string answer;
  std::string requester_feedback;
  std::string submit_token;
};

struct bonus_record {
  uint32_t ordinal = 0;               // the assignment the bonus is for
  std::string worker_id;
  money amount;
  money fee;
  std::string reason;
  timestamp grant_time = 0;
  std::string token;
};

enum class deadline_kind : uint8_t { expiry, abandonment, auto_approval };

struct hit_state {
  std::shared_ptr<const hit_definition> def;
  int64_t max_assignments = 1;
  timestamp expiration = 0;
  bool expired = false;          // the lifetime has run out (set when observed)
  bool withdrawn = false;        // expired early by the requester
  bool reviewing = false;        // UpdateHITReviewStatus(Revert=false)
  bool disposed = false;
  hit_review_status review_status = hit_review_status::not_reviewed;
  timestamp disposed_at = 0;     // when DeleteHIT took effect
  money held;                    // what the ledger holds for this HIT
  std::vector<assignment_record> assignments;          // index = ordinal
  // Each worker's latest assignment. Ordered maps here and for add_tokens:
  // no bucket array (an unordered_map's first entry allocates ~100 bytes of
  // buckets), and 8 bytes smaller in the HIT's actor.
  std::map<std::string, uint32_t> by_worker;
  int64_t accepted_n = 0, submitted_n = 0, approved_n = 0, rejected_n = 0;
  // Assignments in progress or awaiting review, counted by their own slot
  // cost (reward + fee fixed at accept, in cents): usually one or two
  // entries, so required_hold costs O(1) however many assignments there are.
  std::map<int64_t, int64_t> live_costs;
  // Pending deadlines of this HIT, earliest first: (due, ordinal) -> kind.
  // The expiry uses ordinal UINT32_MAX.
  std::map<std::pair<timestamp, uint32_t>, deadline_kind> deadlines;
  std::vector<bonus_record> bonuses;
  // UniqueRequestTokens of CreateAdditionalAssignmentsForHIT: token -> time.
  std::map<std::string, timestamp> add_tokens;
};

// The HIT's own record (everything but its assignments and bonuses, which
// are records of their own so that the record of a HIT does not grow with
// its work).
struct hit_snapshot {
  std::shared_ptr<const hit_definition> def;
  int64_t max_assignments = 1;
  timestamp expiration = 0;
  bool expired = false, withdrawn = false, reviewing = false, disposed = false;
  hit_review_status review_status = hit_review_status::not_reviewed;
  money held;
  uint64_t ledger_seq = 0;       // the last transfer or outbox entry this HIT issued
  std::map<std::string, timestamp> add_tokens;
  timestamp disposed_at = 0;
  // A hold or charge sent to the ledger and not answered when this record
  // was written (0: none); pending_hold is its amount when it is a hold.
  uint64_t pending_seq = 0;
  money pending_hold;
};

// What a transition asks of the world. Assignment events name their ordinal.
struct hit_effects {
  struct change {
    event_type type;
    uint32_t ordinal = 0;
    bool has_assignment = false;
    unavailable_reason reason = unavailable_reason::none;
    int64_t available = 0;
  };
  struct payment {                // from the HIT's hold to a worker and the platform
    uint32_t ordinal = 0;
    std::string worker_id;
    money reward;
    money fee;
  };
  std::vector<change> changes;
  std::vector<payment> payments;
  money released;                 // back from the hold to the requester's balance
  std::vector<uint32_t> touched;  // assignments whose records changed
  bool hit_changed = false;       // the HIT's own record changed

  bool empty() const { return changes.empty() && payments.empty() && released.cents == 0 && touched.empty() && !hit_changed; }
};

// --- construction and queries -------------------------------------------------

// The cost of one assignment slot: reward + fee at this HIT size.
money slot_cost(const fee_schedule& fees, money reward, int64_t max_assignments);

// What must be held to publish a HIT: max_assignments x slot cost, or nullopt
// on overflow.
std::optional<money> publish_hold(const fee_schedule& fees, money reward, int64_t max_assignments);

// A new HIT holding `held` (= publish_hold), with its expiry armed. Emits
// HITCreated and HITAvailable.
hit_state make_hit(std::shared_ptr<const hit_definition> def, int64_t max_assignments,
                   timestamp now, int64_t lifetime_s, money held, hit_effects& fx);

// A HIT rebuilt from its records (storage): the snapshot (with its
// definition), its assignments in ordinal order and its bonuses in index
// order. Counts, escrow bookkeeping and pending deadlines follow from them.
// Fails (invalid_parameter_value) when an ordinal or index is missing.
result<hit_state> restore_hit(const hit_snapshot& s, std::vector<assignment_record> assignments,
                              std::vector<bonus_record> bonuses);

// Money the ledger moved into escrow for this HIT that the HIT never put to
// use (a hold answered while the HIT crashed): it joins the hold, and
// whatever the HIT does not need is released at once.
void adopt_hold(hit_state& h, money amount, const fee_schedule& fees, hit_effects& fx);

hit_status status_of(const hit_state& h);
int64_t available_of(const hit_state& h);   // 0 once expired or disposed
int64_t open_slots(const hit_state& h);     // slots not taken, ignoring expiry
int64_t pending_of(const hit_state& h);     // accepted, not yet submitted
bool assignable(const hit_state& h);
// The earliest deadline pending (expiry, abandonment, auto-approval), if any:
// the time the actor must be woken next.
std::optional<timestamp> next_deadline(const hit_state& h);
money required_hold(const hit_state& h, const fee_schedule& fees);

// --- transitions ------------------------------------------------------------------

// Applies every deadline due at or before `now` in time order: expiry,
// abandonment of late assignments, auto-approval. Every command calls this
// first, so a late timer never lets a stale state through.
void advance_to(hit_state& h, timestamp now, const fee_schedule& fees, hit_effects& fx);

// A worker takes a slot. Errors: invalid_hit_state (not assignable: expired,
// full, disposed), assignment_already_exists (the worker holds or has
// submitted an assignment of this HIT), worker_blocked,
// does_not_meet_requirements. The daily cap is the worker actor's check.
result<uint32_t> accept(hit_state& h, const worker_credentials& worker, timestamp now,
                        const fee_schedule& fees, hit_effects& fx);

// Whether a worker may see / preview / accept this HIT (for the live feed and
// accept-next): discover/preview/accept flags under requirements and blocks.
allowed_actions actions_for(const hit_state& h, const worker_credentials& worker);

status submit(hit_state& h, uint32_t ordinal, std::string_view worker_id, std::string answer,
              std::string_view token, timestamp now, const fee_schedule& fees, hit_effects& fx);
status return_assignment(hit_state& h, uint32_t ordinal, std::string_view worker_id,
                         timestamp now, const fee_schedule& fees, hit_effects& fx);

// What an approval needs before it can be applied: none (pay from the hold),
// or a charge of reward + fee to the requester's balance (an overridden
// rejection). Errors: assignment_does_not_exist (no such assignment, or one
// not submitted: requesters see only submitted work), invalid_assignment_state
// (already approved; rejected without override; override after 30 days or on
// a disposed HIT).
struct approval_plan {
  bool charge = false;
  money reward;
  money fee;
};
result<approval_plan> plan_approval(const hit_state& h, uint32_t ordinal, bool override_rejection,
                                    timestamp now);
// Applies an approval planned by plan_approval without a charge.
void approve(hit_state& h, uint32_t ordinal, std::string feedback, timestamp now,
             const fee_schedule& fees, hit_effects& fx);
// Approves a rejected assignment (plan_approval said charge) once the actor
// has held the reward and fee from the requester's balance: the hold joins
// the HIT's and the approval is paid from it like any other.
void approve_rejected(hit_state& h, uint32_t ordinal, std::string feedback, timestamp now, money held,
                      const fee_schedule& fees, hit_effects& fx);

status reject(hit_state& h, uint32_t ordinal, std::string feedback, timestamp now,
              const fee_schedule& fees, hit_effects& fx);

// UpdateExpirationForHIT. A time at or before now expires the HIT at once
// (withdrawn); a later time extends it, re-opening it if it had expired. The
// extra hold an extension needs (the open slots of an expired HIT) comes from
// extension_hold, which the actor holds first.
money extension_hold(const hit_state& h, timestamp new_expiration, timestamp now,
                     const fee_schedule& fees);
status update_expiration(hit_state& h, timestamp new_expiration, timestamp now, money extra_held,
                         const fee_schedule& fees, hit_effects& fx);

// CreateAdditionalAssignmentsForHIT: validation, then the hold it needs.
// Errors: invalid_parameter_value (n < 1, total over the maximum),
// invalid_maximum_assignments_increase (from under 10 to 10 or more),
// invalid_hit_state (disposed).
result<money> plan_additional_assignments(const hit_state& h, int64_t n, const fee_schedule& fees);
void add_assignments(hit_state& h, int64_t n, money extra_held, timestamp now,
                     const fee_schedule& fees, hit_effects& fx);

// UpdateHITReviewStatus: Reviewable -> Reviewing, or back with revert.
status update_review_status(hit_state& h, bool revert, hit_effects& fx);

// DeleteHIT: only a Reviewable or Reviewing HIT with every submission decided.
status dispose(hit_state& h, timestamp now, const fee_schedule& fees, hit_effects& fx);

// SendBonus validation: the assignment exists, belongs to `worker_id`, and
// was submitted (MTurk pays bonuses for work done).
status check_bonus(const hit_state& h, uint32_t ordinal, std::string_view worker_id);

// Views.
hit_view view_of(const hit_state& h, bool for_owner);
assignment_view view_of(const hit_state& h, const assignment_record& a);

} // namespace hitd

namespace hitd {
// UpdateHITTypeOfHIT: the HIT takes another type's properties (an available
// HIT emits HITUpdated with its new definition). Open slots are
// re-costed at the new reward (work already accepted keeps its reward), so
// the hold changes by retype_hold (positive: the actor holds it first;
// negative: released).
money retype_hold(const hit_state& h, const hit_properties& props, const fee_schedule& fees);
void retype(hit_state& h, std::shared_ptr<const hit_definition> def, money extra_held,
            timestamp now, const fee_schedule& fees, hit_effects& fx);
} // namespace hitd
