// Models and request validators from OpenAPI documents: the pure import
// (openapi.h), model schemas naming each other (models.h), and an imported
// API whose validator answers a bad body with 400, its
// $context.error.validationErrorString in a gateway response; GetExport of
// such an API, imported again.
#include <gtest/gtest.h>

#include "services/apigateway/models.h"
#include "services/apigateway/openapi.h"
#include "services/apigateway/test_rest_api.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

// A Swagger 2 document: Pet names Owner; validators "all" (the API's
// default) and "params" (GET's own); POST's body is a Pet.
constexpr const char* kSwagger = R"({
  "swagger": "2.0", "info": {"title": "pets", "version": "1"},
  "x-amazon-apigateway-request-validators": {
    "all": {"validateRequestBody": true, "validateRequestParameters": true},
    "params": {"validateRequestBody": false, "validateRequestParameters": true}},
  "x-amazon-apigateway-request-validator": "all",
  "x-amazon-apigateway-gateway-responses": {"BAD_REQUEST_BODY": {"statusCode": "422",
    "responseTemplates": {"application/json": "{\"why\": \"$context.error.validationErrorString\"}"}}},
  "definitions": {
    "Pet": {"type": "object", "required": ["name"], "description": "a pet",
            "properties": {"name": {"type": "string"}, "owner": {"$ref": "#/definitions/Owner"}}},
    "Owner": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}},
  "paths": {"/pets": {
    "post": {"parameters": [{"in": "body", "name": "pet", "required": true,
                             "schema": {"$ref": "#/definitions/Pet"}}],
             "x-amazon-apigateway-integration": {"type": "mock",
               "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
               "responses": {"default": {"statusCode": "200",
                 "responseTemplates": {"application/json": "{\"ok\": true}"}}}}},
    "get": {"x-amazon-apigateway-request-validator": "params",
            "parameters": [{"in": "query", "name": "owner", "required": true}],
            "x-amazon-apigateway-integration": {"type": "mock",
               "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
               "responses": {"default": {"statusCode": "200"}}}}}}})";

const json::object& method_of(const openapi::Imported& imported, const std::string& path,
                              const std::string& verb) {
  for (const auto& [id, r] : imported.groups.at("resources").as_object()) {
    if (r.at("path").as_string() == path) return r.at("resourceMethods").at(verb).as_object();
  }
  static const json::object kNone;
  ADD_FAILURE() << "no resource " << path;
  return kNone;
}

TEST(OpenApiModels, SwaggerDefinitionsAndValidators) {
  auto imported = openapi::import_rest(json::parse(kSwagger).as_object(), "root", "api1");
  ASSERT_TRUE(imported) << imported.error().message;
  const auto& models = imported->groups.at("models").as_object();
  ASSERT_EQ(models.size(), 2u);
  const auto& pet = models.at("Pet").as_object();
  EXPECT_EQ(pet.at("contentType").as_string(), "application/json");
  EXPECT_EQ(pet.at("description").as_string(), "a pet");
  // The reference to Owner is the model's URL, as AWS writes it.
  auto schema = json::parse(pet.at("schema").as_string());
  EXPECT_EQ(schema.at("properties").at("owner").at("$ref").as_string(),
            "https://apigateway.amazonaws.com/restapis/api1/models/Owner");
  const auto& validators = imported->groups.at("requestValidators").as_object();
  ASSERT_EQ(validators.size(), 2u);
  std::map<std::string, std::string> ids;
  for (const auto& [id, v] : validators) ids[std::string(v.at("name").as_string())] = id;
  EXPECT_TRUE(validators.at(ids["params"]).at("validateRequestParameters").as_bool());
  EXPECT_FALSE(validators.at(ids["params"]).at("validateRequestBody").as_bool());
  const auto& post = method_of(*imported, "/pets", "POST");
  EXPECT_EQ(post.at("requestValidatorId").as_string(), ids["all"]);
  EXPECT_EQ(post.at("requestModels"), (json::object{{"application/json", "Pet"}}));
  const auto& get = method_of(*imported, "/pets", "GET");
  EXPECT_EQ(get.at("requestValidatorId").as_string(), ids["params"]);
  EXPECT_FALSE(get.contains("requestModels"));
}

