// Amazon API Gateway (model apigateway, restJson): REST APIs — the control
// API (REST APIs, resources, methods, integrations and their responses,
// deployments, stages) and their data plane at
// {apiId}.execute-api.localhost/{stage}/{path} (or /_aws/execute-api/...),
// which HttpApiService hands the requests of REST API ids to.
//
// Threads: as HttpApiService (handlers and data plane on the event loops,
// answers from the storage committer or from Lambda).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "services/apigateway/authorizer.h"
#include "services/apigateway/http_integration.h"
#include "services/apigateway/iam_auth.h"
#include "services/apigateway/resource_policy.h"
#include "services/apigateway/rest_mapping.h"
#include "services/apigateway/stage_cache.h"
#include "services/apigateway/store.h"
#include "services/apigateway/throttling.h"
#include "services/apigateway/usage_plans.h"
#include "services/lambda/api.h"
#include "services/logs/api.h"
#include "services/operation_calls.h"
#include "services/service.h"

namespace nimbus::auth {
class JwksCache;
struct Jwt;
}  // namespace nimbus::auth

namespace nimbus::services::apigateway {

// What running a REST API authorizer came to (rest_authorize.cc), for the
// data plane and TestInvokeAuthorizer alike.
struct AuthorizerRun {
  enum class Outcome {
    kAnswered,            // a Lambda authorizer's well-formed answer (`answer`)
    kVerified,            // a user pool's token, signature verified (`token`)
    kUnauthorized,        // the 401: no identity, "Unauthorized", a bad token
    kConfigurationError,  // the 500: the function failed or answered nonsense
  };
  Outcome outcome = Outcome::kConfigurationError;
  AuthorizerAnswer answer;
  std::shared_ptr<const nimbus::auth::Jwt> token;
  std::string log;  // the execution log, when one was asked for
};

class RestApiService final : public Service {
 public:
  RestApiService(Environment& env, lambda::Functions* functions);
  ~RestApiService() override;

  Status start() override;

  // AWS_IAM methods' signature verifier and policies (set once, before
  // requests arrive; without them such methods refuse every request).
  void use_iam(const RequestVerifier* verifier, const iam::Directory* iam) {
    iam_auth_.use(verifier, iam);
  }

  // AWS integrations to other services call them through `calls` (set
  // once, before requests arrive; without it they answer 500).
  void use_calls(OperationCalls* calls) { calls_ = calls; }
  // Stages' access logs go to CloudWatch Logs through `logs` (set once,
  // before requests arrive; without it nothing is logged).
  void use_logs(logs::LogWriter* logs) { logs_ = logs; }

  // The REST API whose id is `id`, or null.
  ApiPtr find(const std::string& id) const { return store_.find(id); }
  // The account-level throttle every REST and HTTP API request takes a
  // token of first (throttling.h).
  AccountThrottle& account_throttle() { return account_throttle_; }
  // The data plane (rest_data_plane.cc): one request to REST API `api`.
  void handle(const ApiPtr& api, UserRequest r, UserReply reply);

 private:
  static const Operation<RestApiService> kOperations[];  // apigateway_service.cc

