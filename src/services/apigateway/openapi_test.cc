// OpenAPI import: the pure library (openapi.h) on both kinds of document,
// and ImportRestApi / PutRestApi / ImportApi / ReimportApi on the services
// with Lambda replaced by a recording double.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/openapi.h"
#include "services/apigateway/test_rest_api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

constexpr const char* kOpenApiUri =
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:f/invocations";

// What SAM emits for a function with an Api event, plus a MOCK CORS
// preflight, a TOKEN authorizer and an api key requirement.
json::object swagger() {
  return json::parse(R"({
    "swagger": "2.0",
    "info": {"title": "pets", "version": "1.0"},
    "x-amazon-apigateway-binary-media-types": ["image/png"],
    "securityDefinitions": {
      "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
      "Tok": {"type": "apiKey", "name": "Authorization", "in": "header",
              "x-amazon-apigateway-authtype": "custom",
              "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": ")" +
                     std::string(kOpenApiUri) + R"(", "authorizerResultTtlInSeconds": 0}}
    },
    "paths": {
      "/pets/{id}": {
        "get": {
          "parameters": [{"name": "id", "in": "path", "required": true}],
          "security": [{"api_key": []}],
          "responses": {},
          "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                                              "uri": ")" +
                     std::string(kOpenApiUri) + R"("}
        },
        "options": {
          "responses": {"200": {"description": "ok", "headers": {"Access-Control-Allow-Origin": {"type": "string"}}}},
          "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200",
              "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"},
              "responseTemplates": {"application/json": "{}"}}}
          }
        }
      },
      "/secret": {
        "x-amazon-apigateway-any-method": {
          "security": [{"Tok": []}],
          "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                                              "uri": ")" +
                     std::string(kOpenApiUri) + R"("}
        }
      }
    }
  })")
      .as_object();
}

json::object openapi3() {
  return json::parse(R"({
    "openapi": "3.0.1",
    "info": {"title": "items", "version": "1.0"},
    "x-amazon-apigateway-cors": {"allowOrigins": ["*"], "maxAge": 60},
    "tags": [{"name": "httpapi:createdBy", "x-amazon-apigateway-tag-value": "SAM"}, {"name": "plain"}],
    "components": {"securitySchemes": {
      "Lam": {"type": "apiKey", "name": "Authorization", "in": "header",
              "x-amazon-apigateway-authorizer": {"type": "request",
                "identitySource": "$request.header.Authorization",
                "authorizerUri": "arn:aws:lambda:us-east-1:000000000000:function:auth",
                "authorizerPayloadFormatVersion": 2.0, "enableSimpleResponses": true}},
      "Jwt": {"type": "oauth2",
              "x-amazon-apigateway-authorizer": {"type": "jwt",
                "jwtConfiguration": {"issuer": "https://issuer.example", "audience": ["a"]}}}
    }},
    "paths": {
      "/items/{id}": {"get": {
        "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
          "payloadFormatVersion": "2.0",
          "uri": "arn:aws:lambda:us-east-1:000000000000:function:f"}}},
      "/admin": {"post": {"security": [{"Jwt": ["write"]}],
        "x-amazon-apigateway-integration": {"$ref": "#/components/x-amazon-apigateway-integrations/fn"}}},
      "$default": {"x-amazon-apigateway-any-method": {"security": [{"Lam": []}], "isDefaultRoute": true,
        "x-amazon-apigateway-integration": {"$ref": "#/components/x-amazon-apigateway-integrations/fn"}}}
    }
  })")
      .as_object();
}

void add_integrations(json::object& doc) {
  doc["components"].as_object()["x-amazon-apigateway-integrations"] = json::object{
      {"fn", json::object{{"type", "aws_proxy"},
                          {"httpMethod", "POST"},
                          {"payloadFormatVersion", "2.0"},
                          {"uri", "arn:aws:lambda:us-east-1:000000000000:function:f"}}}};
}

const json::object* resource_at(const json::object& resources, const std::string& path) {
  for (const auto& [id, r] : resources) {
    if (r.as_object().at("path") == json::value(path)) return &r.as_object();
  }
  return nullptr;
}

