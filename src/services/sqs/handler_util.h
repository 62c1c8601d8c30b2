// Small helpers shared by the SQS handlers: reading input values, resolving
// the queue a request addresses, building queue URLs. Internal to sqs/.
#pragma once

#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/service.h"
#include "services/sqs/errors.h"
#include "services/sqs/queues.h"

namespace nimbus::services::sqs::util {

namespace json = boost::json;

inline std::string str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline bool has(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && !v->is_null();
}

inline std::optional<int64_t> integer(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->as_double());
  if (v->is_string()) {
    int64_t n = 0;
    auto s = v->as_string();
    auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return n;
  }
  return std::nullopt;
}

inline std::map<std::string, std::string> string_map(const json::object& o, const char* key) {
  std::map<std::string, std::string> out;
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_object()) return out;
  for (const auto& [k, val] : v->as_object()) {
    out[std::string(k)] = val.is_string() ? std::string(val.as_string()) : json::serialize(val);
  }
  return out;
}

inline std::vector<std::string> string_list(const json::object& o, const char* key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& e : v->as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

inline std::string account_of(const CallContext& ctx, const Environment& env) {
  return ctx.account_id.empty() ? env.settings.account_id : ctx.account_id;
}

inline std::string queue_url(const CallContext& ctx, const Queue& q) {
  return ctx.endpoint_url + "/" + q.account + "/" + q.name;
}

// The queue named by QueueUrl (http://host:port/ACCOUNT/NAME), or by the
// request path when QueueUrl is absent (awsQuery clients post to the URL).
inline Result<QueuePtr> resolve(const Queues& queues, const CallContext& ctx,
                                const Environment& env, const json::object& in) {
  std::string url = str(in, "QueueUrl");
  std::string path = url;
  if (url.empty()) {
    path = ctx.path;
  } else if (auto scheme = url.find("://"); scheme != std::string::npos) {
    auto slash = url.find('/', scheme + 3);
    path = slash == std::string::npos ? std::string() : url.substr(slash);
  }
  if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (parts.empty()) {
    if (url.empty()) return errors::missing_parameter("QueueUrl");
    return errors::queue_does_not_exist();
  }
  std::string name = parts.back();
  std::string account = parts.size() >= 2 ? parts[parts.size() - 2] : account_of(ctx, env);
  auto q = queues.find(account, name);
  if (!q) return errors::queue_does_not_exist();
  return q;
}

}  // namespace nimbus::services::sqs::util
