// The gateway's plain parts: the config file, credentials, metrics, logs.

#include <gtest/gtest.h>

#include <hitd/gateway/basic_handler.hpp>
#include <hitd/gateway/config_file.hpp>
#include <hitd/gateway/credentials.hpp>
#include <hitd/gateway/log.hpp>
#include <hitd/gateway/metrics.hpp>
#include <hitd/gateway/server.hpp>
#include <hitd/hitd.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hitd::gateway {
namespace {

secrets_key test_key(unsigned char fill) {
  secrets_key::bytes_t b{};
  b.fill(fill);
  b[0] = 0x5a;
  return secrets_key{b};
}

struct key_dir {
  key_dir() {
    char tmpl[] = "/tmp/hitd-secrets-key-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~key_dir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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
  credentials c{store, test_key(1)};
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
  credentials c{store, test_key(1)};
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

TEST(Credentials, TheStoredSecretIsEncrypted) {
  auto store = std::make_shared<memory_store>();
  credentials c{store, test_key(1)};
  auto k = c.issue_access_key("AR1", 9).value();
  auto rec = store->get_as<credential_record>(
      credential_key(credential_record::kind_t::requester_access_key, k.access_key_id));
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->owner_id, "AR1");
  // Version byte, 12-byte nonce, the 40 bytes of ciphertext, 16-byte tag.
  EXPECT_EQ(rec->secret.size(), 1u + 12 + 40 + 16);
  EXPECT_EQ(rec->secret[0], '\x01');
  EXPECT_EQ(rec->secret.find(k.secret_access_key), std::string::npos);
  EXPECT_EQ(rec->secret.find(k.secret_access_key.substr(0, 8)), std::string::npos);
  EXPECT_EQ(c.unreadable_access_keys().value(), 0u);
  // Two keys issued with the same secrets key have different nonces.
  auto k2 = c.issue_access_key("AR1", 9).value();
  auto rec2 = store->get_as<credential_record>(
      credential_key(credential_record::kind_t::requester_access_key, k2.access_key_id));
  ASSERT_NE(rec2, nullptr);
  EXPECT_NE(rec->secret.substr(1, 12), rec2->secret.substr(1, 12));
}

TEST(Credentials, AnotherSecretsKeyCannotReadTheSecret) {
  auto store = std::make_shared<memory_store>();
  credentials c{store, test_key(1)};
  auto k = c.issue_access_key("AR1", 9).value();
  credentials other{store, test_key(2)};
  EXPECT_FALSE(other.find_access_key(k.access_key_id).has_value());
  EXPECT_EQ(other.unreadable_access_keys().value(), 1u);
  EXPECT_TRUE(c.find_access_key(k.access_key_id).has_value());
}

TEST(Credentials, AStoredSecretMovedToAnotherRecordDoesNotDecrypt) {
  auto store = std::make_shared<memory_store>();
  credentials c{store, test_key(1)};
  auto a = c.issue_access_key("AR1", 9).value();
  auto b = c.issue_access_key("AR2", 9).value();
  auto key_of = [](const std::string& id) {
    return credential_key(credential_record::kind_t::requester_access_key, id);
  };
  auto put = [&](const std::string& id, credential_record rec) {
    record r{record_kind::credential, key_of(id), std::make_shared<const credential_record>(std::move(rec))};
    store->commit({r}, [](status s) { EXPECT_TRUE(s.ok()); });
  };
  auto rec_a = *store->get_as<credential_record>(key_of(a.access_key_id));
  auto rec_b = *store->get_as<credential_record>(key_of(b.access_key_id));
  // A's sealed secret under B's access key id: the associated data differs.
  put(b.access_key_id, credential_record{rec_b.kind, rec_b.owner_id, rec_a.secret, rec_b.created});
  EXPECT_FALSE(c.find_access_key(b.access_key_id).has_value());
  // A's record handed to another requester.
  put(a.access_key_id, credential_record{rec_a.kind, "AR2", rec_a.secret, rec_a.created});
  EXPECT_FALSE(c.find_access_key(a.access_key_id).has_value());
  // A record in the old plain-text format, and a damaged one, are unreadable, not a crash.
  put(a.access_key_id, credential_record{rec_a.kind, "AR1", a.secret_access_key, rec_a.created});
  EXPECT_FALSE(c.find_access_key(a.access_key_id).has_value());
  auto flipped = rec_a.secret;
  flipped[20] = static_cast<char>(flipped[20] ^ 1);
  put(a.access_key_id, credential_record{rec_a.kind, "AR1", flipped, rec_a.created});
  EXPECT_FALSE(c.find_access_key(a.access_key_id).has_value());
  for (std::string s : {std::string{}, std::string{"\x01"}, std::string(29, '\x01'), std::string(5000, '\x01')}) {
    put(a.access_key_id, credential_record{rec_a.kind, "AR1", s, rec_a.created});
    EXPECT_FALSE(c.find_access_key(a.access_key_id).has_value());
  }
  EXPECT_EQ(c.unreadable_access_keys().value(), 2u);
  put(a.access_key_id, rec_a);
  EXPECT_EQ(c.find_access_key(a.access_key_id)->secret_access_key, a.secret_access_key);
}

TEST(SecretsKey, CreatedWithMode0600AndReadBack) {
  key_dir dir;
  auto path = dir.file("data.key");
  auto k = load_or_create_secrets_key(path);
  ASSERT_TRUE(k.ok()) << k.err().message;
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto text = read_file(path);
  ASSERT_EQ(text.size(), 65u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), 64u);
  auto again = load_or_create_secrets_key(path);
  ASSERT_TRUE(again.ok()) << again.err().message;
  EXPECT_EQ(again->bytes(), k->bytes());
  EXPECT_EQ(read_file(path), text);
  key_dir other;
  auto fresh = load_or_create_secrets_key(other.file("data.key"));
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->bytes(), k->bytes());
}

