#pragma once
// What a run measured, and its reports: the JSON for machines, the table for
// people, the live progress line. Plain C++ (the JSON is built in stats.cpp).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "scenario.hpp"

namespace hitd::load {

// One command (CreateHIT, accept, ...), or the pseudo-command "lifecycle"
// (a whole lifecycle, from its scheduled start to the last decision).
struct command_stats {
  histogram latency;                          // µs, every answered request (success or error reply)
  uint64_t count = 0;                         // finished: ok + failed
  uint64_t ok = 0;
  uint64_t failed = 0;
  std::map<std::string, uint64_t> errors;     // code -> count
};

struct requester_balance {
  std::string requester_id;
  int64_t available_start = -1, on_hold_start = -1;   // cents; -1: not read
  int64_t available_end = -1, on_hold_end = -1;
};

struct run_stats {
  std::map<std::string, command_stats> commands;
  std::map<std::string, std::string> error_examples;   // code -> the first message seen (at most 64 codes)
  uint64_t requests_sent = 0;
  uint64_t iterations_started = 0;
  uint64_t skipped = 0;        // open loop: not started, the in-flight bound was reached
  uint64_t abandoned = 0;      // still in flight when the drain ended
  uint64_t approved = 0, rejected = 0;
  bool interrupted = false;    // ended early by SIGINT or SIGTERM
  uint64_t feed_events = 0, personal_events = 0;
  double elapsed_s = 0;        // from the first scheduled start until the last iteration finished
  double drain_s = 0;          // the part of it after the last start allowed
  std::vector<requester_balance> balances;

  // A command finished `us` after it was due: ok, or failed with `code`
  // (answered: whether the server replied, so the latency counts).
  void finish(const std::string& command, uint64_t us, bool answered, const std::string& code = {},
              const std::string& message = {});
  // Failed requests over every command (not "lifecycle").
  uint64_t errors_total() const;
  std::map<std::string, uint64_t> errors_by_code() const;
  histogram all_requests() const;
};

std::string report_json(const scenario& s, const run_stats& r);
std::string report_table(const scenario& s, const run_stats& r);
std::string progress_line(const run_stats& r, double elapsed_s);

} // namespace hitd::load
