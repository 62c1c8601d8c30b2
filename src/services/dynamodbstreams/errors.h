// DynamoDB Streams errors, by the model's error shape names, with AWS's
// messages.
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::services::dynamodbstreams::errors {

inline Error validation(std::string message) {
  return Error::make("ValidationException", std::move(message));
}
inline Error constraint(const std::string& value, const std::string& member,
                        const std::string& constraint) {
  return validation("1 validation error detected: Value " + value + " at '" + member +
                    "' failed to satisfy constraint: " + constraint);
}
inline Error stream_not_found(const std::string& arn) {
  return Error::make("ResourceNotFoundException",
                     "Requested resource not found: Stream: " + arn + " not found");
}
inline Error shard_not_found(const std::string& shard) {
  return Error::make("ResourceNotFoundException",
                     "Requested resource not found: Shard: " + shard + " not found");
}
inline Error expired_iterator() {
  return Error::make("ExpiredIteratorException",
                     "Iterator expired. The iterator was created "
                     "more than 15 minutes ago.");
}
inline Error trimmed(std::string message) {
  return Error::make("TrimmedDataAccessException", std::move(message));
}

}  // namespace nimbus::services::dynamodbstreams::errors
