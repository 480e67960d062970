// load_smoke: hitd-load as an operator runs it. `hitd admin create-accounts`
// on a temporary data directory, `hitd serve` on 127.0.0.1 (a free port),
// hitd-load with bench/load/scenarios/smoke.json for 3 s, then its JSON
// report: completed lifecycles, every command answered, no error, and the
// requester's money adds up (what left its balance is exactly the approved
// assignments' rewards and fees, nothing is left on hold). It checks that it
// works, not how fast.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <hitd/money.hpp>

#include "scenario.hpp"
#include "../common/child_process.hpp"

namespace hitd::load {
namespace {

namespace json = boost::json;

struct temp_dir {
  temp_dir() {
    char tmpl[] = "/tmp/hitd-load-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::filesystem::remove_all(path);
    std::filesystem::remove(path + "/data.key");
  }
  std::string path;
};

// A child process; its stdout is a pipe, stderr goes to /dev/null.
class child : public hitd::test::child_process {
public:
  child(const std::string& bin, std::vector<std::string> args) : child_process(with(bin, std::move(args))) {}

private:
  static std::vector<std::string> with(const std::string& bin, std::vector<std::string> args) {
    args.insert(args.begin(), bin);
    return args;
  }
};

std::string run(const std::string& bin, std::vector<std::string> args, int& code,
                std::chrono::seconds limit = std::chrono::seconds(60)) {
  child c{bin, std::move(args)};
  auto out = c.read_until("\x01never", limit);
  code = c.wait(limit);
  return out;
}

std::string slurp(const std::string& file) {
  std::ifstream in{file};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// GET path on 127.0.0.1:port (HTTP/1.1, Connection: close): the body, or ""
// when the server did not answer within 10 s.
std::string http_get(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return {};
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      for (int i = 0; i < 10'000; ++i) {   // bounded: a /metrics page is far below 80 MB
        auto n = read(fd, buf, sizeof buf);
        if (n <= 0)
          break;
        got.append(buf, static_cast<size_t>(n));
      }
    }
  }
  close(fd);
  auto body = got.find("\r\n\r\n");
  return body == std::string::npos ? std::string{} : got.substr(body + 4);
}

// The counts of a labelled counter in Prometheus text, by (op, result):
// lines like  name{op="CreateHIT",result="ok"} 12
std::map<std::pair<std::string, std::string>, int64_t> counts_of(const std::string& text, const std::string& name) {
  std::map<std::pair<std::string, std::string>, int64_t> out;
  std::istringstream in{text};
  std::string line;
  const std::string head = name + "{op=\"";
  while (std::getline(in, line)) {
    if (line.rfind(head, 0) != 0)
      continue;
    auto op_end = line.find('"', head.size());
    auto r0 = line.find("result=\"", op_end);
    auto r_end = r0 == std::string::npos ? r0 : line.find('"', r0 + 8);
    auto sp = line.rfind(' ');
    if (op_end == std::string::npos || r_end == std::string::npos || sp == std::string::npos)
      continue;
    out[{line.substr(head.size(), op_end - head.size()), line.substr(r0 + 8, r_end - r0 - 8)}] +=
        std::stoll(line.substr(sp + 1));
  }
  return out;
}

// The server's count of `op`: ok, and every other result.
std::pair<int64_t, int64_t> ok_and_failed(const std::map<std::pair<std::string, std::string>, int64_t>& counts,
                                          const std::string& op) {
  int64_t ok = 0, failed = 0;
  for (const auto& [k, v] : counts)
    if (k.first == op)
      (k.second == "ok" ? ok : failed) += v;
  return {ok, failed};
}

int64_t cents_of(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string())
    return -1;
  return parse_cents(std::string{v->as_string()}).value_or(-1);
}

TEST(load_smoke, RefusesANonLoopbackTargetBeforeAnyTraffic) {
  int code = 0;
  auto out = run(HITD_LOAD_BINARY, {"--target", "10.1.2.3:8080", "--accounts", "/nonexistent"}, code);
  EXPECT_EQ(code, 2);
  run(HITD_LOAD_BINARY, {"--accounts", "/nonexistent/accounts.json"}, code);
  EXPECT_EQ(code, 2);
  run(HITD_LOAD_BINARY, {"--rate", "0"}, code);
  EXPECT_EQ(code, 2);
}

