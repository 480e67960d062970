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

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
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

#include "served_feed.hpp"

extern char** environ;

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

// A child process; its stdout and stderr go to one pipe, read line by line
// with a deadline. Killed (SIGKILL) if still running when destroyed.
class node_process {
public:
  explicit node_process(std::vector<std::string> args) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
      return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0)
      pid_ = pid;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
  }
  ~node_process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0)
      close(out_);
  }
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  bool started() const { return pid_ > 0; }
  // The next line of output, or nothing at EOF or when the deadline passes.
  std::optional<std::string> line(std::chrono::steady_clock::time_point deadline) {
    while (true) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        auto l = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return l;
      }
      if (eof_ || std::chrono::steady_clock::now() >= deadline)
        return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0)
        continue;
      char buf[4096];
      auto n = read(out_, buf, sizeof buf);
      if (n <= 0) {
        eof_ = true;
        if (!buffer_.empty() && buffer_.back() != '\n')
          buffer_ += '\n';   // the last line, unterminated
        continue;
      }
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }
  // The exit code (128 + signal if killed), or -1 if it has not exited by the deadline.
  int wait(std::chrono::steady_clock::time_point deadline) {
    while (true) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      if (std::chrono::steady_clock::now() >= deadline)
        return -1;
      std::this_thread::sleep_for(20ms);
    }
  }

private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool eof_ = false;
  bool exited_ = false;
  std::string buffer_;
};

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

  node_process p({node, script, "ws://127.0.0.1:" + std::to_string(s.port) + "/ws", token, first.hit_id});
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
