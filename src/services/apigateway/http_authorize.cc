// The HTTP API data plane's Lambda authorizers (authorizer.h): a route with
// AuthorizationType CUSTOM is called only when its REQUEST authorizer
// allows it, with a simple response ({"isAuthorized":true}) or a policy
// allowing execute-api:Invoke on the route ARN. As AWS answers: 401
// {"message":"Unauthorized"} when an identity source is missing, 403
// {"message":"Forbidden"} when refused, 500 {"message":"Internal Server
// Error"} when the function fails or answers something malformed.
#include "common/json_fields.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/invoke.h"

namespace nimbus::services::apigateway {

void HttpApiService::authorize(const ApiPtr& api, const json::object& route,
                               const std::shared_ptr<ProxyRequest>& proxy,
                               std::function<void(http::Response)> answer,
                               std::function<void()> next) {
  std::string type = str(route, "AuthorizationType");
  if (type.empty() || type == "NONE") return next();
  const auto* all = api->doc.if_contains("authorizers");
  const auto* found =
      all != nullptr ? all->as_object().if_contains(str(route, "AuthorizerId")) : nullptr;
  // JWT and AWS_IAM routes are not served yet (README).
  if (type != "CUSTOM" || found == nullptr ||
      str(found->as_object(), "AuthorizerType") != "REQUEST") {
    return answer(gateway_error(500, "Internal Server Error"));
  }
  const json::object auth = found->as_object();
  auto values = identity_values(string_list(auth, "IdentitySource"), *proxy);
  if (!values) return answer(gateway_error(401, "Unauthorized"));
  std::string arn = method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id,
                               proxy->stage, proxy->request->method, proxy->path);
  bool simple = boolean(auth, "EnableSimpleResponses").value_or(false);
  auto decide = [proxy, arn, answer, next](const AuthorizerAnswer& a) {
    bool allowed = a.simple ? a.authorized : policy_allows(a.policy, arn);
    if (!allowed) return answer(gateway_error(403, "Forbidden"));
    json::object context{{"lambda", a.context}};
    if (!a.simple) context["principalId"] = a.principal_id;
    proxy->authorizer = std::move(context);
    next();
  };
  std::string id = str(auth, "AuthorizerId");
  int64_t ttl = integer(auth, "AuthorizerResultTtlInSeconds").value_or(0);
  std::string key = AuthorizerCache::key(id, *values);
  if (ttl > 0) {
    if (auto cached = authorizer_cache_.find(key, env_.clock.monotonic())) return decide(*cached);
  }
  std::string event = str(auth, "AuthorizerPayloadFormatVersion") == "2.0"
                          ? request_event_v2(*proxy, arn, *values)
                          : request_event_v1(*proxy, arn);
  call_function(
      functions_, lambda_function_of(str(auth, "AuthorizerUri")), std::move(event),
      proxy->request_id,
      authorizer_source_arn(env_.settings.region, env_.settings.account_id, proxy->api_id, id),
      [this, key, ttl, simple, answer, decide](Result<lambda::SyncResult> res) {
        std::optional<AuthorizerAnswer> a;
        if (res && !res->function_error) {
          a = simple ? parse_simple_answer(res->payload) : parse_policy_answer(res->payload);
        }
        if (!a) return answer(gateway_error(500, "Internal Server Error"));
        if (ttl > 0) {
          authorizer_cache_.put(key, *a, env_.clock.monotonic() + std::chrono::seconds(ttl));
        }
        decide(*a);
      });
}

}  // namespace nimbus::services::apigateway
