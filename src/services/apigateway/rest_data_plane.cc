// The REST API data plane: /{stage}/{path}, the deployed resource that
// matches most specifically, its method (or ANY), and the integration:
// AWS_PROXY to Lambda (payload format 1.0), HTTP and HTTP_PROXY (AWS and
// MOCK: rest_integrate_aws.cc); AWS's bodies for what goes wrong.
#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/apigateway/access_log.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/http_integration.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/lambda_role.h"
#include "services/apigateway/proxy.h"
#include "services/apigateway/request_validation.h"
#include "services/apigateway/resource_policy.h"
#include "services/apigateway/rest_plan.h"
#include "services/apigateway/throttling.h"

namespace nimbus::services::apigateway {

namespace {

// Whether `content_type` is one of the API's binaryMediaTypes ("*/*",
// "image/*" and exact types).
bool binary_type(const json::object& api, std::string_view content_type) {
  const auto* types = api.if_contains("binaryMediaTypes");
  if (types == nullptr || !types->is_array()) return false;
  std::string ct = http::to_lower(content_type.substr(0, content_type.find(';')));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  for (const auto& t : types->as_array()) {
    if (!t.is_string()) continue;
    std::string want = http::to_lower(t.as_string());
    if (want == "*/*" || want == ct) return true;
    if (want.ends_with("/*") && ct.starts_with(want.substr(0, want.size() - 1))) return true;
  }
  return false;
}

}  // namespace

void RestApiService::handle(const ApiPtr& api, UserRequest r, UserReply reply) {
  auto plan = std::static_pointer_cast<const RestPlan>(api->compiled);
  const json::object& doc = api->doc;
  std::string request_id = new_request_id();
  std::function<void(http::Response)> answer = [reply, request_id](http::Response resp) {
    take_gateway_error(resp);  // the mark never leaves (the writer would drop it too)
    resp.set_header("x-amzn-RequestId", request_id);
    reply(std::move(resp));
  };
  auto segments = split_path(r.path);
  const auto* stages = doc.if_contains("stages");
  const json::value* stage_v = segments.empty() || stages == nullptr
                                   ? nullptr
                                   : stages->as_object().if_contains(segments[0]);
  if (stage_v == nullptr) return answer(gateway_error(403, "Forbidden"));
  const json::object& stage = stage_v->as_object();
  std::string stage_name(segments[0]);
  std::string path = r.path.substr(1 + stage_name.size());
  if (path.empty()) path = "/";
  // The stage's access log: its line is written after the answer went out.
  std::shared_ptr<AccessRecord> record;
  if (auto log = AccessLog::of(logs_, stage, false); log.enabled()) {
    record = start_record(r, stage_name, request_id, env_.clock.now_millis());
    record->account_id = env_.settings.account_id;
    answer = [this, inner = std::move(answer), log = std::move(log), record](http::Response resp) {
      AccessLog::finish(*record, resp, env_.clock.now_millis());
      inner(std::move(resp));
      log.write(*record);
    };
  }
  auto table = plan->deployments.find(str(stage, "deploymentId"));
  if (table == plan->deployments.end()) return answer(gateway_error(403, "Forbidden"));
  auto proxy = std::make_shared<ProxyRequest>();
  proxy->api_id = r.id;
  proxy->stage = stage_name;
  proxy->account_id = env_.settings.account_id;
  proxy->request_id = request_id;
  proxy->domain_name = domain_name(r);
  proxy->path = path;
  proxy->raw_path = r.path;
  proxy->stage_variables = string_map(stage, "variables");
  proxy->time_ms = env_.clock.now_millis();
  proxy->http_api = false;
  auto holder = std::make_shared<UserRequest>(std::move(r));
  proxy->request = &holder->request;
  // Every error the gateway makes from here on takes the deployment's
  // gateway responses (gateway_responses.h); `api` keeps `deployed` alive.
  if (const RestPlan::Table* deployed = &table->second; !deployed->gateway_responses.empty()) {
    answer = [api, holder, proxy, deployed, inner = std::move(answer)](http::Response resp) {
      if (auto type = take_gateway_error(resp)) {
        resp = apply_gateway_response(&deployed->gateway_responses, deployed->mappings, *type,
                                      std::move(resp), *proxy);
      }
      inner(std::move(resp));
    };
  }
  const std::string& method_sent = holder->request.method;
  auto match = table->second.paths.find(method_sent, path);
  if (!match) return answer(gateway_error(403, "Missing Authentication Token"));
  const json::object& resource = table->second.resources.at(match->id).as_object();
  if (record) {
    record->resource_path = str(resource, "path");
    record->resource_id = str(resource, "id");
  }
  const json::object* method = nullptr;
  std::string method_name = method_sent;
  if (const auto* ms = resource.if_contains("resourceMethods"); ms != nullptr && ms->is_object()) {
    const auto* m = ms->as_object().if_contains(method_name);
    if (m == nullptr) m = ms->as_object().if_contains(method_name = "ANY");
    if (m != nullptr) method = &m->as_object();
  }
  if (method == nullptr) return answer(gateway_error(403, "Missing Authentication Token"));
  proxy->resource_path = str(resource, "path");
  proxy->resource_id = str(resource, "id");
  proxy->path_params = std::move(match->params);
  // The account's throttle, then the stage's, come first: a refused
  // request calls no authorizer.
  if (!account_throttle_.take(env_.clock.monotonic())) return answer(too_many_requests());
  if (auto refused =
          throttles_.admit(proxy->api_id + '\n' + stage_name + '\n' +
                               method_setting_key(str(resource, "path"), method_name),
                           rest_method_throttle(stage, str(resource, "path"), method_name),
                           env_.clock.monotonic())) {
    return answer(std::move(*refused));
  }
  // The authorizer, then the API key and its usage plan, then request
  // validation, the stage cache and the integration. `api` keeps `method` (in its compiled plan)
  // alive.
  const Mappings* mappings = &table->second.mappings;
  auto cache = rest_method_cache(stage, proxy->resource_path, method_name);
  size_t capacity = cache ? cache_capacity_bytes(stage) : 0;
  auto next = [this, api, holder, proxy, method, method_name, mappings, cache, capacity,
               answer](std::string usage_key) {
    if (boolean(*method, "apiKeyRequired").value_or(false)) {
      bool header = str(api->doc.at("api").as_object(), "apiKeySource") != "AUTHORIZER";
      if (auto refused =
              usage_.admit(proxy->api_id, proxy->stage, proxy->resource_path, method_name,
                           header ? std::string(holder->request.header("x-api-key")) : usage_key)) {
        return answer(std::move(*refused));
      }
    }
    // Request validation (request_validation.h), then the stage cache.
    Validation v = validation_of(api->doc, *method);
    if (!v.parameters && !v.body) {
      return integrate_cached(api, *method, method_name, *mappings, holder, proxy, cache, capacity,
                              answer);
    }
    with_body(holder, kRestPayloadLimit,
              [this, api, holder, proxy, method, method_name, mappings, cache, capacity, v,
               answer](std::optional<http::Response> fail) {
                if (fail) return answer(std::move(*fail));
                Rejection why;
                if (auto bad = validate_request(api->doc, *method, v, *proxy, why)) {
                  spdlog::info("({}) {}", proxy->request_id, why.log);
                  proxy->validation_error = std::move(why.detail);
                  return answer(std::move(*bad));
                }
                integrate_cached(api, *method, method_name, *mappings, holder, proxy, cache,
                                 capacity, answer);
              });
  };
  // The deployed resource policy (resource_policy.h) joins the decision as
  // AWS's authorization workflow has it for the method's type: alone for
  // NONE; an explicit deny before a Lambda authorizer runs, then with its
  // answer; after a user pool's token verified, alone; with the caller's
  // own policies for AWS_IAM (iam_auth.h).
  std::string type = str(*method, "authorizationType");
  const auto& policy = table->second.policy;
  std::string arn = method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id,
                               proxy->stage, holder->request.method, proxy->path);
  Invoker who;
  if (policy) {
    who.source_ip = source_ip(holder->request.remote);
    who.now_ms = proxy->time_ms;
    who.user_agent = holder->request.header("user-agent");
    who.referer = holder->request.header("referer");
    who.service_principal = holder->service_principal;
    who.source_arn = holder->source_arn;
  }
  if (type == "AWS_IAM") {
    return with_body(holder, kRestPayloadLimit,
                     [this, holder, proxy, arn, policy, who = std::move(who), answer,
                      next](std::optional<http::Response> fail) {
                       if (fail) return answer(std::move(*fail));
                       Caller caller;
                       if (auto refused = iam_auth_.check(
                               holder->request, IamAuth::Kind::kExecuteApi, "execute-api:Invoke",
                               arn, env_.settings.region, caller, policy, who)) {
                         return answer(std::move(*refused));
                       }
                       proxy->caller = std::move(caller);
                       next("");
                     });
  }
  auto verdict = check_rest_policy(policy.get(), arn, who);
  if (type == "CUSTOM" || type == "COGNITO_USER_POOLS") {
    if (verdict && type == "CUSTOM" && verdict->verdict == PolicyVerdict::kExplicitDeny) {
      return answer(std::move(verdict->refusal));
    }
    return authorize(api, *method, method_name, proxy, std::move(verdict), answer, std::move(next));
  }
  if (verdict && verdict->verdict != PolicyVerdict::kAllow) {
    return answer(std::move(verdict->refusal));
  }
  next("");
}

