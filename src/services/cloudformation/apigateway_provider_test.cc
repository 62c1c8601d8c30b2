// The API Gateway resource types: stacks create, update and delete REST and
// HTTP APIs (from OpenAPI bodies and from their parts) through the gateway's
// own operations, and the gateway serves what they made; stack tags on
// the APIs and stages.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/test_stack.h"
#include "services/in_process.h"
#include "services/s3/s3_service.h"

namespace nimbus::services::cloudformation {
namespace {

using testing::StackTest;

class ApiGatewayStackTest : public StackTest {
 protected:
  ApiGatewayStackTest()
      : StackTest({[this](Environment& env) {
                     auto s = std::make_unique<apigateway::RestApiService>(env, nullptr);
                     rest = s.get();
                     return s;
                   },
                   [this](Environment& env) {
                     return std::make_unique<apigateway::HttpApiService>(env, nullptr, rest);
                   },
                   [this](Environment& env) {
                     return std::make_unique<CloudFormationService>(env, calls.get());
                   },
                   build<s3::S3Service>()}) {}
  Service* main_service() override { return services.size() > 2 ? services[2].get() : nullptr; }

  http::Response get(const std::string& api, const std::string& path) {
    UserRequest r;
    r.id = api;
    r.path = path;
    r.request.method = "GET";
    r.request.target = path;
    r.request.headers = {{"host", api + ".execute-api.localhost"}};
    r.request.remote = "10.1.2.3:4";
    return user_call(std::move(r));
  }

  apigateway::RestApiService* rest = nullptr;
};

// A REST API from a body with a MOCK method (the SAM shape: RestApi,
// Deployment with StageName Stage, the Prod stage), a usage plan with a key;
// an HTTP API from a body with its $default stage, and one built from parts.
std::string rest_template(const std::string& deployment, const std::string& extra_path) {
  return R"({"Resources": {
    "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "shop", "Body": {
      "swagger": "2.0", "info": {"title": "ignored", "version": "1"},
      "paths": {"/hello": {"get": {"x-amazon-apigateway-integration": {"type": "mock",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200",
          "responseTemplates": {"application/json": "{\"hi\": 1}"}}}}}})" +
         extra_path + R"(}}}},
    ")" + deployment +
         R"(": {"Type": "AWS::ApiGateway::Deployment",
      "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "Stage"}},
    "Prod": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"},
      "StageName": "Prod", "DeploymentId": {"Ref": ")" +
         deployment + R"("}, "Variables": {"a": "b"}}},
    "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": ["Prod"], "Properties": {
      "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "Prod"}],
      "Throttle": {"BurstLimit": 5, "RateLimit": 10}}},
    "Key": {"Type": "AWS::ApiGateway::ApiKey", "DependsOn": ["Prod"], "Properties": {"Enabled": true,
      "StageKeys": [{"RestApiId": {"Ref": "Api"}, "StageName": "Prod"}]}},
    "PlanKey": {"Type": "AWS::ApiGateway::UsagePlanKey", "Properties": {
      "KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}}},
    "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Body": {
      "openapi": "3.0.1", "info": {"title": "h", "version": "1"},
      "paths": {"/items": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy",
        "payloadFormatVersion": "2.0", "uri": "arn:aws:lambda:us-east-1:000000000000:function:f"}}})" +
         extra_path + R"(}}}},
    "HttpStage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"ApiId": {"Ref": "Http"},
      "StageName": "$default", "AutoDeploy": true}},
    "Parts": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "parts",
      "ProtocolType": "HTTP"}},
    "PartsIntegration": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
      "ApiId": {"Ref": "Parts"}, "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
      "IntegrationUri": "arn:aws:lambda:us-east-1:000000000000:function:f"}},
    "PartsRoute": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Parts"},
      "RouteKey": "POST /x", "Target": {"Fn::Sub": "integrations/${PartsIntegration}"}}}
  },
  "Outputs": {
    "RestId": {"Value": {"Ref": "Api"}}, "Root": {"Value": {"Fn::GetAtt": ["Api", "RootResourceId"]}},
    "HttpId": {"Value": {"Ref": "Http"}}, "Endpoint": {"Value": {"Fn::GetAtt": ["Http", "ApiEndpoint"]}},
    "PartsId": {"Value": {"Ref": "Parts"}}
  }})";
}

