#include "hitd/gateway/metrics.hpp"

#include <cstdio>

namespace hitd::gateway {

namespace {

void line(std::string& out, std::string_view name, std::string_view labels, uint64_t v) {
  out += name;
  out += labels;
  out.push_back(' ');
  out += std::to_string(v);
  out.push_back('\n');
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out.push_back(' ');
  out += help;
  out += "\n# TYPE ";
  out += name;
  out.push_back(' ');
  out += type;
  out.push_back('\n');
}

void counter(std::string& out, std::string_view name, std::string_view help, const std::atomic<uint64_t>& v,
             std::string_view type = "counter") {
  header(out, name, type, help);
  line(out, name, "", v.load(std::memory_order_relaxed));
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Label values are ops and error codes ([a-z_.]); anything else is replaced.
std::string label_value(std::string_view s) {
  std::string out;
  for (char c : s)
    out.push_back((c == '"' || c == '\\' || c == '\n') ? '_' : c);
  return out;
}

} // namespace

void histogram::observe(std::chrono::nanoseconds d) {
  double s = std::chrono::duration<double>(d).count();
  size_t i = 0;
  while (i < bounds_s.size() && s > bounds_s[i])
    ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(d.count() > 0 ? static_cast<uint64_t>(d.count()) : 0, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void histogram::render(std::string& out, std::string_view name, std::string_view help) const {
  header(out, name, "histogram", help);
  uint64_t cumulative = 0;
  std::string bucket = std::string{name} + "_bucket";
  for (size_t i = 0; i < bounds_s.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    line(out, bucket, "{le=\"" + number(bounds_s[i]) + "\"}", cumulative);
  }
  cumulative += buckets_[bounds_s.size()].load(std::memory_order_relaxed);
  line(out, bucket, "{le=\"+Inf\"}", cumulative);
  out += name;
  out += "_sum ";
  out += number(static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  out.push_back('\n');
  line(out, std::string{name} + "_count", "", count_.load(std::memory_order_relaxed));
}

void metrics::note_queued_bytes(uint64_t bytes) {
  uint64_t seen = queued_bytes_high_water.load(std::memory_order_relaxed);
  while (bytes > seen && !queued_bytes_high_water.compare_exchange_weak(seen, bytes, std::memory_order_relaxed)) {
  }
}

namespace {

// One more of (op, result), keeping at most `max` distinct pairs (the rest
// count as ("other", "other")).
void count_pair(std::map<std::pair<std::string, std::string>, uint64_t>& m, std::string_view op,
                std::string_view result, size_t max) {
  auto it = m.find(std::pair<std::string, std::string>{op, result});
  if (it != m.end()) {
    ++it->second;
    return;
  }
  if (m.size() >= max) {
    ++m[{"other", "other"}];
    return;
  }
  m.emplace(std::pair<std::string, std::string>{op, result}, 1);
}

uint64_t pair_count(const std::map<std::pair<std::string, std::string>, uint64_t>& m, std::string_view op,
                    std::string_view result) {
  auto it = m.find(std::pair<std::string, std::string>{op, result});
  return it == m.end() ? 0 : it->second;
}

// A counter by (op, result): one line per pair.
void pair_counters(std::string& out, std::string_view name, std::string_view help,
                   const std::map<std::pair<std::string, std::string>, uint64_t>& m) {
  header(out, name, "counter", help);
  for (const auto& [k, v] : m)
    line(out, name, "{op=\"" + label_value(k.first) + "\",result=\"" + label_value(k.second) + "\"}", v);
}

} // namespace

void metrics::command(std::string_view op, std::string_view result, std::chrono::nanoseconds rtt) {
  command_latency.observe(rtt);
  std::lock_guard<std::mutex> lock{mutex_};
  count_pair(commands_, op, result, command_labels_max);
}

uint64_t metrics::commands(std::string_view op, std::string_view result) const {
  std::lock_guard<std::mutex> lock{mutex_};
  return pair_count(commands_, op, result);
}

void metrics::api_request(std::string_view op, std::string_view result, std::chrono::nanoseconds took) {
  api_latency.observe(took);
  std::lock_guard<std::mutex> lock{mutex_};
  count_pair(api_requests_, op, result, command_labels_max);
}

uint64_t metrics::api_requests(std::string_view op, std::string_view result) const {
  std::lock_guard<std::mutex> lock{mutex_};
  return pair_count(api_requests_, op, result);
}

std::string metrics::render(std::string_view extra) const {
  std::string out;
  out.reserve(8192);
  counter(out, "hitd_ws_connections_open", "WebSocket connections open now", connections_open, "gauge");
  counter(out, "hitd_ws_connections_total", "WebSocket connections opened since start", connections_total);
  header(out, "hitd_ws_upgrades_refused_total", "counter", "WebSocket upgrades refused, by reason");
  line(out, "hitd_ws_upgrades_refused_total", "{reason=\"auth\"}", refused_auth.load());
  line(out, "hitd_ws_upgrades_refused_total", "{reason=\"origin\"}", refused_origin.load());
  line(out, "hitd_ws_upgrades_refused_total", "{reason=\"unavailable\"}", refused_full.load());
  counter(out, "hitd_ws_frames_in_total", "WebSocket frames read", frames_in);
  counter(out, "hitd_ws_frames_out_total", "WebSocket frames written", frames_out);
  counter(out, "hitd_ws_bytes_in_total", "WebSocket payload bytes read", bytes_in);
  counter(out, "hitd_ws_bytes_out_total", "WebSocket payload bytes written", bytes_out);
  counter(out, "hitd_ws_slow_consumer_closes_total", "connections closed because their outbound queue overflowed",
          slow_consumer_closes);
  counter(out, "hitd_ws_rate_limited_total", "frames refused by the per-connection command rate limit", rate_limited);
  counter(out, "hitd_ws_oversized_frames_total", "connections closed for a frame above read_message_max",
          oversized_frames);
  counter(out, "hitd_ws_protocol_errors_total", "connections closed for a protocol error", protocol_errors);
  counter(out, "hitd_ws_idle_timeouts_total", "connections closed after idle_timeout without a frame", idle_timeouts);
  counter(out, "hitd_errors_total", "socket errors other than a normal close or timeout", errors);
  counter(out, "hitd_http_requests_total", "HTTP requests read (upgrades included)", http_requests);
  counter(out, "hitd_ws_queued_bytes_high_water", "the most bytes one connection ever had queued", queued_bytes_high_water,
          "gauge");
  {
    std::lock_guard<std::mutex> lock{mutex_};
    pair_counters(out, "hitd_commands_total", "commands by op and result", commands_);
    pair_counters(out, "hitd_api_requests_total", "MTurk API requests by operation and result", api_requests_);
  }
  command_latency.render(out, "hitd_command_duration_seconds", "command frame read to reply queued");
  api_latency.render(out, "hitd_api_request_duration_seconds", "MTurk API request read to its answer");
  fanout_latency.render(out, "hitd_fanout_duration_seconds", "frame queued on a connection to written to its socket");
  out += extra;
  return out;
}

} // namespace hitd::gateway
