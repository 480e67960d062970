#pragma once
// The hitd server as `hitd serve` wires it, in-process, for tests with real
// sockets: a real engine on a manual clock (tests/actors/engine_fixture.hpp),
// a feed_hub over it, and the transport on 127.0.0.1 port 0 with the feed's
// handler for every connection and its commands counted in /metrics.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <hitd/gateway/credentials.hpp>
#include <hitd/gateway/feed/feed_hub.hpp>
#include <hitd/gateway/feed/protocol_handler.hpp>
#include <hitd/gateway/server.hpp>

#include "../actors/engine_fixture.hpp"

namespace hitd::gateway::testing {

struct served_feed {
  served_feed() {
    creds = std::make_shared<credentials>(h.store, secrets_key{secrets_key::bytes_t{}});
    hub = std::make_unique<feed_hub>(engine_port);
    EXPECT_TRUE(hub->start().ok());
    server_options o;
    o.listen_address = "127.0.0.1";
    o.port = 0;
    srv = std::make_unique<server>(o, *h.eng, creds, log);
    srv->set_handler_factory(feed_handler_factory(
        *hub, engine_port, [&m = srv->metrics()](std::string_view op, std::string_view result, std::chrono::nanoseconds rtt) {
          m.command(op, result, rtt);
        }));
    port = srv->start().value();
  }
  ~served_feed() {
    srv.reset();
    hub.reset();
  }
  served_feed(const served_feed&) = delete;
  served_feed& operator=(const served_feed&) = delete;

  // A worker past probation with a token (in `tokens`).
  std::string worker() {
    auto w = h.veteran();
    tokens[w] = creds->issue_worker_token(w, h.now()).value();
    return w;
  }

  hitd::test::engine_harness h;
  engine_adapter engine_port{*h.eng};
  logger log{log_level::warn};
  std::shared_ptr<credentials> creds;
  std::unique_ptr<feed_hub> hub;
  std::unique_ptr<server> srv;
  std::map<std::string, std::string> tokens;
  uint16_t port = 0;
};

} // namespace hitd::gateway::testing
