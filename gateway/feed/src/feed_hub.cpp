#include "hitd/gateway/feed/feed_hub.hpp"

#include <cstdio>
#include <future>
#include <random>
#include <utility>

#include "hitd/gateway/feed/wire.hpp"
#include "hitd/ids.hpp"

namespace hitd::gateway {

namespace json = boost::json;

namespace {

std::string random_epoch() {
  std::random_device rd;
  uint64_t x = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
  return buf;
}

// Events after which a worker's credentials may differ: its custom
// qualifications, its blocks, and its statistics (system qualifications).
bool changes_credentials(event_type t) {
  switch (t) {
    case event_type::qualification_granted:
    case event_type::qualification_revoked:
    case event_type::worker_blocked:
    case event_type::worker_unblocked:
    case event_type::assignment_accepted:
    case event_type::assignment_submitted:
    case event_type::assignment_returned:
    case event_type::assignment_abandoned:
    case event_type::assignment_approved:
    case event_type::assignment_rejected:
      return true;
    default:
      return false;
  }
}


} // namespace

feed_hub::feed_hub(engine_port& engine, feed_hub_options o)
  : engine_(engine), options_(std::move(o)), epoch_(options_.epoch.empty() ? random_epoch() : options_.epoch),
    view_(options_.view) {}

feed_hub::~feed_hub() {
  if (started_)
    engine_.unsubscribe(subscription_);
  std::unique_lock<std::mutex> g{calls_mutex_};
  calls_done_.wait(g, [&] { return calls_ == 0; });
}

status feed_hub::start() {
  if (started_)
    return error{errc::invalid_parameter_value, "the feed hub is started already"};
  {
    std::lock_guard<std::mutex> g{mutex_};
    view_ = market_view(options_.view, engine_.last_event_seq());
  }
  subscription_ = engine_.subscribe([this](const event& e) { on_event(e); });
  started_ = true;
  // The HITs available now, read while events flow (market_view::seed keeps
  // what an event changed meanwhile).
  page_request page{{}, 100};
  for (size_t i = 0; i < feed_limits::seed_pages_max; ++i) {
    auto p = std::make_shared<std::promise<result<hitd::page<hit_view>>>>();
    auto f = p->get_future();
    engine_.list_available_hits(page, [p](result<hitd::page<hit_view>> r) { p->set_value(std::move(r)); });
    auto r = f.get();
    if (!r.ok())
      return r.err();
    {
      std::lock_guard<std::mutex> g{mutex_};
      view_.seed(r->items);
    }
    if (r->next_token.empty())
      break;
    page.next_token = r->next_token;
  }
  std::lock_guard<std::mutex> g{mutex_};
  view_.finish_seeding();
  return done{};
}

uint64_t feed_hub::open(std::string worker_id, std::shared_ptr<session_sink> sink) {
  std::lock_guard<std::mutex> g{mutex_};
  auto id = next_session_++;
  workers_[worker_id].sessions.insert(id);
  sessions_[id] = session{std::move(worker_id), std::move(sink)};
  return id;
}

void feed_hub::close(uint64_t id) {
  std::lock_guard<std::mutex> g{mutex_};
  auto it = sessions_.find(id);
  if (it == sessions_.end())
    return;
  auto w = workers_.find(it->second.worker_id);
  if (w != workers_.end()) {
    w->second.sessions.erase(id);
    if (w->second.sessions.empty())
      workers_.erase(w);
  }
  sessions_.erase(it);
}

void feed_hub::send(session& s, const std::shared_ptr<const std::string>& frame) {
  if (s.refused)
    return;
  if (s.sink->send(frame)) {
    ++counters_.frames_sent;
  } else {
    s.refused = true;   // closed, or its queue is full: the transport closes it
    ++counters_.sends_refused;
  }
}

bool feed_hub::deliver(session& s, const feed_event& e, const worker_credentials* creds, bool dry_run) {
  const auto& f = s.filter;
  bool now = matches(f, *e.hit.def, *e.hit.folded, creds);
  std::shared_ptr<const std::string> frame;
  switch (e.kind) {
    case feed_kind::available:
    case feed_kind::expired:
      if (now)
        frame = e.frame;
      break;
    case feed_kind::updated: {
      bool before = e.before ? matches(f, *e.before, *e.before_folded, creds) : now;
      if (before && now)
        frame = e.frame;
      else if (now)
        frame = dry_run ? e.frame : std::make_shared<const std::string>(session_available_frame(e.hit, e.position));
      else if (before)
        frame = dry_run ? e.frame
                        : std::make_shared<const std::string>(session_expired_frame(e.hit, e.position, "not_matching"));
      break;
    }
  }
  if (!frame)
    return false;
  if (!dry_run)
    send(s, frame);
  return true;
}

void feed_hub::send_snapshot(session& s, const json::value& id, const char* reason) {
  const worker_credentials* creds = nullptr;
  if (auto w = workers_.find(s.worker_id); w != workers_.end())
    creds = w->second.creds.get();
  json::array groups;
  size_t shown = 0;
  bool truncated = false;
  for (const auto& [type, numbers] : view_.groups()) {
    json::array members;
    const hit_definition* def = nullptr;
    for (auto n : numbers) {
      const auto& h = view_.hits().at(n);
      if (!matches(s.filter, *h.def, *h.folded, creds))
        continue;
      if (shown == feed_limits::snapshot_hits_max) {
        truncated = true;
        break;
      }
      def = h.def.get();
      members.push_back(group_member_json(h));
      ++shown;
    }
    if (def) {
      auto g = group_json(*def);
      g["hits"] = std::move(members);
      groups.push_back(std::move(g));
    }
    if (truncated)
      break;
  }
  json::object o;
  o["position"] = view_.position();
  o["epoch"] = epoch_;
  if (reason) {
    o["resumed"] = false;
    o["reason"] = reason;
  }
  o["groups"] = std::move(groups);
  o["hit_count"] = shown;
  o["truncated"] = truncated;
  send(s, std::make_shared<const std::string>(reply_frame(id, "subscribed", std::move(o))));
}

void feed_hub::complete(session& s, const json::value& id, const std::optional<resume_point>& from) {
  s.pending.reset();
  s.subscribed = true;
  if (!from) {
    send_snapshot(s, id, nullptr);
    return;
  }
  const char* reason = nullptr;
  std::optional<std::vector<feed_event_ptr>> replay;
  if (from->epoch != epoch_) {
    reason = "epoch_changed";
  } else if (from->position > view_.position()) {
    reason = "unknown_position";
  } else if (s.filter.qualified_only && mark_of(s.worker_id) >= from->position && mark_of(s.worker_id) > 0) {
    reason = "credentials_changed";
  } else if (!(replay = view_.since(from->position))) {
    reason = "too_old";
  }
  if (reason) {
    send_snapshot(s, id, reason);
    return;
  }
  const worker_credentials* creds = nullptr;
  if (auto w = workers_.find(s.worker_id); w != workers_.end())
    creds = w->second.creds.get();
  size_t count = 0;
  for (const auto& e : *replay)
    count += deliver(s, *e, creds, true) ? 1 : 0;
  json::object o;
  o["position"] = from->position;
  o["epoch"] = epoch_;
  o["resumed"] = true;
  o["replayed"] = count;   // the events that follow, before the live ones
  send(s, std::make_shared<const std::string>(reply_frame(id, "subscribed", std::move(o))));
  for (const auto& e : *replay)
    deliver(s, *e, creds, false);
}

void feed_hub::subscribe(uint64_t id, json::value request_id, feed_filter filter, std::optional<resume_point> from) {
  std::string fetch_for;
  uint64_t version = 0;
  {
    std::lock_guard<std::mutex> g{mutex_};
    auto it = sessions_.find(id);
    if (it == sessions_.end())
      return;
    auto& s = it->second;
    s.subscribed = false;
    s.filter = std::move(filter);
    auto& w = workers_[s.worker_id];
    if (!s.filter.qualified_only || w.creds) {
      complete(s, request_id, from);
      return;
    }
    bool asked = w.fetches > w.applied;   // a read is on its way: it completes this one too
    s.pending = pending_subscribe{std::move(request_id), std::move(from)};
    if (!asked) {
      fetch_for = s.worker_id;
      version = w.fetches = ++fetch_versions_;
    }
  }
  if (!fetch_for.empty())
    fetch(fetch_for, version);
}

void feed_hub::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> g{mutex_};
  if (auto it = sessions_.find(id); it != sessions_.end()) {
    it->second.subscribed = false;
    it->second.pending.reset();
  }
}

