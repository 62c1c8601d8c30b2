#include "services/sns/filter_policy.h"

#include <boost/json.hpp>
#include <cmath>

#include "services/sns/errors.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

constexpr size_t kMaxKeys = 5;
constexpr double kMaxCombinations = 150;
constexpr double kMaxNumber = 1e9;

Error filter_error(std::string_view reason) {
  return errors::invalid("FilterPolicy: " + std::string(reason));
}

// Checks what SNS adds to the pattern's rules, and counts the combinations
// of values the policy (or one object of it) names: the product over its
// fields, `$or` adding up its alternatives.
Result<double> combinations(const json::object& o, FilterScope scope, int depth) {
  double total = 1;
  for (const auto& [key, v] : o) {
    if (key == "$or" && v.is_array()) {
      double sum = 0;
      for (const auto& alt : v.as_array()) {
        if (!alt.is_object()) continue;  // the pattern's parse names the error
        auto n = combinations(alt.as_object(), scope, depth);
        if (!n) return n;
        sum += *n;
      }
      total *= std::max(sum, 1.0);
    } else if (v.is_object()) {
      if (scope == FilterScope::kMessageAttributes) {
        return filter_error(
            "Filter policy scope MessageAttributes does not support nested filter policy");
      }
      auto n = combinations(v.as_object(), scope, depth + 1);
      if (!n) return n;
      total *= *n;
    } else if (v.is_array()) {
      for (const auto& leaf : v.as_array()) {
        const auto* op = leaf.is_object() ? leaf.as_object().if_contains("numeric") : nullptr;
        if (op == nullptr || !op->is_array()) continue;
        for (const auto& x : op->as_array()) {
          if (x.is_number() && std::fabs(x.to_number<double>()) > kMaxNumber) {
            return filter_error("Value must be between -1.0E9 and 1.0E9, inclusive");
          }
        }
      }
      total *= std::max<double>(1, static_cast<double>(v.as_array().size()));
    }
  }
  return total;
}

// The message attributes as the object a MessageAttributes policy matches.
json::object attribute_event(const std::vector<events::Attribute>& attributes) {
  json::object o;
  for (const auto& a : attributes) {
    if (a.binary || a.type.rfind("Binary", 0) == 0) continue;
    if (a.type.rfind("Number", 0) == 0 || a.type == "String.Array") {
      boost::system::error_code ec;
      auto v = json::parse(a.value, ec);
      if (!ec && (a.type == "String.Array" ? v.is_array() : v.is_number())) {
        o[a.name] = std::move(v);
        continue;
      }
    }
    o[a.name] = a.value;
  }
  return o;
}

}  // namespace

std::optional<FilterScope> FilterPolicy::scope_named(std::string_view name) {
  if (name == "MessageAttributes") return FilterScope::kMessageAttributes;
  if (name == "MessageBody") return FilterScope::kMessageBody;
  return std::nullopt;
}

Result<std::shared_ptr<const FilterPolicy>> FilterPolicy::parse(std::string_view policy,
                                                                FilterScope scope) {
  boost::system::error_code ec;
  auto doc = json::parse(policy, ec);
  if (ec || !doc.is_object()) {
    return filter_error("failed to parse JSON. Filter policy must be a JSON object");
  }
  const auto& o = doc.as_object();
  if (o.empty()) return filter_error("Filter policy can not be empty");
  if (scope == FilterScope::kMessageAttributes && o.size() > kMaxKeys) {
    return filter_error("Filter policy can not have more than 5 keys");
  }
  auto n = combinations(o, scope, 0);
  if (!n) return n.take_error();
  if (*n > kMaxCombinations) return filter_error("Filter policy is too complex");
  auto pattern = events::EventPattern::parse(policy);
  if (!pattern) {
    std::string reason = pattern.error().message;
    constexpr std::string_view kPrefix = "Event pattern is not valid. Reason: ";
    if (reason.rfind(kPrefix, 0) == 0) reason = reason.substr(kPrefix.size());
    return filter_error(reason);
  }
  return std::shared_ptr<const FilterPolicy>(new FilterPolicy(std::move(*pattern), scope));
}

bool FilterPolicy::matches(const std::vector<events::Attribute>& attributes,
                           std::string_view body) const {
  if (scope_ == FilterScope::kMessageAttributes) {
    return pattern_.matches(json::value(attribute_event(attributes)));
  }
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return false;
  return pattern_.matches(doc);
}

std::shared_ptr<const FilterPolicy> compile_filter(const Subscription& s) {
  auto it = s.attributes.find("FilterPolicy");
  if (it == s.attributes.end() || it->second.empty()) return nullptr;
  auto scope_it = s.attributes.find("FilterPolicyScope");
  auto scope =
      scope_it == s.attributes.end()
          ? FilterScope::kMessageAttributes
          : FilterPolicy::scope_named(scope_it->second).value_or(FilterScope::kMessageAttributes);
  auto p = FilterPolicy::parse(it->second, scope);
  return p ? *p : nullptr;
}

}  // namespace nimbus::services::sns
