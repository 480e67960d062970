#pragma once
// feed_hub: the market view shared by every connection, the subscriptions
// with their filters, and the fan-out. One per server. Thread-safe: engine
// events arrive on engine threads, subscribe/close on the transport's.
//
// Ordering: the hub sends under its lock (sinks only queue, see
// session_sink.hpp), so a session gets its snapshot (or resume reply and
// replay) and then exactly the feed events after that position, each once.
// Engine calls are made after the lock is released (an engine may answer on
// the calling thread).
//
// Credentials: a "qualified only" subscription needs the worker's
// credentials (engine::worker_credentials_of). The hub fetches them on
// subscribe and again after each event that may change them (grants,
// revokes, blocks, the worker's assignment events, which move its system
// qualifications), and then sends the session what that change shows or
// hides (hit.available, hit.expired with reason "not_eligible").

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include "hitd/gateway/feed/engine_port.hpp"
#include "hitd/gateway/feed/filter.hpp"
#include "hitd/gateway/feed/market_view.hpp"
#include "hitd/gateway/session_sink.hpp"

namespace hitd::gateway {

struct feed_hub_options {
  market_view_options view;
  std::string epoch;   // empty: a random one (a new one per server start)
};

// Where a client's feed state stands: the last position it has seen, in
// which epoch (the engine's event numbering starts again when the server
// restarts).
struct resume_point {
  uint64_t position = 0;
  std::string epoch;
};

struct feed_hub_stats {
  size_t sessions = 0;
  size_t subscribed = 0;
  size_t hits = 0;
  size_t history_events = 0;
  size_t history_bytes = 0;
  uint64_t position = 0;
  uint64_t events = 0;          // engine events seen
  uint64_t feed_events = 0;     // of which changed the feed
  uint64_t frames_sent = 0;
  uint64_t sends_refused = 0;   // a sink said no (closed or full)
};

class feed_hub {
public:
  explicit feed_hub(engine_port& engine, feed_hub_options o = {});
  // Stops listening and waits for its engine calls in flight.
  ~feed_hub();
  feed_hub(const feed_hub&) = delete;
  feed_hub& operator=(const feed_hub&) = delete;

  // Listens to the engine's events, then reads the HITs available now
  // (including those stored by an earlier run) into the view. Blocking: call
  // once, from a thread of your own, before sessions open.
  status start();

  // A connection of an authenticated worker; its personal stream starts now.
  uint64_t open(std::string worker_id, std::shared_ptr<session_sink> sink);
  void close(uint64_t session);

  // Starts or replaces the session's subscription. The reply to request `id`
  // (a snapshot, or a resume with its replay) and then the events go to the
  // session's sink; an error reply when the worker's credentials cannot be
  // read.
  void subscribe(uint64_t session, boost::json::value id, feed_filter filter, std::optional<resume_point> from);
  // Stops the session's HIT events (its personal stream goes on).
  void unsubscribe(uint64_t session);

  // One engine event (the engine subscription calls this; public for tests
  // that feed the hub by hand).
  void on_event(const event& e);

  // An application heartbeat to every session (the transport calls it on a
  // timer): {"type":"heartbeat","position":P,"epoch":..,"time":..}, one
  // shared frame. Every event up to P that matched a subscribed session has
  // been sent to it before the heartbeat, so a client may take P as its
  // position: a narrow filter then resumes inside the history however rarely
  // its own events come. Returns how many sessions it went to.
  size_t heartbeat();

  // The definition of a HIT the feed offers now (its requester, type,
  // properties and requirements), or nullptr when it offers no such HIT.
  std::shared_ptr<const hit_definition> offered(const std::string& hit_id) const;

  const std::string& epoch() const { return epoch_; }
  feed_hub_stats stats() const;

private:
  struct pending_subscribe {
    boost::json::value id;
    std::optional<resume_point> from;
  };
  struct session {
    std::string worker_id;
    std::shared_ptr<session_sink> sink;
    bool subscribed = false;
    bool refused = false;   // a send was refused: the transport closes it
    feed_filter filter;
    std::optional<pending_subscribe> pending;   // waits for credentials
  };
  struct worker_entry {
    std::set<uint64_t> sessions;
    std::shared_ptr<const worker_credentials> creds;
    // Credential reads are numbered hub-wide (a read asked for by an
    // earlier entry of the same worker may still come back).
    uint64_t fetches = 0;   // the newest read asked for
    uint64_t applied = 0;   // the newest read applied
  };

  // All under mutex_.
  void send(session& s, const std::shared_ptr<const std::string>& frame);
  // Sends the event if the session's filter shows it (dry_run: only says
  // whether it would).
  bool deliver(session& s, const feed_event& e, const worker_credentials* creds, bool dry_run = false);
  void complete(session& s, const boost::json::value& id, const std::optional<resume_point>& from);
  void send_snapshot(session& s, const boost::json::value& id, const char* reason);
  bool wants_credentials(const worker_entry& w) const;
  void mark(const std::string& worker_id, uint64_t position);
  uint64_t mark_of(const std::string& worker_id) const;

  // Outside the lock.
  void fetch(const std::string& worker_id, uint64_t version);
  void on_credentials(const std::string& worker_id, uint64_t version, result<worker_credentials> r);

  engine_port& engine_;
  feed_hub_options options_;
  std::string epoch_;
  uint64_t subscription_ = 0;
  bool started_ = false;

  mutable std::mutex mutex_;
  market_view view_;
  std::unordered_map<uint64_t, session> sessions_;
  std::unordered_map<std::string, worker_entry> workers_;
  uint64_t next_session_ = 1;
  uint64_t fetch_versions_ = 0;
  // The position of each worker's last credential change (bounded; older
  // ones fold into marks_floor_).
  std::unordered_map<std::string, uint64_t> marks_;
  std::deque<std::pair<std::string, uint64_t>> marks_order_;
  uint64_t marks_floor_ = 0;
  feed_hub_stats counters_;

  // Engine calls in flight (the destructor waits for them).
  std::mutex calls_mutex_;
  std::condition_variable calls_done_;
  int64_t calls_ = 0;
};

} // namespace hitd::gateway
