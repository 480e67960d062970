// AWS Signature Version 4 (gateway/mturk/sigv4.hpp): AWS's published
// example step by step, sign -> verify round trips for an MTurk-shaped
// request, and each way a request is refused.

#include "hitd/gateway/mturk/sigv4.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace hitd::gateway_mturk {
namespace {

using headers_t = std::vector<std::pair<std::string, std::string>>;

// AWS General Reference, "Examples of the complete Signature Version 4
// signing process": GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08
// at 20150830T123600Z, us-east-1, iam.
constexpr std::string_view example_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr int64_t example_time = 1440938160;   // 2015-08-30T12:36:00Z

headers_t example_headers() {
  return {{"Host", "iam.amazonaws.com"},
          {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
          {"X-Amz-Date", "20150830T123600Z"}};
}

TEST(Sigv4, AwsExampleCanonicalRequest) {
  auto h = example_headers();
  sigv4_request req{"GET", "/?Action=ListUsers&Version=2010-05-08", &h, ""};
  auto canonical = sigv4_canonical_request(req, {"content-type", "host", "x-amz-date"});
  EXPECT_EQ(canonical,
            "GET\n"
            "/\n"
            "Action=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n"
            "\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto to_sign = sigv4_string_to_sign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request", canonical);
  EXPECT_EQ(to_sign,
            "AWS4-HMAC-SHA256\n"
            "20150830T123600Z\n"
            "20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(sigv4_signature(example_secret, "20150830", "us-east-1", "iam", to_sign),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(Sigv4, AwsExampleSignsAndVerifies) {
  headers_t h = {{"Host", "iam.amazonaws.com"},
                 {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  sigv4_request req{"GET", "/?Action=ListUsers&Version=2010-05-08", &h, ""};
  auto added = sign_sigv4(req, {"AKIDEXAMPLE", std::string{example_secret}, "us-east-1", "iam"}, example_time);
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0], (std::pair<std::string, std::string>{"X-Amz-Date", "20150830T123600Z"}));
  EXPECT_EQ(added[1].first, "Authorization");
  EXPECT_EQ(added[1].second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");

  h.insert(h.end(), added.begin(), added.end());
  auto lookup = [](std::string_view id) -> std::optional<std::string> {
    if (id == "AKIDEXAMPLE")
      return std::string{example_secret};
    return std::nullopt;
  };
  sigv4_options iam;
  iam.service = "iam";
  auto r = verify_sigv4(req, lookup, example_time + 60, iam);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.identity->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(r.identity->region, "us-east-1");
  EXPECT_EQ(r.identity->service, "iam");
  EXPECT_EQ(r.identity->signed_at_s, example_time);

  // The same request without the space after each comma is as good.
  h.back().second = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request,"
                    "SignedHeaders=content-type;host;x-amz-date,"
                    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
  EXPECT_TRUE(verify_sigv4(req, lookup, example_time, iam).ok());
}

TEST(Sigv4, CanonicalFormsOfQueryPathAndHeaders) {
  headers_t h = {{"Host", "example.com"},
                 {"X-Multi", "  a   b  "},
                 {"x-multi", "c\t\td"},
                 {"X-Empty", ""}};
  sigv4_request req{"GET", "/a/./b/../c//d%20e?b=2&a=%7e&a=1&sp=x%20y&plus=1+2&flag", &h, ""};
  auto canonical = sigv4_canonical_request(req, {"host", "x-empty", "x-multi"});
  EXPECT_EQ(canonical,
            "GET\n"
            "/a/c/d%2520e\n"
            "a=1&a=~&b=2&flag=&plus=1%2B2&sp=x%20y\n"
            "host:example.com\n"
            "x-empty:\n"
            "x-multi:a b,c d\n"
            "\n"
            "host;x-empty;x-multi\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sigv4_request root{"POST", "", &h, ""};
  EXPECT_EQ(sigv4_canonical_request(root, {"host"}).substr(0, 8), "POST\n/\n\n");
}

// An MTurk-shaped request: POST / with a JSON body, signed as the SDKs sign it.
struct mturk_request {
  headers_t headers = {{"Host", "mturk-requester.us-east-1.amazonaws.com"},
                       {"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "MTurkRequesterServiceV20170117.GetAccountBalance"}};
  std::string body = R"({"MaxResults":10})";
  std::string target = "/";
  std::map<std::string, std::string> secrets = {{"AKHDTESTTESTTESTTEST", "s3cr3t/Secret+Key0123456789abcdefghijklm"}};
  int64_t now = 1735689600;   // 2025-01-01T00:00:00Z

  sigv4_credentials creds() const { return {"AKHDTESTTESTTESTTEST", secrets.at("AKHDTESTTESTTESTTEST")}; }
  void sign(int64_t at) { sign_with(creds(), at); }
  void sign_with(const sigv4_credentials& c, int64_t at) {
    sigv4_request req{"POST", target, &headers, body};
    auto added = sign_sigv4(req, c, at);
    headers.insert(headers.end(), added.begin(), added.end());
  }
  std::string& header(std::string_view name) {
    for (auto& [n, v] : headers)
      if (n == name)
        return v;
    throw std::runtime_error("no header " + std::string{name});
  }
  void erase(std::string_view name) {
    std::erase_if(headers, [&](const auto& h) { return h.first == name; });
  }
  sigv4_result verify(int64_t at) const {
    sigv4_request req{"POST", target, &headers, body};
    auto lookup = [this](std::string_view id) -> std::optional<std::string> {
      auto it = secrets.find(std::string{id});
      if (it == secrets.end())
        return std::nullopt;
      return it->second;
    };
    return verify_sigv4(req, lookup, at);
  }
};

void expect_refused(const sigv4_result& r, sigv4_failure f) {
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failure, f) << r.message;
  EXPECT_FALSE(r.message.empty());
}

TEST(Sigv4, MturkRoundTrip) {
  mturk_request m;
  m.sign(m.now);
  auto r = m.verify(m.now);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.identity->access_key_id, "AKHDTESTTESTTESTTEST");
  EXPECT_EQ(r.identity->region, "us-east-1");
  EXPECT_EQ(r.identity->service, "mturk-requester");
  EXPECT_EQ(r.identity->signed_at_s, m.now);
  EXPECT_EQ(m.header("X-Amz-Date"), "20250101T000000Z");
  EXPECT_NE(m.header("Authorization").find("SignedHeaders=content-type;host;x-amz-date;x-amz-target,"),
            std::string::npos);
}

TEST(Sigv4, HeaderNamesInAnyCaseAndReordered) {
  mturk_request m;
  m.sign(m.now);
  for (auto& [n, v] : m.headers)
    for (auto& c : n)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::reverse(m.headers.begin(), m.headers.end());
  auto r = m.verify(m.now);
  EXPECT_TRUE(r.ok()) << r.message;
}

TEST(Sigv4, WithinSkewAccepted) {
  mturk_request m;
  m.sign(m.now);
  EXPECT_TRUE(m.verify(m.now + 300).ok());
  EXPECT_TRUE(m.verify(m.now - 300).ok());
}

TEST(Sigv4, ExpiredInThePast) {
  mturk_request m;
  m.sign(m.now);
  auto r = m.verify(m.now + 600);
  expect_refused(r, sigv4_failure::signature_expired);
  EXPECT_EQ(r.message,
            "Signature expired: 20250101T000000Z is now earlier than 20250101T000500Z (20250101T001000Z - 5 min.)");
  EXPECT_EQ(sigv4_failure_type(r.failure), "InvalidSignatureException");
  EXPECT_EQ(sigv4_failure_status(r.failure), 400u);
  expect_refused(m.verify(m.now + 301), sigv4_failure::signature_expired);
}

TEST(Sigv4, NotYetCurrent) {
  mturk_request m;
  m.sign(m.now);
  auto r = m.verify(m.now - 600);
  expect_refused(r, sigv4_failure::signature_expired);
  EXPECT_EQ(r.message, "Signature not yet current: 20250101T000000Z is still later than 20241231T235500Z "
                       "(20241231T235000Z + 5 min.)");
  expect_refused(m.verify(m.now - 301), sigv4_failure::signature_expired);
}

TEST(Sigv4, NoAuthorization) {
  mturk_request m;
  m.sign(m.now);
  m.erase("Authorization");
  auto r = m.verify(m.now);
  expect_refused(r, sigv4_failure::missing_authentication_token);
  EXPECT_EQ(sigv4_failure_type(r.failure), "MissingAuthenticationTokenException");
  EXPECT_EQ(sigv4_failure_status(r.failure), 403u);

  sigv4_request bare{"POST", "/", nullptr, ""};
  expect_refused(verify_sigv4(bare, {}, 0), sigv4_failure::missing_authentication_token);

  m.headers.emplace_back("Authorization", "Bearer abc");
  expect_refused(m.verify(m.now), sigv4_failure::missing_authentication_token);
}

TEST(Sigv4, MalformedAuthorization) {
  mturk_request m;
  m.sign(m.now);
  const std::string good = m.header("Authorization");
  const std::vector<std::string> bad = {
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256 ",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request, "
      "SignedHeaders=host;x-amz-date",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester, "
      "SignedHeaders=host;x-amz-date, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request/x, "
      "SignedHeaders=host;x-amz-date, Signature=00",
      "AWS4-HMAC-SHA256 Credential=/20250101/us-east-1/mturk-requester/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/2025-1-1/us-east-1/mturk-requester/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request, "
      "SignedHeaders=host;;x-amz-date, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request, "
      "SignedHeaders=Host;x-amz-date, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request, "
      "SignedHeaders=host;host;x-amz-date, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=00, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=00, Extra=1",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request "
      "SignedHeaders=host;x-amz-date Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKHDTESTTESTTESTTEST/20250101/us-east-1/mturk-requester/aws4_request, "
      "SignedHeaders=host;x-amz-date;x-absent, Signature=00",
      "AWS4-HMAC-SHA256 ,,,",
      "AWS4-HMAC-SHA256 " + std::string(10000, 'x'),
  };
  for (const auto& text : bad) {
    m.header("Authorization") = text;
    expect_refused(m.verify(m.now), sigv4_failure::incomplete_signature);
  }
  m.header("Authorization") = good;
  EXPECT_TRUE(m.verify(m.now).ok());

  // Two Authorization headers.
  m.headers.emplace_back("authorization", good);
  expect_refused(m.verify(m.now), sigv4_failure::incomplete_signature);
}

TEST(Sigv4, MissingOrMalformedDate) {
  mturk_request m;
  m.sign(m.now);
  auto date = m.header("X-Amz-Date");
  m.erase("X-Amz-Date");
  auto r = m.verify(m.now);
  expect_refused(r, sigv4_failure::incomplete_signature);
  EXPECT_EQ(sigv4_failure_type(r.failure), "IncompleteSignatureException");

  // A Date header does not stand in for X-Amz-Date.
  m.headers.emplace_back("Date", "Wed, 01 Jan 2025 00:00:00 GMT");
  expect_refused(m.verify(m.now), sigv4_failure::incomplete_signature);

  for (const char* bad : {"2025-01-01T00:00:00Z", "20250101T000000", "20251301T000000Z", "20250230T000000Z",
                          "20250101T250000Z", ""}) {
    m.erase("X-Amz-Date");
    m.headers.emplace_back("X-Amz-Date", bad);
    expect_refused(m.verify(m.now), sigv4_failure::incomplete_signature);
  }
  m.erase("X-Amz-Date");
  m.headers.emplace_back("X-Amz-Date", date);
  m.headers.emplace_back("X-Amz-Date", date);
  expect_refused(m.verify(m.now), sigv4_failure::incomplete_signature);
}

TEST(Sigv4, HostNotSigned) {
  mturk_request m;
  auto host = m.headers[0];
  m.headers.erase(m.headers.begin());
  m.sign(m.now);
  m.headers.push_back(host);
  auto r = m.verify(m.now);
  expect_refused(r, sigv4_failure::incomplete_signature);
  EXPECT_NE(r.message.find("'Host'"), std::string::npos) << r.message;
}

TEST(Sigv4, SignedHeaderMissingFromRequest) {
  mturk_request m;
  m.sign(m.now);
  m.erase("X-Amz-Target");
  expect_refused(m.verify(m.now), sigv4_failure::incomplete_signature);
}

TEST(Sigv4, UnknownKey) {
  mturk_request m;
  m.sign_with({"AKHDNOBODYNOBODYNOBO", "whatever"}, m.now);
  auto r = m.verify(m.now);
  expect_refused(r, sigv4_failure::unrecognized_client);
  EXPECT_EQ(r.message, "The security token included in the request is invalid.");
  EXPECT_EQ(sigv4_failure_type(r.failure), "UnrecognizedClientException");
  EXPECT_EQ(sigv4_failure_status(r.failure), 400u);
}

TEST(Sigv4, TamperedBody) {
  mturk_request m;
  m.sign(m.now);
  m.body = R"({"MaxResults":100})";
  auto r = m.verify(m.now);
  expect_refused(r, sigv4_failure::invalid_signature);
  EXPECT_EQ(r.message, "The request signature we calculated does not match the signature you provided. Check your "
                       "AWS Secret Access Key and signing method. Consult the service documentation for details.");
  EXPECT_EQ(sigv4_failure_type(r.failure), "InvalidSignatureException");
}

TEST(Sigv4, TamperedHeader) {
  mturk_request m;
  m.sign(m.now);
  m.header("X-Amz-Target") = "MTurkRequesterServiceV20170117.DeleteHIT";
  expect_refused(m.verify(m.now), sigv4_failure::invalid_signature);
}

TEST(Sigv4, TamperedTargetOrMethod) {
  mturk_request m;
  m.sign(m.now);
  m.target = "/?x=1";
  expect_refused(m.verify(m.now), sigv4_failure::invalid_signature);
  m.target = "/";
  EXPECT_TRUE(m.verify(m.now).ok());
  sigv4_request get{"GET", m.target, &m.headers, m.body};
  expect_refused(verify_sigv4(get, [&](std::string_view) { return m.secrets.begin()->second; }, m.now),
                 sigv4_failure::invalid_signature);
}

TEST(Sigv4, WrongSecret) {
  mturk_request m;
  auto c = m.creds();
  c.secret_access_key = "not-the-secret";
  m.sign_with(c, m.now);
  expect_refused(m.verify(m.now), sigv4_failure::invalid_signature);
}

TEST(Sigv4, WrongServiceInScope) {
  mturk_request m;
  auto c = m.creds();
  c.service = "sqs";
  m.sign_with(c, m.now);
  auto r = m.verify(m.now);
  expect_refused(r, sigv4_failure::invalid_signature);
  EXPECT_NE(r.message.find("mturk-requester"), std::string::npos) << r.message;
}

TEST(Sigv4, WrongTerminator) {
  mturk_request m;
  m.sign(m.now);
  auto& a = m.header("Authorization");
  a.replace(a.find("aws4_request"), 12, "aws5_request");
  expect_refused(m.verify(m.now), sigv4_failure::invalid_signature);
}

TEST(Sigv4, AnyRegionIsSigned) {
  mturk_request m;
  auto c = m.creds();
  c.region = "eu-west-1";
  m.sign_with(c, m.now);
  auto r = m.verify(m.now);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.identity->region, "eu-west-1");
  auto& a = m.header("Authorization");
  a.replace(a.find("eu-west-1"), 9, "us-east-1");
  expect_refused(m.verify(m.now), sigv4_failure::invalid_signature);
}

TEST(Sigv4, ScopeDateMismatch) {
  mturk_request m;
  m.sign(m.now);
  auto& a = m.header("Authorization");
  a.replace(a.find("20250101"), 8, "20241231");
  auto r = m.verify(m.now);
  expect_refused(r, sigv4_failure::invalid_signature);
  EXPECT_NE(r.message.find("'20241231' != '20250101'"), std::string::npos) << r.message;
}

TEST(Sigv4, ContentSha256) {
  mturk_request m;
  m.headers.emplace_back("X-Amz-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  m.sign(m.now);   // signs the hash of an empty body, but the body is not empty
  auto r = m.verify(m.now);
  expect_refused(r, sigv4_failure::invalid_signature);
  EXPECT_NE(r.message.find("x-amz-content-sha256"), std::string::npos) << r.message;

  mturk_request ok;
  ok.body = "";
  ok.headers.emplace_back("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ok.sign(ok.now);
  auto r2 = ok.verify(ok.now);
  EXPECT_TRUE(r2.ok()) << r2.message;
}

TEST(Sigv4, TruncatedOrGarbageSignature) {
  mturk_request m;
  m.sign(m.now);
  auto& a = m.header("Authorization");
  auto good = a;
  a = good.substr(0, good.size() - 1);
  expect_refused(m.verify(m.now), sigv4_failure::invalid_signature);
  a = good + "0";
  expect_refused(m.verify(m.now), sigv4_failure::invalid_signature);
  a = good.substr(0, good.size() - 64) + std::string(64, 'z');
  expect_refused(m.verify(m.now), sigv4_failure::invalid_signature);
}

TEST(Sigv4, BoundedInput) {
  mturk_request m;
  m.sign(m.now);
  for (int i = 0; i < 300; ++i)
    m.headers.emplace_back("X-Pad-" + std::to_string(i), "x");
  expect_refused(m.verify(m.now), sigv4_failure::incomplete_signature);

  mturk_request many;
  many.sign(many.now);
  std::string names = "host";
  for (int i = 0; i < 100; ++i)
    names += ";x-h" + std::to_string(i);
  auto& a = many.header("Authorization");
  auto from = a.find("SignedHeaders=") + 14;
  a.replace(from, a.find(',', from) - from, names + ";x-amz-date");
  expect_refused(many.verify(many.now), sigv4_failure::incomplete_signature);
}

// Malformed input is refused, never a crash: random edits of every part of
// a good request (run under the sanitizers by scripts/test.sh).
TEST(Sigv4, RandomEditsAreRefusedNotCrashes) {
  mturk_request base;
  base.target = "/?a=1&b=%41%2";
  base.sign(base.now);
  std::mt19937 rng{12345};
  const std::string alphabet = "AWS4-HMAC-SHA256 =,;/%:ZT0123456789abcdefxyz\t\r\n\x01\xff";
  int accepted = 0;
  for (int i = 0; i < 4000; ++i) {
    mturk_request m = base;
    auto& h = m.headers[rng() % m.headers.size()];
    std::string& s = rng() % 4 == 0 ? h.first : h.second;
    if (rng() % 7 == 0)
      s = m.target;
    char c = alphabet[rng() % alphabet.size()];
    size_t at = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 4) {
      case 0: s.erase(at, 1 + rng() % 8); break;
      case 1: s.insert(at, 1, c); break;
      case 2: s.empty() ? s.push_back(c) : void(s[at] = c); break;
      default: s.resize(rng() % (s.size() + 1)); break;
    }
    auto r = m.verify(m.now);
    if (r.ok())
      ++accepted;   // an edit that changes nothing signed (a header name's case, trailing spaces)
    else
      EXPECT_FALSE(r.message.empty());
  }
  EXPECT_LT(accepted, 4000);
}

TEST(Sigv4, FailureTypesAndStatuses) {
  EXPECT_EQ(sigv4_failure_type(sigv4_failure::incomplete_signature), "IncompleteSignatureException");
  EXPECT_EQ(sigv4_failure_type(sigv4_failure::signature_expired), "InvalidSignatureException");
  EXPECT_EQ(sigv4_failure_status(sigv4_failure::incomplete_signature), 400u);
  EXPECT_EQ(sigv4_failure_status(sigv4_failure::invalid_signature), 400u);
  EXPECT_EQ(sigv4_failure_status(sigv4_failure::unrecognized_client), 400u);
}

} // namespace
} // namespace hitd::gateway_mturk
