// HTTP APIs: the control API and the data plane, with Lambda replaced by a
// recording double (the e2e tests run real functions).
#include <gtest/gtest.h>

#include "services/apigateway/apigatewayv2_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

// Answers every invocation with `answer` and keeps the events.
struct FakeFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    calls.push_back(call);
    if (call.function.find("missing") != std::string::npos) {
      return done(Error::make("ResourceNotFoundException", "Function not found"));
    }
    done(lambda::SyncResult{error, answer, "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string& id) const override {
    auto it = urls.find(id);
    if (it == urls.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, lambda::UrlTarget> urls;
  std::vector<lambda::SyncInvoke> calls;
  std::string answer = R"({"statusCode":200,"body":"ok"})";
  bool error = false;
};

class HttpApiTest : public ServiceTest<HttpApiService> {
 protected:
  HttpApiTest()
      : ServiceTest(
            {[this](Environment& env) { return std::make_unique<HttpApiService>(env, &fn); }}) {}

  std::string quick(const std::string& target = "arn:aws:lambda:us-east-1:000000000000:function:f",
                    const std::string& route_key = "") {
    json::object in{{"Name", "a"}, {"ProtocolType", "HTTP"}, {"Target", target}};
    if (!route_key.empty()) in["RouteKey"] = route_key;
    return s(call("CreateApi", in)["ApiId"]);
  }
  http::Response get(const std::string& api, const std::string& path,
                     const std::string& method = "GET", std::string body = "",
                     UserApi kind = UserApi::kExecuteApi, http::Headers extra = {}) {
    UserRequest r;
    r.api = kind;
    r.id = api;
    r.path = path.substr(0, path.find('?'));
    r.request.method = method;
    r.request.target = path;
    r.request.headers = {{"host", "localhost:4566"}};
    for (auto& h : extra) r.request.headers.push_back(h);
    r.request.body = std::move(body);
    r.request.remote = "10.0.0.1:1234";
    return user_call(std::move(r));
  }
  json::object last_event() { return json::parse(fn.calls.back().payload).as_object(); }

  FakeFunctions fn;
};

TEST_F(HttpApiTest, QuickCreateMakesRouteIntegrationAndDefaultStage) {
  auto api = quick();
  auto got = call("GetApi", {{"ApiId", api}});
  EXPECT_EQ(s(got["ProtocolType"]), "HTTP");
  EXPECT_EQ(s(got["ApiEndpoint"]), "http://" + api + ".execute-api.localhost:4566");
  auto routes = call("GetRoutes", {{"ApiId", api}})["Items"].as_array();
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(s(routes[0].at("RouteKey")), "$default");
  auto integrations = call("GetIntegrations", {{"ApiId", api}})["Items"].as_array();
  ASSERT_EQ(integrations.size(), 1u);
  EXPECT_EQ(s(integrations[0].at("PayloadFormatVersion")), "2.0");
  EXPECT_EQ(s(integrations[0].at("IntegrationType")), "AWS_PROXY");
  auto stage = call("GetStage", {{"ApiId", api}, {"StageName", "$default"}});
  EXPECT_EQ(stage["AutoDeploy"], true);

  auto resp = get(api, "/anything/here?x=1");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "ok");
  EXPECT_FALSE(resp.header("apigw-requestid").empty());
  ASSERT_EQ(fn.calls.size(), 1u);
  EXPECT_EQ(fn.calls[0].function, "arn:aws:lambda:us-east-1:000000000000:function:f");
  auto e = last_event();
  EXPECT_EQ(e["routeKey"], "$default");
  EXPECT_EQ(e["rawPath"], "/anything/here");
  EXPECT_EQ(e["requestContext"].at("stage"), "$default");
  EXPECT_EQ(s(e["requestContext"].at("requestId")), resp.header("apigw-requestid"));
  EXPECT_EQ(s(e["requestContext"].at("domainName")), api + ".execute-api.localhost");
}

TEST_F(HttpApiTest, RoutesSelectTheMostSpecificAndUnmatchedIs404) {
  auto api = s(call("CreateApi", {{"Name", "a"}, {"ProtocolType", "HTTP"}})["ApiId"]);
  auto integ = s(call("CreateIntegration",
                      {{"ApiId", api},
                       {"IntegrationType", "AWS_PROXY"},
                       {"IntegrationUri", "arn:aws:lambda:us-east-1:000000000000:function:f"},
                       {"PayloadFormatVersion", "2.0"}})["IntegrationId"]);
  for (const char* key : {"GET /pets/{id}", "ANY /pets/{proxy+}", "GET /pets/dog"}) {
    call("CreateRoute", {{"ApiId", api}, {"RouteKey", key}, {"Target", "integrations/" + integ}});
  }
  call("CreateStage", {{"ApiId", api}, {"StageName", "prod"}, {"AutoDeploy", true}});
  EXPECT_EQ(get(api, "/prod/pets/7").status, 200);
  EXPECT_EQ(last_event()["routeKey"], "GET /pets/{id}");
  EXPECT_EQ(last_event()["pathParameters"].at("id"), "7");
  EXPECT_EQ(last_event()["rawPath"], "/prod/pets/7");
  get(api, "/prod/pets/dog");
  EXPECT_EQ(last_event()["routeKey"], "GET /pets/dog");
  get(api, "/prod/pets/dog", "DELETE");
  EXPECT_EQ(last_event()["routeKey"], "ANY /pets/{proxy+}");
  auto missing = get(api, "/prod/toys");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"message":"Not Found"})");
  EXPECT_EQ(get(api, "/staging/pets/7").status, 404);  // no such stage, no $default
}

