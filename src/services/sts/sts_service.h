// AWS Security Token Service (awsQuery; see README.md for what is served).
#pragma once

#include "services/iam/api.h"
#include "services/service.h"

namespace nimbus::services::sts {

class StsService final : public Service {
 public:
  // `iam` names the principal behind each access key and mints sessions
  // (null: every key is the account's root and no session is served).
  explicit StsService(Environment& env, iam::Directory* iam = nullptr);

 private:
  static const Operation<StsService> kOperations[];

  Output get_caller_identity(const CallContext& ctx, const boost::json::object& in) const;
  // sessions.cc
  void assume_role(const CallContext& ctx, boost::json::object in, Respond respond);
  void get_session_token(const CallContext& ctx, boost::json::object in, Respond respond);

  Environment& env_;
  iam::Directory* iam_;
};

}  // namespace nimbus::services::sts
