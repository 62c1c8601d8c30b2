#include "services/apigateway/proxy.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

http::Request request() {
  http::Request r;
  r.method = "POST";
  r.target = "/prod/pets/7?a=1&a=2&b=x%20y";
  r.headers = {{"host", "abc.execute-api.localhost"},
               {"user-agent", "curl/8"},
               {"cookie", "c1=v1; c2=v2"},
               {"x-multi", "1"},
               {"x-multi", "2"}};
  r.body = "hello";
  r.remote = "127.0.0.1:5555";
  return r;
}

ProxyRequest proxy(const http::Request& r) {
  ProxyRequest p;
  p.request = &r;
  p.path = "/pets/7";
  p.raw_path = "/prod/pets/7";
  p.api_id = "abc";
  p.stage = "prod";
  p.account_id = "000000000000";
  p.request_id = "rid";
  p.domain_name = "abc.execute-api.localhost";
  p.route_key = "POST /pets/{id}";
  p.resource_path = "/pets/{id}";
  p.path_params = {{"id", "7"}};
  p.time_ms = 1583348638390;
  return p;
}

TEST(ProxyEvent, V2HasAwsShape) {
  auto r = request();
  auto e = json::parse(event_v2(proxy(r))).as_object();
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "POST /pets/{id}");
  EXPECT_EQ(e["rawPath"], "/prod/pets/7");
  EXPECT_EQ(e["rawQueryString"], "a=1&a=2&b=x%20y");
  EXPECT_EQ(e["cookies"], (json::array{"c1=v1", "c2=v2"}));
  EXPECT_FALSE(e["headers"].as_object().contains("cookie"));
  EXPECT_EQ(e["headers"].at("x-multi"), "1,2");
  EXPECT_EQ(e["queryStringParameters"], (json::object{{"a", "1,2"}, {"b", "x y"}}));
  EXPECT_EQ(e["pathParameters"], (json::object{{"id", "7"}}));
  EXPECT_FALSE(e.contains("stageVariables"));
  auto& rc = e["requestContext"].as_object();
  EXPECT_EQ(rc["http"].at("sourceIp"), "127.0.0.1");
  EXPECT_EQ(rc["http"].at("method"), "POST");
  EXPECT_EQ(rc["time"], "04/Mar/2020:19:03:58 +0000");
  EXPECT_EQ(rc["timeEpoch"], 1583348638390);
  EXPECT_EQ(rc["domainPrefix"], "abc");
  EXPECT_EQ(e["body"], "hello");
  EXPECT_EQ(e["isBase64Encoded"], false);
}

TEST(ProxyEvent, V1HasMultiValuesAndNulls) {
  auto r = request();
  r.target = "/prod/pets/7";
  r.body.clear();
  auto p = proxy(r);
  p.http_api = false;
  auto e = json::parse(event_v1(p)).as_object();
  EXPECT_FALSE(e.contains("version"));
  EXPECT_EQ(e["resource"], "/pets/{id}");
  EXPECT_EQ(e["path"], "/pets/7");
  EXPECT_EQ(e["httpMethod"], "POST");
  EXPECT_EQ(e["multiValueHeaders"].at("x-multi"), (json::array{"1", "2"}));
  EXPECT_TRUE(e["queryStringParameters"].is_null());
  EXPECT_TRUE(e["body"].is_null());
  EXPECT_EQ(e["requestContext"].at("path"), "/prod/pets/7");
  EXPECT_EQ(e["requestContext"].at("identity").at("sourceIp"), "127.0.0.1");
}

TEST(ProxyEvent, BinaryBodiesAreBase64) {
  auto r = request();
  r.body = std::string("\x00\xff", 2);
  auto p = proxy(r);
  p.binary_body = true;
  auto e = json::parse(event_v2(p)).as_object();
  EXPECT_EQ(e["body"], "AP8=");
  EXPECT_EQ(e["isBase64Encoded"], true);
  EXPECT_TRUE(is_text_content("application/json; charset=utf-8"));
  EXPECT_FALSE(is_text_content("application/octet-stream"));
}

TEST(ProxyResponse, V2MapsCookiesBase64AndPlainJson) {
  auto r = response_v2(
      R"({"statusCode":201,"headers":{"x-a":"1","x-n":2},"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "hi");
  EXPECT_EQ(r->header("x-n"), "2");
  int cookies = 0;
  for (const auto& [k, v] : r->headers) cookies += k == "Set-Cookie";
  EXPECT_EQ(cookies, 2);
  auto plain = response_v2(R"({"hello":"world"})");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(plain->body, R"({"hello":"world"})");
  EXPECT_EQ(plain->header("content-type"), "application/json");
  EXPECT_FALSE(response_v2("not json"));
  EXPECT_FALSE(response_v2(R"({"statusCode":"abc"})"));
  EXPECT_FALSE(response_v2(R"({"statusCode":200,"body":{"x":1}})"));
}

TEST(ProxyResponse, V1NeedsStatusCodeAndMergesMultiValueHeaders) {
  EXPECT_FALSE(response_v1(R"({"body":"x"})"));
  EXPECT_FALSE(response_v1(R"("x")"));
  auto r = response_v1(
      R"({"statusCode":200,"headers":{"a":"1","b":"1"},"multiValueHeaders":{"b":["2","3"]},"body":"ok"})");
  ASSERT_TRUE(r);
  std::vector<std::string> b;
  for (const auto& [k, v] : r->headers) {
    if (k == "b") b.push_back(v);
  }
  EXPECT_EQ(b, (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(r->header("a"), "1");
  EXPECT_EQ(r->header("content-type"), "application/json");
}

}  // namespace
}  // namespace nimbus::services::apigateway
