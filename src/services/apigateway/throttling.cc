#include "services/apigateway/throttling.h"

#include <charconv>

#include "common/json_fields.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/invoke.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

enum class Kind { kDouble, kInt, kBool, kString };

struct SettingPath {
  const char* path;    // after the key: "throttling/rateLimit"
  const char* member;  // in the MethodSetting: "throttlingRateLimit"
  Kind kind;
};

constexpr SettingPath kSettings[] = {
    {"throttling/rateLimit", "throttlingRateLimit", Kind::kDouble},
    {"throttling/burstLimit", "throttlingBurstLimit", Kind::kInt},
    {"metrics/enabled", "metricsEnabled", Kind::kBool},
    {"logging/loglevel", "loggingLevel", Kind::kString},
    {"logging/dataTrace", "dataTraceEnabled", Kind::kBool},
    {"caching/enabled", "cachingEnabled", Kind::kBool},
    {"caching/ttlInSeconds", "cacheTtlInSeconds", Kind::kInt},
    {"caching/dataEncrypted", "cacheDataEncrypted", Kind::kBool},
    {"caching/requireAuthorizationForCacheControl", "requireAuthorizationForCacheControl",
     Kind::kBool},
    {"caching/unauthorizedCacheControlHeaderStrategy", "unauthorizedCacheControlHeaderStrategy",
     Kind::kString},
};

// What AWS fills in a method setting the first patch creates.
json::object new_setting() {
  return json::object{{"metricsEnabled", false},
                      {"loggingLevel", "OFF"},
                      {"dataTraceEnabled", false},
                      {"throttlingBurstLimit", 5000},
                      {"throttlingRateLimit", 10000.0},
                      {"cachingEnabled", false},
                      {"cacheTtlInSeconds", 300},
                      {"cacheDataEncrypted", false},
                      {"requireAuthorizationForCacheControl", true},
                      {"unauthorizedCacheControlHeaderStrategy", "SUCCEED_WITH_RESPONSE_HEADER"}};
}

std::optional<json::value> parse_value(Kind kind, const std::string& v) {
  switch (kind) {
    case Kind::kBool:
      if (v == "true" || v == "false") return json::value(v == "true");
      return std::nullopt;
    case Kind::kString:
      return json::value(v);
    case Kind::kInt: {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || n < 0) return std::nullopt;
      return json::value(n);
    }
    case Kind::kDouble: {
      double d = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
      if (ec != std::errc() || end != v.data() + v.size() || !(d >= 0)) return std::nullopt;
      return json::value(d);
    }
  }
  return std::nullopt;
}

std::optional<double> number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return std::nullopt;
}

// A throttle from `o`'s rate and burst members; nullopt unless both are set.
std::optional<Throttle> throttle_from(const json::value* o, std::string_view rate,
                                      std::string_view burst) {
  if (o == nullptr || !o->is_object()) return std::nullopt;
  auto r = number(o->as_object(), rate);
  auto b = number(o->as_object(), burst);
  if (!r || !b) return std::nullopt;
  return Throttle{*r, static_cast<int64_t>(*b)};
}

}  // namespace

std::string method_setting_key(const std::string& resource_path, const std::string& method) {
  std::string key;
  for (char c : resource_path) {
    if (c == '/') {
      key += "~1";
    } else {
      key += c;
    }
  }
  return key + "/" + method;
}

std::optional<Throttle> rest_method_throttle(const json::object& stage,
                                             const std::string& resource_path,
                                             const std::string& method) {
  const auto* settings = stage.if_contains("methodSettings");
  if (settings == nullptr || !settings->is_object()) return std::nullopt;
  const auto& s = settings->as_object();
  if (auto t = throttle_from(s.if_contains(method_setting_key(resource_path, method)),
                             "throttlingRateLimit", "throttlingBurstLimit")) {
    return t;
  }
  return throttle_from(s.if_contains("*/*"), "throttlingRateLimit", "throttlingBurstLimit");
}

std::optional<Throttle> http_route_throttle(const json::object& stage,
                                            const std::string& route_key) {
  const auto* routes = stage.if_contains("RouteSettings");
  if (routes != nullptr && routes->is_object()) {
    if (auto t = throttle_from(routes->as_object().if_contains(route_key), "ThrottlingRateLimit",
                               "ThrottlingBurstLimit")) {
      return t;
    }
  }
  return throttle_from(stage.if_contains("DefaultRouteSettings"), "ThrottlingRateLimit",
                       "ThrottlingBurstLimit");
}

std::optional<Status> patch_method_setting(json::object& stage, const std::string& verb,
                                           const std::string& path, const std::string& value) {
  // "/{resource path with ~1}/{METHOD}[/{group}/{name}]"; the key is the
  // first two segments.
  if (!path.starts_with("/")) return std::nullopt;
  size_t first = path.find('/', 1);
  if (first == std::string::npos || first == 1) return std::nullopt;
  size_t second = path.find('/', first + 1);
  std::string key = path.substr(1, second == std::string::npos ? std::string::npos : second - 1);
  std::string rest = second == std::string::npos ? "" : path.substr(second + 1);
  std::string method = key.substr(key.find('/') + 1);
  if (method.empty()) return std::nullopt;
  auto& all = stage["methodSettings"];
  if (!all.is_object()) all = json::object();
  if (rest.empty()) {
    if (verb != "remove") return std::nullopt;
    all.as_object().erase(key);
    return Status::ok();
  }
  for (const auto& s : kSettings) {
    if (rest != s.path) continue;
    if (verb == "remove") {
      return Status(errors::bad_request("Invalid patch operation specified. Must be 'replace'"));
    }
    auto v = parse_value(s.kind, value);
    if (!v) {
      return Status(
          errors::bad_request("Invalid value '" + value + "' for patch path '" + path + "'"));
    }
    auto& setting = all.as_object()[key];
    if (!setting.is_object()) setting = new_setting();
    setting.as_object()[s.member] = std::move(*v);
    return Status::ok();
  }
  return std::nullopt;
}

http::Response too_many_requests() {
  auto resp = gateway_error(429, "Too Many Requests");
  resp.set_header("x-amzn-ErrorType", "TooManyRequestsException");
  return resp;
}

AccountThrottle::AccountThrottle(Throttle limits) : limits_(limits) {
  // Bounded so that times stay far from overflowing: a rate under one
  // request in ~30 years is none.
  constexpr double kMost = 1e18;
  double interval = limits.rate > 0 ? 1e9 / limits.rate : kMost;
  interval_ns_ = static_cast<int64_t>(std::min(std::max(interval, 1.0), kMost));
  double tolerance = static_cast<double>(std::max<int64_t>(limits.burst, 0)) * interval;
  tolerance_ns_ = static_cast<int64_t>(std::min(tolerance, kMost));
}

bool AccountThrottle::take(std::chrono::nanoseconds now) {
  int64_t t = now.count();
  int64_t full_at = full_at_.load(std::memory_order_relaxed);
  for (;;) {
    int64_t next = std::max(full_at, t) + interval_ns_;
    if (next - t > tolerance_ns_) return false;
    if (full_at_.compare_exchange_weak(full_at, next, std::memory_order_relaxed)) return true;
  }
}

std::optional<http::Response> StageThrottles::admit(const std::string& bucket,
                                                    const std::optional<Throttle>& throttle,
                                                    std::chrono::nanoseconds now) {
  if (!throttle) return std::nullopt;
  {
    MutexLock lock(mu_);
    if (buckets_[bucket].take(*throttle, now)) return std::nullopt;
  }
  return too_many_requests();
}

}  // namespace nimbus::services::apigateway