constexpr const char* kRestExtra = R"(,
      "/new": {"get": {"x-amazon-apigateway-integration": {"type": "mock",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200"}}}}})";

TEST_F(ApiGatewayStackTest, BodiesAndPartsDeployUpdateAndDelete) {
  call("CreateStack", {{"StackName", "gw"}, {"TemplateBody", rest_template("DeployA", "")}});
  ASSERT_EQ(settled("gw"), "CREATE_COMPLETE") << reasons("gw");
  auto out = outputs("gw");
  std::string rest_id = s(out.at("RestId")), http_id = s(out.at("HttpId"));
  auto api = other("apigateway", "GetRestApi", {{"restApiId", rest_id}});
  ASSERT_TRUE(api);
  EXPECT_EQ(s(api->at("name")), "shop");  // the Name property wins over the body's title
  EXPECT_EQ(s(api->at("rootResourceId")), s(out.at("Root")));
  auto hello = get(rest_id, "/Prod/hello");
  EXPECT_EQ(hello.status, 200);
  EXPECT_EQ(hello.body, "{\"hi\": 1}");
  EXPECT_EQ(get(rest_id, "/Stage/hello").status, 200);
  EXPECT_EQ(s(out.at("Endpoint")), "http://" + http_id + ".execute-api.localhost:4566");
  // The route exists (Lambda is absent here: 500, not 404).
  EXPECT_EQ(get(http_id, "/items").status, 500);
  EXPECT_EQ(get(http_id, "/new").status, 404);
  auto plans = other("apigateway", "GetUsagePlans", {});
  ASSERT_TRUE(plans);
  ASSERT_EQ(plans->at("items").as_array().size(), 1u);
  auto routes = other("apigatewayv2", "GetRoutes", {{"ApiId", s(out.at("PartsId"))}});
  ASSERT_TRUE(routes);
  EXPECT_EQ(routes->at("Items").as_array().size(), 1u);

  // A new body (and, as SAM does, a new deployment id): both APIs serve
  // the new path; the old deployment is gone.
  call("UpdateStack",
       {{"StackName", "gw"}, {"TemplateBody", rest_template("DeployB", kRestExtra)}});
  ASSERT_EQ(settled("gw"), "UPDATE_COMPLETE") << reasons("gw");
  EXPECT_EQ(get(rest_id, "/Prod/new").status, 200);
  EXPECT_EQ(get(rest_id, "/Stage/new").status, 200);
  EXPECT_EQ(get(http_id, "/new").status, 500);
  auto deployments = other("apigateway", "GetDeployments", {{"restApiId", rest_id}});
  ASSERT_TRUE(deployments);
  EXPECT_EQ(deployments->at("items").as_array().size(), 1u);

  call("DeleteStack", {{"StackName", "gw"}});
  EXPECT_EQ(settled("gw"), "ValidationError");  // a deleted stack is not found by name
  EXPECT_FALSE(other("apigateway", "GetRestApi", {{"restApiId", rest_id}}));
  EXPECT_FALSE(other("apigatewayv2", "GetApi", {{"ApiId", http_id}}));
  EXPECT_EQ(other("apigateway", "GetUsagePlans", {})->at("items").as_array().size(), 0u);
}

// Stack tags and the aws:cloudformation:* ones on REST and HTTP APIs and
// their stages (from bodies, which the imports take no tags for, and from
// parts), API keys and usage plans, moved in place by an update.
TEST_F(ApiGatewayStackTest, StackTagsOnApisAndStages) {
  auto tag = [](const char* k, const char* v) { return json::object{{"Key", k}, {"Value", v}}; };
  auto id = s(call("CreateStack", {{"StackName", "tagged"},
                                   {"TemplateBody", rest_template("DeployA", "")},
                                   {"Tags", json::array{tag("team", "ops")}}})
                  .at("StackId"));
  ASSERT_EQ(settled("tagged"), "CREATE_COMPLETE") << reasons("tagged");
  auto out = outputs("tagged");
  std::string rest_id = s(out.at("RestId")), http_id = s(out.at("HttpId"));
  auto tags_of = [&](const std::string& model, const std::string& path) {
    bool v1 = model == "apigateway";
    auto got =
        other(model, "GetTags",
              {{v1 ? "resourceArn" : "ResourceArn", "arn:aws:apigateway:us-east-1::/" + path}});
    return got ? got->at(v1 ? "tags" : "Tags").as_object() : json::object{{"error", "none"}};
  };
  EXPECT_EQ(tags_of("apigateway", "restapis/" + rest_id),
            (json::object{{"team", "ops"},
                          {"aws:cloudformation:stack-name", "tagged"},
                          {"aws:cloudformation:stack-id", id},
                          {"aws:cloudformation:logical-id", "Api"}}));
  EXPECT_EQ(tags_of("apigateway", "restapis/" + rest_id + "/stages/Prod")
                .at("aws:cloudformation:logical-id"),
            "Prod");
  EXPECT_EQ(tags_of("apigatewayv2", "apis/" + http_id).at("aws:cloudformation:logical-id"), "Http");
  EXPECT_EQ(tags_of("apigatewayv2", "apis/" + http_id + "/stages/$default")
                .at("aws:cloudformation:logical-id"),
            "HttpStage");
  EXPECT_EQ(tags_of("apigatewayv2", "apis/" + s(out.at("PartsId"))).at("team"), "ops");
  auto physical = [&](const char* logical) {
    auto r =
        call("DescribeStackResource", {{"StackName", "tagged"}, {"LogicalResourceId", logical}});
    return s(r.at("StackResourceDetail").at("PhysicalResourceId"));
  };
  std::string key = physical("Key"), plan = physical("Plan");
  EXPECT_EQ(tags_of("apigateway", "apikeys/" + key).at("aws:cloudformation:logical-id"), "Key");
  EXPECT_EQ(tags_of("apigateway", "usageplans/" + plan).at("team"), "ops");

  call("UpdateStack", {{"StackName", "tagged"},
                       {"UsePreviousTemplate", true},
                       {"Tags", json::array{tag("team", "sre"), tag("cost", "7")}}});
  ASSERT_EQ(settled("tagged"), "UPDATE_COMPLETE") << reasons("tagged");
  for (const auto& [model, path] :
       {std::pair<std::string, std::string>{"apigateway", "restapis/" + rest_id},
        {"apigateway", "restapis/" + rest_id + "/stages/Prod"},
        {"apigatewayv2", "apis/" + http_id},
        {"apigatewayv2", "apis/" + http_id + "/stages/$default"},
        {"apigatewayv2", "apis/" + s(out.at("PartsId"))},
        {"apigateway", "apikeys/" + key},
        {"apigateway", "usageplans/" + plan}}) {
    auto now = tags_of(model, path);
    EXPECT_EQ(now.at("team"), "sre") << path;
    EXPECT_EQ(now.at("cost"), "7") << path;
    EXPECT_EQ(now.at("aws:cloudformation:stack-name"), "tagged") << path;
  }
  // Retagged, not replaced: the same key and plan.
  EXPECT_EQ(physical("Key"), key);
  EXPECT_EQ(physical("Plan"), plan);
}

TEST_F(ApiGatewayStackTest, BadBodiesFailTheStackWithTheGatewaysWords) {
  call("CreateStack", {{"StackName", "bad"},
                       {"TemplateBody", R"({"Resources": {"Api": {"Type": "AWS::ApiGatewayV2::Api",
          "Properties": {"Body": {"openapi": "3.0.1", "paths": {}}}}}})"}});
  EXPECT_EQ(settled("bad"), "ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("bad").find("info.title"), std::string::npos) << reasons("bad");
  call("CreateStack",
       {{"StackName", "s3"},
        {"TemplateBody", R"({"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi",
          "Properties": {"BodyS3Location": {"Bucket": "b", "Key": "k"}}}}})"}});
  EXPECT_EQ(settled("s3"), "ROLLBACK_COMPLETE");
  EXPECT_NE(reasons("s3").find("Unable to read the API definition at s3://b/k: NoSuchBucket"),
            std::string::npos)
      << reasons("s3");
  EXPECT_EQ(other("apigateway", "GetRestApis", {})->at("items").as_array().size(), 0u);
}

// BodyS3Location: the document (YAML here) read from nimbus's S3, for both
// kinds of API.
TEST_F(ApiGatewayStackTest, BodiesFromS3) {
  auto& s3 = service("s3");
  ASSERT_TRUE(try_call(s3, ctx("CreateBucket"), {{"Bucket", "defs"}}));
  ASSERT_TRUE(try_call(s3, ctx("PutObject"),
                       {{"Bucket", "defs"},
                        {"Key", "rest.yaml"},
                        {"Body",
                         "swagger: '2.0'\ninfo: {title: froms3}\npaths:\n  /m:\n    get:\n"
                         "      x-amazon-apigateway-integration: {type: mock}\n"}}));
  ASSERT_TRUE(try_call(s3, ctx("PutObject"),
                       {{"Bucket", "defs"},
                        {"Key", "http.json"},
                        {"Body", R"({"openapi": "3.0.1", "info": {"title": "h"}, "paths": {
                          "/z": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy",
                            "httpMethod": "GET", "uri": "http://example.com"}}}}})"}}));
  call("CreateStack", {{"StackName", "froms3"}, {"TemplateBody", R"({"Resources": {
    "Rest": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
      "BodyS3Location": {"Bucket": "defs", "Key": "rest.yaml"}}},
    "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
      "BodyS3Location": {"Bucket": "defs", "Key": "http.json"}}}
  }, "Outputs": {"Rest": {"Value": {"Ref": "Rest"}}, "Http": {"Value": {"Ref": "Http"}}}})"}});
  ASSERT_EQ(settled("froms3"), "CREATE_COMPLETE") << reasons("froms3");
  auto out = outputs("froms3");
  auto api = other("apigateway", "GetRestApi", {{"restApiId", s(out.at("Rest"))}});
  ASSERT_TRUE(api);
  EXPECT_EQ(s(api->at("name")), "froms3");
  auto routes = other("apigatewayv2", "GetRoutes", {{"ApiId", s(out.at("Http"))}});
  ASSERT_TRUE(routes);
  ASSERT_EQ(routes->at("Items").as_array().size(), 1u);
  EXPECT_EQ(s(routes->at("Items").at(0).at("RouteKey")), "GET /z");
}

