#pragma once
// Signed links to a HIT's HTMLQuestion page (docs/web.md, "Questions").
//
// The worker page shows an HTMLQuestion in an iframe loaded from this server
// (GET /question?...), so the HIT's own scripts, styles and images work under
// a Content-Security-Policy of their own, sandboxed to an opaque origin. An
// iframe cannot carry the worker's token, so the feed hands out the link in
// its `preview` and `assignments` replies, signed with a key of this process
// (HMAC-SHA256) and valid for a while: the page serves only HITs the feed
// showed to some worker, never an arbitrary HIT id.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hitd::gateway {

class question_links {
public:
  // A fresh random key: links die with the process (the page asks again).
  question_links();
  explicit question_links(std::string key);   // tests

  // "/question?hit=H&requester=R&expires=S&sig=HEX", valid until `expires`
  // (seconds since the Unix epoch).
  std::string link(std::string_view hit_id, std::string_view requester_id, int64_t expires_s) const;
  // The same, valid for `valid_for` from the system clock's now.
  std::string link_from_now(std::string_view hit_id, std::string_view requester_id,
                            std::chrono::seconds valid_for = std::chrono::hours{2}) const;

  struct target {
    std::string hit_id;
    std::string requester_id;
  };
  // The HIT of a link's query string ("hit=...&requester=...&expires=...&sig=..."),
  // or nullopt when it is malformed, forged or expired at `now_s`.
  std::optional<target> check(std::string_view query, int64_t now_s) const;

private:
  std::string sign(std::string_view hit_id, std::string_view requester_id, int64_t expires_s) const;
  std::string key_;
};

// Whether the question document is well-formed XML (hitd/xml.hpp) whose
// root element has this local name: "HTMLQuestion", "ExternalQuestion".
bool root_element_is(std::string_view xml, std::string_view local_name);

// The HTML of an HTMLQuestion: its HTMLContent element's text, CDATA taken
// as is and references decoded; nullopt when the document is not an
// HTMLQuestion with such an element holding text only.
std::optional<std::string> html_content_of(std::string_view xml);

} // namespace hitd::gateway