TEST(OpenApiModels, OpenApi3SchemasAndRequestBodies) {
  auto doc = json::parse(R"({
    "openapi": "3.0.1", "info": {"title": "t"},
    "x-amazon-apigateway-request-validators": {"body": {"validateRequestBody": true}},
    "components": {
      "schemas": {"Item": {"type": "object", "required": ["sku"]}},
      "requestBodies": {"ItemBody": {"content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}},
    "paths": {
      "/items": {"put": {"x-amazon-apigateway-request-validator": "body",
        "requestBody": {"$ref": "#/components/requestBodies/ItemBody"},
        "x-amazon-apigateway-integration": {"type": "mock"}}},
      "/inline": {"post": {"requestBody": {"content": {"text/plain": {"schema": {"type": "string"}},
        "application/xml": {"schema": {"$ref": "#/components/schemas/Item"}}}},
        "x-amazon-apigateway-integration": {"type": "mock"}}}}})")
                 .as_object();
  auto imported = openapi::import_rest(doc, "root", "api1");
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_TRUE(imported->groups.at("models").as_object().contains("Item"));
  const auto& put = method_of(*imported, "/items", "PUT");
  EXPECT_EQ(put.at("requestModels"), (json::object{{"application/json", "Item"}}));
  EXPECT_FALSE(put.at("requestValidatorId").as_string().empty());
  // An inline schema is no model; a reference under any media type is.
  const auto& inline_post = method_of(*imported, "/inline", "POST");
  EXPECT_EQ(inline_post.at("requestModels"), (json::object{{"application/xml", "Item"}}));
  EXPECT_FALSE(inline_post.contains("requestValidatorId"));
}

TEST(OpenApiModels, BadModelsAndValidatorsAreBadRequests) {
  for (const char* text : {
           // A validator no one defined, at the API's level and at a method's.
           R"({"swagger": "2.0", "x-amazon-apigateway-request-validator": "nope", "paths": {}})",
           R"({"swagger": "2.0", "paths": {"/a": {"get": {
               "x-amazon-apigateway-request-validator": "nope"}}}})",
           // A model name that is not alphanumeric, a schema that is not one.
           R"({"swagger": "2.0", "definitions": {"Bad-Name": {"type": "object"}}, "paths": {}})",
           R"({"swagger": "2.0", "definitions": {"Bad": {"type": "pet"}}, "paths": {}})",
           R"({"swagger": "2.0", "definitions": {"Bad": 3}, "paths": {}})",
       }) {
    auto imported = openapi::import_rest(json::parse(text).as_object(), "root", "api1");
    ASSERT_FALSE(imported) << text;
    EXPECT_EQ(imported.error().code, "BadRequestException");
    EXPECT_TRUE(imported.error().message.starts_with("Errors found during import:"))
        << imported.error().message;
  }
}

TEST(Models, SchemasIncludeTheModelsTheyName) {
  json::object models = default_models();
  EXPECT_EQ(models.at("Empty").at("description").as_string(),
            "This is a default empty schema model");
  EXPECT_TRUE(models.at("Error").at("schema").as_string().find("Error Schema") !=
              std::string::npos);
  auto add = [&](const std::string& name, const std::string& schema) {
    models[name] = json::object{{"name", name}, {"schema", schema}};
  };
  std::string owner = model_url("other", "Owner");
  add("Pet", R"({"type": "object", "properties": {"owner": {"$ref": ")" + owner + R"("}}})");
  add("Owner", R"({"type": "object", "required": ["id"],
                   "properties": {"pets": {"type": "array", "items": {"$ref": ")" +
                   model_url("other", "Pet") + R"("}}}})");
  add("Lost", R"({"$ref": ")" + model_url("x", "Nobody") + R"("})");
  auto pet = model_schema(models, "Pet");
  ASSERT_TRUE(pet) << pet.error().message;
  EXPECT_FALSE(pet->validate(json::parse(R"({"owner": {"id": 1}})")));
  EXPECT_EQ(pet->validate(json::parse(R"({"owner": {"pets": []}})")),
            R"(object has missing required properties (["id"]))");
  // The cycle Pet -> Owner -> Pet is followed once.
  EXPECT_TRUE(pet->validate(json::parse(R"({"owner": {"id": 1, "pets": [{"owner": 3}]}})")));
  auto empty = model_schema(models, "Empty");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->validate(json::parse("[]")));
  auto lost = model_schema(models, "Lost");
  ASSERT_TRUE(lost);
  EXPECT_TRUE(lost->validate(json::parse("{}")));
  EXPECT_FALSE(model_schema(models, "Nobody"));
}

