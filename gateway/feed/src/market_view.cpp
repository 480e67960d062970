#include "hitd/gateway/feed/market_view.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

#include "hitd/gateway/feed/filter.hpp"
#include "hitd/gateway/feed/wire.hpp"
#include "hitd/ids.hpp"

namespace hitd::gateway {

feed_hit feed_hit_of(const hit_view& v) {
  auto def = std::make_shared<hit_definition>();
  def->number = parse_id(id_kind::hit, v.hit_id).value_or(0);
  def->requester_id = v.requester_id;
  def->hit_type_id = v.hit_type_id;
  hit_properties props;
  props.title = v.title;
  props.description = v.description;
  props.keywords = v.keywords;
  props.reward = v.reward;
  props.assignment_duration_s = v.assignment_duration_s;
  props.auto_approval_delay_s = v.auto_approval_delay_s;
  props.requirements = v.requirements;
  def->properties = std::make_shared<const hit_properties>(std::move(props));
  def->creation_time = v.creation_time;
  // The question stays out of the feed (up to 64 KiB per HIT).
  feed_hit h;
  h.number = def->number;
  h.hit_id = v.hit_id;
  h.folded = std::make_shared<const std::string>(folded_text(*def));
  h.def = std::move(def);
  h.available = v.assignments_available;
  h.max_assignments = v.max_assignments;
  h.expiration = v.expiration;
  return h;
}

market_view::market_view(market_view_options o, uint64_t start)
  : options_(o), position_(start), floor_(start) {
  assert(options_.history_events_max > 0);
}

namespace {
// The definition the feed keeps: without the question and the requester's
// annotation (up to 64 KiB per HIT that a passivated HIT would otherwise
// leave alive in the feed).
std::shared_ptr<const hit_definition> feed_definition(const std::shared_ptr<const hit_definition>& d) {
  if (d->question.empty() && d->requester_annotation.empty())
    return d;
  auto copy = std::make_shared<hit_definition>();
  copy->number = d->number;
  copy->requester_id = d->requester_id;
  copy->hit_type_id = d->hit_type_id;
  copy->properties = d->properties;
  copy->creation_time = d->creation_time;
  return copy;
}

bool same_definition(const hit_definition& a, const hit_definition& b) {
  return a.hit_type_id == b.hit_type_id && (a.properties == b.properties || *a.properties == *b.properties);
}

bool guards_discover(const hit_definition& d) {
  for (const auto& r : d.properties->requirements)
    if (r.guards == guarded_action::discover_preview_and_accept)
      return true;
  return false;
}
} // namespace

void market_view::insert(feed_hit h) {
  auto n = h.number;
  if (auto old = hits_.find(n); old != hits_.end() && old->second.def != h.def)
    erase(n);   // another definition: its indexes go with it
  groups_[h.def->hit_type_id].insert(n);
  by_requester_[h.def->requester_id].insert(n);
  if (guards_discover(*h.def))
    discover_guarded_.insert(n);
  hits_.insert_or_assign(n, std::move(h));
}

const std::set<uint64_t>* market_view::of_requester(const std::string& requester_id) const {
  auto it = by_requester_.find(requester_id);
  return it == by_requester_.end() ? nullptr : &it->second;
}

void market_view::erase(uint64_t number) {
  auto it = hits_.find(number);
  if (it == hits_.end())
    return;
  auto g = groups_.find(it->second.def->hit_type_id);
  if (g != groups_.end()) {
    g->second.erase(number);
    if (g->second.empty())
      groups_.erase(g);
  }
  auto r = by_requester_.find(it->second.def->requester_id);
  if (r != by_requester_.end()) {
    r->second.erase(number);
    if (r->second.empty())
      by_requester_.erase(r);
  }
  discover_guarded_.erase(number);
  hits_.erase(it);
}

void market_view::remember(feed_event_ptr e) {
  history_bytes_ += e->frame->size() + feed_limits::history_entry_overhead_bytes;
  history_.push_back(std::move(e));
  while (!history_.empty() &&
         (history_.size() > options_.history_events_max || history_bytes_ > options_.history_bytes_max)) {
    const auto& old = history_.front();
    history_bytes_ -= old->frame->size() + feed_limits::history_entry_overhead_bytes;
    floor_ = old->position;   // every feed event after this one is still held
    history_.pop_front();
  }
}

feed_event_ptr market_view::apply(const event& e) {
  if (e.seq > position_)
    position_ = e.seq;
  if (e.type != event_type::hit_available && e.type != event_type::hit_updated &&
      e.type != event_type::hit_unavailable && e.type != event_type::hit_extended)
    return nullptr;
  if (!e.hit || e.hit_number == 0)
    return nullptr;
  if (seeding_)
    touched_.insert(e.hit_number);
  auto it = hits_.find(e.hit_number);
  // An extension of a HIT the feed shows moves its expiration (one that
  // re-opens an expired HIT comes with HITAvailable after it).
  if (e.type == event_type::hit_extended && (it == hits_.end() || e.assignments_available <= 0))
    return nullptr;
  auto ev = std::make_shared<feed_event>();
  ev->position = e.seq;
  if (e.type == event_type::hit_unavailable || e.assignments_available <= 0) {
    if (it == hits_.end())
      return nullptr;   // never shown
    ev->kind = feed_kind::expired;
    ev->hit = it->second;
    ev->hit.available = 0;
    ev->hit.position = e.seq;
    ev->reason = e.type == event_type::hit_unavailable ? e.reason : unavailable_reason::all_taken;
    erase(e.hit_number);
  } else {
    feed_hit h;
    h.number = e.hit_number;
    h.available = e.assignments_available;
    h.max_assignments = e.max_assignments;
    h.expiration = e.expiration;
    h.position = e.seq;
    if (it != hits_.end()) {
      h.hit_id = it->second.hit_id;
      if (same_definition(*it->second.def, *e.hit)) {
        h.def = it->second.def;
        h.folded = it->second.folded;
      } else {
        ev->before = it->second.def;
        ev->before_folded = it->second.folded;
      }
      ev->kind = feed_kind::updated;
    } else {
      h.hit_id = e.hit_id();
      ev->kind = feed_kind::available;
    }
    if (!h.def)
      h.def = feed_definition(e.hit);
    if (!h.folded)
      h.folded = std::make_shared<const std::string>(folded_text(*h.def));
    ev->hit = h;
    insert(std::move(h));
  }
  ev->frame = std::make_shared<const std::string>(feed_event_frame(*ev));
  feed_event_ptr out = std::move(ev);
  remember(out);
  return out;
}

size_t market_view::seed(const std::vector<hit_view>& views) {
  size_t added = 0;
  for (const auto& v : views) {
    auto h = feed_hit_of(v);
    if (h.number == 0 || h.available <= 0 || touched_.count(h.number) || hits_.count(h.number))
      continue;
    h.position = position_;
    insert(std::move(h));
    ++added;
  }
  return added;
}

void market_view::finish_seeding() {
  seeding_ = false;
  touched_.clear();
}

std::optional<std::vector<feed_event_ptr>> market_view::since(uint64_t from) const {
  if (from < floor_ || from > position_)
    return std::nullopt;
  std::vector<feed_event_ptr> out;
  // The history is in position order: skip what is at or before `from`.
  auto it = std::upper_bound(history_.begin(), history_.end(), from,
                             [](uint64_t p, const feed_event_ptr& e) { return p < e->position; });
  out.assign(it, history_.end());
  return out;
}

} // namespace hitd::gateway
