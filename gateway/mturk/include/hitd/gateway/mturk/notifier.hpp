#pragma once
// Notifications (UpdateNotificationSettings, SendTestEventNotification):
// the events of a requester's HIT types, in MTurk's event document shape,
// delivered to the destination of the HIT type's notification settings.
//
// The notifier subscribes to the engine's events. The engine's callback only
// copies the event into a bounded queue; a thread of the notifier's own
// looks up the HIT type's settings (cached, bounded; the API tells it when
// they change), builds the document and hands it to a notification_sender,
// retrying failed deliveries with backoff, a bounded number of times.
//
// Transports: MTurk's are Email, SQS and SNS. hitd has no mail, queue or
// topic service; it delivers by HTTP POST to the Destination URL. Which
// Transport values are accepted with a URL destination, and which hosts a
// destination may name (loopback only by default: a requester must not make
// the server post anywhere), is in notifier_options. docs/mturk-compat.md.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hitd/engine.hpp"
#include "hitd/gateway/mturk/api.hpp"
#include "hitd/model.hpp"
#include "hitd/result.hpp"

namespace hitd::gateway_mturk {

// Delivers one document by HTTP POST. Implemented by the gateway (Beast);
// tests may implement it too. done is called once, from any thread, with
// whether the receiver answered 2xx (and, if not, why).
class notification_sender {
public:
  virtual ~notification_sender() = default;
  virtual void post(std::string url, std::string content_type, std::string body,
                    std::function<void(status)> done) = 0;
};

// An http:// URL split for a sender: host (IPv6 without brackets), port
// (80 when absent), target ("/" when absent, query included).
struct http_url {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";
};
// Parses "http://host[:port][/path][?query]". No user info, no fragment;
// https:// is refused (hitd does not speak TLS to destinations).
result<http_url> parse_http_url(std::string_view url);

struct notifier_options {
  size_t queue_max = 100'000;            // events waiting to be looked at; beyond: dropped and counted
  size_t in_flight_max = 256;            // deliveries posted and not answered
  size_t documents_max = 10'000;         // documents waiting for a delivery slot or a retry; beyond: dropped
  size_t settings_cache_max = 10'000;    // HIT types whose settings are cached
  uint32_t attempts_max = 5;             // per document, the first included
  uint32_t first_retry_ms = 500;         // doubled each attempt
  // Hosts a destination URL may name: "127.0.0.0/8" style IPv4 prefixes,
  // "::1", or exact host names. Default: loopback only.
  std::vector<std::string> allowed_hosts = {"127.0.0.0/8", "::1", "localhost"};
};

struct notifier_stats {
  uint64_t events_seen = 0;
  uint64_t documents_sent = 0;       // delivered (2xx)
  uint64_t retries = 0;
  uint64_t failures = 0;             // gave up after attempts_max
  uint64_t dropped = 0;              // queue full (events or documents)
  uint64_t abandoned = 0;            // still waiting (queued or for a retry) when stop() ran
  uint64_t events_handled = 0;       // events_seen the notifier's thread has looked at
  uint64_t last_seq = 0;             // the last engine event the subscription saw (any type)
  uint64_t in_flight = 0;            // deliveries posted and not answered now
  uint64_t waiting = 0;              // documents waiting for a slot or a retry now
};

class notifier final : public notification_port {
public:
  notifier(hitd::engine& engine, notification_sender& sender, notifier_options opts = {});
  ~notifier();   // stop()
  notifier(const notifier&) = delete;
  notifier& operator=(const notifier&) = delete;

  void start();
  // Stops taking events and waits (bounded) for deliveries in flight.
  void stop();

  // Whether a spec can be delivered: a Transport hitd delivers, an allowed
  // http:// destination, known event types, a known Version. The API calls
  // it before UpdateNotificationSettings and SendTestEventNotification.
  status validate(const notification_spec& spec) const override;
  // The API calls this after UpdateNotificationSettings succeeded.
  void settings_changed(const std::string& hit_type_id) override;
  // SendTestEventNotification: one document with one event of
  // test_event_type (an MTurk event type name) to spec's destination.
  // Answers once delivered, or with the delivery's error after retries.
  void send_test(const std::string& requester_id, const notification_spec& spec, const std::string& test_event_type,
                 std::function<void(status)> done) override;

  notifier_stats stats() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace hitd::gateway_mturk
