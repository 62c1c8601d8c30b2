// Lambda integrations' credentials role: a Lambda proxy and a Lambda
// non-proxy integration with a role are decided by
// OperationCalls::authorize_as (a double that refuses two roles), a refused
// role is 500 {"message": "Internal server error"} without invoking, with
// AWS's execution-log reason (a role API Gateway cannot assume, or one
// that may not invoke, as the IAM directory tells); an allowed one invokes
// without a resource-policy source ARN. HTTP APIs' CredentialsArn alike,
// and Lambda authorizers' own roles (authorizerCredentials,
// AuthorizerCredentialsArn).
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/lambda_role.h"
#include "services/apigateway/test_rest_api.h"
#include "services/iam/api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

struct RecordingFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    sources.push_back(call.source_arn);
    if (call.function.ends_with(":auth")) {
      // An authorizer: allowed, as a policy and as a simple response.
      return done(lambda::SyncResult{
          false,
          R"({"principalId":"u","isAuthorized":true,"policyDocument":{"Version":"2012-10-17",)"
          R"("Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}})",
          "$LATEST"});
    }
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
    if (role.ends_with("/denied") || role.ends_with("/untrusted")) {
      return Error::make("AccessDenied", "not allowed", 403);
    }
    return Status::ok();
  }
  mutable std::vector<std::string> asked;
};

// Trusts API Gateway with every role but ".../untrusted".
struct TrustDirectory final : iam::Directory {
  std::shared_ptr<const iam::KeyRecord> find_key(std::string_view) const override {
    return nullptr;
  }
  void assume_role(const iam::AssumeRoleRequest&, iam::Minted) override {}
  void get_session_token(const iam::SessionTokenRequest&, iam::Minted) override {}
  bool trusted_by(std::string_view role, std::string_view principal) const override {
    return principal == "apigateway.amazonaws.com" && !role.ends_with("/untrusted");
  }
  std::optional<iam::OidcProviderInfo> find_oidc_provider(std::string_view) const override {
    return std::nullopt;
  }
  bool enforcing() const override { return true; }
  iam::AccessDecision authorize(const iam::AccessRequest&) const override { return {}; }
  iam::AccessDecision authorize_as_role(const iam::RoleAccessRequest&) const override { return {}; }
};

// What the server logs while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_st>(out_)));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

