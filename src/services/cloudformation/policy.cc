#include "services/cloudformation/policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "common/json_fields.h"

namespace nimbus::services::cloudformation {

namespace json = boost::json;

namespace {

constexpr size_t kMaxPolicy = 16384;

// `*` any run, `?` one character.
bool like(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> strings_of(const json::value* v) {
  std::vector<std::string> out;
  if (v == nullptr) return out;
  if (v->is_string()) out.emplace_back(v->as_string());
  if (v->is_array()) {
    for (const auto& item : v->as_array()) {
      if (item.is_string()) out.emplace_back(item.as_string());
    }
  }
  return out;
}

bool any_like(const std::vector<std::string>& patterns, std::string_view text) {
  for (const auto& p : patterns) {
    if (like(p, text)) return true;
  }
  return false;
}

// Whether the statement applies to the action on the resource.
bool applies(const json::object& st, std::string_view resource, std::string_view type,
             std::string_view action) {
  if (st.contains("Action") ? !any_like(strings_of(st.if_contains("Action")), action)
                            : any_like(strings_of(st.if_contains("NotAction")), action)) {
    return false;
  }
  if (st.contains("Resource") ? !any_like(strings_of(st.if_contains("Resource")), resource)
                              : any_like(strings_of(st.if_contains("NotResource")), resource)) {
    return false;
  }
  if (const auto* c = st.if_contains("Condition"); c != nullptr && c->is_object()) {
    for (const auto& [op, keys] : c->as_object()) {
      if (!keys.is_object()) return false;
      auto types = strings_of(keys.as_object().if_contains("ResourceType"));
      bool ok = op == "StringEquals" ? std::find(types.begin(), types.end(), type) != types.end()
                : op == "StringLike" ? any_like(types, type)
                                     : false;
      if (!ok) return false;
    }
  }
  return true;
}

Error invalid(const std::string& why) {
  return Error::validation("Error parsing the stack policy: " + why);
}

}  // namespace

Result<std::string> stack_policy(const std::string& body) {
  if (body.empty() || body.size() > kMaxPolicy) {
    return Error::validation(
        "1 validation error detected: Value at 'stackPolicyBody' failed to satisfy constraint: "
        "Member must have length less than or equal to 16384");
  }
  auto doc = parse_object(body);
  if (!doc) return invalid("the policy is not a JSON object");
  const auto* statements = doc->if_contains("Statement");
  if (statements == nullptr || !statements->is_array()) {
    return invalid("the policy has no Statement list");
  }
  for (const auto& st : statements->as_array()) {
    if (!st.is_object()) return invalid("a statement is not an object");
    std::string effect = str(st.as_object(), "Effect");
    if (effect != "Allow" && effect != "Deny") return invalid("Effect must be Allow or Deny");
  }
  return body;
}

std::string policy_denial(const std::string& policy, std::string_view logical_id,
                          std::string_view type, std::string_view action) {
  auto doc = parse_object(policy);
  const auto* statements = doc ? doc->if_contains("Statement") : nullptr;
  std::string resource = "LogicalResourceId/" + std::string(logical_id);
  bool allowed = false;
  if (statements != nullptr && statements->is_array()) {
    size_t n = 0;
    for (const auto& st : statements->as_array()) {
      ++n;
      if (!st.is_object() || !applies(st.as_object(), resource, type, action)) continue;
      if (str(st.as_object(), "Effect") == "Deny") {
        return "Action denied by stack policy: Statement [#" + std::to_string(n) +
               "] does not allow [" + std::string(action) + "] for resource [" + resource + "]";
      }
      allowed = true;
    }
  }
  if (allowed) return "";
  return "Action not allowed by stack policy: No statement allows [" + std::string(action) +
         "] for resource [" + resource + "]";
}

}  // namespace nimbus::services::cloudformation