void feed_hub::on_event(const event& e) {
  std::string fetch_for;
  uint64_t version = 0;
  {
    std::lock_guard<std::mutex> g{mutex_};
    ++counters_.events;
    if (auto fe = view_.apply(e)) {
      ++counters_.feed_events;
      for (auto& [id, s] : sessions_) {
        if (!s.subscribed || s.refused)
          continue;
        const worker_credentials* creds = nullptr;
        if (s.filter.qualified_only)
          if (auto w = workers_.find(s.worker_id); w != workers_.end())
            creds = w->second.creds.get();
        deliver(s, *fe, creds);
      }
    }
    if (!e.worker_id.empty()) {
      auto w = workers_.find(e.worker_id);
      if (w != workers_.end() && is_personal(e.type)) {
        auto frame = personal_frame(e);
        if (!frame.empty()) {
          auto shared = std::make_shared<const std::string>(std::move(frame));   // once for all its sessions
          for (auto id : w->second.sessions)
            send(sessions_.at(id), shared);
        }
      }
      if (changes_credentials(e.type)) {
        mark(e.worker_id, e.seq);
        if (w != workers_.end() && wants_credentials(w->second)) {
          fetch_for = e.worker_id;
          version = w->second.fetches = ++fetch_versions_;
        }
      }
    }
  }
  if (!fetch_for.empty())
    fetch(fetch_for, version);
}

size_t feed_hub::heartbeat() {
  auto now = engine_.now();
  std::lock_guard<std::mutex> g{mutex_};
  json::object o;
  o["type"] = "heartbeat";
  o["position"] = view_.position();
  o["epoch"] = epoch_;
  o["time"] = now;
  auto frame = std::make_shared<const std::string>(json::serialize(o));
  size_t n = 0;
  for (auto& [id, s] : sessions_) {
    if (s.refused)
      continue;
    send(s, frame);
    ++n;
  }
  return n;
}

std::shared_ptr<const hit_definition> feed_hub::offered(const std::string& hit_id) const {
  auto number = parse_id(id_kind::hit, hit_id);
  if (!number)
    return nullptr;
  std::lock_guard<std::mutex> g{mutex_};
  auto it = view_.hits().find(*number);
  return it == view_.hits().end() ? nullptr : it->second.def;
}

feed_hub_stats feed_hub::stats() const {
  std::lock_guard<std::mutex> g{mutex_};
  auto s = counters_;
  s.sessions = sessions_.size();
  s.subscribed = 0;
  for (const auto& [id, x] : sessions_)
    s.subscribed += x.subscribed ? 1 : 0;
  s.hits = view_.hits().size();
  s.history_events = view_.history_size();
  s.history_bytes = view_.history_bytes();
  s.position = view_.position();
  return s;
}

} // namespace hitd::gateway
