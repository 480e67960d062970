#include "hitd/gateway/credentials.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <condition_variable>
#include <mutex>
#include <vector>

namespace hitd::gateway {

namespace {

using kind_t = credential_record::kind_t;

constexpr std::string_view token_prefix = "hwt_";
constexpr size_t token_random_bytes = 32;
constexpr size_t token_chars = 43;   // base64url of 32 bytes, unpadded
constexpr size_t token_length = token_prefix.size() + token_chars;
constexpr std::string_view access_key_prefix = "AKHD";
constexpr size_t access_key_chars = 16;
constexpr size_t secret_chars = 40;

std::vector<unsigned char> random_bytes(size_t n) {
  std::vector<unsigned char> b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1)
    b.clear();
  return b;
}

std::string base64url(const std::vector<unsigned char>& in) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0)
    out.push_back(alphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

// n characters drawn from alphabet (its size a power of two, at most 64).
std::string random_text(size_t n, std::string_view alphabet) {
  auto bytes = random_bytes(n);
  if (bytes.empty())
    return {};
  std::string out;
  for (unsigned char b : bytes)
    out.push_back(alphabet[b % alphabet.size()]);
  return out;
}

status commit_and_wait(storage_port& store, write_batch batch) {
  std::mutex m;
  std::condition_variable cv;
  std::optional<status> outcome;
  store.commit(std::move(batch), [&](status s) {
    std::lock_guard<std::mutex> lock{m};
    outcome = std::move(s);
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock{m};
  cv.wait(lock, [&] { return outcome.has_value(); });
  return std::move(*outcome);
}

} // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 0xf]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

credentials::credentials(std::shared_ptr<storage_port> store) : store_(std::move(store)) {}

status credentials::put(credential_record rec, const std::string& lookup) {
  record r;
  r.kind = record_kind::credential;
  r.key = credential_key(rec.kind, lookup);
  r.value = std::make_shared<const credential_record>(std::move(rec));
  write_batch batch;
  batch.push_back(std::move(r));
  return commit_and_wait(*store_, std::move(batch));
}

result<std::string> credentials::issue_worker_token(const std::string& worker_id, timestamp now) {
  auto bytes = random_bytes(token_random_bytes);
  if (bytes.empty())
    return error{errc::storage_failure, "the random generator failed"};
  std::string token = std::string{token_prefix} + base64url(bytes);
  auto hash = sha256_hex(token);
  auto s = put(credential_record{kind_t::worker_token, worker_id, hash, now}, hash);
  if (!s.ok())
    return s.err();
  return token;
}

result<access_key> credentials::issue_access_key(const std::string& requester_id, timestamp now) {
  auto id = random_text(access_key_chars, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
  auto secret = random_text(secret_chars, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  if (id.empty() || secret.empty())
    return error{errc::storage_failure, "the random generator failed"};
  access_key k{requester_id, std::string{access_key_prefix} + id, secret};
  auto s = put(credential_record{kind_t::requester_access_key, requester_id, secret, now}, k.access_key_id);
  if (!s.ok())
    return s.err();
  return k;
}

std::optional<std::string> credentials::worker_for_token(std::string_view token) const {
  if (token.size() != token_length || token.substr(0, token_prefix.size()) != token_prefix)
    return std::nullopt;
  auto hash = sha256_hex(token);
  auto v = store_->get(credential_key(kind_t::worker_token, hash));
  if (!v.ok() || !*v)
    return std::nullopt;
  auto rec = std::static_pointer_cast<const credential_record>(*v);
  if (rec->kind != kind_t::worker_token || !constant_time_equal(rec->secret, hash))
    return std::nullopt;
  return rec->owner_id;
}

std::optional<access_key> credentials::find_access_key(const std::string& access_key_id) const {
  auto v = store_->get(credential_key(kind_t::requester_access_key, access_key_id));
  if (!v.ok() || !*v)
    return std::nullopt;
  auto rec = std::static_pointer_cast<const credential_record>(*v);
  if (rec->kind != kind_t::requester_access_key)
    return std::nullopt;
  return access_key{rec->owner_id, access_key_id, rec->secret};
}

result<bool> credentials::any() const {
  bool found = false;
  auto s = store_->scan(kind_prefix(record_kind::credential), [&](const std::string&, const record_value&) {
    found = true;
    return false;
  });
  if (!s.ok())
    return s.err();
  return found;
}

} // namespace hitd::gateway
