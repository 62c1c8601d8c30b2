#include "services/apigateway/authorizer.h"

#include "services/service.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The one value of source `s` (without its v1/v2 prefix spelling), "" when
// absent.
std::string source_value(std::string_view s, const ProxyRequest& r) {
  auto after = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (!s.starts_with(prefix)) return std::nullopt;
    return s.substr(prefix.size());
  };
  // The edge keeps header names lower-case.
  auto h = after("method.request.header.");
  if (!h) h = after("$request.header.");
  if (h) return std::string(r.request->header(http::to_lower(*h)));
  auto query = after("method.request.querystring.");
  if (!query) query = after("$request.querystring.");
  if (query) {
    std::string joined;
    for (const auto& [k, v] : query_pairs(r.request->query())) {
      if (k != *query) continue;
      joined += (joined.empty() ? "" : ",") + v;
    }
    return joined;
  }
  auto var = after("stageVariables.");
  if (!var) var = after("$stageVariables.");
  if (var) {
    auto it = r.stage_variables.find(std::string(*var));
    return it == r.stage_variables.end() ? "" : it->second;
  }
  auto ctx = after("context.");
  if (!ctx) ctx = after("$context.");
  if (ctx) {
    if (*ctx == "stage") return r.stage;
    if (*ctx == "apiId") return r.api_id;
    if (*ctx == "httpMethod" || *ctx == "http.method") return r.request->method;
    if (*ctx == "identity.sourceIp" || *ctx == "http.sourceIp") return source_ip(r.request->remote);
    if (*ctx == "resourcePath") return r.resource_path;
    if (*ctx == "routeKey") return r.route_key;
    if (*ctx == "domainName") return r.domain_name;
    auto extra = r.extra_context.find(std::string(*ctx));
    if (extra != r.extra_context.end()) return extra->second;
  }
  return "";
}

bool action_matches(const json::value& action) {
  auto one = [](const json::value& a) {
    return a.is_string() && arn_matches(a.as_string(), "execute-api:Invoke");
  };
  if (action.is_array()) {
    for (const auto& a : action.as_array()) {
      if (one(a)) return true;
    }
    return false;
  }
  return one(action);
}

bool resource_matches(const json::value& resource, const std::string& arn) {
  if (resource.is_string()) return arn_matches(resource.as_string(), arn);
  if (!resource.is_array()) return false;
  for (const auto& r : resource.as_array()) {
    if (r.is_string() && arn_matches(r.as_string(), arn)) return true;
  }
  return false;
}

std::optional<json::object> parse_json_object(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// The context of an answer: an object of scalars (strings, numbers,
// booleans), or absent; nullopt when malformed.
std::optional<json::object> answer_context(const json::object& o) {
  const auto* c = o.if_contains("context");
  if (c == nullptr || c->is_null()) return json::object();
  if (!c->is_object()) return std::nullopt;
  for (const auto& [k, v] : c->as_object()) {
    if (!v.is_string() && !v.is_number() && !v.is_bool() && !v.is_null()) return std::nullopt;
  }
  return c->as_object();
}

}  // namespace

