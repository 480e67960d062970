// The gateway over real sockets on 127.0.0.1 (ephemeral ports), with an
// in-memory engine and store and the Beast test client (client.hpp).

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <boost/json.hpp>

#include <hitd/gateway/basic_handler.hpp>
#include <hitd/gateway/server.hpp>
#include <hitd/hitd.hpp>

#include "client.hpp"

namespace hitd::gateway {
namespace {

using testing::http_request;
using testing::http_connection;
using testing::ws_client;
namespace http = testing::http;
namespace websocket = testing::websocket;

// Polls cond every 10 ms for at most `limit`.
template <class F>
bool eventually(F cond, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

// A server on an ephemeral port with two workers that have tokens. The
// handler factory is basic_handler's, and it remembers each connection's
// sink by worker id so a test can push to one connection.
struct fixture {
  explicit fixture(server_options o = {}) {
    engine::options eo;
    eo.store = store;
    eo.config.scheduler_threads = 1;
    e = std::make_unique<engine>(eo);
    creds = std::make_shared<credentials>(store, secrets_key{secrets_key::bytes_t{}});
    for (auto* w : {&worker_a, &worker_b}) {
      *w = e->create_worker({}).value();
      tokens[*w] = creds->issue_worker_token(*w, e->now()).value();
    }
    o.listen_address = "127.0.0.1";
    o.port = 0;
    auto basic = basic_handler_factory(handler_metrics);
    srv = std::make_unique<server>(o, *e, creds, log,
                                   [this, basic](const connection_info& info, std::shared_ptr<session_sink> sink) {
                                     {
                                       std::lock_guard<std::mutex> lock{mutex};
                                       sinks[info.worker_id] = sink;
                                     }
                                     return basic(info, std::move(sink));
                                   });
    port = srv->start().value();
  }
  ~fixture() {
    srv.reset();
    e.reset();
  }
  std::shared_ptr<session_sink> sink_of(const std::string& worker) {
    std::lock_guard<std::mutex> lock{mutex};
    auto it = sinks.find(worker);
    return it == sinks.end() ? nullptr : it->second;
  }
  // A connected client that has read its hello.
  std::unique_ptr<ws_client> connect(const std::string& worker) {
    auto c = std::make_unique<ws_client>();
    auto ec = c->connect(port, "/ws", tokens[worker]);
    EXPECT_FALSE(ec) << ec.message();
    auto hello = c->read();
    EXPECT_NE(hello.find("\"type\":\"hello\""), std::string::npos) << hello;
    EXPECT_NE(hello.find(worker), std::string::npos) << hello;
    return c;
  }

  logger log{log_level::warn};
  metrics handler_metrics;
  std::shared_ptr<memory_store> store = std::make_shared<memory_store>();
  std::unique_ptr<engine> e;
  std::shared_ptr<credentials> creds;
  std::string worker_a, worker_b;
  std::map<std::string, std::string> tokens;
  std::unique_ptr<server> srv;
  uint16_t port = 0;
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<session_sink>> sinks;
};

void expect_pong(ws_client& c, const std::string& id) {
  ASSERT_FALSE(c.write("{\"op\":\"ping\",\"id\":" + id + "}"));
  EXPECT_EQ(c.read(), "{\"id\":" + id + ",\"type\":\"pong\"}");
}

TEST(GatewayHttp, HealthzAnswersOkWithEngineStatus) {
  fixture f;
  auto r = http_request(f.port, http::verb::get, "/healthz");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("\"status\":\"ok\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"resident_workers\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"last_event_seq\""), std::string::npos) << r.body;
}

// HEAD answers with GET's headers and no body, and the connection goes on:
// a body sent after the headers would be read as the start of the next
// answer on the same connection.
TEST(GatewayHttp, HeadAnswersWithHeadersOnly) {
  fixture f;
  http_connection c;
  ASSERT_FALSE(c.connect(f.port));
  for (const char* target : {"/healthz", "/metrics", "/nope"}) {
    auto get = c.request(http::verb::get, target);
    ASSERT_FALSE(get.ec) << target << ": " << get.ec.message();
    auto head = c.request(http::verb::head, target);
    ASSERT_FALSE(head.ec) << target << ": " << head.ec.message();
    EXPECT_EQ(head.status, get.status) << target;
    EXPECT_EQ(head.content_type, get.content_type) << target;
    EXPECT_FALSE(head.content_length.empty()) << target;
    EXPECT_TRUE(head.body.empty()) << target;
  }
  // /healthz's body has a fixed length here (no event happens in between).
  auto get = c.request(http::verb::get, "/healthz");
  auto head = c.request(http::verb::head, "/healthz");
  EXPECT_EQ(head.content_length, std::to_string(get.body.size()));
  auto again = c.request(http::verb::get, "/healthz");
  ASSERT_FALSE(again.ec) << again.ec.message();
  EXPECT_EQ(again.status, 200u);
  EXPECT_NE(again.body.find("\"status\":\"ok\""), std::string::npos) << again.body;
}

TEST(GatewayHttp, MetricsAreInPrometheusText) {
  fixture f;
  auto c = f.connect(f.worker_a);
  expect_pong(*c, "1");
  auto r = http_request(f.port, http::verb::get, "/metrics");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
  for (const char* name :
       {"# TYPE hitd_ws_connections_open gauge\nhitd_ws_connections_open 1\n", "hitd_ws_connections_total 1\n",
        "hitd_ws_frames_in_total 1\n", "hitd_ws_frames_out_total", "hitd_ws_bytes_out_total",
        "hitd_ws_slow_consumer_closes_total 0\n", "# TYPE hitd_fanout_duration_seconds histogram",
        "hitd_fanout_duration_seconds_bucket{le=\"+Inf\"} 2\n", "hitd_command_duration_seconds_bucket{le=\"0.001\"}",
        "hitd_engine_resident_workers 2\n", "hitd_errors_total 0\n"})
    EXPECT_NE(r.body.find(name), std::string::npos) << name << "\n" << r.body;
  // The ping went through the handler's metrics (the test factory's own).
  EXPECT_EQ(f.handler_metrics.commands("ping", "ok"), 1u);
}

TEST(GatewayHttp, UnknownPathsAre404AndLargeBodiesAre413) {
  fixture f;
  auto r = http_request(f.port, http::verb::get, "/nope");
  ASSERT_FALSE(r.ec);
  EXPECT_EQ(r.status, 404u);
  r = http_request(f.port, http::verb::post, "/healthz");
  EXPECT_EQ(r.status, 405u);
  {
    // A body over the bound, announced by Content-Length: refused before it
    // is read. (Sending the whole body races the server's close: past the
    // socket buffers the client may see a reset before it reads the 413.)
    testing::net::io_context ioc;
    testing::tcp::socket sock{ioc};
    sock.connect({testing::net::ip::make_address("127.0.0.1"), f.port});
    std::string head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                       std::to_string(limits::http_body_max_bytes + 1) + "\r\n\r\nxxxx";
    testing::net::write(sock, testing::net::buffer(head));
    testing::beast::flat_buffer buf;
    http::response<http::string_body> res;
    testing::beast::error_code ec;
    http::read(sock, buf, res, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.result_int(), 413u);
  }
  r = http_request(f.port, http::verb::get, "/healthz");
  EXPECT_EQ(r.status, 200u);
}

TEST(GatewayAuth, MissingOrBadTokenIsRefusedWith401BeforeUpgrading) {
  fixture f;
  ws_client none;
  EXPECT_EQ(none.connect(f.port, "/ws"), websocket::error::upgrade_declined);
  EXPECT_EQ(none.status(), 401u);
  ws_client bad;
  EXPECT_EQ(bad.connect(f.port, "/ws", "hwt_" + std::string(43, 'A')), websocket::error::upgrade_declined);
  EXPECT_EQ(bad.status(), 401u);
  ws_client junk;
  EXPECT_EQ(junk.connect(f.port, "/ws?token=nonsense"), websocket::error::upgrade_declined);
  EXPECT_EQ(junk.status(), 401u);
  EXPECT_EQ(f.srv->metrics().refused_auth.load(), 3u);
  EXPECT_EQ(f.srv->metrics().connections_total.load(), 0u);
}

TEST(GatewayAuth, TokenInHeaderOrQueryConnectsAsItsWorker) {
  fixture f;
  auto a = f.connect(f.worker_a);
  expect_pong(*a, "\"abc\"");
  ws_client b;
  ASSERT_FALSE(b.connect(f.port, "/ws?token=" + f.tokens[f.worker_b]));
  EXPECT_NE(b.read().find(f.worker_b), std::string::npos);
  expect_pong(b, "2");
}

TEST(GatewayAuth, OriginMustBeInTheAllowList) {
  server_options o;
  o.allowed_origins = {"https://work.example"};
  fixture f{o};
  ws_client evil;
  EXPECT_EQ(evil.connect(f.port, "/ws", f.tokens[f.worker_a], "https://evil.example"), websocket::error::upgrade_declined);
  EXPECT_EQ(evil.status(), 403u);
  ws_client good;
  EXPECT_FALSE(good.connect(f.port, "/ws", f.tokens[f.worker_a], "https://work.example"));
  ws_client no_origin;   // not a browser
  EXPECT_FALSE(no_origin.connect(f.port, "/ws", f.tokens[f.worker_b]));
  // The server's own pages (docs/web.md): Origin http://<Host> is allowed;
  // https:// of it, or another port, is not.
  const std::string host = "127.0.0.1:" + std::to_string(f.port);
  ws_client own;
  EXPECT_FALSE(own.connect(f.port, "/ws", f.tokens[f.worker_a], "http://" + host));
  ws_client other_scheme;
  EXPECT_EQ(other_scheme.connect(f.port, "/ws", f.tokens[f.worker_a], "https://" + host), websocket::error::upgrade_declined);
  ws_client other_port;
  EXPECT_EQ(other_port.connect(f.port, "/ws", f.tokens[f.worker_a], "http://127.0.0.1:1"), websocket::error::upgrade_declined);
}

TEST(GatewayAuth, ConnectionLimitRefusesWith503) {
  server_options o;
  o.max_connections = 1;
  fixture f{o};
  auto a = f.connect(f.worker_a);
  ws_client b;
  EXPECT_EQ(b.connect(f.port, "/ws", f.tokens[f.worker_b]), websocket::error::upgrade_declined);
  EXPECT_EQ(b.status(), 503u);
  ASSERT_FALSE(a->close());
  ASSERT_TRUE(eventually([&] { return f.srv->connections() == 0; }));
  EXPECT_TRUE(eventually([&] {
    ws_client c;
    return !c.connect(f.port, "/ws", f.tokens[f.worker_b]);
  }));
}

TEST(GatewayProtocol, UnknownOpGetsTheDocumentedErrorAndTheConnectionStaysOpen) {
  fixture f;
  auto c = f.connect(f.worker_a);
  ASSERT_FALSE(c->write(R"({"op":"frobnicate","id":7})"));
  EXPECT_EQ(c->read(),
            R"({"id":7,"error":{"code":"unknown_op","message":"unknown op \"frobnicate\"","temporary":false}})");
  ASSERT_FALSE(c->write("not json"));
  auto r = c->read();
  EXPECT_NE(r.find(R"("code":"bad_json")"), std::string::npos) << r;
  ASSERT_FALSE(c->write(R"([1,2])"));
  r = c->read();
  EXPECT_NE(r.find(R"("code":"bad_request")"), std::string::npos) << r;
  ASSERT_FALSE(c->write(R"({"id":"x","op":3})"));
  r = c->read();
  EXPECT_NE(r.find(R"({"id":"x","error":{"code":"bad_request")"), std::string::npos) << r;
  expect_pong(*c, "8");
  EXPECT_EQ(f.handler_metrics.commands("unknown", "unknown_op"), 1u);
}

