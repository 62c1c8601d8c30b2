// Unit tests of verify() and the signers: header auth, presigned URLs, the
// clock window, keys, payload hashes and SigV2.
#include <gtest/gtest.h>

#include "auth/canonical.h"
#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "auth/test_util.h"
#include "common/encoding.h"

namespace nimbus::auth {
namespace {

using namespace std::chrono_literals;
using testing::at;

class SigV4Test : public ::testing::Test {
 protected:
  SigV4Test() { provider_.add(creds_); }

  static http::Request request(std::string method, std::string target, std::string body = {}) {
    http::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = {{"host", "127.0.0.1:4566"}};
    r.body = std::move(body);
    return r;
  }
  Result<Verified> check(http::Request& r, Clock::time_point now) {
    return verify(r, provider_, now);
  }

  Credentials creds_{"AKIDTEST", "secret/key+value", "123456789012", ""};
  testing::StaticCredentials provider_;
  Clock::time_point t0_ = at("20240102T030405Z");
};

http::Request with_header(http::Request r, const std::string& k, const std::string& v) {
  r.headers.emplace_back(k, v);
  return r;
}

void expect_error(const Result<Verified>& r, std::string_view code, int status) {
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_EQ(r.error().http_status, status);
}

TEST_F(SigV4Test, HeaderRoundTripForQueryService) {
  auto r = with_header(request("POST", "/", "Action=GetCallerIdentity&Version=2011-06-15"),
                       "content-type", "application/x-www-form-urlencoded");
  sign(r, creds_, "us-east-1", "sts", t0_);
  auto v = check(r, t0_ + 14min);
  ASSERT_TRUE(v.is_ok()) << v.error().message;
  EXPECT_EQ(v->credentials->account_id, "123456789012");
  EXPECT_EQ(v->scope.service, "sts");
  EXPECT_EQ(v->scope.region, "us-east-1");
  EXPECT_EQ(v->scope.date, "20240102");
  EXPECT_EQ(peek_scope(r)->access_key_id, "AKIDTEST");

  auto tampered = r;
  tampered.body.back() ^= 1;
  expect_error(check(tampered, t0_), "SignatureDoesNotMatch", 403);
  EXPECT_EQ(check(tampered, t0_).error().message,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.");
}

TEST_F(SigV4Test, PathsAndQueriesNeedingEncoding) {
  auto r = request("GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Afn/x?b=2&a=1+2&c=%2F");
  sign(r, creds_, "us-east-1", "lambda", t0_);
  EXPECT_TRUE(check(r, t0_).is_ok());
  auto s3 = request("GET", "/bucket/my%20key%2Bx%21.txt?versionId=abc");
  sign(s3, creds_, "us-east-1", "s3", t0_);
  EXPECT_TRUE(check(s3, t0_).is_ok());
}

TEST_F(SigV4Test, S3BodyHashMismatch) {
  auto r = request("PUT", "/bucket/key", "hello");
  sign(r, creds_, "us-east-1", "s3", t0_);
  EXPECT_EQ(r.header("x-amz-content-sha256"), crypto::sha256_hex("hello"));
  EXPECT_TRUE(check(r, t0_).is_ok());
  r.body = "hellO";
  expect_error(check(r, t0_), "XAmzContentSHA256Mismatch", 400);
}

TEST_F(SigV4Test, UnsignedPayloadAndBadDeclaredHash) {
  auto r = with_header(request("PUT", "/bucket/key", "anything"), "x-amz-content-sha256",
                       "UNSIGNED-PAYLOAD");
  sign(r, creds_, "us-east-1", "s3", t0_);
  EXPECT_TRUE(check(r, t0_).is_ok());
  auto bad = with_header(request("PUT", "/bucket/key", "x"), "x-amz-content-sha256", "nonsense");
  sign(bad, creds_, "us-east-1", "s3", t0_);
  expect_error(check(bad, t0_), "InvalidArgument", 400);
}

TEST_F(SigV4Test, ClockSkew) {
  auto r = request("POST", "/", "Action=GetCallerIdentity");
  sign(r, creds_, "us-east-1", "sts", t0_);
  EXPECT_TRUE(check(r, t0_ - 15min).is_ok());
  auto late = check(r, t0_ + 16min);
  expect_error(late, "SignatureDoesNotMatch", 403);
  EXPECT_EQ(late.error().message,
            "Signature expired: 20240102T030405Z is now earlier than 20240102T030505Z "
            "(20240102T032005Z - 15 min.)");
  auto early = check(r, t0_ - 16min);
  EXPECT_EQ(early.error().message,
            "Signature not yet current: 20240102T030405Z is still later than 20240102T030305Z "
            "(20240102T024805Z + 15 min.)");

  auto s3 = request("GET", "/bucket/key");
  sign(s3, creds_, "us-east-1", "s3", t0_);
  expect_error(check(s3, t0_ + 16min), "RequestTimeTooSkewed", 403);
}

TEST_F(SigV4Test, DateHeaderInsteadOfXAmzDate) {
  // A client that sends Date and no X-Amz-Date.
  http::Request again = request("GET", "/");
  again.headers.emplace_back("date", "Tue, 02 Jan 2024 03:04:05 GMT");
  std::string signed_headers = "date;host";
  std::string creq = detail::canonical_request(
      "GET", "/", "",
      detail::canonical_headers(again.headers, detail::split_signed_headers(signed_headers)),
      signed_headers, std::string(detail::kEmptySha256));
  std::string scope = detail::scope_string("20240102", "us-east-1", "sts");
  std::string sig = detail::signature(
      detail::signing_key(creds_.secret_access_key, "20240102", "us-east-1", "sts"),
      detail::string_to_sign("20240102T030405Z", scope, creq));
  again.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/" + scope +
                                                  ",SignedHeaders=" + signed_headers +
                                                  ",Signature=" + sig);
  EXPECT_TRUE(check(again, t0_).is_ok());
}

TEST_F(SigV4Test, KeysAndMissingParts) {
  Credentials stranger{"AKIDNOBODY", "x", "1", ""};
  auto r = request("POST", "/", "Action=GetCallerIdentity");
  sign(r, stranger, "us-east-1", "sts", t0_);
  auto v = check(r, t0_);
  expect_error(v, "InvalidClientTokenId", 403);
  EXPECT_EQ(v.error().message, "The security token included in the request is invalid.");
  auto s3 = request("GET", "/b/k");
  sign(s3, stranger, "us-east-1", "s3", t0_);
  expect_error(check(s3, t0_), "InvalidAccessKeyId", 403);

  auto none = request("GET", "/");
  expect_error(check(none, t0_), "MissingAuthenticationToken", 403);
  EXPECT_FALSE(peek_scope(none).has_value());

  auto partial = with_header(request("GET", "/"), "authorization",
                             "AWS4-HMAC-SHA256 Credential=AKIDTEST/20240102/us-east-1/sts/"
                             "aws4_request, SignedHeaders=host;x-amz-date");
  partial.headers.emplace_back("x-amz-date", "20240102T030405Z");
  expect_error(check(partial, t0_), "IncompleteSignature", 403);

  auto no_host = request("GET", "/");
  sign(no_host, creds_, "us-east-1", "sts", t0_);
  for (auto& [k, v] : no_host.headers) {
    if (k == "authorization") v.replace(v.find("host;"), 5, "");
  }
  expect_error(check(no_host, t0_), "IncompleteSignature", 403);
}

TEST_F(SigV4Test, SessionTokenIsAccepted) {
  Credentials temporary = creds_;
  temporary.session_token = "FQoGZXIvYXdzEXAMPLE//token==";
  auto r = request("POST", "/", "Action=GetCallerIdentity");
  sign(r, temporary, "us-east-1", "sts", t0_);
  auto v = check(r, t0_);
  ASSERT_TRUE(v.is_ok()) << v.error().message;
  EXPECT_EQ(v->session_token, temporary.session_token);
}

TEST_F(SigV4Test, TemporaryCredentialsNeedTheirTokenAndExpire) {
  Credentials temporary{"ASIATEMP", "temp/secret", "123456789012", "the-token"};
  temporary.expiration = t0_ + 1h;
  provider_.add(temporary);
  auto good = request("POST", "/", "Action=GetCallerIdentity");
  sign(good, temporary, "us-east-1", "sts", t0_);
  EXPECT_TRUE(check(good, t0_).is_ok());

  Credentials forged = temporary;
  forged.session_token = "another-token";
  auto wrong = request("POST", "/", "Action=GetCallerIdentity");
  sign(wrong, forged, "us-east-1", "sts", t0_);
  expect_error(check(wrong, t0_), "InvalidClientTokenId", 403);
  forged.session_token.clear();
  auto none = request("POST", "/", "Action=GetCallerIdentity");
  sign(none, forged, "us-east-1", "sts", t0_);
  expect_error(check(none, t0_), "InvalidClientTokenId", 403);

  auto late = request("POST", "/", "Action=GetCallerIdentity");
  sign(late, temporary, "us-east-1", "sts", t0_ + 1h);
  expect_error(check(late, t0_ + 1h), "ExpiredToken", 403);
  auto object = request("GET", "/bucket/key");
  sign(object, temporary, "us-east-1", "s3", t0_ + 2h);
  expect_error(check(object, t0_ + 2h), "ExpiredToken", 400);
  EXPECT_EQ(json_error_code("ExpiredToken"), "ExpiredTokenException");
}

TEST_F(SigV4Test, PresignedS3RoundTripAndExpiry) {
  auto r = request("GET", "/bucket/dir/my%20file.txt?response-content-type=text%2Fplain");
  presign(r, creds_, "us-east-1", "s3", t0_, 3600s);
  EXPECT_NE(r.target.find("X-Amz-Signature="), std::string::npos);
  EXPECT_EQ(peek_scope(r)->service, "s3");
  EXPECT_TRUE(check(r, t0_ + 3599s).is_ok());
  auto late = check(r, t0_ + 3601s);
  expect_error(late, "AccessDenied", 403);
  EXPECT_EQ(late.error().message, "Request has expired");
  expect_error(check(r, t0_ - 16min), "AccessDenied", 403);

  auto tampered = r;
  tampered.target.replace(tampered.target.find("my%20file"), 9, "my%20filE");
  expect_error(check(tampered, t0_), "SignatureDoesNotMatch", 403);
  auto other_expiry = r;
  other_expiry.target.replace(other_expiry.target.find("X-Amz-Expires=3600"), 18,
                              "X-Amz-Expires=7200");
  expect_error(check(other_expiry, t0_), "SignatureDoesNotMatch", 403);
}

TEST_F(SigV4Test, PresignedExpiresLimits) {
  auto week = request("GET", "/bucket/key");
  presign(week, creds_, "us-east-1", "s3", t0_, 604800s);
  EXPECT_TRUE(check(week, t0_ + 604000s).is_ok());
  auto too_long = request("GET", "/bucket/key");
  presign(too_long, creds_, "us-east-1", "s3", t0_, 604801s);
  expect_error(check(too_long, t0_), "AuthorizationQueryParametersError", 400);
  auto zero = request("GET", "/bucket/key");
  presign(zero, creds_, "us-east-1", "s3", t0_, 0s);
  expect_error(check(zero, t0_), "AuthorizationQueryParametersError", 400);
  auto missing = request("GET",
                         "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F"
                         "20240102%2Fus-east-1%2Fs3%2Faws4_request");
  expect_error(check(missing, t0_), "AuthorizationQueryParametersError", 400);
  auto no_scope = request("GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256");
  expect_error(check(no_scope, t0_), "IncompleteSignature", 403);
}

TEST_F(SigV4Test, PresignedOtherService) {
  auto r = request("GET", "/?Action=GetCallerIdentity&Version=2011-06-15");
  presign(r, creds_, "us-east-1", "sts", t0_, 60s);
  EXPECT_TRUE(check(r, t0_ + 30s).is_ok());
  expect_error(check(r, t0_ + 61s), "RequestExpired", 400);
  Credentials stranger{"AKIDNOBODY", "x", "1", ""};
  auto unknown = request("GET", "/?Action=GetCallerIdentity");
  presign(unknown, stranger, "us-east-1", "sts", t0_, 60s);
  expect_error(check(unknown, t0_), "InvalidClientTokenId", 403);
}

TEST_F(SigV4Test, SigV2QueryRoundTrip) {
  auto r = request("GET", "/bucket/photos/puppy%20dog.jpg?versionId=v1");
  auto expires = t0_ + 600s;
  presign_v2(r, creds_, expires);
  EXPECT_EQ(peek_scope(r)->access_key_id, "AKIDTEST");
  auto v = check(r, t0_);
  ASSERT_TRUE(v.is_ok()) << v.error().message;
  EXPECT_EQ(v->scope.service, "s3");
  expect_error(check(r, t0_ + 601s), "AccessDenied", 403);

  auto tampered = r;
  tampered.target.replace(tampered.target.find("versionId=v1"), 12, "versionId=v2");
  expect_error(check(tampered, t0_), "SignatureDoesNotMatch", 403);
  Credentials stranger{"AKIDNOBODY", "x", "1", ""};
  auto unknown = request("GET", "/bucket/k");
  presign_v2(unknown, stranger, expires);
  expect_error(check(unknown, t0_), "InvalidAccessKeyId", 403);
}

TEST_F(SigV4Test, SigV2StringToSignAndHeaderAuth) {
  // Sub-resources join the resource, other parameters do not; x-amz-* are
  // signed sorted, and Date stays empty when x-amz-date is present.
  auto r = request("PUT", "/bucket/key?uploadId=u1&partNumber=2&foo=bar", "data");
  r.headers.emplace_back("content-type", "text/plain");
  r.headers.emplace_back("x-amz-meta-b", "2");
  r.headers.emplace_back("x-amz-date", "Tue, 02 Jan 2024 03:04:05 GMT");
  std::string sts =
      "PUT\n\ntext/plain\n\nx-amz-date:Tue, 02 Jan 2024 03:04:05 GMT\n"
      "x-amz-meta-b:2\n/bucket/key?partNumber=2&uploadId=u1";
  std::string sig = base64_encode(crypto::hmac_sha1(creds_.secret_access_key, sts));
  r.headers.emplace_back("authorization", "AWS AKIDTEST:" + sig);
  auto v = check(r, t0_);
  ASSERT_TRUE(v.is_ok()) << v.error().message;
  expect_error(check(r, t0_ + 20min), "RequestTimeTooSkewed", 403);
  r.headers.back().second = "AWS AKIDTEST:" + base64_encode("wrong");
  expect_error(check(r, t0_), "SignatureDoesNotMatch", 403);
}

TEST_F(SigV4Test, JsonErrorCodes) {
  EXPECT_EQ(json_error_code("SignatureDoesNotMatch"), "InvalidSignatureException");
  EXPECT_EQ(json_error_code("InvalidClientTokenId"), "UnrecognizedClientException");
  EXPECT_EQ(json_error_code("RequestExpired"), "RequestExpired");
}

// The derived key is remembered per thread: each part of the scope and the
// secret must still pick its own key, as the uncached chain computes it.
TEST(Canonical, SigningKeyPerSecretAndScope) {
  auto chain = [](std::string secret, std::string date, std::string region, std::string service) {
    std::string k = crypto::hmac_sha256("AWS4" + secret, date);
    k = crypto::hmac_sha256(k, region);
    k = crypto::hmac_sha256(k, service);
    return crypto::hmac_sha256(k, "aws4_request");
  };
  for (int round = 0; round < 2; ++round) {
    for (const char* secret : {"a", "b"}) {
      for (const char* date : {"20240101", "20240102"}) {
        for (const char* region : {"us-east-1", "eu-west-1"}) {
          for (const char* service : {"sqs", "dynamodb"}) {
            EXPECT_EQ(detail::signing_key(secret, date, region, service),
                      chain(secret, date, region, service))
                << secret << " " << date << " " << region << " " << service;
          }
        }
      }
    }
  }
  // RFC 4231 test case 2: HMAC-SHA256 on a reused per-thread context.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(crypto::hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  EXPECT_EQ(crypto::sha256_hex(""), detail::kEmptySha256);
  EXPECT_EQ(crypto::hex(crypto::sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

// The per-thread HMAC context is re-keyed only when the key changes: a run
// of HMACs under one key, another key between them, an empty key and one
// longer than a block (hashed first) must each give what a fresh HMAC gives
// (RFC 4231 cases 1, 2 and 6).
TEST(Canonical, HmacKeyKeptAcrossCalls) {
  const std::string case1 =
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";  // 0x0b * 20, "Hi There"
  const std::string case2 =
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";  // "Jefe", ...
  const std::string case6 =
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";  // 0xaa * 131
  const std::string jefe_data = "what do ya want for nothing?";
  const std::string case6_data = "Test Using Larger Than Block-Size Key - Hash Key First";
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(crypto::hex(crypto::hmac_sha256(std::string(20, '\x0b'), "Hi There")), case1);
    EXPECT_EQ(crypto::hex(crypto::hmac_sha256(std::string(20, '\x0b'), "Hi There")), case1);
    EXPECT_EQ(crypto::hex(crypto::hmac_sha256("Jefe", jefe_data)), case2);
    // Same key, other data, then the first data again.
    std::string other = crypto::hmac_sha256("Jefe", "other");
    EXPECT_NE(crypto::hex(other), case2);
    EXPECT_EQ(crypto::hmac_sha256("Jefe", "other"), other);
    EXPECT_EQ(crypto::hex(crypto::hmac_sha256("Jefe", jefe_data)), case2);
    EXPECT_EQ(crypto::hex(crypto::hmac_sha256(std::string(131, '\xaa'), case6_data)), case6);
    EXPECT_EQ(crypto::hex(crypto::hmac_sha256(std::string(131, '\xaa'), case6_data)), case6);
    // An empty key, then a key that is a prefix of the last one.
    EXPECT_EQ(crypto::hex(crypto::hmac_sha256("", "")),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    EXPECT_EQ(crypto::hex(crypto::hmac_sha256("Jef", jefe_data)),
              "89630a7f7bb95aced9efa60255f18a10e7d378665751be11dd40bb9594158c29");
  }
  EXPECT_EQ(crypto::hex(""), "");
  EXPECT_EQ(crypto::hex(std::string("\x00\x7f\xff", 3)), "007fff");
}

TEST(Canonical, PathRules) {
  EXPECT_EQ(detail::canonical_uri("/a//b/./c/../d/", false), "/a/b/d/");
  EXPECT_EQ(detail::canonical_uri("/a%20b", false), "/a%2520b");
  EXPECT_EQ(detail::canonical_uri("/a//b/../c%20d", true), "/a//b/../c%20d");
  EXPECT_EQ(detail::canonical_uri("", true), "/");
  EXPECT_EQ(detail::canonical_query("b=2&a=&a=1&c", false), "a=&a=1&b=2&c=");
  EXPECT_EQ(detail::canonical_query("X-Amz-Signature=x&k=%7e%20", true), "k=~%20");
}

TEST(Canonical, Dates) {
  EXPECT_EQ(detail::format_amz_date(at("20150830T123600Z")), "20150830T123600Z");
  EXPECT_EQ(detail::parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"), at("20150830T123600Z"));
  EXPECT_FALSE(detail::parse_amz_date("20150830T123600").has_value());
  EXPECT_FALSE(detail::parse_amz_date("20151330T123600Z").has_value());
}

}  // namespace
}  // namespace nimbus::auth
