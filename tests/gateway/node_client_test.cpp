// A third-party client drives the worker protocol end to end: the Node.js
// script tests/gateway/node/feed_client.mjs, built on the `ws` package from
// npm (installed by scripts/setup.sh), against the hitd server's transport
// and feed handler on 127.0.0.1 (wired as `hitd serve` wires them, as in
// live_feed_test.cpp) with a real engine. The requester side has no wire API
// yet (issue 5), so this test plays the requester: it creates a HIT before
// the script starts (it must be in the snapshot), another when the script
// says SUBSCRIBED (it must come as hit.available), and approves the
// assignment when the script says SUBMITTED. The script checks everything
// it receives; its exit code is the verdict.

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../common/child_process.hpp"
#include "served_feed.hpp"

namespace hitd::gateway {
namespace {

using hitd::test::engine_harness;
using namespace std::chrono_literals;

const std::string client_dir = HITD_NODE_CLIENT_DIR;

// The node executable: the one CMake found, else the first `node` on PATH;
// empty when there is none.
std::string find_node() {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string configured = HITD_NODE_BINARY;
  if (!configured.empty() && fs::is_regular_file(configured, ec))
    return configured;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = fs::path(dir.empty() ? "." : dir) / "node";
    if (fs::is_regular_file(candidate, ec) && access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return {};
}

// The engine, the feed hub and the server on 127.0.0.1, port 0.
using served_engine = testing::served_feed;

TEST(NodeClient, TheWsPackageDrivesTheProtocolEndToEnd) {
  const std::string script = client_dir + "/feed_client.mjs";
  const std::string node = find_node();
  ASSERT_FALSE(node.empty()) << "node (Node.js) is not installed: run scripts/setup.sh (as root), which installs "
                                "it and the client's npm packages";
  ASSERT_TRUE(std::filesystem::is_regular_file(client_dir + "/node_modules/ws/package.json"))
      << "the `ws` npm package is missing from " << client_dir
      << "/node_modules: run scripts/setup.sh (or `npm ci` in that directory)";
  ASSERT_TRUE(std::filesystem::is_regular_file(script)) << script;

  served_engine s;
  auto r = s.h.requester(cents(100'000));
  auto w = s.h.veteran();
  auto token = s.creds->issue_worker_token(w, s.h.now()).value();
  auto first = s.h.hit(r, 2, 3'600);   // exists before the client subscribes: in its snapshot

  test::child_process p({node, script, "ws://127.0.0.1:" + std::to_string(s.port) + "/ws", token, first.hit_id},
                        {.err = test::stderr_to::stdout_pipe});
  ASSERT_TRUE(p.started()) << "could not start " << node;

  // The script bounds itself at 60 s; this is the harness's own bound.
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  std::string output;
  std::string live_hit;
  std::string verdict;
  bool subscribed = false, submitted = false;
  while (auto l = p.line(deadline)) {
    output += *l + "\n";
    if (*l == "SUBSCRIBED" && !subscribed) {
      subscribed = true;
      live_hit = s.h.hit(r, 1, 3'600).hit_id;   // must come to the client as hit.available
    } else if (l->rfind("LIVE ", 0) == 0) {
      EXPECT_EQ(l->substr(5), live_hit) << "the client took another HIT for the one created live";
    } else if (l->rfind("SUBMITTED ", 0) == 0 && !submitted) {
      submitted = true;
      s.h.approve(r, l->substr(10));   // fails the test if it is not an assignment of this worker's
    } else if (*l == "PASS" || l->rfind("FAILED", 0) == 0) {
      verdict = *l;
    }
  }
  int code = p.wait(deadline + 5s);
  EXPECT_EQ(code, 0) << "the node client (" << script << ") failed; its output:\n" << output;
  EXPECT_EQ(verdict, "PASS") << output;
  // It went the whole way: the live HIT, then the approval.
  EXPECT_TRUE(subscribed) << output;
  EXPECT_TRUE(submitted) << output;
}

} // namespace
} // namespace hitd::gateway