  // rest_handlers.cc
  void create_rest_api(const CallContext& ctx, json::object in, Respond respond);
  Output get_rest_api(const CallContext& ctx, const json::object& in) const;
  Output get_rest_apis(const CallContext& ctx, const json::object& in) const;
  void delete_rest_api(const CallContext& ctx, json::object in, Respond respond);
  // rest_api_patch.cc
  void update_rest_api(const CallContext& ctx, json::object in, Respond respond);
  Output get_resources(const CallContext& ctx, const json::object& in) const;
  Output get_resource(const CallContext& ctx, const json::object& in) const;
  void create_resource(const CallContext& ctx, json::object in, Respond respond);
  void delete_resource(const CallContext& ctx, json::object in, Respond respond);
  void put_method(const CallContext& ctx, json::object in, Respond respond);
  Output get_method(const CallContext& ctx, const json::object& in) const;
  void delete_method(const CallContext& ctx, json::object in, Respond respond);
  void put_integration(const CallContext& ctx, json::object in, Respond respond);
  Output get_integration(const CallContext& ctx, const json::object& in) const;
  void put_method_response(const CallContext& ctx, json::object in, Respond respond);
  void put_integration_response(const CallContext& ctx, json::object in, Respond respond);
  Output get_integration_response(const CallContext& ctx, const json::object& in) const;
  void delete_integration_response(const CallContext& ctx, json::object in, Respond respond);
  Output get_method_response(const CallContext& ctx, const json::object& in) const;
  void delete_method_response(const CallContext& ctx, json::object in, Respond respond);
  void delete_integration(const CallContext& ctx, json::object in, Respond respond);
  // rest_stage_handlers.cc
  void create_deployment(const CallContext& ctx, json::object in, Respond respond);
  Output get_deployments(const CallContext& ctx, const json::object& in) const;
  void delete_deployment(const CallContext& ctx, json::object in, Respond respond);
  void create_stage(const CallContext& ctx, json::object in, Respond respond);
  Output get_stage(const CallContext& ctx, const json::object& in) const;
  Output get_stages(const CallContext& ctx, const json::object& in) const;
  void update_stage(const CallContext& ctx, json::object in, Respond respond);
  void delete_stage(const CallContext& ctx, json::object in, Respond respond);
  // validation_handlers.cc: request validators and models
  void create_request_validator(const CallContext& ctx, json::object in, Respond respond);
  Output get_request_validator(const CallContext& ctx, const json::object& in) const;
  Output get_request_validators(const CallContext& ctx, const json::object& in) const;
  void update_request_validator(const CallContext& ctx, json::object in, Respond respond);
  void delete_request_validator(const CallContext& ctx, json::object in, Respond respond);
  void create_model(const CallContext& ctx, json::object in, Respond respond);
  Output get_model(const CallContext& ctx, const json::object& in) const;
  Output get_model_template(const CallContext& ctx, const json::object& in) const;
  Output get_models(const CallContext& ctx, const json::object& in) const;
  void update_model(const CallContext& ctx, json::object in, Respond respond);
  void delete_model(const CallContext& ctx, json::object in, Respond respond);
  // gateway_response_handlers.cc: gateway responses
  void put_gateway_response(const CallContext& ctx, json::object in, Respond respond);
  Output get_gateway_response(const CallContext& ctx, const json::object& in) const;
  Output get_gateway_responses(const CallContext& ctx, const json::object& in) const;
  void update_gateway_response(const CallContext& ctx, json::object in, Respond respond);
  void delete_gateway_response(const CallContext& ctx, json::object in, Respond respond);
  // tag_handlers.cc: tags of REST APIs and stages by ARN (tags.h)
  void tag_resource(const CallContext& ctx, json::object in, Respond respond);
  void untag_resource(const CallContext& ctx, json::object in, Respond respond);
  Output get_tags(const CallContext& ctx, const json::object& in) const;
  // TagResource (untag false) and UntagResource.
  void change_tags(const CallContext& ctx, json::object in, bool untag, Respond respond);
  // An API key's or usage plan's tags (`arn` names one) tagged or untagged.
  void retag_owned(const std::string& arn, const json::object& in, bool untag, bool aws_ok,
                   Respond respond);
  // rest_cache.cc
  Output flush_stage_cache(const CallContext& ctx, const json::object& in);
  Output flush_stage_authorizers_cache(const CallContext& ctx, const json::object& in);
  // api_key_handlers.cc
  void create_api_key(const CallContext& ctx, json::object in, Respond respond);
  Output get_api_key(const CallContext& ctx, const json::object& in) const;
  Output get_api_keys(const CallContext& ctx, const json::object& in) const;
  void update_api_key(const CallContext& ctx, json::object in, Respond respond);
  void delete_api_key(const CallContext& ctx, json::object in, Respond respond);
  void import_api_keys(const CallContext& ctx, json::object in, Respond respond);
  // account_handlers.cc: GetAccount, UpdateAccount
  Output get_account(const CallContext& ctx, const json::object& in) const;
  void update_account(const CallContext& ctx, json::object in, Respond respond);
  // usage_plan_handlers.cc
  void create_usage_plan(const CallContext& ctx, json::object in, Respond respond);
  Output get_usage_plan(const CallContext& ctx, const json::object& in) const;
  Output get_usage_plans(const CallContext& ctx, const json::object& in) const;
  void update_usage_plan(const CallContext& ctx, json::object in, Respond respond);
  void delete_usage_plan(const CallContext& ctx, json::object in, Respond respond);
  void create_usage_plan_key(const CallContext& ctx, json::object in, Respond respond);
  Output get_usage_plan_key(const CallContext& ctx, const json::object& in) const;
  Output get_usage_plan_keys(const CallContext& ctx, const json::object& in) const;
  void delete_usage_plan_key(const CallContext& ctx, json::object in, Respond respond);
  Output get_usage(const CallContext& ctx, const json::object& in) const;
  void update_usage(const CallContext& ctx, json::object in, Respond respond);
  // Whether key `key_id` may join `plan` (ConflictException when the plan
  // holds it, or when a plan that holds it, or one of the plans in
  // `joining` it joins with this one, serves an API stage of this plan).
  Status check_plan_key(const ApiPtr& plan, const std::string& key_id,
                        const std::vector<ApiPtr>& joining) const;
  // authorizer_handlers.cc
  void create_authorizer(const CallContext& ctx, json::object in, Respond respond);
  Output get_authorizer(const CallContext& ctx, const json::object& in) const;
  Output get_authorizers(const CallContext& ctx, const json::object& in) const;
  void update_authorizer(const CallContext& ctx, json::object in, Respond respond);
  void delete_authorizer(const CallContext& ctx, json::object in, Respond respond);
  // rest_authorize.cc: the authorizer run on a request made of the input.
  void test_invoke_authorizer(const CallContext& ctx, json::object in, Respond respond);
  // import_handlers.cc: OpenAPI import (openapi.h)
  void import_rest_api(const CallContext& ctx, json::object in, Respond respond);
  void put_rest_api(const CallContext& ctx, json::object in, Respond respond);
  Output get_export(const CallContext& ctx, const json::object& in) const;
  // rest_handlers.cc: the API's `policy` as AWS saves it (resource_policy.h),
  // or BadRequestException.
  Status save_policy(json::object& api) const;
  // Every apiStages entry names a REST API and one of its stages.
  Status check_api_stages(const CallContext& ctx, const json::value* stages) const;

