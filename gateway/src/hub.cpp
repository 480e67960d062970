#include "hub.hpp"

#include <vector>

namespace hitd::gateway {

bool hub::reserve() {
  std::lock_guard<std::mutex> lock{mutex_};
  if (reserved_ >= max_)
    return false;
  ++reserved_;
  return true;
}

void hub::release() {
  std::lock_guard<std::mutex> lock{mutex_};
  if (reserved_ > 0)
    --reserved_;
}

size_t hub::reserved() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return reserved_;
}

void hub::join(uint64_t id, std::weak_ptr<session_sink> s) {
  std::lock_guard<std::mutex> lock{mutex_};
  sessions_[id] = std::move(s);
}

void hub::leave(uint64_t id) {
  std::lock_guard<std::mutex> lock{mutex_};
  sessions_.erase(id);
}

size_t hub::size() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return sessions_.size();
}

std::vector<std::shared_ptr<session_sink>> hub::snapshot() const {
  std::vector<std::shared_ptr<session_sink>> out;
  std::lock_guard<std::mutex> lock{mutex_};
  out.reserve(sessions_.size());
  for (const auto& [id, w] : sessions_)
    if (auto s = w.lock())
      out.push_back(std::move(s));
  return out;
}

void hub::broadcast(const std::shared_ptr<const std::string>& frame) {
  for (const auto& s : snapshot())
    s->send(frame);
}

void hub::close_all(uint16_t code, const std::string& reason) {
  for (const auto& s : snapshot())
    s->close(code, reason);
}

} // namespace hitd::gateway
