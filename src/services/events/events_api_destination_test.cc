// Connections and API destinations: the control plane (AWS's errors, ARNs,
// secrets never answered, state after a restart), the requests built for
// an event, and deliveries to a real http::Server on an ephemeral port with
// retries, dead letters, OAuth tokens and the rate limit on the simulated
// clock.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/mutex.h"
#include "http/server.h"
#include "services/events/api_request.h"
#include "services/events/test_helpers.h"

namespace nimbus::services::eventbridge {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

json::object basic_auth() {
  return {{"BasicAuthParameters", {{"Username", "user"}, {"Password", "pw-secret"}}},
          {"InvocationHttpParameters",
           {{"HeaderParameters",
             json::array{{{"Key", "x-conn"}, {"Value", "c1"}, {"IsValueSecret", false}},
                         {{"Key", "x-hidden"}, {"Value", "h1"}, {"IsValueSecret", true}}}},
            {"QueryStringParameters", json::array{{{"Key", "cq"}, {"Value", "a b"}}}}}}};
}

class ApiDestinationTest : public testing::EventsTest {
 protected:
  void SetUp() override {
    EventsTest::SetUp();
    http::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    endpoint_ = std::make_unique<http::Server>(o, [this](http::Request r, http::Reply reply) {
      http::Response out;
      {
        MutexLock lock(mu_);
        requests_.push_back(r);
        if (r.path() == "/token") {
          ++tokens_issued_;
          out.body = R"({"access_token":"tok)" + std::to_string(tokens_issued_) +
                     R"(","expires_in":3600})";
        } else if (!statuses_.empty()) {
          out.status = statuses_.front();
          statuses_.erase(statuses_.begin());
        }
      }
      reply(std::move(out));
    });
    auto port = endpoint_->start();
    base_ = "http://127.0.0.1:" + std::to_string(port.is_ok() ? *port : 0);
  }
  void TearDown() override {
    endpoint_->stop();
    EventsTest::TearDown();
  }

  std::vector<http::Request> calls(const std::string& path_prefix = "/orders") {
    MutexLock lock(mu_);
    std::vector<http::Request> out;
    for (const auto& r : requests_) {
      if (r.path().rfind(path_prefix, 0) == 0) out.push_back(r);
    }
    return out;
  }
  void answer(std::vector<int> statuses) {
    MutexLock lock(mu_);
    statuses_ = std::move(statuses);
  }
  std::string connection(const std::string& name, const std::string& type, json::object auth) {
    return s(call("CreateConnection",
                  {{"Name", name}, {"AuthorizationType", type}, {"AuthParameters", auth}})
                 .at("ConnectionArn"));
  }
  std::string destination(const std::string& name, const std::string& conn, std::string path,
                          int rate = 300) {
    return s(call("CreateApiDestination", {{"Name", name},
                                           {"ConnectionArn", conn},
                                           {"InvocationEndpoint", base_ + path},
                                           {"HttpMethod", "POST"},
                                           {"InvocationRateLimitPerSecond", rate}})
                 .at("ApiDestinationArn"));
  }
  // A rule on my.app events with one target: `dest` with HttpParameters.
  void route_to(const std::string& dest, json::object extra = {}) {
    put_rule("r", R"({"source":["my.app"]})");
    json::object t{{"Id", "api"},
                   {"Arn", dest},
                   {"HttpParameters",
                    {{"PathParameterValues", json::array{"$.detail.id", "fixed"}},
                     {"HeaderParameters", {{"x-target", "t1"}}},
                     {"QueryStringParameters", {{"tq", "$.detail-type"}}}}}};
    for (const auto& [k, v] : extra) t[k] = v;
    put_target("r", std::move(t));
  }
  bool received(size_t n, std::chrono::milliseconds step = 10ms, int steps = 300) {
    return advance_until([&] { return calls().size() >= n; }, step, steps);
  }

  Mutex mu_;
  std::vector<http::Request> requests_ GUARDED_BY(mu_);
  std::vector<int> statuses_ GUARDED_BY(mu_);
  int tokens_issued_ GUARDED_BY(mu_) = 0;
  std::unique_ptr<http::Server> endpoint_;
  std::string base_;
};

