// Non-proxy REST integrations: request templates and passthrough, the
// integration response an answer selects, parameters and response
// templates (rest_mapping.h).
#include "services/apigateway/rest_mapping.h"

#include <gtest/gtest.h>

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

class RestMapping : public ::testing::Test {
 protected:
  RestMapping() {
    req.method = "POST";
    req.target = "/dev/pets/7?q=a+b&n=1";
    req.headers = {{"content-type", "application/json"}, {"x-tag", "t1"}, {"accept", "*/*"}};
    req.body = R"~({"name":"rex","tags":["a","b"]})~";
    req.remote = "10.1.2.3:5555";
    p.request = &req;
    p.path = "/pets/7";
    p.raw_path = "/dev/pets/7";
    p.api_id = "abc123";
    p.stage = "dev";
    p.request_id = "rid-1";
    p.resource_path = "/pets/{id}";
    p.path_params = {{"id", "7"}};
    p.stage_variables = {{"table", "Pets"}};
  }
  // The integration compiled as a deployment's plan holds it.
  const json::object& compile(json::object integration) {
    resources = json::object{
        {"r1", json::object{{"resourceMethods",
                             json::object{{"POST", json::object{{"methodIntegration",
                                                                 std::move(integration)}}}}}}}};
    mappings = Mappings();
    mappings.compile(resources);
    return resources.at("r1").at("resourceMethods").at("POST").at("methodIntegration").as_object();
  }
  std::string request_body(const json::object& i) {
    auto out = map_request(mappings, i, p);
    if (auto* r = std::get_if<http::Response>(&out))
      return std::to_string(r->status) + " " + r->body;
    return std::get<std::string>(out);
  }

  http::Request req;
  ProxyRequest p;
  json::object resources;
  Mappings mappings;
};

TEST_F(RestMapping, RequestTemplateBuildsTheEvent) {
  const auto& i = compile(json::object{
      {"type", "AWS"},
      {"requestTemplates",
       json::object{
           {"application/json",
            R"~({"id": "$input.params('id')", "q": "$input.params('q')",)~"
            R"~( "tag": "$input.params('X-Tag')", "name": $input.json('$.name'),)~"
            R"~( "tags": $input.json('$.tags'), "stage": "$context.stage",)~"
            R"~( "table": "$stageVariables.table", "rid": "$context.requestId",)~"
            R"~( "ip": "$context.identity.sourceIp", "path": "$context.resourcePath"})~"}}}});
  auto event = json::parse(request_body(i));
  EXPECT_EQ(event, json::parse(R"~({"id":"7","q":"a b","tag":"t1","name":"rex","tags":["a","b"],)~"
                               R"~("stage":"dev","table":"Pets","rid":"rid-1","ip":"10.1.2.3",)~"
                               R"~("path":"/pets/{id}"})~"));
}

TEST_F(RestMapping, PassthroughBehaviors) {
  json::object i{{"type", "HTTP"}, {"passthroughBehavior", "WHEN_NO_MATCH"}};
  req.headers = {{"content-type", "text/plain"}};
  EXPECT_EQ(request_body(compile(i)), req.body);
  i["requestTemplates"] = json::object{{"application/json", "{\"n\": $input.params('n')}"}};
  EXPECT_EQ(request_body(compile(i)), req.body);  // no template for text/plain: passed through
  req.headers.clear();                            // no Content-Type: application/json's
  EXPECT_EQ(request_body(compile(i)), "{\"n\": 1}");
  req.headers = {{"content-type", "text/plain"}};
  i["passthroughBehavior"] = "WHEN_NO_TEMPLATES";
  EXPECT_EQ(request_body(compile(i)), R"~(415 {"message":"Unsupported Media Type"})~");
  i.erase("requestTemplates");
  EXPECT_EQ(request_body(compile(i)), req.body);
  i["passthroughBehavior"] = "NEVER";
  req.headers = {{"content-type", "text/plain; charset=utf-8"}};
  EXPECT_EQ(request_body(compile(i)), R"~(415 {"message":"Unsupported Media Type"})~");
  // A template that does not parse, or fails, is a 500.
  req.headers.clear();
  i["requestTemplates"] = json::object{{"application/json", "#if($x"}};
  EXPECT_EQ(request_body(compile(i)), R"~(500 {"message":"Internal server error"})~");
  i["requestTemplates"] = json::object{{"application/json", "$util.parseJson('{')"}};
  EXPECT_EQ(request_body(compile(i)), R"~(500 {"message":"Internal server error"})~");
}

