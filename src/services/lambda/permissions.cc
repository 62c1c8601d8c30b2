// Who may invoke a function on its own behalf: under `--iam enforce` a
// service delivering for a producer (SNS topics, EventBridge rules, S3
// buckets, API Gateway) needs a statement of the function's resource
// policy (AddPermission) allowing its service principal
// lambda:InvokeFunction, with the conditions on aws:SourceArn /
// aws:SourceAccount the statement names, as on AWS. Under `--iam audit`
// the would-be denial is logged and the delivery goes on.
#include <spdlog/spdlog.h>

#include "iam/policy.h"
#include "iam/service_principal.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

Status LambdaService::permits_delivery(const std::string& arn,
                                       const std::string& source_arn) const {
  const auto& options = env_.settings.service_options;
  auto mode = options.find("iam.mode");
  if (mode == options.end() || (mode->second != "enforce" && mode->second != "audit")) {
    return Status::ok();
  }
  std::string principal = nimbus::iam::service_principal_of(source_arn);
  if (principal.empty()) return Status::ok();  // acts through a role, not a permission
  auto ref = parse_function_name(arn);
  if (auto read = engine_.read(ref.name, [](const Function&) -> Output { return json::object{}; });
      !read) {
    return read.take_error();
  }
  std::string document = resource_policy(arn);
  std::optional<nimbus::iam::Policy> policy;
  if (!document.empty()) {
    auto parsed = nimbus::iam::parse_policy(document, nimbus::iam::PolicyKind::kResource);
    if (parsed) policy = std::move(*parsed);
  }
  std::string resource = engine_.arn(ref.name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
  auto allowed =
      nimbus::iam::service_allowed(policy ? &*policy : nullptr, principal, "lambda:InvokeFunction",
                                   resource, source_arn, env_.settings.account_id);
  if (!allowed && mode->second == "audit") {
    spdlog::info("iam audit: would deny lambda:InvokeFunction for {}: {}", source_arn,
                 allowed.error().message);
    return Status::ok();
  }
  return allowed;
}

std::string LambdaService::resource_policy(const std::string& arn) const {
  // Layers, event source mappings and code signing configs have ARNs too;
  // only functions carry these permissions.
  if (arn.starts_with("arn:") && arn.find(":function:") == std::string::npos) return {};
  std::string document;
  auto read = engine_.read(parse_function_name(arn).name, [&](const Function& f) -> Output {
    if (!f.policy.empty()) {
      document = json::serialize(
          json::object{{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", f.policy}});
    }
    return json::object{};
  });
  return read ? document : std::string();
}

}  // namespace nimbus::services::lambda
