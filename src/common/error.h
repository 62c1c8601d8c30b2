// The one error model of nimbus.
//
// An Error names an AWS error code (as the service model spells it, for
// example "QueueDoesNotExist" or "ValidationException") and a message. A
// service names the code and nothing else: the protocol engine looks up the
// model's error shape for the HTTP status and the wire code (query-compatible
// codes such as "AWS.SimpleQueueService.NonExistentQueue" included), and writes
// it in the request's own protocol. `http_status` overrides that lookup where
// the code is not a modelled shape (SigV4 errors, edge errors); 0 means "ask
// the model, else 400".
#pragma once

#include <string>
#include <utility>

namespace nimbus {

struct Error {
  std::string code;
  std::string message;
  int http_status = 0;
  bool sender_fault = true;

  static Error make(std::string code, std::string message, int http_status = 0) {
    return Error{std::move(code), std::move(message), http_status, http_status < 500};
  }
  // AWS's generic ones, shared by every protocol.
  static Error validation(std::string message) {
    return make("ValidationError", std::move(message), 400);
  }
  static Error internal(std::string message) {
    return Error{"InternalFailure", std::move(message), 500, false};
  }
};

}  // namespace nimbus