void RestApiService::integrate(const ApiPtr& api, const json::object& method,
                               const Mappings& mappings, const std::shared_ptr<UserRequest>& holder,
                               const std::shared_ptr<ProxyRequest>& proxy,
                               const std::function<void(http::Response)>& answer) {
  const auto* integration_v = method.if_contains("methodIntegration");
  if (integration_v == nullptr) return answer(gateway_error(500, "Internal server error"));
  const json::object& integration = integration_v->as_object();
  std::string type = str(integration, "type");
  if (type == "MOCK") return integrate_mock(api, integration, mappings, holder, proxy, answer);
  if (type == "HTTP" || type == "HTTP_PROXY")
    return integrate_http(api, integration, mappings, holder, proxy, answer);
  if (type == "AWS") return integrate_lambda(api, integration, mappings, holder, proxy, answer);
  if (type != "AWS_PROXY") return answer(gateway_error(500, "Internal server error"));
  bool binary = binary_type(api->doc.at("api").as_object(), holder->request.header("content-type"));
  std::string function = lambda_function_of(str(integration, "uri"));
  with_body(holder, kRestPayloadLimit,
            [this, api, &integration, holder, proxy, binary, function,
             answer](std::optional<http::Response> fail) {
              if (fail) return answer(std::move(*fail));
              proxy->binary_body = binary && !holder->request.body.empty();
              std::string source =
                  method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id,
                             proxy->stage, holder->request.method, proxy->path);
              // A credentials role invokes instead of a resource-policy permission.
              if (auto role = lambda_invoke_role(calls_, iam_auth_.directory(), env_.settings,
                                                 str(integration, "credentials"), function,
                                                 proxy->request_id)) {
                if (!*role) return answer(gateway_error(500, "Internal server error"));
                source.clear();
              }
              call_function(functions_, function, event_v1(*proxy), proxy->request_id, source,
                            [answer](Result<lambda::SyncResult> res) {
                              if (!res) return answer(gateway_error(500, "Internal server error"));
                              std::optional<http::Response> resp;
                              if (!res->function_error) resp = response_v1(res->payload);
                              if (!resp) return answer(gateway_error(502, "Internal server error"));
                              answer(std::move(*resp));
                            });
            });
}

