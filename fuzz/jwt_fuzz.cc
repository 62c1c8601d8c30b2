// libFuzzer target for JSON Web Tokens (auth/jwt.h): any bytes as a
// bearer token and as a JSON Web Key Set. Whatever decodes must survive the
// claim checks and a signature check against every key of the set, which
// must fail (nothing here holds a private key).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nimbus::auth;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto split = text.find('\n');
  std::string_view token = text.substr(0, split);
  std::string_view jwks = split == std::string_view::npos ? "" : text.substr(split + 1);
  auto keys = parse_jwks(jwks);
  auto jwt = decode_jwt(token);
  if (!jwt) return 0;
  JwtRules rules{"https://issuer", {"app"}, {"read"}, 1000};
  check_claims(*jwt, rules);
  token_scopes(jwt->claims);
  if (keys) {
    for (const auto& k : *keys) {
      if (verify_signature(*jwt, k)) std::abort();
    }
  }
  return 0;
}
