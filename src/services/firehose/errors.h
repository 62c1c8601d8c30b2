// Amazon Data Firehose errors, by the model's error shape names, with AWS's
// messages where AWS documents or is known to send them (the prefix
// reasons are nimbus's wording: README.md, Differs from AWS).
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::services::firehose::errors {

inline Error not_found(const std::string& name, const std::string& account) {
  return Error::make("ResourceNotFoundException",
                     "Firehose " + name + " under account " + account + " not found.");
}
inline Error in_use(const std::string& name, const std::string& account) {
  return Error::make("ResourceInUseException",
                     "Firehose " + name + " under accountId " + account + " already exists.");
}
inline Error invalid(std::string message) {
  return Error::make("InvalidArgumentException", std::move(message));
}
inline Error invalid_prefix(const std::string& reason) {
  return invalid("Prefix expression is invalid: " + reason + ".");
}
inline Error limit_exceeded(std::string message) {
  return Error::make("LimitExceededException", std::move(message));
}
inline Error unavailable(std::string message) {
  return Error::make("ServiceUnavailableException", std::move(message), 503);
}

}  // namespace nimbus::services::firehose::errors
