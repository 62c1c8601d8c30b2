// SNS's errors, by the model's error shape names (the protocol engine writes
// the wire codes: NotFoundException -> NotFound, InvalidParameterException ->
// InvalidParameter) and SNS's own messages.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::services::sns::errors {

inline Error topic_not_found() {
  return Error::make("NotFoundException", "Topic does not exist");
}
inline Error subscription_not_found() {
  return Error::make("NotFoundException", "Subscription does not exist");
}
inline Error resource_not_found() {
  return Error::make("ResourceNotFoundException", "Resource does not exist");
}
// "Invalid parameter: <what>"
inline Error invalid(std::string_view what) {
  return Error::make("InvalidParameterException", "Invalid parameter: " + std::string(what));
}
// "Invalid parameter: <parameter> Reason: <reason>"
inline Error invalid(std::string_view parameter, std::string_view reason) {
  return invalid(std::string(parameter) + " Reason: " + std::string(reason));
}
inline Error invalid_value(std::string message) {
  return Error::make("InvalidParameterValueException", std::move(message));
}
inline Error tag_limit() {
  return Error::make("TagLimitExceededException",
                     "Could not complete request: tag quota of per resource exceeded");
}
inline Error tag_policy(std::string message) {
  return Error::make("TagPolicyException", std::move(message));
}
inline Error unavailable(std::string message) {
  return Error::make("InternalErrorException", std::move(message), 500);
}

}  // namespace nimbus::services::sns::errors
