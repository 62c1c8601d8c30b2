// CloudFormation's error codes (from the model) and AWS's messages.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::services::cloudformation::errors {

inline Error stack_not_found(std::string_view name) {
  return Error::validation("Stack with id " + std::string(name) + " does not exist");
}
inline Error already_exists(std::string_view name) {
  return Error::make("AlreadyExistsException", "Stack [" + std::string(name) + "] already exists");
}
inline Error insufficient_capabilities(std::string_view capability) {
  return Error::make("InsufficientCapabilitiesException",
                     "Requires capabilities : [" + std::string(capability) + "]");
}
inline Error in_progress(std::string_view name, std::string_view status) {
  return Error::validation("Stack:" + std::string(name) + " is in " + std::string(status) +
                           " state and can not be updated.");
}
inline Error change_set_not_found(std::string_view name) {
  return Error::make("ChangeSetNotFound", "ChangeSet [" + std::string(name) + "] does not exist");
}
inline Error no_updates() {
  return Error::validation("No updates are to be performed.");
}

}  // namespace nimbus::services::cloudformation::errors
