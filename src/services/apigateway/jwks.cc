#include "services/apigateway/jwks.h"

#include <spdlog/spdlog.h>

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

constexpr std::chrono::hours kKeep{1};
constexpr std::chrono::minutes kRefetchAfter{1};
constexpr size_t kMaxDocument = 512 * 1024;

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

JwksCache::JwksCache(const Clock& clock, http::ClientOptions options) : clock_(clock) {
  options.max_body_bytes = kMaxDocument;
  client_ = std::make_unique<http::Client>(options);
}

std::optional<Jwk> JwksCache::find(const std::vector<Jwk>& keys, const std::string& kid) {
  for (const auto& k : keys) {
    if (k.kid == kid || (kid.empty() && keys.size() == 1)) return k;
  }
  return std::nullopt;
}

void JwksCache::key(const std::string& issuer, const std::string& kid,
                    std::function<void(Result<Jwk>)> done) {
  auto now = clock_.monotonic();
  {
    MutexLock lock(mu_);
    auto it = sets_.find(issuer);
    if (it != sets_.end() && now - it->second.fetched < kKeep) {
      auto k = find(it->second.keys, kid);
      if (k) return done(std::move(*k));
      if (now - it->second.fetched < kRefetchAfter) {
        return done(Error::make("invalid_token", "the token's signing key is not known"));
      }
    }
  }
  fetch(issuer, [this, issuer, kid, done = std::move(done)](Result<std::vector<Jwk>> keys) {
    if (!keys) return done(keys.take_error());
    {
      MutexLock lock(mu_);
      sets_[issuer] = Entry{*keys, clock_.monotonic()};
    }
    auto k = find(*keys, kid);
    if (!k) return done(Error::make("invalid_token", "the token's signing key is not known"));
    done(std::move(*k));
  });
}

void JwksCache::fetch(const std::string& issuer,
                      std::function<void(Result<std::vector<Jwk>>)> done) {
  http::ClientRequest discovery;
  discovery.method = "GET";
  discovery.url = trim_slash(issuer) + "/.well-known/openid-configuration";
  discovery.timeout = std::chrono::seconds(5);
  auto* client = client_.get();
  client_->fetch(std::move(discovery), [client, done = std::move(done)](
                                           Result<http::ClientResponse> r) mutable {
    if (!r || r->status != 200) {
      return done(Error::make("jwks_unavailable",
                              "the issuer's OpenID configuration could not "
                              "be read"));
    }
    boost::system::error_code ec;
    auto doc = json::parse(r->body, ec);
    const json::value* uri = nullptr;
    if (!ec && doc.is_object()) uri = doc.as_object().if_contains("jwks_uri");
    if (uri == nullptr || !uri->is_string()) {
      return done(Error::make("jwks_unavailable", "the OpenID configuration has no jwks_uri"));
    }
    http::ClientRequest get;
    get.method = "GET";
    get.url = std::string(uri->as_string());
    get.timeout = std::chrono::seconds(5);
    client->fetch(std::move(get), [done = std::move(done)](Result<http::ClientResponse> k) {
      if (!k || k->status != 200) {
        spdlog::warn(
            "apigateway: the keys of a JWT issuer: {}",
            k ? "HTTP " + std::to_string(k->status) : k.error().code + " " + k.error().message);
        return done(Error::make("jwks_unavailable", "the issuer's keys could not be read"));
      }
      done(parse_jwks(k->body));
    });
  });
}

}  // namespace nimbus::services::apigateway
