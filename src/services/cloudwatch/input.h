// Reading CloudWatch's input values (the engine has checked their types
// against the model; awsQuery's strings and awsJson's numbers both arrive).
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "services/cloudwatch/metric.h"

namespace nimbus::services::cloudwatch::input {

// A double member (also from an integer or a decimal string).
inline std::optional<double> number(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_string()) {
    try {
      return std::stod(std::string(v->as_string()));
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// A timestamp member (epoch seconds, services/service.h) in milliseconds.
inline std::optional<int64_t> millis(const boost::json::object& o, std::string_view key) {
  auto s = number(o, key);
  if (!s || !std::isfinite(*s)) return std::nullopt;
  // Clamped to ±10^13 s (300,000 years) so that differences of timestamps
  // cannot overflow.
  constexpr double kLimit = 1e13;
  return static_cast<int64_t>(std::llround(std::clamp(*s, -kLimit, kLimit) * 1000));
}

inline const boost::json::array* array(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? &v->as_array() : nullptr;
}

// Output timestamps: epoch seconds, integer when whole.
inline boost::json::value seconds(int64_t ms) {
  if (ms % 1000 == 0) return ms / 1000;
  return static_cast<double>(ms) / 1000.0;
}

// A Dimensions member, sorted by name (a metric's identity, metric.h).
inline Dimensions dimensions(const boost::json::object& o, std::string_view key) {
  Dimensions dims;
  if (const auto* a = array(o, key)) {
    for (const auto& d : *a) {
      if (const auto* obj = d.if_object()) dims.emplace_back(str(*obj, "Name"), str(*obj, "Value"));
    }
  }
  std::sort(dims.begin(), dims.end());
  return dims;
}

inline boost::json::array dimensions_json(const Dimensions& dims) {
  boost::json::array out;
  for (const auto& [n, v] : dims) out.push_back(boost::json::object{{"Name", n}, {"Value", v}});
  return out;
}

}  // namespace nimbus::services::cloudwatch::input
