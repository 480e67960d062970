#pragma once
// A worker's record and the decisions over it: the daily accept cap and
// probation, the statistics behind the dashboard and the system
// qualifications, and withdrawals. The worker actor owns one worker_state.
//
// Statistics are a projection of the worker's assignments, which their HITs
// own: each HIT tells the worker of every change to one of its assignments
// (assignment_update), and apply_update is idempotent, so a repeated or
// replayed update changes nothing.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "hitd/config.hpp"
#include "hitd/error.hpp"
#include "hitd/ids.hpp"
#include "hitd/model.hpp"
#include "hitd/qualification.hpp"
#include "hitd/result.hpp"

namespace hitd {

// What a HIT tells a worker about one of its assignments.
struct assignment_update {
  assignment_ref ref;
  std::string requester_id;
  assignment_status status = assignment_status::accepted;
  timestamp accept_time = 0;
  timestamp submit_time = 0;
  timestamp time = 0;            // when this status was reached
  money reward;
};

// A small map as a vector sorted by key: 24 bytes an entry for a worker's
// open assignments and no bucket array (an unordered_map's first entry
// allocates about 100 bytes of buckets, and most workers have one or a few
// assignments open). Inserting and erasing move the entries after the
// position, which is cheap at the sizes a worker's open set reaches.
template <class K, class V>
class flat_map {
public:
  using value_type = std::pair<K, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;
  iterator begin() { return v_.begin(); }
  iterator end() { return v_.end(); }
  const_iterator begin() const { return v_.begin(); }
  const_iterator end() const { return v_.end(); }
  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  void reserve(size_t n) { v_.reserve(n); }
  void clear() { v_.clear(); }
  iterator find(const K& k) {
    auto it = lower(v_, k);
    return it != v_.end() && it->first == k ? it : v_.end();
  }
  const_iterator find(const K& k) const {
    auto it = lower(v_, k);
    return it != v_.end() && it->first == k ? it : v_.end();
  }
  size_t count(const K& k) const { return find(k) != end() ? 1 : 0; }
  // Like std::map::emplace: no change when the key is there.
  std::pair<iterator, bool> emplace(const K& k, V v) {
    auto it = lower(v_, k);
    if (it != v_.end() && it->first == k)
      return {it, false};
    return {v_.insert(it, value_type{k, std::move(v)}), true};
  }
  iterator erase(iterator it) { return v_.erase(it); }
  template <class Pred>
  friend size_t erase_if(flat_map& m, Pred p) { return std::erase_if(m.v_, p); }

private:
  template <class Vec>
  static auto lower(Vec& v, const K& k) {
    return std::lower_bound(v.begin(), v.end(), k, [](const value_type& e, const K& key) { return e.first < key; });
  }
  std::vector<value_type> v_;
};

struct worker_state {
  std::string id;
  timestamp created = 0;
  locale home;                                   // the worker's locale
  std::map<std::string, qualification_grant> qualifications;   // custom, by type id
  std::unordered_set<std::string> blocked_by;    // requester ids
  worker_totals totals;
  std::vector<worker_day> days;                  // newest first, bounded
  money withdrawn;
  uint64_t ledger_seq = 0;                       // withdrawals issued to the ledger
  // The last status seen of each assignment that can still change, with the
  // time it was reached: accepted, submitted, or rejected within the
  // override window (pruned after it). Approved, returned and abandoned ones
  // are final and leave, remembered in `finished` so a replayed update of
  // one changes nothing.
  struct open_entry {
    assignment_status status = assignment_status::accepted;
    timestamp since = 0;
  };
  flat_map<uint64_t, open_entry> open;                 // key: hit << 32 | ordinal
  std::unordered_set<uint64_t> finished;               // the last finished_max keys
  std::deque<uint64_t> finished_order;                 // oldest first
  // How many assignments this worker has finished, ever: finished_order
  // holds the finishes numbered finished_total - size .. finished_total - 1.
  // Not in the worker record: with a store, each finish is a record of its
  // own keyed by that number (docs/storage.md), and the count is restored
  // from them.
  uint64_t finished_total = 0;
  int64_t accepts_in_flight = 0;                 // reserved against the cap
  std::vector<worker_notification> notifications; // oldest first, bounded
  // Accept idempotency: token -> (the first answer, time).
  std::unordered_map<std::string, std::pair<assignment_view, timestamp>> accept_tokens;
  std::unordered_map<std::string, timestamp> withdraw_tokens;
  timestamp last_prune = 0;
};

// How many finished assignments a worker remembers to ignore replays: more
// than two days at the full daily cap, far longer than a restart's replay.
inline constexpr size_t finished_max = 10'000;

// The worker's record as stored: a copy of everything but the finished
// lists (kept as their own records), which are moved out for the copy and
// back, so a change costs what changed, not the finished assignments.
std::shared_ptr<const worker_state> copy_without_finished(worker_state& w);

bool on_probation(const worker_state& w, timestamp now, const worker_policy& p);
int64_t daily_cap(const worker_state& w, timestamp now, const worker_policy& p);
int64_t accepted_today(const worker_state& w, timestamp now);

// May the worker take one more assignment today? exceeds_daily_limit if not.
status check_daily_cap(const worker_state& w, timestamp now, const worker_policy& p);

// Applies a HIT's news about an assignment; returns false when it changed
// nothing (a repeat or an older status). Out of order is fine: a later
// status implies the accept and the submission it needs, each counted once.
bool apply_update(worker_state& w, const assignment_update& u);
void record_bonus(worker_state& w, money amount, timestamp now);

// The worker's assignments in progress as far as it heard (accepted, not
// yet submitted, returned or abandoned), the oldest accept first: at most
// `max`, and `more` when there are more.
struct open_assignment_list {
  std::vector<assignment_ref> refs;
  bool more = false;
};
open_assignment_list in_progress(const worker_state& w, size_t max);

// The credentials the worker presents to HITs: granted custom
// qualifications, the system qualifications computed from its statistics,
// and who blocked it.
worker_credentials credentials_of(const worker_state& w);

worker_dashboard dashboard_of(const worker_state& w, timestamp now, const worker_policy& p);

money earnings_of(const worker_state& w);   // rewards + bonuses, lifetime
money balance_of(const worker_state& w);    // earnings - withdrawn

// Withdrawal rules: not during probation, at least the minimum, at most the
// balance. Errors: withdrawal_not_allowed, insufficient_funds,
// invalid_parameter_value.
status check_withdrawal(const worker_state& w, money amount, timestamp now, const worker_policy& p);

// Drops idempotency tokens older than the window and notifications beyond
// the bound; does the scan at most once a minute of clock time.
void prune(worker_state& w, timestamp now);

} // namespace hitd
