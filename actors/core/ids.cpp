#include "hitd/ids.hpp"

#include <array>
#include <cstddef>
#include <limits>

namespace hitd {

namespace {

// Crockford's base32: no I, L, O or U. Only the canonical upper-case digits
// parse, so every number has exactly one id and every id one number.
constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static_assert(alphabet.size() == 32);

constexpr size_t number_digits = 13;    // 13 x 5 = 65 bits >= 64
constexpr size_t ordinal_digits = 7;    // 7 x 5 = 35 bits >= 32

constexpr std::array<int8_t, 256> make_digit_table() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (size_t i = 0; i < alphabet.size(); ++i)
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> digit_table = make_digit_table();

void append_digits(std::string& out, uint64_t value, size_t digits) {
  const size_t start = out.size();
  out.resize(start + digits);
  for (size_t i = digits; i > 0; --i) {
    out[start + i - 1] = alphabet[value & 31u];
    value >>= 5;
  }
}

// Parses exactly text.size() digits; nullopt on a character outside the
// alphabet or a value above max.
std::optional<uint64_t> parse_digits(std::string_view text, uint64_t max) {
  uint64_t value = 0;
  for (char c : text) {
    const int8_t d = digit_table[static_cast<unsigned char>(c)];
    if (d < 0) return std::nullopt;
    if (value > (max >> 5)) return std::nullopt;   // value << 5 would pass max
    value = (value << 5) | static_cast<uint64_t>(d);
    if (value > max) return std::nullopt;
  }
  return value;
}

constexpr bool is_upper_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool all_upper_alnum(std::string_view text) {
  for (char c : text)
    if (!is_upper_alnum(c)) return false;
  return true;
}

constexpr size_t entity_id_chars_max = 64;

} // namespace

std::string format_id(id_kind kind, uint64_t number) {
  std::string out;
  out.reserve(1 + number_digits);
  out += static_cast<char>(kind);
  append_digits(out, number, number_digits);
  return out;
}

std::optional<uint64_t> parse_id(id_kind kind, std::string_view text) {
  if (text.size() != 1 + number_digits) return std::nullopt;
  if (text[0] != static_cast<char>(kind)) return std::nullopt;
  return parse_digits(text.substr(1), std::numeric_limits<uint64_t>::max());
}

std::string format_assignment_id(assignment_ref ref) {
  std::string out;
  out.reserve(1 + number_digits + ordinal_digits);
  out += 'S';
  append_digits(out, ref.hit, number_digits);
  append_digits(out, ref.ordinal, ordinal_digits);
  return out;
}

std::optional<assignment_ref> parse_assignment_id(std::string_view text) {
  if (text.size() != 1 + number_digits + ordinal_digits) return std::nullopt;
  if (text[0] != 'S') return std::nullopt;
  const auto hit = parse_digits(text.substr(1, number_digits),
                                std::numeric_limits<uint64_t>::max());
  if (!hit) return std::nullopt;
  const auto ordinal = parse_digits(text.substr(1 + number_digits),
                                    std::numeric_limits<uint32_t>::max());
  if (!ordinal) return std::nullopt;
  return assignment_ref{*hit, static_cast<uint32_t>(*ordinal)};
}

std::string format_requester_id(uint64_t number) {
  std::string out = "AR";
  append_digits(out, number, number_digits);
  return out;
}

std::string format_worker_id(uint64_t number) {
  std::string out = "AW";
  append_digits(out, number, number_digits);
  return out;
}

bool is_entity_id(std::string_view text) {
  return !text.empty() && text.size() <= entity_id_chars_max && all_upper_alnum(text);
}

bool is_customer_id(std::string_view text) {
  return text.size() >= 2 && text.size() <= entity_id_chars_max && text[0] == 'A' &&
         all_upper_alnum(text.substr(1));
}

namespace system_qualification {

bool is_system(std::string_view qualification_type_id) {
  static constexpr std::array<std::string_view, 8> ids = {
      percent_assignments_submitted, percent_assignments_abandoned,
      percent_assignments_returned,  percent_assignments_approved,
      percent_assignments_rejected,  number_hits_approved,
      locale,                        adult,
  };
  for (std::string_view id : ids)
    if (id == qualification_type_id) return true;
  return false;
}

} // namespace system_qualification

} // namespace hitd
