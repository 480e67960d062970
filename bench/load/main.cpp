// hitd-load: a load generator for a running `hitd serve`, through its real
// interfaces: the MTurk requester API (SigV4-signed HTTP) for requesters and
// the WebSocket protocol for workers. docs/load-testing.md says how to run
// it; bench/load/scenarios/ has example scenarios.
//
//   hitd admin create-accounts --data-dir DIR --requesters 2 --workers 16 --past-probation --out accounts.json
//   hitd serve --data-dir DIR --listen 127.0.0.1:8080 --commands-per-s 1000 --command-burst 1000 &
//   hitd-load --scenario bench/load/scenarios/lifecycle-closed.json --accounts accounts.json --json report.json
//
// Exit codes: 0 the run completed, 1 it could not start (see the message),
// 2 bad arguments, 3 with --fail-on-error: some request failed, or an
// iteration was skipped or abandoned.

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "runner.hpp"
#include "scenario.hpp"
#include "stats.hpp"

namespace {

constexpr const char* usage = R"(usage: hitd-load [--scenario FILE] [--accounts FILE] [options]

Drives a running `hitd serve` through the requester API (requesters) and the
WebSocket protocol (workers) and reports throughput, latency percentiles per
command (measured from each request's scheduled send time) and errors by
code. Options override the scenario file's keys of the same name
(docs/load-testing.md).

  --scenario FILE        a JSON scenario (bench/load/scenarios/)
  --accounts FILE        the credentials `hitd admin create-accounts` wrote
  --json FILE            write the report as JSON to FILE ("-": stdout)
  --progress / --no-progress   the live line on stderr (default: when stderr is a terminal)
  --fail-on-error        exit 3 when any request failed or an iteration was skipped/abandoned
  --target HOST:PORT     the server (default 127.0.0.1:8080; loopback only unless --allow-remote)
  --allow-remote         allow a target that is not 127.0.0.0/8, ::1 or localhost
  --mode closed|open     closed: N users, each waits for its answer (+ think time);
                         open: iterations start at --rate per second whatever the answers
  --concurrency N        closed loop: users (default 4)
  --think-ms MIN[:MAX]   closed loop: pause between a user's iterations (default 0)
  --rate R               open loop: iterations per second (default 10)
  --arrival uniform|poisson   open loop: fixed gaps or exponential ones (default uniform)
  --max-in-flight N      open loop: iterations at once; more are skipped and counted (default 1000)
  --duration S           no iteration starts after S seconds (default 10)
  --max-requests N       no iteration starts after N requests (default 100000)
  --max-iterations N     nor after N iterations (with a lifecycle mix: N HITs; default 0, no bound)
  --timeout S            per request (default 10)
  --mix A=W,...          iteration mix by weight: lifecycle, get_hit, list_hits,
                         get_account_balance, dashboard, ping (default lifecycle=1)
  --reward 0.05  --assignments N  --lifetime S  --assignment-duration S  --auto-approval-delay S
                         the lifecycle's HITs
  --reject-percent P     reject P% of the submitted assignments instead of approving them
  --feed-readers N       the first N workers also subscribe to the HIT feed (events counted)
  --requesters N  --workers M   use the first N / M accounts of the file (default all)
  --http-connections N   keep-alive connections to the requester API at most (default 32)
  --seed N               the random choices (mix, workers, rejections, Poisson gaps)
  --name NAME            the scenario's name in the report
)";

int fail(const std::string& why, int code = 2) {
  std::cerr << "hitd-load: " << why << "\n";
  return code;
}

bool read_file(const std::string& name, std::string& out) {
  std::ifstream in{name};
  if (!in)
    return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

} // namespace

int main(int argc, char** argv) {
  using namespace hitd::load;
  scenario s;
  std::string scenario_file, json_file;
  bool fail_on_error = false;
  int progress = isatty(2) ? 1 : 0;
  std::vector<std::pair<std::string, std::string>> options;
  const std::set<std::string> flags = {"allow-remote"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    }
    if (a.rfind("--", 0) != 0)
      return fail("unexpected argument " + a + " (see --help)");
    a = a.substr(2);
    std::string value;
    if (auto eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else if (a == "progress" || a == "no-progress" || a == "fail-on-error" || flags.count(a)) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fail("--" + a + " needs a value");
    }
    if (a == "scenario")
      scenario_file = value;
    else if (a == "json")
      json_file = value;
    else if (a == "progress")
      progress = 1;
    else if (a == "no-progress")
      progress = 0;
    else if (a == "fail-on-error")
      fail_on_error = true;
    else
      options.emplace_back(a, value);
  }
  if (!scenario_file.empty()) {
    std::string text;
    if (!read_file(scenario_file, text))
      return fail("cannot read the scenario " + scenario_file);
    if (auto why = apply_scenario_json(s, text); !why.empty())
      return fail(scenario_file + ": " + why);
  }
  for (auto& [name, value] : options)
    if (auto why = set_option(s, name, value); !why.empty())
      return fail(why);
  if (auto why = validate(s); !why.empty())
    return fail(why);
  if (s.accounts.empty())
    return fail("--accounts FILE is required (write it with `hitd admin create-accounts`)");
  std::string text, why;
  if (!read_file(s.accounts, text))
    return fail("cannot read the accounts file " + s.accounts);
  auto acc = parse_accounts(text, why);
  if (!acc)
    return fail(s.accounts + ": " + why);

  // A backstop: whatever happens, the process ends (SIGALRM) after the
  // duration, the drain and 10 minutes of setup.
  ::alarm(static_cast<unsigned>(std::ceil(s.duration_s + 4 * s.timeout_s)) + 600);

  run_stats stats;
  if (auto err = run(s, *acc, stats, progress != 0); !err.empty())
    return fail(err, 1);
  std::cout << report_table(s, stats);
  if (!json_file.empty()) {
    auto report = report_json(s, stats);
    if (json_file == "-") {
      std::cout << report;
    } else {
      std::ofstream out{json_file};
      out << report;
      if (!out)
        return fail("cannot write " + json_file, 1);
    }
  }
  if (fail_on_error && (stats.errors_total() > 0 || stats.skipped > 0 || stats.abandoned > 0))
    return 3;
  return 0;
}
