// Lambda function URLs' data plane ({urlId}.lambda-url.{region}.localhost):
// the function URL configuration comes from Lambda (Functions::function_url),
// the event is payload format 2.0 and the answer is mapped as HTTP APIs map
// it; CORS from the URL's Cors configuration.
#include "common/request_id.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/cors.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/proxy.h"

namespace nimbus::services::apigateway {

namespace {

constexpr size_t kUrlPayloadLimit = 6 * 1024 * 1024;  // Lambda's synchronous payload limit

http::Response url_error(int status, const char* message) {
  http::Response resp;
  resp.status = status;
  resp.set_header("Content-Type", "application/json");
  resp.body = std::string("{\"Message\":\"") + message + "\"}";
  return resp;
}

}  // namespace

void HttpApiService::handle_function_url(UserRequest r, UserReply reply) {
  auto url = functions_ != nullptr ? functions_->function_url(r.id) : std::nullopt;
  std::string request_id = new_request_id();
  auto answer = [reply, request_id](http::Response resp) {
    resp.set_header("x-amzn-RequestId", request_id);
    reply(std::move(resp));
  };
  if (!url) return answer(url_error(404, "Not Found"));
  if (auto pre = cors_preflight(url->cors, r.request)) return answer(std::move(*pre));
  bool iam = url->auth_type == "AWS_IAM";
  if (!iam && url->auth_type != "NONE") return answer(url_error(403, "Forbidden"));
  auto proxy = std::make_shared<ProxyRequest>();
  proxy->api_id = r.id;
  proxy->stage = "$default";
  proxy->account_id = "anonymous";
  proxy->request_id = request_id;
  proxy->domain_name = domain_name(r);
  proxy->route_key = "$default";
  proxy->path = r.path;
  proxy->raw_path = r.path;
  proxy->time_ms = env_.clock.now_millis();
  auto holder = std::make_shared<UserRequest>(std::move(r));
  proxy->request = &holder->request;
  auto cors = std::make_shared<json::object>(std::move(url->cors));
  std::string function = url->function;
  with_body(holder, kUrlPayloadLimit,
            [this, holder, proxy, function, cors, iam, answer](std::optional<http::Response> fail) {
              if (fail) return answer(std::move(*fail));
              if (iam) {
                std::string arn = "arn:aws:lambda:" + env_.settings.region + ":" +
                                  env_.settings.account_id + ":function:" + function;
                Caller caller;
                if (auto refused = iam_auth_.check(holder->request, IamAuth::Kind::kFunctionUrl,
                                                   "lambda:InvokeFunctionUrl", arn,
                                                   env_.settings.region, caller)) {
                  add_cors_headers(*cors, holder->request, *refused);
                  return answer(std::move(*refused));
                }
                proxy->caller = std::move(caller);
              }
              proxy->binary_body = !holder->request.body.empty() &&
                                   !is_text_content(holder->request.header("content-type"));
              call_function(functions_, function, event_v2(*proxy), proxy->request_id, "",
                            [holder, cors, answer](Result<lambda::SyncResult> res) {
                              std::optional<http::Response> resp;
                              if (res && !res->function_error) resp = response_v2(res->payload);
                              if (!resp) resp = url_error(502, "Internal Server Error");
                              add_cors_headers(*cors, holder->request, *resp);
                              answer(std::move(*resp));
                            });
            });
}

}  // namespace nimbus::services::apigateway
