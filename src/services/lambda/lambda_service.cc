#include "services/lambda/lambda_service.h"

#include "events/mappings.h"
#include "services/iam/role_check.h"
#include "services/lambda/async_queue.h"
#include "services/lambda/function_url.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

// The ARNs each operation touches, as the service authorization reference
// lists them: the function (arn:aws:lambda:REGION:ACCOUNT:function:NAME),
// qualified by the version or alias the call names, or the event source
// mapping. The account is the one in FunctionName when it is an ARN.
std::string arn_of(const CallContext& ctx, const json::object& in, bool qualified) {
  std::string text = str(in, "FunctionName");
  auto ref = parse_function_name(text);
  std::string account = ctx.account_id;
  if (auto colon = text.find(":function:"); colon != std::string::npos) {
    auto start = text.rfind(':', colon == 0 ? 0 : colon - 1);
    account = text.substr(start == std::string::npos ? 0 : start + 1,
                          colon - (start == std::string::npos ? 0 : start + 1));
  }
  std::string arn = function_arn(ctx.region, account, ref.name);
  std::string qualifier = str(in, "Qualifier");
  if (qualifier.empty()) qualifier = ref.qualifier;
  if (qualified && !qualifier.empty()) arn += ":" + qualifier;
  return arn;
}
Resources function(const CallContext& ctx, const json::object& in) {
  return {arn_of(ctx, in, false)};
}
Resources qualified(const CallContext& ctx, const json::object& in) {
  return {arn_of(ctx, in, true)};
}
Resources mapping(const CallContext& ctx, const json::object& in) {
  return {"arn:aws:lambda:" + ctx.region + ":" + ctx.account_id +
          ":event-source-mapping:" + str(in, "UUID")};
}

// Layers: arn:aws:lambda:REGION:ACCOUNT:layer:NAME[:VERSION].
std::string layer_of(const CallContext& ctx, const json::object& in) {
  std::string name = str(in, "LayerName");
  if (name.starts_with("arn:")) return name;
  return "arn:aws:lambda:" + ctx.region + ":" + ctx.account_id + ":layer:" + name;
}
Resources layer(const CallContext& ctx, const json::object& in) {
  return {layer_of(ctx, in)};
}
Resources layer_version(const CallContext& ctx, const json::object& in) {
  std::string n;
  if (auto* v = in.if_contains("VersionNumber")) {
    n = v->is_int64() ? std::to_string(v->as_int64()) : str(in, "VersionNumber");
  }
  return {layer_of(ctx, in) + ":" + n};
}
Resources layer_version_arn(const CallContext&, const json::object& in) {
  return {str(in, "Arn")};
}
Resources tagged(const CallContext&, const json::object& in) {
  return {str(in, "Resource")};
}

}  // namespace