// Resource, Method (with its integration and responses) and Authorizer.
TEST_F(ApiGatewayStackTest, ResourcesAndMethodsFromParts) {
  call("CreateStack", {{"StackName", "parts"}, {"TemplateBody", R"({"Resources": {
    "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "p"}},
    "Res": {"Type": "AWS::ApiGateway::Resource", "Properties": {"RestApiId": {"Ref": "Api"},
      "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "ping"}},
    "Auth": {"Type": "AWS::ApiGateway::Authorizer", "Properties": {"RestApiId": {"Ref": "Api"},
      "Name": "a", "Type": "TOKEN", "IdentitySource": "method.request.header.Authorization",
      "AuthorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:a/invocations"}},
    "Get": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"},
      "ResourceId": {"Ref": "Res"}, "HttpMethod": "GET", "AuthorizationType": "NONE",
      "MethodResponses": [{"StatusCode": 200}],
      "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "IntegrationResponses": [{"StatusCode": 200, "ResponseTemplates": {"application/json": "pong"}}]}}},
    "Dep": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": ["Get"],
      "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "v1"}}
  }, "Outputs": {"Id": {"Value": {"Ref": "Api"}}, "AuthId": {"Value": {"Ref": "Auth"}}}})"}});
  ASSERT_EQ(settled("parts"), "CREATE_COMPLETE") << reasons("parts");
  auto out = outputs("parts");
  std::string id = s(out.at("Id"));
  auto r = get(id, "/v1/ping");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "pong");
  EXPECT_TRUE(other("apigateway", "GetAuthorizer",
                    {{"restApiId", id}, {"authorizerId", s(out.at("AuthId"))}}));
  // Settings of an API without a body are patched in place.
  std::string tmpl = s(call("GetTemplate", {{"StackName", "parts"}})["TemplateBody"]);
  auto replace_all = [](std::string t, const std::string& from, const std::string& to) {
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  call("UpdateStack",
       {{"StackName", "parts"},
        {"TemplateBody", replace_all(tmpl, R"("Name": "p"})",
                                     R"("Name": "p2", "BinaryMediaTypes": ["image/png"]})")}});
  ASSERT_EQ(settled("parts"), "UPDATE_COMPLETE") << reasons("parts");
  auto api = other("apigateway", "GetRestApi", {{"restApiId", id}});
  ASSERT_TRUE(api);
  EXPECT_EQ(s(api->at("name")), "p2");
  EXPECT_EQ(api->at("binaryMediaTypes"), json::parse(R"(["image/png"])"));
  EXPECT_EQ(s(outputs("parts").at("Id")), id);

  call("DeleteStack", {{"StackName", "parts"}});
  EXPECT_EQ(settled("parts"), "ValidationError");
  EXPECT_FALSE(other("apigateway", "GetRestApi", {{"restApiId", id}}));
}

TEST_F(ApiGatewayStackTest, StageMethodSettingsThrottle) {
  call("CreateStack", {{"StackName", "th"}, {"TemplateBody", R"({"Resources": {
    "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "t"}},
    "Res": {"Type": "AWS::ApiGateway::Resource", "Properties": {"RestApiId": {"Ref": "Api"},
      "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "ping"}},
    "Get": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"},
      "ResourceId": {"Ref": "Res"}, "HttpMethod": "GET", "AuthorizationType": "NONE",
      "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "IntegrationResponses": [{"StatusCode": 200}]}}},
    "Dep": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": ["Get"],
      "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "v1",
        "StageDescription": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0}}},
    "Prod": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"},
      "StageName": "Prod", "DeploymentId": {"Ref": "Dep"},
      "MethodSettings": [{"ResourcePath": "/~1ping", "HttpMethod": "GET",
                          "ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0}]}}
  }, "Outputs": {"Id": {"Value": {"Ref": "Api"}}}})"}});
  ASSERT_EQ(settled("th"), "CREATE_COMPLETE") << reasons("th");
  std::string id = s(outputs("th").at("Id"));
  auto stage = other("apigateway", "GetStage", {{"restApiId", id}, {"stageName", "Prod"}});
  ASSERT_TRUE(stage);
  EXPECT_EQ(stage->at("methodSettings").at("~1ping/GET").at("throttlingBurstLimit"), 2);
  EXPECT_EQ(get(id, "/v1/ping").status, 200);
  EXPECT_EQ(get(id, "/v1/ping").status, 429);
  EXPECT_EQ(get(id, "/Prod/ping").status, 200);
  EXPECT_EQ(get(id, "/Prod/ping").status, 200);
  EXPECT_EQ(get(id, "/Prod/ping").status, 429);
}

TEST_F(ApiGatewayStackTest, GatewayResponsesShapeTheDeployedErrors) {
  constexpr const char* kTemplate = R"({"Resources": {
    "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "errors", "Body": {
      "swagger": "2.0", "info": {"title": "errors", "version": "1"},
      "paths": {"/hello": {"get": {"x-amazon-apigateway-integration": {"type": "mock",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200"}}}}}}}}},
    "Missing": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {
      "RestApiId": {"Ref": "Api"}, "ResponseType": "MISSING_AUTHENTICATION_TOKEN",
      "StatusCode": 404,
      "ResponseParameters": {"gatewayresponse.header.x-from": "'stack'"},
      "ResponseTemplates": {"application/json": "{\"missing\": \"$context.path\"}"}}},
    "Deploy": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": ["Missing"],
      "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "Prod"}}
  },
  "Outputs": {"RestId": {"Value": {"Ref": "Api"}}, "Missing": {"Value": {"Ref": "Missing"}}}})";
  call("CreateStack", {{"StackName", "errors"}, {"TemplateBody", kTemplate}});
  ASSERT_EQ(settled("errors"), "CREATE_COMPLETE") << reasons("errors");
  auto out = outputs("errors");
  std::string rest_id = s(out.at("RestId"));
  EXPECT_EQ(s(out.at("Missing")), rest_id + "|MISSING_AUTHENTICATION_TOKEN");
  auto r = get(rest_id, "/Prod/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("x-from"), "stack");
  EXPECT_EQ(r.body, R"({"missing": "/Prod/nope"})");
  call("DeleteStack", {{"StackName", "errors"}});
  settled("errors");
  EXPECT_FALSE(other("apigateway", "GetRestApi", {{"restApiId", rest_id}}));
}

}  // namespace
}  // namespace nimbus::services::cloudformation
