#pragma once
// Worker tokens and requester access keys, kept as credential records
// (records.hpp) in the same store as the engine's records, so they live in
// the data directory and survive restarts.
//
// A worker token is "hwt_" and 43 characters of base64url (32 random bytes);
// only its SHA-256 is stored. A requester gets an access key id ("AKHD" and
// 16 characters of base32) and a 40-character secret access key (for AWS
// Signature V4). Signature V4 needs the secret itself (it is an HMAC key),
// so it cannot be hashed: it is stored encrypted with AES-256-GCM under a
// secrets key kept in a key file outside the data directory, so that a copy
// of the data directory alone does not give the secrets away (the stored
// format is in docs/storage.md). Secrets come from OpenSSL's RAND_bytes and
// are compared in constant time.
//
// Writes (issue_*) wait for the store's completion: they are for the admin
// command line and for start-up, never for an io thread. Reads are point
// reads of the store (microseconds), used at the WebSocket upgrade.

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hitd/records.hpp"
#include "hitd/result.hpp"
#include "hitd/storage_port.hpp"
#include "hitd/time.hpp"

namespace hitd::gateway {

// SHA-256 of data, 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);
// Whether a and b are equal, in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// The 32-byte AES-256-GCM key that encrypts the requesters' secret access
// keys in the store. Wiped from memory when destroyed.
class secrets_key {
public:
  static constexpr size_t size = 32;
  using bytes_t = std::array<unsigned char, size>;
  explicit secrets_key(const bytes_t& bytes) : bytes_(bytes) {}
  secrets_key(const secrets_key&) = default;
  secrets_key& operator=(const secrets_key&) = default;
  ~secrets_key();
  const bytes_t& bytes() const { return bytes_; }

private:
  bytes_t bytes_;
};

// The secrets key in the file at path: 64 hex digits and a newline. When
// the file does not exist, creates it (mode 0600) with 32 random bytes.
// Refuses a file that group or others may read or write, one that is not a
// regular file, and one that does not hold exactly a key.
result<secrets_key> load_or_create_secrets_key(const std::string& path);
// The default key file of a data directory: its path with ".key" appended,
// a sibling of the directory ("/var/lib/hitd/data" -> "/var/lib/hitd/data.key";
// trailing slashes are dropped first).
std::string default_secrets_key_path(const std::string& data_dir);

struct access_key {
  std::string requester_id;
  std::string access_key_id;
  std::string secret_access_key;
};

class credentials {
public:
  // Requesters' secret access keys are encrypted and decrypted with key.
  credentials(std::shared_ptr<storage_port> store, secrets_key key);

  // A new token for the worker (the worker should exist in the engine).
  result<std::string> issue_worker_token(const std::string& worker_id, timestamp now);
  // A new access key for the requester.
  result<access_key> issue_access_key(const std::string& requester_id, timestamp now);

  // The worker the token belongs to, or nothing (unknown, malformed, or the
  // store could not be read).
  std::optional<std::string> worker_for_token(std::string_view token) const;
  // The access key with this id, or nothing: unknown, the store could not be
  // read, or the stored secret does not decrypt with this secrets key (another
  // key file, a damaged record, or a record in the old plain-text format).
  std::optional<access_key> find_access_key(const std::string& access_key_id) const;
  // How many stored access keys do not decrypt with this secrets key (serve
  // logs it at start-up: a wrong or lost key file makes every one of them
  // unreadable).
  result<size_t> unreadable_access_keys() const;
  // Whether any credential is stored (serve --demo creates its accounts only
  // when there is none).
  result<bool> any() const;

private:
  status put(credential_record rec, const std::string& lookup);
  std::shared_ptr<storage_port> store_;
  secrets_key key_;
};

} // namespace hitd::gateway