class CredentialsTest : public ServiceTest<RestApiService> {
 protected:
  CredentialsTest()
      : ServiceTest({[this](Environment& env) {
                       auto s = std::make_unique<RestApiService>(env, &fn);
                       s->use_calls(&calls);
                       s->use_iam(nullptr, &directory);
                       rest = s.get();
                       return s;
                     },
                     [this](Environment& env) {
                       auto s = std::make_unique<HttpApiService>(env, &fn, rest);
                       s->use_calls(&calls);
                       s->use_iam(nullptr, &directory);
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
  http::Response get(const std::string& path) { return user_call(execute_api(id, "GET", path)); }

  RecordingFunctions fn;
  RoleCalls calls;
  TrustDirectory directory;
  RestApiService* rest = nullptr;
  HttpApiService* http_api = nullptr;
  std::string id;
};

TEST_F(CredentialsTest, ARefusedRoleIsA500AndNoInvocation) {
  LogCapture log;
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
  // Assumed, but its policies refuse: AWS's Lambda permission reason.
  EXPECT_NE(log.text().find("Execution failed due to configuration error: Invalid permissions on "
                            "Lambda function"),
            std::string::npos)
      << log.text();
  EXPECT_EQ(log.text().find("assume"), std::string::npos) << log.text();
}

// A role API Gateway cannot assume (missing, or not trusting it): the
// same 500, and the execution log says so rather than blaming the
// function's permissions.
TEST_F(CredentialsTest, ARoleThatCannotBeAssumedIsLoggedAsSuch) {
  LogCapture log;
  make_api("arn:aws:iam::000000000000:role/untrusted");
  for (const char* path : {"/prod/p", "/prod/n"}) {
    auto r = get(path);
    EXPECT_EQ(r.status, 500) << path;
    EXPECT_EQ(r.body, R"({"message":"Internal server error"})") << path;
  }
  EXPECT_TRUE(fn.sources.empty());
  EXPECT_NE(log.text().find("Execution failed due to configuration error: API Gateway does not "
                            "have permission to assume the provided role "
                            "arn:aws:iam::000000000000:role/untrusted"),
            std::string::npos)
      << log.text();
  EXPECT_EQ(log.text().find("Invalid permissions"), std::string::npos) << log.text();
}

TEST(LambdaRoleRefusal, NamesTheRoleOnlyWhenItCannotBeAssumed) {
  TrustDirectory directory;
  EXPECT_EQ(lambda_role_refusal(&directory, "arn:aws:iam::1:role/untrusted"),
            "API Gateway does not have permission to assume the provided role "
            "arn:aws:iam::1:role/untrusted");
  EXPECT_EQ(lambda_role_refusal(&directory, "arn:aws:iam::1:role/nothing"),
            "Invalid permissions on Lambda function");
  EXPECT_EQ(lambda_role_refusal(nullptr, "arn:aws:iam::1:role/untrusted"),
            "Invalid permissions on Lambda function");
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
  LogCapture log;
  for (const char* name : {"allowed", "denied", "untrusted"}) {
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
  EXPECT_NE(log.text().find("Invalid permissions on Lambda function"), std::string::npos);
  refused = get("/untrusted");
  EXPECT_EQ(refused.status, 500);
  EXPECT_EQ(refused.body, R"({"message":"Internal Server Error"})");
  EXPECT_EQ(fn.sources.size(), 1u);
  EXPECT_NE(log.text().find("API Gateway does not have permission to assume the provided role "
                            "arn:aws:iam::000000000000:role/untrusted"),
            std::string::npos)
      << log.text();
}

// A Lambda authorizer's authorizerCredentials role invokes it as an
// integration's does: a refusal is the configuration error (500
// {"message":null}), the integration is not called, and the execution log
// says why.
TEST_F(CredentialsTest, ARestAuthorizerInvokesAsItsCredentialsRole) {
  auto api = call("CreateRestApi", {{"name", "authorizers"}});
  id = s(api["id"]);
  const std::string uri =
      "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
      "arn:aws:lambda:us-east-1:000000000000:function:";
  for (const char* name : {"allowed", "denied", "untrusted", "none"}) {
    json::object in{{"restApiId", id},
                    {"name", name},
                    {"type", "TOKEN"},
                    {"identitySource", "method.request.header.Authorization"},
                    {"authorizerResultTtlInSeconds", 0},
                    {"authorizerUri", uri + "auth/invocations"}};
    if (std::string(name) != "none") {
      in["authorizerCredentials"] = "arn:aws:iam::000000000000:role/" + std::string(name);
    }
    auto authorizer = s(call("CreateAuthorizer", in)["id"]);
    auto res = s(call(
        "CreateResource",
        {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", name}})["id"]);
    call("PutMethod", {{"restApiId", id},
                       {"resourceId", res},
                       {"httpMethod", "GET"},
                       {"authorizationType", "CUSTOM"},
                       {"authorizerId", authorizer}});
    call("PutIntegration", {{"restApiId", id},
                            {"resourceId", res},
                            {"httpMethod", "GET"},
                            {"type", "AWS_PROXY"},
                            {"integrationHttpMethod", "POST"},
                            {"uri", uri + "f/invocations"}});
  }
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  auto get_with_token = [this](const std::string& path) {
    return user_call(execute_api(id, "GET", path, {{"authorization", "t"}}));
  };
  LogCapture log;
  EXPECT_EQ(get_with_token("/prod/allowed").status, 200);
  ASSERT_EQ(fn.sources.size(), 2u);
  EXPECT_EQ(fn.sources[0], "");  // the authorizer, as its role
  EXPECT_EQ(calls.asked.at(0),
            "arn:aws:iam::000000000000:role/allowed apigateway.amazonaws.com lambda:Invoke "
            R"({"FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:auth"})");
  for (const char* path : {"/prod/denied", "/prod/untrusted"}) {
    auto r = get_with_token(path);
    EXPECT_EQ(r.status, 500) << path;
    EXPECT_EQ(r.body, R"({"message":null})") << path;
    EXPECT_EQ(r.header("x-amzn-ErrorType"), "AuthorizerConfigurationException") << path;
  }
  EXPECT_EQ(fn.sources.size(), 2u);  // neither the authorizer nor the integration
  EXPECT_NE(log.text().find("Execution failed due to configuration error: Invalid permissions on "
                            "Lambda function"),
            std::string::npos)
      << log.text();
  EXPECT_NE(log.text().find("API Gateway does not have permission to assume the provided role "
                            "arn:aws:iam::000000000000:role/untrusted"),
            std::string::npos)
      << log.text();
  // Without a role the function's resource policy decides: the
  // authorizer's own execute-api ARN is the source.
  EXPECT_EQ(get_with_token("/prod/none").status, 200);
  ASSERT_EQ(fn.sources.size(), 4u);
  EXPECT_NE(fn.sources[2].find("/authorizers/"), std::string::npos) << fn.sources[2];
  EXPECT_EQ(calls.asked.size(), 3u);
}

TEST_F(CredentialsTest, AnHttpApiAuthorizerInvokesAsItsCredentialsArn) {
  auto v2 = [this](const std::string& op, json::object in) {
    auto out = try_call(*http_api, ctx(op), std::move(in));
    EXPECT_TRUE(out) << op;
    return out ? *out : json::object{};
  };
  id = s(v2("CreateApi", {{"Name", "h"}, {"ProtocolType", "HTTP"}})["ApiId"]);
  auto integration = v2("CreateIntegration",
                        {{"ApiId", id},
                         {"IntegrationType", "AWS_PROXY"},
                         {"PayloadFormatVersion", "2.0"},
                         {"IntegrationUri", "arn:aws:lambda:us-east-1:000000000000:function:f"}});
  for (const char* name : {"allowed", "denied", "untrusted"}) {
    auto authorizer =
        v2("CreateAuthorizer",
           {{"ApiId", id},
            {"Name", name},
            {"AuthorizerType", "REQUEST"},
            {"AuthorizerPayloadFormatVersion", "2.0"},
            {"EnableSimpleResponses", true},
            {"IdentitySource", json::array{"$request.header.Authorization"}},
            {"AuthorizerCredentialsArn", "arn:aws:iam::000000000000:role/" + std::string(name)},
            {"AuthorizerUri",
             "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
             "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"}});
    v2("CreateRoute", {{"ApiId", id},
                       {"RouteKey", "GET /" + std::string(name)},
                       {"AuthorizationType", "CUSTOM"},
                       {"AuthorizerId", s(authorizer["AuthorizerId"])},
                       {"Target", "integrations/" + s(integration["IntegrationId"])}});
  }
  v2("CreateStage", {{"ApiId", id}, {"StageName", "$default"}, {"AutoDeploy", true}});
  LogCapture log;
  auto get_with_token = [this](const std::string& path) {
    return user_call(execute_api(id, "GET", path, {{"authorization", "t"}}));
  };
  EXPECT_EQ(get_with_token("/allowed").status, 200);
  ASSERT_EQ(fn.sources.size(), 2u);
  EXPECT_EQ(fn.sources[0], "");
  for (const char* path : {"/denied", "/untrusted"}) {
    auto r = get_with_token(path);
    EXPECT_EQ(r.status, 500) << path;
    EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})") << path;
  }
  EXPECT_EQ(fn.sources.size(), 2u);
  EXPECT_NE(log.text().find("Invalid permissions on Lambda function"), std::string::npos);
  EXPECT_NE(log.text().find("API Gateway does not have permission to assume the provided role "
                            "arn:aws:iam::000000000000:role/untrusted"),
            std::string::npos)
      << log.text();
}

}  // namespace
}  // namespace nimbus::services::apigateway
