// EventBridge Scheduler's errors, by the model's error shape names, with
// Scheduler's messages.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::services::scheduler::errors {

inline Error validation(std::string message) {
  return Error::make("ValidationException", std::move(message));
}
inline Error conflict(std::string message) {
  return Error::make("ConflictException", std::move(message), 409);
}
inline Error not_found(std::string message) {
  return Error::make("ResourceNotFoundException", std::move(message), 404);
}
inline Error schedule_not_found(std::string_view name) {
  return not_found("Schedule " + std::string(name) + " does not exist.");
}
inline Error group_not_found(std::string_view name) {
  return not_found("Schedule group " + std::string(name) + " does not exist.");
}
inline Error internal(std::string message) {
  return Error::make("InternalServerException", std::move(message), 500);
}

}  // namespace nimbus::services::scheduler::errors
