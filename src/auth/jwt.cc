#include "auth/jwt.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <memory>

#include "common/encoding.h"

namespace nimbus::auth {

namespace json = boost::json;

namespace {

std::optional<json::object> decode_part(std::string_view part) {
  if (part.empty() || part.find_first_of("=+/ \n") != std::string_view::npos) return std::nullopt;
  auto text = base64_decode(part);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

const EVP_MD* digest_of(std::string_view alg) {
  if (alg == "RS256") return EVP_sha256();
  if (alg == "RS384") return EVP_sha384();
  if (alg == "RS512") return EVP_sha512();
  return nullptr;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey rsa_key(const Jwk& key) {
  auto n = base64_decode(key.n), e = base64_decode(key.e);
  if (!n || !e || n->empty() || e->empty() || n->size() > 2048) return nullptr;
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                           static_cast<int>(n->size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                           static_cast<int>(e->size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  if (bn_n && bn_e && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) &&
      (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr && EVP_PKEY_fromdata_init(ctx) > 0) {
    if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) pkey = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return Pkey(pkey);
}

bool contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

std::optional<int64_t> numeric_claim(const json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= INT64_MAX) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double() && v->as_double() > -9e18 && v->as_double() < 9e18) {
    return static_cast<int64_t>(v->as_double());
  }
  return std::nullopt;
}

std::vector<std::string> string_claims(const json::object& claims, std::string_view name) {
  std::vector<std::string> out;
  const auto* v = claims.if_contains(name);
  if (v && v->is_string()) out.emplace_back(v->as_string());
  if (v && v->is_array()) {
    for (const auto& s : v->as_array()) {
      if (s.is_string()) out.emplace_back(s.as_string());
    }
  }
  return out;
}

std::optional<Jwt> decode_jwt(std::string_view token) {
  if (token.size() > 7 && (token.substr(0, 7) == "Bearer " || token.substr(0, 7) == "bearer ")) {
    token.remove_prefix(7);
  }
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto header = decode_part(token.substr(0, dot1));
  auto claims = decode_part(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64_decode(token.substr(dot2 + 1));
  if (!header || !claims || !signature || signature->empty()) return std::nullopt;
  Jwt jwt;
  jwt.header = std::move(*header);
  jwt.claims = std::move(*claims);
  jwt.signed_part = std::string(token.substr(0, dot2));
  jwt.signature = std::move(*signature);
  return jwt;
}

std::optional<std::vector<Jwk>> parse_jwks(std::string_view document) {
  boost::system::error_code ec;
  auto v = json::parse(document, ec);
  const json::array* keys = nullptr;
  if (!ec && v.is_object()) {
    if (const auto* k = v.as_object().if_contains("keys"); k && k->is_array()) {
      keys = &k->as_array();
    }
  }
  if (keys == nullptr) return std::nullopt;
  std::vector<Jwk> out;
  for (const auto& k : *keys) {
    if (!k.is_object()) continue;
    const auto& o = k.as_object();
    auto field = [&](std::string_view name) {
      const auto* f = o.if_contains(name);
      return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    if (field("kty") != "RSA" || (!field("use").empty() && field("use") != "sig")) continue;
    Jwk jwk{field("kid"), field("n"), field("e")};
    if (!jwk.n.empty() && !jwk.e.empty()) out.push_back(std::move(jwk));
  }
  return out;
}

bool verify_signature(const Jwt& jwt, const Jwk& key) {
  const auto* alg = jwt.header.if_contains("alg");
  const EVP_MD* md = alg && alg->is_string() ? digest_of(alg->as_string()) : nullptr;
  if (md == nullptr) return false;
  Pkey pkey = rsa_key(key);
  if (!pkey) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pkey.get()) > 0 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(jwt.signature.data()),
                             jwt.signature.size(),
                             reinterpret_cast<const unsigned char*>(jwt.signed_part.data()),
                             jwt.signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::vector<std::string> token_scopes(const json::object& claims) {
  std::vector<std::string> out;
  auto split = [&](std::string_view text) {
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find(' ', start);
      if (end == std::string_view::npos) end = text.size();
      if (end > start) out.emplace_back(text.substr(start, end - start));
      start = end + 1;
    }
  };
  for (const char* name : {"scope", "scp"}) {
    const auto* v = claims.if_contains(name);
    if (v == nullptr) continue;
    if (v->is_string()) split(v->as_string());
    if (v->is_array()) {
      for (const auto& s : v->as_array()) {
        if (s.is_string()) out.emplace_back(s.as_string());
      }
    }
  }
  return out;
}

JwtDecision check_claims(const Jwt& jwt, const JwtRules& rules) {
  using D = JwtDecision;
  const auto& c = jwt.claims;
  auto exp = numeric_claim(c, "exp");
  if (!exp) return {D::kUnauthorized, "the token has no expiry"};
  if (*exp <= rules.now_s) return {D::kUnauthorized, "the token has expired"};
  if (auto nbf = numeric_claim(c, "nbf"); nbf && *nbf > rules.now_s) {
    return {D::kUnauthorized, "the token is not valid yet"};
  }
  if (auto iat = numeric_claim(c, "iat"); iat && *iat > rules.now_s + 60) {
    return {D::kUnauthorized, "the token was issued in the future"};
  }
  const auto* iss = c.if_contains("iss");
  if (iss == nullptr || !iss->is_string() || iss->as_string() != rules.issuer) {
    return {D::kUnauthorized, "the token has an invalid issuer"};
  }
  std::vector<std::string> audiences = string_claims(c, "aud");
  if (const auto* client = c.if_contains("client_id");
      !c.contains("aud") && client && client->is_string()) {
    audiences.emplace_back(client->as_string());
  }
  bool audience_ok = std::any_of(audiences.begin(), audiences.end(),
                                 [&](const std::string& a) { return contains(rules.audience, a); });
  if (!audience_ok) return {D::kUnauthorized, "the token has an invalid audience"};
  if (!rules.scopes.empty()) {
    auto have = token_scopes(c);
    bool any = std::any_of(have.begin(), have.end(),
                           [&](const std::string& s) { return contains(rules.scopes, s); });
    if (!any) return {D::kForbidden, "the token does not have the required scope"};
  }
  return {};
}

}  // namespace nimbus::auth
