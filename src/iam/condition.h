// One condition of a statement against the request's keys, with IAM's rules
// for missing keys (...IfExists, Null, negated operators) and multi-valued
// keys (ForAllValues / ForAnyValue).
#pragma once

#include "iam/context.h"
#include "iam/policy.h"

namespace nimbus::iam {

bool condition_matches(const Condition& condition, const RequestContext& request);

}  // namespace nimbus::iam
