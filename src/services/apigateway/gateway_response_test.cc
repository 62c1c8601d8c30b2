// REST API gateway responses: the control operations (defaults listed,
// put, patch, delete), and the data plane applying the deployed ones to
// the gateway's own errors only.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/test_rest_api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

// Answers every call with `answer` (a proxy integration's response).
struct FixedFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    done(lambda::SyncResult{false, answer, "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::string answer = R"({"statusCode":200,"body":"ok"})";
};

class GatewayResponseTest : public RestApiFixture<FixedFunctions> {
 protected:
  // POST /pets (a required query string `owner`, validated) to a function;
  // deployed to "prod".
  void make_api() {
    auto api = call("CreateRestApi", {{"name", "custom errors"}});
    id = s(api["id"]);
    std::string validator =
        s(call("CreateRequestValidator",
               {{"restApiId", id}, {"name", "params"}, {"validateRequestParameters", true}})["id"]);
    std::string resource = s(call(
        "CreateResource",
        {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", "pets"}})["id"]);
    call("PutMethod",
         {{"restApiId", id},
          {"resourceId", resource},
          {"httpMethod", "POST"},
          {"authorizationType", "NONE"},
          {"requestValidatorId", validator},
          {"requestParameters", json::object{{"method.request.querystring.owner", true}}}});
    call("PutIntegration", {{"restApiId", id},
                            {"resourceId", resource},
                            {"httpMethod", "POST"},
                            {"type", "AWS_PROXY"},
                            {"uri",
                             "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                             "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"}});
    deploy();
  }
  void deploy() { call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}}); }
  http::Response send(const std::string& target, const std::string& accept = "") {
    http::Headers headers{{"x-tenant", "t1"}};
    if (!accept.empty()) headers.emplace_back("accept", accept);
    auto r = execute_api(id, "POST", target, std::move(headers));
    r.request.body = "{}";
    return user_call(std::move(r));
  }

  std::string id;
};

TEST_F(GatewayResponseTest, DefaultsPutPatchDelete) {
  make_api();
  auto all = call("GetGatewayResponses", {{"restApiId", id}})["items"].as_array();
  ASSERT_EQ(all.size(), 21u);
  EXPECT_EQ(s(all[0].as_object().at("responseType")), "DEFAULT_4XX");
  EXPECT_FALSE(all[0].as_object().contains("statusCode"));
  EXPECT_TRUE(all[0].as_object().at("defaultResponse").as_bool());
  auto missing = call("GetGatewayResponse",
                      {{"restApiId", id}, {"responseType", "MISSING_AUTHENTICATION_TOKEN"}});
  EXPECT_EQ(s(missing["statusCode"]), "403");
  EXPECT_EQ(s(missing["responseTemplates"].as_object().at("application/json")),
            R"({"message":$context.error.messageString})");
  auto put =
      call("PutGatewayResponse",
           {{"restApiId", id},
            {"responseType", "THROTTLED"},
            {"statusCode", "503"},
            {"responseParameters", json::object{{"gatewayresponse.header.Retry-After", "'1'"}}}});
  EXPECT_EQ(s(put["statusCode"]), "503");
  EXPECT_FALSE(put["defaultResponse"].as_bool());
  // Patching a default response makes it the API's own.
  auto patched =
      call("UpdateGatewayResponse",
           {{"restApiId", id},
            {"responseType", "UNAUTHORIZED"},
            {"patchOperations",
             json::array{json::object{{"op", "replace"}, {"path", "/statusCode"}, {"value", "418"}},
                         json::object{{"op", "add"},
                                      {"path", "/responseTemplates/text~1plain"},
                                      {"value", "no"}}}}});
  EXPECT_EQ(s(patched["statusCode"]), "418");
  EXPECT_EQ(s(patched["responseTemplates"].as_object().at("text/plain")), "no");
  EXPECT_FALSE(patched["defaultResponse"].as_bool());
  for (const auto& bad :
       {json::object{{"responseType", "NOPE"}},
        json::object{{"responseType", "THROTTLED"}, {"statusCode", "99"}},
        json::object{{"responseType", "THROTTLED"},
                     {"responseParameters", json::object{{"method.response.header.X", "'a'"}}}},
        json::object{
            {"responseType", "THROTTLED"},
            {"responseParameters", json::object{{"gatewayresponse.header.X", "nonsense"}}}}}) {
    json::object in = bad;
    in["restApiId"] = id;
    EXPECT_EQ(error_code("PutGatewayResponse", in), "BadRequestException") << json::serialize(in);
  }
  EXPECT_EQ(
      error_code("UpdateGatewayResponse",
                 {{"restApiId", id},
                  {"responseType", "THROTTLED"},
                  {"patchOperations", json::array{json::object{
                                          {"op", "replace"}, {"path", "/nope"}, {"value", "1"}}}}}),
      "BadRequestException");
  EXPECT_EQ(s(call("GetGatewayResponse",
                   {{"restApiId", id}, {"responseType", "THROTTLED"}})["statusCode"]),
            "503");
  reopen();
  EXPECT_FALSE(call("GetGatewayResponse",
                    {{"restApiId", id}, {"responseType", "THROTTLED"}})["defaultResponse"]
                   .as_bool());
  call("DeleteGatewayResponse", {{"restApiId", id}, {"responseType", "THROTTLED"}});
  auto back = call("GetGatewayResponse", {{"restApiId", id}, {"responseType", "THROTTLED"}});
  EXPECT_EQ(s(back["statusCode"]), "429");
  EXPECT_TRUE(back["defaultResponse"].as_bool());
  EXPECT_EQ(error_code("DeleteGatewayResponse", {{"restApiId", id}, {"responseType", "THROTTLED"}}),
            "NotFoundException");
  EXPECT_EQ(error_code("GetGatewayResponses", {{"restApiId", "nope"}}), "NotFoundException");
}

TEST_F(GatewayResponseTest, DeployedResponsesShapeTheGatewaysErrors) {
  make_api();
  call(
      "PutGatewayResponse",
      {{"restApiId", id},
       {"responseType", "MISSING_AUTHENTICATION_TOKEN"},
       {"statusCode", "404"},
       {"responseParameters",
        json::object{{"gatewayresponse.header.x-custom", "'static'"},
                     {"gatewayresponse.header.x-tenant", "method.request.header.x-tenant"},
                     {"gatewayresponse.header.x-stage", "context.stage"}}},
       {"responseTemplates",
        json::object{
            {"application/json",
             R"({"error":$context.error.messageString,"type":"$context.error.responseType","path":"$context.path"})"}}}});
  // Not deployed yet: the stage answers as before.
  auto r = send("/prod/nothing");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Missing Authentication Token"})");
  deploy();
  r = send("/prod/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("x-custom"), "static");
  EXPECT_EQ(r.header("x-tenant"), "t1");
  EXPECT_EQ(r.header("x-stage"), "prod");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(
      r.body,
      R"({"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN","path":"/prod/nothing"})");
  EXPECT_FALSE(r.header("x-amzn-RequestId").empty());
  for (const auto& [n, v] : r.headers) EXPECT_NE(n.front(), ':') << n;
  // DEFAULT_4XX covers the types the API did not customize (a validator's
  // 400 here); without a template the error's own body stays.
  call("PutGatewayResponse",
       {{"restApiId", id},
        {"responseType", "DEFAULT_4XX"},
        {"responseParameters",
         json::object{{"gatewayresponse.header.Access-Control-Allow-Origin", "'*'"}}}});
  deploy();
  r = send("/prod/pets");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(r.body, R"({"message":"Missing required request parameters: [owner]"})");
  // A status on DEFAULT_4XX changes every 4XX type without its own.
  call("UpdateGatewayResponse",
       {{"restApiId", id},
        {"responseType", "DEFAULT_4XX"},
        {"patchOperations",
         json::array{json::object{{"op", "add"}, {"path", "/statusCode"}, {"value", "422"}}}}});
  deploy();
  EXPECT_EQ(send("/prod/pets").status, 422);
  EXPECT_EQ(send("/prod/nothing").status, 404);
  // An integration's own 4XX is its answer, not the gateway's.
  fn.answer = R"({"statusCode":403,"body":"{\"message\":\"Missing Authentication Token\"}"})";
  r = send("/prod/pets?owner=me");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(r.header("Access-Control-Allow-Origin").empty());
  // A 5XX of the gateway (a malformed function answer) takes DEFAULT_5XX.
  call("PutGatewayResponse",
       {{"restApiId", id},
        {"responseType", "DEFAULT_5XX"},
        {"responseTemplates",
         json::object{{"application/json", R"({"oops":"$context.error.message"})"}}}});
  deploy();
  fn.answer = "not json";
  r = send("/prod/pets?owner=me");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body, R"({"oops":"Internal server error"})");
}

TEST(GatewayResponseTypes, ErrorsAreTypedByWhatTheGatewayAnswered) {
  auto type = [](http::Response r) { return take_gateway_error(r).value_or("unmarked"); };
  EXPECT_EQ(type(gateway_error(403, "Missing Authentication Token")),
            "MISSING_AUTHENTICATION_TOKEN");
  EXPECT_EQ(type(gateway_error(429, "Limit Exceeded")), "QUOTA_EXCEEDED");
  EXPECT_EQ(type(gateway_error(429, "Too Many Requests")), "THROTTLED");
  EXPECT_EQ(type(gateway_error(413, "Request Entity Too Large")), "REQUEST_TOO_LARGE");
  EXPECT_EQ(type(gateway_error(415, "Unsupported Media Type")), "UNSUPPORTED_MEDIA_TYPE");
  EXPECT_EQ(type(gateway_error(504, "Endpoint request timed out")), "INTEGRATION_TIMEOUT");
  EXPECT_EQ(type(gateway_error(401, "Unauthorized")), "UNAUTHORIZED");
  EXPECT_EQ(type(gateway_error(400, "Invalid request body")), "BAD_REQUEST_BODY");
  EXPECT_EQ(type(gateway_error(502, "Internal server error")), "DEFAULT_5XX");
  http::Response integration;
  integration.status = 403;
  EXPECT_EQ(type(integration), "unmarked");
  auto forbidden = gateway_error(403, "Forbidden");
  forbidden.set_header("x-amzn-ErrorType", "ForbiddenException");
  EXPECT_EQ(type(forbidden), "INVALID_API_KEY");
  auto typed = gateway_error(500, "Internal server error");
  mark_gateway_error(typed, "API_CONFIGURATION_ERROR");
  EXPECT_EQ(type(typed), "API_CONFIGURATION_ERROR");
  EXPECT_EQ(gateway_response_types().size(), 21u);
  EXPECT_EQ(find_gateway_response_type("INTEGRATION_FAILURE")->status, "504");
}

}  // namespace
}  // namespace nimbus::services::apigateway
