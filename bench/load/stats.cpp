#include "stats.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <sstream>

namespace hitd::load {

namespace json = boost::json;

void run_stats::finish(const std::string& command, uint64_t us, bool answered, const std::string& code,
                       const std::string& message) {
  auto& c = commands[command];
  ++c.count;
  if (answered)
    c.latency.record(us);
  if (code.empty()) {
    ++c.ok;
    return;
  }
  ++c.failed;
  ++c.errors[code];
  if (error_examples.size() < 64 && !error_examples.count(code))
    error_examples[code] = message.substr(0, 300);
}

uint64_t run_stats::errors_total() const {
  uint64_t n = 0;
  for (auto& [name, c] : commands)
    if (name != "lifecycle")
      n += c.failed;
  return n;
}

std::map<std::string, uint64_t> run_stats::errors_by_code() const {
  std::map<std::string, uint64_t> out;
  for (auto& [name, c] : commands)
    if (name != "lifecycle")
      for (auto& [code, n] : c.errors)
        out[code] += n;
  return out;
}

histogram run_stats::all_requests() const {
  histogram h;
  for (auto& [name, c] : commands)
    if (name != "lifecycle")
      h.merge(c.latency);
  return h;
}

namespace {

json::object latency_json(const histogram& h) {
  return {{"count", h.count()},        {"min", h.min()},
          {"mean", h.mean()},          {"p50", h.quantile(0.50)},
          {"p90", h.quantile(0.90)},   {"p99", h.quantile(0.99)},
          {"p99_9", h.quantile(0.999)}, {"max", h.max()}};
}

std::string ms(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(us) / 1000.0);
  return buf;
}

double per_s(uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0; }

} // namespace

std::string report_json(const scenario& s, const run_stats& r) {
  json::object commands;
  for (auto& [name, c] : r.commands) {
    json::object errors;
    for (auto& [code, n] : c.errors)
      errors[code] = n;
    commands[name] = json::object{{"count", c.count},
                                  {"ok", c.ok},
                                  {"failed", c.failed},
                                  {"per_s", per_s(c.count, r.elapsed_s)},
                                  {"latency_us", latency_json(c.latency)},
                                  {"errors", std::move(errors)}};
  }
  json::object errors;
  for (auto& [code, n] : r.errors_by_code())
    errors[code] = n;
  json::object examples;
  for (auto& [code, m] : r.error_examples)
    examples[code] = m;
  json::array balances;
  for (auto& b : r.balances) {
    json::object o{{"requester_id", b.requester_id}};
    auto amount = [&](const char* key, int64_t cents) {
      if (cents >= 0)
        o[key] = format_cents(cents);
    };
    amount("available_start", b.available_start);
    amount("on_hold_start", b.on_hold_start);
    amount("available_end", b.available_end);
    amount("on_hold_end", b.on_hold_end);
    balances.push_back(std::move(o));
  }
  auto lifecycles = r.commands.count("lifecycle") ? r.commands.at("lifecycle").ok : 0;
  json::object o{{"tool", "hitd-load"},
                 {"scenario", json::parse(scenario_json(s))},
                 {"interrupted", r.interrupted},
                 {"elapsed_s", r.elapsed_s},
                 {"drain_s", r.drain_s},
                 {"iterations_started", r.iterations_started},
                 {"skipped", r.skipped},
                 {"abandoned", r.abandoned},
                 {"requests", r.requests_sent},
                 {"requests_per_s", per_s(r.requests_sent, r.elapsed_s)},
                 {"lifecycles_completed", lifecycles},
                 {"lifecycles_per_s", per_s(lifecycles, r.elapsed_s)},
                 {"approved", r.approved},
                 {"rejected", r.rejected},
                 {"errors_total", r.errors_total()},
                 {"errors", std::move(errors)},
                 {"error_examples", std::move(examples)},
                 {"events", json::object{{"feed", r.feed_events}, {"personal", r.personal_events}}},
                 {"latency_us", latency_json(r.all_requests())},
                 {"commands", std::move(commands)},
                 {"balances", std::move(balances)}};
  return json::serialize(o) + "\n";
}

