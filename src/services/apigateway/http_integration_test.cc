// HTTP and HTTP_PROXY integrations: the outbound request each gateway makes
// of a user's request, and the answers made of the endpoint's.
#include "services/apigateway/http_integration.h"

#include <gtest/gtest.h>

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

struct HttpIntegrationRequest : ::testing::Test {
  HttpIntegrationRequest() {
    req.method = "POST";
    req.target = "/prod/items/a%20b/c?x=1&y=two%2B";
    req.headers = {{"host", "abc.execute-api.localhost:4566"},
                   {"content-type", "text/plain"},
                   {"connection", "keep-alive"},
                   {"transfer-encoding", "chunked"},
                   {"x-custom", "v"},
                   {"user-agent", "curl/8"}};
    req.body = "payload";
    req.remote = "10.1.2.3:5555";
    p.request = &req;
    p.path = "/items/a%20b/c";
    p.path_params = {{"proxy", "a b/c"}, {"id", "7"}};
    p.stage_variables = {{"host", "backend"}};
    p.request_id = "rid";
  }
  static std::string header(const http::ClientRequest& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "<none>";
  }
  http::Request req;
  ProxyRequest p;
};

TEST(HttpIntegration, SubstitutesPathVariablesEncoded) {
  EXPECT_EQ(substitute_uri("http://h/a/{proxy}", {{"proxy", "x y/z"}}), "http://h/a/x%20y/z");
  EXPECT_EQ(substitute_uri("http://h/{id}/{proxy+}", {{"id", "1"}, {"proxy", "p"}}),
            "http://h/1/p");
  EXPECT_EQ(substitute_uri("http://h/{other}", {}), "http://h/{other}");
  EXPECT_EQ(substitute_uri("http://h/{open", {{"open", "x"}}), "http://h/{open");
}

TEST(HttpIntegration, HopByHopHeaders) {
  EXPECT_TRUE(hop_by_hop("connection"));
  EXPECT_TRUE(hop_by_hop("Transfer-Encoding"));
  EXPECT_TRUE(hop_by_hop("content-length"));
  EXPECT_FALSE(hop_by_hop("content-type"));
}

TEST_F(HttpIntegrationRequest, RestProxyForwardsEverything) {
  json::object i{{"type", "HTTP_PROXY"},
                 {"httpMethod", "ANY"},
                 {"uri", "http://backend:8080/base/{proxy}"},
                 {"timeoutInMillis", 1500}};
  auto out = rest_request(i, p);
  EXPECT_EQ(out.method, "POST");
  EXPECT_EQ(out.url, "http://backend:8080/base/a%20b/c?x=1&y=two%2B");
  EXPECT_EQ(out.timeout.count(), 1500);
  EXPECT_EQ(out.body, "payload");
  EXPECT_EQ(header(out, "x-custom"), "v");
  EXPECT_EQ(header(out, "user-agent"), "curl/8");
  EXPECT_EQ(header(out, "host"), "<none>");
  EXPECT_EQ(header(out, "connection"), "<none>");
  EXPECT_EQ(header(out, "transfer-encoding"), "<none>");
  EXPECT_EQ(header(out, "x-forwarded-for"), "10.1.2.3");
}

TEST_F(HttpIntegrationRequest, RestHttpSendsOnlyWhatIsMapped) {
  json::object i{
      {"type", "HTTP"},
      {"httpMethod", "PUT"},
      {"uri", "http://backend/things/{thing}"},
      {"requestParameters",
       json::object{{"integration.request.path.thing", "method.request.path.id"},
                    {"integration.request.querystring.q", "method.request.querystring.y"},
                    {"integration.request.header.X-From", "'gateway'"},
                    {"integration.request.header.X-Stage", "stageVariables.host"},
                    {"integration.request.header.X-Missing", "method.request.header.absent"}}}};
  auto out = rest_request(i, p);
  EXPECT_EQ(out.method, "PUT");
  EXPECT_EQ(out.url, "http://backend/things/7?q=two%2B");
  EXPECT_EQ(out.timeout.count(), 29000);
  EXPECT_EQ(header(out, "x-from"), "gateway");
  EXPECT_EQ(header(out, "x-stage"), "backend");
  EXPECT_EQ(header(out, "x-missing"), "<none>");
  EXPECT_EQ(header(out, "x-custom"), "<none>");
  EXPECT_EQ(header(out, "content-type"), "text/plain");
}

TEST_F(HttpIntegrationRequest, HttpApiProxyAppendsPathAndMapsParameters) {
  json::object i{{"IntegrationType", "HTTP_PROXY"},
                 {"IntegrationMethod", "ANY"},
                 {"IntegrationUri", "http://backend:9000"}};
  auto out = http_api_request(i, p);
  EXPECT_EQ(out.url, "http://backend:9000/items/a%20b/c?x=1&y=two%2B");
  EXPECT_EQ(out.timeout.count(), 30000);
  i["IntegrationUri"] = "http://backend:9000/v1/{proxy}?fixed=1";
  i["RequestParameters"] = json::object{{"overwrite:header.host", "example.org"},
                                        {"append:querystring.who", "$request.header.x-custom"},
                                        {"remove:querystring.x", ""},
                                        {"remove:header.x-custom", ""},
                                        {"overwrite:header.x-req", "id-$context.requestId"}};
  out = http_api_request(i, p);
  EXPECT_EQ(out.url, "http://backend:9000/v1/a%20b/c?fixed=1&y=two%2B&who=v");
  EXPECT_EQ(header(out, "host"), "example.org");
  EXPECT_EQ(header(out, "x-custom"), "<none>");
  EXPECT_EQ(header(out, "x-req"), "id-rid");
  i["RequestParameters"] = json::object{{"overwrite:path", "/other/$request.path.id"}};
  EXPECT_EQ(http_api_request(i, p).url, "http://backend:9000/other/7?fixed=1&x=1&y=two%2B");
}

TEST(HttpIntegration, RelayDropsHopByHop) {
  http::ClientResponse from;
  from.status = 418;
  from.headers = {{"content-type", "text/plain"},
                  {"connection", "close"},
                  {"content-length", "2"},
                  {"set-cookie", "a=1"},
                  {"set-cookie", "b=2"}};
  from.body = "hi";
  auto resp = relay(from);
  EXPECT_EQ(resp.status, 418);
  EXPECT_EQ(resp.body, "hi");
  ASSERT_EQ(resp.headers.size(), 3u);
  EXPECT_EQ(resp.headers[2].second, "b=2");
}

TEST(HttpIntegration, EndpointFailures) {
  auto timeout = Error::make("Timeout", "slow");
  auto refused = Error::make("ConnectFailed", "no");
  EXPECT_EQ(endpoint_failure(timeout, false).status, 504);
  EXPECT_EQ(endpoint_failure(timeout, false).body, R"({"message":"Endpoint request timed out"})");
  EXPECT_EQ(endpoint_failure(timeout, true).status, 503);
  EXPECT_EQ(endpoint_failure(timeout, true).body, R"({"message":"Service Unavailable"})");
  EXPECT_EQ(endpoint_failure(refused, false).body, R"({"message":"Internal server error"})");
  EXPECT_EQ(endpoint_failure(refused, true).body, R"({"message":"Internal Server Error"})");
}

}  // namespace
}  // namespace nimbus::services::apigateway