// What the tests that build their own server share: an engine, credentials
// and one worker with a token; the server options listen on a free port.
struct parts {
  engine e;
  std::shared_ptr<credentials> creds =
    std::make_shared<credentials>(std::make_shared<memory_store>(), secrets_key{secrets_key::bytes_t{}});
  std::string worker = e.create_worker({}).value();
  std::string token = creds->issue_worker_token(worker, e.now()).value();
  static server_options options() {
    server_options o;
    o.port = 0;
    return o;
  }
};

TEST(GatewayProtocol, AFactorySetAfterConstructionCountsInTheServersMetrics) {
  parts p;
  auto& [e, creds, w, token] = p;
  logger log{log_level::warn};
  server srv{parts::options(), e, creds, log};
  srv.set_handler_factory(basic_handler_factory(srv.metrics()));
  auto port = srv.start().value();
  ws_client c;
  ASSERT_FALSE(c.connect(port, "/ws", token));
  c.read();
  expect_pong(c, "1");
  EXPECT_EQ(srv.metrics().commands("ping", "ok"), 1u);
  EXPECT_EQ(srv.metrics().command_latency.count(), 1u);
}

// A handler that asks the engine with a callback overload and posts the
// answer back to its strand: the pattern protocol code follows.
class dashboard_handler final : public connection_handler {
public:
  dashboard_handler(engine& e, connection_info info, std::shared_ptr<session_sink> sink)
      : e_(e), info_(std::move(info)), sink_(std::move(sink)) {}
  void on_open() override {}
  void on_text(std::string_view) override {
    ++asked_;   // strand state
    e_.dashboard(info_.worker_id, [sink = sink_, this](result<worker_dashboard> r) {
      // An engine thread: hand the answer to the session's strand.
      bool ok = r.ok();
      sink->post([sink, this, ok] {
        ++answered_;   // strand state again
        sink->send(std::make_shared<const std::string>(std::string{"{\"dashboard\":"} + (ok ? "true" : "false") +
                                                       ",\"answered\":" + std::to_string(answered_) + "}"));
      });
    });
  }
  void on_close() override {}

private:
  engine& e_;
  connection_info info_;
  std::shared_ptr<session_sink> sink_;
  int asked_ = 0;
  int answered_ = 0;
};