const Operation<LambdaService> LambdaService::kOperations[] = {
    // functions.cc
    {"CreateFunction", &LambdaService::create_function, function},
    {"GetFunction", &LambdaService::get_function, qualified},
    {"GetFunctionConfiguration", &LambdaService::get_function_configuration, qualified},
    {"ListFunctions", &LambdaService::list_functions, no_resources},
    {"UpdateFunctionCode", &LambdaService::update_function_code, function},
    {"UpdateFunctionConfiguration", &LambdaService::update_function_configuration, function},
    {"DeleteFunction", &LambdaService::delete_function, qualified},
    // versions.cc
    {"PublishVersion", &LambdaService::publish_version, function},
    {"ListVersionsByFunction", &LambdaService::list_versions_by_function, function},
    {"CreateAlias", &LambdaService::create_alias, function},
    {"UpdateAlias", &LambdaService::update_alias, function},
    {"GetAlias", &LambdaService::get_alias, function},
    {"ListAliases", &LambdaService::list_aliases, function},
    {"DeleteAlias", &LambdaService::delete_alias, function},
    // settings.cc
    {"PutFunctionConcurrency", &LambdaService::put_function_concurrency, function},
    {"GetFunctionConcurrency", &LambdaService::get_function_concurrency, function},
    {"DeleteFunctionConcurrency", &LambdaService::delete_function_concurrency, function},
    {"PutProvisionedConcurrencyConfig", &LambdaService::put_provisioned_concurrency_config,
     qualified},
    {"GetProvisionedConcurrencyConfig", &LambdaService::get_provisioned_concurrency_config,
     qualified},
    {"DeleteProvisionedConcurrencyConfig", &LambdaService::delete_provisioned_concurrency_config,
     qualified},
    {"PutFunctionEventInvokeConfig", &LambdaService::put_function_event_invoke_config, qualified},
    {"UpdateFunctionEventInvokeConfig", &LambdaService::update_function_event_invoke_config,
     qualified},
    {"GetFunctionEventInvokeConfig", &LambdaService::get_function_event_invoke_config, qualified},
    {"DeleteFunctionEventInvokeConfig", &LambdaService::delete_function_event_invoke_config,
     qualified},
    {"AddPermission", &LambdaService::add_permission, qualified},
    {"RemovePermission", &LambdaService::remove_permission, qualified},
    {"GetPolicy", &LambdaService::get_policy, qualified},
    {"GetAccountSettings", &LambdaService::get_account_settings, no_resources},
    // tag_handlers.cc
    {"TagResource", &LambdaService::tag_resource, tagged},
    {"UntagResource", &LambdaService::untag_resource, tagged},
    {"ListTags", &LambdaService::list_tags, tagged},
    // invoke.cc
    {"Invoke", &LambdaService::invoke, qualified},
    // function_url_handlers.cc
    {"CreateFunctionUrlConfig", &LambdaService::create_function_url_config, qualified},
    {"GetFunctionUrlConfig", &LambdaService::get_function_url_config, qualified},
    {"UpdateFunctionUrlConfig", &LambdaService::update_function_url_config, qualified},
    {"DeleteFunctionUrlConfig", &LambdaService::delete_function_url_config, qualified},
    {"ListFunctionUrlConfigs", &LambdaService::list_function_url_configs, function},
    // layer_handlers.cc
    {"PublishLayerVersion", &LambdaService::publish_layer_version, layer},
    {"GetLayerVersion", &LambdaService::get_layer_version, layer_version},
    {"GetLayerVersionByArn", &LambdaService::get_layer_version_by_arn, layer_version_arn},
    {"ListLayers", &LambdaService::list_layers, no_resources},
    {"ListLayerVersions", &LambdaService::list_layer_versions, no_resources},
    {"DeleteLayerVersion", &LambdaService::delete_layer_version, layer_version},
    {"AddLayerVersionPermission", &LambdaService::add_layer_version_permission, layer_version},
    {"GetLayerVersionPolicy", &LambdaService::get_layer_version_policy, layer_version},
    {"RemoveLayerVersionPermission", &LambdaService::remove_layer_version_permission,
     layer_version},
    // event_sources.cc (the service authorization reference lists no
    // resource for creating and listing mappings: lambda:FunctionArn is a
    // condition key there)
    {"CreateEventSourceMapping", &LambdaService::create_event_source_mapping, no_resources},
    {"GetEventSourceMapping", &LambdaService::get_event_source_mapping, mapping},
    {"ListEventSourceMappings", &LambdaService::list_event_source_mappings, no_resources},
    {"UpdateEventSourceMapping", &LambdaService::update_event_source_mapping, mapping},
    {"DeleteEventSourceMapping", &LambdaService::delete_event_source_mapping, mapping},
};

LambdaService::LambdaService(Environment& env, logs::LogWriter* logs, LambdaOptions options)
    : Service("lambda"),
      env_(env),
      engine_(env, logs, std::move(options)),
      target_(make_target(*this, [this](std::string name, std::string qualifier, events::Delivery d,
                                        events::DeliverDone done) {
        AsyncQueue* queue = accepting_.load();
        if (queue == nullptr) {  // before start(): the sender's retry policy retries
          return done(events::Outcome::failed(events::Failure::kUnavailable,
                                              Error::internal("lambda has not started")));
        }
        queue->deliver(std::move(name), std::move(qualifier), std::move(d), std::move(done));
      })) {
  serve(*this, kOperations);
}

void LambdaService::bind(events::Targets& targets) {
  bound_ = targets.bind("lambda", *target_);
}

Status LambdaService::start() {
  NIMBUS_TRY(engine_.start());
  urls_ = std::make_unique<FunctionUrls>(env_);
  NIMBUS_TRY(urls_->recover());
  async_ = std::make_unique<AsyncQueue>(*this);
  // Under --iam enforce the execution role must allow sending to the
  // destination or dead-letter target (sqs:SendMessage, sns:Publish, ...).
  if (iam_ != nullptr) async_->set_role_check(iam::role_check(*iam_, "lambda.amazonaws.com"));
  NIMBUS_TRY(async_->start());
  accepting_ = async_.get();
  start_event_sources();
  serve_code_links();
  return Status::ok();
}

LambdaService::~LambdaService() {
  bound_.reset();  // no delivery reaches the async queue from here on
  esm_.reset();    // pollers detach from the queues they read
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
