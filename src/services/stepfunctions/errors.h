// Step Functions' error codes (from the model) and AWS's messages.
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::sfn::errors {

inline Error invalid_arn(const std::string& arn) {
  return Error::make("InvalidArn",
                     "Invalid Arn: 'Resource type not valid in this context: " + arn + "'");
}
inline Error invalid_name(const std::string& name) {
  return Error::make("InvalidName", "Invalid Name: '" + name + "'");
}
inline Error machine_missing(const std::string& arn) {
  return Error::make("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
}
inline Error machine_exists(const std::string& arn) {
  return Error::make("StateMachineAlreadyExists", "State Machine Already Exists: '" + arn + "'");
}
inline Error execution_missing(const std::string& arn) {
  return Error::make("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
}
inline Error execution_exists(const std::string& arn) {
  return Error::make("ExecutionAlreadyExists", "Execution Already Exists: '" + arn + "'");
}
inline Error invalid_input(const std::string& why) {
  return Error::make("InvalidExecutionInput",
                     "Invalid State Machine Execution Input: '" + why + "'");
}
inline Error invalid_definition(const std::string& message) {
  return Error::make("InvalidDefinition", message);
}
inline Error validation(const std::string& message) {
  return Error::make("ValidationException", message);
}
inline Error type_not_supported(const std::string& message) {
  return Error::make("StateMachineTypeNotSupported", message);
}
inline Error resource_missing(const std::string& arn) {
  return Error::make("ResourceNotFound", "Resource not found: '" + arn + "'");
}
inline Error invalid_token(const std::string& token) {
  return Error::make("InvalidToken", "Invalid Token: '" + token + "'");
}
inline Error task_missing() {
  return Error::make("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'");
}
inline Error task_timed_out() {
  return Error::make("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
}
inline Error invalid_output(const std::string& why) {
  return Error::make("InvalidOutput", "Invalid Output: '" + why + "'");
}
inline Error too_many_tags(const std::string& arn) {
  return Error::make("TooManyTags", "Too many tags on resource: '" + arn + "'");
}

inline Error not_redrivable(const std::string& arn, const std::string& reason) {
  return Error::make("ExecutionNotRedrivable",
                     "Execution '" + arn + "' cannot be redriven: " + reason);
}
inline Error conflict(const std::string& message) {
  return Error::make("ConflictException", message);
}
inline Error quota(const std::string& message) {
  return Error::make("ServiceQuotaExceededException", message);
}

}  // namespace nimbus::sfn::errors
