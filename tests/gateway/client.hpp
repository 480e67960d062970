#pragma once
// A small Beast client for the gateway tests: every operation is async on
// the client's own io_context, run for at most `timeout`, so a test never
// hangs on a server that does not answer. Only 127.0.0.1.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace hitd::gateway::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

inline constexpr auto io_timeout = std::chrono::seconds(10);

// Runs one async operation started by `start(handler)` to completion or timeout.
template <class Socket, class Start>
beast::error_code run_op(net::io_context& ioc, Socket& lowest, Start&& start,
                         std::chrono::steady_clock::duration timeout = io_timeout) {
  beast::error_code result = net::error::timed_out;
  bool done = false;
  start([&](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  ioc.restart();
  ioc.run_for(timeout);
  if (!done) {
    beast::error_code ignored;
    lowest.close(ignored);
    ioc.restart();
    ioc.run_for(std::chrono::seconds(1));
    result = net::error::timed_out;
  }
  return result;
}

struct http_reply {
  beast::error_code ec;
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string content_length;   // the header as sent
};

// One keep-alive HTTP connection.
class http_connection {
public:
  beast::error_code connect(uint16_t port) {
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    return run_op(ioc_, socket_, [&](auto h) { socket_.async_connect(ep, h); });
  }
  // headers: extra ones (a "host" among them replaces the default).
  http_reply request(http::verb verb, const std::string& target, std::string body = {},
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http_reply out;
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers)
      req.set(k, v);
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    out.ec = run_op(ioc_, socket_, [&](auto h) { http::async_write(socket_, req, h); });
    if (out.ec)
      return out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 << 20);
    // The answer to HEAD has no body, whatever its Content-Length says: a
    // body sent anyway stays in the buffer and spoils the next answer read.
    parser.skip(verb == http::verb::head);
    out.ec = run_op(ioc_, socket_, [&](auto h) { http::async_read(socket_, buf_, parser, h); });
    if (out.ec)
      return out;
    out.status = parser.get().result_int();
    out.body = parser.get().body();
    out.content_type = std::string{parser.get()[http::field::content_type]};
    out.content_length = std::string{parser.get()[http::field::content_length]};
    return out;
  }

private:
  net::io_context ioc_;
  tcp::socket socket_{ioc_};
  beast::flat_buffer buf_;
};

inline http_reply http_request(uint16_t port, http::verb verb, const std::string& target, std::string body = {}) {
  http_connection c;
  http_reply out;
  out.ec = c.connect(port);
  if (out.ec)
    return out;
  return c.request(verb, target, std::move(body));
}

class ws_client {
public:
  // Connects and upgrades at target; bearer and origin are sent when not
  // empty. On a refused upgrade, ec is upgrade_declined and status() says why.
  beast::error_code connect(uint16_t port, const std::string& target = "/ws", const std::string& bearer = {},
                            const std::string& origin = {}) {
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    auto ec = run_op(ioc_, ws_.next_layer(), [&](auto h) { ws_.next_layer().async_connect(ep, h); });
    if (ec)
      return ec;
    ws_.set_option(websocket::stream_base::decorator([bearer, origin](websocket::request_type& req) {
      if (!bearer.empty())
        req.set(http::field::authorization, "Bearer " + bearer);
      if (!origin.empty())
        req.set(http::field::origin, origin);
    }));
    ws_.read_message_max(64 << 20);
    return run_op(ioc_, ws_.next_layer(),
                  [&](auto h) { ws_.async_handshake(res_, "127.0.0.1:" + std::to_string(port), target, h); });
  }
  unsigned status() const { return res_.result_int(); }

  beast::error_code write(const std::string& text) {
    ws_.text(true);
    return run_op(ioc_, ws_.next_layer(), [&](auto h) { ws_.async_write(net::buffer(text), h); });
  }
  beast::error_code write_binary(const std::string& data) {
    ws_.binary(true);
    return run_op(ioc_, ws_.next_layer(), [&](auto h) { ws_.async_write(net::buffer(data), h); });
  }
  // One frame, or "" with last_error() set.
  std::string read(std::chrono::steady_clock::duration timeout = io_timeout) {
    buf_.clear();
    last_ = run_op(ioc_, ws_.next_layer(), [&](auto h) { ws_.async_read(buf_, h); }, timeout);
    if (last_)
      return {};
    return beast::buffers_to_string(buf_.data());
  }
  // Reads until the connection ends (at most max_frames); the close code
  // the server sent, or 0.
  uint16_t read_until_closed(size_t max_frames = 100000) {
    for (size_t i = 0; i < max_frames; ++i) {
      read();
      if (last_)
        break;
    }
    return last_ == websocket::error::closed ? static_cast<uint16_t>(ws_.reason().code) : 0;
  }
  beast::error_code close() {
    return run_op(ioc_, ws_.next_layer(), [&](auto h) { ws_.async_close(websocket::close_code::normal, h); });
  }
  // A WebSocket ping (a control frame; the pong comes to control_callback).
  beast::error_code ping() {
    return run_op(ioc_, ws_.next_layer(), [&](auto h) { ws_.async_ping({}, h); });
  }
  const beast::error_code& last_error() const { return last_; }
  websocket::stream<tcp::socket>& stream() { return ws_; }

private:
  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_{ioc_};
  websocket::response_type res_;
  beast::flat_buffer buf_;
  beast::error_code last_;
};

} // namespace hitd::gateway::testing
