// Choice rules: the comparison operators of a Choice state (StringEquals,
// NumericLessThanPath, IsPresent, StringMatches, ...) and And / Or / Not.
//
// parse() takes one rule object (a Choices element, or a nested rule) and
// reports the first problem as a diagnostic message; evaluate() answers
// whether the rule holds for the input, failing with States.Runtime when
// the Variable names nothing (except for IsPresent) as AWS does.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/stepfunctions/asl/json_path.h"
#include "services/stepfunctions/asl/payload.h"

namespace nimbus::sfn::asl {

struct ChoiceRule {
  std::string op;  // "And", "Or", "Not", or a comparison operator name
  std::vector<ChoiceRule> children;
  std::optional<Path> variable;
  boost::json::value operand;        // the literal operand
  std::optional<Path> operand_path;  // the *Path forms
  std::string next;                  // top-level rules only
  std::optional<Template> assign;    // a top-level rule's Assign

  // `top`: a Choices element (Next required); error message on failure.
  static Result<ChoiceRule> parse(const boost::json::value& rule, bool top);
  // `vars`: the workflow variables a `$name` Variable or *Path reads.
  Result<bool> evaluate(const boost::json::value& input, const boost::json::value& context,
                        const boost::json::object* vars = nullptr) const;
};

}  // namespace nimbus::sfn::asl
