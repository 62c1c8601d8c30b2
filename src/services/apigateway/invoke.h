// What both gateways' data planes share: AWS's error bodies, the request's
// body (read whole, up to the payload limit, when the edge streams it), the
// domain name a request addressed, and the Lambda call of a proxy
// integration.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "services/lambda/api.h"
#include "services/service.h"

namespace nimbus::services::apigateway {

// {"message":"<message>"} with `status`, as the gateways send their own errors.
http::Response gateway_error(int status, const std::string& message);

// The function ARN (or name) in an integration URI: the ARN itself, or
// arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations.
std::string lambda_function_of(const std::string& uri);

// The ARN API Gateway names itself by when it calls a Lambda authorizer:
// arn:aws:execute-api:REGION:ACCOUNT:API/authorizers/ID.
std::string authorizer_source_arn(const std::string& region, const std::string& account,
                                  const std::string& api, const std::string& authorizer);

// The host the request addressed ({apiId}.execute-api.localhost for the
// path-style address), without its port.
std::string domain_name(const UserRequest& r);

// Makes sure r->request.body holds the whole body: calls `then(nullopt)`
// at once when it does, or after reading the streamed body; `then(413
// response)` when it is over `limit`.
void with_body(const std::shared_ptr<UserRequest>& r, size_t limit,
               std::function<void(std::optional<http::Response>)> then);

// Invokes `function` synchronously with `event` for the caller
// `source_arn` (the method's or authorizer's execute-api ARN, which the
// function's resource policy must allow under --iam enforce; empty for a
// function URL). An error when `functions` is null or Lambda refused; a
// refused permission is logged as AWS's execution log words it.
void call_function(lambda::Functions* functions, const std::string& function, std::string event,
                   const std::string& request_id, const std::string& source_arn,
                   std::function<void(Result<lambda::SyncResult>)> done);

}  // namespace nimbus::services::apigateway
