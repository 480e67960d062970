#include "scenario.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace hitd::load {

namespace json = boost::json;

namespace {

template <class T>
bool parse_int(const std::string& text, T& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && p == text.data() + text.size();
}

bool parse_real(const std::string& text, double& out) {
  if (text.empty() || text.size() > 32)
    return false;
  try {
    size_t n = 0;
    out = std::stod(text, &n);
    return n == text.size() && std::isfinite(out);
  } catch (...) {
    return false;
  }
}

bool parse_bool(const std::string& text, bool& out) {
  if (text == "true" || text == "1" || text == "yes") {
    out = true;
    return true;
  }
  if (text == "false" || text == "0" || text == "no") {
    out = false;
    return true;
  }
  return false;
}

std::string normalize(std::string name) {
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

bool known_action(const std::string& a) {
  return std::find_if(std::begin(action_names), std::end(action_names), [&](const char* n) { return a == n; }) !=
         std::end(action_names);
}

} // namespace

std::optional<int64_t> parse_cents(const std::string& text) {
  auto dot = text.find('.');
  std::string whole = text.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 9 || frac.size() > 2 || (dot != std::string::npos && frac.empty()))
    return std::nullopt;
  int64_t w = 0, f = 0;
  if (!parse_int(whole, w) || (!frac.empty() && !parse_int(frac, f)) || w < 0 || f < 0 || whole[0] == '+' ||
      (!frac.empty() && frac[0] == '+'))
    return std::nullopt;
  if (frac.size() == 1)
    f *= 10;
  return w * 100 + f;
}

std::string format_cents(int64_t cents) {
  std::string sign = cents < 0 ? "-" : "";
  int64_t a = cents < 0 ? -cents : cents;
  std::string f = std::to_string(a % 100);
  return sign + std::to_string(a / 100) + "." + (f.size() < 2 ? "0" + f : f);
}

bool split_target(const std::string& target, std::string& host, uint16_t& port) {
  auto colon = target.rfind(':');
  if (colon == std::string::npos)
    return false;
  host = target.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return !host.empty() && parse_int(target.substr(colon + 1), port) && port != 0;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1")
    return true;
  // 127.0.0.0/8, written as a dotted quad.
  unsigned parts[4];
  char tail = 0;
  if (std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &parts[0], &parts[1], &parts[2], &parts[3], &tail) != 4)
    return false;
  return parts[0] == 127 && parts[1] < 256 && parts[2] < 256 && parts[3] < 256;
}