std::string report_table(const scenario& s, const run_stats& r) {
  std::ostringstream out;
  char line[256];
  out << "hitd-load: scenario \"" << s.name << "\" against " << s.target << ", "
      << (s.mode == loop_mode::open ? "open loop at " : "closed loop, ");
  if (s.mode == loop_mode::open)
    out << s.rate << " iterations/s (" << (s.arrivals == arrival::poisson ? "Poisson" : "uniform") << ")\n";
  else
    out << s.concurrency << " users, think " << s.think_min_ms << "-" << s.think_max_ms << " ms\n";
  std::snprintf(line, sizeof line, "elapsed %.2f s (drain %.2f s); %llu requests (%.1f/s), %llu errors\n", r.elapsed_s,
                r.drain_s, static_cast<unsigned long long>(r.requests_sent), per_s(r.requests_sent, r.elapsed_s),
                static_cast<unsigned long long>(r.errors_total()));
  out << line;
  if (r.interrupted)
    out << "interrupted: the load ended early (SIGINT or SIGTERM)\n";
  out << "latency in ms from each request's scheduled send time\n";
  std::snprintf(line, sizeof line, "%-22s %9s %9s %8s %9s %9s %9s %9s %9s %9s\n", "command", "count", "errors", "per s",
                "p50", "p90", "p99", "p99.9", "max", "mean");
  out << line;
  for (auto& [name, c] : r.commands) {
    std::snprintf(line, sizeof line, "%-22s %9llu %9llu %8.1f %9s %9s %9s %9s %9s %9s\n", name.c_str(),
                  static_cast<unsigned long long>(c.count), static_cast<unsigned long long>(c.failed),
                  per_s(c.count, r.elapsed_s), ms(c.latency.quantile(0.5)).c_str(), ms(c.latency.quantile(0.9)).c_str(),
                  ms(c.latency.quantile(0.99)).c_str(), ms(c.latency.quantile(0.999)).c_str(),
                  ms(c.latency.max()).c_str(), ms(c.latency.mean()).c_str());
    out << line;
  }
  std::snprintf(line, sizeof line, "approved %llu, rejected %llu; events: feed %llu, personal %llu", 
                static_cast<unsigned long long>(r.approved), static_cast<unsigned long long>(r.rejected),
                static_cast<unsigned long long>(r.feed_events), static_cast<unsigned long long>(r.personal_events));
  out << line;
  if (r.skipped || r.abandoned)
    out << "; skipped " << r.skipped << " (in-flight bound), abandoned " << r.abandoned << " (drain over)";
  out << "\n";
  auto errors = r.errors_by_code();
  if (!errors.empty()) {
    out << "errors by code:\n";
    for (auto& [code, n] : errors) {
      out << "  " << code << "  " << n;
      if (r.error_examples.count(code))
        out << "  (" << r.error_examples.at(code) << ")";
      out << "\n";
    }
  }
  for (auto& b : r.balances)
    if (b.available_start >= 0 && b.available_end >= 0)
      out << "requester " << b.requester_id << ": available " << format_cents(b.available_start) << " -> "
          << format_cents(b.available_end) << ", on hold " << format_cents(b.on_hold_start) << " -> "
          << format_cents(b.on_hold_end) << "\n";
  return out.str();
}

std::string progress_line(const run_stats& r, double elapsed_s) {
  auto all = r.all_requests();
  uint64_t lifecycles = r.commands.count("lifecycle") ? r.commands.at("lifecycle").ok : 0;
  char line[200];
  std::snprintf(line, sizeof line, "%6.1f s  requests %llu (%.0f/s)  lifecycles %llu  errors %llu  p99 %s ms",
                elapsed_s, static_cast<unsigned long long>(r.requests_sent), per_s(r.requests_sent, elapsed_s),
                static_cast<unsigned long long>(lifecycles), static_cast<unsigned long long>(r.errors_total()),
                ms(all.quantile(0.99)).c_str());
  return line;
}

} // namespace hitd::load
