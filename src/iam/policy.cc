#include "iam/policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <set>

namespace nimbus::iam {

namespace json = boost::json;

namespace {

constexpr const char* kOperators[] = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
};

Error malformed(std::string message) {
  return Error::make("MalformedPolicyDocumentException", std::move(message), 400);
}
Error syntax() {
  return malformed("Syntax errors in policy.");
}

// A scalar as IAM reads it: strings as written, numbers and booleans as
// their JSON text (condition values may be written unquoted).
std::optional<std::string> scalar(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_int64() || v.is_uint64() || v.is_double()) return json::serialize(v);
  return std::nullopt;
}

// A string or a non-empty list of strings.
Result<std::vector<std::string>> strings(const json::value& v, bool allow_scalars = false) {
  std::vector<std::string> out;
  auto one = [&](const json::value& e) -> bool {
    if (e.is_string()) {
      out.emplace_back(e.as_string());
      return true;
    }
    if (!allow_scalars) return false;
    auto s = scalar(e);
    if (!s) return false;
    out.push_back(std::move(*s));
    return true;
  };
  if (v.is_array()) {
    for (const auto& e : v.as_array()) {
      if (!one(e)) return syntax();
    }
  } else if (!one(v)) {
    return syntax();
  }
  return out;
}

bool valid_action(std::string_view a) {
  if (a == "*") return true;
  size_t colon = a.find(':');
  return colon != std::string_view::npos && colon > 0;
}

bool valid_resource(std::string_view r) {
  return r == "*" || r.starts_with("arn:");
}

