#include "hitd/storage_port.hpp"

#include <algorithm>

namespace hitd {

const char* record_kind_name(record_kind k) {
  switch (k) {
    case record_kind::counter: return "counter";
    case record_kind::hit: return "hit";
    case record_kind::assignment: return "assignment";
    case record_kind::bonus: return "bonus";
    case record_kind::worker: return "worker";
    case record_kind::requester: return "requester";
    case record_kind::requester_hit: return "requester_hit";
    case record_kind::hit_type: return "hit_type";
    case record_kind::worker_block: return "worker_block";
    case record_kind::qualification_type: return "qualification_type";
    case record_kind::qualification_grant: return "qualification_grant";
    case record_kind::ledger_account: return "ledger_account";
    case record_kind::ledger_source: return "ledger_source";
    case record_kind::hit_definition: return "hit_definition";
    case record_kind::outbox: return "outbox";
    case record_kind::deadline: return "deadline";
    case record_kind::qualification_request: return "qualification_request";
    case record_kind::requester_hit_type: return "requester_hit_type";
    case record_kind::request_token: return "request_token";
    case record_kind::pending_hold: return "pending_hold";
    case record_kind::credential: return "credential";
    case record_kind::worker_grant: return "worker_grant";
    case record_kind::deposit_token: return "deposit_token";
    case record_kind::worker_finished: return "worker_finished";
    case record_kind::qualification_retry: return "qualification_retry";
  }
  return "unknown";
}

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

uint64_t key_reader::fixed(size_t width) {
  if (!ok_ || key_.size() - at_ < width) {
    ok_ = false;
    return 0;
  }
  uint64_t n = 0;
  for (size_t i = 0; i < width; ++i)
    n = (n << 8) | static_cast<uint8_t>(key_[at_ + i]);
  at_ += width;
  return n;
}

uint64_t key_reader::number() { return fixed(8); }

uint32_t key_reader::number32() { return static_cast<uint32_t>(fixed(4)); }

std::string_view key_reader::text() {
  if (!ok_)
    return {};
  auto end = key_.find('\0', at_);
  if (end == std::string_view::npos) {
    ok_ = false;
    return {};
  }
  auto t = key_.substr(at_, end - at_);
  at_ = end + 1;
  return t;
}

std::string key_reader::malformed() const {
  return std::string{"malformed "} + record_kind_name(kind_of_key(std::string{key_.substr(0, 1)})) + " key " +
         key_hex(key_);
}

std::string key_hex(std::string_view key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(key.size() * 2);
  for (char c : key) {
    auto b = static_cast<uint8_t>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

void memory_store::commit(write_batch batch, std::function<void(status)> done) {
  bool failed = false;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    failed = failing_ || stopped_;
    stopped_ = failed;
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

result<record_value> memory_store::get(const std::string& key) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = records_.find(key);
  return it == records_.end() ? record_value{} : it->second.value;
}

status memory_store::scan(const std::string& prefix, const scan_visitor& visit, const std::string& from) const {
  // Copies what it visits out of the lock in chunks, so a visitor may read
  // or write the store.
  std::string next = std::max(prefix, from);
  bool inclusive = true;
  for (;;) {
    std::vector<std::pair<std::string, record_value>> chunk;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      auto it = inclusive ? records_.lower_bound(next) : records_.upper_bound(next);
      for (; it != records_.end() && chunk.size() < 256; ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0)
          break;
        chunk.emplace_back(it->first, it->second.value);
      }
    }
    if (chunk.empty())
      return done{};
    for (const auto& [k, v] : chunk)
      if (!visit(k, v))
        return done{};
    next = chunk.back().first;
    inclusive = false;
  }
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

void memory_store::resume() {
  std::lock_guard<std::mutex> guard{mutex_};
  stopped_ = false;
}

void memory_store::fail_writes(bool on) {
  std::lock_guard<std::mutex> guard{mutex_};
  failing_ = on;
}

// ---- fault injection -------------------------------------------------------------

void faulty_store::commit(write_batch batch, std::function<void(status)> done) {
  bool fail = false;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    ++seen_;
    fail = stopped_ || (every_ && seen_ % every_ == 0) || (from_ && seen_ >= from_);
    stopped_ = fail;
    failed_ += fail;
  }
  if (fail) {
    done(error{errc::storage_failure, "injected write failure"});
    return;
  }
  inner_->commit(std::move(batch), std::move(done));
}

void faulty_store::resume() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopped_ = false;
  }
  inner_->resume();
}

void faulty_store::fail_every(uint64_t n) {
  std::lock_guard<std::mutex> guard{mutex_};
  every_ = n;
}

void faulty_store::fail_from(uint64_t k) {
  std::lock_guard<std::mutex> guard{mutex_};
  from_ = k;
}

void faulty_store::heal() {
  std::lock_guard<std::mutex> guard{mutex_};
  every_ = from_ = 0;
}

uint64_t faulty_store::commits() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return seen_;
}

uint64_t faulty_store::failed() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return failed_;
}

} // namespace hitd