std::vector<std::string> split_sources(std::string_view identity_source) {
  std::vector<std::string> out;
  while (!identity_source.empty()) {
    size_t comma = identity_source.find(',');
    auto part = trim_spaces(identity_source.substr(0, comma));
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    identity_source.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<std::vector<std::string>> identity_values(const std::vector<std::string>& sources,
                                                        const ProxyRequest& r) {
  std::vector<std::string> values;
  for (const auto& s : sources) {
    std::string v = source_value(trim_spaces(s), r);
    if (v.empty()) return std::nullopt;
    values.push_back(std::move(v));
  }
  return values;
}

std::string method_arn(const std::string& region, const std::string& account,
                       const std::string& api, const std::string& stage, const std::string& method,
                       const std::string& path) {
  std::string_view p = path;
  if (p.starts_with('/')) p.remove_prefix(1);
  return "arn:aws:execute-api:" + region + ":" + account + ":" + api + "/" + stage + "/" + method +
         "/" + std::string(p);
}

bool arn_matches(std::string_view pattern, std::string_view arn) {
  // Iterative glob: the last * absorbs what the rest did not match.
  size_t p = 0, a = 0, star = std::string_view::npos, mark = 0;
  while (a < arn.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == arn[a])) {
      ++p;
      ++a;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = a;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      a = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool policy_allows(const json::value& policy, const std::string& arn) {
  if (!policy.is_object()) return false;
  const auto* statements = policy.as_object().if_contains("Statement");
  if (statements == nullptr) return false;
  json::array list;
  if (statements->is_array()) {
    list = statements->as_array();
  } else {
    list.push_back(*statements);
  }
  bool allowed = false;
  for (const auto& s : list) {
    if (!s.is_object()) continue;
    const auto& o = s.as_object();
    const auto* effect = o.if_contains("Effect");
    const auto* action = o.if_contains("Action");
    const auto* resource = o.if_contains("Resource");
    if (effect == nullptr || !effect->is_string() || action == nullptr || resource == nullptr) {
      continue;
    }
    if (!action_matches(*action) || !resource_matches(*resource, arn)) continue;
    if (effect->as_string() == "Deny") return false;
    if (effect->as_string() == "Allow") allowed = true;
  }
  return allowed;
}

std::string token_event(const std::string& token, const std::string& arn) {
  return json::serialize(
      json::object{{"type", "TOKEN"}, {"authorizationToken", token}, {"methodArn", arn}});
}

std::string request_event_v1(const ProxyRequest& r, const std::string& arn) {
  auto e = json::parse(event_v1(r)).as_object();
  e.erase("body");
  e.erase("isBase64Encoded");
  e.erase("version");
  json::object out{{"type", "REQUEST"}, {"methodArn", arn}};
  for (auto& [k, v] : e) out[k] = std::move(v);
  return json::serialize(out);
}

std::string request_event_v2(const ProxyRequest& r, const std::string& route_arn,
                             const std::vector<std::string>& identity) {
  auto e = json::parse(event_v2(r)).as_object();
  e.erase("body");
  e.erase("isBase64Encoded");
  json::array ids;
  for (const auto& v : identity) ids.emplace_back(v);
  json::object out{{"version", "2.0"},
                   {"type", "REQUEST"},
                   {"routeArn", route_arn},
                   {"identitySource", std::move(ids)}};
  for (auto& [k, v] : e) {
    if (k != "version") out[k] = std::move(v);
  }
  return json::serialize(out);
}

std::optional<AuthorizerAnswer> parse_policy_answer(std::string_view payload) {
  auto o = parse_json_object(payload);
  if (!o) return std::nullopt;
  const auto* policy = o->if_contains("policyDocument");
  if (policy == nullptr || !policy->is_object()) return std::nullopt;
  const auto* statements = policy->as_object().if_contains("Statement");
  if (statements == nullptr || (!statements->is_array() && !statements->is_object())) {
    return std::nullopt;
  }
  AuthorizerAnswer a;
  a.policy = *policy;
  if (const auto* p = o->if_contains("principalId"); p != nullptr) {
    if (!p->is_string()) return std::nullopt;
    a.principal_id = std::string(p->as_string());
  }
  auto context = answer_context(*o);
  if (!context) return std::nullopt;
  a.context = std::move(*context);
  if (const auto* k = o->if_contains("usageIdentifierKey"); k != nullptr && k->is_string()) {
    a.usage_key = std::string(k->as_string());
  }
  return a;
}

std::optional<AuthorizerAnswer> parse_simple_answer(std::string_view payload) {
  auto o = parse_json_object(payload);
  if (!o) return std::nullopt;
  const auto* ok = o->if_contains("isAuthorized");
  if (ok == nullptr || !ok->is_bool()) return std::nullopt;
  AuthorizerAnswer a;
  a.simple = true;
  a.authorized = ok->as_bool();
  auto context = answer_context(*o);
  if (!context) return std::nullopt;
  a.context = std::move(*context);
  return a;
}

std::string AuthorizerCache::key(const std::string& authorizer_id,
                                 const std::vector<std::string>& values) {
  std::string k = authorizer_id;
  k += '\0';
  for (const auto& v : values) k.append(v).append(1, '\0');
  return k;
}

std::optional<AuthorizerAnswer> AuthorizerCache::find(const std::string& key,
                                                      std::chrono::nanoseconds now) const {
  MutexLock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
  return it->second.answer;
}

void AuthorizerCache::put(const std::string& key, AuthorizerAnswer answer,
                          std::chrono::nanoseconds expires) {
  MutexLock lock(mu_);
  if (entries_.size() >= capacity_ && !entries_.contains(key)) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.expires < oldest->second.expires) oldest = it;
    }
    if (oldest != entries_.end()) entries_.erase(oldest);
  }
  entries_[key] = Entry{std::move(answer), expires};
}

void AuthorizerCache::forget(const std::string& authorizer_id) {
  MutexLock lock(mu_);
  std::string prefix = authorizer_id;
  prefix += '\0';
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && it->first.starts_with(prefix);) {
    it = entries_.erase(it);
  }
}

}  // namespace nimbus::services::apigateway