TEST(OpenApiImport, SwaggerBecomesResourcesMethodsIntegrationsAndAuthorizers) {
  auto imported = openapi::import_rest(swagger(), "root");
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->api.at("name"), "pets");
  EXPECT_EQ(imported->api.at("binaryMediaTypes").as_array().size(), 1u);
  const auto& resources = imported->groups.at("resources").as_object();
  ASSERT_EQ(resources.size(), 4u);  // /, /pets, /pets/{id}, /secret
  const auto* pet = resource_at(resources, "/pets/{id}");
  ASSERT_NE(pet, nullptr);
  const auto* pets = resource_at(resources, "/pets");
  ASSERT_NE(pets, nullptr);
  EXPECT_EQ(pet->at("parentId"), pets->at("id"));
  EXPECT_EQ(pets->at("parentId"), "root");
  const auto& get = pet->at("resourceMethods").at("GET").as_object();
  EXPECT_EQ(get.at("apiKeyRequired"), true);
  EXPECT_EQ(get.at("requestParameters").at("method.request.path.id"), true);
  EXPECT_EQ(get.at("methodIntegration").at("type"), "AWS_PROXY");
  EXPECT_EQ(get.at("methodIntegration").at("uri"), kOpenApiUri);
  const auto& options = pet->at("resourceMethods").at("OPTIONS").as_object();
  EXPECT_EQ(options.at("methodIntegration").at("type"), "MOCK");
  EXPECT_EQ(options.at("methodIntegration")
                .at("integrationResponses")
                .at("200")
                .at("responseParameters")
                .at("method.response.header.Access-Control-Allow-Origin"),
            "'*'");
  EXPECT_EQ(options.at("methodResponses")
                .at("200")
                .at("responseParameters")
                .at("method.response.header.Access-Control-Allow-Origin"),
            false);
  const auto* secret = resource_at(resources, "/secret");
  ASSERT_NE(secret, nullptr);
  const auto& any = secret->at("resourceMethods").at("ANY").as_object();
  EXPECT_EQ(any.at("authorizationType"), "CUSTOM");
  const auto& authorizers = imported->groups.at("authorizers").as_object();
  ASSERT_EQ(authorizers.size(), 1u);
  const auto& a = authorizers.begin()->value().as_object();
  EXPECT_EQ(any.at("authorizerId"), a.at("id"));
  EXPECT_EQ(a.at("type"), "TOKEN");
  EXPECT_EQ(a.at("identitySource"), "method.request.header.Authorization");
  EXPECT_EQ(a.at("authorizerResultTtlInSeconds"), 0);
}

TEST(OpenApiImport, OpenApi3BecomesRoutesIntegrationsAuthorizersAndCors) {
  auto doc = openapi3();
  add_integrations(doc);
  auto imported = openapi::import_http(doc);
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->api.at("Name"), "items");
  EXPECT_EQ(imported->api.at("CorsConfiguration").at("MaxAge"), 60);
  EXPECT_EQ(imported->api.at("Tags"), json::parse(R"({"httpapi:createdBy": "SAM"})"));
  const auto& routes = imported->groups.at("routes").as_object();
  const auto& integrations = imported->groups.at("integrations").as_object();
  const auto& authorizers = imported->groups.at("authorizers").as_object();
  ASSERT_EQ(routes.size(), 3u);
  ASSERT_EQ(integrations.size(), 3u);
  ASSERT_EQ(authorizers.size(), 2u);
  std::map<std::string, json::object> by_key;
  for (const auto& [id, r] : routes)
    by_key[std::string(r.at("RouteKey").as_string())] = r.as_object();
  ASSERT_TRUE(by_key.contains("GET /items/{id}"));
  ASSERT_TRUE(by_key.contains("POST /admin"));
  ASSERT_TRUE(by_key.contains("$default"));
  std::string target(by_key["GET /items/{id}"].at("Target").as_string());
  const auto& i = integrations.at(target.substr(13)).as_object();
  EXPECT_EQ(i.at("IntegrationType"), "AWS_PROXY");
  EXPECT_EQ(i.at("PayloadFormatVersion"), "2.0");
  EXPECT_EQ(by_key["POST /admin"].at("AuthorizationType"), "JWT");
  EXPECT_EQ(by_key["POST /admin"].at("AuthorizationScopes").as_array().size(), 1u);
  EXPECT_EQ(by_key["$default"].at("AuthorizationType"), "CUSTOM");
  const auto& lam =
      authorizers.at(std::string(by_key["$default"].at("AuthorizerId").as_string())).as_object();
  EXPECT_EQ(lam.at("AuthorizerType"), "REQUEST");
  EXPECT_EQ(lam.at("AuthorizerPayloadFormatVersion"), "2.0");  // a number in the document
  EXPECT_EQ(lam.at("IdentitySource").as_array().at(0), "$request.header.Authorization");
}

