// The HTTP API data plane's Lambda authorizers (authorizer.h): a route with
// AuthorizationType CUSTOM is called only when its REQUEST authorizer
// allows it, with a simple response ({"isAuthorized":true}) or a policy
// allowing execute-api:Invoke on the route ARN. As AWS answers: 401
// {"message":"Unauthorized"} when an identity source is missing, 403
// {"message":"Forbidden"} when refused, 500 {"message":"Internal Server
// Error"} when the function fails or answers something malformed, or when
// its AuthorizerCredentialsArn role may not invoke it (lambda_role.h).
//
// JWT authorizers: the token (IdentitySource, default the Authorization
// header, "Bearer " allowed) must be signed by a key of the issuer's JWKS
// (jwks.h) and carry the claims API Gateway checks (jwt.h): 401 with a
// www-authenticate header otherwise, 403 when it has none of the route's
// AuthorizationScopes. The integration sees requestContext.authorizer.jwt
// {claims, scopes}.
#include "auth/jwks.h"
#include "common/json_fields.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/lambda_role.h"

namespace nimbus::services::apigateway {

using nimbus::auth::check_claims;
using nimbus::auth::decode_jwt;
using nimbus::auth::Jwk;
using nimbus::auth::JwksCache;
using nimbus::auth::JwtDecision;
using nimbus::auth::JwtRules;
using nimbus::auth::KeyLookup;
using nimbus::auth::token_scopes;
using nimbus::auth::verify_signature;

void HttpApiService::authorize_iam(const std::shared_ptr<UserRequest>& holder,
                                   const std::shared_ptr<ProxyRequest>& proxy,
                                   std::function<void(http::Response)> answer,
                                   std::function<void()> next) {
  constexpr size_t kPayloadLimit = 10 * 1024 * 1024;
  std::string arn = method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id,
                               proxy->stage, holder->request.method, proxy->path);
  with_body(holder, kPayloadLimit,
            [this, holder, proxy, arn, answer = std::move(answer),
             next = std::move(next)](std::optional<http::Response> fail) {
              if (fail) return answer(std::move(*fail));
              Caller caller;
              if (auto refused =
                      iam_auth_.check(holder->request, IamAuth::Kind::kExecuteApi,
                                      "execute-api:Invoke", arn, env_.settings.region, caller)) {
                return answer(std::move(*refused));
              }
              proxy->caller = std::move(caller);
              next();
            });
}

void HttpApiService::authorize(const ApiPtr& api, const json::object& route,
                               const std::shared_ptr<ProxyRequest>& proxy,
                               std::function<void(http::Response)> answer,
                               std::function<void()> next) {
  std::string type = str(route, "AuthorizationType");
  if (type.empty() || type == "NONE") return next();
  const auto* all = api->doc.if_contains("authorizers");
  const auto* found =
      all != nullptr ? all->as_object().if_contains(str(route, "AuthorizerId")) : nullptr;
  if (type == "JWT" && found != nullptr && str(found->as_object(), "AuthorizerType") == "JWT") {
    return authorize_jwt(found->as_object(), route, proxy, std::move(answer), std::move(next));
  }
  // AWS_IAM routes go through authorize_iam() instead.
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
  std::string function = lambda_function_of(str(auth, "AuthorizerUri"));
  std::string source =
      authorizer_source_arn(env_.settings.region, env_.settings.account_id, proxy->api_id, id);
  // AuthorizerCredentialsArn: a role invokes instead of a resource-policy
  // permission, as an integration's CredentialsArn.
  if (auto role =
          lambda_invoke_role(calls_, iam_auth_.directory(), env_.settings,
                             str(auth, "AuthorizerCredentialsArn"), function, proxy->request_id)) {
    if (!*role) return answer(gateway_error(500, "Internal Server Error"));
    source.clear();
  }
  call_function(
      functions_, function, std::move(event), proxy->request_id, source,
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

namespace {

http::Response jwt_refusal(const JwtDecision& d, const std::vector<std::string>& scopes) {
  bool forbidden = d.kind == JwtDecision::kForbidden;
  http::Response r = gateway_error(forbidden ? 403 : 401, forbidden ? "Forbidden" : "Unauthorized");
  std::string scope;
  for (const auto& s : scopes) scope += (scope.empty() ? "" : " ") + s;
  std::string value = "Bearer scope=\"" + scope + "\" error=\"" +
                      (forbidden ? "insufficient_scope" : "invalid_token") +
                      "\" error_description=\"" + d.description + "\"";
  r.headers.emplace_back("www-authenticate", std::move(value));
  return r;
}

json::object claims_as_strings(const json::object& claims) {
  json::object out;
  for (const auto& [k, v] : claims) {
    out[k] = v.is_string() ? json::value(v.as_string()) : json::value(json::serialize(v));
  }
  return out;
}

}  // namespace

void HttpApiService::authorize_jwt(const json::object& auth, const json::object& route,
                                   const std::shared_ptr<ProxyRequest>& proxy,
                                   std::function<void(http::Response)> answer,
                                   std::function<void()> next) {
  JwtRules rules;
  json::object config;
  if (const auto* c = auth.if_contains("JwtConfiguration"); c && c->is_object()) {
    config = c->as_object();
  }
  rules.issuer = str(config, "Issuer");
  rules.audience = string_list(config, "Audience");
  rules.scopes = string_list(route, "AuthorizationScopes");
  std::vector<std::string> sources = string_list(auth, "IdentitySource");
  if (sources.empty()) sources.push_back("$request.header.Authorization");
  auto values = identity_values(sources, *proxy);
  if (!values || values->empty()) return answer(gateway_error(401, "Unauthorized"));
  auto jwt = decode_jwt(values->front());
  if (!jwt) {
    return answer(
        jwt_refusal({JwtDecision::kUnauthorized, "the token is not a JWT"}, rules.scopes));
  }
  std::call_once(jwks_once_, [this] { jwks_ = std::make_unique<JwksCache>(env_.clock); });
  const auto* kid_value = jwt->header.if_contains("kid");
  std::string kid = kid_value && kid_value->is_string() ? std::string(kid_value->as_string()) : "";
  rules.now_s = env_.clock.now_millis() / 1000;
  std::string issuer = rules.issuer;  // `rules` moves into the callback
  jwks_->key(
      issuer, kid,
      [jwt = std::move(*jwt), rules = std::move(rules), proxy, answer = std::move(answer),
       next = std::move(next)](KeyLookup found) {
        if (found.unavailable) return answer(gateway_error(500, "Internal Server Error"));
        if (!found.key) {
          return answer(jwt_refusal({JwtDecision::kUnauthorized, found.reason}, rules.scopes));
        }
        const Jwk& key = *found.key;
        if (!verify_signature(jwt, key)) {
          return answer(jwt_refusal(
              {JwtDecision::kUnauthorized, "the token's signature is not valid"}, rules.scopes));
        }
        auto decision = check_claims(jwt, rules);
        if (decision.kind != JwtDecision::kAllow) {
          return answer(jwt_refusal(decision, rules.scopes));
        }
        auto scopes = token_scopes(jwt.claims);
        json::array scope_list(scopes.begin(), scopes.end());
        proxy->authorizer = json::object{
            {"jwt", json::object{{"claims", claims_as_strings(jwt.claims)},
                                 {"scopes", scopes.empty() ? json::value(nullptr)
                                                           : json::value(scope_list)}}}};
        next();
      });
}

}  // namespace nimbus::services::apigateway
