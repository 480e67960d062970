#include "hitd/gateway/feed/question_links.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <stdexcept>

#include "hitd/ids.hpp"

namespace hitd::gateway {

namespace {

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

// The value of `name` in a query string of plain values (ids, digits, hex:
// nothing here needs percent-decoding), or nullopt.
std::optional<std::string_view> param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return part.substr(eq + 1);
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

} // namespace

question_links::question_links() : key_(32, '\0') {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), static_cast<int>(key_.size())) != 1)
    throw std::runtime_error("question_links: no random bytes for the link key");
}

question_links::question_links(std::string key) : key_(std::move(key)) {}

std::string question_links::sign(std::string_view hit_id, std::string_view requester_id, int64_t expires_s) const {
  std::string msg;
  msg.reserve(hit_id.size() + requester_id.size() + 24);
  msg.append(hit_id).push_back('\n');
  msg.append(requester_id).push_back('\n');
  msg.append(std::to_string(expires_s));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), mac, &len);
  return hex(mac, len);
}

std::string question_links::link(std::string_view hit_id, std::string_view requester_id, int64_t expires_s) const {
  std::string out = "/question?hit=";
  out.append(hit_id).append("&requester=").append(requester_id);
  out.append("&expires=").append(std::to_string(expires_s));
  out.append("&sig=").append(sign(hit_id, requester_id, expires_s));
  return out;
}

std::string question_links::link_from_now(std::string_view hit_id, std::string_view requester_id,
                                          std::chrono::seconds valid_for) const {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return link(hit_id, requester_id, (now + valid_for).count());
}

std::optional<question_links::target> question_links::check(std::string_view query, int64_t now_s) const {
  auto hit = param(query, "hit");
  auto requester = param(query, "requester");
  auto expires = param(query, "expires");
  auto sig = param(query, "sig");
  if (!hit || !requester || !expires || !sig || !parse_id(id_kind::hit, *hit) || requester->empty() ||
      requester->size() > 64)
    return std::nullopt;
  int64_t until = 0;
  auto [end, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), until);
  if (ec != std::errc{} || end != expires->data() + expires->size() || until < now_s)
    return std::nullopt;
  auto want = sign(*hit, *requester, until);
  if (want.size() != sig->size() || CRYPTO_memcmp(want.data(), sig->data(), want.size()) != 0)
    return std::nullopt;
  return target{std::string{*hit}, std::string{*requester}};
}

namespace {

// Past the prolog: the XML declaration, comments, processing instructions
// and white space; at the root element's '<' (or the end).
size_t root_start(std::string_view xml) {
  size_t i = 0;
  while (i < xml.size()) {
    if (xml[i] == ' ' || xml[i] == '\t' || xml[i] == '\r' || xml[i] == '\n' ||
        (i == 0 && xml.substr(0, 3) == "\xEF\xBB\xBF")) {
      i += xml[i] == '\xEF' ? 3 : 1;
      continue;
    }
    if (xml.substr(i, 4) == "<!--") {
      auto e = xml.find("-->", i + 4);
      i = e == std::string_view::npos ? xml.size() : e + 3;
    } else if (xml.substr(i, 2) == "<?") {
      auto e = xml.find("?>", i + 2);
      i = e == std::string_view::npos ? xml.size() : e + 2;
    } else {
      break;
    }
  }
  return i;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// The local name of the element whose '<' is at `at`.
std::string_view local_name_at(std::string_view xml, size_t at) {
  size_t b = at + 1, e = b;
  while (e < xml.size() && name_char(xml[e]))
    ++e;
  auto name = xml.substr(b, e - b);
  if (auto colon = name.rfind(':'); colon != std::string_view::npos)
    name.remove_prefix(colon + 1);
  return name;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Character data with its references decoded (the five predefined
// entities and numeric references; the document has no DTD).
void append_text(std::string& out, std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    auto semi = text.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    auto ref = text.substr(i + 1, semi - i - 1);
    if (ref == "lt") out.push_back('<');
    else if (ref == "gt") out.push_back('>');
    else if (ref == "amp") out.push_back('&');
    else if (ref == "quot") out.push_back('"');
    else if (ref == "apos") out.push_back('\'');
    else if (ref.size() > 1 && ref[0] == '#') {
      uint32_t cp = 0;
      bool hex = ref[1] == 'x';
      auto digits = ref.substr(hex ? 2 : 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (ec != std::errc{} || end != digits.data() + digits.size() || cp > 0x10FFFF) {
        out.push_back('&');
        continue;
      }
      append_utf8(out, cp);
    } else {
      out.push_back('&');
      continue;
    }
    i = semi;
  }
}

} // namespace

bool root_element_is(std::string_view xml, std::string_view local_name) {
  auto at = root_start(xml);
  return at < xml.size() && xml[at] == '<' && local_name_at(xml, at) == local_name;
}

std::optional<std::string> html_content_of(std::string_view xml) {
  if (!root_element_is(xml, "HTMLQuestion"))
    return std::nullopt;
  // The first HTMLContent element (a child of the root; nothing else in an
  // HTMLQuestion has that name), then its content up to its end tag. CDATA
  // is skipped over as a whole: it may hold anything but "]]>".
  size_t i = root_start(xml) + 1;
  size_t open = std::string_view::npos;
  while ((i = xml.find('<', i)) != std::string_view::npos) {
    if (xml.substr(i, 9) == "<![CDATA[") {
      auto e = xml.find("]]>", i);
      if (e == std::string_view::npos)
        return std::nullopt;
      i = e + 3;
      continue;
    }
    if (xml[i + 1 < xml.size() ? i + 1 : i] != '/' && local_name_at(xml, i) == "HTMLContent") {
      open = i;
      break;
    }
    ++i;
  }
  if (open == std::string_view::npos)
    return std::nullopt;
  auto gt = xml.find('>', open);
  if (gt == std::string_view::npos)
    return std::nullopt;
  if (xml[gt - 1] == '/')
    return std::string{};   // <HTMLContent/>
  std::string out;
  i = gt + 1;
  while (i < xml.size()) {
    auto lt = xml.find('<', i);
    if (lt == std::string_view::npos)
      return std::nullopt;
    append_text(out, xml.substr(i, lt - i));
    if (xml.substr(lt, 9) == "<![CDATA[") {
      auto e = xml.find("]]>", lt + 9);
      if (e == std::string_view::npos)
        return std::nullopt;
      out.append(xml.substr(lt + 9, e - lt - 9));
      i = e + 3;
      continue;
    }
    if (xml.substr(lt, 4) == "<!--") {
      auto e = xml.find("-->", lt + 4);
      if (e == std::string_view::npos)
        return std::nullopt;
      i = e + 3;
      continue;
    }
    if (xml.substr(lt, 2) == "</" && local_name_at(xml, lt + 1) == "HTMLContent")
      return out;
    return std::nullopt;   // an element inside HTMLContent: not text
  }
  return std::nullopt;
}

} // namespace hitd::gateway
