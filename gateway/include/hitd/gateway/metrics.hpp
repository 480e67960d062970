#pragma once
// The gateway's counters and latency histograms, rendered in Prometheus'
// text exposition format (GET /metrics). Every counter is an atomic:
// sessions on any io thread and engine callbacks update them without locks
// (commands by op and result take a small mutex). The list, with what each
// means, is in docs/operations.md.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace hitd::gateway {

// A latency histogram with fixed buckets from 50 us to 10 s.
class histogram {
public:
  static constexpr std::array<double, 16> bounds_s = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                                      0.5,     1.0,    2.5,     10.0};
  void observe(std::chrono::nanoseconds d);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Appends the _bucket, _sum and _count lines of `name`.
  void render(std::string& out, std::string_view name, std::string_view help) const;

private:
  std::array<std::atomic<uint64_t>, bounds_s.size() + 1> buckets_{};   // last: above every bound
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> count_{0};
};

class metrics {
public:
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> refused_auth{0};      // upgrades refused: missing or bad token (401)
  std::atomic<uint64_t> refused_origin{0};    // upgrades refused: Origin not allowed (403)
  std::atomic<uint64_t> refused_full{0};      // upgrades refused: connection limit or shutting down (503)
  std::atomic<uint64_t> frames_in{0};
  std::atomic<uint64_t> frames_out{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> slow_consumer_closes{0};
  std::atomic<uint64_t> rate_limited{0};      // frames refused by the command rate limit
  std::atomic<uint64_t> oversized_frames{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> errors{0};            // socket errors other than a normal close or timeout
  std::atomic<uint64_t> idle_timeouts{0};
  std::atomic<uint64_t> http_requests{0};
  // The most bytes any one session ever had queued (never above the bound).
  std::atomic<uint64_t> queued_bytes_high_water{0};
  histogram command_latency;   // inbound frame read -> its reply queued (the handler reports)
  histogram fanout_latency;    // frame handed to session_sink::send -> written to the socket
  histogram api_latency;       // MTurk API request read -> its answer handed to the transport

  void note_queued_bytes(uint64_t bytes);
  // One command: op (bounded by the handler: unknown ops count as "unknown"),
  // result ("ok" or an error code) and its round trip.
  void command(std::string_view op, std::string_view result, std::chrono::nanoseconds rtt);
  uint64_t commands(std::string_view op, std::string_view result) const;
  // One MTurk API request: the operation (or "invalid" for a request that
  // named none), its result ("ok", the TurkErrorCode, or the AWS error
  // type) and how long it took.
  void api_request(std::string_view op, std::string_view result, std::chrono::nanoseconds took);
  uint64_t api_requests(std::string_view op, std::string_view result) const;
  // Prometheus text; `extra` (gauges the server adds) is appended as is.
  std::string render(std::string_view extra = {}) const;

private:
  static constexpr size_t command_labels_max = 256;   // distinct (op, result) pairs kept; the rest are "other"
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, uint64_t> commands_;
  std::map<std::pair<std::string, std::string>, uint64_t> api_requests_;
};

} // namespace hitd::gateway
