// Tags of REST APIs, HTTP APIs, their stages, API keys and usage plans
// by ARN (tags.h,
// tag_handlers.cc): TagResource merges, UntagResource removes, GetTags
// reads, on both gateways; the create calls' tags are the same tags;
// "aws:" keys only from CloudFormation; unknown APIs and stages, and ARNs
// of other resources, refused.
#include <gtest/gtest.h>

#include "services/apigateway/tags.h"
#include "services/apigateway/test_rest_api.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

TEST(TagTarget, ApisAndStagesByArn) {
  auto t = tag_target("arn:aws:apigateway:us-east-1::/restapis/abc", "restapis");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->api, "abc");
  EXPECT_EQ(t->stage, "");
  t = tag_target("arn:aws:apigateway:us-east-1::/apis/h1/stages/$default", "apis");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->api, "h1");
  EXPECT_EQ(t->stage, "$default");
  for (const char* bad :
       {"", "arn:aws:apigateway:us-east-1::/apis/h1", "arn:aws:apigateway:us-east-1::/restapis/",
        "arn:aws:apigateway:us-east-1::/restapis/a/resources/r", "arn:aws:apigateway:::/restapis/a",
        "arn:aws:apigateway:us-east-1::/restapis/a/stages/", "arn:aws:sqs:us-east-1:1:q",
        "arn:aws:apigateway:us-east-1::/restapisx/a"}) {
    EXPECT_FALSE(tag_target(bad, "restapis")) << bad;
  }
}

class TagsTest : public RestApiFixture<NoFunctions> {
 protected:
  Output v2(const std::string& op, json::object in, bool from_stack = false) {
    CallContext c = ctx(op);
    if (from_stack) c.called_via = "cloudformation.amazonaws.com";
    return try_call(service("apigatewayv2"), c, std::move(in));
  }
  Output v1(const std::string& op, json::object in, bool from_stack = false) {
    CallContext c = ctx(op);
    if (from_stack) c.called_via = "cloudformation.amazonaws.com";
    return try_call(*rest, c, std::move(in));
  }
};

