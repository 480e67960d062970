// The notifier (notifier.hpp): engine events -> MTurk event documents ->
// HTTP POST through a notification_sender, with retries. Plain C++ and
// Boost.JSON; docs/mturk-notifications.md describes what a receiver gets.
//
// Threads. The engine's subscriber callback (under the event bus's lock)
// copies the few fields a document needs into a bounded queue and wakes the
// notifier's own thread. That thread alone looks up settings (the blocking
// engine call, which is fine off the engine's threads), builds documents and
// posts them. A sender's completion (any thread) only updates counters and
// the retry schedule under the mutex and wakes the thread. Everything the
// callbacks touch lives in a shared `state` they hold weakly, so a late
// completion after the notifier is gone does nothing.

#include "hitd/gateway/mturk/notifier.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

namespace hitd::gateway_mturk {

namespace json = boost::json;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::string_view version_2006 = "2006-05-05";
constexpr std::string_view version_2014 = "2014-08-15";
constexpr int mturk_event_types = static_cast<int>(event_type::hit_expired) + 1;   // the first 11

bool is_mturk_event(event_type t) { return static_cast<int>(t) < mturk_event_types; }

bool known_event_type(std::string_view name) {
  for (int i = 0; i < mturk_event_types; ++i)
    if (event_type_name(static_cast<event_type>(i)) == name)
      return true;
  return false;
}

status invalid(std::string message) { return error{errc::invalid_parameter_value, std::move(message)}; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

// "a.b.c.d" -> the address, or nothing.
std::optional<uint32_t> parse_ipv4(std::string_view s) {
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9')
      return std::nullopt;
    uint32_t v = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<uint32_t>(s[i] - '0');
      if (++digits > 3 || v > 255)
        return std::nullopt;
      ++i;
    }
    out = (out << 8) | v;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.')
        return std::nullopt;
      ++i;
    }
  }
  if (i != s.size())
    return std::nullopt;
  return out;
}

// Whether `host` (as parse_http_url gives it) is one of the allowed hosts.
bool host_allowed(const std::string& host, const std::vector<std::string>& allowed) {
  auto v4 = parse_ipv4(host);
  for (const auto& a : allowed) {
    auto slash = a.find('/');
    if (slash != std::string::npos) {
      auto net = parse_ipv4(std::string_view(a).substr(0, slash));
      int bits = std::atoi(a.c_str() + slash + 1);
      if (!net || !v4 || bits < 0 || bits > 32)
        continue;
      uint32_t mask = bits == 0 ? 0u : ~uint32_t{0} << (32 - bits);
      if ((*net & mask) == (*v4 & mask))
        return true;
    } else if (iequals(a, host)) {
      return true;
    }
  }
  return false;
}

