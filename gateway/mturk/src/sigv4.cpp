// AWS Signature Version 4 (sigv4.hpp): the canonical request, the string to
// sign, the derived key and the signature, and the checks AWS makes before
// comparing signatures. HMAC-SHA256 and SHA-256 from OpenSSL.

#include "hitd/gateway/mturk/sigv4.hpp"
#include "hitd/gateway/hex.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace hitd::gateway_mturk {

namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view terminator = "aws4_request";

// Bounds on what is parsed; the HTTP server bounds the request as a whole,
// these keep a hostile header from costing more than a normal one.
constexpr size_t max_headers = 256;
constexpr size_t max_authorization_chars = 4096;
constexpr size_t max_signed_headers = 64;
constexpr size_t max_target_chars = 16384;

constexpr std::string_view signature_mismatch =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.";

using header_list = std::vector<std::pair<std::string, std::string>>;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowercase(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

// A header value as the canonical request has it: trimmed, and each run of
// spaces (or tabs) one space.
std::string canonical_value(std::string_view v) {
  v = trim(v);
  std::string out;
  out.reserve(v.size());
  bool in_space = false;
  for (char c : v) {
    if (is_space(c)) {
      in_space = true;
      continue;
    }
    if (in_space)
      out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    return {};
  return gateway::hex_lower(md, len);
}

using mac = std::array<unsigned char, 32>;

mac hmac(std::string_view key, std::string_view data) {
  mac out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out.data(), &len);
  return out;
}

std::string_view as_view(const mac& m) { return {reinterpret_cast<const char*>(m.data()), m.size()}; }

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

// RFC 3986 percent-encoding of everything but the unreserved characters
// (and '/' when keep_slash), upper-case hex, as AWS specifies.
std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xf]);
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Percent-decoding; a '%' not followed by two hex digits stays as it is.
// '+' is a '+' (RFC 3986, not HTML forms).
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// The path as the SDKs sign it for the services other than S3: dot
// segments removed, empty segments dropped, then URI-encoded (the path as
// sent is already encoded, so this encodes it a second time).
std::string canonical_uri(std::string_view path) {
  if (path.empty())
    return "/";
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos)
      slash = path.size();
    auto seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!out.empty())
        out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    start = slash + 1;
  }
  std::string joined = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0)
      joined.push_back('/');
    joined.append(out[i]);
  }
  if (path.back() == '/' && !out.empty())
    joined.push_back('/');
  if (joined.empty())
    joined = "/";
  return uri_encode(joined, true);
}

// The raw query decoded, each name and value encoded again, sorted by name
// then value, joined with '&'.
std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos)
      amp = query.size();
    auto piece = query.substr(start, amp - start);
    if (!piece.empty()) {
      auto eq = piece.find('=');
      auto name = piece.substr(0, eq);
      auto value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
      params.emplace_back(uri_encode(percent_decode(name), false), uri_encode(percent_decode(value), false));
    }
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0)
      out.push_back('&');
    out += params[i].first;
    out.push_back('=');
    out += params[i].second;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0)
      out.push_back(sep);
    out += parts[i];
  }
  return out;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// YYYYMMDDTHHMMSSZ of seconds since the epoch.
std::string amz_date_of(int64_t t) {
  int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y0 = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = y0 + (m <= 2);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld%02u%02uT%02lld%02lld%02lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

unsigned number(std::string_view s) {
  unsigned n = 0;
  for (char c : s)
    n = n * 10 + static_cast<unsigned>(c - '0');
  return n;
}

bool valid_date(std::string_view yyyymmdd) {
  if (yyyymmdd.size() != 8 || !all_digits(yyyymmdd))
    return false;
  unsigned y = number(yyyymmdd.substr(0, 4)), m = number(yyyymmdd.substr(4, 2)), d = number(yyyymmdd.substr(6, 2));
  if (m < 1 || m > 12 || d < 1)
    return false;
  static constexpr unsigned days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days_in[m - 1] + (m == 2 && leap ? 1 : 0);
}

// X-Amz-Date (basic ISO 8601, UTC) as seconds since the epoch.
std::optional<int64_t> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z' || !valid_date(s.substr(0, 8)) || !all_digits(s.substr(9, 6)))
    return std::nullopt;
  unsigned hh = number(s.substr(9, 2)), mi = number(s.substr(11, 2)), ss = number(s.substr(13, 2));
  if (hh > 23 || mi > 59 || ss > 60)
    return std::nullopt;
  auto days = days_from_civil(number(s.substr(0, 4)), number(s.substr(4, 2)), number(s.substr(6, 2)));
  return days * 86400 + hh * 3600 + mi * 60 + ss;
}

std::string skew_text(int64_t s) {
  if (s % 60 == 0)
    return std::to_string(s / 60) + " min.";
  return std::to_string(s) + " sec.";
}

