// Stage and route throttling: a REST stage's methodSettings
// (throttlingRateLimit / throttlingBurstLimit of one "resourcePath/METHOD"
// or of every method, "*/*") and an HTTP API stage's RouteSettings /
// DefaultRouteSettings (ThrottlingRateLimit / ThrottlingBurstLimit). Each
// method or route of a stage has its own token bucket (meter.h) on the
// injectable clock; an empty one answers 429 {"message":"Too Many
// Requests"}. Buckets live in memory (a restart refills them).
//
// The account-level throttle comes before them: one bucket for every REST
// and HTTP API of the server (AWS: 10,000 requests/s, burst 5,000 per
// account and region), set by `nimbus serve --apigateway-account-rate-limit
// / --apigateway-account-burst-limit`, shown by GetAccount.
//
// Threads: StageThrottles is thread-safe and never blocks beyond its mutex;
// AccountThrottle is lock-free (one atomic).
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/mutex.h"
#include "common/result.h"
#include "http/message.h"
#include "services/apigateway/meter.h"

namespace nimbus::services::apigateway {

// The methodSettings key of a REST method: "~1pets~1{id}/GET" (a path's
// '/' written "~1", as in the patch paths that set it).
std::string method_setting_key(const std::string& resource_path, const std::string& method);

// The throttle of a REST method: its own methodSettings entry's, else the
// stage's "*/*" one; nullopt when neither sets one.
std::optional<Throttle> rest_method_throttle(const boost::json::object& stage,
                                             const std::string& resource_path,
                                             const std::string& method);
// The throttle of an HTTP API route ("GET /pets" or "$default"): its
// RouteSettings entry's, else DefaultRouteSettings'.
std::optional<Throttle> http_route_throttle(const boost::json::object& stage,
                                            const std::string& route_key);

// A stage patch operation on a method setting: `/{key}/{group}/{name}`
// (throttling/rateLimit, throttling/burstLimit, metrics/enabled,
// logging/loglevel, logging/dataTrace, caching/enabled,
// caching/ttlInSeconds, caching/dataEncrypted,
// caching/requireAuthorizationForCacheControl,
// caching/unauthorizedCacheControlHeaderStrategy) or `remove` of `/{key}`.
// nullopt when `path` names no method setting (the caller's other paths).
std::optional<Status> patch_method_setting(boost::json::object& stage, const std::string& verb,
                                           const std::string& path, const std::string& value);

// 429 {"message":"Too Many Requests"} (TooManyRequestsException).
http::Response too_many_requests();

// A token bucket of `limits` (full at first, rate tokens a second up to
// burst) kept as one atomic: the time at which the bucket would be full
// again (GCRA's theoretical arrival time), moved on by one request's
// interval (1 / rate) per request taken; a request that would move it more
// than the burst's worth of intervals past now finds the bucket empty.
class AccountThrottle {
 public:
  // AWS's default account limits.
  static constexpr Throttle kDefault{10'000, 5'000};

  explicit AccountThrottle(Throttle limits = kDefault);
  const Throttle& limits() const { return limits_; }
  // Takes one token at `now` (monotonic); false when there is none.
  bool take(std::chrono::nanoseconds now);

 private:
  Throttle limits_;
  int64_t interval_ns_;   // one token's time
  int64_t tolerance_ns_;  // the burst's time
  std::atomic<int64_t> full_at_{INT64_MIN};
};

class StageThrottles {
 public:
  // One request on the bucket named `bucket` under `throttle`: nullopt when
  // admitted (or when there is no throttle), else the 429 answer.
  std::optional<http::Response> admit(const std::string& bucket,
                                      const std::optional<Throttle>& throttle,
                                      std::chrono::nanoseconds now);

 private:
  Mutex mu_;
  std::map<std::string, TokenBucket> buckets_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::apigateway