TEST(GatewayProtocol, EngineCallbacksArePostedBackToTheSessionsStrand) {
  parts p;
  auto& [e, creds, w, token] = p;
  logger log{log_level::warn};
  server srv{parts::options(), e, creds, log, [&e](const connection_info& info, std::shared_ptr<session_sink> sink) {
               return std::make_unique<dashboard_handler>(e, info, std::move(sink));
             }};
  auto port = srv.start().value();
  ws_client c;
  ASSERT_FALSE(c.connect(port, "/ws", token));
  for (int i = 1; i <= 3; ++i) {
    ASSERT_FALSE(c.write("{}"));
    EXPECT_EQ(c.read(), "{\"dashboard\":true,\"answered\":" + std::to_string(i) + "}");
  }
  // The server's broadcast reaches the connection too.
  srv.broadcast(std::make_shared<const std::string>("{\"type\":\"notice\"}"));
  EXPECT_EQ(c.read(), "{\"type\":\"notice\"}");
  // A command in flight when the client leaves: its answer goes nowhere.
  ASSERT_FALSE(c.write("{}"));
  ASSERT_FALSE(c.close());
  ASSERT_TRUE(eventually([&] { return srv.connections() == 0; }));
  e.drain();
}

// Engine callbacks still in flight when the server goes (the engine outlives
// it): their posts find the door closed, and no session outlives its
// io_context. Once a rare segfault at the end of the test above; ASan sees a
// use after free here if a session is destroyed on an engine thread late.
TEST(GatewayProtocol, EngineCallbacksInFlightWhenTheServerGoesAreDropped) {
  parts p;
  auto& [e, creds, w, token] = p;
  logger log{log_level::error};
  std::vector<std::shared_ptr<session_sink>> sinks;
  for (int round = 0; round < 10; ++round) {
    auto o = parts::options();
    o.shutdown_drain_ms = 0;
    auto srv = std::make_unique<server>(o, e, creds, log,
                                        [&](const connection_info& info, std::shared_ptr<session_sink> sink) {
                                          sinks.push_back(sink);   // the factory runs on one strand at a time
                                          return std::make_unique<dashboard_handler>(e, info, std::move(sink));
                                        });
    auto port = srv->start().value();
    ws_client c;
    ASSERT_FALSE(c.connect(port, "/ws", token));
    for (int i = 0; i < 20; ++i)
      ASSERT_FALSE(c.write("{}"));
    EXPECT_EQ(c.read(), "{\"dashboard\":true,\"answered\":1}");
    srv.reset();   // callbacks for the other 19 may be running now
  }
  e.drain();
  // A sink kept past its server does nothing.
  ASSERT_EQ(sinks.size(), 10u);
  bool ran = false;
  sinks.back()->post([&] { ran = true; });
  EXPECT_FALSE(sinks.back()->send(std::make_shared<const std::string>("{}")));
  sinks.back()->close(close_code::going_away, "late");
  e.drain();
  EXPECT_FALSE(ran);
}

