// A template made ready for a stack operation: parsed, its parameters given
// values, its conditions evaluated, its graph built, its resource types and
// capabilities checked — every ValidationError AWS gives before it starts
// creating anything. Nothing here touches storage or another service.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/cloudformation/stack.h"
#include "services/cloudformation/template/graph.h"
#include "services/cloudformation/template/intrinsics.h"
#include "services/cloudformation/template/template.h"

namespace nimbus::services::cloudformation {

struct Prepared {
  cfn::Template tmpl;
  cfn::ParameterValues values;
  cfn::Conditions conditions;
  cfn::Graph graph;
  std::vector<Parameter> parameters;  // every declared parameter's value, as given
  std::vector<std::string> included;  // logical ids whose Condition holds, in graph order
};

struct PrepareInput {
  std::string body;                          // the template text
  std::map<std::string, std::string> given;  // parameter values given
  std::vector<std::string> capabilities;     // CAPABILITY_IAM, ...
  std::string stack_name, stack_id, region, account_id;
  // A change set shows the expanded template before anything runs, so AWS
  // does not ask it for CAPABILITY_AUTO_EXPAND; CreateStack / UpdateStack do.
  bool change_set = false;
};

// Parses and checks; the errors are AWS's ValidationError (or
// InsufficientCapabilitiesException).
Result<Prepared> prepare(const PrepareInput& in);
// The same for a template already parsed (the stack's stored one).
Result<Prepared> prepare(cfn::Template tmpl, const PrepareInput& in);

// The scope intrinsic functions see for a stack (pseudo parameters,
// parameter values, mappings, conditions); the caller adds ref/get_att.
cfn::Scope scope_of(const Prepared& p, const PrepareInput& in);

}  // namespace nimbus::services::cloudformation
