// AWS Lambda (model lambda/2015-03-31, restJson1): the control API, Invoke
// (sync, async, dry run), concurrency limits, the durable async queue with
// retries and destinations, event source mappings, per-function metrics.
// This class is the API: one named handler per operation, registered from
// the table at the top of lambda_service.cc and defined in the file of its
// area (functions.cc, versions.cc, settings.cc, invoke.cc, event_sources.cc).
// The state, its persistence and locking are the Engine's (engine.h). See
// README.md for what is implemented and how it differs from AWS.
//
// Threads: handlers run on the edge's event loops and never block (see
// engine.h for where the work goes).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "services/iam/api.h"
#include "services/lambda/api.h"
#include "services/lambda/engine.h"
#include "services/lambda/function_layers.h"
#include "services/service.h"

namespace nimbus::events {
class Mappings;
}

namespace nimbus::services::lambda {

class AsyncQueue;
class FunctionUrls;

class LambdaService final : public Service, public Functions {
 public:
  // `logs` may be null (function log lines are dropped then). Nothing stored
  // is read before start().
  LambdaService(Environment& env, logs::LogWriter* logs, LambdaOptions options = {});
  ~LambdaService() override;

  // Binds functions, versions and aliases as the "lambda" delivery target
  // (target.cc): a delivery queues an asynchronous invocation.
  void bind(events::Targets& targets) override;
  // Recovers functions and code, then queued async events and event source
  // mappings; an error means the stored state could not be read.
  Status start() override;
  void begin_shutdown() override;

  // The surface the async queue and event source mappings use.
  Result<Target> resolve(const std::string& name, const std::string& qualifier) {
    return engine_.resolve(name, qualifier);
  }
  void run(Target target, runtime::InvokeRequest request,
           std::function<void(Result<runtime::InvokeResult>)> done) {
    engine_.run(std::move(target), std::move(request), std::move(done));
  }
  // Functions (api.h, sync_invoke.cc): what API Gateway invokes through.
  void invoke_sync(SyncInvoke call, std::function<void(Result<SyncResult>)> done) override;
  std::optional<UrlTarget> function_url(const std::string& url_id) const override;
  Environment& env() { return env_; }
  const LambdaOptions& options() const { return engine_.options(); }
  std::string endpoint_url() const { return engine_.endpoint_url(); }
  int64_t unreserved_in_flight() const { return engine_.unreserved_in_flight(); }
  // Execution-role credentials for functions (Engine::set_role_credentials).
  void set_role_credentials(runtime::CredentialSource source) {
    engine_.set_role_credentials(std::move(source));
  }
  // Functions run with sessions of their execution roles minted by `iam`,
  // and CreateFunction checks the role as AWS does (credentials.h).
  void use_execution_roles(iam::Directory& iam);
  // AWS/Lambda metrics (Invocations, Errors, Duration, Throttles, and
  // IteratorAge of stream mappings) go to `metrics`. Set before serving.
  void use_metrics(cloudwatch::MetricPublisher* metrics) { engine_.use_metrics(metrics); }
  // Code named by S3Bucket / S3Key is read through `objects` (S3's
  // ObjectReader); without it such code is refused. Set before serving.
  void use_code_objects(s3::ObjectReader& objects) { engine_.use_code_objects(objects); }
  // Under --lambda-network none, the server's edge serves the connections
  // functions make to nimbus inside their own network namespace
  // (Engine::serve_endpoint_with). Set before start().
  void serve_endpoint_with(std::function<void(int fd)> serve) {
    engine_.serve_endpoint_with(std::move(serve));
  }
  // Under --iam enforce, whether the service delivering for `source_arn`
  // (SNS, EventBridge, S3, API Gateway) may invoke `arn` by the function's
  // resource policy; AccessDenied when not (permissions.cc).
  Status permits_delivery(const std::string& arn, const std::string& source_arn) const;
  // The function's permissions as one policy document (AddPermission's
  // statements), empty when it has none or does not exist; any qualifier
  // of `arn` is ignored (each statement names its own ARN).
  std::string resource_policy(const std::string& arn) const override;

 private:
  static const Operation<LambdaService> kOperations[];  // lambda_service.cc

