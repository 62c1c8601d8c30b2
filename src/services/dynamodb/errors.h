// DynamoDB errors, by the model's error shape names, with AWS's messages.
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::services::dynamodb::errors {

inline Error validation(std::string message) {
  return Error::make("ValidationException", std::move(message));
}
// A parameter AWS rejects in the "One or more parameter values were invalid:"
// family.
inline Error invalid_parameter(const std::string& detail) {
  return validation("One or more parameter values were invalid: " + detail);
}
// One member failing a model constraint, in the protocol engine's wording.
inline Error constraint(const std::string& value, const std::string& member,
                        const std::string& constraint) {
  return validation("1 validation error detected: Value " + value + " at '" + member +
                    "' failed to satisfy constraint: " + constraint);
}
inline Error table_not_found() {
  return Error::make("ResourceNotFoundException", "Requested resource not found");
}
// Item operations on a table that does not exist.
inline Error no_table_for_items() {
  return Error::make("ResourceNotFoundException", "Cannot do operations on a non-existent table");
}
inline Error table_not_found_named(const std::string& name) {
  return Error::make("ResourceNotFoundException",
                     "Requested resource not found: Table: " + name + " not found");
}
inline Error arn_not_found(const std::string& arn) {
  return Error::make("ResourceNotFoundException",
                     "Requested resource not found: ResourcArn: " + arn + " not found");
}
inline Error table_exists(const std::string& name) {
  return Error::make("ResourceInUseException", "Table already exists: " + name);
}
inline Error in_use(std::string message) {
  return Error::make("ResourceInUseException", std::move(message));
}
inline Error limit_exceeded(std::string message) {
  return Error::make("LimitExceededException", std::move(message));
}
inline Error table_not_found_backup(const std::string& name) {
  return Error::make("TableNotFoundException", "Table not found: " + name);
}
inline Error conditional_check_failed() {
  return Error::make("ConditionalCheckFailedException", "The conditional request failed");
}

}  // namespace nimbus::services::dynamodb::errors
