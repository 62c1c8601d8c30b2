// NoEcho: what describe calls show masked — the values of NoEcho
// parameters ("****", in DescribeStacks and in the events' properties) and
// the attributes of custom resources whose handler answered NoEcho
// ("*****", in the events' properties and in outputs), as AWS masks them.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "services/cloudformation/stack.h"

namespace nimbus::services::cloudformation {

using Secrets = std::vector<std::pair<std::string, std::string>>;  // value, mask

// The stack's secrets with their masks; NoEcho parameters only when
// `parameters` (AWS shows their values in outputs).
Secrets secrets(const StackState& s, bool parameters);
// Masks every occurrence of a secret in the strings of `v`.
void mask(boost::json::value& v, const Secrets& hidden);

}  // namespace nimbus::services::cloudformation
