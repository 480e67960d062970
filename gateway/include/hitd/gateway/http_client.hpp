#pragma once
// hitd::gateway::http_client: the gateway's notification_sender. It delivers
// the MTurk notifier's documents by HTTP/1.1 POST (Connection: close), on an
// io_context thread of its own, each request bounded in time (connect, write
// and read together) and in the size of the answer it reads. A 2xx status is
// success. Hosts are numeric addresses or "localhost" (127.0.0.1): no DNS,
// so nothing here can block on a resolver. No Beast in this header (pimpl).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hitd/gateway/mturk/notifier.hpp"

namespace hitd::gateway {

struct http_client_options {
  std::chrono::milliseconds timeout{5000};   // connect + write + read, per request
  size_t response_max = 64 * 1024;           // header and body bytes read of an answer
};

struct http_client_stats {
  uint64_t requests = 0;
  uint64_t ok = 0;          // answered 2xx
  uint64_t failed = 0;      // any other answer, or no answer
  uint64_t in_flight = 0;
};

class http_client final : public gateway_mturk::notification_sender {
public:
  explicit http_client(http_client_options opts = {});
  // Closes the connections in flight (their done gets an error) and joins
  // the thread. Posts after destruction begins are answered with an error.
  ~http_client() override;
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  void post(std::string url, std::string content_type, std::string body,
            std::function<void(status)> done) override;

  http_client_stats stats() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace hitd::gateway