TEST_F(TagsTest, RestApisAndStages) {
  auto api = call("CreateRestApi", {{"name", "t"}, {"tags", json::object{{"team", "a"}}}});
  std::string id = s(api["id"]);
  call("PutMethod", {{"restApiId", id},
                     {"resourceId", s(api["rootResourceId"])},
                     {"httpMethod", "GET"},
                     {"authorizationType", "NONE"}});
  call("PutIntegration", {{"restApiId", id},
                          {"resourceId", s(api["rootResourceId"])},
                          {"httpMethod", "GET"},
                          {"type", "MOCK"}});
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  std::string arn = "arn:aws:apigateway:us-east-1::/restapis/" + id;
  ASSERT_TRUE(v1("TagResource", {{"resourceArn", arn}, {"tags", json::object{{"cost", "7"}}}}));
  EXPECT_EQ(call("GetTags", {{"resourceArn", arn}})["tags"],
            (json::object{{"team", "a"}, {"cost", "7"}}));
  EXPECT_EQ(call("GetRestApi", {{"restApiId", id}})["tags"],
            (json::object{{"team", "a"}, {"cost", "7"}}));
  ASSERT_TRUE(v1("UntagResource", {{"resourceArn", arn}, {"tagKeys", json::array{"team"}}}));
  EXPECT_EQ(call("GetTags", {{"resourceArn", arn}})["tags"], (json::object{{"cost", "7"}}));
  // A stage's own.
  ASSERT_TRUE(v1("TagResource",
                 {{"resourceArn", arn + "/stages/prod"}, {"tags", json::object{{"env", "p"}}}}));
  EXPECT_EQ(call("GetStage", {{"restApiId", id}, {"stageName", "prod"}})["tags"],
            (json::object{{"env", "p"}}));
  EXPECT_EQ(call("GetTags", {{"resourceArn", arn}})["tags"], (json::object{{"cost", "7"}}));
  // Unknown stage and API, another resource's ARN.
  auto r = v1("TagResource",
              {{"resourceArn", arn + "/stages/none"}, {"tags", json::object{{"k", "v"}}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "NotFoundException");
  r = v1("GetTags", {{"resourceArn", "arn:aws:apigateway:us-east-1::/restapis/none"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "NotFoundException");
  r = v1("GetTags", {{"resourceArn", "arn:aws:sqs:us-east-1:000000000000:q"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "BadRequestException");
}

TEST_F(TagsTest, AwsKeysOnlyFromCloudFormation) {
  auto refused = v1("CreateRestApi", {{"name", "t"}, {"tags", json::object{{"aws:x", "1"}}}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "BadRequestException");
  auto api =
      v1("CreateRestApi",
         {{"name", "t"}, {"tags", json::object{{"aws:cloudformation:stack-name", "s"}}}}, true);
  ASSERT_TRUE(api);
  std::string arn = "arn:aws:apigateway:us-east-1::/restapis/" + s((*api)["id"]);
  for (auto [op, in] :
       {std::pair{"TagResource",
                  json::object{{"resourceArn", arn}, {"tags", json::object{{"AWS:k", "v"}}}}},
        std::pair{"UntagResource",
                  json::object{{"resourceArn", arn},
                               {"tagKeys", json::array{"aws:cloudformation:stack-name"}}}}}) {
    auto r = v1(op, in);
    ASSERT_FALSE(r) << op;
    EXPECT_EQ(r.error().code, "BadRequestException") << op;
    EXPECT_TRUE(v1(op, in, true)) << op;
  }
  EXPECT_EQ(call("GetTags", {{"resourceArn", arn}})["tags"], (json::object{{"AWS:k", "v"}}));
  // Past AWS's 50.
  json::object many;
  for (int i = 0; i < 50; ++i) many["k" + std::to_string(i)] = "v";
  auto r = v1("TagResource", {{"resourceArn", arn}, {"tags", many}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "BadRequestException");
  EXPECT_EQ(call("GetTags", {{"resourceArn", arn}})["tags"].as_object().size(), 1u);
}

TEST_F(TagsTest, ApiKeysAndUsagePlans) {
  auto key = s(call("CreateApiKey", {{"name", "k"}, {"tags", json::object{{"a", "1"}}}})["id"]);
  auto plan = s(call("CreateUsagePlan", {{"name", "p"}})["id"]);
  for (const std::string& arn : {"arn:aws:apigateway:us-east-1::/apikeys/" + key,
                                 "arn:aws:apigateway:us-east-1::/usageplans/" + plan}) {
    ASSERT_TRUE(v1("TagResource", {{"resourceArn", arn}, {"tags", json::object{{"b", "2"}}}}));
    ASSERT_TRUE(v1("UntagResource", {{"resourceArn", arn}, {"tagKeys", json::array{"a"}}}));
    EXPECT_EQ(call("GetTags", {{"resourceArn", arn}})["tags"], (json::object{{"b", "2"}})) << arn;
    auto r = v1("TagResource", {{"resourceArn", arn}, {"tags", json::object{{"aws:k", "v"}}}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "BadRequestException");
  }
  EXPECT_EQ(call("GetApiKey", {{"apiKey", key}})["tags"], (json::object{{"b", "2"}}));
  EXPECT_EQ(call("GetUsagePlan", {{"usagePlanId", plan}})["tags"], (json::object{{"b", "2"}}));
  auto r = v1("GetTags", {{"resourceArn", "arn:aws:apigateway:us-east-1::/apikeys/none"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "NotFoundException");
  r = v1("TagResource", {{"resourceArn", "arn:aws:apigateway:us-east-1::/usageplans/none"},
                         {"tags", json::object{{"k", "v"}}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "NotFoundException");
  r = v1("CreateUsagePlan", {{"name", "q"}, {"tags", json::object{{"aws:k", "v"}}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "BadRequestException");
}

TEST_F(TagsTest, HttpApisAndStages) {
  auto api = v2("CreateApi",
                {{"Name", "h"}, {"ProtocolType", "HTTP"}, {"Tags", json::object{{"team", "a"}}}});
  ASSERT_TRUE(api);
  std::string id = s((*api)["ApiId"]);
  ASSERT_TRUE(v2("CreateStage", {{"ApiId", id}, {"StageName", "dev"}}));
  std::string arn = "arn:aws:apigateway:us-east-1::/apis/" + id;
  ASSERT_TRUE(v2("TagResource", {{"ResourceArn", arn}, {"Tags", json::object{{"cost", "7"}}}}));
  ASSERT_TRUE(v2("UntagResource", {{"ResourceArn", arn}, {"TagKeys", json::array{"team"}}}));
  auto tags = v2("GetTags", {{"ResourceArn", arn}});
  ASSERT_TRUE(tags);
  EXPECT_EQ((*tags)["Tags"], (json::object{{"cost", "7"}}));
  auto got = v2("GetApi", {{"ApiId", id}});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->at("Tags"), (json::object{{"cost", "7"}}));
  ASSERT_TRUE(v2("TagResource",
                 {{"ResourceArn", arn + "/stages/dev"}, {"Tags", json::object{{"e", "d"}}}}));
  auto stage = v2("GetStage", {{"ApiId", id}, {"StageName", "dev"}});
  ASSERT_TRUE(stage);
  EXPECT_EQ((*stage)["Tags"], (json::object{{"e", "d"}}));
  auto r = v2("GetTags", {{"ResourceArn", "arn:aws:apigateway:us-east-1::/restapis/" + id}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "BadRequestException");
  r = v2("CreateStage",
         {{"ApiId", id}, {"StageName", "x"}, {"Tags", json::object{{"aws:k", "v"}}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "BadRequestException");
}

// An OpenAPI document's tags (x-amazon-apigateway-tag-value) are tags as
// CreateApi's: aws: keys refused; a reimport adds them to the API's, so
// the tags it does not name (a stack's) stay.
TEST_F(TagsTest, ImportedHttpApiTags) {
  auto doc = [](const char* key, const char* value) {
    return json::serialize(json::object{
        {"openapi", "3.0.1"},
        {"info", json::object{{"title", "t"}, {"version", "1"}}},
        {"paths", json::object{}},
        {"tags",
         json::array{json::object{{"name", key}, {"x-amazon-apigateway-tag-value", value}}}}});
  };
  auto refused = v2("ImportApi", {{"Body", doc("aws:k", "1")}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "BadRequestException");
  auto api = v2("ImportApi", {{"Body", doc("a", "1")}});
  ASSERT_TRUE(api) << api.error().message;
  std::string id = s((*api)["ApiId"]);
  std::string arn = "arn:aws:apigateway:us-east-1::/apis/" + id;
  ASSERT_TRUE(
      v2("TagResource",
         {{"ResourceArn", arn}, {"Tags", json::object{{"aws:cloudformation:logical-id", "L"}}}},
         true));
  ASSERT_TRUE(v2("ReimportApi", {{"ApiId", id}, {"Body", doc("a", "3")}}));
  EXPECT_EQ(v2("GetTags", {{"ResourceArn", arn}})->at("Tags"),
            (json::object{{"a", "3"}, {"aws:cloudformation:logical-id", "L"}}));
  EXPECT_FALSE(v2("ReimportApi", {{"ApiId", id}, {"Body", doc("aws:x", "3")}}));
}

}  // namespace
}  // namespace nimbus::services::apigateway
