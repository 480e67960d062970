// The gateway's plain parts: the config file, credentials, metrics, logs.

#include <gtest/gtest.h>

#include <hitd/gateway/basic_handler.hpp>
#include <hitd/gateway/config_file.hpp>
#include <hitd/gateway/credentials.hpp>
#include <hitd/gateway/log.hpp>
#include <hitd/gateway/metrics.hpp>
#include <hitd/gateway/server.hpp>
#include <hitd/hitd.hpp>

namespace hitd::gateway {
namespace {

TEST(ConfigFile, ReadsKeyValueLinesSkippingCommentsAndBlanks) {
  auto r = parse_config("# hitd\n\nlisten = 127.0.0.1:9000\n  data-dir=/var/lib/hitd  \r\nlog-level = \"debug\"\n");
  ASSERT_TRUE(r.ok()) << r.err().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], (std::pair<std::string, std::string>{"listen", "127.0.0.1:9000"}));
  EXPECT_EQ((*r)[1], (std::pair<std::string, std::string>{"data-dir", "/var/lib/hitd"}));
  EXPECT_EQ((*r)[2], (std::pair<std::string, std::string>{"log-level", "debug"}));
}

TEST(ConfigFile, ALineWithoutEqualsNamesItsNumber) {
  auto r = parse_config("listen = x\nthreads 2\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("line 2"), std::string::npos) << r.err().message;
}

TEST(Credentials, AWorkerTokenIsStoredOnlyAsItsHash) {
  auto store = std::make_shared<memory_store>();
  credentials c{store};
  EXPECT_FALSE(c.any().value());
  auto token = c.issue_worker_token("AW1", 5).value();
  EXPECT_EQ(token.size(), 47u);
  EXPECT_EQ(token.substr(0, 4), "hwt_");
  EXPECT_EQ(c.worker_for_token(token), std::optional<std::string>{"AW1"});
  auto rec = store->get_as<credential_record>(credential_key(credential_record::kind_t::worker_token, sha256_hex(token)));
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->secret, sha256_hex(token));
  EXPECT_EQ(rec->owner_id, "AW1");
  EXPECT_EQ(rec->created, 5);
  EXPECT_TRUE(c.any().value());
  // One character off, too short, another prefix: nobody.
  auto off = token;
  off.back() = off.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(c.worker_for_token(off), std::nullopt);
  EXPECT_EQ(c.worker_for_token(token.substr(1)), std::nullopt);
  EXPECT_EQ(c.worker_for_token(""), std::nullopt);
  EXPECT_NE(c.issue_worker_token("AW1", 6).value(), token);
}

TEST(Credentials, AnAccessKeyKeepsItsSecretForSignatures) {
  auto store = std::make_shared<memory_store>();
  credentials c{store};
  auto k = c.issue_access_key("AR1", 9).value();
  EXPECT_EQ(k.access_key_id.substr(0, 4), "AKHD");
  EXPECT_EQ(k.access_key_id.size(), 20u);
  EXPECT_EQ(k.secret_access_key.size(), 40u);
  auto found = c.find_access_key(k.access_key_id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->requester_id, "AR1");
  EXPECT_EQ(found->secret_access_key, k.secret_access_key);
  EXPECT_FALSE(c.find_access_key("AKHDNOPE").has_value());
}

TEST(Credentials, Sha256AndConstantTimeCompare) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  metrics m;
  m.command("ping", "ok", std::chrono::microseconds(70));
  m.command("ping", "ok", std::chrono::milliseconds(3));
  m.command("accept", "hit_unavailable", std::chrono::seconds(20));
  auto text = m.render();
  EXPECT_NE(text.find("hitd_command_duration_seconds_bucket{le=\"5e-05\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitd_command_duration_seconds_bucket{le=\"0.0001\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitd_command_duration_seconds_bucket{le=\"0.005\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitd_command_duration_seconds_bucket{le=\"10\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitd_command_duration_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitd_command_duration_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitd_commands_total{op=\"ping\",result=\"ok\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitd_commands_total{op=\"accept\",result=\"hit_unavailable\"} 1\n"), std::string::npos);
  EXPECT_EQ(m.commands("ping", "ok"), 2u);
}

TEST(Metrics, CommandLabelsAreBounded) {
  metrics m;
  for (int i = 0; i < 1000; ++i)
    m.command("op" + std::to_string(i), "ok", std::chrono::microseconds(1));
  EXPECT_EQ(m.commands("op0", "ok"), 1u);
  EXPECT_GT(m.commands("other", "other"), 0u);
}

TEST(Log, OneJsonObjectPerLineWithEscapes) {
  std::vector<std::string> lines;
  logger log{log_level::info, [&](const std::string& l) { lines.push_back(l); }};
  log.debug("hidden");
  log.info("hello \"world\"", {{"port", 8080}, {"who", "a\nb"}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"("level":"info","msg":"hello \"world\"","port":8080,"who":"a\nb"})"), std::string::npos)
      << lines[0];
  EXPECT_EQ(lines[0].substr(0, 7), "{\"ts\":\"");
  EXPECT_FALSE(parse_log_level("loud").ok());
  EXPECT_EQ(parse_log_level("warn").value(), log_level::warn);
}

TEST(BasicHandler, ErrorFramesAndIds) {
  EXPECT_EQ(*error_frame("3", "unknown_op", "no", false),
            R"({"id":3,"error":{"code":"unknown_op","message":"no","temporary":false}})");
  EXPECT_EQ(frame_id_json(R"({"id":"a\"b","op":"x"})"), R"("a\"b")");
  EXPECT_EQ(frame_id_json(R"({"id":{"x":1}})"), "null");
  EXPECT_EQ(frame_id_json("nope"), "null");
}

TEST(ServerOptions, ValidateNamesTheBadOption) {
  server_options o;
  EXPECT_TRUE(validate(o).ok());
  o.threads = 0;
  EXPECT_NE(validate(o).err().message.find("threads"), std::string::npos);
  o = {};
  o.outbound_queue_max_bytes = 10;
  EXPECT_NE(validate(o).err().message.find("outbound-queue-max-bytes"), std::string::npos);
}

} // namespace
} // namespace hitd::gateway
