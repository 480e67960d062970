// The web pages' handler (gateway/web): the embedded files with their
// Content-Type and security headers, 404 and 405, and the routing that
// leaves everything but GET and HEAD to the MTurk API. The pages themselves
// are tested in a browser by tests/web/e2e.mjs.

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "hitd/gateway/web/site.hpp"

namespace hitd::gateway_web {
namespace {

gateway::http_request get(std::string target, std::string method = "GET") {
  gateway::http_request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

std::optional<std::string> header(const gateway::http_response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name)
      return v;
  return std::nullopt;
}

TEST(WebSite, EveryPageIsEmbeddedWithItsTypeAndSecurityHeaders) {
  for (auto page : {"/index.html", "/worker.html", "/requester.html", "/style.css", "/worker.js", "/requester.js",
                    "/sigv4.js", "/common.js", "/question.js"}) {
    auto r = serve_page(get(page));
    EXPECT_EQ(r.status, 200u) << page;
    EXPECT_FALSE(r.body.empty()) << page;
    EXPECT_NE(r.content_type, "application/octet-stream") << page;
    auto csp = header(r, "Content-Security-Policy");
    ASSERT_TRUE(csp) << page;
    EXPECT_NE(csp->find("script-src 'self'"), std::string::npos);
    EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  }
  EXPECT_EQ(serve_page(get("/worker.html")).content_type, "text/html; charset=utf-8");
  EXPECT_EQ(serve_page(get("/worker.js")).content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(serve_page(get("/style.css")).content_type, "text/css; charset=utf-8");
  // The embedded bytes are the file's: the worker page loads its script.
  EXPECT_NE(serve_page(get("/worker.html")).body.find("<script type=\"module\" src=\"/worker.js\">"), std::string::npos);
}

TEST(WebSite, RootIsTheIndexAQueryIsIgnoredAndUnknownPathsAre404) {
  EXPECT_EQ(serve_page(get("/")).body, serve_page(get("/index.html")).body);
  EXPECT_EQ(serve_page(get("/worker.html?token=x")).status, 200u);
  for (auto bad : {"/nope.html", "/../etc/passwd", "/worker.html/", "//worker.html", "/WORKER.HTML"}) {
    auto r = serve_page(get(bad));
    EXPECT_EQ(r.status, 404u) << bad;
    EXPECT_TRUE(header(r, "Content-Security-Policy")) << bad;
  }
  auto head = serve_page(get("/worker.html", "HEAD"));
  EXPECT_EQ(head.status, 405u);
  EXPECT_EQ(header(head, "Allow"), "GET");
}

TEST(WebSite, OnlyGetAndHeadAreForThePagesTheRestGoesToTheApi) {
  std::string reached;
  auto handler = with_pages([&](gateway::http_request req, gateway::http_responder respond) {
    reached = req.method + " " + req.target;
    gateway::http_response r;
    r.status = 299;
    respond(std::move(r));
  });
  unsigned status = 0;
  auto keep = [&](gateway::http_response r) { status = r.status; };
  handler(get("/", "POST"), keep);
  EXPECT_EQ(reached, "POST /");
  EXPECT_EQ(status, 299u);
  reached.clear();
  handler(get("/worker.html"), keep);
  EXPECT_EQ(reached, "");
  EXPECT_EQ(status, 200u);
  handler(get("/", "PUT"), keep);
  EXPECT_EQ(reached, "PUT /");
}

} // namespace
} // namespace hitd::gateway_web
