// AWS integrations to services made as their credentials role
// (OperationCalls::call_wire with a CallerRole) through the real SQS and
// InProcessCalls, IAM replaced by a directory that refuses by role name:
// a role that may send sends, one that may not gets SQS's AccessDenied
// (selected by status like any answer, and the default response when no
// pattern matches, as AWS's gateway does), one that cannot be assumed is
// the client's 500 and nothing is sent; an HTTP API subtype the same; no
// enforcement changes nothing.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/aws_service.h"
#include "services/apigateway/test_rest_api.h"
#include "services/in_process.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/null_directory.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

// Roles named ".../untrusted" cannot be assumed, ".../nothing" may do
// nothing; every other role may. Records what it was asked.
struct RoleDirectory final : services::testing::NullDirectory {
  RoleDirectory() { enforce = true; }
  iam::AccessDecision authorize_as_role(const iam::RoleAccessRequest& r) const override {
    asked.push_back(r);
    iam::AccessDecision d;
    if (r.role_arn.ends_with("/untrusted")) {
      d.allowed = d.assumed = false;
      d.message = "User: " + r.service_principal +
                  " is not authorized to perform: sts:AssumeRole on resource: " + r.role_arn;
    } else if (r.role_arn.ends_with("/nothing")) {
      d.allowed = false;
      d.message = "User: arn:aws:sts::000000000000:assumed-role/nothing/" + r.session_name +
                  " is not authorized to perform: " + r.action;
    }
    return d;
  }
  mutable std::vector<iam::RoleAccessRequest> asked;
};

constexpr std::string_view kRole = "arn:aws:iam::000000000000:role/";

class AwsCredentialsTest : public ServiceTest<RestApiService> {
 protected:
  AwsCredentialsTest()
      : ServiceTest({[](Environment& env) { return std::make_unique<sqs::SqsService>(env); },
                     [this](Environment& env) {
                       auto s = std::make_unique<RestApiService>(env, &fn);
                       s->use_calls(calls.get());
                       rest = s.get();
                       return s;
                     },
                     [this](Environment& env) {
                       auto s = std::make_unique<HttpApiService>(env, &fn, rest);
                       s->use_calls(calls.get());
                       return s;
                     }}) {
    calls->use_iam(&directory);
  }

  void SetUp() override {
    ServiceTest::SetUp();
    queue_url = s(other("sqs", "CreateQueue", {{"QueueName", "orders"}})["QueueUrl"]);
  }

  json::object other(const std::string& model, const std::string& op, json::object in) {
    auto out = try_call(service(model), ctx(op), std::move(in));
    EXPECT_TRUE(out) << op << ": " << (out ? "" : out.error().message);
    return out ? *out : json::object{};
  }