TEST(OpenApiImport, BadDocumentsAreBadRequests) {
  for (const char* text : {"", "[1]", "{\"info\": {}}", "{\"swagger\": \"1.2\", \"paths\": {}}",
                           "{\"openapi\": \"3.0\", \"paths\": []}", "{not json"}) {
    auto doc = openapi::parse(text);
    if (!doc) {
      EXPECT_EQ(doc.error().code, "BadRequestException");
      EXPECT_TRUE(doc.error().message.starts_with("Invalid OpenAPI input."));
      continue;
    }
    auto rest = openapi::import_rest(*doc, "root");
    ASSERT_FALSE(rest) << text;
    EXPECT_EQ(rest.error().message, "Invalid OpenAPI input.");
    EXPECT_FALSE(openapi::import_http(*doc));
  }
  // Structural problems name what is wrong.
  auto doc = swagger();
  doc["paths"].as_object()["/bad"] = json::object{
      {"get", json::object{{"x-amazon-apigateway-integration", json::object{{"type", "nope"}}}}}};
  doc["paths"].as_object()["/pets/{other}"] = json::object{};
  auto rest = openapi::import_rest(doc, "root");
  ASSERT_FALSE(rest);
  EXPECT_EQ(rest.error().code, "BadRequestException");
  EXPECT_NE(rest.error().message.find("Errors found during import:"), std::string::npos);
  EXPECT_NE(rest.error().message.find("Invalid integration type specified: NOPE"),
            std::string::npos);
  EXPECT_NE(rest.error().message.find("only one is allowed"), std::string::npos);
  // An HTTP API route whose key does not parse, or a missing title.
  auto http = openapi3();
  http["paths"].as_object()["items"] = json::object{{"get", json::object{}}};
  http.erase("info");
  auto got = openapi::import_http(http);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("info.title"), std::string::npos);
  EXPECT_NE(got.error().message.find("GET items"), std::string::npos);
}

TEST(OpenApiImport, DeepPathsAndVariableSiblings) {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "/s" + std::to_string(i);
  auto doc = json::parse(R"({"swagger": "2.0", "info": {"title": "t"}, "paths": {}})").as_object();
  doc["paths"].as_object()[deep] = json::object{
      {"get", json::object{{"x-amazon-apigateway-integration", json::object{{"type", "mock"}}}}}};
  auto imported = openapi::import_rest(doc, "root");
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->groups.at("resources").as_object().size(), 1001u);
  doc["paths"].as_object()["/" + std::string(9000, 'a')] = json::object{};
  EXPECT_FALSE(openapi::import_rest(doc, "root"));
  // A merge may not give a {variable} resource a variable sibling.
  auto first = openapi::import_rest(swagger(), "root");
  ASSERT_TRUE(first);
  json::object resources = first->groups.at("resources").as_object();
  auto other = json::parse(R"({"swagger": "2.0", "info": {"title": "t"}, "paths": {
      "/pets/{name}": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}})")
                   .as_object();
  auto second = openapi::import_rest(other, "root");
  ASSERT_TRUE(second);
  auto merged = openapi::merge_rest(resources, second->groups.at("resources").as_object());
  ASSERT_FALSE(merged);
  EXPECT_NE(merged.error().message.find("only one is allowed"), std::string::npos);
}

TEST(OpenApiImport, ParseErrorsNameTheLine) {
  auto bad = openapi::parse("{\n  \"swagger\": \"2.0\",\n  \"paths\": {,}\n}");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "BadRequestException");
  EXPECT_TRUE(bad.error().message.starts_with("Invalid OpenAPI input. (line 3"))
      << bad.error().message;
  EXPECT_FALSE(openapi::parse(std::string(6 * 1024 * 1024 + 1, ' ')));
}

TEST(OpenApiImport, YamlDocumentsParse) {
  auto doc = openapi::parse(
      "openapi: 3.0.1\ninfo:\n  title: y\npaths:\n  /a:\n    get:\n"
      "      x-amazon-apigateway-integration:\n        type: http_proxy\n"
      "        httpMethod: GET\n        uri: http://example.com\n");
  ASSERT_TRUE(doc);
  auto imported = openapi::import_http(*doc);
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->groups.at("routes").as_object().size(), 1u);
}

