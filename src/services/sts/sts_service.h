// AWS Security Token Service (awsQuery; see README.md for what is served).
#pragma once

#include "services/iam/api.h"
#include "services/service.h"

namespace nimbus::services::sts {

class StsService final : public Service {
 public:
  // `iam` names the principal behind each access key (null: every key is
  // the account's root).
  explicit StsService(Environment& env, const iam::Directory* iam = nullptr);

 private:
  static const Operation<StsService> kOperations[];

  Output get_caller_identity(const CallContext& ctx, const boost::json::object& in) const;

  Environment& env_;
  const iam::Directory* iam_;
};

}  // namespace nimbus::services::sts
