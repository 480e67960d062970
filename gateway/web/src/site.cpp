#include "hitd/gateway/web/site.hpp"

#include <string>
#include <utility>

namespace hitd::gateway_web {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Scripts, styles, fetches and WebSockets only from the server's own origin
// ('self' covers ws: of the same host in CSP 3); frames (a HIT's
// ExternalQuestion or HTMLQuestion, in a sandboxed iframe) from anywhere;
// the pages themselves never framed.
constexpr std::string_view csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src https: http: data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'";

void security_headers(gateway::http_response& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string{csp});
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
}

gateway::http_response text(unsigned status, std::string body) {
  gateway::http_response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  security_headers(r);
  return r;
}

} // namespace

std::string_view content_type_of(std::string_view path) {
  if (ends_with(path, ".html"))
    return "text/html; charset=utf-8";
  if (ends_with(path, ".js"))
    return "text/javascript; charset=utf-8";
  if (ends_with(path, ".css"))
    return "text/css; charset=utf-8";
  if (ends_with(path, ".png"))
    return "image/png";
  if (ends_with(path, ".svg"))
    return "image/svg+xml";
  return "application/octet-stream";
}

bool is_page_request(const gateway::http_request& req) { return req.method == "GET" || req.method == "HEAD"; }

gateway::http_response serve_page(const gateway::http_request& req) {
  if (req.method != "GET") {
    auto r = text(405, "use GET\n");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  std::string_view path = req.path();
  if (path == "/")
    path = "/index.html";
  for (const auto& f : site_files()) {
    if (f.path != path)
      continue;
    gateway::http_response r;
    r.status = 200;
    r.content_type = std::string{content_type_of(f.path)};
    r.body = std::string{f.body};
    // Small files that change with the binary: revalidate every time (no
    // ETag yet, so a reload fetches them again; they are a few KiB).
    r.headers.emplace_back("Cache-Control", "no-cache");
    security_headers(r);
    return r;
  }
  return text(404, "no such page: try /worker.html or /requester.html\n");
}

gateway::http_handler with_pages(gateway::http_handler next) {
  return [next = std::move(next)](gateway::http_request req, gateway::http_responder respond) {
    if (is_page_request(req))
      return respond(serve_page(req));
    next(std::move(req), std::move(respond));
  };
}

} // namespace hitd::gateway_web
