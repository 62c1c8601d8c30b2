// The HTTP API data plane: stage and route selection, the Lambda proxy call
// (payload format 2.0 or 1.0) and the mapping of its answer, with AWS's
// bodies for what goes wrong.
#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/apigateway/access_log.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/aws_service.h"
#include "services/apigateway/cors.h"
#include "services/apigateway/http_integration.h"
#include "services/apigateway/http_plan.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/lambda_role.h"
#include "services/apigateway/proxy.h"
#include "services/apigateway/throttling.h"

namespace nimbus::services::apigateway {

namespace {

constexpr size_t kPayloadLimit = 10 * 1024 * 1024;

}  // namespace

void HttpApiService::handle(const ApiPtr& api, UserRequest r, UserReply reply) {
  auto plan = std::static_pointer_cast<const HttpPlan>(api->compiled);
  const json::object& doc = api->doc;
  std::string request_id = new_request_id();
  std::function<void(http::Response)> answer = [reply, request_id](http::Response resp) {
    resp.set_header("apigw-requestid", request_id);
    reply(std::move(resp));
  };
  // CORS configured on the API: the gateway answers preflights itself and
  // adds the headers to every answer.
  auto cors = std::make_shared<json::object>();
  if (const auto* c = doc.at("api").as_object().if_contains("CorsConfiguration");
      c != nullptr && c->is_object()) {
    *cors = c->as_object();
  }
  if (auto pre = cors_preflight(*cors, r.request)) return answer(std::move(*pre));
  auto stages_v = doc.if_contains("stages");
  const json::object empty;
  const json::object& stages = stages_v != nullptr ? stages_v->as_object() : empty;

  // A named stage is the first segment of the path; otherwise $default
  // (which has no segment) serves the whole path.
  auto segments = split_path(r.path);
  std::string stage_name;
  std::string path = r.path;
  if (!segments.empty() && segments[0] != "$default" && stages.contains(segments[0])) {
    stage_name = std::string(segments[0]);
    path = r.path.substr(1 + stage_name.size());
    if (path.empty()) path = "/";
  } else if (stages.contains("$default")) {
    stage_name = "$default";
  } else {
    return answer(gateway_error(404, "Not Found"));
  }
  const json::object& stage = stages.at(stage_name).as_object();
  // The stage's access log: its line is written after the answer went out.
  std::shared_ptr<AccessRecord> record;
  if (auto log = AccessLog::of(logs_, stage, true); log.enabled()) {
    record = start_record(r, stage_name, request_id, env_.clock.now_millis());
    record->http_api = true;
    record->account_id = env_.settings.account_id;
    answer = [this, inner = std::move(answer), log = std::move(log), record](http::Response resp) {
      AccessLog::finish(*record, resp, env_.clock.now_millis());
      inner(std::move(resp));
      log.write(*record);
    };
  }
  const HttpPlan::Table* table = &plan->live;
  if (!boolean(stage, "AutoDeploy").value_or(false)) {
    auto it = plan->deployments.find(str(stage, "DeploymentId"));
    if (it == plan->deployments.end()) return answer(gateway_error(404, "Not Found"));
    table = &it->second;
  }
  auto match = table->routes.find(r.request.method, path);
  if (!match) return answer(gateway_error(404, "Not Found"));
  const auto& route = table->route_docs.at(match->id).as_object();
  if (record) record->route_key = match->key;
  // The account's throttle (the REST service's, shared by every API),
  // then the route's.
  if (rest_ != nullptr && !rest_->account_throttle().take(env_.clock.monotonic())) {
    auto refused = too_many_requests();
    add_cors_headers(*cors, r.request, refused);
    return answer(std::move(refused));
  }
  if (auto refused =
          throttles_.admit(r.id + '\n' + stage_name + '\n' + match->key,
                           http_route_throttle(stage, match->key), env_.clock.monotonic())) {
    add_cors_headers(*cors, r.request, *refused);
    return answer(std::move(*refused));
  }
  std::string target = str(route, "Target");
  const json::value* integration_v = target.starts_with("integrations/")
                                         ? table->integrations.if_contains(target.substr(13))
                                         : nullptr;
  if (integration_v == nullptr) return answer(gateway_error(404, "Not Found"));
  const json::object& integration = integration_v->as_object();

  auto proxy = std::make_shared<ProxyRequest>();
  proxy->api_id = r.id;
  proxy->stage = stage_name;
  proxy->account_id = env_.settings.account_id;
  proxy->request_id = request_id;
  proxy->domain_name = domain_name(r);
  proxy->route_key = match->key;
  proxy->path = path;
  proxy->raw_path = r.path;
  proxy->resource_path = match->key.substr(match->key.find(' ') + 1);
  proxy->path_params = std::move(match->params);
  proxy->stage_variables = string_map(stage, "StageVariables");
  proxy->time_ms = env_.clock.now_millis();
  proxy->http_api = true;
  std::string type = str(integration, "IntegrationType");
  if (type == "HTTP_PROXY") {
    auto holder = std::make_shared<UserRequest>(std::move(r));
    proxy->request = &holder->request;
    // `api` keeps `route` and `integration` (in its compiled plan) alive.
    auto forward = [this, api, &integration, holder, proxy, cors, answer] {
      with_body(holder, kPayloadLimit,
                [this, api, &integration, holder, proxy, cors,
                 answer](std::optional<http::Response> fail) {
                  if (fail) return answer(std::move(*fail));
                  outbound_.fetch(http_api_request(integration, *proxy),
                                  [api, holder, cors, answer](Result<http::ClientResponse> res) {
                                    http::Response resp = res ? relay(std::move(*res))
                                                              : endpoint_failure(res.error(), true);
                                    add_cors_headers(*cors, holder->request, resp);
                                    answer(std::move(resp));
                                  });
                });
    };
    if (str(route, "AuthorizationType") == "AWS_IAM") {
      return authorize_iam(holder, proxy, answer, std::move(forward));
    }
    return authorize(api, route, proxy, answer, std::move(forward));
  }
  if (type != "AWS_PROXY") {
    // HTTP, AWS and MOCK integrations of HTTP APIs are not served yet.
    return answer(gateway_error(500, "Internal Server Error"));
  }
  if (!str(integration, "IntegrationSubtype").empty()) {
    auto holder = std::make_shared<UserRequest>(std::move(r));
    proxy->request = &holder->request;
    // `api` keeps `integration` (in its compiled plan) alive.
    auto call = [this, api, &integration, holder, proxy, cors, answer] {
      integrate_subtype(integration, holder, proxy, cors, answer);
    };
    if (str(route, "AuthorizationType") == "AWS_IAM") {
      return authorize_iam(holder, proxy, answer, std::move(call));
    }
    return authorize(api, route, proxy, answer, std::move(call));
  }
  bool v2 = str(integration, "PayloadFormatVersion") == "2.0";
  std::string function = lambda_function_of(str(integration, "IntegrationUri"));
  auto holder = std::make_shared<UserRequest>(std::move(r));
  proxy->request = &holder->request;
  std::string role = str(integration, "CredentialsArn");
  auto invoke = [this, holder, proxy, v2, function, role, cors, answer] {
    with_body(holder, kPayloadLimit,
              [this, holder, proxy, v2, function, role, cors,
               answer](std::optional<http::Response> fail) {
                if (fail) return answer(std::move(*fail));
                proxy->binary_body = !holder->request.body.empty() &&
                                     !is_text_content(holder->request.header("content-type"));
                std::string event = v2 ? event_v2(*proxy) : event_v1(*proxy);
                std::string source =
                    method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id,
                               proxy->stage, holder->request.method, proxy->path);
                // A CredentialsArn role invokes instead of a resource-policy
                // permission (as REST integrations' credentials).
                if (auto allowed = lambda_invoke_role(calls_, iam_auth_.directory(), env_.settings,
                                                      role, function, proxy->request_id)) {
                  if (!*allowed) {
                    http::Response resp = gateway_error(500, "Internal Server Error");
                    add_cors_headers(*cors, holder->request, resp);
                    return answer(std::move(resp));
                  }
                  source.clear();
                }
                call_function(functions_, function, std::move(event), proxy->request_id, source,
                              [holder, cors, answer, v2](Result<lambda::SyncResult> res) {
                                std::optional<http::Response> resp;
                                if (res && !res->function_error) {
                                  resp = v2 ? response_v2(res->payload) : response_v1(res->payload);
                                }
                                if (!resp) resp = gateway_error(500, "Internal Server Error");
                                add_cors_headers(*cors, holder->request, *resp);
                                answer(std::move(*resp));
                              });
              });
  };
  // `api` keeps `route` (in its compiled plan) alive.
  if (str(route, "AuthorizationType") == "AWS_IAM") {
    return authorize_iam(holder, proxy, answer, std::move(invoke));
  }
  authorize(api, route, proxy, answer, std::move(invoke));
}

