// The hitd executable as an operator runs it: admin commands on a data
// directory, then `serve`, a client with the printed token, and SIGTERM.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <hitd/gateway/limits.hpp>

#include "client.hpp"
#include "../common/child_process.hpp"

namespace hitd::gateway {
namespace {

using testing::ws_client;

struct temp_dir {
  temp_dir() {
    char tmpl[] = "/tmp/hitd-gateway-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::filesystem::remove_all(path);
    std::filesystem::remove(path + ".key");   // the secrets key file hitd keeps beside the data directory
  }
  std::string path;
};

// A child process running hitd with args; its stdout is a pipe (stderr is
// inherited unless quiet).
class child : public hitd::test::child_process {
public:
  explicit child(std::vector<std::string> args, bool quiet = true)
      : child_process(with_hitd(std::move(args)), {quiet ? hitd::test::stderr_to::null : hitd::test::stderr_to::inherit, {}, {}}) {}

private:
  static std::vector<std::string> with_hitd(std::vector<std::string> args) {
    args.insert(args.begin(), HITD_BINARY);
    return args;
  }
};

// "key=value" lines.
std::map<std::string, std::string> fields(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    auto eq = line.find('=');
    if (eq != std::string::npos)
      out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::string run(std::vector<std::string> args, int& code) {
  child c{std::move(args)};
  auto out = c.read_until("\x01never");
  code = c.wait();
  return out;
}

uint16_t port_of(const std::string& out) {
  auto at = out.find("hitd listening on 127.0.0.1:");
  if (at == std::string::npos)
    return 0;
  return static_cast<uint16_t>(std::stoi(out.substr(at + std::string{"hitd listening on 127.0.0.1:"}.size())));
}

TEST(HitdBinary, HelpForEachCommand) {
  int code = 0;
  EXPECT_NE(run({"--help"}, code).find("hitd serve"), std::string::npos);
  EXPECT_EQ(code, 0);
  EXPECT_NE(run({"serve", "--help"}, code).find("--max-connections"), std::string::npos);
  EXPECT_EQ(code, 0);
  EXPECT_NE(run({"admin", "--help"}, code).find("create-worker"), std::string::npos);
  EXPECT_EQ(code, 0);
  run({"serve", "--no-such-flag", "1"}, code);
  EXPECT_EQ(code, 2);
  run({"admin", "create-worker"}, code);   // no --data-dir
  EXPECT_EQ(code, 2);
}

TEST(HitdBinary, CreateWorkerThenServeThenConnectWithThePrintedToken) {
  temp_dir dir;
  int code = 0;
  auto worker = fields(run({"admin", "create-worker", "--data-dir", dir.path}, code));
  ASSERT_EQ(code, 0);
  ASSERT_TRUE(worker.count("worker_id") && worker.count("token"));
  auto requester = fields(run({"admin", "create-requester", "--data-dir", dir.path, "--name", "Acme"}, code));
  ASSERT_EQ(code, 0);
  EXPECT_EQ(requester["access_key_id"].substr(0, 4), "AKHD");
  auto second = fields(run({"admin", "create-access-key", "--data-dir", dir.path, "--requester",
                            requester["requester_id"]}, code));
  ASSERT_EQ(code, 0);
  EXPECT_EQ(second["requester_id"], requester["requester_id"]);
  EXPECT_NE(second["access_key_id"], requester["access_key_id"]);
  run({"admin", "create-access-key", "--data-dir", dir.path, "--requester", "ANOSUCHREQUESTER"}, code);
  EXPECT_EQ(code, 1);
  auto deposit = fields(run({"admin", "deposit", "--data-dir", dir.path, "--requester", requester["requester_id"],
                             "--amount", "100.00"},
                            code));
  ASSERT_EQ(code, 0);
  EXPECT_EQ(deposit["available"], "100.00");

  // A config file gives the address; the flag overrides its log level.
  std::string config = dir.path + "/hitd.conf";
  FILE* f = fopen(config.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("# test\nlisten = 127.0.0.1:0\nlog-level = nonsense\ndurability = sync\n", f);
  fclose(f);
  child server{{"serve", "--config", config, "--data-dir", dir.path, "--log-level", "warn"}};
  auto port = port_of(server.read_until("/ws)"));
  ASSERT_NE(port, 0);

  ws_client c;
  ASSERT_FALSE(c.connect(port, "/ws", worker["token"]));
  EXPECT_NE(c.read().find(worker["worker_id"]), std::string::npos);
  ASSERT_FALSE(c.write(R"({"op":"ping","id":1})"));
  EXPECT_EQ(c.read().rfind(R"({"id":1,"type":"pong","time":)", 0), 0u);
  auto health = testing::http_request(port, testing::http::verb::get, "/healthz");
  EXPECT_EQ(health.status, 200u);
  {
    // A page: HEAD gives GET's headers without the body (the handler's
    // answers go through the same transport as the MTurk API's).
    testing::http_connection hc;
    ASSERT_FALSE(hc.connect(port));
    auto head = hc.request(testing::http::verb::head, "/worker.html");
    ASSERT_FALSE(head.ec) << head.ec.message();
    EXPECT_EQ(head.status, 200u);
    EXPECT_EQ(head.content_type, "text/html; charset=utf-8");
    EXPECT_TRUE(head.body.empty());
    auto page = hc.request(testing::http::verb::get, "/worker.html");
    ASSERT_FALSE(page.ec) << page.ec.message();
    EXPECT_EQ(page.status, 200u);
    EXPECT_EQ(head.content_length, std::to_string(page.body.size()));
    EXPECT_NE(page.body.find("<script type=\"module\" src=\"/worker.js\">"), std::string::npos);
  }

  server.signal(SIGTERM);
  EXPECT_EQ(c.read_until_closed(), close_code::going_away);
  EXPECT_EQ(server.wait(), 0);

  // The admin commands work again once the server is gone (the lock is released),
  // and the deposit survived the restart.
  deposit = fields(run({"admin", "deposit", "--data-dir", dir.path, "--requester", requester["requester_id"],
                        "--amount", "0.50"},
                       code));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(deposit["available"], "100.50");
}

TEST(HitdBinary, DemoPrintsAccountsOnAnEmptyDirectoryOnly) {
  temp_dir dir;
  std::string token, out;
  {
    child server{{"serve", "--demo", "--data-dir", dir.path, "--listen", "127.0.0.1:0"}};
    out = server.read_until("/ws)");
    auto port = port_of(out);
    ASSERT_NE(port, 0) << out;
    EXPECT_NE(out.find("demo requester AR"), std::string::npos) << out;
    EXPECT_NE(out.find("balance 1000.00"), std::string::npos) << out;
    auto at = out.find("token=");
    ASSERT_NE(at, std::string::npos);
    token = out.substr(at + 6, 47);
    ws_client c;
    ASSERT_FALSE(c.connect(port, "/ws?token=" + token));
    EXPECT_NE(c.read().find("hello"), std::string::npos);
    server.signal(SIGINT);
    EXPECT_EQ(c.read_until_closed(), close_code::going_away);
    EXPECT_EQ(server.wait(), 0);
  }
  child again{{"serve", "--demo", "--data-dir", dir.path, "--listen", "127.0.0.1:0"}};
  out = again.read_until("/ws)");
  EXPECT_EQ(out.find("demo worker"), std::string::npos) << out;
  auto port = port_of(out);
  ASSERT_NE(port, 0);
  ws_client c;   // the first run's token still works
  EXPECT_FALSE(c.connect(port, "/ws", token));
  again.signal(SIGTERM);
  c.read_until_closed();
  EXPECT_EQ(again.wait(), 0);
}

} // namespace
} // namespace hitd::gateway
