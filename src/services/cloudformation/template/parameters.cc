#include "services/cloudformation/template/parameters.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <vector>

namespace nimbus::cfn {

namespace json = boost::json;

namespace {

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    auto comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? comma : comma - start);
    // AWS trims the blanks around each element of a list parameter.
    auto b = item.find_first_not_of(' ');
    auto e = item.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<double> as_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::string number_text(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  return json::serialize(json::value(d));
}

bool matches(const std::string& pattern, const std::string& value) {
  try {
    return std::regex_match(value, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::exception&) {
    return false;  // a pattern std::regex cannot read matches nothing
  }
}

// The first constraint `value` breaks, as AWS words it ("" when none).
std::string broken_constraint(const ParameterDecl& p, const std::string& value) {
  const std::string name = "Parameter '" + p.name + "'";
  if (!p.allowed_values.empty() && std::find(p.allowed_values.begin(), p.allowed_values.end(),
                                             value) == p.allowed_values.end()) {
    return name + " must be one of AllowedValues";
  }
  if (p.allowed_pattern && !matches(*p.allowed_pattern, value)) {
    return name + " must match pattern " + *p.allowed_pattern;
  }
  if (p.min_length && static_cast<int64_t>(value.size()) < *p.min_length) {
    return name + " must contain at least " + std::to_string(*p.min_length) + " characters";
  }
  if (p.max_length && static_cast<int64_t>(value.size()) > *p.max_length) {
    return name + " must contain at most " + std::to_string(*p.max_length) + " characters";
  }
  bool numeric = p.type == "Number" || p.type == "List<Number>";
  if (numeric || p.min_value || p.max_value) {
    auto n = as_number(value);
    if (!n) return name + " must be a number";
    if (p.min_value && *n < *p.min_value) {
      return name + " must be a number not less than " + number_text(*p.min_value);
    }
    if (p.max_value && *n > *p.max_value) {
      return name + " must be a number not greater than " + number_text(*p.max_value);
    }
  }
  return {};
}

Status check_value(const ParameterDecl& p, const std::string& value) {
  if (value.size() > kMaxParameterValue) {
    return Error::validation("Parameter '" + p.name + "' must contain at most " +
                             std::to_string(kMaxParameterValue) + " characters");
  }
  std::vector<std::string> items = p.is_list() ? split_list(value) : std::vector{value};
  for (const auto& item : items) {
    std::string broken = broken_constraint(p, item);
    if (broken.empty()) continue;
    if (!p.constraint_description.empty()) {
      return Error::validation("Parameter '" + p.name +
                               "' failed to satisfy constraint: " + p.constraint_description);
    }
    return Error::validation(broken);
  }
  return Status::ok();
}

}  // namespace

Result<ParameterValues> resolve_parameters(const Template& t,
                                           const std::map<std::string, std::string>& given) {
  std::vector<std::string> unknown;
  for (const auto& [name, value] : given) {
    if (t.parameter(name) == nullptr) unknown.push_back(name);
  }
  if (!unknown.empty()) {
    return Error::validation("Parameters: [" + join_list(unknown) +
                             "] do not exist in the template");
  }
  std::vector<std::string> missing;
  for (const auto& p : t.parameters) {
    if (!given.contains(p.name) && !p.default_value) missing.push_back(p.name);
  }
  if (!missing.empty()) {
    return Error::validation("Parameters: [" + join_list(missing) + "] must have values");
  }
  ParameterValues out;
  for (const auto& p : t.parameters) {
    auto it = given.find(p.name);
    const std::string& value = it != given.end() ? it->second : *p.default_value;
    NIMBUS_TRY(check_value(p, value));
    if (p.is_list()) {
      json::array list;
      for (auto& item : split_list(value)) list.emplace_back(item);
      out[p.name] = std::move(list);
    } else {
      out[p.name] = json::string(value);
    }
  }
  return out;
}

std::string shown_value(const ParameterDecl& p, const std::string& given) {
  return p.no_echo ? std::string("****") : given;
}

}  // namespace nimbus::cfn
