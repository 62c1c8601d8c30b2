// The REST API data plane's Lambda authorizers (authorizer.h): a method
// with authorizationType CUSTOM is called only when its authorizer's
// policy allows execute-api:Invoke on the request's method ARN. Answers as
// AWS's: 401 {"message":"Unauthorized"} without the identity (or when the
// function says "Unauthorized"), 403 with AccessDeniedException's message
// on a deny, 500 {"message":null} (AuthorizerConfigurationException) when
// the function fails or answers something malformed, or when its
// authorizerCredentials role may not invoke it (lambda_role.h).
//
// COGNITO_USER_POOLS authorizers: the token (identitySource, default the
// Authorization header) must be a JWT of one of the authorizer's user
// pools (providerARNs, `${stageVariables.N}` replaced): its `iss` the
// pool's issuer, signed by a key of the pool's JWKS (auth/jwks.h, from the
// issuer's OpenID configuration), unexpired, an ID token for a method
// without authorizationScopes, an access token with one of them for a
// method with some. Anything else is the 401; keys that cannot be read the
// configuration error. The integration sees requestContext.authorizer.claims.
// A verified token is kept for authorizerResultTtlInSeconds (300 by
// default) in the authorizer cache, by the token; its claims are still
// checked on every request.
#include <spdlog/spdlog.h>

#include <regex>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/authorizer.h"
#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/lambda_role.h"

