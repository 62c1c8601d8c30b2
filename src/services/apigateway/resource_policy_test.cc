// REST API resource policies (resource_policy.h): saved as AWS saves them
// (checked, the execute-api:/ shorthand expanded), in effect once
// deployed, and evaluated on NONE methods (an explicit deny by source
// address; an allow-list of addresses), Lambda authorizer methods (AWS's
// two phases) and in-process service callers (Step PolicyFunctions'
// RESOURCE_POLICY). AWS_IAM methods: iam_auth_test.cc.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/resource_policy.h"
#include "services/apigateway/test_rest_api.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

// "auth" allows POST only; other functions are never called (MOCK).
struct PolicyFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    ++auth_calls;
    done(lambda::SyncResult{false, answer, "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  int auth_calls = 0;
  std::string answer =
      R"({"principalId":"u","policyDocument":{"Statement":[{"Action":"execute-api:Invoke",)"
      R"("Effect":"Allow","Resource":"arn:aws:execute-api:*:*:*/prod/POST/*"}]}})";
};

std::string policy(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

constexpr const char* kAllowAll =
    R"({"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"})";

class ResourcePolicyTest : public RestApiFixture<PolicyFunctions> {
 protected:
  // GET /pets (MOCK answering {"ok":true}) with `authorization`; the API's
  // policy `text` ("" none); not deployed.
  void make_api(const std::string& text, const std::string& authorization = "NONE") {
    json::object in{{"name", "guarded"}};
    if (!text.empty()) in["policy"] = text;
    auto api = call("CreateRestApi", in);
    id = s(api["id"]);
    arn = "arn:aws:execute-api:us-east-1:000000000000:" + id + "/prod/GET/pets";
    std::string res = s(call(
        "CreateResource",
        {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", "pets"}})["id"]);
    json::object method{{"restApiId", id},
                        {"resourceId", res},
                        {"httpMethod", "GET"},
                        {"authorizationType", authorization}};
    if (authorization == "CUSTOM") {
      method["authorizerId"] =
          s(call("CreateAuthorizer",
                 {{"restApiId", id},
                  {"name", "a"},
                  {"type", "TOKEN"},
                  {"identitySource", "method.request.header.Authorization"},
                  {"authorizerResultTtlInSeconds", 0},
                  {"authorizerUri",
                   "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                   "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"}})["id"]);
    }
    call("PutMethod", method);
    json::object target{{"restApiId", id}, {"resourceId", res}, {"httpMethod", "GET"}};
    json::object integration = target;
    integration["type"] = "MOCK";
    integration["requestTemplates"] = json::object{{"application/json", R"({"statusCode":200})"}};
    call("PutIntegration", integration);
    json::object response = target;
    response["statusCode"] = "200";
    call("PutMethodResponse", response);
    response["responseTemplates"] = json::object{{"application/json", R"({"ok":true})"}};
    call("PutIntegrationResponse", response);
  }
  void deploy() { call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}}); }
  http::Response get(const std::string& from = "10.1.2.3:4", http::Headers headers = {}) {
    auto r = execute_api(id, "GET", "/prod/pets", std::move(headers));
    r.request.remote = from;
    return user_call(std::move(r));
  }
  std::string denial(const std::string& who, bool explicitly) {
    return R"({"Message":"User: )" + who +
           " is not authorized to perform: execute-api:Invoke on resource: " + arn +
           (explicitly
                ? R"( with an explicit deny in a resource-based policy"})"
                : R"( because no resource-based policy allows the execute-api:Invoke action"})");
  }

  std::string id, arn;
};

TEST_F(ResourcePolicyTest, ExplicitDenyBySourceAddressOnceDeployed) {
  make_api("");
  deploy();
  EXPECT_EQ(get().status, 200);  // no policy: as before
  std::string text = policy(
      std::string(kAllowAll) +
      R"(,{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke",)"
      R"("Resource":"execute-api:/prod/GET/*","Condition":{"IpAddress":{"aws:SourceIp":"10.1.2.0/24"}}})");
  call("UpdateRestApi",
       {{"restApiId", id},
        {"patchOperations",
         json::array{json::object{{"op", "replace"}, {"path", "/policy"}, {"value", text}}}}});
  // Saved with the shorthand expanded to the API's ARN, and shown as AWS
  // shows it: escaped as the inside of a JSON string, which clients
  // unescape (as JSON text within quotes) before parsing.
  std::string shown = s(call("GetRestApi", {{"restApiId", id}})["policy"]);
  EXPECT_TRUE(shown.starts_with(R"({\"Version\":\"2012-10-17\",\"Statement\":[)")) << shown;
  EXPECT_NE(shown.find(R"(\"10.1.2.0\/24\")"), std::string::npos) << shown;
  auto saved = json::parse(json::parse("\"" + shown + "\"").as_string()).as_object();
  const auto& statements = saved["Statement"].as_array();
  EXPECT_EQ(s(statements[0].at("Resource")),
            "arn:aws:execute-api:us-east-1:000000000000:" + id + "/*");
  EXPECT_EQ(s(statements[1].at("Resource")),
            "arn:aws:execute-api:us-east-1:000000000000:" + id + "/prod/GET/*");
  EXPECT_EQ(get().status, 200);  // not in effect before a deployment
  deploy();
  auto r = get();
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, denial("anonymous", true));
  EXPECT_EQ(r.header("x-amzn-errortype"), "AccessDeniedException");
  EXPECT_EQ(get("192.0.2.9:5").status, 200);
}

TEST_F(ResourcePolicyTest, AllowListOfAddresses) {
  make_api(
      policy(R"({"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke",)"
             R"("Resource":"execute-api:/*/GET/pets",)"
             R"("Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","198.51.100.7"]}}})"));
  deploy();
  auto r = get();
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, denial("anonymous", false));
  auto ok = get("192.0.2.200:1");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"ok":true})");
  EXPECT_EQ(get("198.51.100.7:1").status, 200);
  EXPECT_EQ(get("198.51.100.8:1").status, 403);
}

