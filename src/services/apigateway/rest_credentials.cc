// REST integrations' `credentials`: the role API Gateway assumes to call
// the integration. Under `--iam enforce` the role must trust
// apigateway.amazonaws.com and its policies allow the call
// (OperationCalls::authorize_as, as Step Functions tasks are decided);
// a role that may not is the client's 500 and the execution log's
// configuration error, as AWS's.
#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"

namespace nimbus::services::apigateway {

std::optional<Status> RestApiService::integration_role(const json::object& integration,
                                                       std::string_view model,
                                                       std::string_view operation,
                                                       const json::object& input,
                                                       const std::string& request_id) const {
  std::string role = str(integration, "credentials");
  // None, or "arn:aws:iam::*:user/*" (the caller's own credentials, which
  // nimbus does not pass on): the integration is decided as without.
  if (role.empty() || role.find(":iam::*:") != std::string::npos) return std::nullopt;
  if (calls_ == nullptr) return Status::ok();
  CallContext ctx;
  ctx.request_id = request_id;
  ctx.region = env_.settings.region;
  ctx.account_id = env_.settings.account_id;
  auto st = calls_->authorize_as(role, "apigateway.amazonaws.com", model, operation, ctx, input);
  if (!st) {
    spdlog::warn("({}) Execution failed due to configuration error: {}{}", request_id,
                 model == "lambda" ? "Invalid permissions on Lambda function: " : "",
                 st.error().message);
  }
  return st;
}

}  // namespace nimbus::services::apigateway
