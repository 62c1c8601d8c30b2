#include "iam/service_principal.h"

#include "iam/evaluate.h"

namespace nimbus::iam {

std::string service_principal_of(std::string_view source_arn) {
  if (!source_arn.starts_with("arn:")) return {};
  size_t start = source_arn.find(':', 4);  // after the partition
  if (start == std::string_view::npos) return {};
  size_t end = source_arn.find(':', start + 1);
  std::string_view service = source_arn.substr(start + 1, end - start - 1);
  if (service == "sns" || service == "events" || service == "s3") {
    return std::string(service) + ".amazonaws.com";
  }
  if (service == "execute-api") return "apigateway.amazonaws.com";
  return {};
}

Status service_allowed(const Policy* policy, const std::string& principal,
                       const std::string& action, const std::string& resource,
                       const std::string& source_arn, const std::string& account) {
  RequestContext ctx;
  ctx.action = action;
  ctx.resource = resource;
  ctx.service_principal = principal;
  ctx.set("aws:SourceArn", source_arn);
  if (!account.empty()) ctx.set("aws:SourceAccount", account);
  Outcome outcome{Decision::kImplicitDeny, DeniedBy::kResource};
  if (policy) outcome = evaluate(ctx, PrincipalPolicies{}, policy);
  if (outcome.decision == Decision::kAllow) return Status::ok();
  std::string m = "User: " + principal + " is not authorized to perform: " + action +
                  " on resource: " + resource + " ";
  if (outcome.decision == Decision::kExplicitDeny) {
    return Error::make("AccessDenied", m + "with an explicit deny in a resource-based policy", 403);
  }
  return Error::make("AccessDenied",
                     m + "because no resource-based policy allows the " + action + " action", 403);
}

}  // namespace nimbus::iam