TEST(load_smoke, CreateAccountsRefusesBadArguments) {
  temp_dir dir;
  std::string data = dir.path + "/data";
  int code = 0;
  run(HITD_BINARY, {"admin", "create-accounts", "--data-dir", data, "--requesters", "1", "--workers", "1"}, code);
  EXPECT_EQ(code, 2);   // no --out
  for (const char* n : {"0", "1001", "x"}) {
    run(HITD_BINARY, {"admin", "create-accounts", "--data-dir", data, "--requesters", n, "--workers", "1", "--out",
                      dir.path + "/a.json"},
        code);
    EXPECT_EQ(code, 2) << n;
  }
  run(HITD_BINARY, {"admin", "create-accounts", "--data-dir", data, "--requesters", "1", "--workers", "100001",
                    "--out", dir.path + "/a.json"},
      code);
  EXPECT_EQ(code, 2);
  run(HITD_BINARY, {"admin", "create-accounts", "--data-dir", data, "--requesters", "1", "--workers", "1",
                    "--deposit", "-5", "--out", dir.path + "/a.json"},
      code);
  EXPECT_EQ(code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.path + "/a.json"));
  run(HITD_BINARY, {"admin", "create-worker", "--data-dir", data, "--past-probation"}, code);
  EXPECT_EQ(code, 2);   // create-accounts' option only
  run(HITD_BINARY, {"serve", "--data-dir", data, "--past-probation"}, code);
  EXPECT_EQ(code, 2);
  // A file that cannot be written: exit 1, said so.
  run(HITD_BINARY, {"admin", "create-accounts", "--data-dir", data, "--requesters", "1", "--workers", "0", "--out",
                    dir.path + "/no/such/dir/a.json"},
      code);
  EXPECT_EQ(code, 1);
  // ... and made no account whose secrets would be lost: the next one is the first.
  run(HITD_BINARY, {"admin", "create-accounts", "--data-dir", data, "--requesters", "1", "--workers", "0", "--out",
                    dir.path + "/a.json"},
      code);
  ASSERT_EQ(code, 0);
  std::string why;
  auto acc = parse_accounts(slurp(dir.path + "/a.json"), why);
  ASSERT_TRUE(acc) << why;
  ASSERT_EQ(acc->requesters.size(), 1u);
  EXPECT_EQ(acc->requesters[0].requester_id, "AR0000000000001");
  EXPECT_TRUE(acc->workers.empty());
}

