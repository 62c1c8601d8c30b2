// The JSON Web Key Sets of OpenID issuers (JWT authorizers' issuers, IAM's
// OIDC providers): fetched from the
// issuer's OpenID configuration ({issuer}/.well-known/openid-configuration,
// its jwks_uri) with the server's outbound HTTP client, kept for an hour,
// and fetched again (at most once a minute) when a token names a key the
// set does not have, as an issuer rotates keys.
//
// Threads: keys() from any thread; `done` runs once, inline for a cached
// set or on the HTTP client's thread. Never blocks.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/jwt.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "http/client.h"

namespace nimbus::auth {

// What a key lookup found: the key, or why not (`unavailable`: the
// issuer's set could not be read, a 500; otherwise the token names a key the
// set does not have, a 401).
struct KeyLookup {
  std::optional<Jwk> key;
  bool unavailable = false;
  std::string reason;
};

class JwksCache {
 public:
  JwksCache(const Clock& clock, http::ClientOptions options = {});

  // The key `kid` of `issuer`'s set ("" matches a set's only key).
  void key(const std::string& issuer, const std::string& kid, std::function<void(KeyLookup)> done);

 private:
  struct Entry {
    std::vector<Jwk> keys;
    std::chrono::nanoseconds fetched{0};
  };
  // nullopt when the set could not be read (logged).
  void fetch(const std::string& issuer, std::function<void(std::optional<std::vector<Jwk>>)> done);
  static std::optional<Jwk> find(const std::vector<Jwk>& keys, const std::string& kid);

  const Clock& clock_;
  std::unique_ptr<http::Client> client_;
  Mutex mu_;
  std::map<std::string, Entry> sets_ GUARDED_BY(mu_);
};

}  // namespace nimbus::auth
