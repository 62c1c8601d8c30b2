// Reading members of JSON objects: a handler's input (the engine has
// validated types against the model, so these only smooth over what a model
// allows either way: numbers sent as strings by awsQuery, absent vs null) and
// stored documents.
#pragma once

#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus {

// A stored JSON document: the object, or nullopt when the text is not one.
inline std::optional<boost::json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// A list of strings as a JSON array.
inline boost::json::array string_array(const std::vector<std::string>& items) {
  boost::json::array a;
  a.reserve(items.size());
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

// The object at `key`, or nullptr when absent or not an object.
inline const boost::json::object* object_at(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

// The string at `key`, or "" when absent or not a string.
inline std::string str(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Present and not null.
inline bool has(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && !v->is_null();
}

// An integer member, also from a double or a decimal string.
inline std::optional<int64_t> integer(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) {
    // Saturated: a huge number stays huge (and fails a range check) rather
    // than converting out of range, which is undefined.
    double d = v->as_double();
    if (d >= 9.2e18) return std::numeric_limits<int64_t>::max();
    if (d <= -9.2e18) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
  }
  if (v->is_string()) {
    int64_t n = 0;
    auto s = v->as_string();
    auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return n;
  }
  return std::nullopt;
}

// A boolean member, also from "true"/"false".
inline std::optional<bool> boolean(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_bool()) return v->as_bool();
  if (v->is_string()) return v->as_string() == "true";
  return std::nullopt;
}

// A map member; non-string values as their JSON text.
inline std::map<std::string, std::string> string_map(const boost::json::object& o,
                                                     std::string_view key) {
  std::map<std::string, std::string> out;
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_object()) return out;
  for (const auto& [k, val] : v->as_object()) {
    out[std::string(k)] =
        val.is_string() ? std::string(val.as_string()) : boost::json::serialize(val);
  }
  return out;
}

// The string elements of a list member.
inline std::vector<std::string> string_list(const boost::json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& e : v->as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

}  // namespace nimbus
