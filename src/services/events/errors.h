// EventBridge's errors, by the model's error shape names, with EventBridge's
// messages.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::services::eventbridge::errors {

inline Error validation(std::string message) {
  return Error::make("ValidationException", std::move(message));
}
inline Error not_found(std::string message) {
  return Error::make("ResourceNotFoundException", std::move(message));
}
inline Error rule_not_found(std::string_view rule, std::string_view bus) {
  return not_found("Rule " + std::string(rule) + " does not exist on EventBus " + std::string(bus) +
                   ".");
}
inline Error bus_not_found(std::string_view bus) {
  return not_found("Event bus " + std::string(bus) + " does not exist.");
}
inline Error already_exists(std::string message) {
  return Error::make("ResourceAlreadyExistsException", std::move(message));
}
inline Error limit(std::string message) {
  return Error::make("LimitExceededException", std::move(message));
}
inline Error schedule_invalid() {
  return validation("Parameter ScheduleExpression is not valid.");
}
// "Failed to describe the connection(s). Connection 'x' does not exist.";
// `kind` is "connection" or "api-destination".
inline Error destination_not_found(std::string_view verb, std::string_view kind,
                                   std::string_view name) {
  std::string what = kind == "connection" ? "Connection '" : "An api-destination '";
  return not_found("Failed to " + std::string(verb) + " the " + std::string(kind) + "(s). " + what +
                   std::string(name) + "' does not exist.");
}
inline Error unavailable(std::string message) {
  return Error::make("InternalException", std::move(message), 500);
}

}  // namespace nimbus::services::eventbridge::errors
