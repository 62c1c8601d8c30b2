// REST API stage caches: which methods of a stage cache their answers (the
// stage's cacheClusterEnabled and the methodSettings' caching/* members),
// the cache key of a request (the integration's cacheNamespace and the
// values of its cacheKeyParameters), Cache-Control: max-age=0, and the
// cache itself: per stage, bounded in bytes by cacheClusterSize, least
// recently used entries evicted first, entries expiring after the method's
// TTL on the injectable clock's monotonic time. Pure of I/O.
//
// State is in memory: a restart empties every cache (README, Differs from
// AWS).
//
// Threads: StageCache is thread-safe and never blocks beyond its mutex.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/mutex.h"
#include "http/message.h"

namespace nimbus::services::apigateway {

struct ProxyRequest;

// How a method of a stage caches, when it does.
struct CacheSettings {
  std::chrono::seconds ttl{300};
  // Cache-Control: max-age=0 needs execute-api:InvalidateCache.
  bool require_authorization = true;
  // FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER or
  // SUCCEED_WITHOUT_RESPONSE_HEADER: what an unauthorized max-age=0 gets.
  std::string unauthorized_strategy = "SUCCEED_WITH_RESPONSE_HEADER";
};

// The cacheClusterSize values AWS accepts ("0.5" ... "237", in GB).
bool valid_cache_cluster_size(const std::string& size);
// The byte bound of a stage's cache: its cacheClusterSize in GiB ("0.5"
// when unset).
size_t cache_capacity_bytes(const boost::json::object& stage);

// How the method `method` of the resource `resource_path` caches on
// `stage`: nullopt unless the stage's cacheClusterEnabled is true and
// caching is enabled with a TTL above 0 by the method's own methodSettings
// entry, or by the stage's "*/*" entry for a GET method (AWS caches only
// GET methods unless a method's own setting says otherwise).
std::optional<CacheSettings> rest_method_cache(const boost::json::object& stage,
                                               const std::string& resource_path,
                                               const std::string& method);

// The cache key of a request to a method whose integration is
// `integration`: the integration's cacheNamespace (else the resource's
// id), the method, and the value of each of its cacheKeyParameters
// (`method.request.path.N`, `method.request.querystring.N`,
// `method.request.multivaluequerystring.N`, `method.request.header.N`).
// Path parameters that are not cache key parameters are not part of it,
// as on AWS.
std::string cache_key(const boost::json::object& integration, const std::string& method,
                      const ProxyRequest& request);

// Whether the request's Cache-Control asks for a fresh answer (max-age=0).
bool wants_fresh(const http::Request& request);

class StageCache {
 public:
  // The largest answer (body and headers) a cache keeps, as AWS's.
  static constexpr size_t kMaxEntryBytes = 1048576;

  // The cached answer for `key` in the cache `stage` ("API\nSTAGE"), or
  // nullopt when there is none or it expired at `now`.
  std::optional<http::Response> find(const std::string& stage, const std::string& key,
                                     std::chrono::nanoseconds now);
  // Keeps `resp` under `key` until `expires`, evicting the least recently
  // used entries beyond `capacity` bytes; an answer over kMaxEntryBytes is
  // not kept.
  void put(const std::string& stage, size_t capacity, const std::string& key,
           const http::Response& resp, std::chrono::nanoseconds expires);
  // Empties the cache of `stage`; flush_api empties every stage of `api`.
  void flush(const std::string& stage);
  void flush_api(const std::string& api);
  // The bytes and entries the cache of `stage` holds (tests).
  size_t bytes(const std::string& stage) const;
  size_t entries(const std::string& stage) const;

 private:
  struct Entry {
    http::Response resp;
    std::chrono::nanoseconds expires;
    size_t bytes;
    std::list<std::string>::iterator lru;
  };
  struct Stage {
    std::unordered_map<std::string, Entry> entries;
    std::list<std::string> lru;  // most recently used first
    size_t bytes = 0;
  };
  static void erase(Stage& s, std::unordered_map<std::string, Entry>::iterator it);

  mutable Mutex mu_;
  std::map<std::string, Stage> stages_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::apigateway
