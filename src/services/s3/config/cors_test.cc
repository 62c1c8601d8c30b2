#include "services/s3/config/cors.h"

#include <gtest/gtest.h>

#include "services/s3/config/test_support.h"

namespace nimbus::s3config {
namespace {

using testing::doc;

const boost::json::object kCors = doc(R"({"CORSRules":[
  {"AllowedOrigins":["https://app.example.com"],"AllowedMethods":["PUT","POST"],
   "AllowedHeaders":["content-type","x-amz-*"],"ExposeHeaders":["ETag","x-amz-request-id"],
   "MaxAgeSeconds":600},
  {"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]})");

std::string header(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h) {
    if (k == name) return v;
  }
  return "<none>";
}

TEST(CorsMatch, FirstRuleAllowingOriginMethodAndHeadersWins) {
  CorsRequest put{"https://app.example.com", "PUT", {"content-type", "x-amz-date"}, true};
  EXPECT_EQ(match_cors(kCors, put), 0U);
  CorsRequest get{"https://elsewhere.org", "GET", {}, false};
  EXPECT_EQ(match_cors(kCors, get), 1U);
  // A header no rule allows, a method no rule allows, no origin: no match.
  EXPECT_FALSE(match_cors(kCors, {"https://app.example.com", "PUT", {"x-custom"}, true}));
  EXPECT_FALSE(match_cors(kCors, {"https://elsewhere.org", "DELETE", {}, true}));
  EXPECT_FALSE(match_cors(kCors, {"", "GET", {}, false}));
  // Origins compare case-sensitively, headers case-insensitively.
  EXPECT_FALSE(match_cors(kCors, {"https://APP.example.com", "PUT", {}, true}) == 0U);
  EXPECT_EQ(match_cors(kCors, {"https://app.example.com", "PUT", {"X-AMZ-META-A"}, true}), 0U);
}

TEST(CorsMatch, HeadersOfTheMatchedRule) {
  CorsRequest put{"https://app.example.com", "PUT", {"content-type"}, true};
  auto h = cors_headers(kCors, 0, put);
  EXPECT_EQ(header(h, "Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(header(h, "Access-Control-Allow-Methods"), "PUT, POST");
  EXPECT_EQ(header(h, "Access-Control-Allow-Headers"), "content-type");
  EXPECT_EQ(header(h, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(header(h, "Access-Control-Expose-Headers"), "ETag, x-amz-request-id");
  EXPECT_EQ(header(h, "Access-Control-Allow-Credentials"), "true");
  auto any = cors_headers(kCors, 1, {"https://elsewhere.org", "GET", {}, false});
  EXPECT_EQ(header(any, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(header(any, "Access-Control-Allow-Credentials"), "<none>");
  EXPECT_EQ(header(any, "Access-Control-Max-Age"), "<none>");
}

TEST(CorsMatch, WildcardsAndHeaderLists) {
  EXPECT_TRUE(wildcard_match("https://*.example.com", "https://a.b.example.com", false));
  EXPECT_FALSE(wildcard_match("https://*.example.com", "https://example.com", false));
  EXPECT_TRUE(wildcard_match("*", "", false));
  EXPECT_TRUE(wildcard_match("X-Amz-*", "x-amz-date", true));
  EXPECT_EQ(split_header_list(" Content-Type ,x-amz-date,, "),
            (std::vector<std::string>{"content-type", "x-amz-date"}));
}

}  // namespace
}  // namespace nimbus::s3config