TEST_F(ApiDestinationTest, ConnectionsKeepTheirSecretsToThemselves) {
  std::string arn = connection("c", "BASIC", basic_auth());
  EXPECT_TRUE(arn.starts_with("arn:aws:events:us-east-1:000000000000:connection/c/")) << arn;
  EXPECT_EQ(arn.size(),
            std::string("arn:aws:events:us-east-1:000000000000:connection/c/").size() + 36);
  auto d = call("DescribeConnection", {{"Name", "c"}});
  EXPECT_EQ(s(d["ConnectionState"]), "AUTHORIZED");
  EXPECT_EQ(s(d["AuthorizationType"]), "BASIC");
  std::string text = json::serialize(d);
  EXPECT_EQ(text.find("pw-secret"), std::string::npos) << text;
  EXPECT_EQ(text.find("h1"), std::string::npos) << text;
  EXPECT_NE(text.find("c1"), std::string::npos) << text;
  EXPECT_EQ(s(d["AuthParameters"].at("BasicAuthParameters").at("Username")), "user");

  expect_error("CreateConnection",
               {{"Name", "c"}, {"AuthorizationType", "BASIC"}, {"AuthParameters", basic_auth()}},
               "ResourceAlreadyExistsException");
  expect_error("CreateConnection",
               {{"Name", "k"}, {"AuthorizationType", "API_KEY"}, {"AuthParameters", basic_auth()}},
               "ValidationException");
  EXPECT_EQ(error_message("DescribeConnection", {{"Name", "nope"}}),
            "Failed to describe the connection(s). Connection 'nope' does not exist.");
  EXPECT_EQ(calls("").size(), 0u);  // nothing was created by the failures
  EXPECT_EQ(call("ListConnections", {}).at("Connections").as_array().size(), 1u);

  call("UpdateConnection",
       {{"Name", "c"},
        {"AuthorizationType", "API_KEY"},
        {"AuthParameters",
         {{"ApiKeyAuthParameters", {{"ApiKeyName", "x-key"}, {"ApiKeyValue", "kv"}}}}}});
  d = call("DescribeConnection", {{"Name", "c"}});
  EXPECT_EQ(s(d["AuthorizationType"]), "API_KEY");
  EXPECT_FALSE(d["AuthParameters"].as_object().contains("BasicAuthParameters"));
  EXPECT_EQ(json::serialize(d).find("kv"), std::string::npos);

  auto out = call("DeauthorizeConnection", {{"Name", "c"}});
  EXPECT_EQ(s(out["ConnectionState"]), "DEAUTHORIZED");
  reopen();
  d = call("DescribeConnection", {{"Name", "c"}});
  EXPECT_EQ(s(d["ConnectionState"]), "DEAUTHORIZED");
  EXPECT_EQ(s(d["ConnectionArn"]), arn);
  EXPECT_EQ(call("ListConnections", {{"ConnectionState", "AUTHORIZED"}})
                .at("Connections")
                .as_array()
                .size(),
            0u);
  call("DeleteConnection", {{"Name", "c"}});
  expect_error("DeleteConnection", {{"Name", "c"}}, "ResourceNotFoundException");
}

TEST_F(ApiDestinationTest, DestinationsNeedAConnectionAndAValidEndpoint) {
  std::string conn = connection("c", "BASIC", basic_auth());
  std::string arn = destination("d", conn, "/orders/*");
  EXPECT_TRUE(arn.starts_with("arn:aws:events:us-east-1:000000000000:api-destination/d/")) << arn;
  expect_error("CreateApiDestination",
               {{"Name", "e"},
                {"ConnectionArn", conn + "x"},
                {"InvocationEndpoint", base_},
                {"HttpMethod", "POST"}},
               "ResourceNotFoundException");
  expect_error("CreateApiDestination",
               {{"Name", "e"},
                {"ConnectionArn", conn},
                {"InvocationEndpoint", "ftp://x"},
                {"HttpMethod", "POST"}},
               "ValidationException");
  expect_error("CreateApiDestination",
               {{"Name", "d"},
                {"ConnectionArn", conn},
                {"InvocationEndpoint", base_},
                {"HttpMethod", "POST"}},
               "ResourceAlreadyExistsException");
  call("UpdateApiDestination", {{"Name", "d"}, {"InvocationRateLimitPerSecond", 7}});
  reopen();
  auto d = call("DescribeApiDestination", {{"Name", "d"}});
  EXPECT_EQ(s(d["ApiDestinationArn"]), arn);
  EXPECT_EQ(d["InvocationRateLimitPerSecond"].to_number<int64_t>(), 7);
  EXPECT_EQ(s(d["ApiDestinationState"]), "ACTIVE");
  EXPECT_EQ(call("ListApiDestinations", {{"ConnectionArn", conn}})
                .at("ApiDestinations")
                .as_array()
                .size(),
            1u);
  call("DeleteApiDestination", {{"Name", "d"}});
  EXPECT_EQ(error_message("DescribeApiDestination", {{"Name", "d"}}),
            "Failed to describe the api-destination(s). An api-destination 'd' does not exist.");
}

