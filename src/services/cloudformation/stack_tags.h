// Stack tags on resources: CreateStack's and UpdateStack's Tags, and the
// aws:cloudformation:stack-name / stack-id / logical-id tags AWS adds, merged
// into the Tags property of the resource types that take them before the
// provider sees the properties (README: Stack tags).
#pragma once

#include <boost/json.hpp>
#include <string>

#include "common/result.h"
#include "services/cloudformation/stack.h"

namespace nimbus::services::cloudformation {

// `props` (a resource's resolved properties) with the stack's tags added to
// its Tags list: a key the resource sets itself keeps the resource's value.
// Unchanged for a type that takes no stack tags. A Tags key of the template's
// own starting with "aws:" is refused: those are AWS's, and some services
// (S3, Lambda, IAM in nimbus) take them from any caller.
Result<json::object> with_stack_tags(const StackState& s, const std::string& logical_id,
                                     const std::string& type, json::object props);

}  // namespace nimbus::services::cloudformation
