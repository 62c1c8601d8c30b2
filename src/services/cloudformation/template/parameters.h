// A stack's parameter values: the values given (CreateStack's Parameters)
// checked against the template's declarations (type, AllowedValues,
// AllowedPattern, Min/MaxLength, Min/MaxValue), defaults filled in, with
// AWS's ValidationError messages.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>

#include "common/result.h"
#include "services/cloudformation/template/template.h"

namespace nimbus::cfn {

// Declared name -> value: a string, or for List<...>/CommaDelimitedList a
// list of strings (what Ref answers).
using ParameterValues = std::map<std::string, boost::json::value, std::less<>>;

// The longest parameter value AWS accepts.
inline constexpr size_t kMaxParameterValue = 4096;

Result<ParameterValues> resolve_parameters(const Template& t,
                                           const std::map<std::string, std::string>& given);

// The value as a stack shows it: "****" for NoEcho parameters.
std::string shown_value(const ParameterDecl& p, const std::string& given);

}  // namespace nimbus::cfn
