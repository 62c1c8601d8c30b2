// Lambda authorizers of HTTP APIs: simple responses and IAM policies,
// identity sources, AWS's 401/403/500 bodies, the TTL cache on the
// simulated clock, and the control checks.
#include <gtest/gtest.h>

#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/test_rest_api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

// "auth" answers as told; every other function echoes its event as body.
struct HttpAuthorizerFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    auto event = json::parse(call.payload).as_object();
    if (call.function.ends_with(":auth")) {
      auth_events.push_back(event);
      return done(lambda::SyncResult{auth_error, auth_answer, "$LATEST"});
    }
    events.push_back(event);
    done(lambda::SyncResult{false, R"({"statusCode":200,"body":"ok"})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::vector<json::object> auth_events, events;
  std::string auth_answer = R"({"isAuthorized":true,"context":{"user":"ann","n":1}})";
  bool auth_error = false;
};

class HttpAuthorizerTest : public ServiceTest<HttpApiService> {
 protected:
  HttpAuthorizerTest()
      : ServiceTest(
            {[this](Environment& env) { return std::make_unique<HttpApiService>(env, &fn); }}) {}

  // GET /me behind a REQUEST authorizer made of `auth`, on $default.
  void make_api(json::object auth) {
    api = s(call("CreateApi", {{"Name", "a"},
                               {"ProtocolType", "HTTP"},
                               {"Target", "arn:aws:lambda:us-east-1:000000000000:function:f"},
                               {"RouteKey", "GET /me"}})["ApiId"]);
    auth["ApiId"] = api;
    auth["Name"] = "lambda";
    auth["AuthorizerType"] = "REQUEST";
    auth["AuthorizerUri"] = "arn:aws:lambda:us-east-1:000000000000:function:auth";
    if (!auth.contains("AuthorizerPayloadFormatVersion")) {
      auth["AuthorizerPayloadFormatVersion"] = "2.0";
    }
    if (!auth.contains("IdentitySource")) {
      auth["IdentitySource"] = json::array{"$request.header.Authorization"};
    }
    authorizer = s(call("CreateAuthorizer", auth)["AuthorizerId"]);
    route = s(call("GetRoutes", {{"ApiId", api}})["Items"].as_array()[0].at("RouteId"));
    call("UpdateRoute", {{"ApiId", api},
                         {"RouteId", route},
                         {"AuthorizationType", "CUSTOM"},
                         {"AuthorizerId", authorizer}});
  }
  http::Response get(const std::string& target, http::Headers headers = {}) {
    return user_call(execute_api(api, "GET", target, std::move(headers)));
  }

  HttpAuthorizerFunctions fn;
  std::string api, authorizer, route;
};

TEST_F(HttpAuthorizerTest, SimpleResponsesDecideAndTheirContextReachesTheFunction) {
  make_api({{"EnableSimpleResponses", true}, {"AuthorizerResultTtlInSeconds", 60}});
  auto r = get("/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"message":"Unauthorized"})");
  EXPECT_TRUE(fn.auth_events.empty());
  r = get("/me?x=1", {{"authorization", "tok"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(fn.auth_events.size(), 1u);
  auto& e = fn.auth_events[0];
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["type"], "REQUEST");
  EXPECT_EQ(s(e["routeArn"]),
            "arn:aws:execute-api:us-east-1:000000000000:" + api + "/$default/GET/me");
  EXPECT_EQ(json::serialize(e["identitySource"]), R"(["tok"])");
  EXPECT_EQ(e["rawQueryString"], "x=1");
  EXPECT_EQ(json::serialize(fn.events.back()["requestContext"].at("authorizer")),
            R"({"lambda":{"user":"ann","n":1}})");
  EXPECT_EQ(get("/me", {{"authorization", "tok"}}).status, 200);
  EXPECT_EQ(fn.auth_events.size(), 1u);  // cached for 60 s
  clock.advance(std::chrono::seconds(61));
  fn.auth_answer = R"({"isAuthorized":false})";
  r = get("/me", {{"authorization", "tok"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Forbidden"})");
  EXPECT_EQ(fn.auth_events.size(), 2u);
  fn.auth_answer = R"({"isAuthorized":"yes"})";
  EXPECT_EQ(get("/me", {{"authorization", "other"}}).status, 500);
  fn.auth_error = true;
  EXPECT_EQ(get("/me", {{"authorization", "third"}}).status, 500);
}

TEST_F(HttpAuthorizerTest, PolicyAnswersAreEvaluatedOnTheRouteArn) {
  make_api({{"IdentitySource", json::array{"$request.querystring.user"}}});
  fn.auth_answer =
      R"({"principalId":"p1","policyDocument":{"Version":"2012-10-17","Statement":[)"
      R"({"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:*/*/GET/me"}]}})";
  EXPECT_EQ(get("/me").status, 401);
  EXPECT_EQ(get("/me?user=ann").status, 200);
  auto ctx = fn.events.back()["requestContext"].at("authorizer");
  EXPECT_EQ(ctx.at("principalId"), "p1");
  fn.auth_answer =
      R"({"principalId":"p1","policyDocument":{"Statement":[)"
      R"({"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:*/*/POST/me"}]}})";
  EXPECT_EQ(get("/me?user=ann").status, 403);  // TTL 0 by default: asked again
  EXPECT_EQ(fn.auth_events.size(), 2u);
}

TEST_F(HttpAuthorizerTest, ControlChecks) {
  make_api({});
  expect_error("CreateAuthorizer",
               {{"ApiId", api},
                {"Name", "x"},
                {"AuthorizerType", "REQUEST"},
                {"AuthorizerUri", "arn:aws:lambda:us-east-1:000000000000:function:auth"}},
               "BadRequestException");  // no payload format version
  expect_error("CreateAuthorizer",
               {{"ApiId", api},
                {"Name", "x"},
                {"AuthorizerType", "REQUEST"},
                {"AuthorizerUri", "arn:aws:lambda:us-east-1:000000000000:function:auth"},
                {"AuthorizerPayloadFormatVersion", "1.0"},
                {"EnableSimpleResponses", true}},
               "BadRequestException");
  expect_error("CreateAuthorizer", {{"ApiId", api}, {"Name", "x"}, {"AuthorizerType", "JWT"}},
               "BadRequestException");
  expect_error("UpdateRoute",
               {{"ApiId", api},
                {"RouteId", route},
                {"AuthorizationType", "CUSTOM"},
                {"AuthorizerId", "nope"}},
               "BadRequestException");
  expect_error("DeleteAuthorizer", {{"ApiId", api}, {"AuthorizerId", authorizer}},
               "ConflictException");
  auto updated =
      call("UpdateAuthorizer", {{"ApiId", api}, {"AuthorizerId", authorizer}, {"Name", "renamed"}});
  EXPECT_EQ(updated["Name"], "renamed");
  EXPECT_EQ(call("GetAuthorizers", {{"ApiId", api}})["Items"].as_array().size(), 1u);
  call("UpdateRoute",
       {{"ApiId", api}, {"RouteId", route}, {"AuthorizationType", "NONE"}, {"AuthorizerId", ""}});
  call("DeleteAuthorizer", {{"ApiId", api}, {"AuthorizerId", authorizer}});
  expect_error("GetAuthorizer", {{"ApiId", api}, {"AuthorizerId", authorizer}},
               "NotFoundException");
}

}  // namespace
}  // namespace nimbus::services::apigateway
