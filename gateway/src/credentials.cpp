#include "hitd/gateway/credentials.hpp"
#include "hitd/gateway/hex.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
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

// ---- the secrets key and the stored secret ----------------------------------------------
//
// A requester's secret as stored: version byte 0x01, a 12-byte random nonce,
// the AES-256-GCM ciphertext (as long as the secret), the 16-byte tag. The
// associated data binds the record to its access key id and its requester,
// so a stored secret moved to another record does not decrypt.

constexpr unsigned char sealed_version = 0x01;
constexpr size_t nonce_bytes = 12;
constexpr size_t tag_bytes = 16;
constexpr size_t max_secret_bytes = 1024;

std::string associated_data(const std::string& access_key_id, const std::string& requester_id) {
  std::string ad = "hitd requester secret v1";
  ad.push_back('\0');
  ad += access_key_id;
  ad.push_back('\0');
  ad += requester_id;
  return ad;
}

struct cipher_ctx {
  EVP_CIPHER_CTX* p = EVP_CIPHER_CTX_new();
  ~cipher_ctx() { EVP_CIPHER_CTX_free(p); }
  cipher_ctx() = default;
  cipher_ctx(const cipher_ctx&) = delete;
  cipher_ctx& operator=(const cipher_ctx&) = delete;
};

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::optional<std::string> seal(const secrets_key& key, std::string_view secret, std::string_view ad) {
  if (secret.size() > max_secret_bytes)
    return std::nullopt;
  auto nonce = random_bytes(nonce_bytes);
  if (nonce.empty())
    return std::nullopt;
  cipher_ctx ctx;
  std::string out(1 + nonce_bytes + secret.size() + tag_bytes, '\0');
  out[0] = static_cast<char>(sealed_version);
  std::memcpy(out.data() + 1, nonce.data(), nonce_bytes);
  auto* ct = reinterpret_cast<unsigned char*>(out.data() + 1 + nonce_bytes);
  int len = 0, fin = 0;
  bool ok = ctx.p != nullptr && EVP_EncryptInit_ex(ctx.p, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce_bytes), nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.p, nullptr, nullptr, key.bytes().data(), nonce.data()) == 1 &&
            EVP_EncryptUpdate(ctx.p, nullptr, &len, bytes_of(ad), static_cast<int>(ad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.p, ct, &len, bytes_of(secret), static_cast<int>(secret.size())) == 1 &&
            static_cast<size_t>(len) == secret.size() && EVP_EncryptFinal_ex(ctx.p, ct + len, &fin) == 1 && fin == 0 &&
            EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_bytes), ct + secret.size()) == 1;
  if (!ok)
    return std::nullopt;
  return out;
}

std::optional<std::string> open_sealed(const secrets_key& key, std::string_view sealed, std::string_view ad) {
  if (sealed.size() < 1 + nonce_bytes + tag_bytes || sealed.size() > 1 + nonce_bytes + max_secret_bytes + tag_bytes ||
      static_cast<unsigned char>(sealed[0]) != sealed_version)
    return std::nullopt;   // not sealed, or sealed some other way (a plain-text record of an older build)
  auto nonce = bytes_of(sealed.substr(1, nonce_bytes));
  auto ct = sealed.substr(1 + nonce_bytes, sealed.size() - 1 - nonce_bytes - tag_bytes);
  std::array<unsigned char, tag_bytes> tag{};
  std::memcpy(tag.data(), sealed.data() + sealed.size() - tag_bytes, tag_bytes);
  cipher_ctx ctx;
  std::string out(ct.size(), '\0');
  auto* pt = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, fin = 0;
  bool ok = ctx.p != nullptr && EVP_DecryptInit_ex(ctx.p, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce_bytes), nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.p, nullptr, nullptr, key.bytes().data(), nonce) == 1 &&
            EVP_DecryptUpdate(ctx.p, nullptr, &len, bytes_of(ad), static_cast<int>(ad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.p, pt, &len, bytes_of(ct), static_cast<int>(ct.size())) == 1 &&
            static_cast<size_t>(len) == ct.size() &&
            EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_bytes), tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.p, pt + len, &fin) > 0;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string errno_text(int e) { return std::strerror(e); }

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

