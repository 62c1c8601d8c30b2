// AWS Security Token Service (awsQuery; see README.md for what is served).
#pragma once

#include "services/service.h"

namespace nimbus::services::sts {

class StsService final : public Service {
 public:
  explicit StsService(Environment& env);

 private:
  Environment& env_;
};

}  // namespace nimbus::services::sts
