#include "hitd/gateway/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace hitd::gateway {

result<log_level> parse_log_level(std::string_view text) {
  if (text == "debug")
    return log_level::debug;
  if (text == "info")
    return log_level::info;
  if (text == "warn")
    return log_level::warn;
  if (text == "error")
    return log_level::error;
  if (text == "off")
    return log_level::off;
  return error{errc::invalid_parameter_value,
               "log level must be debug, info, warn, error or off, not \"" + std::string{text} + "\""};
}

const char* log_level_name(log_level l) {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    case log_level::off: return "off";
  }
  return "unknown";
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (b < 0x20) {
          out += "\\u00";
          out.push_back(hex[b >> 4]);
          out.push_back(hex[b & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

logger::logger(log_level min, std::function<void(const std::string&)> write)
    : min_(min), write_(std::move(write)) {}

void logger::log(log_level l, std::string_view msg, std::initializer_list<log_field> fields) {
  if (!enabled(l))
    return;
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  std::string line = "{\"ts\":\"";
  line += ts;
  line += "\",\"level\":\"";
  line += log_level_name(l);
  line += "\",\"msg\":";
  append_json_string(line, msg);
  for (const auto& f : fields) {
    line.push_back(',');
    append_json_string(line, f.key);
    line.push_back(':');
    if (f.quoted)
      append_json_string(line, f.value);
    else
      line += f.value;
  }
  line.push_back('}');
  std::lock_guard<std::mutex> lock{mutex_};
  if (write_) {
    write_(line);
  } else {
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
}

} // namespace hitd::gateway