TEST_F(ApiDestinationTest, TheRequestCarriesParametersAuthAndTheTransformedBody) {
  std::string conn = connection("c", "BASIC", basic_auth());
  route_to(destination("d", conn, "/orders/*/items/*"),
           {{"InputTransformer",
             {{"InputPathsMap", {{"id", "$.detail.id"}}},
              {"InputTemplate", R"({"order": <id>, "n": 1})"}}}});
  put_event("my.app", R"({"id":"a/1"})");
  ASSERT_TRUE(received(1));
  auto r = calls()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path(), "/orders/a%2F1/items/fixed");
  EXPECT_NE(r.query().find("tq=Order"), std::string::npos) << r.query();
  EXPECT_NE(r.query().find("cq=a%20b"), std::string::npos) << r.query();
  EXPECT_EQ(r.header("authorization"), "Basic " + base64_encode("user:pw-secret"));
  EXPECT_EQ(r.header("x-target"), "t1");
  EXPECT_EQ(r.header("x-conn"), "c1");
  EXPECT_EQ(r.header("x-hidden"), "h1");
  EXPECT_EQ(r.header("user-agent"), "Amazon/EventBridge/ApiDestinations");
  EXPECT_EQ(r.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"order":"a/1","n":1})"));
}

TEST_F(ApiDestinationTest, ServerErrorsAreRetriedClientErrorsDeadLettered) {
  auto dlq = queue("dlq");
  std::string conn =
      connection("c", "API_KEY",
                 {{"ApiKeyAuthParameters", {{"ApiKeyName", "x-api-key"}, {"ApiKeyValue", "k1"}}}});
  route_to(destination("d", conn, "/orders/*/*"), {{"DeadLetterConfig", {{"Arn", arn_of(dlq)}}}});
  answer({500, 200, 404});
  put_event("my.app", R"({"id":"1"})");
  ASSERT_TRUE(received(1));
  EXPECT_EQ(calls().size(), 1u);  // the retry waits for the backoff
  ASSERT_TRUE(received(2, 100ms, 50));
  EXPECT_EQ(calls()[1].header("x-api-key"), "k1");

  put_event("my.app", R"({"id":"2"})");  // answered 404: not retried
  auto got = receive(dlq, 1, 100ms, 100);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(calls().size(), 3u);
  auto attrs = got[0].at("MessageAttributes").as_object();
  EXPECT_EQ(s(attrs.at("ERROR_CODE").at("StringValue")), "SDK_CLIENT_ERROR");
  EXPECT_EQ(s(attrs.at("RETRY_ATTEMPTS").at("StringValue")), "0");
  EXPECT_FALSE(attrs.contains("EventBridge.HttpParameters"));
}

TEST_F(ApiDestinationTest, OAuthTokensAreFetchedOnceAndRefreshedOn401) {
  json::object oauth{{"OAuthParameters",
                      {{"ClientParameters", {{"ClientID", "id"}, {"ClientSecret", "cs"}}},
                       {"AuthorizationEndpoint", base_ + "/token"},
                       {"HttpMethod", "POST"}}}};
  auto out = call("CreateConnection", {{"Name", "o"},
                                       {"AuthorizationType", "OAUTH_CLIENT_CREDENTIALS"},
                                       {"AuthParameters", oauth}});
  EXPECT_EQ(s(out["ConnectionState"]), "AUTHORIZING");
  ASSERT_TRUE(eventually([&] {
    return s(call("DescribeConnection", {{"Name", "o"}})["ConnectionState"]) == "AUTHORIZED";
  }));
  auto token_calls = calls("/token");
  ASSERT_EQ(token_calls.size(), 1u);
  EXPECT_EQ(token_calls[0].header("authorization"), "Basic " + base64_encode("id:cs"));
  EXPECT_NE(token_calls[0].body.find("grant_type=client_credentials"), std::string::npos);

  route_to(destination("d", s(out["ConnectionArn"]), "/orders/*/*"));
  put_event("my.app", R"({"id":"1"})");
  put_event("my.app", R"({"id":"2"})");
  ASSERT_TRUE(received(2));
  for (const auto& r : calls()) EXPECT_EQ(r.header("authorization"), "Bearer tok1");
  EXPECT_EQ(calls("/token").size(), 1u);

  answer({401});  // the token was revoked: a new one, and the event goes through
  put_event("my.app", R"({"id":"3"})");
  ASSERT_TRUE(received(4));
  EXPECT_EQ(calls().back().header("authorization"), "Bearer tok2");
  EXPECT_EQ(calls("/token").size(), 2u);
}

