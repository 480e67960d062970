#pragma once
// The value of each record kind, and the key of each, in one place: what the
// actors write, what storage/ encodes, and what docs/storage.md describes.
//
//   kind                   value type                 key parts
//   counter                uint64_t (high-water mark) name
//   hit                    hit_snapshot (no def)      hit number
//   hit_definition         hit_definition             hit number
//   assignment             assignment_record          hit number, ordinal
//   bonus                  bonus_record               hit number, index
//   worker                 worker_state               worker id
//   requester              requester_snapshot         requester id
//   requester_hit          requester_hit_entry        requester id, hit number
//   hit_type               hit_type                   type number
//   worker_block           worker_block               requester id, worker id
//   qualification_type     qualification_type_view    type number
//   qualification_grant    qualification_grant        type number, worker id
//   qualification_request  qualification_request_view type number, request number
//   requester_hit_type     hit_type                   requester id, type number
//   request_token          request_token_record       requester id, token
//   pending_hold           deadline_mark              hit number
//   worker_grant           qualification_grant        worker id, type number
//   deposit_token          deposit_token_record       requester id, token
//   worker_finished        uint64_t (assignment key)  worker id, finish seq
//   ledger_account         money                      account kind, owner
//   ledger_source          uint64_t (last seq)        source
//   outbox                 outbox_entry               source, seq
//   deadline               deadline_mark              due time, hit number
//   credential             credential_record          credential type, lookup key

#include <cstdint>
#include <string>

#include "hitd/hit_rules.hpp"
#include "hitd/ledger_book.hpp"
#include "hitd/storage_port.hpp"
#include "hitd/worker_rules.hpp"

