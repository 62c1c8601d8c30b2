// ExportApi: an HTTP API as OpenAPI 3.0 (JSON and YAML, with and without
// the x-amazon-apigateway-* extensions, the latest configuration or a
// stage's deployment) that ImportApi reads back into the same routes,
// integrations and authorizers; bad input refused.
#include <gtest/gtest.h>

#include <set>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/openapi.h"
#include "services/apigateway/test_rest_api.h"
#include "services/apigateway/yaml_text.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

constexpr const char* kDocument = R"({
  "openapi": "3.0.1",
  "info": {"title": "items", "version": "2.1"},
  "x-amazon-apigateway-cors": {"allowOrigins": ["*"], "maxAge": 60},
  "tags": [{"name": "team", "x-amazon-apigateway-tag-value": "web"}],
  "components": {"securitySchemes": {
    "Lam": {"type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "request",
              "identitySource": "$request.header.Authorization",
              "authorizerUri": "arn:aws:lambda:us-east-1:000000000000:function:auth",
              "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true}},
    "Jwt": {"type": "oauth2",
            "x-amazon-apigateway-authorizer": {"type": "jwt",
              "identitySource": "$request.header.Authorization",
              "jwtConfiguration": {"issuer": "https://issuer.example", "audience": ["a"]}}}
  }},
  "paths": {
    "/items/{id}": {"get": {
      "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
        "payloadFormatVersion": "2.0",
        "uri": "arn:aws:lambda:us-east-1:000000000000:function:f"}}},
    "/admin": {"post": {"security": [{"Jwt": ["write"]}],
      "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY",
        "payloadFormatVersion": "1.0", "uri": "http://backend.example/admin"}}},
    "$default": {"x-amazon-apigateway-any-method": {"security": [{"Lam": []}],
      "isDefaultRoute": true,
      "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
        "payloadFormatVersion": "2.0",
        "uri": "arn:aws:lambda:us-east-1:000000000000:function:f"}}}
  }
})";

class ExportApiTest : public ServiceTest<HttpApiService> {
 protected:
  ExportApiTest()
      : ServiceTest({[this](Environment& env) {
          return std::make_unique<HttpApiService>(env, &fn, nullptr);
        }}) {}

  json::object exported(json::object in) {
    in["Specification"] = "OAS30";
    if (!in.contains("OutputType")) in["OutputType"] = "JSON";
    auto out = call("ExportApi", in);
    auto doc = openapi::parse(s(out["body"]));
    EXPECT_TRUE(doc) << s(out["body"]);
    return doc ? *doc : json::object();
  }

  // The API's routes as "KEY -> integration type, authorization".
  std::set<std::string> routes_of(const std::string& api) {
    std::set<std::string> out;
    auto routes = call("GetRoutes", {{"ApiId", api}});
    auto integrations = call("GetIntegrations", {{"ApiId", api}});
    for (const auto& r : routes["Items"].as_array()) {
      const auto& route = r.as_object();
      std::string type;
      for (const auto& i : integrations["Items"].as_array()) {
        if ("integrations/" + s(i.at("IntegrationId")) == s(route.at("Target")))
          type = s(i.at("IntegrationType")) + " " + s(i.at("IntegrationUri"));
      }
      out.insert(s(route.at("RouteKey")) + " -> " + type + ", " + s(route.at("AuthorizationType")));
    }
    return out;
  }

  NoFunctions fn;
};

// Any x-amazon-apigateway-* member but the ANY method (a method, not an
// extension one can leave out).
bool has_extension(const json::value& v) {
  if (v.is_array()) {
    for (const auto& e : v.as_array())
      if (has_extension(e)) return true;
  }
  if (!v.is_object()) return false;
  for (const auto& [k, member] : v.as_object()) {
    if (k != "x-amazon-apigateway-any-method" && k.starts_with("x-amazon-apigateway")) return true;
    if (has_extension(member)) return true;
  }
  return false;
}

