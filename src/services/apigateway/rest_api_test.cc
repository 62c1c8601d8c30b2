// REST APIs: the control API and the data plane (AWS_PROXY with a recording
// Lambda double, MOCK), on the shared fixture.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/test_rest_api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

struct RecordingFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    calls.push_back(call);
    done(lambda::SyncResult{error, answer, "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::vector<lambda::SyncInvoke> calls;
  std::string answer = R"({"statusCode":200,"body":"rest ok"})";
  bool error = false;
};

constexpr const char* kUri =
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:f/invocations";

class RestApiTest : public RestApiFixture<RecordingFunctions> {
 protected:
  // An API with /pets/{id} (GET, AWS_PROXY) and /mock (GET, MOCK).
  void make_api() {
    auto api = call("CreateRestApi", {{"name", "r"}});
    id = s(api["id"]);
    std::string root = s(api["rootResourceId"]);
    auto pets = s(call("CreateResource",
                       {{"restApiId", id}, {"parentId", root}, {"pathPart", "pets"}})["id"]);
    auto pet =
        call("CreateResource", {{"restApiId", id}, {"parentId", pets}, {"pathPart", "{id}"}});
    EXPECT_EQ(s(pet["path"]), "/pets/{id}");
    pet_id = s(pet["id"]);
    call("PutMethod", {{"restApiId", id},
                       {"resourceId", pet_id},
                       {"httpMethod", "GET"},
                       {"authorizationType", "NONE"}});
    call("PutIntegration", {{"restApiId", id},
                            {"resourceId", pet_id},
                            {"httpMethod", "GET"},
                            {"type", "AWS_PROXY"},
                            {"integrationHttpMethod", "POST"},
                            {"uri", kUri}});
    auto mock_id = s(call("CreateResource",
                          {{"restApiId", id}, {"parentId", root}, {"pathPart", "mock"}})["id"]);
    call("PutMethod", {{"restApiId", id},
                       {"resourceId", mock_id},
                       {"httpMethod", "GET"},
                       {"authorizationType", "NONE"}});
    call("PutIntegration",
         {{"restApiId", id},
          {"resourceId", mock_id},
          {"httpMethod", "GET"},
          {"type", "MOCK"},
          {"requestTemplates", json::object{{"application/json", R"({"statusCode": 200})"}}}});
    call(
        "PutMethodResponse",
        {{"restApiId", id}, {"resourceId", mock_id}, {"httpMethod", "GET"}, {"statusCode", "200"}});
    call("PutIntegrationResponse",
         {{"restApiId", id},
          {"resourceId", mock_id},
          {"httpMethod", "GET"},
          {"statusCode", "200"},
          {"responseTemplates", json::object{{"application/json", R"({"mocked":true})"}}},
          {"responseParameters", json::object{{"method.response.header.X-Mock", "'yes'"}}}});
  }
  http::Response get(const std::string& path, const std::string& method = "GET") {
    return user_call(execute_api(id, method, path));
  }

  std::string id, pet_id;
};

TEST_F(RestApiTest, DeployedResourcesAnswerAndUnknownOnesAre403) {
  make_api();
  expect_error("CreateStage", {{"restApiId", id}, {"stageName", "prod"}, {"deploymentId", "nope"}},
               "BadRequestException");
  call("CreateDeployment",
       {{"restApiId", id}, {"stageName", "prod"}, {"variables", json::object{{"v", "1"}}}});
  auto r = get("/prod/pets/42?q=a");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "rest ok");
  EXPECT_FALSE(r.header("x-amzn-requestid").empty());
  ASSERT_EQ(fn.calls.size(), 1u);
  EXPECT_EQ(fn.calls[0].function, "arn:aws:lambda:us-east-1:000000000000:function:f");
  auto e = json::parse(fn.calls[0].payload).as_object();
  EXPECT_FALSE(e.contains("version"));
  EXPECT_EQ(e["resource"], "/pets/{id}");
  EXPECT_EQ(e["path"], "/pets/42");
  EXPECT_EQ(e["pathParameters"].at("id"), "42");
  EXPECT_EQ(e["stageVariables"].at("v"), "1");
  EXPECT_EQ(e["queryStringParameters"].at("q"), "a");
  EXPECT_EQ(e["requestContext"].at("resourcePath"), "/pets/{id}");
  EXPECT_EQ(e["requestContext"].at("stage"), "prod");
  EXPECT_EQ(e["requestContext"].at("identity").at("sourceIp"), "10.1.2.3");

  auto missing = get("/prod/toys");
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.body, R"({"message":"Missing Authentication Token"})");
  EXPECT_EQ(get("/prod/pets/42", "POST").status, 403);  // no such method
  EXPECT_EQ(get("/staging/pets/42").status, 403);
  auto m = get("/prod/mock");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.body, R"({"mocked":true})");
  EXPECT_EQ(m.header("x-mock"), "yes");
}

TEST_F(RestApiTest, MalformedFunctionAnswersAre502AndDeploymentsAreSnapshots) {
  make_api();
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  fn.answer = R"({"body":"no status"})";
  auto r = get("/prod/pets/1");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body, R"({"message":"Internal server error"})");
  call("DeleteMethod", {{"restApiId", id}, {"resourceId", pet_id}, {"httpMethod", "GET"}});
  fn.answer = R"({"statusCode":204})";
  EXPECT_EQ(get("/prod/pets/1").status, 204);  // the deployment still has it
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  EXPECT_EQ(get("/prod/pets/1").status, 403);
}

