// Lambda integrations' and Lambda authorizers' credentials role (REST
// `credentials` and `authorizerCredentials`, HTTP API `CredentialsArn` and
// `AuthorizerCredentialsArn`): the role API Gateway assumes to invoke the
// function, instead of a resource-policy permission. Under `--iam enforce` the role
// must exist, trust apigateway.amazonaws.com and allow
// lambda:InvokeFunction on the function (OperationCalls::authorize_as);
// a refusal is logged with the reason AWS's execution log gives.
//
// Thread-safe (reads only); never blocks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "services/operation_calls.h"

namespace nimbus::services::iam {
class Directory;
}

namespace nimbus::services::apigateway {

// nullopt when `credentials` names no role to decide (none, or
// "arn:aws:iam::*:user/*", the caller's own credentials, which nimbus does
// not pass on); ok when the role may invoke `function`; else the refusal,
// after logging "Execution failed due to configuration error: " and "API
// Gateway does not have permission to assume the provided role ARN" (the
// role is missing or does not trust API Gateway, as `iam` tells) or
// "Invalid permissions on Lambda function" (its policies refuse). `calls`
// null: ok; `iam` null: every refusal is the latter. Decided in
// `settings`' region and account; `request_id` names the log line.
std::optional<Status> lambda_invoke_role(const OperationCalls* calls, const iam::Directory* iam,
                                         const Settings& settings, std::string_view credentials,
                                         const std::string& function,
                                         const std::string& request_id);

// The execution log's reason for a role `iam` refused to API Gateway.
std::string lambda_role_refusal(const iam::Directory* iam, std::string_view role);

}  // namespace nimbus::services::apigateway
