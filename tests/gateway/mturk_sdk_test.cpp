// Real, unmodified MTurk clients drive the hitd binary: the AWS SDK for
// JavaScript v3 (@aws-sdk/client-mturk from npm, tests/gateway/node/
// mturk_scenario.mjs) and Debian's boto3 (tests/gateway/python/
// mturk_scenario.py), each only pointed at hitd's URL with a requester's
// keys; workers act over the WebSocket protocol. Each test prepares a data
// directory with `hitd admin` (two requesters with deposits, three workers),
// starts `hitd serve` on 127.0.0.1 (port 0) as a child process, runs its
// script, and stops the server with SIGTERM. The script checks everything it
// gets back; its exit code is the verdict and its output (one line per
// step) is shown when it fails.
//
// scripts/setup.sh installs node, the npm packages (package-lock.json) and
// python3-boto3 / python3-websocket; a test that cannot find them fails
// saying so (never skips).

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../common/child_process.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

const std::string node_dir = HITD_NODE_CLIENT_DIR;
const std::string python_dir = HITD_PYTHON_CLIENT_DIR;
// Debian's interpreter, which sees Debian's python3-boto3 (another python3
// on PATH, e.g. pyenv's, has other packages or none).
const std::string debian_python = "/usr/bin/python3";

struct temp_dir {
  temp_dir() {
    char tmpl[] = "/tmp/hitd-mturk-sdk-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() { fs::remove_all(path); }
  std::string path;
};

// The environment for the children: the parent's, except what would make
// Debian's python load other packages than Debian's.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("PYTHONPATH=", 0) == 0 || kv.rfind("PYTHONHOME=", 0) == 0 || kv.rfind("PYTHONNOUSERSITE=", 0) == 0)
      continue;
    env.push_back(kv);
  }
  env.push_back("PYTHONNOUSERSITE=1");
  env.push_back("PYTHONUNBUFFERED=1");
  return env;
}

// A child process with child_environment(); stdout (and stderr, unless it
// goes to stderr_file) is a pipe. SIGKILLed if still running when destroyed.
class process : public hitd::test::child_process {
public:
  explicit process(std::vector<std::string> argv, std::string stderr_file = {})
      : child_process(std::move(argv), options_for(std::move(stderr_file))) {}

private:
  static options options_for(std::string stderr_file) {
    options o;
    o.err = stderr_file.empty() ? hitd::test::stderr_to::stdout_pipe : hitd::test::stderr_to::file;
    o.stderr_file = std::move(stderr_file);
    o.environment = child_environment();
    return o;
  }
};

// Runs a command to the end; its output, and its exit code in `code`.
std::string run(std::vector<std::string> argv, int& code, std::chrono::seconds limit = 60s) {
  process p{std::move(argv)};
  auto deadline = clock_type::now() + limit;
  std::string out = p.read_all(deadline);
  code = p.wait(deadline + 5s);
  return out;
}

// "key=value" lines.
std::map<std::string, std::string> fields(const std::string& text) {
  std::map<std::string, std::string> out;
  std::stringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (auto eq = line.find('='); eq != std::string::npos)
      out[line.substr(0, eq)] = line.substr(eq + 1);
  return out;
}

