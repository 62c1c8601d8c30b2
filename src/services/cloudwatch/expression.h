// Metric math, the part nimbus evaluates: arithmetic (+ - * /, unary minus,
// parentheses) over numbers and the ids of other GetMetricData queries.
// Functions (SUM, METRICS, FILL, SEARCH, ...) are not supported: parse()
// says so, and GetMetricData answers ValidationError.
//
// Ownership and threads: plain values; parse and evaluate on any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::services::cloudwatch {

// A time series: timestamp (ms) -> value.
using Series = std::map<int64_t, double>;

struct Expr {
  enum class Kind { kNumber, kId, kNeg, kAdd, kSub, kMul, kDiv };
  Kind kind = Kind::kNumber;
  double number = 0;
  std::string id;
  std::unique_ptr<Expr> lhs, rhs;
};

// The tree of `text`, or ValidationError "Error in expression ..." naming
// what is wrong. At most 2,048 characters and 64 levels of nesting.
Result<std::unique_ptr<Expr>> parse_expression(std::string_view text);

// The ids the expression reads.
void expression_ids(const Expr& e, std::vector<std::string>& out);

// A scalar expression gives one value; a series expression a series (series
// combined point by point on the timestamps both have; a division by zero
// drops the point).
struct Value {
  bool scalar = true;
  double number = 0;
  Series series;
};
Value evaluate(const Expr& e, const std::function<const Series&(const std::string&)>& series_of);

}  // namespace nimbus::services::cloudwatch
