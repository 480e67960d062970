// The MTurk notifier (gateway/mturk/notifier.hpp) on the real in-memory
// engine, delivering through the gateway's http_client to a real HTTP
// receiver on 127.0.0.1: which events reach a destination, the document's
// shape, deactivation, retries, a receiver that is down, validate() and
// send_test(). Waits are bounded; only loopback addresses are used.

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <algorithm>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../actors/engine_fixture.hpp"
#include "hitd/gateway/http_client.hpp"
#include "hitd/gateway/mturk/notifier.hpp"

namespace hitd::gateway_mturk {
namespace {

namespace json = boost::json;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using hitd::test::engine_harness;
using hitd::test::must;

constexpr auto wait_limit = std::chrono::seconds(20);

// An HTTP server on 127.0.0.1 that records every request and answers each
// with the next scripted status (200 once the script is used up).
class receiver {
public:
  struct request {
    std::string target;
    std::string content_type;
    std::string body;
  };

  receiver() : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~receiver() {
    stop_ = true;
    // Wake the blocking accept with a connection of our own.
    try {
      net::io_context io;
      tcp::socket s(io);
      s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    } catch (...) {
    }
    thread_.join();
  }

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void script(std::vector<unsigned> statuses) {
    std::lock_guard<std::mutex> g{m_};
    script_.assign(statuses.begin(), statuses.end());
  }
  std::vector<request> requests() const {
    std::lock_guard<std::mutex> g{m_};
    return requests_;
  }
  // Waits until at least n requests came; false after the time limit.
  bool wait_for(size_t n) {
    std::unique_lock<std::mutex> g{m_};
    return cv_.wait_for(g, wait_limit, [&] { return requests_.size() >= n; });
  }

private:
  void serve() {
    while (!stop_) {
      tcp::socket s(io_);
      beast::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_)
        continue;
      beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(s, buf, req, ec);
      if (ec)
        continue;
      unsigned status = 200;
      {
        std::lock_guard<std::mutex> g{m_};
        if (!script_.empty()) {
          status = script_.front();
          script_.pop_front();
        }
        requests_.push_back({std::string(req.target()), std::string(req[http::field::content_type]), req.body()});
      }
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.set(http::field::connection, "close");
      res.body() = status == 200 ? "" : "no";
      res.prepare_payload();
      http::write(s, res, ec);
      s.shutdown(tcp::socket::shutdown_both, ec);
      cv_.notify_all();
    }
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::deque<unsigned> script_;
  std::vector<request> requests_;
};

// A port on 127.0.0.1 that nothing listens on.
uint16_t closed_port() {
  net::io_context io;
  tcp::acceptor a(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

notification_spec spec_for(const std::string& url, std::vector<std::string> types,
                           std::string version = "2006-05-05", std::string transport = "SQS") {
  notification_spec s;
  s.destination = url;
  s.transport = std::move(transport);
  s.version = std::move(version);
  s.event_types = std::move(types);
  return s;
}

class notifier_test : public ::testing::Test {
protected:
  notifier_test() { opts.first_retry_ms = 20; }

  void start() {
    n = std::make_unique<notifier>(*h, client, opts);
    n->start();
  }
  void TearDown() override {
    if (n)
      n->stop();
  }

  // Waits until the notifier looked at every event the engine published and
  // has no delivery in flight or waiting.
  void settle() {
    h->drain();
    auto until = std::chrono::steady_clock::now() + wait_limit;
    for (;;) {
      auto s = n->stats();
      if (s.last_seq >= h->last_event_seq() && s.events_handled == s.events_seen && s.in_flight == 0 &&
          s.waiting == 0)
        return;
      ASSERT_LT(std::chrono::steady_clock::now(), until) << "the notifier did not settle";
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  void set(const std::string& requester, const std::string& type, const notification_spec& spec) {
    ASSERT_TRUE(n->validate(spec).ok()) << n->validate(spec).err().message;
    must(h->update_notification_settings(requester, type, spec, std::nullopt), "update_notification_settings");
    n->settings_changed(type);
  }

  engine_harness h;
  gateway::http_client client;
  receiver rx;
  notifier_options opts;
  std::unique_ptr<notifier> n;
};

json::object parse(const std::string& body) { return json::parse(body).as_object(); }
std::string str(const json::value& v) { return std::string(v.as_string()); }

TEST_F(notifier_test, DeliversExactlyTheChosenEventsOfTheHitType) {
  start();
  auto r = h.requester();
  auto type = h.hit_type(r);
  auto other_props = engine_harness::props();
  other_props.title = "Another kind of work";
  auto other_type = h.hit_type(r, other_props);
  set(r, type, spec_for(rx.url("/hook?queue=1"), {"AssignmentAccepted", "AssignmentSubmitted"}));

  auto hit = h.hit_of_type(r, type);
  auto other_hit = h.hit_of_type(r, other_type);
  auto w = h.veteran();
  auto a = h.submitted(w, hit.hit_id);
  h.submitted(w, other_hit.hit_id);
  h.approve(r, a);
  settle();

  auto got = rx.requests();
  ASSERT_EQ(got.size(), 2u);
  std::vector<std::string> types;
  for (const auto& req : got) {
    EXPECT_EQ(req.target, "/hook?queue=1");
    EXPECT_EQ(req.content_type, "application/json");
    auto doc = parse(req.body);
    EXPECT_EQ(str(doc.at("EventDocVersion")), "2006-05-05");
    EXPECT_EQ(str(doc.at("CustomerId")), r);
    EXPECT_FALSE(str(doc.at("EventDocId")).empty());
    auto& events = doc.at("Events").as_array();
    ASSERT_EQ(events.size(), 1u);
    auto& e = events[0].as_object();
    types.push_back(str(e.at("EventType")));
    EXPECT_EQ(str(e.at("HITId")), hit.hit_id);
    EXPECT_EQ(str(e.at("AssignmentId")), a);
    EXPECT_EQ(str(e.at("HITTypeId")), type);
    EXPECT_EQ(str(e.at("HITGroupId")), type);
    EXPECT_EQ(str(e.at("WorkerId")), w);
    EXPECT_EQ(str(e.at("EventTimestamp")), "2026-01-01T00:00:00Z");   // the manual clock's start
  }
  std::sort(types.begin(), types.end());
  EXPECT_EQ(types, (std::vector<std::string>{"AssignmentAccepted", "AssignmentSubmitted"}));
  auto s = n->stats();
  EXPECT_EQ(s.documents_sent, 2u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_GE(s.events_seen, 6u);   // created x2, accepted x2, submitted x2, approved, reviewable ...

  // Deactivated: nothing more.
  must(h->update_notification_settings(r, type, std::nullopt, false), "deactivate");
  n->settings_changed(type);
  auto hit2 = h.hit_of_type(r, type);
  h.submitted(w, hit2.hit_id);
  settle();
  EXPECT_EQ(rx.requests().size(), 2u);

  // Active again: delivered again.
  must(h->update_notification_settings(r, type, std::nullopt, true), "activate");
  n->settings_changed(type);
  auto hit3 = h.hit_of_type(r, type);
  h.accept(w, hit3.hit_id);
  settle();
  ASSERT_EQ(rx.requests().size(), 3u);
  EXPECT_EQ(str(parse(rx.requests()[2].body).at("Events").as_array()[0].at("HITId")), hit3.hit_id);
}

TEST_F(notifier_test, HitEventsCarryNoAssignment) {
  start();
  auto r = h.requester();
  auto type = h.hit_type(r);
  set(r, type, spec_for(rx.url(), {"HITCreated", "HITExpired"}, "2006-05-05", "HTTP"));
  auto hit = h.hit_of_type(r, type, 1, 60);
  h->advance_clock(seconds(61));
  settle();
  auto got = rx.requests();
  ASSERT_EQ(got.size(), 2u);
  std::vector<std::string> types;
  for (const auto& req : got) {
    auto e = parse(req.body).at("Events").as_array()[0].as_object();
    types.push_back(str(e.at("EventType")));
    EXPECT_EQ(str(e.at("HITId")), hit.hit_id);
    EXPECT_FALSE(e.contains("AssignmentId"));
  }
  std::sort(types.begin(), types.end());
  EXPECT_EQ(types, (std::vector<std::string>{"HITCreated", "HITExpired"}));
}

TEST_F(notifier_test, RetriesUntilTheReceiverTakesIt) {
  rx.script({500, 500});
  start();
  auto r = h.requester();
  auto type = h.hit_type(r);
  set(r, type, spec_for(rx.url(), {"HITCreated"}));
  h.hit_of_type(r, type);
  ASSERT_TRUE(rx.wait_for(3));
  settle();
  auto got = rx.requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].body, got[1].body);   // the same document, EventDocId included
  EXPECT_EQ(got[1].body, got[2].body);
  auto s = n->stats();
  EXPECT_EQ(s.retries, 2u);
  EXPECT_EQ(s.documents_sent, 1u);
  EXPECT_EQ(s.failures, 0u);
}

TEST_F(notifier_test, GivesUpOnAReceiverThatIsDownWithoutBlockingTheEngine) {
  opts.attempts_max = 3;
  opts.first_retry_ms = 10;
  start();
  auto r = h.requester();
  auto type = h.hit_type(r);
  set(r, type, spec_for("http://127.0.0.1:" + std::to_string(closed_port()) + "/", {"HITCreated"}));
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i)
    h.hit_of_type(r, type);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  settle();
  auto s = n->stats();
  EXPECT_EQ(s.failures, 5u);
  EXPECT_EQ(s.retries, 10u);   // attempts 2 and 3 of each
  EXPECT_EQ(s.documents_sent, 0u);
}

TEST_F(notifier_test, EventsOfOtherTypesWithoutSettingsAreIgnored) {
  start();
  auto r = h.requester();
  auto type = h.hit_type(r);
  auto hit = h.hit_of_type(r, type);
  h.submitted(h.veteran(), hit.hit_id);
  settle();
  EXPECT_EQ(rx.requests().size(), 0u);
  EXPECT_EQ(n->stats().documents_sent, 0u);
}

TEST_F(notifier_test, ValidateRefusesWhatHitdCannotDeliver) {
  start();
  auto ok = spec_for(rx.url(), {"AssignmentSubmitted"});
  EXPECT_TRUE(n->validate(ok).ok());
  EXPECT_TRUE(n->validate(spec_for("http://localhost:8080/x", {"HITReviewable"}, "2014-08-15", "SNS")).ok());
  EXPECT_TRUE(n->validate(spec_for("http://[::1]:8080/", {"HITReviewable"}, "2014-08-15", "HTTP")).ok());
  EXPECT_TRUE(n->validate(spec_for("http://127.10.0.1/", {"HITReviewable"})).ok());

  auto refused = [&](const notification_spec& s, const std::string& part) {
    auto v = n->validate(s);
    ASSERT_FALSE(v.ok()) << s.destination << " " << s.transport;
    EXPECT_EQ(v.err().code, errc::invalid_parameter_value);
    EXPECT_NE(v.err().message.find(part), std::string::npos) << v.err().message;
  };
  refused(spec_for("someone@example.com", {"HITReviewable"}, "2006-05-05", "Email"), "does not send e-mail");
  refused(spec_for("https://127.0.0.1/", {"HITReviewable"}), "https");
  refused(spec_for("http://10.0.0.1/", {"HITReviewable"}), "not allowed");
  refused(spec_for("http://example.com/", {"HITReviewable"}), "not allowed");
  refused(spec_for("http://127.0.0.1.example.com/", {"HITReviewable"}), "not allowed");
  refused(spec_for("http://user@127.0.0.1/", {"HITReviewable"}), "user information");
  refused(spec_for("ftp://127.0.0.1/", {"HITReviewable"}), "http://");
  refused(spec_for("http://127.0.0.1:99999/", {"HITReviewable"}), "port");
  refused(spec_for(rx.url(), {"AssignmentFinished"}), "unknown event type");
  refused(spec_for(rx.url(), {"Ping"}), "Ping");
  refused(spec_for(rx.url(), {}), "EventTypes");
  refused(spec_for(rx.url(), {"HITReviewable"}, "2020-01-01"), "Version");
  refused(spec_for(rx.url(), {"HITReviewable"}, "2006-05-05", "REST"), "Transport");

  // An operator may allow other hosts.
  notifier_options wide;
  wide.allowed_hosts = {"10.0.0.0/8"};
  notifier other(*h, client, wide);
  EXPECT_TRUE(other.validate(spec_for("http://10.1.2.3/", {"HITReviewable"})).ok());
  EXPECT_FALSE(other.validate(spec_for("http://11.1.2.3/", {"HITReviewable"})).ok());
}

TEST_F(notifier_test, SendTestDeliversAPingAndReportsAClosedPort) {
  start();
  auto r = h.requester();
  std::promise<status> p1;
  n->send_test(r, spec_for(rx.url("/ping"), {"AssignmentSubmitted"}, "2014-08-15"), "Ping",
               [&](status s) { p1.set_value(std::move(s)); });
  auto f1 = p1.get_future();
  ASSERT_EQ(f1.wait_for(wait_limit), std::future_status::ready);
  auto s1 = f1.get();
  ASSERT_TRUE(s1.ok()) << s1.err().message;
  ASSERT_EQ(rx.requests().size(), 1u);
  auto doc = parse(rx.requests()[0].body);
  EXPECT_EQ(rx.requests()[0].target, "/ping");
  EXPECT_EQ(str(doc.at("EventDocVersion")), "2014-08-15");
  auto e = doc.at("Events").as_array()[0].as_object();
  EXPECT_EQ(str(e.at("EventType")), "Ping");
  EXPECT_EQ(str(e.at("HITId")).rfind("TESTHIT", 0), 0u);
  EXPECT_EQ(str(e.at("EventTimestamp")), "2026-01-01T00:00:00Z");

  // A test of a real event type.
  std::promise<status> p2;
  n->send_test(r, spec_for(rx.url(), {"AssignmentSubmitted"}), "AssignmentSubmitted",
               [&](status s) { p2.set_value(std::move(s)); });
  auto f2 = p2.get_future();
  ASSERT_EQ(f2.wait_for(wait_limit), std::future_status::ready);
  EXPECT_TRUE(f2.get().ok());
  EXPECT_EQ(str(parse(rx.requests()[1].body).at("Events").as_array()[0].at("EventType")), "AssignmentSubmitted");

  // Nobody listening: one attempt, an error naming the destination.
  auto closed = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  std::promise<status> p3;
  n->send_test(r, spec_for(closed, {"AssignmentSubmitted"}), "Ping", [&](status s) { p3.set_value(std::move(s)); });
  auto f3 = p3.get_future();
  ASSERT_EQ(f3.wait_for(wait_limit), std::future_status::ready);
  auto s3 = f3.get();
  ASSERT_FALSE(s3.ok());
  EXPECT_EQ(s3.err().code, errc::invalid_parameter_value);
  EXPECT_EQ(s3.err().message.rfind("could not deliver the test notification to " + closed + ": ", 0), 0u)
    << s3.err().message;

  // A receiver that refuses: the status is in the message.
  rx.script({503});
  std::promise<status> p4;
  n->send_test(r, spec_for(rx.url(), {"HITCreated"}), "Ping", [&](status s) { p4.set_value(std::move(s)); });
  auto f4 = p4.get_future();
  ASSERT_EQ(f4.wait_for(wait_limit), std::future_status::ready);
  auto s4 = f4.get();
  ASSERT_FALSE(s4.ok());
  EXPECT_NE(s4.err().message.find("503"), std::string::npos) << s4.err().message;

  // Refused before any delivery: validation, unknown test type.
  std::promise<status> p5;
  n->send_test(r, spec_for("http://10.0.0.1/", {"HITCreated"}), "Ping", [&](status s) { p5.set_value(std::move(s)); });
  auto s5 = p5.get_future().get();
  EXPECT_FALSE(s5.ok());
  std::promise<status> p6;
  n->send_test(r, spec_for(rx.url(), {"HITCreated"}), "Pong", [&](status s) { p6.set_value(std::move(s)); });
  EXPECT_FALSE(p6.get_future().get().ok());
  EXPECT_EQ(rx.requests().size(), 3u);
}

TEST_F(notifier_test, AFullQueueDropsAndCounts) {
  opts.queue_max = 1;
  opts.in_flight_max = 1;
  opts.documents_max = 1;
  start();
  auto r = h.requester();
  auto type = h.hit_type(r);
  set(r, type, spec_for(rx.url(), {"HITCreated"}));
  for (int i = 0; i < 20; ++i)
    h.hit_of_type(r, type);
  settle();
  auto s = n->stats();
  EXPECT_EQ(s.events_seen, 20u);
  EXPECT_EQ(s.documents_sent + s.dropped, 20u);
  EXPECT_EQ(rx.requests().size(), s.documents_sent);
}

TEST_F(notifier_test, StopIsBoundedAndLateAnswersAreHarmless) {
  opts.first_retry_ms = 60'000;   // a retry that stop() abandons
  start();
  auto r = h.requester();
  auto type = h.hit_type(r);
  rx.script({500});
  set(r, type, spec_for(rx.url(), {"HITCreated"}));
  h.hit_of_type(r, type);
  ASSERT_TRUE(rx.wait_for(1));
  auto until = std::chrono::steady_clock::now() + wait_limit;
  while (n->stats().retries < 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), until);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto t0 = std::chrono::steady_clock::now();
  n->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(n->stats().abandoned, 1u);
  n.reset();
  h.hit_of_type(r, type);   // no subscriber left to call
  h->drain();
}

// A listener on 127.0.0.1 that accepts connections and never answers.
class silent_listener {
public:
  silent_listener() : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~silent_listener() {
    net::post(io_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      held_.clear();
    });
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec)
        return;
      held_.push_back(std::make_unique<tcp::socket>(std::move(s)));
      accept();
    });
  }
  net::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<tcp::socket>> held_;
  std::thread thread_;
};

