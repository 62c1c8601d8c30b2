// JSONata in a state (QueryLanguage "JSONata"): a field's value is any JSON
// in which every string written "{% expression %}" is a JSONata expression
// (Arguments, Output, Assign, Items, ItemSelector, Condition, Seconds,
// Timestamp, Error, Cause). compile() checks every expression once;
// evaluate() fills the value in, with `$states` ({input, context, result,
// errorOutput}) and the execution's variables bound, and Step Functions' own
// functions ($partition, $range, $hash, $random, $uuid, $parse) added.
//
// Errors: States.QueryEvaluationError naming the expression and the field,
// also when an expression yields nothing.
//
// Threads: immutable after compile; share freely.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "common/result.h"

namespace nimbus::sfn::asl {

struct QueryNode;

class Query {
 public:
  // Fails with the message of the first expression that does not parse.
  static Result<Query> compile(const boost::json::value& raw);
  // Whether `text` is written as an expression ("{% ... %}").
  static bool is_expression(std::string_view text);
  Result<boost::json::value> evaluate(const boost::json::value& states,
                                      const boost::json::object* vars, int64_t now_ms,
                                      std::string_view field) const;

 private:
  std::shared_ptr<const QueryNode> root_;
};

}  // namespace nimbus::sfn::asl
