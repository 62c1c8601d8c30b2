// The apigateway (REST API) operation table: each operation nimbus serves,
// its handler (rest_handlers.cc, rest_stage_handlers.cc) and the resource it
// touches.
#include "services/apigateway/apigateway_service.h"

#include <cstdlib>

#include "auth/jwks.h"
#include "common/json_fields.h"
#include "services/apigateway/rest_plan.h"

namespace nimbus::services::apigateway {

namespace {

// arn:aws:apigateway:REGION::/restapis[/ID]: API Gateway resources by path.
Resources by_rest_api(const CallContext& ctx, const json::object& in) {
  std::string id = str(in, "restApiId");
  return {"arn:aws:apigateway:" + ctx.region + "::/restapis" + (id.empty() ? "" : "/" + id)};
}

// arn:aws:apigateway:REGION::/apikeys[/ID] and /usageplans[/ID].
Resources by_api_key(const CallContext& ctx, const json::object& in) {
  std::string id = str(in, "apiKey");
  return {"arn:aws:apigateway:" + ctx.region + "::/apikeys" + (id.empty() ? "" : "/" + id)};
}
Resources by_usage_plan(const CallContext& ctx, const json::object& in) {
  std::string id = str(in, "usagePlanId");
  return {"arn:aws:apigateway:" + ctx.region + "::/usageplans" + (id.empty() ? "" : "/" + id)};
}

// arn:aws:apigateway:REGION::/account.
Resources by_account(const CallContext& ctx, const json::object&) {
  return {"arn:aws:apigateway:" + ctx.region + "::/account"};
}

// The account throttle's limits from `nimbus serve
// --apigateway-account-rate-limit / --apigateway-account-burst-limit`
// (checked by the CLI), else AWS's defaults.
Throttle account_limits(const Settings& settings) {
  Throttle t = AccountThrottle::kDefault;
  const auto& options = settings.service_options;
  if (auto it = options.find("apigateway.account-rate-limit"); it != options.end()) {
    t.rate = std::strtod(it->second.c_str(), nullptr);
  }
  if (auto it = options.find("apigateway.account-burst-limit"); it != options.end()) {
    t.burst = std::strtoll(it->second.c_str(), nullptr, 10);
  }
  return t;
}

// A tagging call's resource: the ARN it names.
Resources by_resource_arn(const CallContext&, const json::object& in) {
  return {str(in, "resourceArn")};
}

}  // namespace

const Operation<RestApiService> RestApiService::kOperations[] = {
    {"CreateRestApi", &RestApiService::create_rest_api, by_rest_api},
    {"GetRestApi", &RestApiService::get_rest_api, by_rest_api},
    {"GetRestApis", &RestApiService::get_rest_apis, by_rest_api},
    {"DeleteRestApi", &RestApiService::delete_rest_api, by_rest_api},
    {"UpdateRestApi", &RestApiService::update_rest_api, by_rest_api},
    {"GetResources", &RestApiService::get_resources, by_rest_api},
    {"GetResource", &RestApiService::get_resource, by_rest_api},
    {"CreateResource", &RestApiService::create_resource, by_rest_api},
    {"DeleteResource", &RestApiService::delete_resource, by_rest_api},
    {"PutMethod", &RestApiService::put_method, by_rest_api},
    {"GetMethod", &RestApiService::get_method, by_rest_api},
    {"DeleteMethod", &RestApiService::delete_method, by_rest_api},
    {"PutIntegration", &RestApiService::put_integration, by_rest_api},
    {"GetIntegration", &RestApiService::get_integration, by_rest_api},
    {"PutMethodResponse", &RestApiService::put_method_response, by_rest_api},
    {"PutIntegrationResponse", &RestApiService::put_integration_response, by_rest_api},
    {"GetIntegrationResponse", &RestApiService::get_integration_response, by_rest_api},
    {"DeleteIntegrationResponse", &RestApiService::delete_integration_response, by_rest_api},
    {"GetMethodResponse", &RestApiService::get_method_response, by_rest_api},
    {"DeleteMethodResponse", &RestApiService::delete_method_response, by_rest_api},
    {"DeleteIntegration", &RestApiService::delete_integration, by_rest_api},
    {"CreateDeployment", &RestApiService::create_deployment, by_rest_api},
    {"GetDeployments", &RestApiService::get_deployments, by_rest_api},
    {"DeleteDeployment", &RestApiService::delete_deployment, by_rest_api},
    {"ImportRestApi", &RestApiService::import_rest_api, by_rest_api},
    {"PutRestApi", &RestApiService::put_rest_api, by_rest_api},
    {"GetExport", &RestApiService::get_export, by_rest_api},
    {"CreateStage", &RestApiService::create_stage, by_rest_api},
    {"GetStage", &RestApiService::get_stage, by_rest_api},
    {"GetStages", &RestApiService::get_stages, by_rest_api},
    {"UpdateStage", &RestApiService::update_stage, by_rest_api},
    {"DeleteStage", &RestApiService::delete_stage, by_rest_api},
    {"CreateRequestValidator", &RestApiService::create_request_validator, by_rest_api},
    {"GetRequestValidator", &RestApiService::get_request_validator, by_rest_api},
    {"GetRequestValidators", &RestApiService::get_request_validators, by_rest_api},
    {"UpdateRequestValidator", &RestApiService::update_request_validator, by_rest_api},
    {"DeleteRequestValidator", &RestApiService::delete_request_validator, by_rest_api},
    {"CreateModel", &RestApiService::create_model, by_rest_api},
    {"GetModel", &RestApiService::get_model, by_rest_api},
    {"GetModelTemplate", &RestApiService::get_model_template, by_rest_api},
    {"GetModels", &RestApiService::get_models, by_rest_api},
    {"UpdateModel", &RestApiService::update_model, by_rest_api},
    {"DeleteModel", &RestApiService::delete_model, by_rest_api},
    {"PutGatewayResponse", &RestApiService::put_gateway_response, by_rest_api},
    {"GetGatewayResponse", &RestApiService::get_gateway_response, by_rest_api},
    {"GetGatewayResponses", &RestApiService::get_gateway_responses, by_rest_api},
    {"UpdateGatewayResponse", &RestApiService::update_gateway_response, by_rest_api},
    {"DeleteGatewayResponse", &RestApiService::delete_gateway_response, by_rest_api},
    {"FlushStageCache", &RestApiService::flush_stage_cache, by_rest_api},
    {"TagResource", &RestApiService::tag_resource, by_resource_arn},
    {"UntagResource", &RestApiService::untag_resource, by_resource_arn},
    {"GetTags", &RestApiService::get_tags, by_resource_arn},
    {"FlushStageAuthorizersCache", &RestApiService::flush_stage_authorizers_cache, by_rest_api},
    {"CreateApiKey", &RestApiService::create_api_key, by_api_key},
    {"GetApiKey", &RestApiService::get_api_key, by_api_key},
    {"GetApiKeys", &RestApiService::get_api_keys, by_api_key},
    {"UpdateApiKey", &RestApiService::update_api_key, by_api_key},
    {"DeleteApiKey", &RestApiService::delete_api_key, by_api_key},
    {"ImportApiKeys", &RestApiService::import_api_keys, by_api_key},
    {"CreateUsagePlan", &RestApiService::create_usage_plan, by_usage_plan},
    {"GetUsagePlan", &RestApiService::get_usage_plan, by_usage_plan},
    {"GetUsagePlans", &RestApiService::get_usage_plans, by_usage_plan},
    {"UpdateUsagePlan", &RestApiService::update_usage_plan, by_usage_plan},
    {"DeleteUsagePlan", &RestApiService::delete_usage_plan, by_usage_plan},
    {"CreateUsagePlanKey", &RestApiService::create_usage_plan_key, by_usage_plan},
    {"GetUsagePlanKey", &RestApiService::get_usage_plan_key, by_usage_plan},
    {"GetUsagePlanKeys", &RestApiService::get_usage_plan_keys, by_usage_plan},
    {"DeleteUsagePlanKey", &RestApiService::delete_usage_plan_key, by_usage_plan},
    {"GetUsage", &RestApiService::get_usage, by_usage_plan},
    {"UpdateUsage", &RestApiService::update_usage, by_usage_plan},
    {"CreateAuthorizer", &RestApiService::create_authorizer, by_rest_api},
    {"GetAuthorizer", &RestApiService::get_authorizer, by_rest_api},
    {"GetAuthorizers", &RestApiService::get_authorizers, by_rest_api},
    {"UpdateAuthorizer", &RestApiService::update_authorizer, by_rest_api},
    {"DeleteAuthorizer", &RestApiService::delete_authorizer, by_rest_api},
    {"TestInvokeAuthorizer", &RestApiService::test_invoke_authorizer, by_rest_api},
    {"GetAccount", &RestApiService::get_account, by_account},
    {"UpdateAccount", &RestApiService::update_account, by_account},
};

RestApiService::RestApiService(Environment& env, lambda::Functions* functions)
    : Service("apigateway"),
      env_(env),
      functions_(functions),
      store_(env, "v1", compile_rest_api),
      usage_(env),
      account_(env, "account", [](const json::object&) { return nullptr; }),
      account_throttle_(account_limits(env.settings)) {
  serve(*this, kOperations);
  if (auto it = env.settings.service_options.find("apigateway.cognito-endpoint");
      it != env.settings.service_options.end()) {
    cognito_endpoint_ = it->second;
  }
}

RestApiService::~RestApiService() = default;

Status RestApiService::start() {
  if (auto st = store_.recover(); !st) return st;
  if (auto st = account_.recover(); !st) return st;
  return usage_.recover();
}

}  // namespace nimbus::services::apigateway
