// Reading items along document paths and evaluating condition trees
// (ast.h). Internal to the model; expression.h is the interface.
#pragma once

#include "services/dynamodb/model/ast.h"
#include "services/dynamodb/model/value.h"

namespace nimbus::dynamodb {

// The attribute value at `path`, or null when the item has none there.
const json::value* resolve_path(const json::object& item, const Path& path);
// The same for changing it in place.
json::value* resolve_path(json::object& item, const Path& path, size_t length);

// A condition operand's value (path, literal or size()), or null when
// absent. `scratch` holds a computed value.
const json::value* operand_value(const Operand& o, const json::object& item, json::value& scratch);

bool evaluate_condition(const ConditionNode& node, const json::object& item);

}  // namespace nimbus::dynamodb
