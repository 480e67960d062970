#pragma once
// The hub: every open WebSocket session, for broadcast and shutdown, and the
// connection count the limit is checked against. No Beast here: sessions
// are reached through session_sink, whose methods post to their strands.
//
// A connection holds a slot from reserve() (at the upgrade, before the
// WebSocket handshake) until release(), so the limit also counts handshakes
// in progress. Sessions join once open and leave when closed.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "hitd/gateway/session_sink.hpp"

namespace hitd::gateway {

class hub {
public:
  explicit hub(size_t max_connections) : max_(max_connections) {}

  bool reserve();    // false when max_connections slots are taken
  void release();
  size_t reserved() const;

  void join(uint64_t id, std::weak_ptr<session_sink> s);
  void leave(uint64_t id);
  size_t size() const;

  // Copies the sessions under the lock, sends after releasing it (chat-multi).
  void broadcast(const std::shared_ptr<const std::string>& frame);
  void close_all(uint16_t code, const std::string& reason);

private:
  std::vector<std::shared_ptr<session_sink>> snapshot() const;

  const size_t max_;
  mutable std::mutex mutex_;
  size_t reserved_ = 0;
  std::unordered_map<uint64_t, std::weak_ptr<session_sink>> sessions_;
};

} // namespace hitd::gateway
