// CorsRules (the edge's view of CORS) over stored configurations:
// preflights allowed and refused with S3's errors, headers of actual
// requests, buckets without a configuration.
#include "services/s3/cors_rules.h"
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace json = boost::json;
using testing::S3Test;

std::string header(const CorsRules::Headers& h, std::string_view name) {
  for (const auto& [n, v] : h) {
    if (n == name) return v;
  }
  return "";
}

TEST_F(S3Test, CorsRulesAnswerPreflightsAndActualRequests) {
  make_bucket("site");
  make_bucket("bare");
  auto cors = json::parse(R"({"CORSRules":[
      {"AllowedOrigins":["https://*.example"],"AllowedMethods":["GET","PUT"],
       "AllowedHeaders":["x-amz-*","content-type"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":60}]})")
                  .as_object();
  call("PutBucketCors", {{"Bucket", "site"}, {"CORSConfiguration", cors}});
  BucketCors rules(svc->objects());
  EXPECT_TRUE(rules.has_bucket("site"));
  EXPECT_FALSE(rules.has_bucket("nope"));

  auto ok = rules.preflight("site", "k", "https://app.example", "PUT", "X-Amz-Date, content-type");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(header(ok.headers, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(header(ok.headers, "Access-Control-Allow-Headers"), "x-amz-date, content-type");
  EXPECT_EQ(header(ok.headers, "Access-Control-Max-Age"), "60");

  auto refused = rules.preflight("site", "k", "https://app.example", "DELETE", "");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("<Code>AccessForbidden</Code>"), std::string::npos);
  EXPECT_NE(refused.body.find("<ResourceType>OBJECT</ResourceType>"), std::string::npos);
  EXPECT_EQ(rules.preflight("site", "", "https://app.example", "GET", "x-other").status, 403);
  EXPECT_EQ(rules.preflight("site", "", "", "GET", "").status, 400);
  auto bare = rules.preflight("bare", "", "https://app.example", "GET", "");
  EXPECT_EQ(bare.status, 403);
  EXPECT_NE(bare.body.find("CORS is not enabled for this bucket."), std::string::npos);

  auto actual = rules.actual("site", "https://app.example", "GET");
  EXPECT_EQ(header(actual, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(header(actual, "Access-Control-Expose-Headers"), "ETag");
  EXPECT_FALSE(header(actual, "Vary").empty());
  EXPECT_TRUE(rules.actual("site", "https://evil.test", "GET").empty());
  EXPECT_TRUE(rules.actual("bare", "https://app.example", "GET").empty());
}

}  // namespace
}  // namespace nimbus::services::s3
