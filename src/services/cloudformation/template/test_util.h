// Helpers of the template library's tests.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "services/cloudformation/template/document.h"
#include "services/cloudformation/template/template.h"

namespace nimbus::cfn::testing {

inline boost::json::value doc(std::string_view text) {
  auto v = parse_document(text);
  EXPECT_TRUE(v) << (v ? "" : v.error().message);
  return v ? *v : boost::json::value();
}

inline Template tmpl(std::string_view text) {
  auto t = parse_template(text);
  EXPECT_TRUE(t) << (t ? "" : t.error().message);
  return t ? *t : Template{};
}

// The message of the error `r` holds ("" when it holds a value).
template <typename R>
std::string message(const R& r) {
  return r ? std::string() : r.error().message;
}

}  // namespace nimbus::cfn::testing
