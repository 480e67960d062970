#pragma once
// The sockets: an io_context, its threads and the listener (transport.cpp,
// where Beast lives with http_session; websocket_session.cpp has the rest).
// No Beast in this header.

#include <cstdint>
#include <memory>

#include "context.hpp"
#include "hitd/result.hpp"

namespace hitd::gateway {

class transport {
public:
  explicit transport(context& ctx);
  ~transport();   // stop()
  // Binds and listens on ctx.opts' address and port; the bound port.
  result<uint16_t> listen();
  // Starts accepting and ctx.opts.threads io threads.
  void run();
  void stop_accepting();
  // Stops the io_context and joins its threads.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace hitd::gateway
