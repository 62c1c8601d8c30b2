// IAM's errors, by the model's error shape names (the protocol engine
// writes their codes: NoSuchEntity, EntityAlreadyExists, ...) and IAM's
// own messages.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::services::iam::errors {

// STS's refusal (AssumeRole*, GetSessionToken, ...), HTTP 403.
inline Error access_denied(std::string message) {
  return Error::make("AccessDenied", std::move(message), 403);
}
inline Error no_such_entity(std::string message) {
  return Error::make("NoSuchEntityException", std::move(message), 404);
}
// "The user with name alice cannot be found."
inline Error not_found(std::string_view kind, std::string_view name) {
  return no_such_entity("The " + std::string(kind) + " with name " + std::string(name) +
                        " cannot be found.");
}
inline Error policy_not_found(std::string_view arn) {
  return no_such_entity("Policy " + std::string(arn) + " was not found.");
}
inline Error policy_not_attachable(std::string_view arn) {
  return no_such_entity("Policy " + std::string(arn) + " does not exist or is not attachable.");
}
inline Error version_not_found(std::string_view arn, std::string_view version) {
  return no_such_entity("Policy " + std::string(arn) + " version " + std::string(version) +
                        " does not exist or is not attachable.");
}
inline Error key_not_found(std::string_view id) {
  return no_such_entity("The Access Key with id " + std::string(id) + " cannot be found.");
}
inline Error inline_not_found(std::string_view kind, std::string_view name) {
  return no_such_entity("The " + std::string(kind) + " policy with name " + std::string(name) +
                        " cannot be found.");
}
inline Error profile_not_found(std::string_view name) {
  return no_such_entity("Instance Profile " + std::string(name) + " cannot be found.");
}
// "User with name alice already exists."
inline Error already_exists(std::string_view kind, std::string_view name) {
  return Error::make("EntityAlreadyExistsException",
                     std::string(kind) + " with name " + std::string(name) + " already exists.",
                     409);
}
inline Error policy_exists(std::string_view name) {
  return Error::make(
      "EntityAlreadyExistsException",
      "A policy called " + std::string(name) + " already exists. Duplicate names are not allowed.",
      409);
}
inline Error delete_conflict(std::string message) {
  return Error::make("DeleteConflictException", std::move(message), 409);
}
inline Error limit_exceeded(std::string message) {
  return Error::make("LimitExceededException", std::move(message), 409);
}
inline Error quota(std::string_view name, int limit) {
  return limit_exceeded("Cannot exceed quota for " + std::string(name) + ": " +
                        std::to_string(limit));
}
inline Error invalid_input(std::string message) {
  return Error::make("InvalidInputException", std::move(message), 400);
}
inline Error unmodifiable(std::string message) {
  return Error::make("UnmodifiableEntityException", std::move(message), 400);
}

}  // namespace nimbus::services::iam::errors
