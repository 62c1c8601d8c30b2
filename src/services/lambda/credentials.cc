#include "services/lambda/credentials.h"

#include <future>

#include "services/lambda/errors.h"
#include "services/lambda/lambda_service.h"

namespace nimbus::services::lambda {

namespace {

constexpr const char* kLambdaPrincipal = "lambda.amazonaws.com";

runtime::RoleCredentials handed_over(const iam::TemporaryCredentials& c) {
  return {c.access_key_id, c.secret_access_key, c.session_token, c.expiration};
}

}  // namespace

Result<runtime::RoleCredentials> RoleSessions::credentials(const runtime::FunctionSpec& spec) {
  if (spec.role_arn.empty()) return Error::validation("the function has no execution role");
  std::string key = spec.role_arn + '\n' + spec.name;
  {
    std::lock_guard l(mu_);
    auto it = cache_.find(key);
    // Reused while fresh enough and still known to IAM (a deleted role's
    // sessions end with it).
    if (it != cache_.end() && it->second.expiration - clock_.now() >= kReuseWhileLeft &&
        iam_.find_key(it->second.access_key_id)) {
      return handed_over(it->second);
    }
  }
  iam::AssumeRoleRequest request;
  request.role_arn = spec.role_arn;
  request.session_name = spec.name;
  request.duration = kSessionLength;
  request.service_principal = kLambdaPrincipal;
  request.check_trust = iam_.enforcing();
  request.missing_role_ok = !iam_.enforcing();
  auto promise = std::make_shared<std::promise<Result<iam::TemporaryCredentials>>>();
  auto future = promise->get_future();
  iam_.assume_role(request, [promise](Result<iam::TemporaryCredentials> r) {
    promise->set_value(std::move(r));
  });
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    return Error::internal("IAM did not mint a session for " + spec.role_arn + " in 30 s");
  }
  auto minted = future.get();
  if (!minted) return minted.take_error();
  std::lock_guard l(mu_);
  cache_[key] = *minted;
  return handed_over(*minted);
}

Status RoleSessions::check(const std::string& role_arn) const {
  if (!iam_.enforcing() || iam_.trusted_by(role_arn, kLambdaPrincipal)) return Status::ok();
  return invalid("The role defined for the function cannot be assumed by Lambda.");
}

void LambdaService::use_execution_roles(iam::Directory& iam) {
  iam_ = &iam;
  auto sessions = std::make_shared<RoleSessions>(iam, env_.clock);
  engine_.set_role_credentials(
      [sessions](const runtime::FunctionSpec& spec) { return sessions->credentials(spec); });
  engine_.set_role_check([sessions](const std::string& role) { return sessions->check(role); });
}

}  // namespace nimbus::services::lambda