TEST_F(RestApiTest, BadInputAndRestart) {
  expect_error("GetRestApi", {{"restApiId", "nope"}}, "NotFoundException");
  make_api();
  expect_error("CreateDeployment", {{"restApiId", "nope"}}, "NotFoundException");
  expect_error("PutMethod",
               {{"restApiId", id},
                {"resourceId", pet_id},
                {"httpMethod", "GET"},
                {"authorizationType", "NONE"}},
               "ConflictException");
  expect_error("PutMethod",
               {{"restApiId", id},
                {"resourceId", pet_id},
                {"httpMethod", "FETCH"},
                {"authorizationType", "NONE"}},
               "BadRequestException");
  expect_error("CreateResource", {{"restApiId", id}, {"parentId", "nope"}, {"pathPart", "x"}},
               "NotFoundException");
  expect_error("CreateResource", {{"restApiId", id}, {"parentId", pet_id}, {"pathPart", "a{b"}},
               "BadRequestException");
  expect_error("CreateResource", {{"restApiId", id}, {"parentId", pet_id}, {"pathPart", "{id}"}},
               "BadRequestException");  // the name repeats a variable of the path
  EXPECT_EQ(call("GetResources", {{"restApiId", id}})["items"].as_array().size(), 4u);
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  reopen();
  EXPECT_EQ(s(call("GetRestApi", {{"restApiId", id}})["name"]), "r");
  EXPECT_EQ(get("/prod/mock").status, 200);
  call("DeleteRestApi", {{"restApiId", id}});
  EXPECT_EQ(get("/prod/mock").status, 404);
}

// An AWS (Lambda, non-proxy) integration: the request template makes the
// event, the response template reshapes the answer, an error message
// selects a 400; the response control operations.
TEST_F(RestApiTest, LambdaNonProxyMapsWithTemplates) {
  make_api();
  std::map<std::string, json::value> m{{"restApiId", json::value(id)},
                                       {"resourceId", json::value(pet_id)},
                                       {"httpMethod", json::value("GET")}};
  auto with = [&](json::object more) {
    json::object in(m.begin(), m.end());
    for (auto& [k, v] : more) in[k] = v;
    return in;
  };
  call(
      "PutIntegration",
      with(
          {{"type", "AWS"},
           {"integrationHttpMethod", "POST"},
           {"uri", kUri},
           {"requestTemplates",
            json::object{
                {"application/json",
                 R"~({"pet": "$input.params('id')", "q": "$util.escapeJavaScript($input.params('q'))"})~"}}}}));
  call("PutMethodResponse", with({{"statusCode", "200"}}));
  call("PutIntegrationResponse",
       with({{"statusCode", "200"},
             {"responseTemplates",
              json::object{
                  {"application/json", R"~(#set($r = $input.path('$')){"name": "$r.name"})~"}}}}));
  call("PutIntegrationResponse",
       with({{"statusCode", "400"},
             {"selectionPattern", "Invalid.*"},
             {"responseParameters", json::object{{"method.response.header.X-Error", "'yes'"}}},
             {"responseTemplates",
              json::object{
                  {"application/json", R"~({"error": "$input.path('$.errorMessage')"})~"}}}}));
  EXPECT_EQ(s(call("GetIntegrationResponse", with({{"statusCode", "400"}}))["selectionPattern"]),
            "Invalid.*");
  EXPECT_EQ(s(call("GetMethodResponse", with({{"statusCode", "200"}}))["statusCode"]), "200");
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});

  fn.answer = R"({"name":"rex","extra":1})";
  auto ok = get("/prod/pets/42?q=it's");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"name": "rex"})");
  EXPECT_EQ(ok.header("content-type"), "application/json");
  ASSERT_EQ(fn.calls.size(), 1u);
  EXPECT_EQ(fn.calls[0].payload, R"({"pet": "42", "q": "it\'s"})");

  fn.error = true;
  fn.answer = R"({"errorMessage":"Invalid pet","errorType":"Error"})";
  auto bad = get("/prod/pets/0");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"error": "Invalid pet"})");
  EXPECT_EQ(bad.header("x-error"), "yes");
  fn.answer = R"({"errorMessage":"boom","errorType":"Error"})";
  EXPECT_EQ(get("/prod/pets/0").status, 200);  // unmatched: the default response, as AWS

  call("DeleteIntegrationResponse", with({{"statusCode", "200"}}));
  call("DeleteMethodResponse", with({{"statusCode", "200"}}));
  expect_error("GetIntegrationResponse", with({{"statusCode", "200"}}), "NotFoundException");
  expect_error("DeleteMethodResponse", with({{"statusCode", "200"}}), "NotFoundException");
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  auto none = get("/prod/pets/0");  // no default response left
  EXPECT_EQ(none.status, 500);
  EXPECT_EQ(none.body, R"({"message":"Internal server error"})");
  call("DeleteIntegration", with({}));
  expect_error("GetIntegration", with({}), "NotFoundException");
}

}  // namespace
}  // namespace nimbus::services::apigateway
