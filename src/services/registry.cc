#include "services/registry.h"

#include <spdlog/spdlog.h>

#include "services/lambda/lambda_service.h"
#include "services/logs/logs_service.h"
#include "services/sqs/sqs_service.h"
#include "services/sts/sts_service.h"

namespace nimbus::services {

Registry::Registry(Environment& env) {
  services_.push_back(std::make_unique<sts::StsService>(env));
  services_.push_back(std::make_unique<sqs::SqsService>(env));
  // Lambda writes function logs through CloudWatch Logs' LogWriter (api.h).
  // Logs is built first but listed after Lambda: the list is destroyed front
  // to back, and Lambda's environments may still log while it shuts them down.
  auto logs_service = std::make_unique<logs::LogsService>(env);
  auto lambda_service = std::make_unique<lambda::LambdaService>(
      env, &logs_service->writer(), lambda::LambdaOptions::from(env.settings));
  // Until the registry starts every service: recovery is Lambda's start().
  if (auto st = lambda_service->start(); !st) {
    spdlog::error("lambda: could not read back its state: {}", st.error().message);
  }
  services_.push_back(std::move(lambda_service));
  services_.push_back(std::move(logs_service));
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
