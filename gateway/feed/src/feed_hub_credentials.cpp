// feed_hub's credentials: reading a worker's credentials from the engine,
// showing and hiding what a change of them affects, and the marks that make
// a resume of a "qualified only" subscription start afresh after one.

#include "hitd/gateway/feed/feed_hub.hpp"

#include <utility>

#include "hitd/gateway/feed/wire.hpp"

namespace hitd::gateway {

namespace {
bool errc_temporary(errc c) {
  return c == errc::throttled || c == errc::storage_failure || c == errc::shutting_down;
}
} // namespace

bool feed_hub::wants_credentials(const worker_entry& w) const {
  for (auto id : w.sessions) {
    const auto& s = sessions_.at(id);
    if ((s.subscribed && s.filter.qualified_only) || s.pending)
      return true;
  }
  return false;
}

void feed_hub::mark(const std::string& worker_id, uint64_t position) {
  auto& m = marks_[worker_id];
  if (position <= m)
    return;
  m = position;
  marks_order_.emplace_back(worker_id, position);
  // The map within its bound; and entries superseded by a later mark of the
  // same worker are dropped when they reach the front, keeping the queue
  // within twice the map.
  while (!marks_order_.empty() && (marks_.size() > feed_limits::credential_marks_max ||
                                   marks_order_.size() > 2 * feed_limits::credential_marks_max)) {
    auto [w, p] = marks_order_.front();
    marks_order_.pop_front();
    auto it = marks_.find(w);
    if (it != marks_.end() && it->second == p) {
      marks_.erase(it);
      if (p > marks_floor_)
        marks_floor_ = p;
    }
  }
}

uint64_t feed_hub::mark_of(const std::string& worker_id) const {
  auto it = marks_.find(worker_id);
  return it != marks_.end() ? it->second : marks_floor_;
}

void feed_hub::fetch(const std::string& worker_id, uint64_t version) {
  {
    std::lock_guard<std::mutex> g{calls_mutex_};
    ++calls_;
  }
  engine_.worker_credentials_of(worker_id, [this, worker_id, version](result<worker_credentials> r) {
    on_credentials(worker_id, version, std::move(r));
    std::lock_guard<std::mutex> g{calls_mutex_};
    if (--calls_ == 0)
      calls_done_.notify_all();
  });
}

void feed_hub::on_credentials(const std::string& worker_id, uint64_t version, result<worker_credentials> r) {
  std::lock_guard<std::mutex> g{mutex_};
  auto w = workers_.find(worker_id);
  if (w == workers_.end())
    return;   // every session of the worker closed meanwhile
  auto& entry = w->second;
  if (!r.ok()) {
    if (version >= entry.fetches)
      entry.applied = version;   // nothing else on its way: let the next subscribe ask again
    for (auto id : entry.sessions) {
      auto& s = sessions_.at(id);
      if (!s.pending)
        continue;
      send(s, std::make_shared<const std::string>(
                  error_reply_frame(s.pending->id, errc_name(r.code()), r.err().message, errc_temporary(r.code()))));
      s.pending.reset();
    }
    return;
  }
  if (version <= entry.applied)
    return;   // a newer read was applied already
  entry.applied = version;
  auto fresh = std::make_shared<const worker_credentials>(std::move(r).value());
  // What the change shows or hides for each "qualified only" subscription:
  // only HITs guarded by Discover, and those of requesters whose block
  // changed, can differ.
  auto old = entry.creds;
  auto position = view_.position();
  std::set<uint64_t> candidates;
  bool any = false;
  for (auto id : entry.sessions) {
    const auto& s = sessions_.at(id);
    any = any || (s.subscribed && s.filter.qualified_only && !s.refused);
  }
  if (any) {
    candidates = view_.discover_guarded();
    auto add_requester = [&](const std::string& requester) {
      if (auto* hits = view_.of_requester(requester))
        candidates.insert(hits->begin(), hits->end());
    };
    if (!old) {
      for (const auto& [n, h] : view_.hits())
        candidates.insert(n);
    } else {
      for (const auto& b : fresh->blocked_by)
        if (!old->blocked_by.count(b))
          add_requester(b);
      for (const auto& b : old->blocked_by)
        if (!fresh->blocked_by.count(b))
          add_requester(b);
    }
  }
  for (auto id : entry.sessions) {
    auto& s = sessions_.at(id);
    if (!s.subscribed || !s.filter.qualified_only || s.refused)
      continue;
    for (auto n : candidates) {
      const auto& h = view_.hits().at(n);
      bool before = matches(s.filter, *h.def, *h.folded, old.get());
      bool after = matches(s.filter, *h.def, *h.folded, fresh.get());
      if (!before && after)
        send(s, std::make_shared<const std::string>(session_available_frame(h, position)));
      else if (before && !after)
        send(s, std::make_shared<const std::string>(session_expired_frame(h, position, "not_eligible")));
    }
  }
  entry.creds = std::move(fresh);
  // A refresh after an event marks the change (the event marked it too); a
  // first read (a new connection) is no change: marking it would turn every
  // reconnect's resume into a fresh snapshot (credentials_changed). The
  // changes since the position a resume names were marked by their events.
  if (old)
    mark(worker_id, position);
  for (auto id : entry.sessions) {
    auto& s = sessions_.at(id);
    if (s.pending) {
      auto p = std::move(*s.pending);
      complete(s, p.id, p.from);
    }
  }
}

} // namespace hitd::gateway