void HttpApiService::integrate_subtype(const json::object& integration,
                                       const std::shared_ptr<UserRequest>& holder,
                                       const std::shared_ptr<ProxyRequest>& proxy,
                                       const std::shared_ptr<json::object>& cors,
                                       const std::function<void(http::Response)>& answer) {
  with_body(holder, kPayloadLimit,
            [this, &integration, holder, proxy, cors, answer](std::optional<http::Response> fail) {
              if (fail) return answer(std::move(*fail));
              auto call = subtype_request(integration, *proxy, env_.settings.region);
              if (!call || calls_ == nullptr)
                return answer(gateway_error(500, "Internal Server Error"));
              CallContext ctx;
              ctx.request_id = proxy->request_id;
              ctx.region = call->uri.region;
              ctx.account_id = env_.settings.account_id;
              ctx.endpoint_url = endpoint_of(holder->request.header("host"));
              std::string role = str(integration, "CredentialsArn");
              calls_->call_wire(
                  call->uri.service, "", std::move(call->request), std::move(ctx),
                  integration_caller(role),
                  [holder, proxy, role, cors, answer](Result<http::Response> res) {
                    if (!res) {
                      spdlog::warn("({}) Execution failed due to configuration error: {}",
                                   proxy->request_id, configuration_error(res.error(), role));
                    }
                    http::Response resp =
                        res ? std::move(*res) : gateway_error(500, "Internal Server Error");
                    add_cors_headers(*cors, holder->request, resp);
                    answer(std::move(resp));
                  });
            });
}

}  // namespace nimbus::services::apigateway
