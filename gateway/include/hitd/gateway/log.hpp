#pragma once
// Structured logs: one JSON object per line, on stderr by default:
//   {"ts":"2026-11-22T19:55:01.123Z","level":"info","msg":"listening","address":"127.0.0.1","port":8080}
// Fields keep the order given. Thread-safe: each line is written whole.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>

#include "hitd/result.hpp"

namespace hitd::gateway {

enum class log_level : uint8_t { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// "debug", "info", "warn", "error" or "off".
result<log_level> parse_log_level(std::string_view text);
const char* log_level_name(log_level l);

// A field's value: text (quoted) or a number (bare).
struct log_field {
  log_field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  log_field(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  log_field(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  template <class N, class = std::enable_if_t<std::is_arithmetic_v<N>>>
  log_field(std::string_view k, N n) : key(k), value(std::to_string(n)), quoted(false) {}
  std::string_view key;
  std::string value;
  bool quoted;
};

// Appends s to out as a JSON string (with quotes).
void append_json_string(std::string& out, std::string_view s);

class logger {
public:
  // Lines go to `write` (each without its newline) or, when empty, to stderr.
  explicit logger(log_level min = log_level::info, std::function<void(const std::string&)> write = {});
  bool enabled(log_level l) const { return l >= min_ && min_ != log_level::off; }
  void log(log_level l, std::string_view msg, std::initializer_list<log_field> fields = {});
  void debug(std::string_view msg, std::initializer_list<log_field> f = {}) { log(log_level::debug, msg, f); }
  void info(std::string_view msg, std::initializer_list<log_field> f = {}) { log(log_level::info, msg, f); }
  void warn(std::string_view msg, std::initializer_list<log_field> f = {}) { log(log_level::warn, msg, f); }
  void error(std::string_view msg, std::initializer_list<log_field> f = {}) { log(log_level::error, msg, f); }

private:
  log_level min_;
  std::function<void(const std::string&)> write_;
  std::mutex mutex_;
};

} // namespace hitd::gateway
