// JSON Web Tokens as HTTP APIs' JWT authorizers and STS
// AssumeRoleWithWebIdentity check them: a compact JWS (header.payload.
// signature, base64url) signed with RS256, RS384 or RS512 by a key of the
// issuer's JSON Web Key Set, with the claims API Gateway requires. Pure
// functions (OpenSSL for the signature); fuzzed (fuzz/jwt_fuzz.cc).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::auth {

struct Jwt {
  boost::json::object header;
  boost::json::object claims;
  std::string signed_part;  // "header.payload" as sent
  std::string signature;    // decoded
};

// Decodes a token ("Bearer " prefix allowed); nullopt when it is not a JWT.
std::optional<Jwt> decode_jwt(std::string_view token);

// An RSA key of a JSON Web Key Set.
struct Jwk {
  std::string kid;
  std::string n, e;  // base64url, as in the set
};
// The RSA signing keys of a JWKS document ({"keys": [...]}); others skipped;
// nullopt when the document is not a key set.
std::optional<std::vector<Jwk>> parse_jwks(std::string_view document);

// Whether `jwt` is signed by `key` with the algorithm its header names.
bool verify_signature(const Jwt& jwt, const Jwk& key);

struct JwtRules {
  std::string issuer;
  std::vector<std::string> audience;  // the authorizer's Audience
  std::vector<std::string> scopes;    // the route's AuthorizationScopes
  int64_t now_s = 0;
};
// What a JWT authorizer decides from the verified claims.
struct JwtDecision {
  enum Kind { kAllow, kUnauthorized, kForbidden } kind = kAllow;
  std::string description;  // why not
};
JwtDecision check_claims(const Jwt& jwt, const JwtRules& rules);

// A NumericDate claim (exp, nbf, iat) in whole seconds; nullopt when it is
// absent or not a number.
std::optional<int64_t> numeric_claim(const boost::json::object& claims, std::string_view name);
// A claim that is a string or a list of strings (aud, amr): its strings.
std::vector<std::string> string_claims(const boost::json::object& claims, std::string_view name);

// The token's scopes ("scope" space-separated, or "scp" as a list or text).
std::vector<std::string> token_scopes(const boost::json::object& claims);

}  // namespace nimbus::auth