TEST(http_client, ARequestWithoutAnAnswerEndsAtTheTimeout) {
  silent_listener silent;
  gateway::http_client_options o;
  o.timeout = std::chrono::milliseconds(200);
  gateway::http_client c(o);
  std::promise<status> p;
  auto t0 = std::chrono::steady_clock::now();
  c.post(silent.url(), "application/json", "{}", [&](status s) { p.set_value(std::move(s)); });
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(wait_limit), std::future_status::ready);
  auto s = f.get();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.err().message.find("no answer within 200 ms"), std::string::npos) << s.err().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // Names are not resolved.
  std::promise<status> p2;
  c.post("http://example.invalid/", "application/json", "{}", [&](status r) { p2.set_value(std::move(r)); });
  auto s2 = p2.get_future().get();
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.err().message.find("not a numeric address"), std::string::npos) << s2.err().message;
}

TEST(http_client, DestroyedWithARequestInFlightAnswersIt) {
  silent_listener silent;
  std::promise<status> p;
  {
    gateway::http_client c;   // 5 s timeout: the destructor must not wait for it
    c.post(silent.url(), "application/json", "{}", [&](status s) { p.set_value(std::move(s)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));   // let it connect (not required)
  }
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_FALSE(f.get().ok());
}

TEST(notifier_lifetime, ADeliveryAnsweredAfterTheNotifierIsGoneIsHarmless) {
  engine_harness h;
  silent_listener silent;
  gateway::http_client_options co;
  co.timeout = std::chrono::milliseconds(2500);   // answers after stop()'s 2 s wait
  gateway::http_client c(co);
  auto r = h.requester();
  auto type = h.hit_type(r);
  must(h->update_notification_settings(r, type, spec_for(silent.url(), {"HITCreated"}), std::nullopt), "settings");
  {
    notifier n(*h, c);
    n.start();
    h.hit_of_type(r, type);
    auto until = std::chrono::steady_clock::now() + wait_limit;
    while (n.stats().in_flight < 1) {
      ASSERT_LT(std::chrono::steady_clock::now(), until);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    auto t0 = std::chrono::steady_clock::now();
    n.stop();
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(took, std::chrono::milliseconds(1900));
    EXPECT_LT(took, std::chrono::seconds(3));
    EXPECT_EQ(n.stats().in_flight, 1u);
  }
  // The client answers the delivery now, with the notifier destroyed.
  auto until = std::chrono::steady_clock::now() + wait_limit;
  while (c.stats().in_flight > 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), until);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(c.stats().failed, 1u);
}

TEST(http_url, Parses) {
  auto u = parse_http_url("http://127.0.0.1:8080/a/b?c=d");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/a/b?c=d");
  u = parse_http_url("HTTP://localhost");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");
  u = parse_http_url("http://[::1]:9/?x");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9);
  EXPECT_EQ(u->target, "/?x");
  EXPECT_FALSE(parse_http_url("http://").ok());
  EXPECT_FALSE(parse_http_url("http://h:/").ok());
  EXPECT_FALSE(parse_http_url("http://h:0/").ok());
  EXPECT_FALSE(parse_http_url("http://h/a b").ok());
  EXPECT_FALSE(parse_http_url("http://h/#f").ok());
}

} // namespace
} // namespace hitd::gateway_mturk
