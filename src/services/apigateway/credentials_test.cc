// REST integrations' credentials role: a Lambda proxy and a Lambda
// non-proxy integration with a role are decided by
// OperationCalls::authorize_as (a double that refuses one role), a refused
// role is 500 {"message": "Internal server error"} without invoking, an
// allowed one invokes without a resource-policy source ARN.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

struct RecordingFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    sources.push_back(call.source_arn);
    done(lambda::SyncResult{false, R"({"statusCode":200,"body":"ok"})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::vector<std::string> sources;
};

// Refuses the role ".../denied"; records what it was asked.
struct RoleCalls final : OperationCalls {
  void call(std::string_view, std::string_view, CallContext, json::object, Respond r) override {
    r(Error::make("InvalidAction", "not here", 400));
  }
  Status authorize_as(const std::string& role, const std::string& principal, std::string_view model,
                      std::string_view operation, const CallContext&,
                      const json::object& input) const override {
    asked.push_back(role + " " + principal + " " + std::string(model) + ":" +
                    std::string(operation) + " " + json::serialize(input));
    if (role.ends_with("/denied")) return Error::make("AccessDenied", "not allowed", 403);
    return Status::ok();
  }
  mutable std::vector<std::string> asked;
};

class CredentialsTest : public ServiceTest<RestApiService> {
 protected:
  CredentialsTest()
      : ServiceTest({[this](Environment& env) {
                       auto s = std::make_unique<RestApiService>(env, &fn);
                       s->use_calls(&calls);
                       rest = s.get();
                       return s;
                     },
                     [this](Environment& env) {
                       auto s = std::make_unique<HttpApiService>(env, &fn, rest);
                       s->use_calls(&calls);
                       http_api = s.get();
                       return s;
                     }}) {}

  // GET /p (AWS_PROXY) and GET /n (AWS, non-proxy), both with `role`.
  void make_api(const std::string& role) {
    auto api = call("CreateRestApi", {{"name", "roles"}});
    id = s(api["id"]);
    for (const char* part : {"p", "n"}) {
      auto res = s(call(
          "CreateResource",
          {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", part}})["id"]);
      call("PutMethod", {{"restApiId", id},
                         {"resourceId", res},
                         {"httpMethod", "GET"},
                         {"authorizationType", "NONE"}});
      call("PutIntegration", {{"restApiId", id},
                              {"resourceId", res},
                              {"httpMethod", "GET"},
                              {"type", std::string(part) == "p" ? "AWS_PROXY" : "AWS"},
                              {"integrationHttpMethod", "POST"},
                              {"credentials", role},
                              {"uri",
                               "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                               "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"}});
      if (std::string(part) == "n") {
        call(
            "PutIntegrationResponse",
            {{"restApiId", id}, {"resourceId", res}, {"httpMethod", "GET"}, {"statusCode", "200"}});
      }
    }
    call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  }
  http::Response get(const std::string& path) {
    UserRequest r;
    r.id = id;
    r.path = path;
    r.request.method = "GET";
    r.request.target = path;
    r.request.headers = {{"host", id + ".execute-api.localhost"}};
    r.request.remote = "10.1.2.3:4";
    return user_call(std::move(r));
  }

  RecordingFunctions fn;
  RoleCalls calls;
  RestApiService* rest = nullptr;
  HttpApiService* http_api = nullptr;
  std::string id;
};

TEST_F(CredentialsTest, ARefusedRoleIsA500AndNoInvocation) {
  make_api("arn:aws:iam::000000000000:role/denied");
  for (const char* path : {"/prod/p", "/prod/n"}) {
    auto r = get(path);
    EXPECT_EQ(r.status, 500) << path;
    EXPECT_EQ(r.body, R"({"message":"Internal server error"})") << path;
  }
  EXPECT_TRUE(fn.sources.empty());
  ASSERT_EQ(calls.asked.size(), 2u);
  EXPECT_EQ(calls.asked[0],
            "arn:aws:iam::000000000000:role/denied apigateway.amazonaws.com lambda:Invoke "
            R"({"FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:f"})");
}

TEST_F(CredentialsTest, AnAllowedRoleInvokesWithoutASourceArn) {
  make_api("arn:aws:iam::000000000000:role/allowed");
  EXPECT_EQ(get("/prod/p").status, 200);
  EXPECT_EQ(get("/prod/n").status, 200);
  ASSERT_EQ(fn.sources.size(), 2u);
  EXPECT_EQ(fn.sources[0], "");
  EXPECT_EQ(fn.sources[1], "");
  EXPECT_EQ(calls.asked.size(), 2u);
}

TEST_F(CredentialsTest, WithoutARoleTheResourcePolicyDecides) {
  make_api("");
  EXPECT_EQ(get("/prod/p").status, 200);
  ASSERT_EQ(fn.sources.size(), 1u);
  EXPECT_TRUE(fn.sources[0].starts_with("arn:aws:execute-api:us-east-1:000000000000:"));
  EXPECT_TRUE(calls.asked.empty());
}

// HTTP APIs: a Lambda proxy integration's CredentialsArn is decided the same way.
TEST_F(CredentialsTest, AnHttpApiLambdaIntegrationInvokesAsItsCredentialsArn) {
  auto v2 = [this](const std::string& op, json::object in) {
    auto out = try_call(*http_api, ctx(op), std::move(in));
    EXPECT_TRUE(out) << op;
    return out ? *out : json::object{};
  };
  id = s(v2("CreateApi", {{"Name", "h"}, {"ProtocolType", "HTTP"}})["ApiId"]);
  for (const char* name : {"allowed", "denied"}) {
    auto integration =
        v2("CreateIntegration",
           {{"ApiId", id},
            {"IntegrationType", "AWS_PROXY"},
            {"PayloadFormatVersion", "2.0"},
            {"CredentialsArn", "arn:aws:iam::000000000000:role/" + std::string(name)},
            {"IntegrationUri", "arn:aws:lambda:us-east-1:000000000000:function:f"}});
    v2("CreateRoute", {{"ApiId", id},
                       {"RouteKey", "GET /" + std::string(name)},
                       {"Target", "integrations/" + s(integration["IntegrationId"])}});
  }
  v2("CreateStage", {{"ApiId", id}, {"StageName", "$default"}, {"AutoDeploy", true}});
  EXPECT_EQ(get("/allowed").status, 200);
  ASSERT_EQ(fn.sources.size(), 1u);
  EXPECT_EQ(fn.sources[0], "");
  auto refused = get("/denied");
  EXPECT_EQ(refused.status, 500);
  EXPECT_EQ(refused.body, R"({"message":"Internal Server Error"})");
  EXPECT_EQ(fn.sources.size(), 1u);
  EXPECT_EQ(calls.asked.size(), 2u);
}

}  // namespace
}  // namespace nimbus::services::apigateway
