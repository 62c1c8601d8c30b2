#include "services/lambda/lambda_service.h"

#include "events/mappings.h"
#include "services/lambda/async_queue.h"

namespace nimbus::services::lambda {

// Each operation's handler, by the model's name.
const std::pair<const char*, LambdaService::Op> LambdaService::kOperations[] = {
    {"CreateFunction", &LambdaService::create_function},
    {"GetFunction", &LambdaService::get_function},
    {"GetFunctionConfiguration", &LambdaService::get_function_configuration},
    {"ListFunctions", &LambdaService::list_functions},
    {"UpdateFunctionCode", &LambdaService::update_function_code},
    {"UpdateFunctionConfiguration", &LambdaService::update_function_configuration},
    {"DeleteFunction", &LambdaService::delete_function},
    {"PublishVersion", &LambdaService::publish_version},
    {"ListVersionsByFunction", &LambdaService::list_versions_by_function},
    {"CreateAlias", &LambdaService::create_alias},
    {"UpdateAlias", &LambdaService::update_alias},
    {"GetAlias", &LambdaService::get_alias},
    {"ListAliases", &LambdaService::list_aliases},
    {"DeleteAlias", &LambdaService::delete_alias},
    {"PutFunctionConcurrency", &LambdaService::put_function_concurrency},
    {"GetFunctionConcurrency", &LambdaService::get_function_concurrency},
    {"DeleteFunctionConcurrency", &LambdaService::delete_function_concurrency},
    {"PutProvisionedConcurrencyConfig", &LambdaService::put_provisioned_concurrency_config},
    {"GetProvisionedConcurrencyConfig", &LambdaService::get_provisioned_concurrency_config},
    {"DeleteProvisionedConcurrencyConfig", &LambdaService::delete_provisioned_concurrency_config},
    {"PutFunctionEventInvokeConfig", &LambdaService::put_function_event_invoke_config},
    {"UpdateFunctionEventInvokeConfig", &LambdaService::update_function_event_invoke_config},
    {"GetFunctionEventInvokeConfig", &LambdaService::get_function_event_invoke_config},
    {"DeleteFunctionEventInvokeConfig", &LambdaService::delete_function_event_invoke_config},
    {"AddPermission", &LambdaService::add_permission},
    {"RemovePermission", &LambdaService::remove_permission},
    {"GetPolicy", &LambdaService::get_policy},
    {"GetAccountSettings", &LambdaService::get_account_settings},
    {"Invoke", &LambdaService::invoke},
};

LambdaService::LambdaService(Environment& env, logs::LogWriter* logs, LambdaOptions options)
    : Service("lambda"), env_(env), engine_(env, logs, std::move(options)) {
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one.
  for (const auto& entry : kOperations) {
    auto op = entry.second;
    on(entry.first, [this, op](const CallContext& ctx, json::object in, Respond respond) {
      (this->*op)(ctx, std::move(in), std::move(respond));
    });
  }
  add_event_source_handlers();
}

Status LambdaService::start() {
  NIMBUS_TRY(engine_.start());
  async_ = std::make_unique<AsyncQueue>(*this);
  NIMBUS_TRY(async_->start());
  start_event_sources();
  return Status::ok();
}

LambdaService::~LambdaService() {
  esm_.reset();  // pollers detach: SQS may already be gone (services/registry.cc)
  // In-flight invocations complete into the async queue: stop it taking new
  // work, let the engine finish (or kill) what runs, and only then destroy
  // the queue (ASan found the other order).
  if (async_) async_->stop();
  engine_.shutdown();
  async_.reset();
}

void LambdaService::begin_shutdown() {
  if (async_) async_->stop();
  if (esm_) esm_->shutdown();
}

}  // namespace nimbus::services::lambda
