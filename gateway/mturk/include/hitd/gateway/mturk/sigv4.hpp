#pragma once
// AWS Signature Version 4, both sides: verify_sigv4 checks a request the
// way AWS does (canonical request, signed headers, payload hash, credential
// scope, a bounded clock-skew window); sign_sigv4 signs one the way the AWS
// SDKs do (for hand-built requests in tests, hitd-load and the benchmarks).
// HMAC-SHA256 and SHA-256 from OpenSSL.
//
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hitd::gateway_mturk {

// What is signed. Header names in any case; a repeated header appears once
// per line (its values are joined with "," in the canonical request).
struct sigv4_request {
  std::string_view method;   // "POST"
  std::string_view target;   // "/?a=b" as sent (path and raw query)
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;
  std::string_view body;
};

// Why a request was refused; each maps to AWS's error type and HTTP status.
enum class sigv4_failure : uint8_t {
  missing_authentication_token,   // no Authorization header (or not AWS4-HMAC-SHA256): 403 MissingAuthenticationTokenException
  incomplete_signature,           // malformed Authorization, missing X-Amz-Date, host not signed, ...: 400 IncompleteSignatureException
  unrecognized_client,            // unknown access key id: 400 UnrecognizedClientException
  invalid_signature,              // the signature does not match, wrong scope or payload hash: 400 InvalidSignatureException
  signature_expired,              // X-Amz-Date outside now ± the window: 400 InvalidSignatureException ("Signature expired: ...")
};

// AWS's error type for a failure ("InvalidSignatureException"), and the status.
std::string_view sigv4_failure_type(sigv4_failure f);
unsigned sigv4_failure_status(sigv4_failure f);

struct sigv4_identity {
  std::string access_key_id;
  std::string region;    // from the credential scope ("us-east-1")
  std::string service;   // "mturk-requester"
  int64_t signed_at_s = 0;   // X-Amz-Date as seconds since the epoch
};

struct sigv4_result {
  std::optional<sigv4_identity> identity;   // set when the request verifies
  sigv4_failure failure = sigv4_failure::missing_authentication_token;
  std::string message;                      // AWS-like text, when refused
  bool ok() const { return identity.has_value(); }
};

struct sigv4_options {
  std::string_view service = "mturk-requester";   // the scope's service must be this
  int64_t max_skew_s = 300;                       // AWS's 5 minutes, either way
};

// The secret access key of an access key id, or nothing when unknown.
using secret_lookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

// Verifies the request's Authorization header (AWS4-HMAC-SHA256) at now_s
// (seconds since the epoch). Query-string signing (presigned URLs) is not
// accepted. Any region is accepted (the scope's region is what is signed).
sigv4_result verify_sigv4(const sigv4_request& req, const secret_lookup& secret_of, int64_t now_s,
                          const sigv4_options& opts = {});

struct sigv4_credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region = "us-east-1";
  std::string service = "mturk-requester";
};

// Signs a request as the SDKs do at now_s: returns the headers to add
// (x-amz-date, x-amz-content-sha256 is not added: MTurk's SDKs do not send
// it, and authorization). `headers` must already hold host and every other
// header to sign; all of them are signed.
std::vector<std::pair<std::string, std::string>> sign_sigv4(const sigv4_request& req, const sigv4_credentials& creds,
                                                             int64_t now_s);

// The signing steps, for tests against AWS's published examples.
//
// The canonical request of req with these signed headers (lowercase names,
// sorted, as in the SignedHeaders list); the payload hash is the hex SHA-256
// of req.body.
std::string sigv4_canonical_request(const sigv4_request& req, const std::vector<std::string>& signed_headers);
// "AWS4-HMAC-SHA256\n" amz_date "\n" scope "\n" hex SHA-256 of the canonical request.
std::string sigv4_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request);
// The hex signature of string_to_sign with the key derived from the secret
// and the scope's date (YYYYMMDD), region and service.
std::string sigv4_signature(std::string_view secret_access_key, std::string_view date, std::string_view region,
                            std::string_view service, std::string_view string_to_sign);

} // namespace hitd::gateway_mturk