TEST_F(ApiDestinationTest, ARefusedOAuthClientDeauthorizesTheConnection) {
  auto dlq = queue("dlq");
  json::object oauth{{"OAuthParameters",
                      {{"ClientParameters", {{"ClientID", "id"}, {"ClientSecret", "cs"}}},
                       {"AuthorizationEndpoint", base_ + "/no-token"},
                       {"HttpMethod", "GET"}}}};
  std::string conn = s(call("CreateConnection", {{"Name", "o"},
                                                 {"AuthorizationType", "OAUTH_CLIENT_CREDENTIALS"},
                                                 {"AuthParameters", oauth}})
                           .at("ConnectionArn"));
  json::object d;
  ASSERT_TRUE(eventually([&] {
    d = call("DescribeConnection", {{"Name", "o"}});
    return s(d["ConnectionState"]) == "DEAUTHORIZED";
  }));
  EXPECT_NE(s(d["StateReason"]).find("access_token"), std::string::npos) << s(d["StateReason"]);
  auto asked = calls("/no-token");
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_NE(asked[0].query().find("grant_type=client_credentials"), std::string::npos);

  route_to(destination("d", conn, "/orders/*/*"), {{"DeadLetterConfig", {{"Arn", arn_of(dlq)}}}});
  put_event("my.app", R"({"id":"1"})");
  auto got = receive(dlq, 1, 100ms, 100);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("MessageAttributes").at("ERROR_CODE").at("StringValue")), "NO_PERMISSIONS");
  EXPECT_EQ(calls().size(), 0u);  // nothing was sent without authorization
}

TEST_F(ApiDestinationTest, TheRateLimitSpacesRequests) {
  std::string conn = connection("c", "BASIC", basic_auth());
  route_to(destination("d", conn, "/orders/*/*", 2));
  for (const char* id : {"1", "2", "3"})
    put_event("my.app", std::string(R"({"id":")") + id + "\"}");
  // At 2 per second: one now, one waiting 500 ms for its slot, and one
  // whose slot is a second away, throttled and retried by the queue.
  ASSERT_TRUE(eventually([&] { return calls().size() == 1; }));
  EXPECT_FALSE(eventually([&] { return calls().size() > 1; }, 100ms));
  clock.advance(500ms);
  ASSERT_TRUE(eventually([&] { return calls().size() == 2; }));
  ASSERT_TRUE(received(3, 100ms, 30));
}

TEST(ApiRequest, WildcardsNeedEnoughValues) {
  ApiDestination d;
  d.endpoint = "https://h/a/*/b/*";
  d.method = "GET";
  Connection c;
  c.auth_type = "API_KEY";
  ::nimbus::events::Delivery del;
  del.body = "{}";
  del.attributes.push_back(http_parameters_attribute(
      json::parse(R"({"PathParameterValues":["x"]})").as_object(), json::object{}));
  auto r = invocation(d, c, del, "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "INVALID_PARAMETER");
  del.attributes = {http_parameters_attribute(
      json::parse(R"({"PathParameterValues":["x","y"]})").as_object(), json::object{})};
  r = invocation(d, c, del, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url, "https://h/a/x/b/y");
  EXPECT_TRUE(r->body.empty());  // GET sends no body
}

TEST(ApiRequest, AnswersBecomeOutcomes) {
  auto with = [](int status) {
    http::ClientResponse r;
    r.status = status;
    return outcome(Result<http::ClientResponse>(r));
  };
  EXPECT_TRUE(with(204).is_ok());
  for (int retried : {401, 407, 409, 429, 500, 503})
    EXPECT_TRUE(with(retried).retryable()) << retried;
  for (int refused : {400, 403, 404, 410}) {
    EXPECT_EQ(with(refused).failure(), ::nimbus::events::Failure::kRejected) << refused;
  }
  EXPECT_EQ(outcome(Result<http::ClientResponse>(Error{"Timeout", "slow"})).error().code,
            "TIMEOUT");
}

}  // namespace
}  // namespace nimbus::services::eventbridge
