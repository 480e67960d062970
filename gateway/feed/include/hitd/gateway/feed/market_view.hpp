#pragma once
// market_view: the HITs workers may accept now, grouped by HIT type, with a
// bounded history of the changes for resume. A plain object fed with engine
// events in sequence order (feed_hub calls it under its lock); it does no
// I/O and knows nothing of sessions.
//
// Positions are the engine's event sequence numbers: position() is the last
// event seen (whether or not it changed the feed), each feed event carries
// the seq of the engine event that made it, and the history holds every
// feed event after floor(). A resume from P is exact while
// floor() <= P <= position().

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "hitd/events.hpp"
#include "hitd/gateway/feed/limits.hpp"
#include "hitd/model.hpp"

namespace hitd::gateway {

// One available HIT as the feed shows it.
struct feed_hit {
  uint64_t number = 0;
  std::string hit_id;
  std::shared_ptr<const hit_definition> def;   // shared with the engine's events
  std::shared_ptr<const std::string> folded;   // folded_text(*def), for keyword filters
  int64_t available = 0;
  int64_t max_assignments = 0;
  timestamp expiration = 0;
  uint64_t position = 0;                       // of its last change
};

enum class feed_kind : uint8_t { available, updated, expired };

// One change of the feed, serialised once (`frame`) for every session it
// goes to.
struct feed_event {
  uint64_t position = 0;
  feed_kind kind = feed_kind::available;
  feed_hit hit;                                // after the change (expired: as last shown)
  // The definition the feed showed before, when it was another (a HIT that
  // took another type): a filter may match one and not the other.
  std::shared_ptr<const hit_definition> before;
  std::shared_ptr<const std::string> before_folded;
  unavailable_reason reason = unavailable_reason::none;   // expired only
  std::shared_ptr<const std::string> frame;
};
using feed_event_ptr = std::shared_ptr<const feed_event>;

struct market_view_options {
  size_t history_events_max = feed_limits::history_events_default;
  size_t history_bytes_max = feed_limits::history_bytes_default;
};

class market_view {
public:
  // `start`: the engine's last seq when the view began listening.
  explicit market_view(market_view_options o = {}, uint64_t start = 0);

  // Applies one engine event (in seq order). Returns the feed event it made,
  // or null when it changes nothing the feed shows.
  feed_event_ptr apply(const event& e);

  // HITs read from the engine at start (engine::list_available_hits) while
  // events already flow: a HIT an event has touched since the view began is
  // left as the event made it. Adds no history (call before serving
  // sessions). Returns how many HITs it added.
  size_t seed(const std::vector<hit_view>& hits);
  // Ends seeding (forgets which HITs events touched).
  void finish_seeding();

  uint64_t position() const { return position_; }
  uint64_t floor() const { return floor_; }
  // The feed events after `from`, or nullopt when the history no longer
  // holds them all (or `from` is ahead of position()).
  std::optional<std::vector<feed_event_ptr>> since(uint64_t from) const;

  const std::map<uint64_t, feed_hit>& hits() const { return hits_; }
  // HIT numbers by HIT type id (MTurk's HIT groups), for snapshots.
  const std::map<std::string, std::set<uint64_t>>& groups() const { return groups_; }
  // HITs with a requirement guarding Discover, and HITs by requester: the
  // only ones a change of a worker's qualifications or blocks can show or
  // hide.
  const std::set<uint64_t>& discover_guarded() const { return discover_guarded_; }
  const std::set<uint64_t>* of_requester(const std::string& requester_id) const;
  size_t history_size() const { return history_.size(); }
  size_t history_bytes() const { return history_bytes_; }

private:
  void insert(feed_hit h);
  void erase(uint64_t number);
  void remember(feed_event_ptr e);

  market_view_options options_;
  uint64_t position_ = 0;
  uint64_t floor_ = 0;
  std::map<uint64_t, feed_hit> hits_;
  std::map<std::string, std::set<uint64_t>> groups_;
  std::set<uint64_t> discover_guarded_;
  std::map<std::string, std::set<uint64_t>> by_requester_;
  std::deque<feed_event_ptr> history_;
  size_t history_bytes_ = 0;
  bool seeding_ = true;
  std::unordered_set<uint64_t> touched_;   // while seeding
};

// A feed_hit from an engine view (the seed) or event.
feed_hit feed_hit_of(const hit_view& v);

} // namespace hitd::gateway
