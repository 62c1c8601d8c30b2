// The apigatewayv2 operation table: each operation nimbus serves, its
// handler (http_api_handlers.cc) and the API resource it touches.
#include "services/apigateway/apigatewayv2_service.h"

#include "auth/jwks.h"
#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/http_plan.h"

namespace nimbus::services::apigateway {

namespace {

// arn:aws:apigateway:REGION::/apis[/ID]: the service authorization
// reference names API Gateway resources by path.
Resources by_api(const CallContext& ctx, const json::object& in) {
  std::string id = str(in, "ApiId");
  return {"arn:aws:apigateway:" + ctx.region + "::/apis" + (id.empty() ? "" : "/" + id)};
}

// A tagging call's resource: the ARN it names.
Resources by_v2_resource_arn(const CallContext&, const json::object& in) {
  return {str(in, "ResourceArn")};
}

}  // namespace

const Operation<HttpApiService> HttpApiService::kOperations[] = {
    {"CreateApi", &HttpApiService::create_api, by_api},
    {"GetApi", &HttpApiService::get_api, by_api},
    {"GetApis", &HttpApiService::get_apis, by_api},
    {"UpdateApi", &HttpApiService::update_api, by_api},
    {"DeleteApi", &HttpApiService::delete_api, by_api},
    {"ImportApi", &HttpApiService::import_api, by_api},
    {"ReimportApi", &HttpApiService::reimport_api, by_api},
    {"ExportApi", &HttpApiService::export_api, by_api},
    {"TagResource", &HttpApiService::tag_resource, by_v2_resource_arn},
    {"UntagResource", &HttpApiService::untag_resource, by_v2_resource_arn},
    {"GetTags", &HttpApiService::get_tags, by_v2_resource_arn},
    {"CreateRoute", &HttpApiService::create_route, by_api},
    {"GetRoute", &HttpApiService::get_route, by_api},
    {"GetRoutes", &HttpApiService::get_routes, by_api},
    {"UpdateRoute", &HttpApiService::update_route, by_api},
    {"DeleteRoute", &HttpApiService::delete_route, by_api},
    {"CreateIntegration", &HttpApiService::create_integration, by_api},
    {"GetIntegration", &HttpApiService::get_integration, by_api},
    {"GetIntegrations", &HttpApiService::get_integrations, by_api},
    {"UpdateIntegration", &HttpApiService::update_integration, by_api},
    {"DeleteIntegration", &HttpApiService::delete_integration, by_api},
    {"CreateStage", &HttpApiService::create_stage, by_api},
    {"GetStage", &HttpApiService::get_stage, by_api},
    {"GetStages", &HttpApiService::get_stages, by_api},
    {"UpdateStage", &HttpApiService::update_stage, by_api},
    {"DeleteStage", &HttpApiService::delete_stage, by_api},
    {"CreateDeployment", &HttpApiService::create_deployment, by_api},
    {"GetDeployment", &HttpApiService::get_deployment, by_api},
    {"GetDeployments", &HttpApiService::get_deployments, by_api},
    {"DeleteDeployment", &HttpApiService::delete_deployment, by_api},
    {"CreateAuthorizer", &HttpApiService::create_authorizer, by_api},
    {"GetAuthorizer", &HttpApiService::get_authorizer, by_api},
    {"GetAuthorizers", &HttpApiService::get_authorizers, by_api},
    {"UpdateAuthorizer", &HttpApiService::update_authorizer, by_api},
    {"DeleteAuthorizer", &HttpApiService::delete_authorizer, by_api},
};

HttpApiService::HttpApiService(Environment& env, lambda::Functions* functions, RestApiService* rest)
    : Service("apigatewayv2"),
      env_(env),
      functions_(functions),
      rest_(rest),
      store_(env, "v2", compile_http_api) {
  serve(*this, kOperations);
}

HttpApiService::~HttpApiService() = default;

Status HttpApiService::start() {
  if (auto st = store_.recover(); !st) return st;
  if (env_.user_apis != nullptr) {
    env_.user_apis->add(UserApi::kExecuteApi, [this](UserRequest r, UserReply reply) {
      auto api = store_.find(r.id);
      if (!api && rest_ != nullptr) {
        if (auto rest_api = rest_->find(r.id))
          return rest_->handle(rest_api, std::move(r), std::move(reply));
      }
      if (!api) {
        http::Response resp;
        resp.status = 404;
        resp.set_header("Content-Type", "application/json");
        resp.body = R"({"message":"Not Found"})";
        return reply(std::move(resp));
      }
      handle(api, std::move(r), std::move(reply));
    });
    env_.user_apis->add(UserApi::kFunctionUrl, [this](UserRequest r, UserReply reply) {
      handle_function_url(std::move(r), std::move(reply));
    });
  }
  return Status::ok();
}

}  // namespace nimbus::services::apigateway
