// The errors Lambda answers with: the model's error codes and the messages
// AWS sends for them. Every Lambda file builds its errors here, so a code
// is written once.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::services::lambda {

namespace code {
inline constexpr const char* kResourceNotFound = "ResourceNotFoundException";
inline constexpr const char* kInvalidParameterValue = "InvalidParameterValueException";
inline constexpr const char* kResourceConflict = "ResourceConflictException";
inline constexpr const char* kPreconditionFailed = "PreconditionFailedException";
inline constexpr const char* kProvisionedConfigNotFound =
    "ProvisionedConcurrencyConfigNotFoundException";
inline constexpr const char* kTooManyRequests = "TooManyRequestsException";
inline constexpr const char* kRequestTooLarge = "RequestTooLargeException";
inline constexpr const char* kInvalidRequestContent = "InvalidRequestContentException";
inline constexpr const char* kValidation = "ValidationException";
inline constexpr const char* kService = "ServiceException";
}  // namespace code

// "Function not found: ARN" (ARN with the qualifier when one was given).
inline Error not_found(std::string_view arn) {
  return Error::make(code::kResourceNotFound, "Function not found: " + std::string(arn));
}
// Any other missing resource, with the message AWS gives for it.
inline Error resource_not_found(std::string message) {
  return Error::make(code::kResourceNotFound, std::move(message));
}
inline Error invalid(std::string message) {
  return Error::make(code::kInvalidParameterValue, std::move(message));
}
inline Error conflict(std::string message) {
  return Error::make(code::kResourceConflict, std::move(message));
}
inline Error stale_revision() {
  return Error::make(code::kPreconditionFailed,
                     "The Revision Id provided does not match the latest Revision Id. Call the "
                     "GetFunction/GetAlias API to retrieve the latest Revision Id");
}
// Reason is a member of the model's TooManyRequestsException, as AWS sends it.
inline Error throttled(const char* reason) {
  return Error::make(code::kTooManyRequests, "Rate Exceeded.").with("Reason", reason);
}
inline Error invalid_request_content(std::string message) {
  return Error::make(code::kInvalidRequestContent, std::move(message));
}
// Nimbus could not run the function at all (500).
inline Error service_error(std::string message) {
  return Error::make(code::kService, std::move(message), 500);
}

}  // namespace nimbus::services::lambda