TEST_F(HttpApiTest, StagesWithoutAutoDeployServeTheirDeployment) {
  auto api = s(call("CreateApi", {{"Name", "a"}, {"ProtocolType", "HTTP"}})["ApiId"]);
  auto integ = s(call("CreateIntegration", {{"ApiId", api},
                                            {"IntegrationType", "AWS_PROXY"},
                                            {"IntegrationUri", "f"},
                                            {"PayloadFormatVersion", "1.0"}})["IntegrationId"]);
  call("CreateRoute",
       {{"ApiId", api}, {"RouteKey", "GET /a"}, {"Target", "integrations/" + integ}});
  call("CreateStage",
       {{"ApiId", api}, {"StageName", "v1"}, {"StageVariables", json::object{{"color", "red"}}}});
  EXPECT_EQ(get(api, "/v1/a").status, 404);  // nothing deployed yet
  auto dep = call("CreateDeployment", {{"ApiId", api}, {"StageName", "v1"}});
  EXPECT_EQ(s(dep["DeploymentStatus"]), "DEPLOYED");
  EXPECT_EQ(get(api, "/v1/a").status, 200);
  EXPECT_EQ(last_event()["version"], "1.0");
  EXPECT_EQ(last_event()["resource"], "/a");
  EXPECT_EQ(last_event()["stageVariables"], (json::object{{"color", "red"}}));
  call("CreateRoute",
       {{"ApiId", api}, {"RouteKey", "GET /b"}, {"Target", "integrations/" + integ}});
  EXPECT_EQ(get(api, "/v1/b").status, 404);  // not deployed
  call("CreateDeployment", {{"ApiId", api}, {"StageName", "v1"}});
  EXPECT_EQ(get(api, "/v1/b").status, 200);
}

TEST_F(HttpApiTest, FunctionErrorsAndMalformedAnswersAre500) {
  auto api = quick();
  fn.answer = "{not json";
  auto r = get(api, "/");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})");
  fn.answer = R"({"errorMessage":"boom"})";
  fn.error = true;
  EXPECT_EQ(get(api, "/").status, 500);
  auto gone = quick("arn:aws:lambda:us-east-1:000000000000:function:missing");
  EXPECT_EQ(get(gone, "/").status, 500);
}

TEST_F(HttpApiTest, BadInputIsRejectedAndChangesNothing) {
  expect_error(
      "CreateApi",
      {{"Name", "a"}, {"ProtocolType", "HTTP"}, {"Target", "arn:x"}, {"RouteKey", "FETCH /"}},
      "BadRequestException");
  EXPECT_EQ(call("GetApis", {})["Items"].as_array().size(), 0u);
  auto api = quick();
  expect_error("CreateRoute", {{"ApiId", api}, {"RouteKey", "GET /a/{b"}}, "BadRequestException");
  expect_error("CreateRoute",
               {{"ApiId", api}, {"RouteKey", "GET /a"}, {"Target", "integrations/nope"}},
               "BadRequestException");
  expect_error("CreateRoute", {{"ApiId", api}, {"RouteKey", "$default"}}, "ConflictException");
  expect_error("CreateIntegration",
               {{"ApiId", api}, {"IntegrationType", "AWS_PROXY"}, {"IntegrationUri", "f"}},
               "BadRequestException");
  expect_error("GetRoute", {{"ApiId", api}, {"RouteId", "nope"}}, "NotFoundException");
  expect_error("GetApi", {{"ApiId", "nope"}}, "NotFoundException");
  expect_error("CreateStage", {{"ApiId", api}, {"StageName", "$default"}}, "ConflictException");
  EXPECT_EQ(call("GetRoutes", {{"ApiId", api}})["Items"].as_array().size(), 1u);
}

