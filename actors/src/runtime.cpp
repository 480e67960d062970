#include "runtime.hpp"

#include <charconv>

#include "messages.hpp"

namespace hitd::detail {

// ---- event bus ---------------------------------------------------------------------

uint64_t event_bus::subscribe(std::function<void(const event&)> fn) {
  std::lock_guard<std::mutex> g{mutex_};
  subscribers_.emplace_back(next_id_, std::move(fn));
  return next_id_++;
}

void event_bus::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> g{mutex_};
  std::erase_if(subscribers_, [id](const auto& s) { return s.first == id; });
}

void event_bus::publish(std::vector<event>& events) {
  if (events.empty())
    return;
  std::lock_guard<std::mutex> g{mutex_};
  for (auto& e : events) {
    e.seq = seq_.load(std::memory_order_relaxed) + 1;
    seq_.store(e.seq, std::memory_order_release);
    for (auto& s : subscribers_)
      s.second(e);
  }
}

// ---- timers ----------------------------------------------------------------------------

timer_service::timer_service(runtime& rt, timestamp start) : rt_(rt), wheel_(start) {}

timer_service::~timer_service() { stop(); }

void timer_service::schedule(timestamp due, uint64_t hit) {
  std::lock_guard<std::mutex> g{mutex_};
  wheel_.schedule(due, hit);
}

void timer_service::start_thread() {
  thread_ = std::thread([this] { run(); });
}

void timer_service::stop() {
  {
    std::lock_guard<std::mutex> g{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

std::vector<timer_entry> timer_service::take_due(timestamp now) {
  std::vector<timer_entry> due;
  std::lock_guard<std::mutex> g{mutex_};
  wheel_.advance(now, [&](const timer_entry& e) { due.push_back(e); });
  return due;
}

void timer_service::run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> g{mutex_};
      wake_.wait_for(g, std::chrono::milliseconds(rt_.cfg.timer_tick_ms), [this] { return stopping_; });
      if (stopping_)
        return;
    }
    for (const auto& e : take_due(rt_.now()))
      if (auto h = rt_.hits.find(e.target))
        caf::anon_send(h, hit::msg{hit::wake{}});
  }
}

// ---- runtime -------------------------------------------------------------------------------

runtime::runtime(caf::actor_system& s, engine_config c, std::shared_ptr<hitd::clock> k,
                 std::shared_ptr<storage_port> st)
  : sys(s), cfg(std::move(c)), clk(std::move(k)), store(std::move(st)), timers(*this, clk->now()) {}

// ---- pagination -------------------------------------------------------------------------------

size_t page_offset(const page_request& p) {
  size_t off = 0;
  if (!p.next_token.empty())
    std::from_chars(p.next_token.data(), p.next_token.data() + p.next_token.size(), off);
  return off;
}

bool valid_page(const page_request& p) {
  if (p.max_results < 1 || p.max_results > limits::page_results_max)
    return false;
  if (p.next_token.empty())
    return true;
  size_t off = 0;
  auto [ptr, ec] = std::from_chars(p.next_token.data(), p.next_token.data() + p.next_token.size(), off);
  return ec == std::errc{} && ptr == p.next_token.data() + p.next_token.size();
}

std::string next_page_token(size_t offset, size_t total) {
  return offset < total ? std::to_string(offset) : std::string{};
}

} // namespace hitd::detail
