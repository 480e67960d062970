#pragma once
// Worker tokens and requester access keys, kept as credential records
// (records.hpp) in the same store as the engine's records, so they live in
// the data directory and survive restarts.
//
// A worker token is "hwt_" and 43 characters of base64url (32 random bytes);
// only its SHA-256 is stored. A requester gets an access key id ("AKHD" and
// 16 characters of base32) and a 40-character secret access key (for AWS
// Signature V4), stored as is. Secrets come from OpenSSL's RAND_bytes and
// are compared in constant time.
//
// Writes (issue_*) wait for the store's completion: they are for the admin
// command line and for start-up, never for an io thread. Reads are point
// reads of the store (microseconds), used at the WebSocket upgrade.

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

struct access_key {
  std::string requester_id;
  std::string access_key_id;
  std::string secret_access_key;
};

class credentials {
public:
  explicit credentials(std::shared_ptr<storage_port> store);

  // A new token for the worker (the worker should exist in the engine).
  result<std::string> issue_worker_token(const std::string& worker_id, timestamp now);
  // A new access key for the requester.
  result<access_key> issue_access_key(const std::string& requester_id, timestamp now);

  // The worker the token belongs to, or nothing (unknown, malformed, or the
  // store could not be read).
  std::optional<std::string> worker_for_token(std::string_view token) const;
  // The access key with this id, or nothing.
  std::optional<access_key> find_access_key(const std::string& access_key_id) const;
  // Whether any credential is stored (serve --demo creates its accounts only
  // when there is none).
  result<bool> any() const;

private:
  status put(credential_record rec, const std::string& lookup);
  std::shared_ptr<storage_port> store_;
};

} // namespace hitd::gateway