std::string find_node() {
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

std::string file_text(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

// A data directory with two requesters (with deposits) and three workers,
// and `hitd serve` on it.
class served_hitd {
public:
  served_hitd() {
    int code = 0;
    for (auto* r : {&requester_, &other_}) {
      auto out = run({HITD_BINARY, "admin", "create-requester", "--data-dir", data_, "--name",
                      r == &requester_ ? "Acme" : "Other Corp"},
                     code);
      if (code != 0) {
        error_ = "hitd admin create-requester failed (" + std::to_string(code) + "): " + out;
        return;
      }
      *r = fields(out);
      out = run({HITD_BINARY, "admin", "deposit", "--data-dir", data_, "--requester", (*r)["requester_id"],
                 "--amount", r == &requester_ ? "1000.00" : "100.00"},
                code);
      if (code != 0) {
        error_ = "hitd admin deposit failed: " + out;
        return;
      }
    }
    for (int i = 0; i < 3; ++i) {
      auto out = run({HITD_BINARY, "admin", "create-worker", "--data-dir", data_}, code);
      if (code != 0) {
        error_ = "hitd admin create-worker failed: " + out;
        return;
      }
      workers_.push_back(fields(out));
    }
    server_ = std::make_unique<process>(
        std::vector<std::string>{HITD_BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_,
                                 "--durability", "none", "--log-level", "warn"},
        dir_.path + "/server.log");
    const std::string marker = "hitd listening on 127.0.0.1:";
    const auto& out = server_->read_until("/ws)", clock_type::now() + 60s);
    auto at = out.find(marker);
    if (at == std::string::npos) {
      error_ = "hitd serve did not say where it listens: " + out + "\n" + server_log();
      return;
    }
    port_ = std::stoi(out.substr(at + marker.size()));
  }
  ~served_hitd() { stop(); }

  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string server_log() const { return "hitd serve's stderr:\n" + file_text(dir_.path + "/server.log"); }

  // The scripts' one argument.
  std::string scenario_json() {
    auto requester = [](std::map<std::string, std::string>& r) {
      return "{\"requester_id\":" + json_string(r["requester_id"]) + ",\"access_key_id\":" +
             json_string(r["access_key_id"]) + ",\"secret_access_key\":" + json_string(r["secret_access_key"]) + "}";
    };
    std::string workers;
    for (auto& w : workers_)
      workers += std::string{workers.empty() ? "" : ","} + "{\"worker_id\":" + json_string(w["worker_id"]) +
                 ",\"token\":" + json_string(w["token"]) + "}";
    return "{\"port\":" + std::to_string(port_) + ",\"requester\":" + requester(requester_) +
           ",\"other\":" + requester(other_) + ",\"workers\":[" + workers + "]}";
  }

  // SIGTERM; the exit code.
  int stop() {
    if (!server_)
      return -1;
    server_->signal(SIGTERM);
    int code = server_->wait(clock_type::now() + 30s);
    server_.reset();
    return code;
  }

private:
  temp_dir dir_;
  // The data directory, inside the temporary one: its secrets key file
  // (DIR.key, beside it) goes away with it too.
  std::string data_ = dir_.path + "/data";
  std::map<std::string, std::string> requester_, other_;
  std::vector<std::map<std::string, std::string>> workers_;
  std::unique_ptr<process> server_;
  int port_ = 0;
  std::string error_;
};

// Runs a scenario script against a fresh server; checks its verdict.
void run_scenario(std::vector<std::string> argv) {
  served_hitd s;
  ASSERT_TRUE(s.error().empty()) << s.error();
  argv.push_back(s.scenario_json());
  process script{argv};
  ASSERT_TRUE(script.started());
  // The scripts bound themselves (150 s); this is the harness's own bound.
  const auto deadline = clock_type::now() + 200s;
  const std::string output = script.read_all(deadline);
  const int code = script.wait(deadline + 5s);
  const int server_code = s.stop();
  EXPECT_EQ(code, 0) << argv[1] << " failed; its output:\n" << output << "\n" << s.server_log();
  EXPECT_NE(output.find("\nPASS"), std::string::npos) << "no PASS verdict (the output is above)";
  EXPECT_EQ(server_code, 0) << "hitd serve did not stop cleanly on SIGTERM\n" << s.server_log();
}

TEST(MturkSdk, JavaScriptSdkV3DrivesTheRequesterApi) {
  const std::string node = find_node();
  ASSERT_FALSE(node.empty()) << "node (Node.js) is not installed: run scripts/setup.sh (as root), which installs it "
                                "and the test clients' npm packages";
  for (const char* package : {"@aws-sdk/client-mturk", "ws"})
    ASSERT_TRUE(fs::is_regular_file(node_dir + "/node_modules/" + package + "/package.json"))
        << "the npm package " << package << " is missing from " << node_dir
        << "/node_modules: run scripts/setup.sh (or `npm ci` in that directory)";
  const std::string script = node_dir + "/mturk_scenario.mjs";
  ASSERT_TRUE(fs::is_regular_file(script)) << script;
  run_scenario({node, script});
}

TEST(MturkSdk, Boto3DrivesTheRequesterApi) {
  ASSERT_EQ(access(debian_python.c_str(), X_OK), 0)
      << debian_python << " (Debian's python3) is missing: run scripts/setup.sh (as root)";
  int code = 0;
  auto out = run({debian_python, "-c", "import boto3, botocore, websocket; print(boto3.__version__)"}, code);
  ASSERT_EQ(code, 0) << "Debian's python3-boto3 or python3-websocket is not installed (" << out
                     << "): run scripts/setup.sh (as root)";
  const std::string script = python_dir + "/mturk_scenario.py";
  ASSERT_TRUE(fs::is_regular_file(script)) << script;
  run_scenario({debian_python, script});
}

} // namespace
