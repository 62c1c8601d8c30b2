// Helpers for the model's unit tests: requests and items from JSON text.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "services/dynamodb/model/expression.h"

namespace nimbus::dynamodb::testing {

inline json::object object(std::string_view text) {
  return json::parse(text).as_object();
}

// The request's error message, or "ok".
inline std::string request_error(std::string_view input, const KeySchema* schema = nullptr) {
  auto r = parse_request(object(input), schema);
  return r ? "ok" : r.error().message;
}

// The parsed request; fails the test on an error.
inline RequestExpressions request(std::string_view input, const KeySchema* schema = nullptr) {
  auto r = parse_request(object(input), schema);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? std::move(*r) : RequestExpressions{};
}

}  // namespace nimbus::dynamodb::testing
