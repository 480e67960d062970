// The web pages' handler (gateway/web): the embedded files with their
// Content-Type and security headers, 404 and 405, and the routing that
// leaves everything but GET and HEAD to the MTurk API. The pages themselves
// are tested in a browser by tests/web/e2e.mjs.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "hitd/gateway/feed/question_links.hpp"
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
    auto etag = header(r, "ETag");
    ASSERT_TRUE(etag) << page;
    EXPECT_EQ(etag->size(), 22u) << *etag;
    EXPECT_EQ(etag->front(), '"');
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
  // HEAD answers as GET (the transport drops the body, see server_test).
  auto page = serve_page(get("/worker.html"));
  auto head = serve_page(get("/worker.html", "HEAD"));
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.body, page.body);
  EXPECT_EQ(header(head, "ETag"), header(page, "ETag"));
  auto put = serve_page(get("/worker.html", "PUT"));
  EXPECT_EQ(put.status, 405u);
  EXPECT_EQ(header(put, "Allow"), "GET, HEAD");
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

TEST(WebSite, AnUnchangedFileIsRevalidatedBy304) {
  auto first = serve_page(get("/worker.js"));
  auto etag = *header(first, "ETag");
  EXPECT_NE(etag, *header(serve_page(get("/worker.html")), "ETag")) << "each file its own tag";
  for (auto match : {etag, "W/" + etag, "\"other\", " + etag, std::string{"*"}}) {
    auto req = get("/worker.js");
    req.headers.emplace_back("if-none-match", match);
    auto r = serve_page(req);
    EXPECT_EQ(r.status, 304u) << match;
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(header(r, "ETag"), etag);
  }
  auto req = get("/worker.js");
  req.headers.emplace_back("if-none-match", "\"stale\"");
  auto r = serve_page(req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, first.body);
}

gateway::http_request form_post(std::string body, std::string type = "application/x-www-form-urlencoded") {
  auto r = get("/mturk/externalSubmit", "POST");
  r.headers.emplace_back("content-type", std::move(type));
  r.body = std::move(body);
  return r;
}

TEST(WebSite, ExternalSubmitHandsTheFieldsToTheFramingPage) {
  auto r = external_submit(form_post("assignmentId=S0000000000001000002&colour=dark+blue&note=a%3Cb%3E%26%22c%22&empty="));
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  // The fields as JSON that cannot end the script element; the assignment
  // apart from them.
  EXPECT_NE(r.body.find(R"({"assignmentId":"S0000000000001000002","fields":[["colour","dark blue"],)"
                        R"(["note","a\u003cb\u003e\u0026\"c\""],["empty",""]]})"),
            std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("<b>"), std::string::npos);
  // Its one script runs by a nonce named in its policy.
  auto csp = *header(r, "Content-Security-Policy");
  auto at = csp.find("'nonce-");
  ASSERT_NE(at, std::string::npos) << csp;
  auto nonce = csp.substr(at + 7, csp.find('\'', at + 7) - at - 7);
  EXPECT_EQ(nonce.size(), 32u);
  EXPECT_NE(r.body.find("<script nonce=\"" + nonce + "\">"), std::string::npos);
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(r.body.find("postMessage"), std::string::npos);
  EXPECT_NE(*header(external_submit(form_post("a=1")), "Content-Security-Policy"), csp) << "a fresh nonce each time";

  // GET with a query works the same; bad requests get their status.
  auto g = external_submit(get("/mturk/externalSubmit?assignmentId=S1&x=1"));
  EXPECT_EQ(g.status, 200u);
  EXPECT_NE(g.body.find(R"("fields":[["x","1"]])"), std::string::npos);
  EXPECT_EQ(external_submit(form_post("a=1", "multipart/form-data; boundary=x")).status, 415u);
  EXPECT_EQ(external_submit(get("/mturk/externalSubmit", "PUT")).status, 405u);
  std::string many;
  for (int i = 0; i < 1'001; ++i)
    many += "f" + std::to_string(i) + "=1&";
  EXPECT_EQ(external_submit(form_post(many)).status, 413u);
  EXPECT_EQ(external_submit(form_post("big=" + std::string(70'000, 'x'))).status, 413u);
}

TEST(WebSite, TheQuestionPageServesAnHtmlQuestionBySignedLinkOnly) {
  gateway::question_links links{"test key"};
  std::vector<std::string> asked;
  question_pages q;
  q.links = &links;
  q.question_of = [&](std::string hit, std::string requester, std::function<void(std::optional<std::string>)> done) {
    asked.push_back(hit + " " + requester);
    if (hit == "H0000000000001")
      done("<HTMLQuestion><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form action=\"x\"></form></body></html>]]>"
           "</HTMLContent></HTMLQuestion>");
    else if (hit == "H0000000000002")
      done("<QuestionForm><Question/></QuestionForm>");
    else
      done(std::nullopt);
  };
  auto ask = [&](std::string target) {
    gateway::http_response out;
    out.status = 0;
    serve_question(get(std::move(target)), q, [&](gateway::http_response r) { out = std::move(r); });
    return out;
  };
  auto far = 4'000'000'000;   // seconds: far in the future
  auto ok = ask(links.link("H0000000000001", "AR1", far) + "&assignmentId=S1");
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(asked, std::vector<std::string>{"H0000000000001 AR1"});
  // The doctype first, then the prelude that sends forms here, then the HIT's HTML.
  EXPECT_EQ(ok.body.rfind("<!DOCTYPE html><script>", 0), 0u) << ok.body;
  EXPECT_NE(ok.body.find("/mturk/externalSubmit"), std::string::npos);
  EXPECT_NE(ok.body.find("<form action=\"x\"></form>"), std::string::npos);
  auto csp = *header(ok, "Content-Security-Policy");
  EXPECT_EQ(csp.rfind("sandbox allow-scripts allow-forms", 0), 0u) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'self'"), std::string::npos);
  EXPECT_EQ(header(ok, "Cache-Control"), "no-store");

  EXPECT_EQ(ask(links.link("H0000000000002", "AR1", far)).status, 404u) << "not an HTMLQuestion";
  EXPECT_EQ(ask(links.link("H0000000000003", "AR1", far)).status, 404u) << "gone";
  EXPECT_EQ(ask(links.link("H0000000000001", "AR1", 1)).status, 403u) << "expired";
  EXPECT_EQ(ask(gateway::question_links{"other"}.link("H0000000000001", "AR1", far)).status, 403u) << "forged";
  EXPECT_EQ(ask("/question").status, 403u);
  EXPECT_EQ(asked.size(), 3u) << "a bad link never reaches the engine";
  serve_question(get("/question", "POST"), q, [](gateway::http_response r) { EXPECT_EQ(r.status, 405u); });
  serve_question(get(links.link("H0000000000001", "AR1", far)), question_pages{},
                 [](gateway::http_response r) { EXPECT_EQ(r.status, 404u); });

  // Through with_pages: /question and /mturk/externalSubmit never reach the API.
  bool reached = false;
  auto handler = with_pages([&](gateway::http_request, gateway::http_responder) { reached = true; }, q);
  unsigned status = 0;
  handler(get(links.link("H0000000000001", "AR1", far)), [&](gateway::http_response r) { status = r.status; });
  EXPECT_EQ(status, 200u);
  handler(form_post("a=1"), [&](gateway::http_response r) { status = r.status; });
  EXPECT_EQ(status, 200u);
  EXPECT_FALSE(reached);
}

} // namespace
} // namespace hitd::gateway_web