// An HTTP answer from outside the io_context that comes after the server
// went goes nowhere; the client waiting for it saw its connection close.
TEST(GatewayHttp, AnAnswerAfterTheServerWentGoesNowhere) {
  parts p;
  logger log{log_level::error};
  auto o = parts::options();
  o.shutdown_drain_ms = 50;
  std::mutex m;
  std::vector<http_responder> waiting;
  auto srv = std::make_unique<server>(o, p.e, p.creds, log);
  srv->set_http_handler([&](gateway::http_request, http_responder respond) {
    std::lock_guard lock{m};
    waiting.push_back(std::move(respond));
  });
  auto port = srv->start().value();
  testing::http_reply reply;
  std::thread client{[&] { reply = testing::http_request(port, http::verb::get, "/never"); }};
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{m};
    return waiting.size() == 1;
  }));
  srv.reset();
  client.join();
  EXPECT_TRUE(reply.ec) << "status " << reply.status;   // closed, not answered
  http_response r;
  r.status = 200;
  r.body = "late";
  waiting.front()(std::move(r));   // nothing: the door is closed
  waiting.clear();
}

// A responder destroyed without answering lets its connection go (the
// client sees it close) and the server goes on serving.
TEST(GatewayHttp, AResponderDroppedUnansweredClosesItsConnection) {
  parts p;
  logger log{log_level::error};
  server srv{parts::options(), p.e, p.creds, log};
  srv.set_http_handler([](gateway::http_request req, http_responder respond) {
    if (req.target == "/drop")
      return;   // respond destroyed here, unanswered
    http_response r;
    r.status = 200;
    r.content_type = "text/plain";
    r.body = "answered";
    respond(std::move(r));
  });
  auto port = srv.start().value();
  auto dropped = testing::http_request(port, http::verb::get, "/drop");
  EXPECT_TRUE(dropped.ec) << "status " << dropped.status;
  auto served = testing::http_request(port, http::verb::get, "/other");
  ASSERT_FALSE(served.ec) << served.ec.message();
  EXPECT_EQ(served.status, 200u);
  EXPECT_EQ(served.body, "answered");
  // Neither is counted in flight any more (shutdown would wait for it).
  EXPECT_TRUE(eventually([&] {
    auto m = testing::http_request(port, http::verb::get, "/metrics");
    return m.body.find("\nhitd_http_in_flight 0\n") != std::string::npos;
  }));
}

