#include "auth/jwks.h"

#include <spdlog/spdlog.h>

namespace nimbus::auth {

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
                    std::function<void(KeyLookup)> done) {
  static const std::string kUnknown = "the token's signing key is not known";
  auto now = clock_.monotonic();
  {
    MutexLock lock(mu_);
    auto it = sets_.find(issuer);
    if (it != sets_.end() && now - it->second.fetched < kKeep) {
      if (auto k = find(it->second.keys, kid)) return done(KeyLookup{std::move(*k), false, ""});
      if (now - it->second.fetched < kRefetchAfter) return done(KeyLookup{{}, false, kUnknown});
    }
  }
  fetch(issuer, [this, issuer, kid, done = std::move(done)](std::optional<std::vector<Jwk>> keys) {
    if (!keys) return done(KeyLookup{{}, true, "the issuer's keys could not be read"});
    {
      MutexLock lock(mu_);
      sets_[issuer] = Entry{*keys, clock_.monotonic()};
    }
    auto k = find(*keys, kid);
    if (!k) return done(KeyLookup{{}, false, kUnknown});
    done(KeyLookup{std::move(*k), false, ""});
  });
}

void JwksCache::fetch(const std::string& issuer,
                      std::function<void(std::optional<std::vector<Jwk>>)> done) {
  http::ClientRequest discovery;
  discovery.method = "GET";
  discovery.url = trim_slash(issuer) + "/.well-known/openid-configuration";
  discovery.timeout = std::chrono::seconds(5);
  auto* client = client_.get();
  auto failed = [](const std::string& what, const Result<http::ClientResponse>& r) {
    spdlog::warn(
        "jwt: the {} of an OpenID issuer: {}", what,
        r ? "HTTP " + std::to_string(r->status) : r.error().code + " " + r.error().message);
  };
  client_->fetch(std::move(discovery), [client, failed, done = std::move(done)](
                                           Result<http::ClientResponse> r) mutable {
    if (!r || r->status != 200) {
      failed("OpenID configuration", r);
      return done(std::nullopt);
    }
    boost::system::error_code ec;
    auto doc = json::parse(r->body, ec);
    const json::value* uri = nullptr;
    if (!ec && doc.is_object()) uri = doc.as_object().if_contains("jwks_uri");
    if (uri == nullptr || !uri->is_string()) {
      spdlog::warn("jwt: an OpenID issuer's configuration has no jwks_uri");
      return done(std::nullopt);
    }
    http::ClientRequest get;
    get.method = "GET";
    get.url = std::string(uri->as_string());
    get.timeout = std::chrono::seconds(5);
    client->fetch(std::move(get), [failed, done = std::move(done)](Result<http::ClientResponse> k) {
      if (!k || k->status != 200) {
        failed("key set", k);
        return done(std::nullopt);
      }
      done(parse_jwks(k->body));
    });
  });
}

}  // namespace nimbus::auth
