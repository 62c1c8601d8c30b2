// Helpers of the SAM transform's tests: a YAML template through the
// transform, and a look at one resource of the result.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "services/cloudformation/sam/transform.h"
#include "services/cloudformation/template/document.h"

namespace nimbus::cfn::sam::testing {

namespace json = boost::json;

inline Result<json::object> expand(std::string_view yaml) {
  auto doc = parse_document(yaml);
  EXPECT_TRUE(doc) << (doc ? "" : doc.error().message);
  if (!doc || !doc->is_object()) return Error::validation("not a template");
  return transform(doc->as_object());
}

// The expanded template's resources ({} when the transform failed).
inline json::object resources(std::string_view yaml) {
  auto out = expand(yaml);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  if (!out) return {};
  return out->at("Resources").as_object();
}

inline std::string type(const json::object& res, std::string_view id) {
  const auto* r = res.if_contains(id);
  return r == nullptr ? "<absent>" : std::string(r->at("Type").as_string());
}

inline const json::object& props(const json::object& res, std::string_view id) {
  return res.at(id).at("Properties").as_object();
}

inline json::value parse(std::string_view text) {
  return json::parse(text);
}

inline std::string error_of(std::string_view yaml) {
  auto out = expand(yaml);
  return out ? std::string("<no error>") : out.error().message;
}

}  // namespace nimbus::cfn::sam::testing
