// SQS's errors, by the model's error shape names (the protocol engine maps
// them to the wire codes, e.g. QueueDoesNotExist ->
// AWS.SimpleQueueService.NonExistentQueue) and SQS's own messages.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::services::sqs::errors {

inline Error queue_does_not_exist() {
  return Error::make("QueueDoesNotExist", "The specified queue does not exist.");
}
inline Error invalid_parameter(std::string message) {
  return Error::make("InvalidParameterValue", std::move(message), 400);
}
inline Error missing_parameter(std::string_view name) {
  return Error::make("MissingParameter",
                     "The request must contain the parameter " + std::string(name) + ".", 400);
}
// "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: ..."
inline Error invalid_value(std::string_view value, std::string_view parameter,
                           std::string_view reason) {
  return invalid_parameter("Value " + std::string(value) + " for parameter " +
                           std::string(parameter) + " is invalid. Reason: " + std::string(reason));
}
inline Error invalid_attribute_value(std::string_view attribute) {
  return Error::make("InvalidAttributeValue",
                     "Invalid value for the parameter " + std::string(attribute) + ".", 400);
}
inline Error invalid_attribute_name(std::string_view attribute) {
  return Error::make("InvalidAttributeName", "Unknown Attribute " + std::string(attribute) + ".",
                     400);
}
inline Error receipt_handle_invalid(std::string_view handle) {
  return Error::make("ReceiptHandleIsInvalid", "The input receipt handle \"" + std::string(handle) +
                                                   "\" is not a valid receipt handle.");
}
inline Error receipt_handle_other_queue(std::string_view handle) {
  return Error::make("ReceiptHandleIsInvalid", "The receipt handle \"" + std::string(handle) +
                                                   "\" is not valid for this queue.");
}
inline Error receipt_handle_expired(std::string_view handle) {
  return invalid_value(handle, "ReceiptHandle", "The receipt handle has expired.");
}
inline Error message_not_inflight(std::string_view handle) {
  return invalid_value(handle, "ReceiptHandle",
                       "Message does not exist or is not available for visibility timeout change.");
}
inline Error not_for_this_queue_type(std::string_view value, std::string_view parameter) {
  return invalid_value(value, parameter,
                       "The request include parameter that is not valid for this queue type.");
}
inline Error unsupported(std::string message) {
  return Error::make("UnsupportedOperation", std::move(message));
}
inline Error resource_not_found(std::string message) {
  return Error::make("ResourceNotFoundException", std::move(message), 400);
}

}  // namespace nimbus::services::sqs::errors
