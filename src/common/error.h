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
//
// `fields` carries the other members of the model's error shape when a
// service has them to tell (Lambda's TooManyRequestsException Reason and
// retryAfterSeconds, S3's BucketName): member name -> value as text. The
// engine writes each where the shape puts it (a JSON body member typed by the
// member's shape, an XML element, a header bound by locationName); a name the
// shape lacks is written as a string body member / element. Null, one
// pointer, when unused; shared and immutable, so copying an Error stays cheap.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus {

struct Error {
  using Fields = std::vector<std::pair<std::string, std::string>>;

  std::string code;
  std::string message;
  int http_status = 0;
  bool sender_fault = true;
  std::shared_ptr<const Fields> fields = nullptr;

  // This error with one more field (replacing a field of the same name).
  Error with(std::string member, std::string value) && {
    auto next = fields ? std::make_shared<Fields>(*fields) : std::make_shared<Fields>();
    std::erase_if(*next, [&](const auto& f) { return f.first == member; });
    next->emplace_back(std::move(member), std::move(value));
    fields = std::move(next);
    return std::move(*this);
  }
  // The field's value, or null when the error has no such field.
  const std::string* field(std::string_view member) const {
    if (!fields) return nullptr;
    for (const auto& [name, value] : *fields) {
      if (name == member) return &value;
    }
    return nullptr;
  }

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
