#pragma once
// Lowercase hexadecimal of bytes: digests, MACs and random ids (Signature
// V4, signed question links, token hashes, request ids). Header-only so the
// feed, the requester API and the server share it without a library.

#include <cstddef>
#include <string>

namespace hitd::gateway {

inline std::string hex_lower(const unsigned char* p, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 0xf]);
  }
  return out;
}

} // namespace hitd::gateway
