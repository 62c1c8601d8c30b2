#include "services/apigateway/stage_cache.h"

#include <cmath>

#include "common/json_fields.h"
#include "services/apigateway/proxy.h"
#include "services/apigateway/throttling.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

constexpr const char* kSizes[] = {"0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"};

const json::object* setting(const json::object& stage, const std::string& key) {
  const auto* all = stage.if_contains("methodSettings");
  if (all == nullptr || !all->is_object()) return nullptr;
  const auto* s = all->as_object().if_contains(key);
  return s != nullptr && s->is_object() ? &s->as_object() : nullptr;
}

// `component` appended to `key` so that no two lists of components give
// the same key: its length, then itself.
void append(std::string& key, std::string_view component) {
  key += std::to_string(component.size());
  key += ':';
  key += component;
}

size_t size_of(const http::Response& r) {
  size_t n = r.body.size();
  for (const auto& [k, v] : r.headers) n += k.size() + v.size() + 4;
  return n;
}

}  // namespace

bool valid_cache_cluster_size(const std::string& size) {
  for (const char* s : kSizes) {
    if (size == s) return true;
  }
  return false;
}

size_t cache_capacity_bytes(const json::object& stage) {
  std::string size = str(stage, "cacheClusterSize");
  double gb = valid_cache_cluster_size(size) ? std::stod(size) : 0.5;
  return static_cast<size_t>(std::llround(gb * 1024 * 1024 * 1024));
}

std::optional<CacheSettings> rest_method_cache(const json::object& stage,
                                               const std::string& resource_path,
                                               const std::string& method) {
  if (!boolean(stage, "cacheClusterEnabled").value_or(false)) return std::nullopt;
  const json::object* own = setting(stage, method_setting_key(resource_path, method));
  const json::object* all = setting(stage, "*/*");
  // The method's own entry decides when it exists (AWS copies the stage's
  // settings into an override when it is made); "*/*" applies to GETs.
  const json::object* s = own != nullptr ? own : (method == "GET" ? all : nullptr);
  if (s == nullptr || !boolean(*s, "cachingEnabled").value_or(false)) return std::nullopt;
  CacheSettings out;
  if (const auto* ttl = s->if_contains("cacheTtlInSeconds"); ttl != nullptr && ttl->is_number()) {
    out.ttl = std::chrono::seconds(ttl->to_number<int64_t>());
  }
  if (out.ttl.count() <= 0) return std::nullopt;
  out.require_authorization =
      boolean(*s, "requireAuthorizationForCacheControl").value_or(out.require_authorization);
  if (std::string strategy = str(*s, "unauthorizedCacheControlHeaderStrategy"); !strategy.empty())
    out.unauthorized_strategy = strategy;
  return out;
}

std::string cache_key(const json::object& integration, const std::string& method,
                      const ProxyRequest& request) {
  std::string key;
  std::string ns = str(integration, "cacheNamespace");
  append(key, ns.empty() ? request.resource_id : ns);
  append(key, method);
  const auto* params = integration.if_contains("cacheKeyParameters");
  if (params == nullptr || !params->is_array()) return key;
  for (const auto& p : params->as_array()) {
    if (!p.is_string()) continue;
    std::string_view name = p.as_string();
    append(key, name);
    std::optional<std::string> value;
    if (name.starts_with("method.request.path.")) {
      auto it = request.path_params.find(std::string(name.substr(20)));
      if (it != request.path_params.end()) value = it->second;
    } else if (name.starts_with("method.request.querystring.") ||
               name.starts_with("method.request.multivaluequerystring.")) {
      std::string_view q = name.substr(name.find("querystring.") + 12);
      if (request.request != nullptr) {
        for (const auto& [k, v] : query_pairs(request.request->query())) {
          if (k != q) continue;
          value = value ? *value + ',' + v : v;
        }
      }
    } else if (name.starts_with("method.request.header.")) {
      std::string h = http::to_lower(name.substr(22));
      if (request.request != nullptr && request.request->has_header(h))
        value = std::string(request.request->header(h));
    }
    // An absent parameter and an empty one are different keys.
    if (value) {
      key += '=';
      append(key, *value);
    } else {
      key += '-';
    }
  }
  return key;
}

bool wants_fresh(const http::Request& request) {
  for (const auto& [name, value] : request.headers) {
    if (name != "cache-control") continue;
    std::string v = http::to_lower(value);
    size_t i = 0;
    while (i < v.size()) {
      size_t comma = v.find(',', i);
      if (comma == std::string::npos) comma = v.size();
      std::string_view d = std::string_view(v).substr(i, comma - i);
      while (!d.empty() && d.front() == ' ') d.remove_prefix(1);
      while (!d.empty() && d.back() == ' ') d.remove_suffix(1);
      if (d == "max-age=0") return true;
      i = comma + 1;
    }
  }
  return false;
}

std::optional<http::Response> StageCache::find(const std::string& stage, const std::string& key,
                                               std::chrono::nanoseconds now) {
  MutexLock lock(mu_);
  auto s = stages_.find(stage);
  if (s == stages_.end()) return std::nullopt;
  auto it = s->second.entries.find(key);
  if (it == s->second.entries.end()) return std::nullopt;
  if (it->second.expires <= now) {
    erase(s->second, it);
    return std::nullopt;
  }
  s->second.lru.splice(s->second.lru.begin(), s->second.lru, it->second.lru);
  return it->second.resp;
}

void StageCache::put(const std::string& stage, size_t capacity, const std::string& key,
                     const http::Response& resp, std::chrono::nanoseconds expires) {
  size_t bytes = size_of(resp) + key.size();
  if (resp.stream != nullptr || bytes > kMaxEntryBytes || bytes > capacity) return;
  MutexLock lock(mu_);
  Stage& s = stages_[stage];
  if (auto it = s.entries.find(key); it != s.entries.end()) erase(s, it);
  while (s.bytes + bytes > capacity && !s.lru.empty()) erase(s, s.entries.find(s.lru.back()));
  s.lru.push_front(key);
  s.entries.emplace(key, Entry{resp, expires, bytes, s.lru.begin()});
  s.bytes += bytes;
}

void StageCache::erase(Stage& s, std::unordered_map<std::string, Entry>::iterator it) {
  s.bytes -= it->second.bytes;
  s.lru.erase(it->second.lru);
  s.entries.erase(it);
}

void StageCache::flush(const std::string& stage) {
  MutexLock lock(mu_);
  stages_.erase(stage);
}

void StageCache::flush_api(const std::string& api) {
  MutexLock lock(mu_);
  std::string prefix = api + '\n';
  for (auto it = stages_.lower_bound(prefix);
       it != stages_.end() && it->first.starts_with(prefix);) {
    it = stages_.erase(it);
  }
}

size_t StageCache::bytes(const std::string& stage) const {
  MutexLock lock(mu_);
  auto s = stages_.find(stage);
  return s == stages_.end() ? 0 : s->second.bytes;
}

size_t StageCache::entries(const std::string& stage) const {
  MutexLock lock(mu_);
  auto s = stages_.find(stage);
  return s == stages_.end() ? 0 : s->second.entries.size();
}

}  // namespace nimbus::services::apigateway
