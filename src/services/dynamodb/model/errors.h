// The one error the DynamoDB model reports: ValidationException with
// DynamoDB's own message. The service returns it as is (the protocol engine
// writes the 400 and the awsJson `__type`).
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::dynamodb {

inline Error validation_error(std::string message) {
  return Error::make("ValidationException", std::move(message), 400);
}

// "One or more parameter values were invalid: <what>", DynamoDB's prefix for
// bad attribute values and keys.
inline Error invalid_parameter(const std::string& what) {
  return validation_error("One or more parameter values were invalid: " + what);
}

}  // namespace nimbus::dynamodb