// Creates the key file; `exists` tells that it was there already.
result<secrets_key> create_key_file(const std::string& path, bool& exists) {
  secrets_key::bytes_t bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return error{errc::storage_failure, "the random generator failed"};
  secrets_key key{bytes};
  OPENSSL_cleanse(bytes.data(), bytes.size());
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  for (unsigned char b : key.bytes()) {
    text.push_back(digits[b >> 4]);
    text.push_back(digits[b & 0xf]);
  }
  text.push_back('\n');
  fd_guard f{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)};
  if (f.fd < 0) {
    int e = errno;
    exists = e == EEXIST;
    OPENSSL_cleanse(text.data(), text.size());
    return error{errc::storage_failure, "cannot create the secrets key file " + path + ": " + errno_text(e)};
  }
  bool ok = ::fchmod(f.fd, 0600) == 0 && ::write(f.fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(f.fd) == 0;
  int e = errno;
  OPENSSL_cleanse(text.data(), text.size());
  if (!ok) {
    ::unlink(path.c_str());
    return error{errc::storage_failure, "cannot write the secrets key file " + path + ": " + errno_text(e)};
  }
  return key;
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
  return hex_lower(md, len);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

secrets_key::~secrets_key() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

std::string default_secrets_key_path(const std::string& data_dir) {
  std::string dir = data_dir;
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  return dir + ".key";
}

result<secrets_key> load_or_create_secrets_key(const std::string& path) {
  if (path.empty())
    return error{errc::invalid_parameter_value, "the secrets key file has no name"};
  fd_guard f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    int e = errno;
    if (e != ENOENT)
      return error{errc::storage_failure, "cannot open the secrets key file " + path + ": " + errno_text(e)};
    bool exists = false;
    auto created = create_key_file(path, exists);
    if (created.ok() || !exists)
      return created;
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);   // created meanwhile by another process
    if (f.fd < 0)
      return error{errc::storage_failure, "cannot open the secrets key file " + path + ": " + errno_text(errno)};
  }
  struct stat st{};
  if (::fstat(f.fd, &st) != 0)
    return error{errc::storage_failure, "cannot stat the secrets key file " + path + ": " + errno_text(errno)};
  if (!S_ISREG(st.st_mode))
    return error{errc::invalid_parameter_value, "the secrets key file " + path + " is not a regular file"};
  if ((st.st_mode & 077) != 0)
    return error{errc::invalid_parameter_value, "the secrets key file " + path +
                                                    " may be read or written by group or others (chmod 600 it)"};
  char buf[130];
  size_t n = 0;
  while (n < sizeof buf) {
    auto r = ::read(f.fd, buf + n, sizeof buf - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return error{errc::storage_failure, "cannot read the secrets key file " + path + ": " + errno_text(errno)};
    if (r == 0)
      break;
    n += static_cast<size_t>(r);
  }
  std::string_view text{buf, n};
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  secrets_key::bytes_t bytes{};
  bool ok = text.size() == 2 * secrets_key::size;
  for (size_t i = 0; ok && i < secrets_key::size; ++i) {
    int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    bytes[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  OPENSSL_cleanse(buf, sizeof buf);
  if (!ok) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return error{errc::invalid_parameter_value,
                 "the secrets key file " + path + " does not hold a key (64 hex digits and a newline)"};
  }
  secrets_key key{bytes};
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

credentials::credentials(std::shared_ptr<storage_port> store, secrets_key key)
    : store_(std::move(store)), key_(std::move(key)) {}

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
  auto sealed = seal(key_, secret, associated_data(k.access_key_id, requester_id));
  if (!sealed)
    return error{errc::storage_failure, "the secret access key could not be encrypted"};
  auto s = put(credential_record{kind_t::requester_access_key, requester_id, std::move(*sealed), now},
               k.access_key_id);
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
  auto secret = open_sealed(key_, rec->secret, associated_data(access_key_id, rec->owner_id));
  if (!secret)
    return std::nullopt;
  return access_key{rec->owner_id, access_key_id, std::move(*secret)};
}

result<size_t> credentials::unreadable_access_keys() const {
  size_t unreadable = 0;
  auto prefix = credential_prefix(kind_t::requester_access_key);
  auto s = store_->scan(prefix, [&](const std::string& key, const record_value& v) {
    auto rec = std::static_pointer_cast<const credential_record>(v);
    // The key is the prefix, the access key id, and a 0x00 terminator.
    std::optional<std::string> secret;
    if (rec && key.size() > prefix.size())
      secret = open_sealed(key_, rec->secret,
                           associated_data(key.substr(prefix.size(), key.size() - prefix.size() - 1), rec->owner_id));
    if (secret)
      OPENSSL_cleanse(secret->data(), secret->size());
    else
      ++unreadable;
    return true;
  });
  if (!s.ok())
    return s.err();
  return unreadable;
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
