#include "hitd/gateway/web/site.hpp"

#include <cctype>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "hitd/gateway/feed/question_links.hpp"

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

// Whether an If-None-Match value ("a", W/"a", a list, or *) names `etag`.
bool etag_matches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    auto comma = header.find(',');
    auto one = header.substr(0, comma);
    while (!one.empty() && (one.front() == ' ' || one.front() == '\t'))
      one.remove_prefix(1);
    while (!one.empty() && (one.back() == ' ' || one.back() == '\t'))
      one.remove_suffix(1);
    if (one.substr(0, 2) == "W/")
      one.remove_prefix(2);
    if (one == "*" || one == etag)
      return true;
    if (comma == std::string_view::npos)
      break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte.
std::string form_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() &&
               hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// A JSON string literal that is also safe inside a <script> element.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out.append("\\u00");
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

std::string nonce() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 2; ++i) {
    auto v = rng();
    for (int k = 0; k < 16; ++k, v >>= 4)
      out.push_back(digits[v & 15]);
  }
  return out;
}

// An answer of the question addresses: not stored, its own policy, no
// X-Frame-Options (they show inside the worker page's iframe; the policy's
// frame-ancestors says by whom).
gateway::http_response uncached(unsigned status, std::string_view type, std::string body, std::string csp_value) {
  gateway::http_response r;
  r.status = status;
  r.content_type = std::string{type};
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Content-Security-Policy", std::move(csp_value));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

gateway::http_response html(unsigned status, std::string body, std::string csp_value) {
  return uncached(status, "text/html; charset=utf-8", std::move(body), std::move(csp_value));
}

// An error of the question addresses: plain text.
gateway::http_response question_error(unsigned status, std::string message) {
  return uncached(status, "text/plain; charset=utf-8", std::move(message), "default-src 'none'; frame-ancestors 'self'");
}

// Put first in an HTMLQuestion's page: its forms (those without an action,
// or sending to MTurk's externalSubmit) post to this server's
// /mturk/externalSubmit, whether submitted by a button or form.submit().
constexpr std::string_view question_prelude =
    "<script>(function(){"
    "function fix(f){var a=f.getAttribute('action')||'';"
    "if(!a||/\\/mturk\\/externalSubmit(\\?|#|$)/.test(a)){f.setAttribute('action','/mturk/externalSubmit');"
    "f.setAttribute('method','post');f.setAttribute('enctype','application/x-www-form-urlencoded');}}"
    "document.addEventListener('submit',function(e){if(e.target&&e.target.tagName==='FORM')fix(e.target);},true);"
    "var s=HTMLFormElement.prototype.submit;"
    "HTMLFormElement.prototype.submit=function(){fix(this);return s.call(this);};"
    "})();</script>";

// The HTMLQuestion's own policy: whatever its HTML loads, in a sandbox
// (an opaque origin, so not the pages' origin), framed by the pages only.
constexpr std::string_view question_csp =
    "sandbox allow-scripts allow-forms allow-popups allow-modals; frame-ancestors 'self'";

constexpr size_t submit_fields_max = 1'000;
constexpr size_t submit_bytes_max = 65'535;   // an answer's limit (limits::answer_bytes_max)

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
  // HEAD answers as GET does; the transport sends its headers only.
  if (req.method != "GET" && req.method != "HEAD") {
    auto r = text(405, "use GET\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view path = req.path();
  if (path == "/")
    path = "/index.html";
  for (const auto& f : site_files()) {
    if (f.path != path)
      continue;
    gateway::http_response r;
    r.content_type = std::string{content_type_of(f.path)};
    // Files that change with the binary: revalidated every time, by ETag
    // (the file's hash), so an unchanged file costs a 304 and no body.
    auto* match = req.header("if-none-match");
    if (match && etag_matches(*match, f.etag)) {
      r.status = 304;
    } else {
      r.status = 200;
      r.body = std::string{f.body};
    }
    r.headers.emplace_back("ETag", std::string{f.etag});
    r.headers.emplace_back("Cache-Control", "no-cache");
    security_headers(r);
    return r;
  }
  return text(404, "no such page: try /worker.html or /requester.html\n");
}

void serve_question(const gateway::http_request& req, const question_pages& q, gateway::http_responder respond) {
  if (req.method != "GET")
    return respond(question_error(405, "use GET\n"));
  if (!q.links || !q.question_of)
    return respond(question_error(404, "no question pages on this server\n"));
  std::string_view target{req.target};
  auto query = target.find('?') == std::string_view::npos ? std::string_view{} : target.substr(target.find('?') + 1);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  auto t = q.links->check(query, now.count());
  if (!t)
    return respond(question_error(403, "This question link is not valid (altered, or too old). "
                                       "Open the HIT again from the worker page.\n"));
  auto shared = std::make_shared<gateway::http_responder>(std::move(respond));
  q.question_of(t->hit_id, t->requester_id, [shared](std::optional<std::string> question) {
    if (!question)
      return (*shared)(question_error(404, "This HIT is gone.\n"));
    auto content = gateway::html_content_of(*question);
    if (!content)
      return (*shared)(question_error(404, "This HIT's question is not an HTMLQuestion.\n"));
    // The prelude goes first, after a doctype (before it, the page would
    // be in quirks mode).
    std::string body;
    body.reserve(content->size() + question_prelude.size());
    std::string_view c{*content};
    size_t skip = 0;
    while (skip < c.size() && (c[skip] == ' ' || c[skip] == '\n' || c[skip] == '\r' || c[skip] == '\t'))
      ++skip;
    if (c.size() - skip >= 9) {
      std::string head{c.substr(skip, 9)};
      for (auto& ch : head)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (head == "<!doctype") {
        auto gt = c.find('>', skip);
        if (gt != std::string_view::npos)
          skip = gt + 1;
        else
          skip = 0;
        body.append(c.substr(0, skip));
        c.remove_prefix(skip);
      }
    }
    body.append(question_prelude);
    body.append(c);
    (*shared)(html(200, std::move(body), std::string{question_csp}));
  });
}

gateway::http_response external_submit(const gateway::http_request& req) {
  std::string_view data;
  if (req.method == "POST") {
    auto* type = req.header("content-type");
    std::string_view t = type ? std::string_view{*type} : std::string_view{};
    if (t.substr(0, 33) != "application/x-www-form-urlencoded")
      return question_error(415, "Send the form as application/x-www-form-urlencoded (the form's default).\n");
    data = req.body;
  } else if (req.method == "GET") {
    std::string_view target{req.target};
    auto q = target.find('?');
    data = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  } else {
    return question_error(405, "use POST or GET\n");
  }
  std::string assignment;
  std::string fields = "[";
  size_t count = 0, bytes = 0;
  while (!data.empty()) {
    auto amp = data.find('&');
    auto part = data.substr(0, amp);
    data = amp == std::string_view::npos ? std::string_view{} : data.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    auto name = form_decode(part.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::string{} : form_decode(part.substr(eq + 1));
    if (++count > submit_fields_max)
      return question_error(413, "The form has more than 1,000 fields.\n");
    bytes += name.size() + value.size();
    if (bytes > submit_bytes_max)
      return question_error(413, "The answer is larger than 65,535 bytes.\n");
    if (name == "assignmentId") {
      assignment = value;
      continue;
    }
    if (fields.size() > 1)
      fields.push_back(',');
    fields.push_back('[');
    append_json_string(fields, name);
    fields.push_back(',');
    append_json_string(fields, value);
    fields.push_back(']');
  }
  fields.push_back(']');
  std::string data_json = "{\"assignmentId\":";
  append_json_string(data_json, assignment);
  data_json += ",\"fields\":" + fields + "}";
  auto n = nonce();
  std::string body =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>hitd: answer</title></head><body>"
      "<script type=\"application/json\" id=\"answer\">" + data_json + "</script>"
      "<p id=\"m\">This page hands a HIT's answer to the hitd worker page that shows the HIT. "
      "Opened on its own, it does nothing: go back to the worker page.</p>"
      "<script nonce=\"" + n + "\">(function(){var d=JSON.parse(document.getElementById('answer').textContent);"
      "if(window.parent!==window){window.parent.postMessage({type:'hitd.externalSubmit',"
      "assignmentId:d.assignmentId,fields:d.fields},'*');"
      "document.getElementById('m').textContent='Your answer went to the worker page.';}})();</script>"
      "</body></html>";
  return html(200, std::move(body),
              "default-src 'none'; script-src 'nonce-" + n + "'; frame-ancestors 'self'; base-uri 'none'");
}

gateway::http_handler with_pages(gateway::http_handler next, question_pages q) {
  return [next = std::move(next), q = std::move(q)](gateway::http_request req, gateway::http_responder respond) {
    auto path = req.path();
    if (path == "/mturk/externalSubmit")
      return respond(external_submit(req));
    if (path == "/question")
      return serve_question(req, q, std::move(respond));
    if (is_page_request(req))
      return respond(serve_page(req));
    next(std::move(req), std::move(respond));
  };
}

} // namespace hitd::gateway_web
