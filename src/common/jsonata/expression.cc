// Expression::evaluate: one Evaluator per call, and the result made plain
// JSON (whole numbers as integers, as JSON.stringify would print them).
#include <cmath>

#include "common/jsonata/eval.h"

namespace nimbus::jsonata {

namespace json = boost::json;

namespace {
void plain_numbers(json::value& v) {
  if (v.is_double()) {
    double d = v.get_double();
    if (!std::isfinite(d)) {
      v = nullptr;  // as JSON.stringify writes Infinity and NaN
      return;
    }
    if (std::floor(d) == d && std::fabs(d) < 9007199254740992.0) v = static_cast<int64_t>(d);
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) plain_numbers(x);
  } else if (v.is_object()) {
    for (auto& [k, x] : v.get_object()) plain_numbers(x);
  }
}
}  // namespace

Outcome Expression::evaluate(const json::value* input, const Options& options) const {
  Evaluator ev(options, input);
  Value v = ev.run(*root_);
  if (ev.error()) return *ev.error();
  if (!v.is_json()) return Maybe();
  plain_numbers(v.json);
  return Maybe(std::move(v.json));
}

}  // namespace nimbus::jsonata
