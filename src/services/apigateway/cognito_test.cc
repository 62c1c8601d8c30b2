// REST APIs' COGNITO_USER_POOLS authorizers against a user pool's keys
// served by the project's own http::Server (the server's Cognito
// endpoint option pointed at it): an ID token of the pool passes and its claims
// reach the integration; another pool's, an expired, a mis-signed or an
// access token without the method's scope is the 401; a scoped method
// takes an access token with one of its scopes; keys that cannot be read
// are the configuration error, shaped by its gateway response. A verified
// token is cached for the authorizer's TTL on the simulated clock: it passes
// while the pool's keys cannot be read, but not once expired.
#include <gtest/gtest.h>

#include <atomic>

#include "auth/test_jwt.h"
#include "http/server.h"
#include "services/apigateway/test_rest_api.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

constexpr const char* kPool = "us-east-1_Pool1";

using auth::testing::jwk_param;
using auth::testing::sign_jwt;

struct Echo final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    events.push_back(json::parse(call.payload).as_object());
    done(lambda::SyncResult{false, R"({"statusCode":200,"body":"ok"})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::vector<json::object> events;
};

class CognitoTest : public RestApiFixture<Echo> {
 protected:
  // Keys for the suite: making them is most of its time.
  static void SetUpTestSuite() {
    key_ = EVP_RSA_gen(2048);
    other_ = EVP_RSA_gen(2048);
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(key_);
    EVP_PKEY_free(other_);
  }
  void SetUp() override {
    ASSERT_NE(key_, nullptr);
    http::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    server_ = std::make_unique<http::Server>(o, [this](http::Request r, http::Reply reply) {
      http::Response out;
      std::string path(r.path()), pool = std::string("/") + kPool;
      if (down_) {
        out.status = 503;
      } else if (path == pool + "/.well-known/openid-configuration") {
        out.body = R"({"issuer":")" + issuer() + R"(","jwks_uri":")" + issuer() +
                   R"(/.well-known/jwks.json"})";
      } else if (path == pool + "/.well-known/jwks.json") {
        out.body = R"({"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"k1","n":")" +
                   jwk_param(key_, OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
                   jwk_param(key_, OSSL_PKEY_PARAM_RSA_E) + R"("}]})";
      } else {
        out.status = 404;
      }
      reply(std::move(out));
    });
    auto port = server_->start();
    ASSERT_TRUE(port.is_ok());
    endpoint_ = "http://127.0.0.1:" + std::to_string(*port);
    // As `nimbus serve --apigateway-cognito-endpoint URL` sets it.
    settings.service_options["apigateway.cognito-endpoint"] = endpoint_;
    RestApiFixture::SetUp();
  }
  void TearDown() override {
    server_->stop();
    RestApiFixture::TearDown();
  }
  std::string issuer() const { return endpoint_ + "/" + kPool; }

  std::string sign(json::object claims, EVP_PKEY* k = nullptr) {
    return sign_jwt({{"alg", "RS256"}, {"kid", "k1"}}, claims, k ? k : key_);
  }
  // An ID token ("id") or access token ("access") of the pool.
  json::object token(const std::string& use) {
    int64_t now = clock.now_millis() / 1000;
    json::object c{{"iss", issuer()},          {"sub", "user-1"}, {"token_use", use},
                   {"exp", now + 3600},        {"iat", now},      {"email_verified", true},
                   {"cognito:username", "ann"}};
    if (use == "id") c["aud"] = "client1";
    if (use == "access") {
      c["client_id"] = "client1";
      c["scope"] = "orders/read openid";
    }
    return c;
  }

  // GET /mine (no scopes) and GET /scoped (scope orders/read), both behind
  // a COGNITO_USER_POOLS authorizer of `arns`, deployed to prod (stage
  // variable pool = kPool), results cached for `ttl` seconds.
  void make_api(json::array arns, int64_t ttl = 300) {
    auto api = call("CreateRestApi", {{"name", "pool"}});
    id = s(api["id"]);
    auto pool = s(call("CreateAuthorizer", {{"restApiId", id},
                                            {"name", "pool"},
                                            {"type", "COGNITO_USER_POOLS"},
                                            {"authorizerResultTtlInSeconds", ttl},
                                            {"providerARNs", std::move(arns)}})["id"]);
    for (const char* part : {"mine", "scoped"}) {
      auto res = s(call(
          "CreateResource",
          {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", part}})["id"]);
      json::object method{{"restApiId", id},
                          {"resourceId", res},
                          {"httpMethod", "GET"},
                          {"authorizationType", "COGNITO_USER_POOLS"},
                          {"authorizerId", pool}};
      if (std::string(part) == "scoped") method["authorizationScopes"] = json::array{"orders/read"};
      call("PutMethod", method);
      call("PutIntegration", {{"restApiId", id},
                              {"resourceId", res},
                              {"httpMethod", "GET"},
                              {"type", "AWS_PROXY"},
                              {"uri",
                               "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                               "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"}});
    }
    call("CreateDeployment",
         {{"restApiId", id}, {"stageName", "prod"}, {"variables", json::object{{"pool", kPool}}}});
  }
  http::Response get(const std::string& path, const std::string& token = "") {
    http::Headers headers;
    if (!token.empty()) headers.emplace_back("authorization", token);
    return user_call(execute_api(id, "GET", path, std::move(headers)));
  }

  static inline EVP_PKEY* key_ = nullptr;
  static inline EVP_PKEY* other_ = nullptr;
  std::unique_ptr<http::Server> server_;
  std::string endpoint_, id;
  std::atomic<bool> down_{false};
};

TEST_F(CognitoTest, AnIdTokenOfThePoolPassesWithItsClaims) {
  make_api({std::string("arn:aws:cognito-idp:us-east-1:000000000000:userpool/") + kPool});
  auto r = get("/prod/mine", sign(token("id")));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(fn.events.size(), 1u);
  auto claims = fn.events[0]["requestContext"].as_object()["authorizer"].as_object()["claims"];
  EXPECT_EQ(claims.at("sub"), "user-1");
  EXPECT_EQ(claims.at("cognito:username"), "ann");
  EXPECT_EQ(claims.at("email_verified"), "true");  // as strings, as AWS's
  // Refused with the 401: none, not a JWT, another key, expired, an
  // access token where no scope is asked.
  for (const std::string& bad :
       {std::string(""), std::string("abc"), sign(token("id"), other_), sign(token("access"))}) {
    r = get("/prod/mine", bad);
    EXPECT_EQ(r.status, 401) << bad;
    EXPECT_EQ(r.body, R"({"message":"Unauthorized"})");
  }
  auto expired = token("id");
  expired["exp"] = clock.now_millis() / 1000 - 1;
  EXPECT_EQ(get("/prod/mine", sign(expired)).status, 401);
  EXPECT_EQ(fn.events.size(), 1u);
}

TEST_F(CognitoTest, ScopedMethodsTakeAccessTokensWithOneOfTheirScopes) {
  // The pool named through a stage variable, as AWS allows.
  make_api({"arn:aws:cognito-idp:us-east-1:000000000000:userpool/${stageVariables.pool}"});
  EXPECT_EQ(get("/prod/scoped", sign(token("access"))).status, 200);
  EXPECT_EQ(get("/prod/scoped", sign(token("id"))).status, 401);
  auto other = token("access");
  other["scope"] = "orders/write";
  EXPECT_EQ(get("/prod/scoped", sign(other)).status, 401);
  EXPECT_EQ(fn.events.size(), 1u);
}

TEST_F(CognitoTest, AnotherPoolsTokenAndUnreadableKeys) {
  make_api({"arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Other"});
  EXPECT_EQ(get("/prod/mine", sign(token("id"))).status, 401);  // not its pool
  make_api({std::string("arn:aws:cognito-idp:us-east-1:000000000000:userpool/") + kPool});
  down_ = true;
  auto r = get("/prod/mine", sign(token("id")));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":null})");
  EXPECT_EQ(r.header("x-amzn-errortype"), "AuthorizerConfigurationException");
  call("PutGatewayResponse",
       {{"restApiId", id},
        {"responseType", "AUTHORIZER_CONFIGURATION_ERROR"},
        {"statusCode", "503"},
        {"responseTemplates",
         json::object{{"application/json", R"({"why":"$context.error.responseType"})"}}}});
  call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  r = get("/prod/mine", sign(token("id")));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"why":"AUTHORIZER_CONFIGURATION_ERROR"})");
  EXPECT_TRUE(fn.events.empty());
}

// The result cache, by token, for authorizerResultTtlInSeconds: a token
// verified once passes without its pool's keys until the TTL runs out
// (the keys themselves are kept an hour, jwks.h, so the pool is down past
// that hour here), and its claims are still checked every time.
TEST_F(CognitoTest, AVerifiedTokenIsCachedForTheAuthorizersTtl) {
  make_api({std::string("arn:aws:cognito-idp:us-east-1:000000000000:userpool/") + kPool}, 3600);
  int64_t start = clock.now_millis() / 1000;
  auto first = token("id");
  first["exp"] = start + 20000;
  std::string early = sign(first);
  EXPECT_EQ(get("/prod/mine", early).status, 200);  // the keys read now
  clock.advance(std::chrono::seconds(3000));
  auto second = token("id");
  second["exp"] = start + 20000;
  std::string late = sign(second);
  auto brief = token("id");
  brief["exp"] = start + 3100;
  std::string short_lived = sign(brief);
  EXPECT_EQ(get("/prod/mine", late).status, 200);  // cached until start + 6600
  EXPECT_EQ(get("/prod/mine", short_lived).status, 200);
  down_ = true;
  clock.advance(std::chrono::seconds(700));  // past the keys' hour
  EXPECT_EQ(get("/prod/mine", late).status, 200);
  // Cached, but expired since.
  EXPECT_EQ(get("/prod/mine", short_lived).status, 401);
  // An ID token cached is still not an access token for a scoped method.
  EXPECT_EQ(get("/prod/scoped", late).status, 401);
  // Its entry ran out at start + 3600: the keys are asked for, and unreadable.
  EXPECT_EQ(get("/prod/mine", early).status, 500);
  clock.advance(std::chrono::seconds(3000));  // past late's TTL
  EXPECT_EQ(get("/prod/mine", late).status, 500);
  EXPECT_EQ(fn.events.size(), 4u);
}

}  // namespace
}  // namespace nimbus::services::apigateway
