// Helpers of the config library's tests.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::s3config::testing {

inline boost::json::object doc(std::string_view text) {
  return boost::json::parse(text).as_object();
}

// The error code of a failed Status, "" when it succeeded.
inline std::string code(const Status& s) {
  return s.is_ok() ? std::string() : s.error().code;
}
inline std::string message(const Status& s) {
  return s.is_ok() ? std::string() : s.error().message;
}

}  // namespace nimbus::s3config::testing
