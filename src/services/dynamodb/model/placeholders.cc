#include <algorithm>

#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/expression.h"

namespace nimbus::dynamodb {
namespace {

bool valid_key(std::string_view key, char sigil) {
  if (key.size() < 2 || key[0] != sigil) return false;
  return std::all_of(key.begin() + 1, key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string unused(const json::object& map, const std::vector<std::string>& used) {
  std::string keys;
  for (const auto& [k, v] : map) {
    if (std::find(used.begin(), used.end(), std::string_view(k)) != used.end()) continue;
    if (!keys.empty()) keys += ", ";
    keys += std::string(k);
  }
  return keys;
}

}  // namespace

Result<Placeholders> Placeholders::make(const json::object* names, const json::object* values) {
  Placeholders p;
  if (names != nullptr) {
    if (names->empty()) return validation_error("ExpressionAttributeNames must not be empty");
    for (const auto& [k, v] : *names) {
      if (!valid_key(k, '#')) {
        return validation_error(
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"" +
            std::string(k) + "\"");
      }
      if (!v.is_string()) {
        return validation_error("ExpressionAttributeNames contains invalid value: for key " +
                                std::string(k));
      }
    }
    p.names_ = *names;
  }
  if (values != nullptr) {
    if (values->empty()) return validation_error("ExpressionAttributeValues must not be empty");
    p.values_ = *values;
    for (auto& [k, v] : p.values_) {
      if (!valid_key(k, ':')) {
        return validation_error(
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"" +
            std::string(k) + "\"");
      }
      auto st = normalize_value(v);
      if (!st) {
        return validation_error("ExpressionAttributeValues contains invalid value: " +
                                st.error().message + " for key " + std::string(k));
      }
    }
  }
  return p;
}

Result<std::string> Placeholders::name(std::string_view placeholder, std::string_view kind) {
  const auto* v = names_.if_contains(placeholder);
  if (v == nullptr) {
    return validation_error(
        "Invalid " + std::string(kind) +
        ": An expression attribute name used in the document path is not defined; attribute "
        "name: " +
        std::string(placeholder));
  }
  if (std::find(used_names_.begin(), used_names_.end(), placeholder) == used_names_.end()) {
    used_names_.emplace_back(placeholder);
  }
  return std::string(v->as_string());
}

Result<json::value> Placeholders::value(std::string_view placeholder, std::string_view kind) {
  const auto* v = values_.if_contains(placeholder);
  if (v == nullptr) {
    return validation_error(
        "Invalid " + std::string(kind) +
        ": An expression attribute value used in expression is not defined; attribute value: " +
        std::string(placeholder));
  }
  if (std::find(used_values_.begin(), used_values_.end(), placeholder) == used_values_.end()) {
    used_values_.emplace_back(placeholder);
  }
  return *v;
}

Status Placeholders::check_all_used() const {
  if (auto keys = unused(names_, used_names_); !keys.empty()) {
    return validation_error(
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + keys + "}");
  }
  if (auto keys = unused(values_, used_values_); !keys.empty()) {
    return validation_error(
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + keys + "}");
  }
  return Status::ok();
}

}  // namespace nimbus::dynamodb
