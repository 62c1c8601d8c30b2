// AWS Security Token Service (awsQuery; see README.md for what is served).
#pragma once

#include "services/service.h"

namespace nimbus::services::sts {

class StsService final : public Service {
 public:
  explicit StsService(Environment& env);

 private:
  static const Operation<StsService> kOperations[];

  Output get_caller_identity(const CallContext& ctx, const boost::json::object& in) const;

  Environment& env_;
};

}  // namespace nimbus::services::sts
