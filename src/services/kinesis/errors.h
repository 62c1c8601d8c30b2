// Kinesis Data Streams errors, by the model's error shape names, with AWS's
// messages.
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::services::kinesis::errors {

inline Error invalid(std::string message) {
  return Error::make("InvalidArgumentException", std::move(message));
}
inline Error validation(std::string message) {
  return Error::make("ValidationException", std::move(message));
}
inline Error pattern(const std::string& value, const std::string& member, const char* regex) {
  return validation("1 validation error detected: Value '" + value + "' at '" + member +
                    "' failed to satisfy constraint: Member must satisfy regular expression "
                    "pattern: " +
                    regex);
}
inline Error stream_not_found(const std::string& name, const std::string& account) {
  return Error::make("ResourceNotFoundException",
                     "Stream " + name + " under account " + account + " not found.");
}
inline Error stream_exists(const std::string& name, const std::string& account) {
  return Error::make("ResourceInUseException",
                     "Stream " + name + " under account " + account + " already exists.");
}
inline Error shard_not_found(const std::string& shard, const std::string& stream,
                             const std::string& account) {
  return Error::make(
      "ResourceNotFoundException",
      "Shard " + shard + " in stream " + stream + " under account " + account + " does not exist");
}
inline Error invalid_iterator() {
  return invalid("Invalid ShardIterator.");
}
inline Error expired_iterator(std::string message) {
  return Error::make("ExpiredIteratorException", std::move(message));
}
inline Error limit_exceeded(std::string message) {
  return Error::make("LimitExceededException", std::move(message));
}
inline Error in_use(std::string message) {
  return Error::make("ResourceInUseException", std::move(message));
}
inline Error throughput_exceeded(const std::string& shard, const std::string& stream,
                                 const std::string& account) {
  return Error::make("ProvisionedThroughputExceededException",
                     "Rate exceeded for shard " + shard + " in stream " + stream +
                         " under account " + account + ".");
}

}  // namespace nimbus::services::kinesis::errors
