// Lambda authorizers of REST APIs (TOKEN and REQUEST): identities, the
// policy decision on the method ARN, AWS's 401/403/500 bodies, the TTL
// cache on the simulated clock, usageIdentifierKey; and the pure parts.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/authorizer.h"
#include "services/apigateway/test_rest_api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

constexpr const char* kAllow =
    R"({"principalId":"user1","policyDocument":{"Version":"2012-10-17","Statement":[)"
    R"({"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:*/prod/GET/*"}]},)"
    R"("context":{"tier":"gold","level":3},"usageIdentifierKey":"abcdefghijklmnopqrst0123"})";

// "auth" answers as told; every other function echoes its event.
struct AuthorizerFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    if (call.function.ends_with(":auth")) {
      auth_events.push_back(json::parse(call.payload).as_object());
      return done(lambda::SyncResult{auth_error, auth_answer, "$LATEST"});
    }
    events.push_back(json::parse(call.payload).as_object());
    done(lambda::SyncResult{false, R"({"statusCode":200,"body":"ok"})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::vector<json::object> auth_events, events;
  std::string auth_answer = kAllow;
  bool auth_error = false;
};

constexpr const char* kAuthUri =
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations";

class AuthorizerTest : public RestApiFixture<AuthorizerFunctions> {
 protected:
  // GET /pets behind the authorizer `auth` (merged into a TOKEN one),
  // deployed to prod.
  void make_api(json::object auth, json::object api_extra = {}) {
    api_extra["name"] = "guarded";
    auto api = call("CreateRestApi", api_extra);
    id = s(api["id"]);
    auth["restApiId"] = id;
    if (!auth.contains("name")) auth["name"] = "a";
    if (!auth.contains("type")) auth["type"] = "TOKEN";
    if (!auth.contains("authorizerUri")) auth["authorizerUri"] = kAuthUri;
    if (!auth.contains("identitySource") && s(auth["type"]) == "TOKEN") {
      auth["identitySource"] = "method.request.header.Authorization";
    }
    authorizer_id = s(call("CreateAuthorizer", auth)["id"]);
    res = s(call(
        "CreateResource",
        {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", "pets"}})["id"]);
    call("PutMethod", {{"restApiId", id},
                       {"resourceId", res},
                       {"httpMethod", "GET"},
                       {"authorizationType", "CUSTOM"},
                       {"authorizerId", authorizer_id},
                       {"apiKeyRequired", api_extra.contains("apiKeySource")}});
    call("PutIntegration", {{"restApiId", id},
                            {"resourceId", res},
                            {"httpMethod", "GET"},
                            {"type", "AWS_PROXY"},
                            {"uri",
                             "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                             "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"}});
    call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  }
  http::Response get(const std::string& target, http::Headers headers = {}) {
    return user_call(execute_api(id, "GET", target, std::move(headers)));
  }

  std::string id, authorizer_id, res;
};

TEST_F(AuthorizerTest, TokenAuthorizerAllowsCachesAndHandsItsContextOver) {
  make_api({{"identityValidationExpression", "^Bearer [a-z]+$"}});
  auto r = get("/prod/pets");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"message":"Unauthorized"})");
  EXPECT_EQ(r.header("x-amzn-errortype"), "UnauthorizedException");
  EXPECT_EQ(get("/prod/pets", {{"authorization", "Basic abc"}}).status, 401);
  EXPECT_TRUE(fn.auth_events.empty());  // refused before the function

  r = get("/prod/pets", {{"authorization", "Bearer good"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(fn.auth_events.size(), 1u);
  EXPECT_EQ(
      json::serialize(fn.auth_events[0]),
      R"({"type":"TOKEN","authorizationToken":"Bearer good","methodArn":"arn:aws:execute-api:us-east-1:000000000000:)" +
          id + R"(/prod/GET/pets"})");
  auto ctx = fn.events.back()["requestContext"].as_object()["authorizer"].as_object();
  EXPECT_EQ(ctx["principalId"], "user1");
  EXPECT_EQ(ctx["tier"], "gold");
  EXPECT_EQ(ctx["level"], "3");

  // Cached for the TTL (300 s by default), by token.
  EXPECT_EQ(get("/prod/pets", {{"authorization", "Bearer good"}}).status, 200);
  EXPECT_EQ(fn.auth_events.size(), 1u);
  EXPECT_EQ(get("/prod/pets", {{"authorization", "Bearer other"}}).status, 200);
  EXPECT_EQ(fn.auth_events.size(), 2u);
  clock.advance(std::chrono::seconds(301));
  fn.auth_answer = R"({"principalId":"u","policyDocument":{"Statement":[)"
                   R"({"Action":"execute-api:*","Effect":"Deny","Resource":"*"},)"
                   R"({"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}})";
  r = get("/prod/pets", {{"authorization", "Bearer good"}});
  EXPECT_EQ(fn.auth_events.size(), 3u);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(
      r.body,
      R"({"Message":"User is not authorized to access this resource with an explicit deny"})");
  EXPECT_EQ(r.header("x-amzn-errortype"), "AccessDeniedException");
}

TEST_F(AuthorizerTest, FunctionFailuresAndPoliciesForOtherMethods) {
  make_api({{"authorizerResultTtlInSeconds", 0}});
  fn.auth_error = true;
  fn.auth_answer = R"({"errorMessage":"Unauthorized","errorType":"Error"})";
  EXPECT_EQ(get("/prod/pets", {{"authorization", "t"}}).status, 401);
  fn.auth_answer = R"({"errorMessage":"boom","errorType":"Error"})";
  auto r = get("/prod/pets", {{"authorization", "t"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":null})");
  EXPECT_EQ(r.header("x-amzn-errortype"), "AuthorizerConfigurationException");
  fn.auth_error = false;
  fn.auth_answer = R"({"principalId":"u","policyDocument":{"Statement":"nope"}})";
  EXPECT_EQ(get("/prod/pets", {{"authorization", "t"}}).status, 500);
  // A policy for another method is an implicit deny.
  fn.auth_answer =
      R"({"principalId":"u","policyDocument":{"Statement":[)"
      R"({"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:*/prod/POST/*"}]}})";
  r = get("/prod/pets", {{"authorization", "t"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"Message":"User is not authorized to access this resource"})");
  EXPECT_EQ(fn.auth_events.size(), 4u);  // TTL 0: every request asks
  EXPECT_TRUE(fn.events.empty());
}

// COGNITO_USER_POOLS methods are never open (cognito_test.cc verifies
// tokens): no token, or one no pool of the authorizer signed, is the 401.
// The authorizer configuration error takes the API's
// AUTHORIZER_CONFIGURATION_ERROR gateway response.
TEST_F(AuthorizerTest, CognitoMethodsAreNeverOpenAndConfigurationErrorsTakeTheirResponse) {
  make_api({});
  auto pool = s(call("CreateAuthorizer",
                     {{"restApiId", id},
                      {"name", "pool"},
                      {"type", "COGNITO_USER_POOLS"},
                      {"providerARNs", json::array{"arn:aws:cognito-idp:us-east-1:000000000000:"
                                                   "userpool/us-east-1_abcdefghi"}},
                      {"identitySource", "method.request.header.Authorization"}})["id"]);
  auto mine =
      s(call("CreateResource", {{"restApiId", id}, {"parentId", res}, {"pathPart", "mine"}})["id"]);
  call("PutMethod", {{"restApiId", id},
                     {"resourceId", mine},
                     {"httpMethod", "GET"},
                     {"authorizationType", "COGNITO_USER_POOLS"},
                     {"authorizerId", pool}});
  call("PutIntegration",
       {{"restApiId", id},
        {"resourceId", mine},
        {"httpMethod", "GET"},
        {"type", "MOCK"},
        {"requestTemplates", json::object{{"application/json", R"({"statusCode":200})"}}}});
  call("PutIntegrationResponse",
       {{"restApiId", id}, {"resourceId", mine}, {"httpMethod", "GET"}, {"statusCode", "200"}});
  call("PutGatewayResponse",
       {{"restApiId", id},
        {"responseType", "AUTHORIZER_CONFIGURATION_ERROR"},
        {"statusCode", "503"},
        {"responseTemplates",
         json::object{{"application/json", R"({"why":"$context.error.responseType"})"}}}});
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  for (const char* token : {"", "t", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}) {
    http::Headers h;
    if (*token != '\0') h.emplace_back("authorization", token);
    auto r = get("/prod/pets/mine", h);
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_EQ(r.body, R"({"message":"Unauthorized"})");
    EXPECT_EQ(r.header("x-amzn-errortype"), "UnauthorizedException");
  }
  // A Lambda authorizer's failure is AUTHORIZER_CONFIGURATION_ERROR.
  fn.auth_error = true;
  fn.auth_answer = R"({"errorMessage":"boom","errorType":"Error"})";
  auto r = get("/prod/pets", {{"authorization", "t"}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"why":"AUTHORIZER_CONFIGURATION_ERROR"})");
  EXPECT_TRUE(fn.events.empty());
}

TEST_F(AuthorizerTest, RequestAuthorizerTakesEveryIdentitySource) {
  make_api({{"type", "REQUEST"},
            {"identitySource", "method.request.header.X-Token, method.request.querystring.user"}});
  EXPECT_EQ(get("/prod/pets?user=ann").status, 401);
  EXPECT_EQ(get("/prod/pets", {{"x-token", "t1"}}).status, 401);
  EXPECT_EQ(get("/prod/pets?user=ann", {{"x-token", "t1"}}).status, 200);
  ASSERT_EQ(fn.auth_events.size(), 1u);
  auto& e = fn.auth_events[0];
  EXPECT_EQ(e["type"], "REQUEST");
  EXPECT_EQ(s(e["methodArn"]),
            "arn:aws:execute-api:us-east-1:000000000000:" + id + "/prod/GET/pets");
  EXPECT_EQ(e["queryStringParameters"].at("user"), "ann");
  EXPECT_EQ(e["headers"].at("x-token"), "t1");
  EXPECT_FALSE(e.contains("body"));
  EXPECT_EQ(get("/prod/pets?user=ann", {{"x-token", "t1"}}).status, 200);
  EXPECT_EQ(get("/prod/pets?user=bob", {{"x-token", "t1"}}).status, 200);
  EXPECT_EQ(fn.auth_events.size(), 2u);  // cached by both values
}

TEST_F(AuthorizerTest, UsageIdentifierKeyFeedsTheUsagePlan) {
  make_api({}, {{"apiKeySource", "AUTHORIZER"}});
  auto key =
      s(call("CreateApiKey",
             {{"name", "k"}, {"enabled", true}, {"value", "abcdefghijklmnopqrst0123"}})["id"]);
  auto plan =
      s(call("CreateUsagePlan",
             {{"name", "p"},
              {"apiStages", json::array{json::object{{"apiId", id}, {"stage", "prod"}}}}})["id"]);
  EXPECT_EQ(get("/prod/pets", {{"authorization", "t"}}).status, 403);  // the key in no plan
  call("CreateUsagePlanKey", {{"usagePlanId", plan}, {"keyId", key}, {"keyType", "API_KEY"}});
  EXPECT_EQ(get("/prod/pets", {{"authorization", "t"}}).status, 200);
}

TEST_F(AuthorizerTest, ControlPlaneChecks) {
  make_api({});
  expect_error("CreateAuthorizer", {{"restApiId", id}, {"name", "x"}, {"type", "MAGIC"}},
               "BadRequestException");
  expect_error("CreateAuthorizer",
               {{"restApiId", id},
                {"name", "x"},
                {"type", "TOKEN"},
                {"authorizerUri", kAuthUri},
                {"identitySource", "method.request.querystring.t"}},
               "BadRequestException");
  expect_error("CreateAuthorizer",
               {{"restApiId", id},
                {"name", "x"},
                {"type", "TOKEN"},
                {"authorizerUri", kAuthUri},
                {"identitySource", "method.request.header.A"},
                {"authorizerResultTtlInSeconds", 3601}},
               "BadRequestException");
  expect_error("PutMethod",
               {{"restApiId", id},
                {"resourceId", res},
                {"httpMethod", "POST"},
                {"authorizationType", "CUSTOM"},
                {"authorizerId", "nope"}},
               "BadRequestException");
  expect_error("DeleteAuthorizer", {{"restApiId", id}, {"authorizerId", authorizer_id}},
               "ConflictException");
  auto updated =
      call("UpdateAuthorizer",
           {{"restApiId", id},
            {"authorizerId", authorizer_id},
            {"patchOperations",
             json::array{json::object{
                 {"op", "replace"}, {"path", "/authorizerResultTtlInSeconds"}, {"value", "0"}}}}});
  EXPECT_EQ(updated["authorizerResultTtlInSeconds"], 0);
  EXPECT_EQ(call("GetAuthorizers", {{"restApiId", id}})["items"].as_array().size(), 1u);
  expect_error("GetAuthorizer", {{"restApiId", id}, {"authorizerId", "nope"}}, "NotFoundException");
  call("DeleteMethod", {{"restApiId", id}, {"resourceId", res}, {"httpMethod", "GET"}});
  call("DeleteAuthorizer", {{"restApiId", id}, {"authorizerId", authorizer_id}});
  reopen();
  EXPECT_TRUE(call("GetAuthorizers", {{"restApiId", id}})["items"].as_array().empty());
}

// TestInvokeAuthorizer runs the authorizer the data plane runs on a request
// made of its input, never from or into the cache, and says what came of it.
TEST_F(AuthorizerTest, TestInvokeRunsTheAuthorizerOnTheGivenRequest) {
  make_api({{"type", "REQUEST"},
            {"identitySource",
             "method.request.header.X-Token, method.request.querystring.user, "
             "stageVariables.tier, context.who"}});
  json::object in{{"restApiId", id},
                  {"authorizerId", authorizer_id},
                  {"multiValueHeaders", json::object{{"X-Token", json::array{"t1", "t2"}}}},
                  {"pathWithQueryString", "/pets/7?user=ann"},
                  {"body", "{}"},
                  {"stageVariables", json::object{{"tier", "gold"}}},
                  {"additionalContext", json::object{{"who", "me"}}}};
  auto out = call("TestInvokeAuthorizer", in);
  EXPECT_EQ(out["clientStatus"], 0);
  EXPECT_EQ(out["principalId"], "user1");
  EXPECT_EQ(json::parse(s(out["policy"])).at("Statement").at(0).at("Effect"), "Allow");
  EXPECT_TRUE(out["latency"].is_int64());
  EXPECT_NE(s(out["log"]).find("Using valid authorizer policy for principal: user1"),
            std::string::npos)
      << s(out["log"]);
  ASSERT_EQ(fn.auth_events.size(), 1u);
  auto& e = fn.auth_events[0];
  EXPECT_EQ(s(e["methodArn"]),
            "arn:aws:execute-api:us-east-1:000000000000:" + id + "/ESTestInvoke-stage/GET/pets/7");
  EXPECT_EQ(e["queryStringParameters"].at("user"), "ann");
  EXPECT_EQ(e["multiValueHeaders"].at("x-token"), (json::array{"t1", "t2"}));
  EXPECT_EQ(e["stageVariables"].at("tier"), "gold");
  // Not cached: a second test calls the function again.
  call("TestInvokeAuthorizer", in);
  EXPECT_EQ(fn.auth_events.size(), 2u);

  // A missing identity is the 401 without a call; a failing function the 500.
  in.erase("additionalContext");
  EXPECT_EQ(call("TestInvokeAuthorizer", in)["clientStatus"], 401);
  EXPECT_EQ(fn.auth_events.size(), 2u);
  in["additionalContext"] = json::object{{"who", "me"}};
  fn.auth_error = true;
  fn.auth_answer = R"({"errorMessage":"Unauthorized","errorType":"Error"})";
  EXPECT_EQ(call("TestInvokeAuthorizer", in)["clientStatus"], 401);
  fn.auth_answer = R"({"errorMessage":"boom","errorType":"Error"})";
  out = call("TestInvokeAuthorizer", in);
  EXPECT_EQ(out["clientStatus"], 500);
  EXPECT_FALSE(out.contains("principalId"));
  EXPECT_TRUE(fn.events.empty());  // no integration ran

  expect_error("TestInvokeAuthorizer", {{"restApiId", id}, {"authorizerId", "nope"}},
               "NotFoundException");
  expect_error("TestInvokeAuthorizer", {{"restApiId", "nope"}, {"authorizerId", authorizer_id}},
               "NotFoundException");
}

TEST_F(AuthorizerTest, TestInvokeOfATokenAuthorizerChecksItsExpression) {
  make_api({{"identityValidationExpression", "^Bearer [a-z]+$"}});
  json::object in{{"restApiId", id}, {"authorizerId", authorizer_id}};
  in["headers"] = json::object{{"Authorization", "Basic x"}};
  EXPECT_EQ(call("TestInvokeAuthorizer", in)["clientStatus"], 401);
  in["headers"] = json::object{{"Authorization", "Bearer ok"}};
  auto out = call("TestInvokeAuthorizer", in);
  EXPECT_EQ(out["clientStatus"], 0);
  EXPECT_EQ(
      json::serialize(fn.auth_events.at(0)),
      R"({"type":"TOKEN","authorizationToken":"Bearer ok","methodArn":"arn:aws:execute-api:us-east-1:000000000000:)" +
          id + R"(/ESTestInvoke-stage/GET/"})");
  // The data plane's cache is not filled by the test.
  EXPECT_EQ(get("/prod/pets", {{"authorization", "Bearer ok"}}).status, 200);
  EXPECT_EQ(fn.auth_events.size(), 2u);
}

TEST(AuthorizerPolicyTest, WildcardsAndExplicitDenies) {
  EXPECT_TRUE(arn_matches("arn:aws:execute-api:*:*:abc/*/GET/*",
                          "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets/1"));
  EXPECT_TRUE(arn_matches("a?c*", "abcdef"));
  EXPECT_FALSE(arn_matches("a?c", "ac"));
  EXPECT_FALSE(arn_matches("*/POST/*", "x/GET/y"));
  EXPECT_TRUE(arn_matches("*", ""));
  auto policy = json::parse(
      R"({"Statement":[{"Effect":"Allow","Action":["s3:GetObject","execute-api:Invoke"],"Resource":["*"]},)"
      R"({"Effect":"Deny","Action":"*","Resource":"*/DELETE/*"}]})");
  EXPECT_TRUE(policy_allows(policy, "api/prod/GET/x"));
  EXPECT_FALSE(policy_allows(policy, "api/prod/DELETE/x"));
  EXPECT_FALSE(policy_allows(json::parse("[]"), "api/prod/GET/x"));
  EXPECT_FALSE(parse_policy_answer(R"({"policyDocument":{"Statement":[]},"context":{"a":{}}})"));
  EXPECT_TRUE(parse_simple_answer(R"({"isAuthorized":false})"));
  EXPECT_FALSE(parse_simple_answer(R"({"isAuthorized":"yes"})"));
  EXPECT_EQ(split_sources(" a , b,,c "), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace nimbus::services::apigateway
