// REST API request validators and models: the control operations, and the
// data plane's 400s for a missing required parameter and a body that does
// not match its model, with a recording Lambda double.
#include <gtest/gtest.h>

#include <atomic>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/test_rest_api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

struct ValidationFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    ++calls;
    done(lambda::SyncResult{false, R"({"statusCode":200,"body":"ok"})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::atomic<int> calls{0};
};

constexpr const char* kPetSchema = R"({
  "$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
  "required": ["name"],
  "properties": {"name": {"type": "string"}, "price": {"type": "number", "minimum": 0}}})";

class ValidationTest : public RestApiFixture<ValidationFunctions> {
 protected:
  // POST /pets validated by `validator` (body and parameters), with the
  // model Pet for application/json and a required query string `owner`
  // and header `x-tenant`; deployed to "prod".
  void make_api() {
    auto api = call("CreateRestApi", {{"name", "validated"}});
    id = s(api["id"]);
    auto model = call("CreateModel", {{"restApiId", id},
                                      {"name", "Pet"},
                                      {"contentType", "application/json"},
                                      {"schema", kPetSchema}});
    EXPECT_EQ(s(model["name"]), "Pet");
    validator = s(call("CreateRequestValidator", {{"restApiId", id},
                                                  {"name", "all"},
                                                  {"validateRequestBody", true},
                                                  {"validateRequestParameters", true}})["id"]);
    resource = s(call(
        "CreateResource",
        {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", "pets"}})["id"]);
    call("PutMethod",
         {{"restApiId", id},
          {"resourceId", resource},
          {"httpMethod", "POST"},
          {"authorizationType", "NONE"},
          {"requestValidatorId", validator},
          {"requestModels", json::object{{"application/json", "Pet"}}},
          {"requestParameters", json::object{{"method.request.querystring.owner", true},
                                             {"method.request.header.x-tenant", true},
                                             {"method.request.querystring.opt", false}}}});
    call("PutIntegration", {{"restApiId", id},
                            {"resourceId", resource},
                            {"httpMethod", "POST"},
                            {"type", "AWS_PROXY"},
                            {"uri",
                             "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                             "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"}});
    call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  }
  http::Response post(const std::string& target, const std::string& body, bool tenant = true) {
    http::Headers headers{{"content-type", "application/json"}};
    if (tenant) headers.emplace_back("x-tenant", "t1");
    auto r = execute_api(id, "POST", target, std::move(headers));
    r.request.body = body;
    return user_call(std::move(r));
  }

  std::string id, validator, resource;
};

TEST_F(ValidationTest, MissingParametersAndBadBodiesAre400s) {
  make_api();
  EXPECT_EQ(post("/prod/pets?owner=me", R"({"name": "rex", "price": 3})").status, 200);
  EXPECT_EQ(fn.calls, 1);
  auto r = post("/prod/pets", R"({"name": "rex"})", false);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"message":"Missing required request parameters: [owner, x-tenant]"})");
  EXPECT_EQ(r.header("x-amzn-ErrorType"), "BadRequestException");
  r = post("/prod/pets?owner=me", R"({"price": 3})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"message":"Invalid request body"})");
  EXPECT_EQ(r.header("x-amzn-ErrorType"), "BadRequestException");
  EXPECT_EQ(post("/prod/pets?owner=me", R"({"name": "rex", "price": -1})").status, 400);
  EXPECT_EQ(post("/prod/pets?owner=me", "not json").status, 400);
  EXPECT_EQ(fn.calls, 1);
  // Parameters only: the body is not checked.
  call("UpdateRequestValidator",
       {{"restApiId", id},
        {"requestValidatorId", validator},
        {"patchOperations",
         json::array{json::object{
             {"op", "replace"}, {"path", "/validateRequestBody"}, {"value", "false"}}}}});
  EXPECT_EQ(post("/prod/pets?owner=me", R"({"price": 3})").status, 200);
  EXPECT_EQ(post("/prod/pets", R"({"price": 3})").status, 400);
  // The model is read live: a changed schema applies at once.
  call("UpdateRequestValidator",
       {{"restApiId", id},
        {"requestValidatorId", validator},
        {"patchOperations",
         json::array{json::object{
             {"op", "replace"}, {"path", "/validateRequestBody"}, {"value", "true"}}}}});
  call("UpdateModel",
       {{"restApiId", id},
        {"modelName", "Pet"},
        {"patchOperations",
         json::array{json::object{
             {"op", "replace"}, {"path", "/schema"}, {"value", R"({"type": "object"})"}}}}});
  EXPECT_EQ(post("/prod/pets?owner=me", R"({"price": 3})").status, 200);
}

TEST_F(ValidationTest, ControlOperations) {
  make_api();
  auto v = call("GetRequestValidator", {{"restApiId", id}, {"requestValidatorId", validator}});
  EXPECT_EQ(s(v["name"]), "all");
  EXPECT_TRUE(v["validateRequestBody"].as_bool());
  EXPECT_EQ(call("GetRequestValidators", {{"restApiId", id}})["items"].as_array().size(), 1u);
  EXPECT_EQ(error_code("GetRequestValidator", {{"restApiId", id}, {"requestValidatorId", "nope"}}),
            "NotFoundException");
  auto m = call("GetModel", {{"restApiId", id}, {"modelName", "Pet"}});
  EXPECT_EQ(s(m["contentType"]), "application/json");
  EXPECT_EQ(s(m["schema"]), kPetSchema);
  // Pet and the API's default Empty and Error.
  EXPECT_EQ(call("GetModels", {{"restApiId", id}})["items"].as_array().size(), 3u);
  EXPECT_EQ(error_code("CreateModel",
                       {{"restApiId", id}, {"name", "Pet"}, {"contentType", "application/json"}}),
            "ConflictException");
  EXPECT_EQ(error_code("CreateModel", {{"restApiId", id},
                                       {"name", "Bad"},
                                       {"contentType", "application/json"},
                                       {"schema", R"({"type": "pet"})"}}),
            "BadRequestException");
  EXPECT_EQ(
      error_code("CreateModel",
                 {{"restApiId", id}, {"name", "no-dash"}, {"contentType", "application/json"}}),
      "BadRequestException");
  EXPECT_EQ(error_code("DeleteModel", {{"restApiId", id}, {"modelName", "Pet"}}),
            "ConflictException");
  // PutMethod names only validators and models of the API.
  EXPECT_EQ(error_code("PutMethod", {{"restApiId", id},
                                     {"resourceId", resource},
                                     {"httpMethod", "PUT"},
                                     {"authorizationType", "NONE"},
                                     {"requestValidatorId", "nope"}}),
            "BadRequestException");
  EXPECT_EQ(
      error_code("PutMethod", {{"restApiId", id},
                               {"resourceId", resource},
                               {"httpMethod", "PUT"},
                               {"authorizationType", "NONE"},
                               {"requestModels", json::object{{"application/json", "Nope"}}}}),
      "BadRequestException");
  EXPECT_EQ(error_code("GetModel", {{"restApiId", id}, {"modelName", "Nope"}}),
            "NotFoundException");
  call("DeleteMethod", {{"restApiId", id}, {"resourceId", resource}, {"httpMethod", "POST"}});
  call("DeleteModel", {{"restApiId", id}, {"modelName", "Pet"}});
  call("DeleteRequestValidator", {{"restApiId", id}, {"requestValidatorId", validator}});
  EXPECT_EQ(call("GetModels", {{"restApiId", id}})["items"].as_array().size(), 2u);
  EXPECT_EQ(
      error_code("DeleteRequestValidator", {{"restApiId", id}, {"requestValidatorId", validator}}),
      "NotFoundException");
  // Both survive a restart.
  call("CreateModel", {{"restApiId", id}, {"name", "Kept"}, {"contentType", "application/json"}});
  reopen();
  EXPECT_EQ(s(call("GetModel", {{"restApiId", id}, {"modelName", "Kept"}})["name"]), "Kept");
}

// GetModelTemplate: a template rebuilding the model from the body; a list
// of another model's items through #foreach; an unknown model refused.
TEST_F(ValidationTest, ModelTemplates) {
  make_api();
  auto t = call("GetModelTemplate", {{"restApiId", id}, {"modelName", "Pet"}});
  EXPECT_EQ(s(t["value"]),
            "#set($inputRoot = $input.path('$'))\n"
            "{\n"
            "  \"name\" : \"$inputRoot.name\",\n"
            "  \"price\" : $inputRoot.price\n"
            "}\n");
  call("CreateModel", {{"restApiId", id},
                       {"name", "Pets"},
                       {"contentType", "application/json"},
                       {"schema", R"({"type": "array", "items": {"$ref":
          "https://apigateway.amazonaws.com/restapis/)" +
                                      id + R"(/models/Pet"}})"}});
  auto list = s(call("GetModelTemplate", {{"restApiId", id}, {"modelName", "Pets"}})["value"]);
  EXPECT_EQ(list,
            "#set($inputRoot = $input.path('$'))\n"
            "[\n"
            "#foreach($elem in $inputRoot)\n"
            "  {\n"
            "    \"name\" : \"$elem.name\",\n"
            "    \"price\" : $elem.price\n"
            "  }#if($foreach.hasNext),#end\n"
            "#end\n"
            "]\n");
  EXPECT_EQ(error_code("GetModelTemplate", {{"restApiId", id}, {"modelName", "Nope"}}),
            "NotFoundException");
}

}  // namespace
}  // namespace nimbus::services::apigateway
