// Tests' RS256 tokens: the JWK members of an OpenSSL key and a JWT signed
// with it (jwt_test, apigateway's cognito_test). Header-only, test code.
#pragma once

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/encoding.h"

namespace nimbus::auth::testing {

inline std::string b64url(std::string_view bytes) {
  std::string s = base64_encode(bytes);
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

// A big-number parameter of `key` (OSSL_PKEY_PARAM_RSA_N / _E) as base64url,
// as a JWK's "n" and "e" are written.
inline std::string jwk_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return b64url(out);
}

// `header`.`claims` signed with `key` (RSA with SHA-256, whatever `header`
// says its alg is).
inline std::string sign_jwt(const boost::json::object& header, const boost::json::object& claims,
                            EVP_PKEY* key) {
  std::string part =
      b64url(boost::json::serialize(header)) + "." + b64url(boost::json::serialize(claims));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
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

}  // namespace nimbus::auth::testing