  // A REST API whose POST /send sends ?m= to the queue as `role`, its
  // answers selected by `responses`; deployed to "prod". Its id.
  std::string rest_api(const std::string& role, json::array responses) {
    auto api = call("CreateRestApi", {{"name", "svc"}});
    std::string id = s(api["id"]);
    auto res = s(call(
        "CreateResource",
        {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", "send"}})["id"]);
    json::object where{{"restApiId", id}, {"resourceId", res}, {"httpMethod", "POST"}};
    json::object m = where;
    m["authorizationType"] = "NONE";
    call("PutMethod", m);
    json::object integration = where;
    integration["type"] = "AWS";
    integration["integrationHttpMethod"] = "POST";
    integration["uri"] = "arn:aws:apigateway:us-east-1:sqs:action/SendMessage";
    if (!role.empty()) integration["credentials"] = role;
    integration["requestParameters"] = json::object{
        {"integration.request.querystring.QueueUrl", "'" + queue_url + "'"},
        {"integration.request.querystring.MessageBody", "method.request.querystring.m"}};
    call("PutIntegration", integration);
    for (auto& r : responses) {
      json::object ir = r.as_object();
      for (auto& [k, v] : where) ir[k] = v;
      json::object mr = where;
      mr["statusCode"] = ir["statusCode"];
      call("PutMethodResponse", mr);
      call("PutIntegrationResponse", ir);
    }
    call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
    return id;
  }

  http::Response post(const std::string& api, const std::string& target) {
    UserRequest r;
    r.id = api;
    r.path = target.substr(0, target.find('?'));
    r.request.method = "POST";
    r.request.target = target;
    r.request.headers = {{"host", api + ".execute-api.localhost:4566"},
                         {"content-type", "application/json"}};
    r.request.remote = "10.1.2.3:4";
    return user_call(std::move(r));
  }

  size_t received() {
    auto out =
        other("sqs", "ReceiveMessage", {{"QueueUrl", queue_url}, {"MaxNumberOfMessages", 10}});
    const auto* ms = out.if_contains("Messages");
    return ms != nullptr ? ms->as_array().size() : 0;
  }

  NoFunctions fn;
  RoleDirectory directory;
  RestApiService* rest = nullptr;
  std::unique_ptr<InProcessCalls> calls = std::make_unique<InProcessCalls>(services);
  std::string queue_url;
};

json::array with_4xx() {
  return json::array{json::object{{"statusCode", "200"}},
                     json::object{{"statusCode", "403"}, {"selectionPattern", "4\\d{2}"}}};
}

TEST_F(AwsCredentialsTest, ARoleThatMaySendSendsAsTheRole) {
  std::string role = std::string(kRole) + "sender";
  auto r = post(rest_api(role, with_4xx()), "/prod/send?m=hi");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(received(), 1u);
  ASSERT_EQ(directory.asked.size(), 1u);
  const auto& asked = directory.asked[0];
  EXPECT_EQ(asked.role_arn, role);
  EXPECT_EQ(asked.service_principal, "apigateway.amazonaws.com");
  EXPECT_EQ(asked.action, "sqs:SendMessage");
  EXPECT_EQ(asked.resources, std::vector<std::string>{"arn:aws:sqs:us-east-1:000000000000:orders"});
}

TEST_F(AwsCredentialsTest, ARoleThatMayNotGetsSqsAccessDeniedSelectedByStatus) {
  std::string api = rest_api(std::string(kRole) + "nothing", with_4xx());
  auto r = post(api, "/prod/send?m=hi");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("AccessDenied"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("sqs:SendMessage"), std::string::npos) << r.body;
  // Without a pattern for it, SQS's refusal takes the default response:
  // a 200 carrying the error, as AWS's gateway answers.
  std::string plain =
      rest_api(std::string(kRole) + "nothing", json::array{json::object{{"statusCode", "200"}}});
  auto quiet = post(plain, "/prod/send?m=hi");
  EXPECT_EQ(quiet.status, 200);
  EXPECT_NE(quiet.body.find("AccessDenied"), std::string::npos) << quiet.body;
  EXPECT_EQ(received(), 0u);
}

TEST_F(AwsCredentialsTest, ARoleThatCannotBeAssumedIsA500AndSendsNothing) {
  auto r = post(rest_api(std::string(kRole) + "untrusted", with_4xx()), "/prod/send?m=hi");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":"Internal server error"})");
  EXPECT_EQ(received(), 0u);
}

TEST_F(AwsCredentialsTest, NoRoleOrTheCallersOwnOrNoEnforcementIsNotDecided) {
  for (std::string role : {"", "arn:aws:iam::*:user/*"}) {
    auto r = post(rest_api(role, with_4xx()), "/prod/send?m=hi");
    EXPECT_EQ(r.status, 200) << role << r.body;
  }
  EXPECT_TRUE(directory.asked.empty());
  directory.enforce = false;
  auto r = post(rest_api(std::string(kRole) + "untrusted", with_4xx()), "/prod/send?m=hi");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(received(), 3u);
}

TEST_F(AwsCredentialsTest, AnHttpApiSubtypeIsMadeAsItsCredentialsArn) {
  auto api = other("apigatewayv2", "CreateApi", {{"Name", "h"}, {"ProtocolType", "HTTP"}});
  std::string api_id = s(api["ApiId"]);
  auto route = [&](const std::string& name) {
    auto made = other(
        "apigatewayv2", "CreateIntegration",
        {{"ApiId", api_id},
         {"IntegrationType", "AWS_PROXY"},
         {"IntegrationSubtype", "SQS-SendMessage"},
         {"PayloadFormatVersion", "1.0"},
         {"CredentialsArn", std::string(kRole) + name},
         {"RequestParameters", json::object{{"QueueUrl", queue_url}, {"MessageBody", "hi"}}}});
    other("apigatewayv2", "CreateRoute",
          {{"ApiId", api_id},
           {"RouteKey", "POST /" + name},
           {"Target", "integrations/" + s(made["IntegrationId"])}});
  };
  for (const char* name : {"sender", "nothing", "untrusted"}) route(name);
  other("apigatewayv2", "CreateStage",
        {{"ApiId", api_id}, {"StageName", "$default"}, {"AutoDeploy", true}});
  EXPECT_EQ(post(api_id, "/sender").status, 200);
  auto refused = post(api_id, "/nothing");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("AccessDenied"), std::string::npos) << refused.body;
  auto untrusted = post(api_id, "/untrusted");
  EXPECT_EQ(untrusted.status, 500);
  EXPECT_EQ(untrusted.body, R"({"message":"Internal Server Error"})");
  EXPECT_EQ(received(), 1u);
}

}  // namespace
}  // namespace nimbus::services::apigateway
