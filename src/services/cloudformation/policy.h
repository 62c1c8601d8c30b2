// Stack policies (SetStackPolicy, StackPolicyBody, StackPolicyDuringUpdate*):
// the JSON document checked when stored, and evaluated for each resource an
// update modifies or replaces, as AWS does: once a policy is set every
// update action is denied unless a statement allows it, and a Deny wins.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::services::cloudformation {

// `body` when it is a stack policy (a JSON object whose Statement is a
// list of statements with Effect Allow or Deny), else AWS's ValidationError.
Result<std::string> stack_policy(const std::string& body);

// Why `policy` refuses `action` ("Update:Modify", "Update:Replace",
// "Update:Delete") on the resource, in AWS's words; "" when it allows it.
// Statements match on Action / NotAction ("Update:*" and other `*`
// patterns), Resource / NotResource ("*", "LogicalResourceId/NAME" with
// `*`), and a Condition StringEquals / StringLike on ResourceType.
std::string policy_denial(const std::string& policy, std::string_view logical_id,
                          std::string_view type, std::string_view action);

}  // namespace nimbus::services::cloudformation
