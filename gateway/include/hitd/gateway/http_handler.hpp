#pragma once
// The seam between the HTTP transport and the protocols served over plain
// HTTP requests (the MTurk requester API, gateway/mturk/; the web pages).
//
// The transport (transport.cpp) answers GET /healthz, GET /metrics and the
// WebSocket upgrade at /ws itself. Every other request, once read whole
// (bounded header and body), goes to the server's http_handler, which
// answers it through the responder it is given, exactly once, from any
// thread: the transport posts the answer to the connection's strand and
// reads the next request only after writing it. The handler must not block
// (use the engine's callback overloads). A handler that never answers
// leaves its connection waiting until the client gives up; the transport
// counts it in hitd_http_in_flight; a responder destroyed without being
// called closes the connection. A responder called after the server shut
// down does nothing (its connection was closed at the shutdown).
//
// No Beast here: protocol code sees plain strings.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hitd::gateway {

struct http_request {
  std::string method;   // "POST", as sent
  std::string target;   // "/?a=b", as sent (not decoded)
  // Every header in the order received; names lowercased, values as sent
  // (a repeated header appears once per line).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;   // "127.0.0.1:53412"
  bool keep_alive = true;

  // The first value of a header (name in lower case), or nullptr.
  const std::string* header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
      if (k == lower_name)
        return &v;
    return nullptr;
  }
  // The path part of the target ("/" of "/?a=b").
  std::string_view path() const {
    std::string_view t{target};
    return t.substr(0, t.find('?'));
  }
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;   // extra ones
  std::string body;
};

// Answers one request; call it exactly once.
using http_responder = std::function<void(http_response)>;
using http_handler = std::function<void(http_request, http_responder)>;

} // namespace hitd::gateway