std::string set_option(scenario& s, const std::string& raw_name, const std::string& value) {
  auto name = normalize(raw_name);
  auto bad = [&](const std::string& what) { return "--" + name + " must be " + what + " (got \"" + value + "\")"; };
  auto u32 = [&](uint32_t& out, uint32_t lo, uint32_t hi) -> std::string {
    uint32_t v = 0;
    if (!parse_int(value, v) || v < lo || v > hi)
      return bad("an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    out = v;
    return {};
  };
  auto i64 = [&](int64_t& out, int64_t lo, int64_t hi) -> std::string {
    int64_t v = 0;
    if (!parse_int(value, v) || v < lo || v > hi)
      return bad("an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    out = v;
    return {};
  };
  auto real = [&](double& out, double lo, double hi) -> std::string {
    double v = 0;
    if (!parse_real(value, v) || v <= lo || v > hi)
      return bad("a number above " + std::to_string(lo) + " and at most " + std::to_string(hi));
    out = v;
    return {};
  };
  if (name == "name") {
    if (value.empty() || value.size() > 100)
      return bad("1 to 100 characters");
    s.name = value;
  } else if (name == "target") {
    std::string host;
    uint16_t port = 0;
    if (!split_target(value, host, port))
      return bad("HOST:PORT, e.g. 127.0.0.1:8080");
    s.target = value;
  } else if (name == "allow-remote") {
    if (!parse_bool(value, s.allow_remote))
      return bad("true or false");
  } else if (name == "accounts") {
    if (value.empty())
      return bad("a file name");
    s.accounts = value;
  } else if (name == "mode") {
    if (value != "closed" && value != "open")
      return bad("closed or open");
    s.mode = value == "open" ? loop_mode::open : loop_mode::closed;
  } else if (name == "concurrency") {
    return u32(s.concurrency, 1, 10'000);
  } else if (name == "rate") {
    return real(s.rate, 0, 1'000'000);
  } else if (name == "arrival") {
    if (value != "uniform" && value != "poisson")
      return bad("uniform or poisson");
    s.arrivals = value == "poisson" ? arrival::poisson : arrival::uniform;
  } else if (name == "duration") {
    return real(s.duration_s, 0, 86'400);
  } else if (name == "max-requests") {
    uint64_t v = 0;
    if (!parse_int(value, v) || v < 1 || v > 1'000'000'000)
      return bad("an integer from 1 to 1000000000");
    s.max_requests = v;
  } else if (name == "max-iterations") {
    uint64_t v = 0;
    if (!parse_int(value, v) || v > 1'000'000'000)
      return bad("an integer from 0 (no bound) to 1000000000");
    s.max_iterations = v;
  } else if (name == "max-in-flight") {
    return u32(s.max_in_flight, 1, 100'000);
  } else if (name == "timeout") {
    return real(s.timeout_s, 0, 600);
  } else if (name == "think-ms") {
    auto colon = value.find(':');
    uint64_t lo = 0, hi = 0;
    if (colon == std::string::npos) {
      if (!parse_int(value, lo))
        return bad("MS or MIN:MAX in milliseconds");
      hi = lo;
    } else if (!parse_int(value.substr(0, colon), lo) || !parse_int(value.substr(colon + 1), hi)) {
      return bad("MS or MIN:MAX in milliseconds");
    }
    if (lo > hi || hi > 600'000)
      return bad("MIN <= MAX <= 600000");
    s.think_min_ms = lo;
    s.think_max_ms = hi;
  } else if (name == "reward") {
    auto c = parse_cents(value);
    if (!c || *c < 1)
      return bad("an amount of at least 0.01, like 0.05");
    s.reward_cents = *c;
  } else if (name == "assignments") {
    return u32(s.assignments, 1, 100);
  } else if (name == "lifetime") {
    return i64(s.lifetime_s, 30, 31'536'000);
  } else if (name == "assignment-duration") {
    return i64(s.assignment_duration_s, 30, 31'536'000);
  } else if (name == "auto-approval-delay") {
    return i64(s.auto_approval_delay_s, 0, 2'592'000);
  } else if (name == "reject-percent") {
    return u32(s.reject_percent, 0, 100);
  } else if (name == "mix") {
    // action=weight,action=weight
    std::vector<std::pair<std::string, uint32_t>> mix;
    std::stringstream ss{value};
    std::string item;
    while (std::getline(ss, item, ',')) {
      auto eq = item.find('=');
      std::string action = item.substr(0, eq);
      uint32_t w = 1;
      if (eq != std::string::npos && (!parse_int(item.substr(eq + 1), w) || w > 1'000'000))
        return bad("ACTION=WEIGHT,... with weights from 0 to 1000000");
      if (!known_action(action))
        return "--mix: unknown action \"" + action +
               "\" (lifecycle, get_hit, list_hits, get_account_balance, dashboard, ping)";
      if (std::any_of(mix.begin(), mix.end(), [&](auto& m) { return m.first == action; }))
        return "--mix: " + action + " given twice";
      mix.emplace_back(action, w);
    }
    if (mix.empty())
      return bad("ACTION=WEIGHT,...");
    s.mix = std::move(mix);
  } else if (name == "feed-readers") {
    return u32(s.feed_readers, 0, 100'000);
  } else if (name == "requesters") {
    return u32(s.requesters, 0, 1'000);
  } else if (name == "workers") {
    return u32(s.workers, 0, 100'000);
  } else if (name == "http-connections") {
    return u32(s.http_connections, 1, 10'000);
  } else if (name == "seed") {
    if (!parse_int(value, s.seed))
      return bad("a non-negative integer");
  } else {
    return "unknown option \"" + raw_name + "\" (see hitd-load --help)";
  }
  return {};
}

std::string apply_scenario_json(scenario& s, const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec)
    return "the scenario is not JSON: " + ec.message();
  if (!v.is_object())
    return "the scenario must be a JSON object";
  for (auto& [key, val] : v.as_object()) {
    std::string name{key};
    std::string text_value;
    if (val.is_string()) {
      text_value = std::string{val.as_string()};
    } else if (val.is_int64()) {
      text_value = std::to_string(val.as_int64());
    } else if (val.is_uint64()) {
      text_value = std::to_string(val.as_uint64());
    } else if (val.is_double()) {
      text_value = json::serialize(val);
    } else if (val.is_bool()) {
      text_value = val.as_bool() ? "true" : "false";
    } else if (val.is_object() && normalize(name) == "mix") {
      for (auto& [action, weight] : val.as_object()) {
        if (!weight.is_int64() && !weight.is_uint64())
          return "mix: the weight of " + std::string{action} + " must be an integer";
        text_value += (text_value.empty() ? "" : ",") + std::string{action} + "=" + json::serialize(weight);
      }
    } else if (val.is_array() && normalize(name) == "think-ms" && val.as_array().size() == 2) {
      text_value = json::serialize(val.as_array()[0]) + ":" + json::serialize(val.as_array()[1]);
    } else {
      return "\"" + name + "\": this value's type is not allowed here";
    }
    if (auto why = set_option(s, name, text_value); !why.empty())
      return why;
  }
  return {};
}

std::string validate(const scenario& s) {
  std::string host;
  uint16_t port = 0;
  if (!split_target(s.target, host, port))
    return "--target must be HOST:PORT";
  if (!s.allow_remote && !is_loopback_host(host))
    return "--target " + s.target +
           " is not a loopback address (127.0.0.0/8, ::1, localhost); pass --allow-remote to load another host";
  uint64_t total = 0;
  for (auto& [a, w] : s.mix)
    total += w;
  if (total == 0)
    return "--mix: the weights add up to 0";
  if (s.feed_readers > 0 && s.workers > 0 && s.feed_readers > s.workers)
    return "--feed-readers is more than --workers";
  return {};
}

std::string scenario_json(const scenario& s) {
  json::object mix;
  for (auto& [a, w] : s.mix)
    mix[a] = w;
  json::object o{{"name", s.name},
                 {"target", s.target},
                 {"mode", s.mode == loop_mode::open ? "open" : "closed"},
                 {"duration", s.duration_s},
                 {"max_requests", s.max_requests},
                 {"max_iterations", s.max_iterations},
                 {"timeout", s.timeout_s},
                 {"reward", format_cents(s.reward_cents)},
                 {"assignments", s.assignments},
                 {"lifetime", s.lifetime_s},
                 {"assignment_duration", s.assignment_duration_s},
                 {"auto_approval_delay", s.auto_approval_delay_s},
                 {"reject_percent", s.reject_percent},
                 {"mix", std::move(mix)},
                 {"feed_readers", s.feed_readers},
                 {"requesters", s.requesters},
                 {"workers", s.workers},
                 {"http_connections", s.http_connections},
                 {"seed", s.seed}};
  if (s.mode == loop_mode::open) {
    o["rate"] = s.rate;
    o["arrival"] = s.arrivals == arrival::poisson ? "poisson" : "uniform";
    o["max_in_flight"] = s.max_in_flight;
  } else {
    o["concurrency"] = s.concurrency;
    o["think_ms"] = json::array{s.think_min_ms, s.think_max_ms};
  }
  return json::serialize(o);
}

std::optional<accounts> parse_accounts(const std::string& text, std::string& why) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    why = "the accounts file is not a JSON object (write it with `hitd admin create-accounts`)";
    return std::nullopt;
  }
  auto& o = v.as_object();
  auto field = [&](const json::value& item, const char* key, std::string& out) {
    auto* p = item.is_object() ? item.as_object().if_contains(key) : nullptr;
    if (!p || !p->is_string() || p->as_string().empty())
      return false;
    out = std::string{p->as_string()};
    return true;
  };
  accounts a;
  auto* rs = o.if_contains("requesters");
  auto* ws = o.if_contains("workers");
  if (!rs || !rs->is_array() || !ws || !ws->is_array()) {
    why = "the accounts file needs \"requesters\" and \"workers\" arrays";
    return std::nullopt;
  }
  for (auto& r : rs->as_array()) {
    requester_account ra;
    if (!field(r, "requester_id", ra.requester_id) || !field(r, "access_key_id", ra.access_key_id) ||
        !field(r, "secret_access_key", ra.secret_access_key)) {
      why = "a requester in the accounts file lacks requester_id, access_key_id or secret_access_key";
      return std::nullopt;
    }
    a.requesters.push_back(std::move(ra));
  }
  for (auto& w : ws->as_array()) {
    worker_account wa;
    if (!field(w, "worker_id", wa.worker_id) || !field(w, "token", wa.token)) {
      why = "a worker in the accounts file lacks worker_id or token";
      return std::nullopt;
    }
    a.workers.push_back(std::move(wa));
  }
  return a;
}

} // namespace hitd::load
