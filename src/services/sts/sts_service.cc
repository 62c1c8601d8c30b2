#include "services/sts/sts_service.h"

namespace nimbus::services::sts {

namespace json = boost::json;

// Each operation's handler and the ARNs it touches (the service
// authorization reference lists no resource for GetCallerIdentity).
const Operation<StsService> StsService::kOperations[] = {
    {"GetCallerIdentity", &StsService::get_caller_identity, no_resources},
};

StsService::StsService(Environment& env) : Service("sts"), env_(env) {
  serve(*this, kOperations);
}

// The caller is the principal of the verified credentials: nimbus has one
// account, so every key belongs to the configured account's root user
// unless settings name another ARN.
Output StsService::get_caller_identity(const CallContext& ctx, const json::object&) const {
  const std::string& account = ctx.account_id.empty() ? env_.settings.account_id : ctx.account_id;
  json::object out;
  out["UserId"] = env_.settings.caller_user_id.empty() ? account : env_.settings.caller_user_id;
  out["Account"] = account;
  out["Arn"] = env_.settings.caller_arn.empty() ? "arn:aws:iam::" + account + ":root"
                                                : env_.settings.caller_arn;
  return out;
}

}  // namespace nimbus::services::sts