TEST(OpenApiImport, MergeAddsResourcesAndReplacesNamedMethods) {
  auto first = openapi::import_rest(swagger(), "root");
  ASSERT_TRUE(first);
  json::object resources = first->groups.at("resources").as_object();
  auto doc = json::parse(R"({"swagger": "2.0", "info": {"title": "t"}, "paths": {
      "/pets/{id}": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}},
      "/pets/{id}/toys": {"post": {"x-amazon-apigateway-integration": {"type": "mock"}}}}})")
                 .as_object();
  auto second = openapi::import_rest(doc, "root");
  ASSERT_TRUE(second);
  ASSERT_TRUE(openapi::merge_rest(resources, second->groups.at("resources").as_object()));
  EXPECT_EQ(resources.size(), 5u);
  const auto* pet = resource_at(resources, "/pets/{id}");
  const auto* toys = resource_at(resources, "/pets/{id}/toys");
  ASSERT_NE(toys, nullptr);
  EXPECT_EQ(toys->at("parentId"), pet->at("id"));
  EXPECT_EQ(pet->at("resourceMethods").at("GET").at("methodIntegration").at("type"), "MOCK");
  EXPECT_TRUE(pet->at("resourceMethods").as_object().contains("OPTIONS"));
}

struct OpenApiFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    calls.push_back(call);
    done(lambda::SyncResult{false, R"({"statusCode":200,"body":"from f"})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::vector<lambda::SyncInvoke> calls;
};

class ImportTest : public ServiceTest<RestApiService> {
 protected:
  ImportTest()
      : ServiceTest({[this](Environment& env) {
                       auto s = std::make_unique<RestApiService>(env, &fn);
                       rest = s.get();
                       return s;
                     },
                     [this](Environment& env) {
                       auto s = std::make_unique<HttpApiService>(env, &fn, rest);
                       http_api = s.get();
                       return s;
                     }}) {}

  http::Response get(const std::string& api, const std::string& path,
                     const std::string& method = "GET") {
    return user_call(execute_api(api, method, path, {{"x-api-key", key}}));
  }
  Output v2(const std::string& op, json::object in) { return try_call(*http_api, ctx(op), in); }

  OpenApiFunctions fn;
  RestApiService* rest = nullptr;
  HttpApiService* http_api = nullptr;
  std::string key;
};

TEST_F(ImportTest, ImportedRestApiDeploysAndAnswers) {
  auto api = call("ImportRestApi", {{"body", json::serialize(swagger())}});
  std::string id = s(api["id"]);
  EXPECT_EQ(s(api["name"]), "pets");
  auto resources = call("GetResources", {{"restApiId", id}})["items"].as_array();
  EXPECT_EQ(resources.size(), 4u);
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  EXPECT_EQ(get(id, "/prod/pets/7", "OPTIONS").status, 200);
  // The api key requirement holds: no key, 403.
  EXPECT_EQ(get(id, "/prod/pets/7").status, 403);
  EXPECT_EQ(get(id, "/prod/nothing").status, 403);

  // overwrite replaces the resources; merge adds to them.
  auto doc = json::parse(R"({"swagger": "2.0", "info": {"title": "v2"}, "paths": {
      "/open": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy",
        "httpMethod": "POST", "uri": ")" +
                         std::string(kOpenApiUri) + R"("}}}}})");
  auto put = call("PutRestApi",
                  {{"restApiId", id}, {"mode", "overwrite"}, {"body", json::serialize(doc)}});
  EXPECT_EQ(s(put["name"]), "v2");
  EXPECT_EQ(call("GetResources", {{"restApiId", id}})["items"].as_array().size(), 2u);
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  auto r = get(id, "/prod/open");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "from f");
  call("PutRestApi", {{"restApiId", id}, {"mode", "merge"}, {"body", json::serialize(swagger())}});
  EXPECT_EQ(call("GetResources", {{"restApiId", id}})["items"].as_array().size(), 5u);

  // Bad documents change nothing.
  expect_error("PutRestApi", {{"restApiId", id}, {"body", "{}"}}, "BadRequestException");
  expect_error("PutRestApi",
               {{"restApiId", id}, {"mode", "replace"}, {"body", json::serialize(doc)}},
               "BadRequestException");
  expect_error("ImportRestApi", {{"body", "swagger: [1"}}, "BadRequestException");
  expect_error("PutRestApi", {{"restApiId", "nope"}, {"body", json::serialize(doc)}},
               "NotFoundException");
  EXPECT_EQ(call("GetResources", {{"restApiId", id}})["items"].as_array().size(), 5u);
  // UpdateRestApi patches the API's own members.
  auto patched = call(
      "UpdateRestApi",
      {{"restApiId", id},
       {"patchOperations",
        json::array{
            json::object{{"op", "replace"}, {"path", "/name"}, {"value", "renamed"}},
            json::object{{"op", "add"}, {"path", "/binaryMediaTypes/image~1gif"}},
            json::object{{"op", "remove"}, {"path", "/binaryMediaTypes/image~1png"}},
            json::object{{"op", "replace"}, {"path", "/apiKeySource"}, {"value", "AUTHORIZER"}}}}});
  EXPECT_EQ(s(patched["name"]), "renamed");
  EXPECT_EQ(patched["binaryMediaTypes"], json::parse(R"(["image/gif"])"));
  EXPECT_EQ(s(patched["apiKeySource"]), "AUTHORIZER");
  for (auto bad : {json::object{{"op", "replace"}, {"path", "/apiKeySource"}, {"value", "X"}},
                   json::object{{"op", "remove"}, {"path", "/name"}},
                   json::object{{"op", "replace"}, {"path", "/nope"}, {"value", "1"}}}) {
    expect_error("UpdateRestApi", {{"restApiId", id}, {"patchOperations", json::array{bad}}},
                 "BadRequestException");
  }
  EXPECT_EQ(s(call("GetRestApi", {{"restApiId", id}})["name"]), "renamed");

  // failonwarnings: a method without an integration fails the import.
  auto warn =
      json::parse(R"({"swagger": "2.0", "info": {"title": "w"}, "paths": {"/a": {"get": {}}}})");
  auto ok = call("ImportRestApi", {{"body", json::serialize(warn)}});
  EXPECT_EQ(ok["warnings"].as_array().size(), 1u);
  EXPECT_FALSE(call("GetRestApi", {{"restApiId", s(ok["id"])}}).contains("warnings"));
  expect_error("ImportRestApi", {{"body", json::serialize(warn)}, {"failOnWarnings", true}},
               "BadRequestException");
}

