#include "hitd/storage_port.hpp"

namespace hitd {

record_key& record_key::number(uint64_t n) {
  for (int shift = 56; shift >= 0; shift -= 8)
    key_.push_back(static_cast<char>((n >> shift) & 0xff));
  return *this;
}

record_key& record_key::number32(uint32_t n) {
  for (int shift = 24; shift >= 0; shift -= 8)
    key_.push_back(static_cast<char>((n >> shift) & 0xff));
  return *this;
}

record_key& record_key::text(const std::string& s) {
  key_ += s;
  key_.push_back('\0');
  return *this;
}

void memory_store::commit(write_batch batch, std::function<void(status)> done) {
  bool failed = false;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    failed = failing_;
    if (!failed) {
      for (auto& r : batch) {
        if (r.value)
          records_[r.key] = std::move(r);
        else
          records_.erase(r.key);
      }
      ++batches_;
    }
  }
  if (failed)
    done(error{errc::storage_failure, "the store refused the write"});
  else
    done(hitd::done{});
}

std::shared_ptr<const void> memory_store::get(const std::string& key) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = records_.find(key);
  return it == records_.end() ? nullptr : it->second.value;
}

size_t memory_store::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return records_.size();
}

uint64_t memory_store::batches() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return batches_;
}

size_t memory_store::count(record_kind kind) const {
  std::lock_guard<std::mutex> guard{mutex_};
  size_t n = 0;
  for (const auto& [key, r] : records_)
    n += r.kind == kind;
  return n;
}

void memory_store::fail_writes(bool on) {
  std::lock_guard<std::mutex> guard{mutex_};
  failing_ = on;
}

} // namespace hitd
