#include "services/s3/config/policy_status.h"

#include <boost/json.hpp>
#include <cctype>
#include <string>

#include "common/text.h"

namespace nimbus::s3config {

namespace json = boost::json;

namespace {

bool wild(std::string_view s) {
  return s.find('*') != std::string_view::npos || s.find('?') != std::string_view::npos;
}

// A value or a list of values, every one of them passing `fixed`.
template <typename F>
bool all_of(const json::value& v, F fixed) {
  if (v.is_string()) return fixed(std::string_view(v.get_string()));
  if (!v.is_array() || v.get_array().empty()) return false;
  for (const auto& e : v.get_array()) {
    if (!e.is_string() || !fixed(std::string_view(e.get_string()))) return false;
  }
  return true;
}

bool any_principal(const json::value& principal) {
  if (principal.is_string()) return wild(principal.get_string());
  if (!principal.is_object()) return false;
  for (const auto& [kind, who] : principal.get_object()) {
    if (who.is_string() && wild(who.get_string())) return true;
    if (who.is_array()) {
      for (const auto& e : who.get_array()) {
        if (e.is_string() && wild(e.get_string())) return true;
      }
    }
  }
  return false;
}

// A condition that narrows who may call to fixed values.
bool fixes_caller(const json::value& condition) {
  if (!condition.is_object()) return false;
  for (const auto& [op_name, keys] : condition.get_object()) {
    std::string op = ascii_lower(op_name);
    if (op.find("not") != std::string::npos || op.ends_with("ifexists") || !keys.is_object()) {
      continue;
    }
    for (const auto& [key_name, values] : keys.get_object()) {
      std::string key = ascii_lower(key_name);
      if (key == "aws:sourceip") {
        if (op == "ipaddress" &&
            all_of(values, [](std::string_view cidr) { return !cidr.ends_with("/0"); })) {
          return true;
        }
        continue;
      }
      static constexpr std::string_view kFixing[] = {
          "aws:sourcearn",   "aws:sourcevpc",     "aws:sourcevpce",
          "aws:sourceowner", "aws:sourceaccount", "s3:x-amz-server-side-encryption-aws-kms-key-id",
          "aws:userid"};
      bool fixing = false;
      for (auto k : kFixing) fixing = fixing || key == k;
      if (fixing && all_of(values, [](std::string_view v) { return !v.empty() && !wild(v); })) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool bucket_policy_is_public(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return false;
  const auto* statements = doc.get_object().if_contains("Statement");
  if (statements == nullptr) return false;
  json::array list;
  if (statements->is_array()) {
    list = statements->get_array();
  } else {
    list.push_back(*statements);
  }
  for (const auto& s : list) {
    if (!s.is_object()) continue;
    const auto& st = s.get_object();
    const auto* effect = st.if_contains("Effect");
    if (effect == nullptr || !effect->is_string() || effect->get_string() != "Allow") continue;
    const auto* principal = st.if_contains("Principal");
    bool anyone =
        st.contains("NotPrincipal") || (principal != nullptr && any_principal(*principal));
    if (!anyone) continue;
    const auto* condition = st.if_contains("Condition");
    if (condition != nullptr && fixes_caller(*condition)) continue;
    return true;
  }
  return false;
}

}  // namespace nimbus::s3config
