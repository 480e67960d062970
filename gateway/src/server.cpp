#include "hitd/gateway/server.hpp"

#include <chrono>
#include <thread>

#include "context.hpp"
#include "hitd/gateway/basic_handler.hpp"
#include "transport.hpp"

namespace hitd::gateway {

status validate(const server_options& o) {
  auto bad = [](std::string what) -> status { return error{errc::invalid_parameter_value, std::move(what)}; };
  if (o.threads < 1 || o.threads > limits::io_threads_max)
    return bad("threads must be 1 to " + std::to_string(limits::io_threads_max));
  if (o.max_connections < 1)
    return bad("max-connections must be at least 1");
  if (o.read_message_max_bytes < 16)
    return bad("read-message-max must be at least 16 bytes");
  if (o.outbound_queue_max_bytes < o.read_message_max_bytes)
    return bad("outbound-queue-max-bytes must be at least read-message-max (a reply can be as large as a request)");
  if (o.outbound_queue_max_messages < 1)
    return bad("outbound-queue-max-messages must be at least 1");
  if (!(o.commands_per_s > 0) || !(o.command_burst >= 1))
    return bad("commands-per-s must be above 0 and command-burst at least 1");
  if (o.idle_timeout_s < 2)
    return bad("idle-timeout must be at least 2 s");
  if (o.handshake_timeout_s < 1 || o.http_request_timeout_s < 1)
    return bad("timeouts must be at least 1 s");
  return done{};
}

struct server::impl {
  impl(server_options o, hitd::engine& e, std::shared_ptr<credentials> c, logger& l, handler_factory f)
      : ctx(std::move(o), e, std::move(c), l, std::move(f)), net(ctx) {}
  context ctx;   // declared first: outlives the transport and every session
  transport net;
  uint16_t port = 0;
  bool started = false;
  bool stopped = false;
};

server::server(server_options opts, hitd::engine& engine, std::shared_ptr<credentials> creds, logger& log,
               handler_factory factory) {
  impl_ = std::make_unique<impl>(std::move(opts), engine, std::move(creds), log, std::move(factory));
  if (!impl_->ctx.factory)
    impl_->ctx.factory = basic_handler_factory(impl_->ctx.metrics);
}

server::~server() { shutdown(); }

void server::set_handler_factory(handler_factory factory) {
  if (impl_->started)
    return;
  impl_->ctx.factory = factory ? std::move(factory) : basic_handler_factory(impl_->ctx.metrics);
}

void server::set_http_handler(http_handler handler) {
  if (!impl_->started)
    impl_->ctx.http = std::move(handler);
}

result<uint16_t> server::start() {
  auto& ctx = impl_->ctx;
  if (impl_->started)
    return impl_->port;
  if (auto v = validate(ctx.opts); !v.ok())
    return v.err();
  auto port = impl_->net.listen();
  if (!port.ok())
    return port;
  impl_->port = *port;
  impl_->net.run();
  impl_->started = true;
  ctx.log.info("listening", {{"address", ctx.opts.listen_address}, {"port", impl_->port}, {"threads", ctx.opts.threads}});
  return impl_->port;
}

uint16_t server::port() const { return impl_->port; }

void server::shutdown() {
  auto& ctx = impl_->ctx;
  if (!impl_->started || impl_->stopped)
    return;
  impl_->stopped = true;
  ctx.shutting_down = true;
  ctx.log.info("shutting down", {{"connections", ctx.hub.size()}});
  impl_->net.stop_accepting();
  ctx.hub.close_all(close_code::going_away, "server shutting down");
  // Wait (bounded) for every WebSocket to finish its closing handshake and
  // every HTTP answer to be written.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ctx.opts.shutdown_drain_ms);
  while (std::chrono::steady_clock::now() < deadline && (ctx.hub.reserved() > 0 || ctx.http_in_flight.load() > 0)) {
    ctx.hub.close_all(close_code::going_away, "server shutting down");   // sessions that opened meanwhile
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto left = ctx.hub.reserved();
  impl_->net.stop();
  // No thread outside may touch a session once the io_context goes (door.hpp).
  if (!ctx.door->close_and_wait(std::chrono::seconds(10)))
    ctx.log.error("threads still inside sessions at shutdown", {});
  ctx.door->drop_held();
  ctx.log.info("stopped", {{"connections_dropped", left}});
}

bool server::shutting_down() const { return impl_->ctx.shutting_down.load(); }

void server::broadcast(std::shared_ptr<const std::string> frame) {
  if (auto pass = impl_->ctx.door->enter())
    impl_->ctx.hub.broadcast(frame);
}

size_t server::connections() const { return impl_->ctx.hub.size(); }

gateway::metrics& server::metrics() { return impl_->ctx.metrics; }

const server_options& server::options() const { return impl_->ctx.opts; }

} // namespace hitd::gateway
