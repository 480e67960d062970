#pragma once
// hitd-load's scenario: what to run, from a JSON file and/or flags (the file
// first, flags override it; docs/load-testing.md lists every option), and the
// accounts file `hitd admin create-accounts` writes. Plain C++ here; the
// parsing (Boost.JSON) is in scenario.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hitd::load {

enum class loop_mode { closed, open };
enum class arrival { uniform, poisson };

// What one iteration does; drawn by weight from the scenario's mix.
//   lifecycle            CreateHIT, then per assignment: a worker accepts and submits over
//                        the WebSocket, the requester approves (or rejects) over the API
//   get_hit              GetHIT of a HIT this run created (ListHITs before the first exists)
//   list_hits            ListHITs, MaxResults 10
//   get_account_balance  GetAccountBalance
//   dashboard            a worker's dashboard over the WebSocket
//   ping                 a worker's application ping over the WebSocket
inline constexpr const char* action_names[] = {"lifecycle", "get_hit", "list_hits", "get_account_balance",
                                               "dashboard", "ping"};

struct scenario {
  std::string name = "flags";
  std::string target = "127.0.0.1:8080";   // host:port of `hitd serve`
  bool allow_remote = false;               // else only 127.0.0.0/8, ::1 and localhost
  std::string accounts;                    // the file `hitd admin create-accounts` wrote
  loop_mode mode = loop_mode::closed;
  uint32_t concurrency = 4;                // closed loop: virtual users
  double rate = 10;                        // open loop: iterations started per second
  arrival arrivals = arrival::uniform;     // open loop: fixed gaps or Poisson
  double duration_s = 10;                  // no iteration starts after this
  uint64_t max_requests = 100'000;         // no iteration starts after this many requests
  uint64_t max_iterations = 0;             // nor after this many iterations started (0: no bound)
  uint32_t max_in_flight = 1'000;          // open loop: iterations at once (more are skipped, counted)
  double timeout_s = 10;                   // per request
  uint64_t think_min_ms = 0;               // closed loop: pause between a user's iterations,
  uint64_t think_max_ms = 0;               // uniform in [min, max]
  int64_t reward_cents = 5;                // the lifecycle's HITs
  uint32_t assignments = 1;
  int64_t lifetime_s = 3'600;
  int64_t assignment_duration_s = 600;
  int64_t auto_approval_delay_s = 86'400;
  uint32_t reject_percent = 0;             // of the submitted assignments, rejected instead of approved
  std::vector<std::pair<std::string, uint32_t>> mix = {{"lifecycle", 1}};
  uint32_t feed_readers = 0;               // workers that also subscribe to the feed (events counted)
  uint32_t requesters = 0;                 // use the first N of the accounts file (0: all)
  uint32_t workers = 0;                    // use the first M (0: all)
  uint32_t http_connections = 32;          // keep-alive connections to the requester API at most
  uint64_t seed = 1;
};

// Sets one option by its name (the flag's name without dashes; a file's key
// with '_' for '-': think_ms or think-ms). Returns an error message, empty
// when set.
std::string set_option(scenario& s, const std::string& name, const std::string& value);

// Reads a scenario file's text (one JSON object of options) into s.
std::string apply_scenario_json(scenario& s, const std::string& text);

// Checks the whole (bounds, the mix, the target); an error message or empty.
std::string validate(const scenario& s);

// The scenario as a JSON object (echoed in the report).
std::string scenario_json(const scenario& s);

// host and port of s.target ("127.0.0.1:8080", "[::1]:8080", "localhost:8080").
bool split_target(const std::string& target, std::string& host, uint16_t& port);
bool is_loopback_host(const std::string& host);

// "1.25" -> 125 cents; at most two decimals, no sign, at most 1e9 dollars.
std::optional<int64_t> parse_cents(const std::string& text);
std::string format_cents(int64_t cents);

struct requester_account {
  std::string requester_id, access_key_id, secret_access_key;
};
struct worker_account {
  std::string worker_id, token;
};
struct accounts {
  std::vector<requester_account> requesters;
  std::vector<worker_account> workers;
};

// The JSON of `hitd admin create-accounts`.
std::optional<accounts> parse_accounts(const std::string& text, std::string& why);

} // namespace hitd::load