TEST(SecretsKey, AFileOthersMayReadOrAMalformedOneIsRefused) {
  key_dir dir;
  auto path = dir.file("data.key");
  ASSERT_TRUE(load_or_create_secrets_key(path).ok());
  for (mode_t m : {0640, 0604, 0660, 0602}) {
    ASSERT_EQ(::chmod(path.c_str(), m), 0);
    auto r = load_or_create_secrets_key(path);
    ASSERT_FALSE(r.ok()) << std::oct << m;
    EXPECT_NE(r.err().message.find("chmod 600"), std::string::npos) << r.err().message;
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(load_or_create_secrets_key(path).ok());
  for (std::string bad : {std::string{""}, std::string{"abc\n"}, std::string(63, 'a') + "\n",
                          std::string(65, 'a') + "\n", std::string(63, 'a') + "g\n", std::string(200, 'a')}) {
    {
      std::ofstream out{path, std::ios::trunc};
      out << bad;
    }
    auto r = load_or_create_secrets_key(path);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_FALSE(load_or_create_secrets_key(dir.path).ok());   // a directory
  EXPECT_FALSE(load_or_create_secrets_key(dir.file("missing/data.key")).ok());
  EXPECT_FALSE(load_or_create_secrets_key("").ok());
}

TEST(SecretsKey, TheDefaultFileIsBesideTheDataDirectory) {
  EXPECT_EQ(default_secrets_key_path("/var/lib/hitd/data"), "/var/lib/hitd/data.key");
  EXPECT_EQ(default_secrets_key_path("/var/lib/hitd/data/"), "/var/lib/hitd/data.key");
  EXPECT_EQ(default_secrets_key_path("data"), "data.key");
}

TEST(SecretsKey, ARestartWithTheSameKeyFileFindsTheSecret) {
  key_dir dir;
  auto path = dir.file("data.key");
  auto store = std::make_shared<memory_store>();
  access_key issued;
  {
    credentials c{store, load_or_create_secrets_key(path).value()};
    issued = c.issue_access_key("AR1", 9).value();
  }
  credentials c{store, load_or_create_secrets_key(path).value()};
  auto found = c.find_access_key(issued.access_key_id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->secret_access_key, issued.secret_access_key);
  EXPECT_EQ(found->requester_id, "AR1");
  // Another key file (the old one lost) does not.
  credentials lost{store, load_or_create_secrets_key(dir.file("other.key")).value()};
  EXPECT_FALSE(lost.find_access_key(issued.access_key_id).has_value());
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
