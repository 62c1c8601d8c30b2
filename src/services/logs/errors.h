// CloudWatch Logs errors, by the model's error shape names, with AWS's
// messages.
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::services::logs::errors {

inline Error group_not_found() {
  return Error::make("ResourceNotFoundException", "The specified log group does not exist.");
}
inline Error stream_not_found() {
  return Error::make("ResourceNotFoundException", "The specified log stream does not exist.");
}
inline Error group_exists() {
  return Error::make("ResourceAlreadyExistsException", "The specified log group already exists");
}
inline Error stream_exists() {
  return Error::make("ResourceAlreadyExistsException", "The specified log stream already exists");
}
inline Error too_many_tags() {
  return Error::make("TooManyTagsException", "A resource can have no more than 50 tags.");
}
inline Error invalid(std::string message) {
  return Error::make("InvalidParameterException", std::move(message));
}
inline Error unavailable(std::string message) {
  return Error::make("ServiceUnavailableException", std::move(message), 503);
}

}  // namespace nimbus::services::logs::errors