  // functions.cc
  void create_function(const CallContext& ctx, json::object in, Respond respond);
  void get_function(const CallContext& ctx, json::object in, Respond respond);
  void get_function_configuration(const CallContext& ctx, json::object in, Respond respond);
  void list_functions(const CallContext& ctx, json::object in, Respond respond);
  void update_function_code(const CallContext& ctx, json::object in, Respond respond);
  void update_function_configuration(const CallContext& ctx, json::object in, Respond respond);
  void delete_function(const CallContext& ctx, json::object in, Respond respond);
  // versions.cc
  void publish_version(const CallContext& ctx, json::object in, Respond respond);
  void list_versions_by_function(const CallContext& ctx, json::object in, Respond respond);
  void create_alias(const CallContext& ctx, json::object in, Respond respond);
  void update_alias(const CallContext& ctx, json::object in, Respond respond);
  void get_alias(const CallContext& ctx, json::object in, Respond respond);
  void list_aliases(const CallContext& ctx, json::object in, Respond respond);
  void delete_alias(const CallContext& ctx, json::object in, Respond respond);
  void put_alias(json::object in, Respond respond, bool create);
  // settings.cc
  void put_function_concurrency(const CallContext& ctx, json::object in, Respond respond);
  void get_function_concurrency(const CallContext& ctx, json::object in, Respond respond);
  void delete_function_concurrency(const CallContext& ctx, json::object in, Respond respond);
  void put_provisioned_concurrency_config(const CallContext& ctx, json::object in, Respond respond);
  void get_provisioned_concurrency_config(const CallContext& ctx, json::object in, Respond respond);
  void delete_provisioned_concurrency_config(const CallContext& ctx, json::object in,
                                             Respond respond);
  void put_function_event_invoke_config(const CallContext& ctx, json::object in, Respond respond);
  void update_function_event_invoke_config(const CallContext& ctx, json::object in,
                                           Respond respond);
  void get_function_event_invoke_config(const CallContext& ctx, json::object in, Respond respond);
  void delete_function_event_invoke_config(const CallContext& ctx, json::object in,
                                           Respond respond);
  void put_event_invoke_config(json::object in, Respond respond, bool merge);
  void add_permission(const CallContext& ctx, json::object in, Respond respond);
  void remove_permission(const CallContext& ctx, json::object in, Respond respond);
  void get_policy(const CallContext& ctx, json::object in, Respond respond);
  void get_account_settings(const CallContext& ctx, json::object in, Respond respond);
  // tag_handlers.cc
  void tag_resource(const CallContext& ctx, json::object in, Respond respond);
  void untag_resource(const CallContext& ctx, json::object in, Respond respond);
  void list_tags(const CallContext& ctx, json::object in, Respond respond);
  // invoke.cc
  void invoke(const CallContext& ctx, json::object in, Respond respond);
  // function_url_handlers.cc
  void create_function_url_config(const CallContext& ctx, json::object in, Respond respond);
  Output get_function_url_config(const CallContext& ctx, const json::object& in);
  void update_function_url_config(const CallContext& ctx, json::object in, Respond respond);
  void delete_function_url_config(const CallContext& ctx, json::object in, Respond respond);
  Output list_function_url_configs(const CallContext& ctx, const json::object& in);
  // layer_handlers.cc
  void publish_layer_version(const CallContext& ctx, json::object in, Respond respond);
  void get_layer_version(const CallContext& ctx, json::object in, Respond respond);
  void get_layer_version_by_arn(const CallContext& ctx, json::object in, Respond respond);
  void list_layers(const CallContext& ctx, json::object in, Respond respond);
  void list_layer_versions(const CallContext& ctx, json::object in, Respond respond);
  void delete_layer_version(const CallContext& ctx, json::object in, Respond respond);
  void add_layer_version_permission(const CallContext& ctx, json::object in, Respond respond);
  void get_layer_version_policy(const CallContext& ctx, json::object in, Respond respond);
  void remove_layer_version_permission(const CallContext& ctx, json::object in, Respond respond);
  std::string layer_arn(const std::string& name) const;
  // The input's Layers checked against the layer table (function_layers.h).
  Result<FunctionLayers> function_layers(const json::object& in) const;
  // event_sources.cc
  void create_event_source_mapping(const CallContext& ctx, json::object in, Respond respond);
  void get_event_source_mapping(const CallContext& ctx, json::object in, Respond respond);
  void list_event_source_mappings(const CallContext& ctx, json::object in, Respond respond);
  void update_event_source_mapping(const CallContext& ctx, json::object in, Respond respond);
  void delete_event_source_mapping(const CallContext& ctx, json::object in, Respond respond);
  Status check_mapping(json::object& doc, const std::string& function_name);
  Status check_stream_mapping(const json::object& doc, const std::string& name);
  std::string role_of(const std::string& function_arn) const;
  // Whether the function's execution role may perform every action a
  // mapping needs on `source` (mapping_access.cc): AWS's
  // InvalidParameterValueException message when not; ok unless IAM enforces.
  Status role_may_read(const std::string& function_arn, const std::string& source) const;
  void start_event_sources();
  // Serves the download links of code_links.h (code_download.cc).
  void serve_code_links();

  Environment& env_;
  iam::Directory* iam_ = nullptr;  // execution roles' policies (use_execution_roles)
  Engine engine_;
  std::unique_ptr<AsyncQueue> async_;
  std::atomic<AsyncQueue*> accepting_{nullptr};  // async_ once started: where target_ delivers
  std::unique_ptr<FunctionUrls> urls_;           // function URL configurations
  std::unique_ptr<events::Mappings> esm_;        // SQS event source mappings and their pollers
  std::unique_ptr<events::Target> target_;       // functions as delivery targets (target.cc)
  std::unique_ptr<events::Binding> bound_;       // target_ in Environment::targets; dropped first
};

}  // namespace nimbus::services::lambda