bool alnum(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool valid_aws_principal(std::string_view p) {
  if (p == "*") return true;
  if (p.size() == 12 && std::all_of(p.begin(), p.end(), [](char c) { return std::isdigit(c); })) {
    return true;
  }
  if (p.starts_with("arn:aws:iam::") || p.starts_with("arn:aws:sts::")) {
    return p.find(':', 13) != std::string_view::npos;
  }
  // Unique ids (AIDA..., AROA...) as IAM stores principals it cannot name.
  return p.size() >= 16 && p.starts_with("A") && alnum(p);
}

Result<Principal> parse_principal(const json::value& v, std::string_view element) {
  Principal p;
  if (v.is_string()) {
    if (v.as_string() != "*") {
      return malformed("Invalid principal in policy: \"" + std::string(v.as_string()) + "\"");
    }
    p.any = true;
    return p;
  }
  if (!v.is_object() || v.as_object().empty()) return syntax();
  for (const auto& [kind, ids] : v.as_object()) {
    auto list = strings(ids);
    if (!list) return list.take_error();
    std::string k(kind);
    if (k != "AWS" && k != "Service" && k != "Federated" && k != "CanonicalUser") {
      return malformed("Invalid principal in policy: \"" + k + "\"");
    }
    for (const auto& id : *list) {
      bool ok = k != "AWS" ? !id.empty() : valid_aws_principal(id);
      if (!ok) return malformed("Invalid principal in policy: \"" + k + "\":\"" + id + "\"");
      if (k == "AWS" && id == "*") p.any = true;
    }
    auto& dst = p.ids[k];
    dst.insert(dst.end(), list->begin(), list->end());
  }
  (void)element;
  return p;
}

Result<std::vector<Condition>> parse_conditions(const json::value& v) {
  if (!v.is_object()) return syntax();
  std::vector<Condition> out;
  for (const auto& [op_text, block] : v.as_object()) {
    Condition c;
    std::string_view op = op_text;
    if (op.starts_with("ForAllValues:")) {
      c.set = Condition::Set::kForAllValues;
      op.remove_prefix(13);
    } else if (op.starts_with("ForAnyValue:")) {
      c.set = Condition::Set::kForAnyValue;
      op.remove_prefix(12);
    }
    if (op.ends_with("IfExists") && op != "IfExists") {
      c.if_exists = true;
      op.remove_suffix(8);
    }
    if (!known_condition_operator(op) || (c.if_exists && op == "Null")) {
      return malformed("Invalid Condition type : " + std::string(op_text));
    }
    c.op = std::string(op);
    if (!block.is_object() || block.as_object().empty()) return syntax();
    for (const auto& [key, values] : block.as_object()) {
      if (key.empty() || key.find(':') == json::string_view::npos) {
        return malformed(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
      }
      auto list = strings(values, /*allow_scalars=*/true);
      if (!list) return list.take_error();
      Condition one = c;
      one.key = std::string(key);
      one.values = std::move(*list);
      out.push_back(std::move(one));
    }
  }
  return out;
}

Result<Statement> parse_statement(const json::value& v, PolicyKind kind) {
  if (!v.is_object()) return syntax();
  const json::object& o = v.as_object();
  Statement s;
  bool has_effect = false, has_action = false, has_principal = false;
  for (const auto& [key, value] : o) {
    if (key == "Sid") {
      if (!value.is_string()) return syntax();
      s.sid = std::string(value.as_string());
      if (kind == PolicyKind::kIdentity && !alnum(s.sid)) {
        return malformed(
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
            "regular expression [0-9A-Za-z]*");
      }
    } else if (key == "Effect") {
      if (!value.is_string()) return syntax();
      if (value.as_string() == "Allow") {
        s.effect = Effect::kAllow;
      } else if (value.as_string() == "Deny") {
        s.effect = Effect::kDeny;
      } else {
        return syntax();
      }
      has_effect = true;
    } else if (key == "Action" || key == "NotAction") {
      if (has_action) return syntax();
      auto list = strings(value);
      if (!list) return list.take_error();
      for (const auto& a : *list) {
        if (!valid_action(a)) {
          return malformed(
              "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
        }
      }
      s.actions = std::move(*list);
      s.not_action = key == "NotAction";
      has_action = true;
    } else if (key == "Resource" || key == "NotResource") {
      if (s.has_resource) return syntax();
      if (kind == PolicyKind::kTrust) return malformed("Has prohibited field " + std::string(key));
      auto list = strings(value);
      if (!list) return list.take_error();
      for (const auto& r : *list) {
        if (!valid_resource(r)) {
          return malformed("Resource " + r + " must be in ARN format or \"*\".");
        }
      }
      s.resources = std::move(*list);
      s.not_resource = key == "NotResource";
      s.has_resource = true;
    } else if (key == "Principal" || key == "NotPrincipal") {
      if (has_principal) return syntax();
      if (kind == PolicyKind::kIdentity) {
        return malformed("Policy document should not specify a principal.");
      }
      auto p = parse_principal(value, key);
      if (!p) return p.take_error();
      s.principal = std::move(*p);
      s.not_principal = key == "NotPrincipal";
      has_principal = true;
    } else if (key == "Condition") {
      auto c = parse_conditions(value);
      if (!c) return c.take_error();
      s.conditions = std::move(*c);
    } else {
      return syntax();
    }
  }
  if (!has_effect) return syntax();
  if (!has_action || s.actions.empty()) return malformed("Policy statement must contain actions.");
  if (kind == PolicyKind::kIdentity && (!s.has_resource || s.resources.empty())) {
    return malformed("Policy statement must contain resources.");
  }
  if (kind != PolicyKind::kIdentity && !has_principal) {
    return malformed("Missing required field Principal");
  }
  return s;
}

}  // namespace

PatternKind classify_pattern(std::string_view pattern, bool variables) {
  if (pattern == "*") return PatternKind::kAny;
  if (variables && pattern.find("${") != std::string_view::npos) return PatternKind::kVariable;
  size_t wild = pattern.find_first_of("*?");
  if (wild == std::string_view::npos) return PatternKind::kLiteral;
  if (wild == pattern.size() - 1 && pattern[wild] == '*') return PatternKind::kPrefix;
  return PatternKind::kGlob;
}

bool known_condition_operator(std::string_view op) {
  for (const char* k : kOperators) {
    if (op == k) return true;
  }
  return false;
}

Result<Policy> parse_policy(std::string_view text, PolicyKind kind) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return syntax();
  Policy p;
  const json::value* statements = nullptr;
  for (const auto& [key, value] : doc.as_object()) {
    if (key == "Version") {
      if (!value.is_string()) return syntax();
      p.version = std::string(value.as_string());
      if (p.version != "2012-10-17" && p.version != "2008-10-17") {
        return malformed("The policy failed legacy parsing");
      }
    } else if (key == "Id") {
      if (!value.is_string()) return syntax();
      p.id = std::string(value.as_string());
    } else if (key == "Statement") {
      statements = &value;
    } else {
      return syntax();
    }
  }
  if (!statements) return syntax();
  std::set<std::string> sids;
  auto add = [&](const json::value& v) -> Status {
    auto s = parse_statement(v, kind);
    if (!s) return s.take_error();
    if (!s->sid.empty() && !sids.insert(s->sid).second) {
      return malformed("Statement IDs (SID) in a single policy must be unique.");
    }
    p.statements.push_back(std::move(*s));
    return Status::ok();
  };
  if (statements->is_array()) {
    if (statements->as_array().empty()) return syntax();
    for (const auto& v : statements->as_array()) NIMBUS_TRY(add(v));
  } else {
    NIMBUS_TRY(add(*statements));
  }
  auto names_tags = [](std::string_view text) {
    auto has = [text](std::string_view lowered) {
      return std::search(text.begin(), text.end(), lowered.begin(), lowered.end(),
                         [](char a, char b) {
                           return std::tolower(static_cast<unsigned char>(a)) == b;
                         }) != text.end();
    };
    return has("resourcetag/") || has("dynamodb:leadingkeys");
  };
  for (auto& s : p.statements) {
    for (const auto& a : s.actions) s.action_kinds.push_back(classify_pattern(a, false));
    for (const auto& r : s.resources) {
      s.resource_kinds.push_back(classify_pattern(r, true));
      p.reads_variables = p.reads_variables || s.resource_kinds.back() == PatternKind::kVariable;
      p.reads_request_keys = p.reads_request_keys || p.reads_variables;
    }
    p.reads_request_keys = p.reads_request_keys || !s.conditions.empty();
    for (const auto& c : s.conditions) {
      std::string key = c.key;
      for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (std::find(p.condition_keys.begin(), p.condition_keys.end(), key) ==
          p.condition_keys.end()) {
        p.condition_keys.push_back(std::move(key));
      }
      for (const auto& v : c.values) {
        p.reads_variables = p.reads_variables || v.find("${") != std::string::npos;
      }
    }
    for (const auto& c : s.conditions) {
      p.reads_resource_keys = p.reads_resource_keys || names_tags(c.key) ||
                              std::any_of(c.values.begin(), c.values.end(), names_tags);
    }
  }
  return p;
}

}  // namespace nimbus::iam