namespace hitd {

struct requester_snapshot {
  std::string id;
  std::string name;
  timestamp created = 0;
  uint64_t ledger_seq = 0;
};

// One entry of a requester's index of its HITs, kept current by the HIT
// itself (in the same batch as the change), so a requester is activated with
// its HITs' statuses and types without loading the HITs.
struct requester_hit_entry {
  hit_status status = hit_status::assignable;
  uint64_t hit_type = 0;   // type number
};

// An effect one actor has on another, written in the batch of the
// transition that caused it and deleted in the batch of the receiver that
// applied it. Replayed on start; every receiver is idempotent (transfers by
// source and seq, worker updates by assignment and status).
struct outbox_entry {
  enum class kind_t : uint8_t {
    transfer = 1,        // to the ledger: `t`
    worker_update = 2,   // to worker `worker_id`: `update`
    worker_bonus = 3,    // to worker `worker_id`: `amount` at `time`
  };
  kind_t kind = kind_t::transfer;
  transfer t;
  std::string worker_id;
  assignment_update update;
  money amount;
  timestamp time = 0;
};

// A HIT has a deadline at the key's time; the value carries nothing.
struct deadline_mark {};

// A CreateHIT UniqueRequestToken (24 hours): the HIT it made, when, and a
// fingerprint of the request (to tell a retry from a reuse).
struct request_token_record {
  uint64_t hit = 0;
  timestamp time = 0;
  uint64_t fingerprint = 0;
};

// A deposit's idempotency token (24 hours), written in the ledger's batch of
// the deposit: a retry after a crash finds it and has no second effect.
struct deposit_token_record {
  money amount;
  timestamp time = 0;
};

// A secret that lets someone in, written and read by the gateway (the
// engine never reads it). A worker token is kept only as its SHA-256 (lower
// hex): the lookup key and `secret` are both that hash, so a stolen database
// does not give tokens away. A requester's secret access key is needed
// itself (AWS Signature V4 recomputes signatures with it), so the gateway
// seals it with AES-256-GCM under a key file kept outside the data
// directory (gateway/include/hitd/gateway/credentials.hpp); its lookup key
// is the access key id.
struct credential_record {
  enum class kind_t : uint8_t {
    worker_token = 1,           // owner: a worker id; secret: SHA-256 of the token, hex
    requester_access_key = 2,   // owner: a requester id; secret: the sealed secret access key
  };
  kind_t kind = kind_t::worker_token;
  std::string owner_id;
  std::string secret;
  timestamp created = 0;
};

// Keys.
inline std::string counter_key(const std::string& name) { return record_key{record_kind::counter}.text(name).str(); }
inline std::string hit_key(uint64_t n) { return record_key{record_kind::hit}.number(n).str(); }
inline std::string hit_definition_key(uint64_t n) { return record_key{record_kind::hit_definition}.number(n).str(); }
inline std::string assignment_key(uint64_t n, uint32_t o) {
  return record_key{record_kind::assignment}.number(n).number32(o).str();
}
inline std::string assignment_prefix(uint64_t n) { return record_key{record_kind::assignment}.number(n).str(); }
inline std::string bonus_key(uint64_t n, uint32_t i) { return record_key{record_kind::bonus}.number(n).number32(i).str(); }
inline std::string bonus_prefix(uint64_t n) { return record_key{record_kind::bonus}.number(n).str(); }
inline std::string worker_key(const std::string& id) { return record_key{record_kind::worker}.text(id).str(); }
// A worker's n-th finished assignment (n from 0): the worker record itself
// is written with its finished lists empty (docs/storage.md).
inline std::string worker_finished_key(const std::string& id, uint64_t seq) {
  return record_key{record_kind::worker_finished}.text(id).number(seq).str();
}
inline std::string worker_finished_prefix(const std::string& id) {
  return record_key{record_kind::worker_finished}.text(id).str();
}
inline std::string requester_key(const std::string& id) { return record_key{record_kind::requester}.text(id).str(); }
inline std::string requester_hit_key(const std::string& id, uint64_t n) {
  return record_key{record_kind::requester_hit}.text(id).number(n).str();
}
inline std::string requester_hit_prefix(const std::string& id) { return record_key{record_kind::requester_hit}.text(id).str(); }
inline std::string hit_type_key(uint64_t n) { return record_key{record_kind::hit_type}.number(n).str(); }
inline std::string worker_block_key(const std::string& requester, const std::string& worker) {
  return record_key{record_kind::worker_block}.text(requester).text(worker).str();
}
inline std::string qualification_type_key(uint64_t n) { return record_key{record_kind::qualification_type}.number(n).str(); }
inline std::string qualification_grant_key(uint64_t n, const std::string& worker) {
  return record_key{record_kind::qualification_grant}.number(n).text(worker).str();
}
inline std::string qualification_request_key(uint64_t type, uint64_t request) {
  return record_key{record_kind::qualification_request}.number(type).number(request).str();
}
inline std::string qualification_request_prefix(uint64_t type) {
  return record_key{record_kind::qualification_request}.number(type).str();
}
inline std::string qualification_grant_prefix(uint64_t type) {
  return record_key{record_kind::qualification_grant}.number(type).str();
}
// When a worker last asked for a qualification type (its RetryDelayInSeconds
// counts from there), so a restart does not let the worker ask again sooner.
inline std::string qualification_retry_key(uint64_t type, const std::string& worker) {
  return record_key{record_kind::qualification_retry}.number(type).text(worker).str();
}
inline std::string qualification_retry_prefix(uint64_t type) {
  return record_key{record_kind::qualification_retry}.number(type).str();
}
inline std::string requester_hit_type_key(const std::string& requester, uint64_t type) {
  return record_key{record_kind::requester_hit_type}.text(requester).number(type).str();
}
inline std::string requester_hit_type_prefix(const std::string& requester) {
  return record_key{record_kind::requester_hit_type}.text(requester).str();
}
inline std::string worker_block_prefix(const std::string& requester) {
  return record_key{record_kind::worker_block}.text(requester).str();
}
inline std::string ledger_account_key(const account_key& k) {
  return record_key{record_kind::ledger_account}.number(static_cast<uint64_t>(k.kind)).text(k.owner).str();
}
inline std::string ledger_source_key(const std::string& source) {
  return record_key{record_kind::ledger_source}.text(source).str();
}
inline std::string outbox_key(const std::string& source, uint64_t seq) {
  return record_key{record_kind::outbox}.text(source).number(seq).str();
}
inline std::string deadline_key(timestamp due, uint64_t hit) {
  return record_key{record_kind::deadline}.number(static_cast<uint64_t>(due)).number(hit).str();
}
inline std::string request_token_key(const std::string& requester, const std::string& token) {
  return record_key{record_kind::request_token}.text(requester).text(token).str();
}
inline std::string request_token_prefix(const std::string& requester) {
  return record_key{record_kind::request_token}.text(requester).str();
}
inline std::string worker_grant_key(const std::string& worker, uint64_t type) {
  return record_key{record_kind::worker_grant}.text(worker).number(type).str();
}
inline std::string worker_grant_prefix(const std::string& worker) {
  return record_key{record_kind::worker_grant}.text(worker).str();
}
inline std::string deposit_token_key(const std::string& requester, const std::string& token) {
  return record_key{record_kind::deposit_token}.text(requester).text(token).str();
}
inline std::string deposit_token_prefix(const std::string& requester) {
  return record_key{record_kind::deposit_token}.text(requester).str();
}
inline std::string pending_hold_key(uint64_t hit) { return record_key{record_kind::pending_hold}.number(hit).str(); }
inline std::string credential_key(credential_record::kind_t k, const std::string& lookup) {
  return record_key{record_kind::credential}.number32(static_cast<uint32_t>(k)).text(lookup).str();
}
inline std::string credential_prefix(credential_record::kind_t k) {
  return record_key{record_kind::credential}.number32(static_cast<uint32_t>(k)).str();
}
inline std::string kind_prefix(record_kind k) { return record_key{k}.str(); }

} // namespace hitd
