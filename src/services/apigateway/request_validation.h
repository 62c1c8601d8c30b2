// REST API request validation on the data plane: a method's
// requestValidatorId names a validator of the API (validateRequestParameters,
// validateRequestBody); its requestParameters marked true must be in the
// request (`method.request.querystring.N`, `method.request.header.N`,
// `method.request.path.N`), and its body must match the model its
// requestModels name for the request's Content-Type (else "$default")
// under JSON Schema draft 4 (json_schema.h; with the models it names,
// models.h). The answers are AWS's 400s
// with x-amzn-ErrorType BadRequestException: {"message": "Missing required
// request parameters: [a, b]"} and {"message": "Invalid request body"}.
// Pure.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "http/message.h"

namespace nimbus::services::apigateway {

struct ProxyRequest;

// What a method's validator checks; both false without one.
struct Validation {
  bool parameters = false;
  bool body = false;
};
// `doc` is the API's document (its requestValidators), `method` the
// deployed method.
Validation validation_of(const boost::json::object& doc, const boost::json::object& method);

// Why a request failed its validation.
struct Rejection {
  std::string log;     // the execution log's line
  std::string detail;  // $context.error.validationErrorString
};

// nullopt when the request passes; else the 400 answer, and `why` says
// why: for a body, `detail` is the schema's violation in brackets, escaped
// as a JSON string's content, as AWS's
// (`[object has missing required properties ([\"name\"])]`); for
// parameters, the answer's message. The body is read already when `v.body`.
std::optional<http::Response> validate_request(const boost::json::object& doc,
                                               const boost::json::object& method,
                                               const Validation& v, const ProxyRequest& r,
                                               Rejection& why);

}  // namespace nimbus::services::apigateway
