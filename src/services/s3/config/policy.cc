// Bucket policy documents: the shape S3 checks on PutBucketPolicy, with its
// MalformedPolicy messages. What a policy allows is evaluated elsewhere
// (IAM's policy engine); here only whether S3 would store it.
#include <algorithm>
#include <cctype>
#include <functional>
#include <string>

#include "common/json_fields.h"
#include "services/s3/config/errors.h"
#include "services/s3/config/validate.h"

namespace nimbus::s3config {

namespace {

// `text` against a pattern with '*' (any run) and '?' (one character).
bool glob(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++, mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1, t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// A string or a list of strings (policy elements take either); false when
// it is neither or empty.
bool each_string(const json::value& v, const std::function<bool(std::string_view)>& f) {
  if (v.is_string()) return f(v.get_string());
  if (!v.is_array() || v.get_array().empty()) return false;
  for (const auto& e : v.get_array()) {
    if (!e.is_string() || !f(e.get_string())) return false;
  }
  return true;
}

bool valid_action(std::string_view a) {
  if (a == "*") return true;
  if (a.size() < 4) return false;
  std::string service(a.substr(0, 3));
  for (char& c : service) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return service == "s3:";
}

bool valid_resource(std::string_view r, std::string_view bucket) {
  constexpr std::string_view kPrefix = "arn:aws:s3:::";
  if (!r.starts_with(kPrefix)) return false;
  std::string_view rest = r.substr(kPrefix.size());
  return glob(rest.substr(0, rest.find('/')), bucket);
}

bool valid_aws_principal(std::string_view p) {
  if (p == "*") return true;
  if (p.size() == 12 &&
      std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return true;
  }
  return p.starts_with("arn:aws:iam::") || p.starts_with("arn:aws:sts::");
}

bool valid_principal(const json::value& v) {
  if (v.is_string()) return v.get_string() == "*";
  if (!v.is_object() || v.get_object().empty()) return false;
  for (const auto& [kind, value] : v.get_object()) {
    bool ok = false;
    if (kind == "AWS") {
      ok = each_string(value, valid_aws_principal);
    } else if (kind == "Service" || kind == "Federated" || kind == "CanonicalUser") {
      ok = each_string(value, [](std::string_view s) { return !s.empty(); });
    }
    if (!ok) return false;
  }
  return true;
}

Status check_statement(const json::value& s, std::string_view bucket) {
  if (!s.is_object()) return malformed_policy("Statement must be an object");
  const auto& st = s.get_object();
  if (!st.contains("Effect")) return malformed_policy("Missing required field Effect");
  std::string effect = str(st, "Effect");
  if (effect != "Allow" && effect != "Deny") {
    return malformed_policy("Invalid effect: " + effect);
  }
  const auto* principal = st.if_contains("Principal");
  if (principal == nullptr) principal = st.if_contains("NotPrincipal");
  if (principal == nullptr) return malformed_policy("Missing required field Principal");
  if (!valid_principal(*principal)) return malformed_policy("Invalid principal in policy");
  const auto* action = st.if_contains("Action");
  if (action == nullptr) action = st.if_contains("NotAction");
  if (action == nullptr) return malformed_policy("Missing required field Action");
  if (!each_string(*action, valid_action)) return malformed_policy("Policy has invalid action");
  const auto* resource = st.if_contains("Resource");
  if (resource == nullptr) resource = st.if_contains("NotResource");
  if (resource == nullptr) return malformed_policy("Missing required field Resource");
  if (!each_string(*resource, [&](std::string_view r) { return valid_resource(r, bucket); })) {
    return malformed_policy("Policy has invalid resource");
  }
  const auto* condition = st.if_contains("Condition");
  if (condition != nullptr && !condition->is_object()) {
    return malformed_policy("Policy has an invalid condition");
  }
  return Status::ok();
}

}  // namespace

Status validate_bucket_policy(std::string_view policy, std::string_view bucket) {
  size_t first = policy.find_first_not_of(" \t\r\n");
  auto doc = parse_object(policy);
  if (first == std::string_view::npos || policy[first] != '{' || !doc) {
    return malformed_policy("Policies must be valid JSON and the first byte must be '{'");
  }
  const auto* statement = doc->if_contains("Statement");
  if (statement == nullptr) return malformed_policy("Missing required field Statement");
  if (statement->is_array()) {
    if (statement->get_array().empty()) {
      return malformed_policy("Missing required field Statement");
    }
    for (const auto& s : statement->get_array()) NIMBUS_TRY(check_statement(s, bucket));
    return Status::ok();
  }
  return check_statement(*statement, bucket);
}

}  // namespace nimbus::s3config