// `api` keeps `integration` (in its document) alive.
void RestApiService::integrate_http(const ApiPtr& api, const json::object& integration,
                                    const Mappings& mappings,
                                    const std::shared_ptr<UserRequest>& holder,
                                    const std::shared_ptr<ProxyRequest>& proxy,
                                    const std::function<void(http::Response)>& answer) {
  with_body(
      holder, kRestPayloadLimit,
      [this, api, &integration, &mappings, holder, proxy,
       answer](std::optional<http::Response> fail) {
        if (fail) return answer(std::move(*fail));
        bool passthrough = str(integration, "type") == "HTTP_PROXY";
        http::ClientRequest request = rest_request(integration, *proxy);
        if (!passthrough) {
          auto body = map_request(mappings, integration, *proxy);
          if (auto* refused = std::get_if<http::Response>(&body))
            return answer(std::move(*refused));
          request.body = std::move(std::get<std::string>(body));
        }
        outbound_.fetch(std::move(request), [api, holder, &integration, &mappings, passthrough,
                                             answer, proxy](Result<http::ClientResponse> r) {
          if (!r) {
            spdlog::warn("({}) Execution failed: {}", proxy->request_id, r.error().message);
            return answer(endpoint_failure(r.error(), false));
          }
          if (passthrough) return answer(relay(std::move(*r)));
          const json::object* chosen =
              select_response(mappings, integration, std::to_string(r->status));
          auto resp = map_response(mappings, chosen, std::move(r->body), r->headers, *proxy);
          if (!resp) return answer(mapping_failure(proxy->request_id, chosen));
          answer(std::move(*resp));
        });
      });
}

}  // namespace nimbus::services::apigateway
