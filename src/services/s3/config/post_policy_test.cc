#include "services/s3/config/post_policy.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "services/s3/config/test_support.h"

namespace nimbus::s3config {
namespace {

using testing::code;
using testing::message;

constexpr int64_t kNow = 1796342400000;  // 2026-12-04T00:00:00Z

PostPolicy post_policy(std::string json) {
  auto p = parse_post_policy(base64_encode(json));
  EXPECT_TRUE(p) << p.error().message;
  return p ? *p : PostPolicy{};
}

TEST(PostPolicy, ParsesAndRefusesBadDocuments) {
  EXPECT_EQ(parse_iso8601("2026-12-04T00:00:00Z"), kNow);
  EXPECT_EQ(parse_iso8601("2026-12-04T00:00:01.5Z"), kNow + 1500);
  EXPECT_FALSE(parse_iso8601("2026-12-04 00:00:00"));
  EXPECT_EQ(parse_http_date("Fri, 04 Dec 2026 00:00:01 GMT"), kNow + 1000);
  EXPECT_FALSE(parse_http_date("Fri, 04 Dez 2026 00:00:01 GMT"));
  EXPECT_FALSE(parse_http_date("Fri, 04 Dec 2026 00:00:01 UTC"));
  EXPECT_FALSE(parse_http_date("2026-12-04T00:00:00Z"));
  EXPECT_EQ(message(parse_post_policy("!!!").status()), "Invalid Policy: Invalid Base64 encoding.");
  EXPECT_EQ(message(parse_post_policy(base64_encode("{")).status()),
            "Invalid Policy: Invalid JSON.");
  EXPECT_EQ(message(parse_post_policy(base64_encode(R"({"conditions":[]})")).status()),
            "Invalid Policy: Policy missing expiration.");
  EXPECT_EQ(
      message(
          parse_post_policy(base64_encode(R"({"expiration":"2026-12-05T00:00:00Z"})")).status()),
      "Invalid Policy: Policy missing conditions.");
  EXPECT_EQ(
      code(parse_post_policy(
               base64_encode(
                   R"({"expiration":"2026-12-05T00:00:00Z","conditions":[["between","$key",1]]})"))
               .status()),
      "InvalidPolicyDocument");
}

TEST(PostPolicy, ConditionsAgainstTheForm) {
  auto p = post_policy(R"({"expiration":"2026-12-05T00:00:00.000Z","conditions":[
    {"bucket":"uploads"},["starts-with","$key","user/"],{"acl":"public-read"},
    ["starts-with","$Content-Type","image/"],["content-length-range",1,100],
    ["eq","$x-amz-meta-uuid","14365123651274"],{"x-amz-algorithm":"AWS4-HMAC-SHA256"}]})");
  FormFields fields{{"key", "user/a.png"},
                    {"acl", "public-read"},
                    {"content-type", "image/png"},
                    {"x-amz-meta-uuid", "14365123651274"},
                    {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
                    {"x-amz-signature", "sig"},
                    {"policy", "p"},
                    {"x-ignore-tracking", "1"}};
  EXPECT_TRUE(check_post_policy(p, fields, "uploads", kNow));
  auto wrong_bucket = check_post_policy(p, fields, "other", kNow);
  EXPECT_EQ(code(wrong_bucket), "AccessDenied");
  EXPECT_EQ(
      message(wrong_bucket),
      R"(Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "uploads"])");
  auto f = fields;
  f["key"] = "admin/a.png";
  EXPECT_EQ(
      message(check_post_policy(p, f, "uploads", kNow)),
      R"(Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/"])");
  f = fields;
  f["x-amz-meta-extra"] = "1";
  EXPECT_EQ(message(check_post_policy(p, f, "uploads", kNow)),
            "Invalid according to Policy: Extra input fields: x-amz-meta-extra");
  EXPECT_EQ(message(check_post_policy(p, fields, "uploads", kNow + 86'400'000)),
            "Invalid according to Policy: Policy expired.");
  EXPECT_TRUE(check_post_length(p, 1));
  EXPECT_TRUE(check_post_length(p, 100));
  EXPECT_EQ(code(check_post_length(p, 0)), "EntityTooSmall");
  EXPECT_EQ(code(check_post_length(p, 101)), "EntityTooLarge");
}

}  // namespace
}  // namespace nimbus::s3config