TEST(GatewayProtocol, OversizedFrameClosesWith1009AndOthersAreServed) {
  server_options o;
  o.read_message_max_bytes = 1024;
  fixture f{o};
  auto a = f.connect(f.worker_a);
  auto b = f.connect(f.worker_b);
  ASSERT_FALSE(a->write(std::string(2000, ' ')));
  EXPECT_EQ(a->read_until_closed(), close_code::too_big) << a->last_error().message();
  expect_pong(*b, "1");
  EXPECT_TRUE(eventually([&] { return f.srv->metrics().oversized_frames.load() == 1; }));
}

TEST(GatewayProtocol, BinaryFrameClosesWithProtocolError) {
  fixture f;
  auto a = f.connect(f.worker_a);
  ASSERT_FALSE(a->write_binary("\x01\x02"));
  EXPECT_EQ(a->read_until_closed(), close_code::protocol_error);
}

TEST(GatewayProtocol, CommandsOverTheRateAreRefusedThenTheConnectionIsClosed) {
  server_options o;
  o.commands_per_s = 0.001;   // no refill during the test
  o.command_burst = 2;
  o.rate_limited_in_a_row_max = 3;
  fixture f{o};
  auto c = f.connect(f.worker_a);
  expect_pong(*c, "1");
  expect_pong(*c, "2");
  for (int i = 3; i <= 5; ++i) {
    ASSERT_FALSE(c->write("{\"op\":\"ping\",\"id\":" + std::to_string(i) + "}"));
    auto r = c->read();
    EXPECT_NE(r.find("{\"id\":" + std::to_string(i) + ",\"error\":{\"code\":\"rate_limited\""), std::string::npos)
        << r;
    EXPECT_NE(r.find("\"temporary\":true"), std::string::npos) << r;
  }
  ASSERT_FALSE(c->write(R"({"op":"ping","id":6})"));
  EXPECT_EQ(c->read_until_closed(), close_code::rate_limited);
  EXPECT_EQ(f.srv->metrics().rate_limited.load(), 4u);
}

