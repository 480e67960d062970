// hitd-load's scenario: the file, the flags over it, every bound, the
// loopback rule, the accounts file, and the shipped scenarios.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario.hpp"

namespace hitd::load {
namespace {

TEST(LoadScenario, FileThenFlags) {
  scenario s;
  ASSERT_EQ(apply_scenario_json(s, R"({"name":"x","mode":"open","rate":250.5,"arrival":"poisson",
      "duration":3,"think_ms":[5,10],"mix":{"lifecycle":3,"dashboard":1},"reward":"0.10",
      "assignments":2,"reject_percent":20,"feed_readers":1,"max_requests":77})"),
            "");
  EXPECT_EQ(s.name, "x");
  EXPECT_EQ(s.mode, loop_mode::open);
  EXPECT_DOUBLE_EQ(s.rate, 250.5);
  EXPECT_EQ(s.arrivals, arrival::poisson);
  EXPECT_EQ(s.think_min_ms, 5u);
  EXPECT_EQ(s.think_max_ms, 10u);
  ASSERT_EQ(s.mix.size(), 2u);
  EXPECT_EQ(s.mix[0], (std::pair<std::string, uint32_t>{"lifecycle", 3}));   // in the file's order
  EXPECT_EQ(s.reward_cents, 10);
  EXPECT_EQ(s.assignments, 2u);
  EXPECT_EQ(s.max_requests, 77u);
  EXPECT_EQ(s.max_iterations, 0u);
  EXPECT_EQ(set_option(s, "max_iterations", "12"), "");
  EXPECT_EQ(s.max_iterations, 12u);
  // A flag overrides the file.
  EXPECT_EQ(set_option(s, "rate", "5"), "");
  EXPECT_DOUBLE_EQ(s.rate, 5);
  EXPECT_EQ(set_option(s, "think-ms", "7"), "");
  EXPECT_EQ(s.think_min_ms, 7u);
  EXPECT_EQ(s.think_max_ms, 7u);
  EXPECT_EQ(set_option(s, "mix", "lifecycle=1,ping=2"), "");
  EXPECT_EQ(s.mix.size(), 2u);
  EXPECT_EQ(validate(s), "");
}

TEST(LoadScenario, BadValuesAreRefusedWithTheirName) {
  scenario s;
  auto refused = [&](const char* name, const char* value) {
    auto why = set_option(s, name, value);
    EXPECT_NE(why, "") << name << "=" << value;
    return why;
  };
  EXPECT_NE(refused("rate", "0").find("--rate"), std::string::npos);
  refused("rate", "-1");
  refused("rate", "fast");
  refused("concurrency", "0");
  refused("concurrency", "10001");
  refused("duration", "0");
  refused("duration", "nan");
  refused("mode", "half-open");
  refused("arrival", "bursty");
  refused("think-ms", "10:5");
  refused("think-ms", "1:700000");
  refused("reward", "0.001");
  refused("reward", "-1");
  refused("reward", "0");
  refused("assignments", "0");
  refused("assignments", "101");
  refused("reject-percent", "101");
  refused("max-requests", "0");
  refused("max-iterations", "-1");
  refused("target", "localhost");
  refused("target", "127.0.0.1:0");
  EXPECT_NE(refused("mix", "lifecycle=1,frobnicate=2").find("frobnicate"), std::string::npos);
  refused("mix", "lifecycle=1,lifecycle=2");
  refused("mix", "");
  EXPECT_NE(refused("no-such-option", "1").find("unknown option"), std::string::npos);
  EXPECT_NE(apply_scenario_json(s, "{\"mode\": ["), "");
  EXPECT_NE(apply_scenario_json(s, "[1,2]"), "");
  EXPECT_NE(apply_scenario_json(s, R"({"mix":{"lifecycle":"many"}})"), "");
  EXPECT_NE(apply_scenario_json(s, R"({"duration":{"s":1}})"), "");
  EXPECT_NE(apply_scenario_json(s, R"({"durration":1})"), "");
  scenario zero;
  ASSERT_EQ(set_option(zero, "mix", "lifecycle=0"), "");
  EXPECT_NE(validate(zero), "");
}

TEST(LoadScenario, OnlyLoopbackTargetsUnlessAllowed) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.255.3.9"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("128.0.0.1"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.example.com"));
  EXPECT_FALSE(is_loopback_host("127.0.0.256"));
  EXPECT_FALSE(is_loopback_host("example.com"));
  scenario s;
  ASSERT_EQ(set_option(s, "target", "192.168.1.20:8080"), "");
  EXPECT_NE(validate(s).find("--allow-remote"), std::string::npos);
  ASSERT_EQ(set_option(s, "allow-remote", "true"), "");
  EXPECT_EQ(validate(s), "");
  ASSERT_EQ(set_option(s, "target", "[::1]:9000"), "");
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(split_target(s.target, host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9000);
}

