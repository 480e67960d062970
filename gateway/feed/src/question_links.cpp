#include "hitd/gateway/feed/question_links.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

#include "hitd/ids.hpp"
#include "hitd/xml.hpp"
#include "hitd/gateway/hex.hpp"

namespace hitd::gateway {

namespace {

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
  return hex_lower(mac, len);
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

bool root_element_is(std::string_view xml_text, std::string_view local_name) {
  xml::document doc;
  return xml::parse(xml_text, doc).empty() && doc.elements.front().name == local_name;
}

std::optional<std::string> html_content_of(std::string_view xml_text) {
  xml::document doc;
  if (!xml::parse(xml_text, doc).empty() || doc.elements.front().name != "HTMLQuestion")
    return std::nullopt;
  for (auto i : doc.elements.front().children) {
    auto& e = doc.elements[i];
    if (e.name != "HTMLContent")
      continue;
    if (!e.children.empty())
      return std::nullopt;   // markup inside: not the HTML as text
    return std::move(e.text);
  }
  return std::nullopt;
}

} // namespace hitd::gateway
