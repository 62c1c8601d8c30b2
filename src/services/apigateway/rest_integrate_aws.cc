// REST APIs' AWS integrations (Lambda, non-proxy: the request template's
// output is the event, the function's answer goes through the integration
// responses; other services: the integration request in the service's wire
// form, called in-process through OperationCalls::call_wire, its answer
// selected by status) and MOCK integrations (the request template's statusCode picks
// the integration response).
#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/aws_service.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/lambda_role.h"
#include "services/apigateway/rest_mapping.h"

namespace nimbus::services::apigateway {

namespace {

// Whether `uri` names Lambda's Invoke
// (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations).
bool lambda_uri(std::string_view uri) {
  return uri.starts_with("arn:aws:apigateway:") &&
         uri.find(":lambda:path/") != std::string_view::npos && uri.ends_with("/invocations");
}

}  // namespace

// `api` keeps `integration` and `mappings` (in its plan) alive.
void RestApiService::integrate_lambda(const ApiPtr& api, const json::object& integration,
                                      const Mappings& mappings,
                                      const std::shared_ptr<UserRequest>& holder,
                                      const std::shared_ptr<ProxyRequest>& proxy,
                                      const std::function<void(http::Response)>& answer) {
  std::string uri = str(integration, "uri");
  if (!lambda_uri(uri)) return integrate_service(api, integration, mappings, holder, proxy, answer);
  with_body(
      holder, kRestPayloadLimit,
      [this, api, &integration, &mappings, holder, proxy, function = lambda_function_of(uri),
       answer](std::optional<http::Response> fail) {
        if (fail) return answer(std::move(*fail));
        auto event = map_request(mappings, integration, *proxy);
        if (auto* refused = std::get_if<http::Response>(&event)) return answer(std::move(*refused));
        std::string payload = std::move(std::get<std::string>(event));
        if (payload.empty()) payload = "{}";  // what a bodiless GET passes through
        std::string source =
            method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id, proxy->stage,
                       holder->request.method, proxy->path);
        // A credentials role invokes instead of a resource-policy permission.
        if (auto role =
                lambda_invoke_role(calls_, iam_auth_.directory(), env_.settings,
                                   str(integration, "credentials"), function, proxy->request_id)) {
          if (!*role) return answer(gateway_error(500, "Internal server error"));
          source.clear();
        }
        call_function(
            functions_, function, std::move(payload), proxy->request_id, source,
            [api, holder, &integration, &mappings, proxy, answer](Result<lambda::SyncResult> res) {
              if (!res) return answer(gateway_error(500, "Internal server error"));
              // A function error is matched by its errorMessage; a
              // success takes the default response.
              std::optional<std::string> selector;
              if (res->function_error) selector = lambda_error_message(res->payload);
              const json::object* chosen = select_response(mappings, integration, selector);
              auto resp = map_response(mappings, chosen, std::move(res->payload), {}, *proxy);
              if (!resp) return answer(mapping_failure(proxy->request_id, chosen));
              answer(std::move(*resp));
            });
      });
}

// `api` keeps `integration` and `mappings` (in its plan) alive.
void RestApiService::integrate_service(const ApiPtr& api, const json::object& integration,
                                       const Mappings& mappings,
                                       const std::shared_ptr<UserRequest>& holder,
                                       const std::shared_ptr<ProxyRequest>& proxy,
                                       const std::function<void(http::Response)>& answer) {
  with_body(
      holder, kRestPayloadLimit,
      [this, api, &integration, &mappings, holder, proxy,
       answer](std::optional<http::Response> fail) {
        if (fail) return answer(std::move(*fail));
        auto body = map_request(mappings, integration, *proxy);
        if (auto* refused = std::get_if<http::Response>(&body)) return answer(std::move(*refused));
        auto call =
            rest_service_request(integration, *proxy, std::move(std::get<std::string>(body)));
        if (!call || calls_ == nullptr) {
          spdlog::warn(
              "({}) Execution failed due to configuration error: AWS integration {} "
              "names no service nimbus serves",
              proxy->request_id, str(integration, "uri"));
          return answer(gateway_error(500, "Internal server error"));
        }
        CallContext ctx;
        ctx.request_id = proxy->request_id;
        ctx.region = call->uri.region;
        ctx.account_id = env_.settings.account_id;
        ctx.endpoint_url = endpoint_of(holder->request.header("host"));
        // The call is made as the credentials role: one that may not call
        // the operation gets the service's AccessDenied, selected by status
        // like any answer; one that cannot be assumed is a configuration
        // error.
        calls_->call_wire(
            call->uri.service, call->uri.action, std::move(call->request), std::move(ctx),
            integration_caller(str(integration, "credentials")),
            [api, holder, &integration, &mappings, proxy, answer](Result<http::Response> res) {
              if (!res) {
                spdlog::warn("({}) Execution failed due to configuration error: {}",
                             proxy->request_id,
                             configuration_error(res.error(), str(integration, "credentials")));
                return answer(gateway_error(500, "Internal server error"));
              }
              // A service's answer is selected by its status code.
              const json::object* chosen =
                  select_response(mappings, integration, std::to_string(res->status));
              http::Headers headers;
              for (auto& [name, value] : res->headers)
                headers.emplace_back(http::to_lower(name), std::move(value));
              auto resp = map_response(mappings, chosen, std::move(res->body), headers, *proxy);
              if (!resp) return answer(mapping_failure(proxy->request_id, chosen));
              answer(std::move(*resp));
            });
      });
}

void RestApiService::integrate_mock(const ApiPtr& api, const json::object& integration,
                                    const Mappings& mappings,
                                    const std::shared_ptr<UserRequest>& holder,
                                    const std::shared_ptr<ProxyRequest>& proxy,
                                    const std::function<void(http::Response)>& answer) {
  with_body(
      holder, kRestPayloadLimit,
      [api, &integration, &mappings, holder, proxy, answer](std::optional<http::Response> fail) {
        if (fail) return answer(std::move(*fail));
        auto rendered = map_request(mappings, integration, *proxy);
        if (auto* refused = std::get_if<http::Response>(&rendered))
          return answer(std::move(*refused));
        // The status is the template's {"statusCode": N} (200 without one).
        int64_t status = 200;
        if (auto doc = parse_object(std::get<std::string>(rendered)))
          status = integer(*doc, "statusCode").value_or(200);
        const json::object* chosen = select_response(mappings, integration, std::to_string(status));
        auto resp = map_response(mappings, chosen, "", {}, *proxy);
        if (!resp) return answer(mapping_failure(proxy->request_id, chosen));
        answer(std::move(*resp));
      });
}

}  // namespace nimbus::services::apigateway
