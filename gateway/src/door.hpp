#pragma once
// The door: how threads outside the io_context (engine callbacks, the feed,
// whoever calls server::broadcast) reach sessions, so that none of them
// touches a session after the io_context is gone.
//
// Why: such a thread that locks a session's weak_ptr, or holds an HTTP
// session until its answer comes, may drop the session's last reference.
// The session is then destroyed on that thread, and its socket and timers
// with it, and those need their io_context alive; so does a post to its
// strand. A server destroyed meanwhile (the engine outlives it) destroyed
// the io_context first: a use after free, seen once as a segfault at a
// test's end (an engine callback in flight when the server went).
//
// So every call from outside holds a pass while it runs. The server, before
// it destroys the io_context, closes the door and waits for the passes to
// come back; from then on enter() fails and those calls do nothing. The door
// also holds the HTTP sessions waiting for an answer from outside (the
// responder keeps only a number), and drop_held() lets them go on the
// server's thread, after the door is closed and before the io_context goes.
//
// Plain std, no Asio: shared by the server's context, every session_handle
// and every HTTP responder, which may outlive the server.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace hitd::gateway {

class door {
public:
  // Held by a thread while it uses a session; false when the door is closed.
  class pass {
  public:
    pass() = default;
    explicit pass(door* d) : d_(d) {}
    pass(pass&& o) noexcept : d_(o.d_) { o.d_ = nullptr; }
    pass& operator=(pass&&) = delete;
    pass(const pass&) = delete;
    ~pass() {
      if (d_)
        d_->inside_.fetch_sub(1);
    }
    explicit operator bool() const { return d_ != nullptr; }

  private:
    door* d_ = nullptr;
  };

  pass enter() {
    // Sequentially consistent both ways (here and in close_and_wait): either
    // close_and_wait sees this thread inside, or this thread sees the door closed.
    inside_.fetch_add(1);
    if (closed_.load()) {
      inside_.fetch_sub(1);
      return pass{};
    }
    return pass{this};
  }

  // Closes the door and waits for every pass to come back. A pass is held
  // for a post or a queued frame, microseconds; bound is a backstop. Returns
  // false when passes were still out at the bound.
  bool close_and_wait(std::chrono::milliseconds bound) {
    closed_.store(true);
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (inside_.load() != 0) {
      if (std::chrono::steady_clock::now() >= deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return true;
  }

  // An HTTP session waiting for its answer, kept alive here: its number.
  uint64_t hold(std::shared_ptr<void> session) {
    std::lock_guard lock{mutex_};
    uint64_t id = next_++;
    held_.emplace(id, std::move(session));
    return id;
  }

  // The held session, once (empty if taken already or dropped). Call with a
  // pass, and hand the session to its strand before the pass goes.
  std::shared_ptr<void> take(uint64_t id) {
    std::lock_guard lock{mutex_};
    auto it = held_.find(id);
    if (it == held_.end())
      return nullptr;
    auto s = std::move(it->second);
    held_.erase(it);
    return s;
  }

  // After close_and_wait, on the server's thread: the sessions still waiting
  // are destroyed here, while their io_context exists.
  void drop_held() {
    std::unordered_map<uint64_t, std::shared_ptr<void>> held;
    {
      std::lock_guard lock{mutex_};
      held.swap(held_);
    }
  }

private:
  std::atomic<uint64_t> inside_{0};
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  uint64_t next_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<void>> held_;
};

} // namespace hitd::gateway
