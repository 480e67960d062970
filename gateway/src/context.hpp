#pragma once
// What every session of one server shares: options, engine, credentials,
// log, metrics, hub, the handler factory and the shutdown flag. Owned by
// the server; outlives every session (the io_context is destroyed first).

#include <atomic>
#include <cstdint>
#include <memory>

#include "hitd/engine.hpp"
#include "hitd/gateway/credentials.hpp"
#include "hitd/gateway/http_handler.hpp"
#include "hitd/gateway/log.hpp"
#include "hitd/gateway/metrics.hpp"
#include "hitd/gateway/server.hpp"
#include "hitd/gateway/session_sink.hpp"
#include "door.hpp"
#include "hub.hpp"

namespace hitd::gateway {

struct context {
  context(server_options o, hitd::engine& e, std::shared_ptr<credentials> c, logger& l, handler_factory f)
      : opts(std::move(o)), engine(e), creds(std::move(c)), log(l), hub(opts.max_connections), factory(std::move(f)) {}

  const server_options opts;
  hitd::engine& engine;
  std::shared_ptr<credentials> creds;
  logger& log;
  gateway::metrics metrics;
  gateway::hub hub;
  handler_factory factory;
  http_handler http;                         // other HTTP requests; empty: 404
  std::atomic<bool> shutting_down{false};
  std::atomic<uint64_t> http_in_flight{0};   // HTTP requests read and not yet answered
  std::atomic<uint64_t> next_connection_id{1};
  // How threads outside the io_context reach sessions (door.hpp).
  const std::shared_ptr<gateway::door> door = std::make_shared<gateway::door>();
};

} // namespace hitd::gateway