TEST_F(ImportTest, ImportedHttpApiServesAndReimportReplacesRoutes) {
  auto doc = openapi3();
  add_integrations(doc);
  doc["paths"].as_object().erase("$default");
  auto api = v2("ImportApi", {{"Body", json::serialize(doc)}});
  ASSERT_TRUE(api) << api.error().message;
  std::string id = s(api->at("ApiId"));
  EXPECT_EQ(s(api->at("ApiEndpoint")), "http://" + id + ".execute-api.localhost:4566");
  ASSERT_TRUE(v2("CreateStage", {{"ApiId", id}, {"StageName", "$default"}, {"AutoDeploy", true}}));
  auto r = get(id, "/items/3");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "from f");
  EXPECT_EQ(get(id, "/other").status, 404);

  // Reimport: the new document's routes, the stage stays.
  doc["paths"].as_object()["/other"] = doc["paths"].as_object()["/items/{id}"];
  doc["paths"].as_object().erase("/items/{id}");
  ASSERT_TRUE(v2("ReimportApi", {{"ApiId", id}, {"Body", json::serialize(doc)}}));
  EXPECT_EQ(get(id, "/other").status, 200);
  EXPECT_EQ(get(id, "/items/3").status, 404);
  auto routes = v2("GetRoutes", {{"ApiId", id}});
  ASSERT_TRUE(routes);
  EXPECT_EQ(routes->at("Items").as_array().size(), 2u);

  // Bad input: an answer, nothing changed.
  auto bad = v2("ReimportApi", {{"ApiId", id}, {"Body", "{\"openapi\": \"3.0.1\"}"}});
  ASSERT_FALSE(bad);  // no title
  EXPECT_EQ(bad.error().code, "BadRequestException");
  EXPECT_EQ(v2("ImportApi", {{"Body", "nope"}}).error().message, "Invalid OpenAPI input.");
  EXPECT_EQ(v2("ReimportApi", {{"ApiId", "zzz"}, {"Body", json::serialize(doc)}}).error().code,
            "NotFoundException");
  EXPECT_EQ(get(id, "/other").status, 200);
}

}  // namespace
}  // namespace nimbus::services::apigateway