TEST_F(HttpApiTest, ApisSurviveARestart) {
  auto api = quick("arn:aws:lambda:us-east-1:000000000000:function:f", "GET /hello");
  reopen();
  EXPECT_EQ(s(call("GetApi", {{"ApiId", api}})["Name"]), "a");
  EXPECT_EQ(get(api, "/hello").status, 200);
  EXPECT_EQ(get(api, "/other").status, 404);
  call("DeleteApi", {{"ApiId", api}});
  reopen();
  expect_error("GetApi", {{"ApiId", api}}, "NotFoundException");
  EXPECT_EQ(get(api, "/hello").status, 404);
}

TEST_F(HttpApiTest, CorsConfigurationAnswersPreflightsAndAddsHeaders) {
  auto api = quick();
  call("UpdateApi",
       {{"ApiId", api},
        {"CorsConfiguration", json::object{{"AllowOrigins", json::array{"https://app.example"}},
                                           {"AllowMethods", json::array{"GET", "POST"}},
                                           {"AllowHeaders", json::array{"content-type"}},
                                           {"ExposeHeaders", json::array{"x-total"}},
                                           {"AllowCredentials", true},
                                           {"MaxAge", 300}}}});
  auto pre = get(api, "/x", "OPTIONS", "", UserApi::kExecuteApi,
                 {{"origin", "https://app.example"},
                  {"access-control-request-method", "POST"},
                  {"access-control-request-headers", "Content-Type"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "https://app.example");
  EXPECT_EQ(pre.header("access-control-allow-methods"), "GET,POST");
  EXPECT_EQ(pre.header("access-control-allow-headers"), "content-type");
  EXPECT_EQ(pre.header("access-control-max-age"), "300");
  EXPECT_EQ(pre.header("access-control-allow-credentials"), "true");
  EXPECT_TRUE(fn.calls.empty());  // the gateway answered, not the function
  // A requested header the configuration does not allow: no Allow headers.
  auto unlisted = get(api, "/x", "OPTIONS", "", UserApi::kExecuteApi,
                      {{"origin", "https://app.example"},
                       {"access-control-request-method", "GET"},
                       {"access-control-request-headers", "content-type, x-secret"}});
  EXPECT_EQ(unlisted.status, 204);
  EXPECT_EQ(unlisted.header("access-control-allow-origin"), "");
  EXPECT_TRUE(fn.calls.empty());
  auto other = get(api, "/x", "OPTIONS", "", UserApi::kExecuteApi,
                   {{"origin", "https://evil.example"}, {"access-control-request-method", "POST"}});
  EXPECT_EQ(other.header("access-control-allow-origin"), "");
  auto plain = get(api, "/x", "GET", "", UserApi::kExecuteApi, {{"origin", "https://app.example"}});
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.header("access-control-allow-origin"), "https://app.example");
  EXPECT_EQ(plain.header("access-control-allow-credentials"), "true");
  EXPECT_EQ(plain.header("access-control-expose-headers"), "x-total");
}

TEST_F(HttpApiTest, FunctionUrlsInvokeWithFormat2) {
  fn.urls["u1"] = {"f:live", "NONE", json::object{{"AllowOrigins", json::array{"*"}}}};
  fn.urls["u2"] = {"f", "AWS_IAM", {}};
  auto r = get("u1", "/path?a=b", "POST", "{}", UserApi::kFunctionUrl, {{"origin", "http://x"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.header("access-control-allow-origin"), "*");
  EXPECT_FALSE(r.header("x-amzn-requestid").empty());
  EXPECT_EQ(fn.calls.back().function, "f:live");
  auto e = last_event();
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["rawPath"], "/path");
  EXPECT_EQ(e["requestContext"].at("apiId"), "u1");
  EXPECT_EQ(e["requestContext"].at("accountId"), "anonymous");
  EXPECT_EQ(get("u2", "/", "GET", "", UserApi::kFunctionUrl).status, 403);
  EXPECT_EQ(get("nope", "/", "GET", "", UserApi::kFunctionUrl).status, 404);
  fn.error = true;
  EXPECT_EQ(get("u1", "/", "GET", "", UserApi::kFunctionUrl).status, 502);
}

TEST_F(HttpApiTest, ListsPage) {
  for (int i = 0; i < 3; ++i) quick();
  auto first = call("GetApis", {{"MaxResults", "2"}});
  EXPECT_EQ(first["Items"].as_array().size(), 2u);
  auto rest = call("GetApis", {{"NextToken", first["NextToken"]}});
  EXPECT_EQ(rest["Items"].as_array().size(), 1u);
}

TEST_F(HttpApiTest, RouteSettingsThrottleEachRoute) {
  auto api = quick("arn:aws:lambda:us-east-1:000000000000:function:f", "GET /a");
  auto integration =
      s(call("GetRoutes", {{"ApiId", api}})["Items"].as_array()[0].as_object()["Target"]);
  call("CreateRoute", {{"ApiId", api}, {"RouteKey", "GET /b"}, {"Target", integration}});
  call("UpdateStage",
       {{"ApiId", api},
        {"StageName", "$default"},
        {"DefaultRouteSettings",
         json::object{{"ThrottlingBurstLimit", 1}, {"ThrottlingRateLimit", 1.0}}},
        {"RouteSettings", json::object{{"GET /b", json::object{{"ThrottlingBurstLimit", 2},
                                                               {"ThrottlingRateLimit", 0.0}}}}}});
  EXPECT_EQ(get(api, "/a").status, 200);
  auto r = get(api, "/a");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, R"({"message":"Too Many Requests"})");
  EXPECT_EQ(get(api, "/b").status, 200);
  EXPECT_EQ(get(api, "/b").status, 200);
  EXPECT_EQ(get(api, "/b").status, 429);
  size_t calls = fn.calls.size();
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(get(api, "/a").status, 200);
  EXPECT_EQ(get(api, "/b").status, 429);  // rate 0: never refilled
  EXPECT_EQ(fn.calls.size(), calls + 1);  // a refused request calls nothing
}

// Lets through requests whose x-test-auth header is "ok", as an IAM user.
struct OkVerifier final : RequestVerifier {
  Result<Caller> verify(http::Request& request, std::string_view) const override {
    if (request.header("x-test-auth") != "ok") return Error::make("MissingAuthenticationToken", "");
    return Caller{"AKIAUSER", false, "000000000000", "arn:aws:iam::000000000000:user/u", "AIDAU"};
  }
};

TEST_F(HttpApiTest, AwsIamRoutesAndUrlsCarryTheCaller) {
  OkVerifier verifier;
  svc->use_iam(&verifier, nullptr);  // no IAM: the signature alone decides
  auto api = quick("arn:aws:lambda:us-east-1:000000000000:function:f", "GET /a");
  auto route = s(call("GetRoutes", {{"ApiId", api}})["Items"].as_array()[0].as_object()["RouteId"]);
  call("UpdateRoute", {{"ApiId", api}, {"RouteId", route}, {"AuthorizationType", "AWS_IAM"}});
  auto r = get(api, "/a");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Missing Authentication Token"})");
  EXPECT_TRUE(fn.calls.empty());
  EXPECT_EQ(get(api, "/a", "GET", "", UserApi::kExecuteApi, {{"x-test-auth", "ok"}}).status, 200);
  auto iam = last_event()["requestContext"].at("authorizer").at("iam");
  EXPECT_EQ(iam.at("userArn"), "arn:aws:iam::000000000000:user/u");
  EXPECT_EQ(iam.at("accessKey"), "AKIAUSER");

  fn.urls["u"] = {"f", "AWS_IAM", {}};
  EXPECT_EQ(get("u", "/", "GET", "", UserApi::kFunctionUrl).body, R"({"Message":"Forbidden"})");
  EXPECT_EQ(get("u", "/", "GET", "", UserApi::kFunctionUrl, {{"x-test-auth", "ok"}}).status, 200);
  auto ctx = last_event()["requestContext"];
  EXPECT_EQ(ctx.at("accountId"), "000000000000");
  EXPECT_EQ(ctx.at("authorizer").at("iam").at("callerId"), "AIDAU");
}

}  // namespace
}  // namespace nimbus::services::apigateway
