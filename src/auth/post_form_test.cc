// verify_post: the signature a browser POST form carries over its policy,
// SigV4 and SigV2, against values computed independently (Python's hmac).
#include <gtest/gtest.h>

#include "auth/post_form.h"
#include "auth/test_util.h"

namespace nimbus::auth {
namespace {

constexpr std::string_view kPolicy = "eyJ0ZXN0IjogMX0=";  // {"test": 1}

class PostFormTest : public ::testing::Test {
 protected:
  PostFormTest() { provider_.add(Credentials{"AKIDTEST", "secret/key+value", "123456789012", ""}); }

  static PostForm v4() {
    PostForm f;
    f.policy = kPolicy;
    f.algorithm = "AWS4-HMAC-SHA256";
    f.credential = "AKIDTEST/20261205/us-east-1/s3/aws4_request";
    f.date = "20261205T101500Z";
    f.signature = "f4c82d60565f5af77d69337fe6446671e3b4795bf14b97988f105131ff188cbb";
    return f;
  }
  static PostForm v2() {
    PostForm f;
    f.policy = kPolicy;
    f.access_key_id = "AKIDTEST";
    f.signature_v2 = "1k/UGGhmv74LUYrheA6vlTekz6A=";
    return f;
  }
  Result<Verified> check(const PostForm& f) {
    return verify_post(f, provider_, Clock::time_point{});
  }

  testing::StaticCredentials provider_;
};

TEST_F(PostFormTest, SigV4SignatureOverThePolicy) {
  auto ok = check(v4());
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->credentials->access_key_id, "AKIDTEST");
  EXPECT_EQ(ok->scope.region, "us-east-1");

  PostForm f = v4();
  f.signature[0] = '0';
  EXPECT_EQ(check(f).error().code, "SignatureDoesNotMatch");
  f = v4();
  f.policy = "eyJ0ZXN0IjogMn0=";  // another policy, the same signature
  EXPECT_EQ(check(f).error().code, "SignatureDoesNotMatch");
  f = v4();
  f.credential = "AKIDTEST/20261205/us-west-2/s3/aws4_request";  // another signing key
  EXPECT_EQ(check(f).error().code, "SignatureDoesNotMatch");
  f = v4();
  f.credential = "AKIDNONE/20261205/us-east-1/s3/aws4_request";
  auto unknown = check(f);
  EXPECT_EQ(unknown.error().code, "InvalidAccessKeyId");
  EXPECT_EQ(unknown.error().http_status, 403);
}

TEST_F(PostFormTest, SigV2SignatureOverThePolicy) {
  auto ok = check(v2());
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->credentials->access_key_id, "AKIDTEST");
  PostForm f = v2();
  f.signature_v2 = "2k/UGGhmv74LUYrheA6vlTekz6A=";
  EXPECT_EQ(check(f).error().code, "SignatureDoesNotMatch");
}

TEST_F(PostFormTest, MissingFieldsAreNamed) {
  PostForm f = v4();
  f.date.clear();
  auto e = check(f).error();
  EXPECT_EQ(e.code, "InvalidArgument");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.message,
            "Bucket POST must contain a field named 'x-amz-date'.  If it is specified, please "
            "check the order of the fields.");
  f = v2();
  f.signature_v2.clear();
  EXPECT_EQ(check(f).error().code, "InvalidArgument");
  f = v4();
  f.policy.clear();
  EXPECT_EQ(check(f).error().code, "InvalidArgument");
  f = v4();
  f.algorithm = "AWS4-HMAC-SHA1";
  EXPECT_EQ(check(f).error().code, "InvalidArgument");
  f = v4();
  f.credential = "AKIDTEST/2026/us-east-1/s3/aws4_request";
  EXPECT_EQ(check(f).error().code, "InvalidArgument");
}

TEST_F(PostFormTest, TemporaryCredentialsNeedTheirToken) {
  provider_.add(Credentials{"ASIATEMP", "secret/key+value", "123456789012", "token-1"});
  PostForm f = v2();
  f.access_key_id = "ASIATEMP";
  EXPECT_EQ(check(f).error().code, "InvalidToken");
  f.security_token = "token-1";
  EXPECT_TRUE(check(f));
}

}  // namespace
}  // namespace nimbus::auth