namespace nimbus::services::apigateway {

namespace {

http::Response unauthorized() {
  auto resp = gateway_error(401, "Unauthorized");
  resp.set_header("x-amzn-ErrorType", "UnauthorizedException");
  return resp;
}

http::Response configuration_error() {
  http::Response resp;
  resp.status = 500;
  resp.set_header("Content-Type", "application/json");
  resp.set_header("x-amzn-ErrorType", "AuthorizerConfigurationException");
  resp.body = R"({"message":null})";
  mark_gateway_error(resp);
  return resp;
}

http::Response denied(bool explicitly) {
  http::Response resp;
  resp.status = 403;
  resp.set_header("Content-Type", "application/json");
  resp.set_header("x-amzn-ErrorType", "AccessDeniedException");
  resp.body =
      explicitly
          ? R"({"Message":"User is not authorized to access this resource with an explicit deny"})"
          : R"({"Message":"User is not authorized to access this resource"})";
  mark_gateway_error(resp);
  return resp;
}

// Whether a function error is the authorizer's "Unauthorized" (a 401).
bool says_unauthorized(std::string_view payload) {
  auto o = parse_object(payload);
  return o && str(*o, "errorMessage") == "Unauthorized";
}

bool explicit_deny(const json::value& policy, const std::string& arn) {
  // policy_allows() is false for both; an explicit Deny is one that matches.
  if (!policy.is_object()) return false;
  json::array statements;
  const auto* s = policy.as_object().if_contains("Statement");
  if (s != nullptr && s->is_array()) statements = s->as_array();
  if (s != nullptr && s->is_object()) statements.push_back(*s);
  for (const auto& st : statements) {
    if (!st.is_object() || str(st.as_object(), "Effect") != "Deny") continue;
    json::object only = st.as_object();
    only["Effect"] = "Allow";
    if (policy_allows(json::object{{"Statement", json::array{only}}}, arn)) return true;
  }
  return false;
}

// The issuer of the user pool `arn` (arn:aws:cognito-idp:REGION:ACCOUNT:
// userpool/ID) with the request's stage variables put in: `{endpoint}/ID`,
// AWS's endpoint when `endpoint` is empty; "" for anything else.
std::string pool_issuer(std::string arn, const ProxyRequest& p, const std::string& endpoint) {
  constexpr std::string_view kVar = "${stageVariables.";
  for (size_t at = arn.find(kVar); at != std::string::npos; at = arn.find(kVar, at)) {
    size_t end = arn.find('}', at);
    if (end == std::string::npos) return "";
    auto it = p.stage_variables.find(arn.substr(at + kVar.size(), end - at - kVar.size()));
    std::string value = it == p.stage_variables.end() ? "" : it->second;
    arn.replace(at, end - at + 1, value);
    at += value.size();
  }
  constexpr std::string_view kPrefix = "arn:aws:cognito-idp:";
  constexpr std::string_view kPool = ":userpool/";
  if (!arn.starts_with(kPrefix)) return "";
  size_t region_end = arn.find(':', kPrefix.size());
  size_t pool = region_end == std::string::npos ? region_end : arn.find(kPool, region_end);
  if (pool == std::string::npos) return "";
  std::string region = arn.substr(kPrefix.size(), region_end - kPrefix.size());
  std::string id = arn.substr(pool + kPool.size());
  if (region.empty() || id.empty() || id.find_first_of("/:") != std::string::npos) return "";
  return (endpoint.empty() ? "https://cognito-idp." + region + ".amazonaws.com" : endpoint) + "/" +
         id;
}

// REST APIs hand claims over as strings.
json::object claims_as_strings(const json::object& claims) {
  json::object out;
  for (const auto& [k, v] : claims) {
    out[k] = v.is_string() ? json::value(v.as_string()) : json::value(json::serialize(v));
  }
  return out;
}

}  // namespace

void RestApiService::authorize_cognito(const json::object& auth, const json::object& method,
                                       const std::shared_ptr<ProxyRequest>& proxy,
                                       std::function<void(http::Response)> answer,
                                       std::function<void(std::string usage_key)> next) {
  std::string source = str(auth, "identitySource");
  if (source.empty()) source = "method.request.header.Authorization";
  auto values = identity_values({source}, *proxy);
  if (!values) return answer(unauthorized());
  auto jwt = auth::decode_jwt(values->front());
  if (!jwt) return answer(unauthorized());
  std::string iss = str(jwt->claims, "iss"), issuer;
  for (const auto& arn : string_list(auth, "providerARNs")) {
    if (!iss.empty() && pool_issuer(arn, *proxy, cognito_endpoint_) == iss) issuer = iss;
  }
  if (issuer.empty()) return answer(unauthorized());
  auth::JwtRules rules;
  rules.issuer = issuer;
  rules.now_s = env_.clock.now_millis() / 1000;
  rules.scopes = string_list(method, "authorizationScopes");
  // AWS's Cognito authorizer checks no audience.
  rules.audience = auth::string_claims(jwt->claims, "aud");
  rules.audience.push_back(str(jwt->claims, "client_id"));
  // The claims are checked for every request (expiry, the method's
  // scopes); what the result cache saves is the key lookup and the
  // signature check of a token already verified.
  auto accept = [rules, proxy, answer, next](const auth::Jwt& verified) {
    if (auth::check_claims(verified, rules).kind != auth::JwtDecision::kAllow ||
        str(verified.claims, "token_use") != (rules.scopes.empty() ? "id" : "access")) {
      return answer(unauthorized());
    }
    proxy->authorizer = json::object{{"claims", claims_as_strings(verified.claims)}};
    next("");
  };
  int64_t ttl = integer(auth, "authorizerResultTtlInSeconds").value_or(300);
  std::string key = AuthorizerCache::key(str(auth, "id"), {values->front()});
  if (ttl > 0 && authorizer_cache_.find(key, env_.clock.monotonic())) return accept(*jwt);
  std::call_once(jwks_once_, [this] { jwks_ = std::make_unique<auth::JwksCache>(env_.clock); });
  std::string kid = str(jwt->header, "kid");
  jwks_->key(issuer, kid,
             [this, jwt = std::move(*jwt), issuer, key, ttl, proxy, answer = std::move(answer),
              accept = std::move(accept)](auth::KeyLookup found) {
               if (found.unavailable) {
                 spdlog::warn(
                     "({}) Execution failed due to configuration error: the keys of user pool {} "
                     "could not be read",
                     proxy->request_id, issuer);
                 return answer(configuration_error());
               }
               if (!found.key || !auth::verify_signature(jwt, *found.key)) {
                 return answer(unauthorized());
               }
               if (ttl > 0) {
                 authorizer_cache_.put(key, AuthorizerAnswer{},
                                       env_.clock.monotonic() + std::chrono::seconds(ttl));
               }
               accept(jwt);
             });
}

void RestApiService::authorize(const ApiPtr& api, const json::object& method,
                               const std::string& method_name,
                               const std::shared_ptr<ProxyRequest>& proxy,
                               std::function<void(http::Response)> answer,
                               std::function<void(std::string usage_key)> next) {
  const auto* all = api->doc.if_contains("authorizers");
  const auto* found =
      all != nullptr ? all->as_object().if_contains(str(method, "authorizerId")) : nullptr;
  if (found == nullptr) return answer(configuration_error());
  const json::object auth = found->as_object();
  std::string type = str(auth, "type"), id = str(auth, "id");
  if (type == "COGNITO_USER_POOLS") {
    return authorize_cognito(auth, method, proxy, std::move(answer), std::move(next));
  }
  if (type != "TOKEN" && type != "REQUEST") return answer(configuration_error());
  std::string source = str(auth, "identitySource");
  auto sources = type == "TOKEN" ? std::vector<std::string>{source} : split_sources(source);
  auto values = identity_values(sources, *proxy);
  if (!values) return answer(unauthorized());
  if (std::string expr = str(auth, "identityValidationExpression");
      type == "TOKEN" && !expr.empty()) {
    try {
      if (!std::regex_match(values->front(), std::regex(expr))) return answer(unauthorized());
    } catch (const std::exception&) {
      return answer(unauthorized());
    }
  }
  std::string arn = method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id,
                               proxy->stage, method_name, proxy->path);
  auto decide = [proxy, arn, answer, next](const AuthorizerAnswer& a) {
    if (!policy_allows(a.policy, arn)) return answer(denied(explicit_deny(a.policy, arn)));
    json::object context{{"principalId", a.principal_id}};
    for (const auto& [k, v] : a.context) {
      // REST APIs hand the context's values over as strings.
      context[k] = v.is_string() ? v : json::value(json::serialize(v));
    }
    proxy->authorizer = std::move(context);
    next(a.usage_key);
  };
  int64_t ttl = integer(auth, "authorizerResultTtlInSeconds").value_or(300);
  std::string key = AuthorizerCache::key(id, *values);
  if (ttl > 0) {
    if (auto cached = authorizer_cache_.find(key, env_.clock.monotonic())) return decide(*cached);
  }
  std::string function = lambda_function_of(str(auth, "authorizerUri"));
  std::string caller =
      authorizer_source_arn(env_.settings.region, env_.settings.account_id, proxy->api_id, id);
  // authorizerCredentials: a role invokes instead of a resource-policy
  // permission, as an integration's credentials; a refusal is the
  // configuration error.
  if (auto role =
          lambda_invoke_role(calls_, iam_auth_.directory(), env_.settings,
                             str(auth, "authorizerCredentials"), function, proxy->request_id)) {
    if (!*role) return answer(configuration_error());
    caller.clear();
  }
  std::string event =
      type == "TOKEN" ? token_event(values->front(), arn) : request_event_v1(*proxy, arn);
  call_function(
      functions_, function, std::move(event), proxy->request_id, caller,
      [this, key, ttl, answer, decide](Result<lambda::SyncResult> res) {
        if (!res) return answer(configuration_error());
        if (res->function_error) {
          return answer(says_unauthorized(res->payload) ? unauthorized() : configuration_error());
        }
        auto a = parse_policy_answer(res->payload);
        if (!a) return answer(configuration_error());
        if (ttl > 0) {
          authorizer_cache_.put(key, *a, env_.clock.monotonic() + std::chrono::seconds(ttl));
        }
        decide(*a);
      });
}

}  // namespace nimbus::services::apigateway