  // The data plane's steps after routing (rest_data_plane.cc,
  // rest_authorize.cc): the method's Lambda authorizer, which calls `next`
  // with the answer's usageIdentifierKey when it allows the request; the
  // integration. `resource` is the API's resource policy's verdict (none:
  // nullopt): a user pool's verified caller needs its allow; a Lambda
  // authorizer's policy that neither allows nor denies is allowed by it.
  void authorize(const ApiPtr& api, const json::object& method, const std::string& method_name,
                 const std::shared_ptr<ProxyRequest>& proxy, std::optional<PolicyCheck> resource,
                 std::function<void(http::Response)> answer,
                 std::function<void(std::string usage_key)> next);
  // Runs authorizer `auth` on `proxy`, whose method ARN is `arn`: calls
  // its Lambda function (TOKEN, REQUEST) or verifies the user pool token
  // (COGNITO_USER_POOLS, run_cognito) and says what came of it; with
  // `use_cache` the answer is taken from and kept in the TTL cache. `log`
  // (may be null) collects the execution log.
  void run_authorizer(const json::object& auth, const std::shared_ptr<ProxyRequest>& proxy,
                      const std::string& arn, const std::shared_ptr<std::string>& log,
                      bool use_cache, std::function<void(AuthorizerRun)> done);
  void run_cognito(const json::object& auth, const std::shared_ptr<ProxyRequest>& proxy,
                   const std::shared_ptr<std::string>& log, bool use_cache,
                   std::function<void(AuthorizerRun)> done);
  // `mappings` are the stage's deployment's (in `api`'s plan).
  void integrate(const ApiPtr& api, const json::object& method, const Mappings& mappings,
                 const std::shared_ptr<UserRequest>& holder,
                 const std::shared_ptr<ProxyRequest>& proxy,
                 const std::function<void(http::Response)>& answer);
  // rest_cache.cc: the integration behind the stage cache when `cache`
  // says the method caches (stage_cache.h), else integrate().
  void integrate_cached(const ApiPtr& api, const json::object& method,
                        const std::string& method_name, const Mappings& mappings,
                        const std::shared_ptr<UserRequest>& holder,
                        const std::shared_ptr<ProxyRequest>& proxy,
                        const std::optional<CacheSettings>& cache, size_t capacity,
                        const std::function<void(http::Response)>& answer);
  void integrate_http(const ApiPtr& api, const json::object& integration, const Mappings& mappings,
                      const std::shared_ptr<UserRequest>& holder,
                      const std::shared_ptr<ProxyRequest>& proxy,
                      const std::function<void(http::Response)>& answer);
  // rest_integrate_aws.cc: AWS (Lambda non-proxy, other services) and MOCK
  // integrations.
  void integrate_lambda(const ApiPtr& api, const json::object& integration,
                        const Mappings& mappings, const std::shared_ptr<UserRequest>& holder,
                        const std::shared_ptr<ProxyRequest>& proxy,
                        const std::function<void(http::Response)>& answer);
  void integrate_service(const ApiPtr& api, const json::object& integration,
                         const Mappings& mappings, const std::shared_ptr<UserRequest>& holder,
                         const std::shared_ptr<ProxyRequest>& proxy,
                         const std::function<void(http::Response)>& answer);
  void integrate_mock(const ApiPtr& api, const json::object& integration, const Mappings& mappings,
                      const std::shared_ptr<UserRequest>& holder,
                      const std::shared_ptr<ProxyRequest>& proxy,
                      const std::function<void(http::Response)>& answer);

  void change(const json::object& in,
              std::function<Status(json::object& doc, json::object& out)> change, Respond respond);

  Environment& env_;
  lambda::Functions* functions_;
  OperationCalls* calls_ = nullptr;  // AWS integrations to other services
  logs::LogWriter* logs_ = nullptr;  // stages' access logs
  ApiStore store_;
  UsagePlans usage_;
  ApiStore account_;  // one document, "account": the account's cloudwatchRoleArn
  AccountThrottle account_throttle_;
  AuthorizerCache authorizer_cache_;
  // Where COGNITO_USER_POOLS authorizers read a user pool's keys: its
  // issuer is `{endpoint}/{poolId}`; "" (the default) is AWS's
  // https://cognito-idp.{region}.amazonaws.com (`nimbus serve
  // --apigateway-cognito-endpoint URL`).
  std::string cognito_endpoint_;
  std::once_flag jwks_once_;  // user pools' keys, made at the first Cognito method
  std::unique_ptr<nimbus::auth::JwksCache> jwks_;
  Outbound outbound_;         // HTTP and HTTP_PROXY integrations
  StageThrottles throttles_;  // stage (method / route) throttling
  StageCache cache_;          // stage caches
  IamAuth iam_auth_;          // AWS_IAM methods
};

}  // namespace nimbus::services::apigateway
