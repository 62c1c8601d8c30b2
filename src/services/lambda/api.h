// What other services may ask of Lambda in-process (pure interfaces; the
// registry hands LambdaService's implementation to those who use it).
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace nimbus::services::lambda {

struct SyncInvoke {
  std::string function;    // name, NAME:QUALIFIER, or a function ARN, qualified or not
  std::string payload;     // the event (JSON text)
  std::string request_id;  // the invocation's id (the function's context.aws_request_id)
  // The producer when a service invokes on its own behalf (API Gateway:
  // arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH, or
  // API/authorizers/ID): under --iam enforce the function's resource policy
  // must allow its service principal. Empty: a caller acting through a role
  // (Step Functions), not checked here.
  std::string source_arn;
};

struct SyncResult {
  // The handler failed (an error, a timeout, a crash): `payload` is Lambda's
  // error document then.
  bool function_error = false;
  std::string payload;
  std::string executed_version;  // "$LATEST" or "N"
};

// A function URL as its data plane needs it (function_url.h).
struct UrlTarget {
  std::string function;      // NAME or NAME:ALIAS
  std::string auth_type;     // "NONE" or "AWS_IAM"
  boost::json::object cors;  // the Cors configuration, {} when none
};

// Synchronous invocations (RequestResponse), as API Gateway's proxy
// integrations and authorizers make them, and function URLs, which API
// Gateway serves (it owns the payload format 2.0 code).
class Functions {
 public:
  virtual ~Functions() = default;
  // `done` runs once, from any thread, with the function's answer, or with
  // Lambda's error when it could not run (ResourceNotFoundException,
  // TooManyRequestsException, AccessDenied when the function's resource
  // policy does not allow `source_arn`'s service, ...). Never blocks.
  virtual void invoke_sync(SyncInvoke call, std::function<void(Result<SyncResult>)> done) = 0;
  // The function URL whose id is `url_id` ({urlId}.lambda-url.{region}.localhost).
  virtual std::optional<UrlTarget> function_url(const std::string& url_id) const = 0;
};

}  // namespace nimbus::services::lambda
