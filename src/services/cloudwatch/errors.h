// CloudWatch errors, by the awsQuery codes of the model's error shapes
// (InvalidParameterValue, MissingParameter, InvalidParameterCombination,
// InvalidNextToken, ResourceNotFound, InvalidFormat), with AWS's messages.
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::services::cloudwatch::errors {

inline Error invalid(std::string message) {
  return Error::make("InvalidParameterValue", std::move(message), 400);
}
// "The value X for parameter P is invalid."
inline Error invalid_value(const std::string& value, const std::string& parameter) {
  return invalid("The value " + value + " for parameter " + parameter + " is invalid.");
}
inline Error missing(std::string message) {
  return Error::make("MissingParameter", std::move(message), 400);
}
inline Error combination(std::string message) {
  return Error::make("InvalidParameterCombination", std::move(message), 400);
}
inline Error bad_token() {
  return Error::make("InvalidNextToken", "The service couldn't process the NextToken.", 400);
}
// An alarm a call names does not exist (DeleteAlarms, SetAlarmState).
inline Error alarm_not_found(std::string message) {
  return Error::make("ResourceNotFound", std::move(message), 404);
}
// The tag operations' resource does not exist.
inline Error resource_not_found(const std::string& arn) {
  return Error::make("ResourceNotFoundException", "The resource " + arn + " does not exist.", 404);
}
// SetAlarmState's StateReasonData is not JSON.
inline Error invalid_format(std::string message) {
  return Error::make("InvalidFormat", std::move(message), 400);
}
inline Error validation(std::string message) {
  return Error::validation(std::move(message));
}

}  // namespace nimbus::services::cloudwatch::errors