TEST_F(ExportApiTest, TheExportImportsAgainAsTheSameApi) {
  std::string id = s(call("ImportApi", {{"Body", kDocument}})["ApiId"]);
  auto doc = exported({{"ApiId", id}});
  EXPECT_EQ(doc.at("openapi"), "3.0.1");
  EXPECT_EQ(doc.at("info").at("title"), "items");
  EXPECT_EQ(doc.at("info").at("version"), "2.1");
  EXPECT_EQ(doc.at("x-amazon-apigateway-importexport-version"), "1.0");
  EXPECT_EQ(doc.at("x-amazon-apigateway-cors").at("maxAge"), 60);
  EXPECT_EQ(s(doc.at("servers").at(0).at("url")),
            "http://" + id + ".execute-api.localhost:4566/{basePath}");
  const auto& item = doc.at("paths").at("/items/{id}").as_object();
  EXPECT_EQ(item.at("parameters").at(0).at("name"), "id");
  EXPECT_EQ(item.at("get").at("x-amazon-apigateway-integration").at("type"), "aws_proxy");
  EXPECT_EQ(item.at("get").at("responses").at("default").at("description"),
            "Default response for GET /items/{id}");
  const auto& fallback = doc.at("paths").at("$default").at("x-amazon-apigateway-any-method");
  EXPECT_EQ(fallback.at("isDefaultRoute"), true);
  EXPECT_EQ(fallback.at("security").at(0).at("Lam"), json::array());
  EXPECT_EQ(doc.at("paths").at("/admin").at("post").at("security").at(0).at("Jwt"),
            json::array{"write"});
  const auto& jwt = doc.at("components").at("securitySchemes").at("Jwt").as_object();
  EXPECT_EQ(jwt.at("type"), "oauth2");
  EXPECT_EQ(jwt.at("x-amazon-apigateway-authorizer").at("jwtConfiguration").at("issuer"),
            "https://issuer.example");
  EXPECT_EQ(doc.at("tags").at(0).at("x-amazon-apigateway-tag-value"), "web");

  // Imported again: the same routes, integrations and authorizations.
  std::string again = s(call("ImportApi", {{"Body", json::serialize(doc)}})["ApiId"]);
  EXPECT_EQ(routes_of(again), routes_of(id));
  EXPECT_EQ(routes_of(id).size(), 3u);
  EXPECT_EQ(call("GetAuthorizers", {{"ApiId", again}})["Items"].as_array().size(), 2u);

  // YAML: the same document.
  EXPECT_EQ(exported({{"ApiId", id}, {"OutputType", "YAML"}}), doc);
  auto yaml =
      call("ExportApi", {{"ApiId", id}, {"Specification", "OAS30"}, {"OutputType", "YAML"}});
  EXPECT_TRUE(s(yaml["body"]).starts_with("openapi: \"3.0.1\"\n")) << s(yaml["body"]);

  // Without extensions: none anywhere, the paths and schemes stay.
  auto plain = exported({{"ApiId", id}, {"IncludeExtensions", false}});
  EXPECT_FALSE(has_extension(plain)) << json::serialize(plain);
  EXPECT_EQ(plain.at("paths").as_object().size(), 3u);
  EXPECT_EQ(plain.at("components").at("securitySchemes").as_object().size(), 2u);
}

TEST_F(ExportApiTest, AStageExportsItsDeployment) {
  std::string id = s(call("ImportApi", {{"Body", kDocument}})["ApiId"]);
  call("CreateStage", {{"ApiId", id}, {"StageName", "prod"}});
  call("CreateDeployment", {{"ApiId", id}, {"StageName", "prod"}});
  call("CreateStage", {{"ApiId", id}, {"StageName", "$default"}, {"AutoDeploy", true}});
  auto integration = call("CreateIntegration", {{"ApiId", id},
                                                {"IntegrationType", "HTTP_PROXY"},
                                                {"IntegrationMethod", "GET"},
                                                {"IntegrationUri", "http://backend.example/"},
                                                {"PayloadFormatVersion", "1.0"}});
  call("CreateRoute", {{"ApiId", id},
                       {"RouteKey", "GET /later"},
                       {"Target", "integrations/" + s(integration["IntegrationId"])}});
  auto prod = exported({{"ApiId", id}, {"StageName", "prod"}});
  EXPECT_FALSE(prod.at("paths").as_object().contains("/later"));
  EXPECT_EQ(prod.at("paths").as_object().size(), 3u);
  EXPECT_EQ(prod.at("servers").at(0).at("variables").at("basePath").at("default"), "prod");
  auto live = exported({{"ApiId", id}, {"StageName", "$default"}});
  EXPECT_TRUE(live.at("paths").as_object().contains("/later"));
  EXPECT_EQ(live.at("servers").at(0).at("variables").at("basePath").at("default"), "");
  EXPECT_TRUE(exported({{"ApiId", id}}).at("paths").as_object().contains("/later"));
}

TEST_F(ExportApiTest, BadInputIsRefused) {
  std::string id = s(call("ImportApi", {{"Body", kDocument}})["ApiId"]);
  json::object in{{"ApiId", id}, {"Specification", "OAS30"}, {"OutputType", "JSON"}};
  auto with = [&](const char* k, json::value v) {
    json::object o = in;
    o[k] = v;
    return o;
  };
  expect_error("ExportApi", with("ApiId", "nope"), "NotFoundException");
  expect_error("ExportApi", with("StageName", "nope"), "NotFoundException");
  expect_error("ExportApi", with("Specification", "SWAGGER"), "BadRequestException");
  expect_error("ExportApi", with("OutputType", "XML"), "BadRequestException");
  expect_error("ExportApi", with("ExportVersion", "2.0"), "BadRequestException");
}

TEST(YamlText, ReadsBackAsTheSameJson) {
  auto v = json::parse(R"({"a": "true", "b": [1, {"c": "x: y", "d": []}, [2, "3"]],
    "200": {"e": null, "f": false, "g": {}}, "h\"i": "line\nbreak", "$default": "-"})");
  auto back = openapi::parse(to_yaml(v));
  ASSERT_TRUE(back) << to_yaml(v);
  EXPECT_EQ(json::value(*back), v) << to_yaml(v);
}

}  // namespace
}  // namespace nimbus::services::apigateway
