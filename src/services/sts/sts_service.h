// AWS Security Token Service (awsQuery; see README.md for what is served).
#pragma once

#include <memory>
#include <mutex>

#include "services/iam/api.h"
#include "services/service.h"

namespace nimbus::auth {
class JwksCache;
}

namespace nimbus::services::sts {

// The Credentials member of STS's answers (sessions.cc).
boost::json::object credentials_json(const iam::TemporaryCredentials& c);

class StsService final : public Service {
 public:
  // `iam` names the principal behind each access key and mints sessions
  // (null: every key is the account's root and no session is served).
  explicit StsService(Environment& env, iam::Directory* iam = nullptr);
  ~StsService() override;

 private:
  static const Operation<StsService> kOperations[];

  Output get_caller_identity(const CallContext& ctx, const boost::json::object& in) const;
  // sessions.cc
  void assume_role(const CallContext& ctx, boost::json::object in, Respond respond);
  void get_session_token(const CallContext& ctx, boost::json::object in, Respond respond);
  // web_identity.cc
  void assume_role_with_web_identity(const CallContext& ctx, boost::json::object in,
                                     Respond respond);

  Environment& env_;
  iam::Directory* iam_;
  // OIDC providers' keys, made by the first AssumeRoleWithWebIdentity (the
  // outbound client runs a thread of its own).
  std::once_flag jwks_once_;
  std::unique_ptr<auth::JwksCache> jwks_;
};

}  // namespace nimbus::services::sts