TEST_F(RestMapping, ResponsesSelectedByStatusWithParameters) {
  const auto& i = compile(json::object{
      {"type", "HTTP"},
      {"integrationResponses",
       json::object{{"200", json::object{{"statusCode", "200"},
                                         {"responseParameters",
                                          json::object{{"method.response.header.X-Up",
                                                        "integration.response.header.x-up"},
                                                       {"method.response.header.X-Lit", "'yes'"},
                                                       {"method.response.header.X-Name",
                                                        "integration.response.body.name"}}}}},
                    {"404", json::object{{"statusCode", "404"}, {"selectionPattern", "4\\d\\d"}}},
                    {"bad", json::object{{"statusCode", "500"}, {"selectionPattern", "(["}}}}}});
  std::vector<std::pair<std::string, std::string>> headers = {{"x-up", "u"}, {"x-other", "o"}};
  const auto* chosen = select_response(mappings, i, "201");
  auto resp = map_response(mappings, chosen, R"~({"name":"rex"})~", headers, p);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->header("x-up"), "u");
  EXPECT_EQ(resp->header("x-lit"), "yes");
  EXPECT_EQ(resp->header("x-name"), "rex");
  EXPECT_EQ(resp->header("x-other"), "");
  EXPECT_EQ(resp->header("content-type"), "application/json");
  EXPECT_EQ(resp->body, R"~({"name":"rex"})~");
  EXPECT_EQ(map_response(mappings, select_response(mappings, i, "403"), "", {}, p)->status, 404);
  EXPECT_FALSE(map_response(mappings, select_response(mappings, json::object{}, "403"), "", {}, p));
}

TEST_F(RestMapping, LambdaErrorsSelectByErrorMessage) {
  const auto& i = compile(json::object{
      {"type", "AWS"},
      {"integrationResponses",
       json::object{
           {"200", json::object{{"statusCode", "200"},
                                {"responseTemplates",
                                 json::object{{"application/json",
                                               R"~({"greeting": "hi $input.path('$.name')"})~"}}}}},
           {"400",
            json::object{
                {"statusCode", "400"},
                {"selectionPattern", "Bad.*"},
                {"responseTemplates",
                 json::object{
                     {"application/json",
                      R"~(#set($e = $util.parseJson($input.path('$.errorMessage').substring(5))))~"
                      R"~({"error": "$e.why"})~"}}}}},
           {"418",
            json::object{{"statusCode", "418"},
                         {"selectionPattern", "tea"},
                         {"responseTemplates",
                          json::object{{"application/json",
                                        "#set($context.responseOverride.status = 503)"
                                        "#set($context.responseOverride.header.Retry-After = 9)"
                                        "busy"}}}}}}}});
  auto ok = map_response(mappings, select_response(mappings, i, std::nullopt),
                         R"~({"name":"ann"})~", {}, p);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"~({"greeting": "hi ann"})~");
  std::string error = R"~({"errorMessage":"Bad: {\"why\":\"no name\"}","errorType":"Error"})~";
  EXPECT_EQ(lambda_error_message(error), R"~(Bad: {"why":"no name"})~");
  auto bad = map_response(mappings, select_response(mappings, i, lambda_error_message(error)),
                          error, {}, p);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body, R"~({"error": "no name"})~");
  // An error no pattern matches takes the default response, as AWS does.
  EXPECT_EQ(select_response(mappings, i, std::string("Other")),
            select_response(mappings, i, std::nullopt));
  auto tea = map_response(mappings, select_response(mappings, i, std::string("tea")), "{}", {}, p);
  ASSERT_TRUE(tea);
  EXPECT_EQ(tea->status, 503);
  EXPECT_EQ(tea->header("retry-after"), "9");
  EXPECT_EQ(tea->body, "busy");
  EXPECT_EQ(lambda_error_message("not json"), "");
}

}  // namespace
}  // namespace nimbus::services::apigateway