TEST(LoadScenario, Amounts) {
  EXPECT_EQ(parse_cents("0.05"), 5);
  EXPECT_EQ(parse_cents("1"), 100);
  EXPECT_EQ(parse_cents("1.5"), 150);
  EXPECT_EQ(parse_cents("1000.00"), 100'000);
  EXPECT_FALSE(parse_cents("1."));
  EXPECT_FALSE(parse_cents(".5"));
  EXPECT_FALSE(parse_cents("1.234"));
  EXPECT_FALSE(parse_cents("-1"));
  EXPECT_FALSE(parse_cents("+1"));
  EXPECT_FALSE(parse_cents("1e3"));
  EXPECT_FALSE(parse_cents(""));
  EXPECT_EQ(format_cents(5), "0.05");
  EXPECT_EQ(format_cents(100'050), "1000.50");
  EXPECT_EQ(format_cents(-120), "-1.20");
}

TEST(LoadScenario, AccountsFile) {
  std::string why;
  auto a = parse_accounts(R"({"requesters":[{"requester_id":"AR1","access_key_id":"AKHD1","secret_access_key":"s",
      "deposit":"10.00"}],"workers":[{"worker_id":"AW1","token":"hwt_1"},{"worker_id":"AW2","token":"hwt_2"}]})",
                          why);
  ASSERT_TRUE(a) << why;
  ASSERT_EQ(a->requesters.size(), 1u);
  EXPECT_EQ(a->requesters[0].access_key_id, "AKHD1");
  ASSERT_EQ(a->workers.size(), 2u);
  EXPECT_EQ(a->workers[1].token, "hwt_2");
  EXPECT_FALSE(parse_accounts("nope", why));
  EXPECT_FALSE(parse_accounts(R"({"requesters":[]})", why));
  EXPECT_FALSE(parse_accounts(R"({"requesters":[{"requester_id":"AR1"}],"workers":[]})", why));
  EXPECT_NE(why.find("access_key_id"), std::string::npos);
  EXPECT_FALSE(parse_accounts(R"({"requesters":[],"workers":[{"worker_id":"AW1","token":""}]})", why));
}

TEST(LoadScenario, ShippedScenariosParseAndTargetLoopback) {
  int n = 0;
  for (auto& entry : std::filesystem::directory_iterator{HITD_LOAD_SCENARIOS}) {
    if (entry.path().extension() != ".json")
      continue;
    std::ifstream in{entry.path()};
    std::stringstream ss;
    ss << in.rdbuf();
    scenario s;
    EXPECT_EQ(apply_scenario_json(s, ss.str()), "") << entry.path();
    EXPECT_EQ(validate(s), "") << entry.path();
    EXPECT_FALSE(s.allow_remote) << entry.path();
    std::string host;
    uint16_t port = 0;
    ASSERT_TRUE(split_target(s.target, host, port));
    EXPECT_TRUE(is_loopback_host(host)) << entry.path();
    EXPECT_LE(s.duration_s, 60) << entry.path();
    EXPECT_EQ(s.name + ".json", entry.path().filename().string());
    ++n;
  }
  EXPECT_GE(n, 4);
}

} // namespace
} // namespace hitd::load
