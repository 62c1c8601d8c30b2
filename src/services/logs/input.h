// Reading and checking CloudWatch Logs input values. Internal to logs/.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "services/logs/errors.h"
#include "services/service.h"

namespace nimbus::services::logs::input {

namespace json = boost::json;

inline std::string str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline std::optional<int64_t> integer(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->as_double());
  return std::nullopt;
}

inline bool boolean(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

inline Error pattern_error(const std::string& value, const char* member, const char* pattern) {
  return errors::invalid("1 validation error detected: Value '" + value + "' at '" + member +
                         "' failed to satisfy constraint: Member must satisfy regular expression "
                         "pattern: " +
                         pattern);
}

// logGroupName, or the name inside logGroupIdentifier (a name or an ARN).
inline Result<std::string> group_name(const json::object& in) {
  std::string name = str(in, "logGroupName");
  if (name.empty()) {
    name = str(in, "logGroupIdentifier");
    if (auto at = name.find(":log-group:"); name.rfind("arn:", 0) == 0 && at != name.npos) {
      name = name.substr(at + 11);
      if (name.size() >= 2 && name.compare(name.size() - 2, 2, ":*") == 0)
        name.resize(name.size() - 2);
    }
  }
  if (name.empty())
    return errors::invalid("Either logGroupName or logGroupIdentifier is required.");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == '/' || c == '#';
    if (!ok) return pattern_error(name, "logGroupName", "[\\.\\-_/#A-Za-z0-9]+");
  }
  if (name.size() > 512) return errors::invalid("Log group name exceeds 512 characters.");
  return name;
}

inline Result<std::string> stream_name(const json::object& in, const char* key = "logStreamName") {
  std::string name = str(in, key);
  if (name.empty()) return errors::invalid("logStreamName is required.");
  if (name.find_first_of(std::string(":*\0", 3)) != std::string::npos) {
    return pattern_error(name, key, "[^:*]*");
  }
  return name;
}

inline std::string group_arn(const CallContext& ctx, const Environment& env,
                             const std::string& group) {
  const std::string& region = ctx.region.empty() ? env.settings.region : ctx.region;
  const std::string& account = ctx.account_id.empty() ? env.settings.account_id : ctx.account_id;
  return "arn:aws:logs:" + region + ":" + account + ":log-group:" + group;
}

}  // namespace nimbus::services::logs::input