TEST(load_smoke, SmokeScenarioAgainstTheRealServer) {
  temp_dir dir;
  std::string data = dir.path + "/data";
  std::string accounts = dir.path + "/accounts.json";
  int code = 0;
  auto made = run(HITD_BINARY, {"admin", "create-accounts", "--data-dir", data, "--requesters", "1", "--workers", "4",
                                "--deposit", "100.00", "--past-probation", "--out", accounts},
                  code);
  ASSERT_EQ(code, 0) << made;
  struct stat st{};
  ASSERT_EQ(stat(accounts.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);   // it holds the secrets
  std::string why;
  auto acc = parse_accounts(slurp(accounts), why);
  ASSERT_TRUE(acc) << why;
  ASSERT_EQ(acc->requesters.size(), 1u);
  ASSERT_EQ(acc->workers.size(), 4u);

  child server{HITD_BINARY, {"serve", "--data-dir", data, "--listen", "127.0.0.1:0", "--commands-per-s", "1000",
                             "--command-burst", "1000", "--log-level", "warn"}};
  auto out = server.read_until("/ws)");
  const std::string marker = "hitd listening on 127.0.0.1:";
  auto at = out.find(marker);
  ASSERT_NE(at, std::string::npos) << out;
  auto port = std::stoi(out.substr(at + marker.size()));

  std::string report_file = dir.path + "/report.json";
  auto table = run(HITD_LOAD_BINARY,
                   {"--scenario", std::string{HITD_LOAD_SCENARIOS} + "/smoke.json", "--accounts", accounts, "--target",
                    "127.0.0.1:" + std::to_string(port), "--duration", "3", "--json", report_file, "--no-progress",
                    "--fail-on-error"},
                   code, std::chrono::seconds(90));
  EXPECT_EQ(code, 0) << table;
  EXPECT_NE(table.find("CreateHIT"), std::string::npos) << table;

  boost::system::error_code ec;
  auto report = json::parse(slurp(report_file), ec);
  ASSERT_FALSE(ec) << table;
  auto& r = report.as_object();
  EXPECT_EQ(r.at("scenario").at("name"), "smoke");
  EXPECT_EQ(r.at("errors_total").to_number<int64_t>(), 0) << json::serialize(r.at("error_examples"));
  EXPECT_TRUE(r.at("errors").as_object().empty());
  EXPECT_EQ(r.at("abandoned").to_number<int64_t>(), 0);
  auto lifecycles = r.at("lifecycles_completed").to_number<int64_t>();
  EXPECT_GT(lifecycles, 0);
  auto approved = r.at("approved").to_number<int64_t>();
  auto rejected = r.at("rejected").to_number<int64_t>();
  EXPECT_EQ(approved + rejected, 2 * lifecycles);   // 2 assignments a HIT
  auto& commands = r.at("commands").as_object();
  for (const char* c : {"CreateHIT", "ws.accept", "ws.submit", "ApproveAssignment", "lifecycle"}) {
    ASSERT_TRUE(commands.contains(c)) << c;
    auto& cmd = commands.at(c).as_object();
    EXPECT_GT(cmd.at("ok").to_number<int64_t>(), 0) << c;
    auto& l = cmd.at("latency_us").as_object();
    EXPECT_EQ(l.at("count").to_number<int64_t>(), cmd.at("count").to_number<int64_t>()) << c;
    auto p50 = l.at("p50").to_number<int64_t>(), p99 = l.at("p99").to_number<int64_t>(),
         max = l.at("max").to_number<int64_t>();
    EXPECT_GT(p50, 0) << c;
    EXPECT_LE(p50, p99) << c;
    EXPECT_LE(p99, max) << c;
  }
  EXPECT_EQ(commands.at("CreateHIT").at("count").to_number<int64_t>(), lifecycles);
  EXPECT_EQ(commands.at("ws.accept").at("count").to_number<int64_t>(), 2 * lifecycles);
  // The subscribed feed reader saw the HITs come and go; the workers their own events.
  EXPECT_GT(r.at("events").at("feed").to_number<int64_t>(), 0);
  EXPECT_GT(r.at("events").at("personal").to_number<int64_t>(), 0);

  // The report agrees with the server's own /metrics for the same run: the
  // server started fresh, and nothing but this run talked to it. hitd-load
  // reads each requester's balance at the start and the end besides its
  // commands (the report's "balances").
  {
    auto text = http_get(port, "/metrics");
    ASSERT_NE(text.find("hitd_api_requests_total"), std::string::npos) << text;
    auto api = counts_of(text, "hitd_api_requests_total");
    auto ws = counts_of(text, "hitd_commands_total");
    auto reported = [&](const std::string& name) -> std::pair<int64_t, int64_t> {
      if (!commands.contains(name))
        return {0, 0};
      auto& c = commands.at(name).as_object();
      return {c.at("ok").to_number<int64_t>(), c.at("failed").to_number<int64_t>()};
    };
    int64_t compared = 0;
    for (const char* op : {"CreateHIT", "ApproveAssignment", "RejectAssignment", "GetHIT", "ListHITs"}) {
      EXPECT_EQ(ok_and_failed(api, op), reported(op)) << op << "\n" << text;
      compared += reported(op).first;
    }
    auto balance = reported("GetAccountBalance");
    balance.first += 2 * static_cast<int64_t>(acc->requesters.size());
    EXPECT_EQ(ok_and_failed(api, "GetAccountBalance"), balance) << text;
    for (const char* op : {"accept", "submit", "dashboard"}) {
      EXPECT_EQ(ok_and_failed(ws, op), reported(std::string{"ws."} + op)) << op << "\n" << text;
      compared += reported(std::string{"ws."} + op).first;
    }
    EXPECT_GT(compared, 0);
    // Every request the server counted is one of those.
    int64_t server_api = 0;
    for (const auto& [k, v] : api)
      server_api += v;
    int64_t reported_api = balance.first + balance.second;
    for (const char* op : {"CreateHIT", "ApproveAssignment", "RejectAssignment", "GetHIT", "ListHITs"})
      reported_api += reported(op).first + reported(op).second;
    EXPECT_EQ(server_api, reported_api) << text;
  }

  // The money, as the server reports it through GetAccountBalance.
  auto& balances = r.at("balances").as_array();
  ASSERT_EQ(balances.size(), 1u);
  auto& b = balances[0].as_object();
  EXPECT_EQ(b.at("requester_id"), acc->requesters[0].requester_id.c_str());
  EXPECT_EQ(cents_of(b, "available_start"), 10'000);
  EXPECT_EQ(cents_of(b, "on_hold_start"), 0);
  EXPECT_EQ(cents_of(b, "on_hold_end"), 0);   // every HIT finished: nothing held
  auto per_approval = (cents(5) + reward_fee(fee_schedule{}, cents(5), 2)).cents;
  EXPECT_EQ(cents_of(b, "available_start") - cents_of(b, "available_end"), approved * per_approval);

  // The open loop on the same server: 50 lifecycles a second at fixed gaps
  // for 2 s start exactly 100 iterations (none skipped: the in-flight bound
  // is far), whatever the answers' pace; the money goes on from where the
  // first run left it.
  std::string open_file = dir.path + "/open.json";
  table = run(HITD_LOAD_BINARY,
              {"--scenario", std::string{HITD_LOAD_SCENARIOS} + "/smoke.json", "--accounts", accounts, "--target",
               "127.0.0.1:" + std::to_string(port), "--mode", "open", "--rate", "50", "--arrival", "uniform",
               "--duration", "2", "--mix", "lifecycle=1", "--json", open_file, "--no-progress", "--fail-on-error"},
              code, std::chrono::seconds(90));
  EXPECT_EQ(code, 0) << table;
  auto open_report = json::parse(slurp(open_file), ec);
  ASSERT_FALSE(ec) << table;
  auto& o = open_report.as_object();
  EXPECT_EQ(o.at("scenario").at("mode"), "open");
  EXPECT_EQ(o.at("iterations_started").to_number<int64_t>(), 100);
  EXPECT_EQ(o.at("skipped").to_number<int64_t>(), 0);
  EXPECT_EQ(o.at("errors_total").to_number<int64_t>(), 0);
  EXPECT_EQ(o.at("lifecycles_completed").to_number<int64_t>(), 100);
  auto& ob = o.at("balances").as_array()[0].as_object();
  EXPECT_EQ(cents_of(ob, "available_start"), cents_of(b, "available_end"));
  EXPECT_EQ(cents_of(ob, "on_hold_end"), 0);
  EXPECT_EQ(cents_of(ob, "available_start") - cents_of(ob, "available_end"),
            o.at("approved").to_number<int64_t>() * per_approval);
  EXPECT_EQ(o.at("approved").to_number<int64_t>() + o.at("rejected").to_number<int64_t>(), 200);

  // --max-iterations bounds the closed loop by count: exactly 25 HITs.
  std::string count_file = dir.path + "/count.json";
  table = run(HITD_LOAD_BINARY,
              {"--scenario", std::string{HITD_LOAD_SCENARIOS} + "/smoke.json", "--accounts", accounts, "--target",
               "127.0.0.1:" + std::to_string(port), "--max-iterations", "25", "--duration", "60", "--mix",
               "lifecycle=1", "--json", count_file, "--no-progress", "--fail-on-error"},
              code, std::chrono::seconds(90));
  EXPECT_EQ(code, 0) << table;
  auto count_report = json::parse(slurp(count_file), ec);
  ASSERT_FALSE(ec) << table;
  EXPECT_EQ(count_report.at("iterations_started").to_number<int64_t>(), 25);
  EXPECT_EQ(count_report.at("lifecycles_completed").to_number<int64_t>(), 25);
  EXPECT_EQ(count_report.at("commands").at("CreateHIT").at("count").to_number<int64_t>(), 25);

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0);
}

} // namespace
} // namespace hitd::load