TEST_F(ResourcePolicyTest, VpcEndpointsNeverMatchAndBadPoliciesAreRefused) {
  // "Deny unless from vpce-1a2b3c4d": nothing comes through a VPC endpoint.
  make_api(policy(std::string(kAllowAll) +
                  R"(,{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke",)"
                  R"("Resource":"execute-api:/*","Condition":{"StringNotEquals":)"
                  R"({"aws:SourceVpce":"vpce-1a2b3c4d"}}})"));
  deploy();
  EXPECT_EQ(get().body, denial("anonymous", true));
  for (const char* bad : {"not json", R"({"Statement":[{"Effect":"Allow"}]})",
                          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                          R"("Action":"execute-api:Invoke","Resource":"*"}]})"}) {
    expect_error("CreateRestApi", {{"name", "bad"}, {"policy", bad}}, "BadRequestException");
    expect_error(
        "UpdateRestApi",
        {{"restApiId", id},
         {"patchOperations",
          json::array{json::object{{"op", "replace"}, {"path", "/policy"}, {"value", bad}}}}},
        "BadRequestException");
  }
  // The refused update changed nothing.
  EXPECT_NE(s(call("GetRestApi", {{"restApiId", id}})["policy"]).find("vpce-1a2b3c4d"),
            std::string::npos);
}

// Every answer carrying the API shows its policy escaped (CreateRestApi,
// UpdateRestApi, GetRestApis) escaped; the round trip of the escaping.
TEST_F(ResourcePolicyTest, AnswersShowThePolicyEscaped) {
  json::object in{{"name", "shown"}, {"policy", policy(kAllowAll)}};
  auto created = call("CreateRestApi", in);
  std::string expected =
      shown_rest_policy(policy(R"({"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke",)"
                               R"("Resource":"arn:aws:execute-api:us-east-1:000000000000:)" +
                               s(created["id"]) + R"(/*"})"));
  EXPECT_EQ(s(created["policy"]), expected);
  EXPECT_EQ(s(call("GetRestApis", {})["items"].as_array().at(0).at("policy")), expected);
  auto updated = call(
      "UpdateRestApi",
      {{"restApiId", s(created["id"])},
       {"patchOperations",
        json::array{json::object{{"op", "replace"}, {"path", "/description"}, {"value", "d"}}}}});
  EXPECT_EQ(s(updated["policy"]), expected);
  EXPECT_EQ(shown_rest_policy(R"({"a":"b\\c/d"})"), R"({\"a\":\"b\\\\c\/d\"})");
}

// A Lambda authorizer: the policy's explicit deny refuses before the
// authorizer runs; its allow lets through what the authorizer's policy is
// silent on (AWS's table A).
TEST_F(ResourcePolicyTest, LambdaAuthorizerInTwoPhases) {
  make_api(
      policy(
          std::string(kAllowAll) +
          R"(,{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke",)"
          R"("Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}})"),
      "CUSTOM");
  deploy();
  EXPECT_EQ(get("192.0.2.1:1", {{"authorization", "t"}}).body, denial("anonymous", true));
  EXPECT_EQ(fn.auth_calls, 0);
  // The authorizer allows POST only: silent on GET, which the policy allows.
  EXPECT_EQ(get("10.1.2.3:4", {{"authorization", "t"}}).status, 200);
  EXPECT_EQ(fn.auth_calls, 1);
  fn.answer = R"({"principalId":"u","policyDocument":{"Statement":[{"Action":"execute-api:Invoke",)"
              R"("Effect":"Deny","Resource":"*"}]}})";
  EXPECT_EQ(
      get("10.1.2.3:4", {{"authorization", "t"}}).body,
      R"({"Message":"User is not authorized to access this resource with an explicit deny"})");
}

// Step PolicyFunctions' RESOURCE_POLICY calls as states.amazonaws.com for its
// state machine (aws:SourceArn); other callers are anonymous.
TEST_F(ResourcePolicyTest, ServicePrincipalsWithTheirSourceArn) {
  make_api(policy(
      R"({"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},)"
      R"("Action":"execute-api:Invoke","Resource":"execute-api:/prod/*",)"
      R"("Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:states:us-east-1:000000000000:stateMachine:m"}}})"));
  deploy();
  EXPECT_EQ(get().body, denial("anonymous", false));
  auto from = [&](const std::string& machine) {
    auto r = execute_api(id, "GET", "/prod/pets");
    r.service_principal = "states.amazonaws.com";
    r.source_arn = "arn:aws:states:us-east-1:000000000000:stateMachine:" + machine;
    return user_call(std::move(r));
  };
  EXPECT_EQ(from("m").status, 200);
  EXPECT_EQ(from("other").body, denial("states.amazonaws.com", false));
}

}  // namespace
}  // namespace nimbus::services::apigateway