// 2014-12-10T21:58:43Z (seconds, UTC), as MTurk's documents write times.
std::string iso_time(timestamp t) {
  std::time_t secs = static_cast<std::time_t>(t >= 0 ? t / 1000 : (t - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// What a document needs of one engine event.
struct event_copy {
  event_type type = event_type::hit_created;
  timestamp time = 0;
  std::string requester_id;
  std::string hit_type_id;
  std::string hit_id;
  std::string assignment_id;
  std::string worker_id;
};

// One document on its way: where, what, how many attempts so far.
struct delivery {
  std::string url;
  std::string body;
  uint32_t attempts = 0;   // made so far
  steady::time_point due{};
};

struct later_due {
  bool operator()(const delivery& a, const delivery& b) const { return a.due > b.due; }
};

std::string new_doc_id() {
  // Unique enough for a receiver to deduplicate with: 128 random bits.
  static std::mutex m;
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t a, b;
  {
    std::lock_guard<std::mutex> g{m};
    a = rng();
    b = rng();
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

// MTurk's event document (EventDocVersion 2014-08-15, the JSON body of an
// SQS message / SNS notification): one object with Events, an array of
// events, and the document's own fields. The same JSON is used for
// 2006-05-05 (docs/mturk-notifications.md says why).
std::string document(const std::string& requester_id, const std::string& version, const json::array& events) {
  json::object doc;
  doc["Events"] = events;
  doc["EventDocId"] = new_doc_id();
  doc["SourceAccount"] = requester_id;
  doc["CustomerId"] = requester_id;
  doc["EventDocVersion"] = version;
  return json::serialize(doc);
}

json::object event_json(std::string_view type, timestamp time, const std::string& hit_type_id,
                        const std::string& hit_id, const std::string& assignment_id, const std::string& worker_id) {
  json::object e;
  e["EventType"] = type;
  e["EventTimestamp"] = iso_time(time);
  if (!hit_id.empty())
    e["HITId"] = hit_id;
  if (!assignment_id.empty())
    e["AssignmentId"] = assignment_id;
  if (!hit_type_id.empty()) {
    e["HITTypeId"] = hit_type_id;
    e["HITGroupId"] = hit_type_id;   // in hitd a HIT type's id is also its group's
  }
  if (!worker_id.empty())
    e["WorkerId"] = worker_id;
  return e;
}

status validate_spec(const notification_spec& spec, const notifier_options& opts, bool allow_ping) {
  if (spec.transport == "Email")
    return invalid("hitd does not send e-mail; use an http:// Destination with Transport SQS, SNS or HTTP");
  if (spec.transport != "SQS" && spec.transport != "SNS" && spec.transport != "HTTP")
    return invalid("Transport must be SQS, SNS or HTTP (hitd delivers each by HTTP POST to the Destination URL), not '" +
                   spec.transport + "'");
  if (spec.version != version_2006 && spec.version != version_2014)
    return invalid("Version must be 2006-05-05 or 2014-08-15, not '" + spec.version + "'");
  auto url = parse_http_url(spec.destination);
  if (!url.ok())
    return url.err();
  // A requester names the destination, and the server posts to it: without
  // this list a requester could make hitd send requests to any host the
  // server can reach (its private network, cloud metadata endpoints, ...).
  // Operators widen it in notifier_options::allowed_hosts.
  if (!host_allowed(url->host, opts.allowed_hosts))
    return invalid("Destination host '" + url->host + "' is not allowed (this server delivers notifications only to " +
                   [&] {
                     std::string s;
                     for (const auto& h : opts.allowed_hosts)
                       s += (s.empty() ? "" : ", ") + h;
                     return s;
                   }() + ")");
  if (spec.event_types.empty())
    return invalid("EventTypes must name at least one event type");
  for (const auto& t : spec.event_types) {
    if (t == "Ping") {
      if (!allow_ping)
        return invalid("the Ping event type is only valid for SendTestEventNotification");
    } else if (!known_event_type(t)) {
      return invalid("unknown event type '" + t + "'");
    }
  }
  return done{};
}

} // namespace

result<http_url> parse_http_url(std::string_view url) {
  auto bad = [&](const std::string& why) -> result<http_url> {
    return error{errc::invalid_parameter_value, "Destination '" + std::string(url) + "' " + why};
  };
  constexpr std::string_view http = "http://", https = "https://";
  if (url.size() >= https.size() && iequals(url.substr(0, https.size()), https))
    return bad("is https: hitd delivers notifications over plain http:// only");
  if (url.size() < http.size() || !iequals(url.substr(0, http.size()), http))
    return bad("is not an http:// URL");
  if (url.size() > 2048)
    return bad("is longer than 2048 characters");
  auto rest = url.substr(http.size());
  for (char c : rest)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return bad("contains spaces or control characters");
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  auto tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (authority.find('@') != std::string_view::npos)
    return bad("has user information");
  if (tail.find('#') != std::string_view::npos)
    return bad("has a fragment");
  http_url out;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return bad("has an unterminated IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return bad("has a malformed host");
      port = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
  }
  if (out.host.empty())
    return bad("has no host");
  if (!port.empty() || authority.find(':') != std::string_view::npos) {
    if (port.empty() || port.size() > 5)
      return bad("has a malformed port");
    unsigned v = 0;
    for (char c : port) {
      if (c < '0' || c > '9')
        return bad("has a malformed port");
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535)
      return bad("has a port out of range");
    out.port = static_cast<uint16_t>(v);
  }
  if (!tail.empty())
    out.target = tail.front() == '?' ? "/" + std::string(tail) : std::string(tail);
  return out;
}

// ---- the notifier ---------------------------------------------------------------------------

// Everything callbacks (the engine's subscriber, the sender's completions)
// may touch. Held by shared_ptr by the notifier and its thread, weakly by
// the callbacks.
struct notifier_state {
  explicit notifier_state(notifier_options o) : opts(std::move(o)) {}
  const notifier_options opts;

  std::mutex m;
  std::condition_variable wake;      // the thread: events, completions, stop
  std::condition_variable settled;   // stop(): in_flight reached zero
  bool stopping = false;

  std::deque<event_copy> events;                       // bounded by queue_max
  std::deque<delivery> ready;                          // to post when a slot frees
  std::priority_queue<delivery, std::vector<delivery>, later_due> retry_at;   // failed, waiting
  size_t in_flight = 0;

  // HIT type id -> its settings, least recently used at the back.
  struct cached {
    notification_settings settings;
    std::list<std::string>::iterator lru;
  };
  std::unordered_map<std::string, cached> cache;
  std::list<std::string> lru;
  uint64_t generation = 0;   // bumped by settings_changed: a lookup begun before it is not cached

  notifier_stats st;

  size_t waiting() const { return ready.size() + retry_at.size(); }

  // With m held: a completion of one attempt of d.
  void completed(delivery d, const status& s) {
    --in_flight;
    if (s.ok()) {
      ++st.documents_sent;
    } else if (d.attempts < opts.attempts_max && !stopping) {
      uint64_t delay = uint64_t{opts.first_retry_ms} << std::min<uint32_t>(d.attempts - 1, 20);
      d.due = steady::now() + std::chrono::milliseconds(delay);
      ++st.retries;
      retry_at.push(std::move(d));
    } else {
      ++st.failures;
    }
    wake.notify_all();
    if (in_flight == 0)
      settled.notify_all();
  }
};

struct notifier::impl {
  hitd::engine& engine;
  notification_sender& sender;
  std::shared_ptr<notifier_state> state;
  std::thread thread;
  std::optional<uint64_t> subscription;
  std::mutex control;   // start / stop

  impl(hitd::engine& e, notification_sender& s, notifier_options o)
      : engine(e), sender(s), state(std::make_shared<notifier_state>(std::move(o))) {}

  void run();
  std::optional<notification_settings> settings_for(const event_copy& e);
  void handle(const event_copy& e);
  void post(delivery d);
};

void notifier::impl::post(delivery d) {
  ++d.attempts;
  auto url = d.url, body = d.body;
  std::weak_ptr<notifier_state> weak = state;
  sender.post(std::move(url), "application/json", std::move(body), [weak, d = std::move(d)](status s) mutable {
    auto st = weak.lock();
    if (!st)
      return;
    std::lock_guard<std::mutex> g{st->m};
    st->completed(std::move(d), s);
  });
}

std::optional<notification_settings> notifier::impl::settings_for(const event_copy& e) {
  auto& s = *state;
  uint64_t gen;
  {
    std::lock_guard<std::mutex> g{s.m};
    auto it = s.cache.find(e.hit_type_id);
    if (it != s.cache.end()) {
      s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
      return it->second.settings;
    }
    gen = s.generation;
  }
  // On the notifier's thread, never an engine thread: blocking is allowed.
  auto r = engine.get_notification_settings(e.requester_id, e.hit_type_id);
  notification_settings got = r.ok() ? std::move(r).value() : notification_settings{};
  std::lock_guard<std::mutex> g{s.m};
  if (gen == s.generation && s.opts.settings_cache_max > 0) {
    while (s.cache.size() >= s.opts.settings_cache_max) {
      s.cache.erase(s.lru.back());
      s.lru.pop_back();
    }
    s.lru.push_front(e.hit_type_id);
    s.cache.emplace(e.hit_type_id, notifier_state::cached{got, s.lru.begin()});
  }
  return got;
}

void notifier::impl::handle(const event_copy& e) {
  auto settings = settings_for(e);
  if (!settings || !settings->active || !settings->spec)
    return;
  const auto& spec = *settings->spec;
  auto name = event_type_name(e.type);
  if (std::find(spec.event_types.begin(), spec.event_types.end(), name) == spec.event_types.end())
    return;
  // Settings recorded before they were validated (or when the allowed hosts
  // changed since) are not delivered.
  if (!validate_spec(spec, state->opts, false).ok())
    return;
  // One event per document (MTurk may batch; a receiver must accept both).
  json::array events;
  events.push_back(event_json(name, e.time, e.hit_type_id, e.hit_id, e.assignment_id, e.worker_id));
  delivery d;
  d.url = spec.destination;
  d.body = document(e.requester_id, spec.version, events);
  std::lock_guard<std::mutex> g{state->m};
  if (state->waiting() >= state->opts.documents_max) {
    ++state->st.dropped;
    return;
  }
  state->ready.push_back(std::move(d));
}

void notifier::impl::run() {
  auto& s = *state;
  std::unique_lock<std::mutex> lock{s.m};
  for (;;) {
    // Failed deliveries whose backoff is over go back in line.
    auto now = steady::now();
    while (!s.retry_at.empty() && s.retry_at.top().due <= now) {
      s.ready.push_back(s.retry_at.top());
      s.retry_at.pop();
    }
    if (s.stopping)
      return;
    // Post what the slots allow.
    if (!s.ready.empty() && s.in_flight < s.opts.in_flight_max) {
      std::vector<delivery> batch;
      while (!s.ready.empty() && s.in_flight < s.opts.in_flight_max) {
        batch.push_back(std::move(s.ready.front()));
        s.ready.pop_front();
        ++s.in_flight;
      }
      lock.unlock();
      for (auto& d : batch)
        post(std::move(d));   // a sender may complete inline: it takes the lock itself
      lock.lock();
      continue;
    }
    // Look at the events (a few at a time, so deliveries are not starved).
    if (!s.events.empty()) {
      std::vector<event_copy> batch;
      while (!s.events.empty() && batch.size() < 64) {
        batch.push_back(std::move(s.events.front()));
        s.events.pop_front();
      }
      lock.unlock();
      for (const auto& e : batch)
        handle(e);
      lock.lock();
      s.st.events_handled += batch.size();
      continue;
    }
    // Nothing to do now: sleep until woken (an event, a completion, stop)
    // or until the next retry is due; the loop then looks again (a wake-up
    // may bring an earlier retry, so the deadline is recomputed each time).
    if (s.retry_at.empty())
      s.wake.wait(lock);
    else {
      auto due = s.retry_at.top().due;   // a copy: the heap changes while we wait
      s.wake.wait_until(lock, due);
    }
  }
}

notifier::notifier(hitd::engine& engine, notification_sender& sender, notifier_options opts)
    : impl_(std::make_unique<impl>(engine, sender, std::move(opts))) {}

notifier::~notifier() { stop(); }

void notifier::start() {
  std::lock_guard<std::mutex> g{impl_->control};
  if (impl_->subscription || impl_->thread.joinable())
    return;
  {
    std::lock_guard<std::mutex> sg{impl_->state->m};
    if (impl_->state->stopping)
      return;   // stopped for good
  }
  std::weak_ptr<notifier_state> weak = impl_->state;
  impl_->thread = std::thread([this] { impl_->run(); });
  // Runs under the engine's event bus lock: copy, enqueue, wake. No lookups.
  impl_->subscription = impl_->engine.subscribe([weak](const event& e) {
    auto st = weak.lock();
    if (!st)
      return;
    std::lock_guard<std::mutex> lg{st->m};
    st->st.last_seq = e.seq;
    if (!is_mturk_event(e.type) || st->stopping)
      return;
    auto type_id = e.hit_type_id();
    if (type_id.empty())
      return;
    ++st->st.events_seen;
    if (st->events.size() >= st->opts.queue_max) {
      ++st->st.dropped;
      ++st->st.events_handled;   // looked at, in the sense that it is done with
      return;
    }
    event_copy c;
    c.type = e.type;
    c.time = e.time;
    c.requester_id = e.requester_id.empty() && e.hit ? e.hit->requester_id : e.requester_id;
    c.hit_type_id = std::move(type_id);
    c.hit_id = e.hit_id();
    c.assignment_id = e.assignment_id();
    c.worker_id = e.worker_id;
    st->events.push_back(std::move(c));
    st->wake.notify_one();
  });
}

void notifier::stop() {
  std::lock_guard<std::mutex> g{impl_->control};
  if (impl_->subscription) {
    impl_->engine.unsubscribe(*impl_->subscription);
    impl_->subscription.reset();
  }
  auto& s = *impl_->state;
  {
    std::lock_guard<std::mutex> sg{s.m};
    s.stopping = true;
    s.wake.notify_all();
  }
  if (impl_->thread.joinable())
    impl_->thread.join();
  std::unique_lock<std::mutex> lock{s.m};
  // Deliveries posted and not answered: wait a little for them (a sender's
  // own timeout ends each); later answers find the state and only count.
  s.settled.wait_for(lock, std::chrono::seconds(2), [&] { return s.in_flight == 0; });
  s.st.abandoned += s.events.size() + s.waiting();
  s.events.clear();
  s.ready.clear();
  while (!s.retry_at.empty())
    s.retry_at.pop();
}

status notifier::validate(const notification_spec& spec) const {
  return validate_spec(spec, impl_->state->opts, false);
}

void notifier::settings_changed(const std::string& hit_type_id) {
  auto& s = *impl_->state;
  std::lock_guard<std::mutex> g{s.m};
  ++s.generation;
  auto it = s.cache.find(hit_type_id);
  if (it != s.cache.end()) {
    s.lru.erase(it->second.lru);
    s.cache.erase(it);
  }
}

void notifier::send_test(const std::string& requester_id, const notification_spec& spec,
                         const std::string& test_event_type, std::function<void(status)> done) {
  auto v = validate_spec(spec, impl_->state->opts, true);
  if (!v.ok())
    return done(std::move(v));
  if (test_event_type != "Ping" && !known_event_type(test_event_type))
    return done(invalid("unknown TestEventType '" + test_event_type + "'"));
  {
    std::lock_guard<std::mutex> g{impl_->state->m};
    if (impl_->state->stopping)
      return done(error{errc::shutting_down, "the notifier is stopped"});
  }
  // Made-up ids, as MTurk's test notifications carry.
  json::array events;
  events.push_back(event_json(test_event_type, impl_->engine.now(), "TESTHITTYPE0000000000000000000",
                              "TESTHIT00000000000000000000000", "TESTASSIGNMENT0000000000000000",
                              "TESTWORKER00000"));
  auto body = document(requester_id, spec.version, events);
  // One attempt: the caller is waiting for the answer.
  impl_->sender.post(spec.destination, "application/json", std::move(body),
                     [url = spec.destination, done = std::move(done)](status s) {
                       if (s.ok())
                         return done(hitd::done{});
                       // The Destination the requester gave does not take
                       // deliveries: a problem with the request's parameter,
                       // not a fault of the service (nothing to retry here).
                       done(error{errc::invalid_parameter_value,
                                  "could not deliver the test notification to " + url + ": " + s.err().message});
                     });
}

notifier_stats notifier::stats() const {
  auto& s = *impl_->state;
  std::lock_guard<std::mutex> g{s.m};
  auto out = s.st;
  out.in_flight = s.in_flight;
  out.waiting = s.waiting();
  return out;
}

} // namespace hitd::gateway_mturk
