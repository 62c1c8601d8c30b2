// The parameters DynamoDB had before expressions (Expected, AttributesToGet,
// KeyConditions, QueryFilter, ScanFilter, ConditionalOperator,
// AttributeUpdates), turned into the structures of expression.h, with
// DynamoDB's messages. parse_request() calls these; internal to the model.
#pragma once

#include <optional>

#include "services/dynamodb/model/expression.h"

namespace nimbus::dynamodb {

// Expected / QueryFilter / ScanFilter, joined by ConditionalOperator ("AND"
// when empty). `parameter` names the member ("Expected", "QueryFilter",
// "ScanFilter"). No condition when the map is empty.
Result<std::optional<Condition>> condition_from_legacy(const json::object& conditions,
                                                       std::string_view conditional_operator,
                                                       std::string_view parameter);
Result<Projection> projection_from_attributes_to_get(const json::array& names);
Result<KeyCondition> key_condition_from_legacy(const json::object& key_conditions,
                                               const KeySchema& schema);
Result<Update> update_from_attribute_updates(const json::object& updates);

}  // namespace nimbus::dynamodb
