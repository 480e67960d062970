// The live feed end to end over real sockets on 127.0.0.1: the hitd server's
// transport with the feed's protocol handler (as `hitd serve` wires them),
// a real engine on a manual clock, and Beast WebSocket clients. What the
// issue's "done when" asks of the feed: HITs appear for three workers; an
// accept lowers the assignments left for the others; an expiry reaches
// every subscriber; a worker that reconnects resumes with exactly what it
// missed; an unqualified worker never sees a HIT guarded by Discover; a
// submit and its approval reach the personal stream and the dashboard.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client.hpp"
#include "served_feed.hpp"

namespace hitd::gateway {
namespace {

namespace json = boost::json;
using hitd::test::engine_harness;
using hitd::test::must;
using testing::ws_client;

// One frame as JSON (an object), or an empty object when the read failed.
json::object next(ws_client& c) {
  auto text = c.read();
  if (text.empty())
    return {};
  return json::parse(text).as_object();
}

std::string str(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string{};
}
int64_t num(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_int64() ? it->value().as_int64() : -1;
}
std::string hit_id_of(const json::object& o) {
  if (auto it = o.find("hit"); it != o.end() && it->value().is_object())
    return str(it->value().as_object(), "hit_id");
  return str(o, "hit_id");
}

// The first frame of `seen` that satisfies pred, else reads frames until one
// does (at most 200, each read bounded by the client's timeout); every frame
// read is appended to `seen`. Only for frames that come once.
json::object read_until(ws_client& c, std::vector<json::object>& seen,
                        const std::function<bool(const json::object&)>& pred) {
  // Events and replies to one's own commands may come in either order.
  for (const auto& f : seen)
    if (pred(f))
      return f;
  for (int i = 0; i < 200; ++i) {
    auto f = next(c);
    if (f.empty())
      break;
    seen.push_back(f);
    if (pred(f))
      return f;
  }
  ADD_FAILURE() << "the awaited frame never came (" << seen.size() << " frames read; the last: "
                << (seen.empty() ? std::string{} : json::serialize(seen.back())) << "; " << c.last_error().message() << ")";
  return {};
}

auto is_type(std::string type, std::string hit = {}) {
  return [type = std::move(type), hit = std::move(hit)](const json::object& f) {
    return str(f, "type") == type && (hit.empty() || hit_id_of(f) == hit);
  };
}
auto reply_to(std::string id) {
  return [id = std::move(id)](const json::object& f) {
    auto it = f.find("id");
    return it != f.end() && it->value().is_string() && it->value().as_string() == id;
  };
}

struct live_feed : testing::served_feed {
  // Connected, greeted, and (unless told otherwise) subscribed with filters.
  std::unique_ptr<ws_client> connect(const std::string& w, std::vector<json::object>& seen,
                                     const std::string& filters = R"({"qualified_only":true})") {
    auto c = std::make_unique<ws_client>();
    auto ec = c->connect(port, "/ws", tokens[w]);
    EXPECT_FALSE(ec) << ec.message();
    auto hello = next(*c);
    EXPECT_EQ(str(hello, "type"), "hello");
    EXPECT_EQ(str(hello, "worker_id"), w);
    if (!filters.empty()) {
      EXPECT_FALSE(c->write(R"({"id":"s","op":"subscribe","filters":)" + filters + "}"));
      auto sub = read_until(*c, seen, reply_to("s"));
      EXPECT_EQ(str(sub, "type"), "subscribed");
    }
    return c;
  }
};

TEST(LiveFeed, WorkersSeeHitsComeAndGoResumeExactlyAndFollowTheirOwnWork) {
  live_feed f;
  auto r = f.h.requester(cents(100'000));
  // A qualification three workers hold and a fourth does not.
  qualification_type_spec q;
  q.name = "Photo skills";
  q.description = "Can label photos";
  auto qt = must(f.h->create_qualification_type(r, q));
  std::vector<std::string> qualified;
  for (int i = 0; i < 3; ++i) {
    qualified.push_back(f.worker());
    must(f.h->associate_qualification_with_worker(r, qt.qualification_type_id, qualified.back(), 80, false));
  }
  auto outsider = f.worker();

  std::map<std::string, std::vector<json::object>> seen;
  std::map<std::string, std::unique_ptr<ws_client>> client;
  for (const auto& w : qualified)
    client[w] = f.connect(w, seen[w]);
  client[outsider] = f.connect(outsider, seen[outsider]);

  // Three HITs: a plain one with 3 assignments, one guarded by Discover,
  // and a short-lived one.
  auto open = f.h.hit(r, 3, 3'600);
  auto guarded_props = engine_harness::props();
  qualification_requirement need;
  need.qualification_type_id = qt.qualification_type_id;
  need.cmp = comparator::greater_than_or_equal_to;
  need.integer_values = {50};
  need.guards = guarded_action::discover_preview_and_accept;
  guarded_props.requirements = {need};
  auto guarded = f.h.hit(r, 2, 3'600, guarded_props);
  auto brief = f.h.hit(r, 1, 60);

  // The three qualified workers see all three appear, in creation order.
  for (const auto& w : qualified) {
    read_until(*client[w], seen[w], is_type("hit.available", brief.hit_id));
    std::vector<std::string> order;
    for (const auto& fr : seen[w])
      if (str(fr, "type") == "hit.available")
        order.push_back(hit_id_of(fr));
    EXPECT_EQ(order, (std::vector<std::string>{open.hit_id, guarded.hit_id, brief.hit_id})) << w;
  }
  // The outsider sees the other two, never the guarded one.
  read_until(*client[outsider], seen[outsider], is_type("hit.available", brief.hit_id));

  // One accepts: the others see the assignments left go down.
  auto& a = *client[qualified[0]];
  ASSERT_FALSE(a.write(R"({"id":"acc","op":"accept","hit_id":")" + open.hit_id + R"(","idempotency_key":"k1"})"));
  auto accepted = read_until(a, seen[qualified[0]], reply_to("acc"));
  ASSERT_EQ(str(accepted, "type"), "accepted") << json::serialize(accepted);
  auto assignment_id = str(accepted["assignment"].as_object(), "assignment_id");
  for (const auto& w : {qualified[1], qualified[2], outsider}) {
    auto u = read_until(*client[w], seen[w], is_type("hit.updated", open.hit_id));
    EXPECT_EQ(num(u, "assignments_available"), 2) << w;
  }

  // The short-lived HIT expires: every subscriber hears it, with the reason.
  f.h->advance_clock(61'000);
  for (const auto& [w, c] : client) {
    auto e = read_until(*c, seen[w], is_type("hit.expired", brief.hit_id));
    EXPECT_EQ(str(e, "reason"), "lifetime_over") << w;
  }

  // A worker leaves; more happens; it comes back and resumes from the last
  // position it processed, and gets exactly what it missed.
  const auto& leaver = qualified[2];
  int64_t last_position = -1;
  std::string epoch;
  for (const auto& fr : seen[leaver]) {
    if (num(fr, "position") >= 0)
      last_position = num(fr, "position");
    if (str(fr, "type") == "subscribed")
      epoch = str(fr, "epoch");
  }
  ASSERT_GT(last_position, 0);
  ASSERT_FALSE(epoch.empty());
  client[leaver]->close();
  client.erase(leaver);
  auto& b = *client[qualified[1]];
  ASSERT_FALSE(b.write(R"({"id":"acc2","op":"accept","hit_id":")" + open.hit_id + R"("})"));
  auto accepted_b = read_until(b, seen[qualified[1]], reply_to("acc2"));
  ASSERT_EQ(str(accepted_b, "type"), "accepted") << json::serialize(accepted_b);
  std::map<std::string, std::string> own = {{qualified[0], assignment_id},
                                            {qualified[1], str(accepted_b["assignment"].as_object(), "assignment_id")}};
  auto later = f.h.hit(r, 1, 3'600);
  read_until(b, seen[qualified[1]], is_type("hit.available", later.hit_id));

  std::vector<json::object> back;
  auto c = f.connect(leaver, back, "");
  ASSERT_FALSE(c->write(R"({"id":"res","op":"resume","position":)" + std::to_string(last_position) + R"(,"epoch":")" +
                        epoch + R"(","filters":{"qualified_only":true}})"));
  auto resumed = read_until(*c, back, reply_to("res"));
  EXPECT_EQ(resumed["resumed"], json::value(true)) << json::serialize(resumed);
  EXPECT_EQ(num(resumed, "replayed"), 2);
  auto missed1 = next(*c);
  auto missed2 = next(*c);
  EXPECT_EQ(str(missed1, "type"), "hit.updated");
  EXPECT_EQ(hit_id_of(missed1), open.hit_id);
  EXPECT_EQ(num(missed1, "assignments_available"), 1);
  EXPECT_EQ(str(missed2, "type"), "hit.available");
  EXPECT_EQ(hit_id_of(missed2), later.hit_id);
  // And then the live stream, nothing twice: the next change is new.
  auto last = f.h.hit(r, 1, 3'600);
  auto live = next(*c);
  EXPECT_EQ(str(live, "type"), "hit.available");
  EXPECT_EQ(hit_id_of(live), last.hit_id);

  // Submit, then the requester approves: the personal stream and the
  // dashboard show it.
  ASSERT_FALSE(a.write(R"({"id":"sub","op":"submit","assignment_id":")" + assignment_id +
                       R"(","answer":"<answer>a cat</answer>","idempotency_key":"u1"})"));
  auto submitted = read_until(a, seen[qualified[0]], reply_to("sub"));
  EXPECT_EQ(str(submitted, "type"), "submitted") << json::serialize(submitted);
  read_until(a, seen[qualified[0]], is_type("assignment.submitted"));
  f.h.approve(r, assignment_id);
  auto approved = read_until(a, seen[qualified[0]], is_type("assignment.approved"));
  EXPECT_EQ(str(approved, "assignment_id"), assignment_id);
  ASSERT_FALSE(a.write(R"({"id":"dash","op":"dashboard"})"));
  auto dash = read_until(a, seen[qualified[0]], reply_to("dash"));
  ASSERT_EQ(str(dash, "type"), "dashboard") << json::serialize(dash);
  EXPECT_EQ(num(dash["totals"].as_object(), "approved"), 1);
  EXPECT_EQ(str(dash["earnings"].as_object(), "available"), format_amount(engine_harness::props().reward));

  // The outsider never saw the guarded HIT; each worker saw its own
  // assignment events and no one else's.
  for (const auto& fr : seen[outsider]) {
    EXPECT_NE(hit_id_of(fr), guarded.hit_id) << json::serialize(fr);
  }
  for (const auto& [w, frames] : seen) {
    for (const auto& fr : frames) {
      if (str(fr, "type").rfind("assignment.", 0) == 0) {
        EXPECT_EQ(str(fr, "assignment_id"), own[w]) << w << ": " << json::serialize(fr);
      }
    }
  }
}

// Bad input over a real socket: each gets its documented error and the
// connection goes on.
TEST(LiveFeed, BadInputGetsItsErrorAndTheConnectionGoesOn) {
  live_feed f;
  auto w = f.worker();
  std::vector<json::object> seen;
  auto c = f.connect(w, seen, "");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{not json", "malformed_json"},
      {R"({"id":"1","op":"frobnicate"})", "unknown_op"},
      {R"({"id":"2","op":"accept","hit_id":42})", "wrong_type"},
      {R"({"id":"3","op":"submit"})", "missing_field"},
      {R"({"id":"4","op":"return","assignment_id":"not-an-id"})", "bad_id"},
      {R"({"id":"5","op":"accept","hit_id":"H0000000000ZZZ"})", "hit_does_not_exist"},
  };
  for (const auto& [frame, code] : cases) {
    ASSERT_FALSE(c->write(frame));
    auto reply = next(*c);
    ASSERT_TRUE(reply.contains("error")) << frame << " -> " << json::serialize(reply);
    EXPECT_EQ(str(reply["error"].as_object(), "code"), code) << frame;
  }
  ASSERT_FALSE(c->write(R"({"id":"p","op":"ping"})"));
  EXPECT_EQ(str(next(*c), "type"), "pong");

  // Each command is counted by op and result (an engine command once its
  // reply is queued: polled, bounded).
  auto& m = f.srv->metrics();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (m.commands("accept", "hit_does_not_exist") == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(m.commands("invalid", "malformed_json"), 1u);
  EXPECT_EQ(m.commands("unknown", "unknown_op"), 1u);
  EXPECT_EQ(m.commands("accept", "wrong_type"), 1u);
  EXPECT_EQ(m.commands("submit", "missing_field"), 1u);
  EXPECT_EQ(m.commands("return", "bad_id"), 1u);
  EXPECT_EQ(m.commands("accept", "hit_does_not_exist"), 1u);
  EXPECT_EQ(m.commands("ping", "ok"), 1u);
}

} // namespace
} // namespace hitd::gateway
