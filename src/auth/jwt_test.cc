// JWT authorizers' checks (jwt.h): decoding, RS256 signatures against a JWKS
// key, and the claims API Gateway requires. Keys are made here with OpenSSL.
#include "auth/jwt.h"

#include <gtest/gtest.h>

#include "auth/test_jwt.h"

namespace nimbus::auth {
namespace {

namespace json = boost::json;

using testing::jwk_param;
using testing::sign_jwt;

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = EVP_RSA_gen(2048);
    other_ = EVP_RSA_gen(2048);
    ASSERT_NE(key_, nullptr);
  }
  void TearDown() override {
    EVP_PKEY_free(key_);
    EVP_PKEY_free(other_);
  }
  Jwk jwk(EVP_PKEY* k, std::string kid = "k1") {
    return Jwk{std::move(kid), jwk_param(k, OSSL_PKEY_PARAM_RSA_N),
               jwk_param(k, OSSL_PKEY_PARAM_RSA_E)};
  }
  std::string sign(json::object claims, EVP_PKEY* k = nullptr, std::string alg = "RS256") {
    return sign_jwt({{"alg", alg}, {"kid", "k1"}}, claims, k ? k : key_);
  }
  json::object claims(int64_t exp = 2000) {
    return {{"iss", "https://issuer.example"},
            {"aud", "app"},
            {"exp", exp},
            {"iat", 900},
            {"sub", "user-1"},
            {"scope", "read write"}};
  }
  JwtRules rules(std::vector<std::string> scopes = {}) {
    return JwtRules{"https://issuer.example", {"app", "other"}, std::move(scopes), 1000};
  }
  EVP_PKEY* key_ = nullptr;
  EVP_PKEY* other_ = nullptr;
};

TEST_F(JwtTest, ASignedTokenWithGoodClaimsIsAllowed) {
  auto jwt = decode_jwt("Bearer " + sign(claims()));
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->claims.at("sub"), "user-1");
  EXPECT_TRUE(verify_signature(*jwt, jwk(key_)));
  EXPECT_EQ(check_claims(*jwt, rules({"write"})).kind, JwtDecision::kAllow);
  EXPECT_EQ(token_scopes(jwt->claims), (std::vector<std::string>{"read", "write"}));
}

TEST_F(JwtTest, AnotherKeyOrATamperedTokenFailsTheSignature) {
  std::string token = sign(claims());
  EXPECT_FALSE(verify_signature(*decode_jwt(token), jwk(other_)));
  std::string tampered = sign(claims(), other_);
  auto dot = tampered.rfind('.');
  tampered = token.substr(0, token.rfind('.')) + tampered.substr(dot);
  EXPECT_FALSE(verify_signature(*decode_jwt(tampered), jwk(key_)));
  auto none = decode_jwt(sign(claims(), key_, "none"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(verify_signature(*none, jwk(key_)));
}

TEST_F(JwtTest, ClaimsAreCheckedAsApiGatewayDoes) {
  auto decide = [&](json::object c, std::vector<std::string> scopes = {}) {
    return check_claims(*decode_jwt(sign(std::move(c))), rules(std::move(scopes)));
  };
  EXPECT_EQ(decide(claims(999)).description, "the token has expired");
  auto c = claims();
  c.erase("exp");
  EXPECT_EQ(decide(c).kind, JwtDecision::kUnauthorized);
  c = claims();
  c["iss"] = "https://elsewhere";
  EXPECT_EQ(decide(c).description, "the token has an invalid issuer");
  c = claims();
  c["aud"] = json::array{"x", "other"};
  EXPECT_EQ(decide(c).kind, JwtDecision::kAllow);
  c.erase("aud");
  EXPECT_EQ(decide(c).description, "the token has an invalid audience");
  c["client_id"] = "app";  // Cognito access tokens name the client instead
  EXPECT_EQ(decide(c).kind, JwtDecision::kAllow);
  c = claims();
  c["nbf"] = 1500;
  EXPECT_EQ(decide(c).kind, JwtDecision::kUnauthorized);
  EXPECT_EQ(decide(claims(), {"admin"}).kind, JwtDecision::kForbidden);
  c = claims();
  c.erase("scope");
  c["scp"] = json::array{"admin"};
  EXPECT_EQ(decide(c, {"admin"}).kind, JwtDecision::kAllow);
}

TEST_F(JwtTest, MalformedTokensAndKeySetsAreRefused) {
  for (std::string bad : {"", "abc", "a.b", "a.b.c.d", "Bearer", "e30.e30.", "!!.e30.c2ln"}) {
    EXPECT_FALSE(decode_jwt(bad)) << bad;
  }
  EXPECT_FALSE(parse_jwks("[]"));
  auto set =
      parse_jwks(R"({"keys":[{"kty":"EC","kid":"e"},{"kty":"RSA","kid":"r","n":"AQAB",)"
                 R"("e":"AQAB"},{"kty":"RSA","use":"enc","kid":"x","n":"AQAB","e":"AQAB"}]})");
  ASSERT_TRUE(set);
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ((*set)[0].kid, "r");
  EXPECT_FALSE(verify_signature(*decode_jwt(sign(claims())), (*set)[0]));
}

}  // namespace
}  // namespace nimbus::auth