bool header_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '!' ||
         c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' || c == '^' || c == '`' ||
         c == '|' || c == '~';
}

sigv4_result refuse(sigv4_failure f, std::string message) {
  sigv4_result r;
  r.failure = f;
  r.message = std::move(message);
  return r;
}

struct authorization {
  std::string_view credential, signed_headers, signature;
};

} // namespace

std::string_view sigv4_failure_type(sigv4_failure f) {
  switch (f) {
    case sigv4_failure::missing_authentication_token: return "MissingAuthenticationTokenException";
    case sigv4_failure::incomplete_signature: return "IncompleteSignatureException";
    case sigv4_failure::unrecognized_client: return "UnrecognizedClientException";
    case sigv4_failure::invalid_signature: return "InvalidSignatureException";
    case sigv4_failure::signature_expired: return "InvalidSignatureException";
  }
  return "InvalidSignatureException";
}

unsigned sigv4_failure_status(sigv4_failure f) { return f == sigv4_failure::missing_authentication_token ? 403 : 400; }

std::string sigv4_canonical_request(const sigv4_request& req, const std::vector<std::string>& signed_headers) {
  auto target = req.target;
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  auto frag = query.find('#');
  if (frag != std::string_view::npos)
    query = query.substr(0, frag);

  std::string out;
  out.reserve(256 + req.target.size());
  out.append(req.method);
  out.push_back('\n');
  out += canonical_uri(path);
  out.push_back('\n');
  out += canonical_query(query);
  out.push_back('\n');
  for (const auto& name : signed_headers) {
    out += name;
    out.push_back(':');
    bool first = true;
    if (req.headers != nullptr)
      for (const auto& [n, v] : *req.headers) {
        if (!iequals(n, name))
          continue;
        if (!first)
          out.push_back(',');
        first = false;
        out += canonical_value(v);
      }
    out.push_back('\n');
  }
  out.push_back('\n');
  out += join(signed_headers, ';');
  out.push_back('\n');
  out += sha256_hex(req.body);
  return out;
}

std::string sigv4_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request) {
  std::string out{algorithm};
  out.push_back('\n');
  out.append(amz_date);
  out.push_back('\n');
  out.append(scope);
  out.push_back('\n');
  out += sha256_hex(canonical_request);
  return out;
}

std::string sigv4_signature(std::string_view secret_access_key, std::string_view date, std::string_view region,
                            std::string_view service, std::string_view string_to_sign) {
  std::string k_secret = "AWS4";
  k_secret.append(secret_access_key);
  auto k_date = hmac(k_secret, date);
  OPENSSL_cleanse(k_secret.data(), k_secret.size());
  auto k_region = hmac(as_view(k_date), region);
  auto k_service = hmac(as_view(k_region), service);
  auto k_signing = hmac(as_view(k_service), terminator);
  auto sig = hmac(as_view(k_signing), string_to_sign);
  OPENSSL_cleanse(k_date.data(), k_date.size());
  OPENSSL_cleanse(k_region.data(), k_region.size());
  OPENSSL_cleanse(k_service.data(), k_service.size());
  OPENSSL_cleanse(k_signing.data(), k_signing.size());
  return gateway::hex_lower(sig.data(), sig.size());
}

sigv4_result verify_sigv4(const sigv4_request& req, const secret_lookup& secret_of, int64_t now_s,
                          const sigv4_options& opts) {
  static const header_list no_headers;
  const header_list& headers = req.headers != nullptr ? *req.headers : no_headers;
  if (headers.size() > max_headers)
    return refuse(sigv4_failure::incomplete_signature, "The request has too many headers to verify.");
  if (req.target.size() > max_target_chars)
    return refuse(sigv4_failure::incomplete_signature, "The request target is too long to verify.");

  // The Authorization header: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...
  const std::string* auth_value = nullptr;
  const std::string* date_value = nullptr;
  size_t auth_count = 0, date_count = 0;
  for (const auto& [n, v] : headers) {
    if (iequals(n, "authorization")) {
      auth_value = &v;
      ++auth_count;
    } else if (iequals(n, "x-amz-date")) {
      date_value = &v;
      ++date_count;
    }
  }
  if (auth_count == 0)
    return refuse(sigv4_failure::missing_authentication_token, "Missing Authentication Token");
  std::string_view auth = trim(*auth_value);
  if (auth.substr(0, algorithm.size()) != algorithm ||
      (auth.size() > algorithm.size() && !is_space(auth[algorithm.size()])))
    return refuse(sigv4_failure::missing_authentication_token, "Missing Authentication Token");
  const std::string echo = " Authorization=" + std::string{auth.substr(0, max_authorization_chars)};
  if (auth_count > 1)
    return refuse(sigv4_failure::incomplete_signature, "The request has more than one Authorization header.");
  if (auth.size() > max_authorization_chars)
    return refuse(sigv4_failure::incomplete_signature, "The Authorization header is too long.");

  authorization a;
  bool seen_credential = false, seen_signed = false, seen_signature = false;
  std::string_view rest = trim(auth.substr(algorithm.size()));
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    if (comma == std::string_view::npos)
      comma = rest.size();
    auto part = trim(rest.substr(start, comma - start));
    start = comma + 1;
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      return refuse(sigv4_failure::incomplete_signature,
                    "'" + std::string{part} + "' not a valid key=value pair (missing equal-sign) in Authorization header:" +
                        echo);
    auto key = part.substr(0, eq);
    auto value = part.substr(eq + 1);
    bool* seen = nullptr;
    std::string_view* slot = nullptr;
    if (key == "Credential") {
      seen = &seen_credential;
      slot = &a.credential;
    } else if (key == "SignedHeaders") {
      seen = &seen_signed;
      slot = &a.signed_headers;
    } else if (key == "Signature") {
      seen = &seen_signature;
      slot = &a.signature;
    } else {
      return refuse(sigv4_failure::incomplete_signature,
                    "'" + std::string{key} + "' is not a parameter of the Authorization header:" + echo);
    }
    if (*seen)
      return refuse(sigv4_failure::incomplete_signature,
                    "Authorization header has the '" + std::string{key} + "' parameter twice:" + echo);
    *seen = true;
    *slot = value;
  }
  {
    std::string missing;
    if (!seen_credential || a.credential.empty())
      missing += "Authorization header requires 'Credential' parameter. ";
    if (!seen_signature || a.signature.empty())
      missing += "Authorization header requires 'Signature' parameter. ";
    if (!seen_signed || a.signed_headers.empty())
      missing += "Authorization header requires 'SignedHeaders' parameter. ";
    if (date_count == 0)
      missing += "Authorization header requires existence of a 'X-Amz-Date' header. ";
    if (!missing.empty()) {
      missing.pop_back();
      return refuse(sigv4_failure::incomplete_signature, missing + echo);
    }
  }
  if (date_count > 1)
    return refuse(sigv4_failure::incomplete_signature, "The request has more than one X-Amz-Date header.");

  // Credential=AKID/YYYYMMDD/region/service/aws4_request
  std::array<std::string_view, 5> scope{};
  {
    size_t n = 0, from = 0;
    bool too_many = false;
    while (from <= a.credential.size()) {
      size_t slash = a.credential.find('/', from);
      if (slash == std::string_view::npos)
        slash = a.credential.size();
      if (n == scope.size()) {
        too_many = true;
        break;
      }
      scope[n++] = a.credential.substr(from, slash - from);
      from = slash + 1;
    }
    bool any_empty = std::any_of(scope.begin(), scope.begin() + static_cast<std::ptrdiff_t>(n),
                                 [](std::string_view s) { return s.empty(); });
    if (too_many || n != scope.size() || any_empty)
      return refuse(sigv4_failure::incomplete_signature,
                    "Credential should be of the form 'AccessKeyId/YYYYMMDD/region/service/aws4_request', not '" +
                        std::string{a.credential} + "'.");
  }
  const auto [key_id, scope_date, region, service, scope_terminator] = scope;
  if (!valid_date(scope_date))
    return refuse(sigv4_failure::incomplete_signature,
                  "Credential should be scoped to a valid date (YYYYMMDD), not '" + std::string{scope_date} + "'.");

  // SignedHeaders=a;b;c (lowercase names).
  std::vector<std::string> signed_names;
  {
    size_t from = 0;
    while (from <= a.signed_headers.size()) {
      size_t semi = a.signed_headers.find(';', from);
      if (semi == std::string_view::npos)
        semi = a.signed_headers.size();
      auto name = a.signed_headers.substr(from, semi - from);
      from = semi + 1;
      if (name.empty() || !std::all_of(name.begin(), name.end(), header_name_char))
        return refuse(sigv4_failure::incomplete_signature,
                      "SignedHeaders should be lowercase header names separated by ';', not '" +
                          std::string{a.signed_headers} + "'.");
      if (signed_names.size() == max_signed_headers)
        return refuse(sigv4_failure::incomplete_signature, "SignedHeaders lists too many headers.");
      signed_names.emplace_back(name);
    }
    std::sort(signed_names.begin(), signed_names.end());
    if (std::adjacent_find(signed_names.begin(), signed_names.end()) != signed_names.end())
      return refuse(sigv4_failure::incomplete_signature, "SignedHeaders lists a header twice.");
  }
  auto is_signed = [&](std::string_view name) {
    return std::binary_search(signed_names.begin(), signed_names.end(), name);
  };
  if (!is_signed("host"))
    return refuse(sigv4_failure::incomplete_signature,
                  "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (!is_signed("x-amz-date"))
    return refuse(sigv4_failure::incomplete_signature, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  for (const auto& name : signed_names) {
    bool present = std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
    if (!present)
      return refuse(sigv4_failure::incomplete_signature,
                    "The signed header '" + name + "' is not in the request.");
  }

  std::string_view amz_date = trim(*date_value);
  auto signed_at = parse_amz_date(amz_date);
  if (!signed_at)
    return refuse(sigv4_failure::incomplete_signature,
                  "X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z', not '" +
                      std::string{amz_date.substr(0, 64)} + "'.");

  // The scope.
  if (scope_terminator != terminator)
    return refuse(sigv4_failure::invalid_signature, "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                                                        std::string{scope_terminator} + "'.");
  if (service != opts.service)
    return refuse(sigv4_failure::invalid_signature,
                  "Credential should be scoped to correct service: '" + std::string{opts.service} + "'. ");
  if (scope_date != amz_date.substr(0, 8))
    return refuse(sigv4_failure::invalid_signature,
                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                      std::string{scope_date} + "' != '" + std::string{amz_date.substr(0, 8)} + "', from '" +
                      std::string{amz_date} + "'.");

  // The clock.
  if (*signed_at < now_s - opts.max_skew_s)
    return refuse(sigv4_failure::signature_expired, "Signature expired: " + std::string{amz_date} +
                                                        " is now earlier than " + amz_date_of(now_s - opts.max_skew_s) +
                                                        " (" + amz_date_of(now_s) + " - " + skew_text(opts.max_skew_s) +
                                                        ")");
  if (*signed_at > now_s + opts.max_skew_s)
    return refuse(sigv4_failure::signature_expired, "Signature not yet current: " + std::string{amz_date} +
                                                        " is still later than " + amz_date_of(now_s + opts.max_skew_s) +
                                                        " (" + amz_date_of(now_s) + " + " + skew_text(opts.max_skew_s) +
                                                        ")");

  // The key.
  std::optional<std::string> secret;
  if (secret_of)
    secret = secret_of(key_id);
  if (!secret || secret->empty())
    return refuse(sigv4_failure::unrecognized_client, "The security token included in the request is invalid.");

  // The payload, when the client sent its hash and signed it.
  auto body_hash = sha256_hex(req.body);
  if (is_signed("x-amz-content-sha256")) {
    for (const auto& [n, v] : headers)
      if (iequals(n, "x-amz-content-sha256") && trim(v) != body_hash) {
        OPENSSL_cleanse(secret->data(), secret->size());
        return refuse(sigv4_failure::invalid_signature,
                      "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
  }

  // The signature.
  std::string scope_text{a.credential.substr(key_id.size() + 1)};
  auto canonical = sigv4_canonical_request(req, signed_names);
  auto to_sign = sigv4_string_to_sign(amz_date, scope_text, canonical);
  auto expected = sigv4_signature(*secret, scope_date, region, service, to_sign);
  OPENSSL_cleanse(secret->data(), secret->size());
  bool match = a.signature.size() == expected.size() &&
               CRYPTO_memcmp(a.signature.data(), expected.data(), expected.size()) == 0;
  if (!match)
    return refuse(sigv4_failure::invalid_signature, std::string{signature_mismatch});

  sigv4_result r;
  r.identity = sigv4_identity{std::string{key_id}, std::string{region}, std::string{service}, *signed_at};
  return r;
}

std::vector<std::pair<std::string, std::string>> sign_sigv4(const sigv4_request& req, const sigv4_credentials& creds,
                                                             int64_t now_s) {
  auto amz_date = amz_date_of(now_s);
  header_list headers;
  if (req.headers != nullptr)
    for (const auto& h : *req.headers)
      if (!iequals(h.first, "authorization") && !iequals(h.first, "x-amz-date"))
        headers.push_back(h);
  headers.emplace_back("x-amz-date", amz_date);

  std::vector<std::string> names;
  for (const auto& h : headers)
    names.push_back(lowercase(h.first));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  sigv4_request signed_req{req.method, req.target, &headers, req.body};
  auto date = amz_date.substr(0, 8);
  auto scope = date + "/" + creds.region + "/" + creds.service + "/" + std::string{terminator};
  auto to_sign = sigv4_string_to_sign(amz_date, scope, sigv4_canonical_request(signed_req, names));
  auto signature = sigv4_signature(creds.secret_access_key, date, creds.region, creds.service, to_sign);

  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("X-Amz-Date", amz_date);
  out.emplace_back("Authorization", std::string{algorithm} + " Credential=" + creds.access_key_id + "/" + scope +
                                        ", SignedHeaders=" + join(names, ';') + ", Signature=" + signature);
  return out;
}

} // namespace hitd::gateway_mturk