class ImportedValidationTest : public RestApiFixture<NoFunctions> {
 protected:
  http::Response send(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    auto r = execute_api(id, method, target, {{"content-type", "application/json"}});
    r.request.body = body;
    return user_call(std::move(r));
  }
  std::vector<std::string> model_names() {
    std::vector<std::string> names;
    auto models = call("GetModels", {{"restApiId", id}});
    for (const auto& m : models["items"].as_array()) names.emplace_back(m.at("name").as_string());
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string id;
};

TEST_F(ImportedValidationTest, NewApisHaveEmptyAndErrorModels) {
  id = s(call("CreateRestApi", {{"name", "plain"}})["id"]);
  EXPECT_EQ(model_names(), (std::vector<std::string>{"Empty", "Error"}));
  auto empty = call("GetModel", {{"restApiId", id}, {"modelName", "Empty"}});
  EXPECT_EQ(s(empty["contentType"]), "application/json");
  EXPECT_EQ(s(empty["description"]), "This is a default empty schema model");
}

TEST_F(ImportedValidationTest, ImportedValidatorRefusesBadBodies) {
  id = s(call("ImportRestApi", {{"body", kSwagger}})["id"]);
  EXPECT_EQ(model_names(), (std::vector<std::string>{"Empty", "Error", "Owner", "Pet"}));
  EXPECT_EQ(call("GetRequestValidators", {{"restApiId", id}})["items"].as_array().size(), 2u);
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  auto ok = send("POST", "/prod/pets", R"({"name": "rex", "owner": {"id": 7}})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"ok": true})");
  // The API's BAD_REQUEST_BODY response shows the validator's words.
  auto bad = send("POST", "/prod/pets", R"({"owner": {"id": 7}})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body, R"({"why": "[object has missing required properties ([\"name\"])]"})");
  // Owner, included from its own model.
  bad = send("POST", "/prod/pets", R"({"name": "rex", "owner": {"id": "seven"}})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("instance type (string) does not match"), std::string::npos) << bad.body;
  // GET's own validator checks parameters only.
  EXPECT_EQ(send("GET", "/prod/pets?owner=me").status, 200);
  auto missing = send("GET", "/prod/pets");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body, R"({"message":"Missing required request parameters: [owner]"})");
  // PutRestApi overwrite: the document's models and validators, and the defaults.
  call("PutRestApi",
       {{"restApiId", id}, {"mode", "overwrite"}, {"body", R"({"swagger": "2.0", "paths": {},
                        "definitions": {"Thing": {"type": "object"}}})"}});
  EXPECT_EQ(model_names(), (std::vector<std::string>{"Empty", "Error", "Thing"}));
  EXPECT_EQ(call("GetRequestValidators", {{"restApiId", id}})["items"].as_array().size(), 0u);
  // Merge: joined.
  call("PutRestApi", {{"restApiId", id}, {"mode", "merge"}, {"body", kSwagger}});
  EXPECT_EQ(model_names(), (std::vector<std::string>{"Empty", "Error", "Owner", "Pet", "Thing"}));
  EXPECT_EQ(call("GetRequestValidators", {{"restApiId", id}})["items"].as_array().size(), 2u);
}

// GetExport: the stage's deployment as Swagger or OpenAPI 3, its
// extensions on request, importable again with the same behaviour.
TEST_F(ImportedValidationTest, ExportsImportAgain) {
  id = s(call("ImportRestApi", {{"body", kSwagger}})["id"]);
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  auto out = call("GetExport", {{"restApiId", id},
                                {"stageName", "prod"},
                                {"exportType", "swagger"},
                                {"parameters", json::object{{"extensions", "apigateway"}}}});
  EXPECT_EQ(s(out["contentType"]), "application/json");
  auto doc = json::parse(s(out["body"])).as_object();
  EXPECT_EQ(doc.at("swagger"), "2.0");
  EXPECT_EQ(doc.at("basePath"), "/prod");
  EXPECT_EQ(doc.at("info").at("title"), "pets");
  const auto& post = doc.at("paths").at("/pets").at("post").as_object();
  EXPECT_EQ(post.at("x-amazon-apigateway-request-validator"), "all");
  EXPECT_EQ(post.at("x-amazon-apigateway-integration").at("type"), "mock");
  EXPECT_EQ(post.at("parameters").at(0).at("schema").at("$ref"), "#/definitions/Pet");
  EXPECT_EQ(doc.at("definitions").at("Pet").at("properties").at("owner").at("$ref"),
            "#/definitions/Owner");
  EXPECT_TRUE(doc.at("x-amazon-apigateway-request-validators").as_object().contains("params"));
  EXPECT_TRUE(
      doc.at("x-amazon-apigateway-gateway-responses").as_object().contains("BAD_REQUEST_BODY"));
  // Imported again, it validates as the original does.
  id = s(call("ImportRestApi", {{"body", s(out["body"])}})["id"]);
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  EXPECT_EQ(send("POST", "/prod/pets", R"({"name": "rex"})").status, 200);
  EXPECT_EQ(send("POST", "/prod/pets", R"({"owner": {"id": "x"}})").status, 422);
  EXPECT_EQ(send("GET", "/prod/pets").status, 400);
  // OpenAPI 3 without extensions: no integrations; YAML when asked.
  out = call("GetExport", {{"restApiId", id},
                           {"stageName", "prod"},
                           {"exportType", "oas30"},
                           {"accepts", "application/yaml"}});
  EXPECT_EQ(s(out["contentType"]), "application/yaml");
  EXPECT_EQ(s(out["contentDisposition"]), "attachment; filename=\"oas30_prod.yaml\"");
  // Block YAML after a document marker, the same document as the JSON export.
  std::string yaml = s(out["body"]);
  EXPECT_TRUE(yaml.starts_with("---\nopenapi: \"3.0.1\"\n")) << yaml;
  EXPECT_FALSE(yaml.starts_with("---\n{")) << yaml;
  auto parsed = openapi::parse(yaml);
  ASSERT_TRUE(parsed) << yaml;
  doc = *parsed;
  auto as_json =
      call("GetExport", {{"restApiId", id}, {"stageName", "prod"}, {"exportType", "oas30"}});
  EXPECT_EQ(json::value(doc), json::parse(s(as_json["body"])));
  EXPECT_EQ(doc.at("openapi"), "3.0.1");
  const auto& post3 = doc.at("paths").at("/pets").at("post").as_object();
  EXPECT_FALSE(post3.contains("x-amazon-apigateway-integration"));
  EXPECT_EQ(post3.at("requestBody").at("content").at("application/json").at("schema").at("$ref"),
            "#/components/schemas/Pet");
  EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains("Owner"));
  // Swagger as YAML with its extensions, imported again, validates as the original.
  out = call("GetExport", {{"restApiId", id},
                           {"stageName", "prod"},
                           {"exportType", "swagger"},
                           {"accepts", "application/yaml"},
                           {"parameters", json::object{{"extensions", "apigateway"}}}});
  EXPECT_TRUE(s(out["body"]).starts_with("---\nswagger: \"2.0\"\n")) << s(out["body"]);
  id = s(call("ImportRestApi", {{"body", s(out["body"])}})["id"]);
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  EXPECT_EQ(send("POST", "/prod/pets", R"({"name": "rex"})").status, 200);
  EXPECT_EQ(send("POST", "/prod/pets", R"({"owner": {"id": "x"}})").status, 422);
  EXPECT_EQ(
      error_code("GetExport", {{"restApiId", id}, {"stageName", "nope"}, {"exportType", "oas30"}}),
      "NotFoundException");
  EXPECT_EQ(
      error_code("GetExport", {{"restApiId", id}, {"stageName", "prod"}, {"exportType", "raml"}}),
      "BadRequestException");
}

}  // namespace
}  // namespace nimbus::services::apigateway