TEST(GatewayBackpressure, AClientThatStopsReadingIsClosedAsSlowAndQueuedBytesStayBounded) {
  server_options o;
  o.outbound_queue_max_bytes = 256 * 1024;
  o.outbound_queue_max_messages = 1000;
  o.socket_send_buffer_bytes = 16 * 1024;
  o.close_timeout_ms = 20000;   // time for the client to start reading and see the close frame
  fixture f{o};
  auto slow = f.connect(f.worker_a);
  auto fine = f.connect(f.worker_b);
  auto sink = f.sink_of(f.worker_a);
  ASSERT_NE(sink, nullptr);
  // One frame, serialised once, queued again and again: the slow client
  // never reads, so its queue fills within a few megabytes.
  auto frame = std::make_shared<const std::string>("{\"type\":\"bulk\",\"pad\":\"" + std::string(32 * 1024, 'x') + "\"}");
  size_t sent = 0;
  bool refused = false;
  for (int i = 0; i < 20000 && !refused; ++i) {
    if (sink->send(frame))
      ++sent;
    else
      refused = true;
    if (i % 16 == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(refused) << "sent " << sent;
  EXPECT_LT(sent * frame->size(), size_t{64} << 20);
  ASSERT_TRUE(eventually([&] { return f.srv->metrics().slow_consumer_closes.load() == 1; }));
  EXPECT_LE(f.srv->metrics().queued_bytes_high_water.load(), o.outbound_queue_max_bytes);
  EXPECT_GT(f.srv->metrics().queued_bytes_high_water.load(), o.outbound_queue_max_bytes / 2);
  EXPECT_FALSE(sink->send(frame));   // closing: nothing more is queued
  // The other client is served all along.
  expect_pong(*fine, "1");
  // The slow client reads what was in flight, then the close with the code.
  EXPECT_EQ(slow->read_until_closed(), close_code::slow_consumer);
  EXPECT_TRUE(eventually([&] { return f.srv->connections() == 1; }));
}

// The server writes its frames pre-framed under Beast (frame_stream.hpp);
// Beast's own writes (pongs, the close) join the same queue. With the
// queue full, a pong must go out between two whole frames, never inside
// one.
std::shared_ptr<const std::string> numbered_frame(int i, size_t pad) {
  return std::make_shared<const std::string>("{\"type\":\"bulk\",\"n\":" + std::to_string(i) + ",\"pad\":\"" +
                                             std::string(pad, 'x') + "\"}");
}

TEST(GatewayControlFrames, PingsAreAnsweredBetweenWholeFramesWhileFramesAreQueued) {
  server_options o;
  o.outbound_queue_max_bytes = 4 << 20;
  o.socket_send_buffer_bytes = 16 * 1024;
  fixture f{o};
  auto c = f.connect(f.worker_a);
  auto sink = f.sink_of(f.worker_a);
  ASSERT_NE(sink, nullptr);
  int pongs = 0;
  c->stream().control_callback([&](websocket::frame_type kind, boost::beast::string_view) {
    if (kind == websocket::frame_type::pong)
      ++pongs;
  });
  constexpr int frames = 100;   // 1.2 MB: far more than the socket buffers hold
  for (int i = 0; i < frames; ++i)
    ASSERT_TRUE(sink->send(numbered_frame(i, 12 * 1024)));
  for (int i = 0; i < 20; ++i)
    ASSERT_FALSE(c->ping());
  for (int i = 0; i < frames; ++i) {
    auto m = c->read();
    ASSERT_FALSE(c->last_error()) << i << ": " << c->last_error().message();
    auto v = boost::json::parse(m);
    ASSERT_EQ(v.at("n").as_int64(), i);
    ASSERT_EQ(v.at("pad").as_string().size(), 12u * 1024);
  }
  expect_pong(*c, "1");   // its reply comes after every pong
  EXPECT_EQ(pongs, 20);
  EXPECT_EQ(f.srv->metrics().errors.load(), 0u);
}

TEST(GatewayControlFrames, AClientsCloseIsAnsweredAfterTheQueuedFrames) {
  server_options o;
  o.outbound_queue_max_bytes = 4 << 20;
  o.socket_send_buffer_bytes = 16 * 1024;
  fixture f{o};
  auto c = f.connect(f.worker_a);
  auto sink = f.sink_of(f.worker_a);
  ASSERT_NE(sink, nullptr);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(sink->send(numbered_frame(i, 12 * 1024)));
  // Beast's close reads (and drops) the frames before the server's close.
  EXPECT_FALSE(c->close());
  EXPECT_TRUE(eventually([&] { return f.srv->connections() == 0; }));
  EXPECT_EQ(f.srv->metrics().errors.load(), 0u);
  EXPECT_FALSE(sink->send(numbered_frame(0, 1)));
}

TEST(GatewayHeartbeat, AClientThatAnswersNothingIsDroppedAfterTheIdleTimeout) {
  server_options o;
  o.idle_timeout_s = 2;
  fixture f{o};
  auto silent = f.connect(f.worker_a);   // never reads again, so never answers the ping
  auto talking = f.connect(f.worker_b);
  for (int i = 0; i < 6; ++i) {          // keeps reading and sending for 3 s
    expect_pong(*talking, std::to_string(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_TRUE(eventually([&] { return f.srv->metrics().idle_timeouts.load() == 1; }));
  EXPECT_EQ(f.srv->connections(), 1u);
  expect_pong(*talking, "99");
}

TEST(GatewayShutdown, ClosesClientsWithTheShutdownCodeAndHealthzSays503) {
  fixture f;
  auto a = f.connect(f.worker_a);
  auto b = f.connect(f.worker_b);
  std::thread stopper{[&] { f.srv->shutdown(); }};
  EXPECT_EQ(a->read_until_closed(), close_code::going_away);
  EXPECT_EQ(b->read_until_closed(), close_code::going_away);
  stopper.join();
  EXPECT_TRUE(f.srv->shutting_down());
  EXPECT_EQ(f.srv->connections(), 0u);
  // The listener is closed.
  auto r = http_request(f.port, http::verb::get, "/healthz");
  EXPECT_TRUE(r.ec);
}

TEST(GatewayShutdown, HealthzIs503WhileShuttingDown) {
  server_options o;
  o.close_timeout_ms = 2000;   // the silent client below holds the drain this long
  fixture f{o};
  testing::http_connection h;
  ASSERT_FALSE(h.connect(f.port));
  EXPECT_EQ(h.request(http::verb::get, "/healthz").status, 200u);
  auto silent = f.connect(f.worker_a);   // does not read, so does not answer the close
  std::thread stopper{[&] { f.srv->shutdown(); }};
  ASSERT_TRUE(eventually([&] { return f.srv->shutting_down(); }));
  auto r = h.request(http::verb::get, "/healthz");
  EXPECT_EQ(r.status, 503u) << r.ec.message();
  EXPECT_NE(r.body.find("\"status\":\"shutting_down\""), std::string::npos) << r.body;
  stopper.join();
}

} // namespace
} // namespace hitd::gateway
