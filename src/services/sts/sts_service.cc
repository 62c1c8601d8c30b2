#include "services/sts/sts_service.h"

#include "auth/jwks.h"
#include "common/json_fields.h"

namespace nimbus::services::sts {

namespace json = boost::json;

namespace {

Resources role_of(const CallContext&, const json::object& in) {
  return {str(in, "RoleArn")};
}

}  // namespace

// Each operation's handler and the ARNs it touches (the service
// authorization reference lists the role for AssumeRole, no resource for
// GetCallerIdentity and GetSessionToken).
const Operation<StsService> StsService::kOperations[] = {
    {"GetCallerIdentity", &StsService::get_caller_identity, no_resources},
    {"AssumeRole", &StsService::assume_role, role_of},
    {"GetSessionToken", &StsService::get_session_token, no_resources},
    {"AssumeRoleWithWebIdentity", &StsService::assume_role_with_web_identity, role_of},
};

StsService::StsService(Environment& env, iam::Directory* iam)
    : Service("sts"), env_(env), iam_(iam) {
  serve(*this, kOperations);
}

StsService::~StsService() = default;

// The caller is the principal of the verified credentials: an IAM user, a
// role session (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, UserId
// AROA...:SESSION), or, for the configured pair, the account's root user
// unless settings name another ARN.
Output StsService::get_caller_identity(const CallContext& ctx, const json::object&) const {
  const std::string& account = ctx.account_id.empty() ? env_.settings.account_id : ctx.account_id;
  json::object out;
  if (iam_ && !ctx.access_key_id.empty()) {
    if (auto key = iam_->find_key(ctx.access_key_id)) {
      out["UserId"] = key->principal_id;
      out["Account"] = account;
      out["Arn"] = key->principal_arn;
      return out;
    }
  }
  out["UserId"] = env_.settings.caller_user_id.empty() ? account : env_.settings.caller_user_id;
  out["Account"] = account;
  out["Arn"] = env_.settings.caller_arn.empty() ? "arn:aws:iam::" + account + ":root"
                                                : env_.settings.caller_arn;
  return out;
}

}  // namespace nimbus::services::sts
