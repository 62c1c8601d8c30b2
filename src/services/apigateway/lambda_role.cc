#include "services/apigateway/lambda_role.h"

#include <spdlog/spdlog.h>

#include "services/apigateway/aws_service.h"
#include "services/iam/api.h"

namespace nimbus::services::apigateway {

namespace {
constexpr std::string_view kPrincipal = "apigateway.amazonaws.com";
}

std::string lambda_role_refusal(const iam::Directory* iam, std::string_view role) {
  // AWS names the two refusals apart: a role it cannot assume, and one
  // whose policies do not allow the invocation.
  if (iam != nullptr && !iam->trusted_by(role, kPrincipal)) {
    return "API Gateway does not have permission to assume the provided role " + std::string(role);
  }
  return "Invalid permissions on Lambda function";
}

std::optional<Status> lambda_invoke_role(const OperationCalls* calls, const iam::Directory* iam,
                                         const Settings& settings, std::string_view credentials,
                                         const std::string& function,
                                         const std::string& request_id) {
  CallerRole role = integration_caller(credentials);
  if (role.role_arn.empty()) return std::nullopt;
  if (calls == nullptr) return Status::ok();
  CallContext ctx;
  ctx.request_id = request_id;
  ctx.region = settings.region;
  ctx.account_id = settings.account_id;
  auto st = calls->authorize_as(role.role_arn, role.service_principal, "lambda", "Invoke", ctx,
                                boost::json::object{{"FunctionName", function}});
  if (!st) {
    spdlog::warn("({}) Execution failed due to configuration error: {}", ctx.request_id,
                 lambda_role_refusal(iam, role.role_arn));
  }
  return st;
}

}  // namespace nimbus::services::apigateway
