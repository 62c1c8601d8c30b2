// The seam through which one service calls another's operations
// (CloudFormation's resources, Step Functions' SDK and optimized tasks): an
// operation called in-process by model name and operation name with
// an input value, as if a client had sent it (the input is checked against
// the operation's model first, so a service sees what its handlers always
// see). Implemented where services are wired (services/in_process.h); the
// registry hands it to the services that use it.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "http/message.h"
#include "services/service.h"

namespace nimbus::services {

// The role a call_wire call is made as: an API Gateway integration's
// `credentials`, assumed by `service_principal` ("apigateway.amazonaws.com")
// in a session named `session_name`. An empty role_arn: the account's own
// call.
struct CallerRole {
  std::string role_arn;
  std::string service_principal;
  std::string session_name;
};

class OperationCalls {
 public:
  virtual ~OperationCalls() = default;
  // Calls `operation` of the service serving `model` ("sqs") with `input`
  // under `ctx` (its service and operation are filled in). `respond` is
  // called exactly once, from any thread: with the output, the service's
  // error, the model's validation error, or InvalidAction when nimbus does
  // not serve the operation.
  virtual void call(std::string_view model, std::string_view operation, CallContext ctx,
                    boost::json::object input, Respond respond) = 0;

  // A request in a service's own wire form, as API Gateway's AWS
  // integrations send one. `service` is the service as an
  // arn:aws:apigateway URI names it (its endpoint prefix or signing name:
  // "sqs", "dynamodb", "states"); `action` the operation an `action/NAME`
  // URI names (empty for a `path/...` one), which the call sends the way
  // the service's protocol does (awsQuery: Action= in the query string;
  // awsJson: X-Amz-Target). The protocol engine parses the request as the
  // router would, the operation is called under `ctx`, and its answer or
  // error comes back in the request's protocol; an awsQuery answer in its
  // JSON form ({"<Op>Response": {"<Op>Result": ..., "ResponseMetadata":
  // ...}}) unless the request's Accept names XML.
  //
  // With `as.role_arn`, IAM decides the parsed call as that role (when it
  // enforces): a role that cannot be assumed (missing, or its trust policy
  // does not allow `as.service_principal`) is an AccessDenied Error, not an
  // answer; a role whose policies do not allow the operation on its
  // resources gets the service's own AccessDenied answer in the request's
  // protocol (status 403), as a client signing with the role's session
  // would. Without a role the call is the account's own.
  //
  // `respond` gets an Error only when no served service answers to
  // `service` (or `action` is given for a REST service) or the role cannot
  // be assumed. Implementations that only call by value (test doubles)
  // answer that Error.
  virtual void call_wire(std::string_view service, std::string_view action, http::Request request,
                         CallContext ctx, const CallerRole& as,
                         std::function<void(Result<http::Response>)> respond) {
    (void)request;
    (void)ctx;
    (void)as;
    respond(Error::make("InvalidAction",
                        "nimbus does not serve " + std::string(service) + " " +
                            std::string(action) + " from its wire form here",
                        400));
  }

  // Whether the role `role_arn`, assumed by `service_principal`
  // ("states.amazonaws.com"), may call `operation` of `model` with `input`
  // under `ctx` (its region and account): decided by IAM on the action and
  // the resources a client's same call is decided on (Service::resources).
  // ok, or AccessDenied with IAM's message. Always ok when IAM does not
  // enforce. Never blocks.
  virtual Status authorize_as(const std::string& role_arn, const std::string& service_principal,
                              std::string_view model, std::string_view operation,
                              const CallContext& ctx, const boost::json::object& input) const {
    return Status::ok();
  }
};

}  // namespace nimbus::services
