#include "services/registry.h"

#include "services/sqs/sqs_service.h"
#include "services/sts/sts_service.h"

namespace nimbus::services {

Registry::Registry(Environment& env) {
  services_.push_back(std::make_unique<sts::StsService>(env));
  services_.push_back(std::make_unique<sqs::SqsService>(env));
}

Service* Registry::find(std::string_view model_name) const {
  for (const auto& s : services_) {
    if (s->model_name() == model_name) return s.get();
  }
  return nullptr;
}

std::vector<std::string> Registry::model_names() const {
  std::vector<std::string> out;
  for (const auto& s : services_) out.push_back(s->model_name());
  return out;
}

}  // namespace nimbus::services
