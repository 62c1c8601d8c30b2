// Intrinsic functions and conditions: a template value with Ref, Fn::GetAtt,
// Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::FindInMap,
// Fn::GetAZs, Fn::Base64, Fn::Cidr, Fn::Length, Fn::ToJsonString,
// Fn::ImportValue and the condition functions (Fn::Equals, Fn::And, Fn::Or,
// Fn::Not, Condition) replaced by what they answer, given a Scope (the
// parameters, pseudo parameters, mappings, evaluated conditions and the
// stack's resources). Ref AWS::NoValue removes the member or element it
// stands for. Pure: nothing here reads storage; the Scope's callbacks answer
// what the stack already knows.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "services/cloudformation/template/parameters.h"

namespace nimbus::cfn {

using Conditions = std::map<std::string, bool, std::less<>>;

struct Scope {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string stack_name;
  std::string stack_id;
  std::string partition = "aws";
  std::string url_suffix = "amazonaws.com";
  std::vector<std::string> notification_arns;

  const ParameterValues* parameters = nullptr;
  const boost::json::object* mappings = nullptr;
  const Conditions* conditions = nullptr;  // evaluated (evaluate_conditions)

  // What Ref of a resource answers (its physical id), and one of its
  // attributes; an Error (template_error) when the stack cannot tell.
  std::function<Result<boost::json::value>(std::string_view logical_id)> ref;
  std::function<Result<boost::json::value>(std::string_view logical_id, std::string_view attribute)>
      get_att;
  // The value another stack exports under `name`.
  std::function<Result<boost::json::value>(std::string_view name)> import_value;
};

// `v` with every intrinsic function replaced by its value. A top-level
// AWS::NoValue answers null.
Result<boost::json::value> resolve(const boost::json::value& v, const Scope& scope);

// Evaluates every condition of the template's Conditions section (they may
// name each other; a cycle is an error).
Result<Conditions> evaluate_conditions(const boost::json::object& section, const Scope& scope);

// Whether a resource or output whose Condition attribute is `condition`
// (absent: always) is part of the stack.
bool included(const boost::json::object& resource_or_output, const Conditions& conditions);

// The pseudo parameter's value, or nullopt when `name` is not one.
std::optional<boost::json::value> pseudo_parameter(std::string_view name, const Scope& scope);

// The ${...} references of a Fn::Sub string: variable names as written
// (Name, Resource.Attribute), "${!Literal}" escapes excluded.
std::vector<std::string> sub_variables(std::string_view text);

}  // namespace nimbus::cfn
