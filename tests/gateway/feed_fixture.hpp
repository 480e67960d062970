#pragma once
// The worker feed under test: a real in-memory engine on a manual clock
// (tests/actors/engine_fixture.hpp), a feed_hub over it, and clients that
// are protocol_handlers with a recording sink instead of a socket. Waits are
// bounded (a condition or a time limit that fails the test), never sleeps
// taken as proof.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../actors/engine_fixture.hpp"
#include "hitd/gateway/feed/question_links.hpp"
#include "hitd/gateway/feed/engine_port.hpp"
#include "hitd/gateway/feed/feed_hub.hpp"
#include "hitd/gateway/feed/protocol_handler.hpp"

namespace hitd::gateway::test {

namespace json = boost::json;
using hitd::test::engine_harness;
using hitd::test::harness_options;
using hitd::test::must;

inline constexpr std::chrono::seconds wait_limit{20};

// A session_sink that records every frame (parsed), optionally refusing
// after `limit` frames like a full queue.
class recording_sink final : public session_sink {
public:
  bool send(std::shared_ptr<const std::string> frame) override {
    std::lock_guard<std::mutex> g{mutex_};
    if (closed_ || (limit_ && frames_.size() >= limit_))
      return false;
    raw_.push_back(frame);
    frames_.push_back(json::parse(*frame).as_object());
    changed_.notify_all();
    return true;
  }
  void post(std::function<void()> fn) override { fn(); }
  uint64_t id() const override { return 1; }
  void close(uint16_t code, std::string reason) override {
    std::lock_guard<std::mutex> g{mutex_};
    closed_ = true;
    close_code_ = code;
    close_reason_ = std::move(reason);
    changed_.notify_all();
  }
  void set_limit(size_t n) {
    std::lock_guard<std::mutex> g{mutex_};
    limit_ = n;
  }
  std::vector<json::object> frames() const {
    std::lock_guard<std::mutex> g{mutex_};
    return frames_;
  }
  std::vector<std::shared_ptr<const std::string>> raw() const {
    std::lock_guard<std::mutex> g{mutex_};
    return raw_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> g{mutex_};
    return frames_.size();
  }
  // Waits until some frame at index >= from satisfies pred; returns it, or
  // fails the test after the time limit.
  json::object wait_for(const std::function<bool(const json::object&)>& pred, const std::string& what,
                        size_t from = 0) {
    std::unique_lock<std::mutex> g{mutex_};
    json::object found;
    bool ok = changed_.wait_for(g, wait_limit, [&] {
      for (size_t i = from; i < frames_.size(); ++i)
        if (pred(frames_[i])) {
          found = frames_[i];
          return true;
        }
      return false;
    });
    if (!ok) {
      ADD_FAILURE() << "no frame came: " << what << "; frames so far:";
      for (const auto& f : frames_)
        ADD_FAILURE() << "  " << json::serialize(f);
    }
    return found;
  }

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<json::object> frames_;
  std::vector<std::shared_ptr<const std::string>> raw_;
  size_t limit_ = 0;
  bool closed_ = false;
  uint16_t close_code_ = 0;
  std::string close_reason_;
};

inline std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : std::string{};
}
inline std::string type_of(const json::object& f) {
  auto* t = f.if_contains("type");
  return t ? str(*t) : std::string{};
}
inline bool has_id(const json::object& f, const std::string& id) {
  auto* i = f.if_contains("id");
  return i && i->is_string() && i->get_string() == id;
}
// The HIT id a feed event is about.
inline std::string hit_of(const json::object& f) {
  if (auto* h = f.if_contains("hit_id"))
    return str(*h);
  if (auto* h = f.if_contains("hit"); h && h->is_object())
    return str(h->get_object().at("hit_id"));
  return {};
}
inline bool is_feed_event(const json::object& f) {
  auto t = type_of(f);
  return t == "hit.available" || t == "hit.updated" || t == "hit.expired";
}

struct client {
  std::shared_ptr<recording_sink> sink = std::make_shared<recording_sink>();
  std::unique_ptr<protocol_handler> handler;
  std::string worker_id;
  int next_id = 0;

  void send(const std::string& text) { handler->on_text(text); }
  // Sends a request with a fresh id; returns the id.
  std::string request(json::object req) {
    auto id = "r" + std::to_string(++next_id);
    req["id"] = id;
    handler->on_text(json::serialize(req));
    return id;
  }
  // The reply to request `id` (waits for it).
  json::object reply(const std::string& id) {
    return sink->wait_for([&](const json::object& f) { return has_id(f, id); }, "the reply to " + id);
  }
  json::object call(json::object req) { return reply(request(std::move(req))); }
  std::vector<json::object> feed_events() const {
    std::vector<json::object> out;
    for (auto& f : sink->frames())
      if (is_feed_event(f))
        out.push_back(f);
    return out;
  }
  void disconnect() { handler->on_close(); }
};

class feed_test : public ::testing::Test {
protected:
  explicit feed_test(harness_options ho = {}, feed_hub_options fo = {}) : h(ho), fo_(std::move(fo)) {}

  void SetUp() override {
    port = std::make_unique<engine_adapter>(*h.eng);
    hub = std::make_unique<feed_hub>(*port, fo_);
    must(hub->start(), "feed_hub::start");
  }
  void TearDown() override {
    clients.clear();
    hub.reset();
    port.reset();
  }

  client& connect(const std::string& worker_id) {
    auto c = std::make_unique<client>();
    c->worker_id = worker_id;
    c->handler = std::make_unique<protocol_handler>(*hub, *port, connection_info{0, worker_id, "test"}, c->sink,
                                                    command_observer{}, links);
    c->handler->on_open();
    clients.push_back(std::move(c));
    return *clients.back();
  }

  // Signs question links for the connections made after it is set.
  const question_links* links = nullptr;

  // Waits until the hub has seen every event the engine published.
  void settle() {
    h->drain();
    auto until = std::chrono::steady_clock::now() + wait_limit;
    while (hub->stats().position < h->last_event_seq()) {
      ASSERT_LT(std::chrono::steady_clock::now(), until) << "the hub did not catch up with the engine";
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  static json::object subscribe_req(json::object filters = {}) {
    json::object r;
    r["op"] = "subscribe";
    if (!filters.empty())
      r["filters"] = std::move(filters);
    return r;
  }

  engine_harness h;
  feed_hub_options fo_;
  std::unique_ptr<engine_adapter> port;
  std::unique_ptr<feed_hub> hub;
  std::vector<std::unique_ptr<client>> clients;
};

// The HIT ids in a snapshot reply.
inline std::vector<std::string> snapshot_hits(const json::object& reply) {
  std::vector<std::string> out;
  for (const auto& g : reply.at("groups").as_array())
    for (const auto& m : g.as_object().at("hits").as_array())
      out.push_back(str(m.as_object().at("hit_id")));
  return out;
}

} // namespace hitd::gateway::test
