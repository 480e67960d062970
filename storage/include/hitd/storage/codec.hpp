#pragma once
// The binary encoding of records: what rocksdb_store writes as a value.
//
// A value is one byte of format version (codec_version, 1), then the fields
// of the kind's value type (records.hpp) in a fixed order: integers as LEB128
// varints (signed ones zigzag-encoded first), strings and byte strings as a
// varint length and the bytes, booleans as one byte 0 or 1, enums as one
// byte checked against the enum's range, optionals as a presence byte then
// the value, collections as a varint count then the elements. The field
// order of every kind is in docs/storage.md ("Encoding").
//
// decode() never trusts its input: truncated input, trailing bytes, an
// unknown version, an out-of-range enum or boolean, an over-long varint, an
// integer that does not fit its field and a length or count larger than what
// is left all fail with errc::storage_failure and a message that names the
// record kind and the key in hex, e.g.
//   corrupt hit record at key 02000000000000002a: truncated

#include <cstdint>
#include <string>
#include <string_view>

#include "hitd/records.hpp"
#include "hitd/result.hpp"
#include "hitd/storage_port.hpp"

namespace hitd::storage {

inline constexpr uint8_t codec_version = 1;

// Whether k is one of the kinds records.hpp lists.
bool known_kind(record_kind k);

// The value of a record of kind k, encoded. `value` points to the kind's
// value type (records.hpp) and must not be null (a null value is a delete
// and has no encoding). An unknown kind encodes as the empty string, which
// no kind decodes.
std::string encode(record_kind k, const void* value);
// The same, appended to out (the store encodes a batch into one buffer).
void encode_into(record_kind k, const void* value, std::string& out);

// The value encoded in `bytes`, as a shared immutable object of the kind's
// value type. A hit decodes with a null `def`: the definition is its own
// hit_definition record. key_for_errors only goes into error messages.
result<record_value> decode(record_kind k, std::string_view bytes, const std::string& key_for_errors);

// A key (or any bytes) in lowercase hex, two digits a byte (storage_port.hpp).
using hitd::key_hex;

} // namespace hitd::storage
