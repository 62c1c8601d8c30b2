// JWT authorizers' checks (jwt.h): decoding, RS256 signatures against a JWKS
// key, and the claims API Gateway requires. Keys are made here with OpenSSL.
#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/encoding.h"

namespace nimbus::auth {
namespace {

namespace json = boost::json;

std::string b64url(std::string_view bytes) {
  std::string s = base64_encode(bytes);
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string bn_bytes(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

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
    return Jwk{std::move(kid), b64url(bn_bytes(k, OSSL_PKEY_PARAM_RSA_N)),
               b64url(bn_bytes(k, OSSL_PKEY_PARAM_RSA_E))};
  }
  std::string sign(json::object claims, EVP_PKEY* k = nullptr, std::string alg = "RS256") {
    std::string part = b64url(json::serialize(json::object{{"alg", alg}, {"kid", "k1"}})) + "." +
                       b64url(json::serialize(claims));
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, k ? k : key_);
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(part.data()),
                   part.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(part.data()), part.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return part + "." + b64url(sig);
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
