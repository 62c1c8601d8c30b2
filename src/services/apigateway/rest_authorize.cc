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
#include "common/request_id.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/authorizer.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/lambda_role.h"
#include "services/apigateway/rest_util.h"

namespace nimbus::services::apigateway {

namespace {

// The stage of a test invocation's method ARN, as AWS names it.
constexpr const char* kTestInvokeStage = "ESTestInvoke-stage";

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

void RestApiService::run_cognito(const json::object& auth,
                                 const std::shared_ptr<ProxyRequest>& proxy,
                                 const std::shared_ptr<std::string>& log, bool use_cache,
                                 std::function<void(AuthorizerRun)> done) {
  auto finish = [this, log, done](AuthorizerRun::Outcome outcome, std::string line,
                                  std::shared_ptr<const auth::Jwt> token = nullptr) {
    AuthorizerRun run;
    run.outcome = outcome;
    run.token = std::move(token);
    if (log) {
      if (!line.empty()) *log += clf_time(env_.clock.now_millis()) + " : " + line + "\n";
      run.log = *log;
    }
    done(std::move(run));
  };
  using Outcome = AuthorizerRun::Outcome;
  std::string source = str(auth, "identitySource");
  if (source.empty()) source = "method.request.header.Authorization";
  auto values = identity_values({source}, *proxy);
  if (!values) return finish(Outcome::kUnauthorized, "Unauthorized request: no identity source");
  auto jwt = auth::decode_jwt(values->front());
  if (!jwt) return finish(Outcome::kUnauthorized, "Unauthorized request: the token is not a JWT");
  std::string iss = str(jwt->claims, "iss"), issuer;
  for (const auto& arn : string_list(auth, "providerARNs")) {
    if (!iss.empty() && pool_issuer(arn, *proxy, cognito_endpoint_) == iss) issuer = iss;
  }
  if (issuer.empty()) {
    return finish(
        Outcome::kUnauthorized,
        "Unauthorized request: the token's issuer is none of the authorizer's user pools");
  }
  int64_t ttl = integer(auth, "authorizerResultTtlInSeconds").value_or(300);
  std::string key = AuthorizerCache::key(str(auth, "id"), {values->front()});
  // The claims are checked by the caller for every request (expiry, the
  // method's scopes); what the result cache saves is the key lookup and
  // the signature check of a token already verified.
  if (use_cache && ttl > 0 && authorizer_cache_.find(key, env_.clock.monotonic())) {
    return finish(Outcome::kVerified, "", std::make_shared<const auth::Jwt>(std::move(*jwt)));
  }
  std::call_once(jwks_once_, [this] { jwks_ = std::make_unique<auth::JwksCache>(env_.clock); });
  std::string kid = str(jwt->header, "kid");
  jwks_->key(issuer, kid,
             [this, jwt = std::move(*jwt), issuer, key, ttl, use_cache, proxy,
              finish = std::move(finish)](auth::KeyLookup found) mutable {
               if (found.unavailable) {
                 std::string why =
                     "Execution failed due to configuration error: the keys of user "
                     "pool " +
                     issuer + " could not be read";
                 spdlog::warn("({}) {}", proxy->request_id, why);
                 return finish(Outcome::kConfigurationError, why);
               }
               if (!found.key || !auth::verify_signature(jwt, *found.key)) {
                 return finish(Outcome::kUnauthorized,
                               "Unauthorized request: the token's signature does not verify");
               }
               if (use_cache && ttl > 0) {
                 authorizer_cache_.put(key, AuthorizerAnswer{},
                                       env_.clock.monotonic() + std::chrono::seconds(ttl));
               }
               finish(Outcome::kVerified, "", std::make_shared<const auth::Jwt>(std::move(jwt)));
             });
}

void RestApiService::run_authorizer(const json::object& auth,
                                    const std::shared_ptr<ProxyRequest>& proxy,
                                    const std::string& arn, const std::shared_ptr<std::string>& log,
                                    bool use_cache, std::function<void(AuthorizerRun)> done) {
  using Outcome = AuthorizerRun::Outcome;
  std::string type = str(auth, "type"), id = str(auth, "id");
  auto note = [&log, this](const std::string& line) {
    if (log) *log += clf_time(env_.clock.now_millis()) + " : " + line + "\n";
  };
  note("Starting authorizer: " + id + " for request: " + proxy->request_id);
  if (type == "COGNITO_USER_POOLS")
    return run_cognito(auth, proxy, log, use_cache, std::move(done));
  auto finish = [&log, &done](Outcome outcome, AuthorizerAnswer answer = {}) {
    AuthorizerRun run;
    run.outcome = outcome;
    run.answer = std::move(answer);
    if (log) run.log = *log;
    done(std::move(run));
  };
  if (type != "TOKEN" && type != "REQUEST") {
    note("Execution failed due to configuration error: unknown authorizer type " + type);
    return finish(Outcome::kConfigurationError);
  }
  std::string source = str(auth, "identitySource");
  auto sources = type == "TOKEN" ? std::vector<std::string>{source} : split_sources(source);
  auto values = identity_values(sources, *proxy);
  if (!values) {
    note("Unauthorized request: a value of the identity source " + source + " is missing");
    return finish(Outcome::kUnauthorized);
  }
  if (std::string expr = str(auth, "identityValidationExpression");
      type == "TOKEN" && !expr.empty()) {
    bool valid = false;
    try {
      valid = std::regex_match(values->front(), std::regex(expr));
    } catch (const std::exception&) {
    }
    if (!valid) {
      note(
          "Unauthorized request: the identity does not match the identity validation "
          "expression " +
          expr);
      return finish(Outcome::kUnauthorized);
    }
  }
  int64_t ttl = integer(auth, "authorizerResultTtlInSeconds").value_or(300);
  std::string key = AuthorizerCache::key(id, *values);
  if (use_cache && ttl > 0) {
    if (auto cached = authorizer_cache_.find(key, env_.clock.monotonic())) {
      return finish(Outcome::kAnswered, std::move(*cached));
    }
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
    if (!*role) {
      note(
          "Execution failed due to configuration error: the authorizer's credentials may not "
          "invoke " +
          function);
      return finish(Outcome::kConfigurationError);
    }
    caller.clear();
  }
  std::string event =
      type == "TOKEN" ? token_event(values->front(), arn) : request_event_v1(*proxy, arn);
  note("Endpoint request body after transformations: " + event);
  call_function(
      functions_, function, std::move(event), proxy->request_id, caller,
      [this, key, ttl, use_cache, log,
       done = std::move(done)](Result<lambda::SyncResult> res) mutable {
        auto finish = [this, &log, &done](Outcome outcome, std::string line,
                                          AuthorizerAnswer answer = {}) {
          AuthorizerRun run;
          run.outcome = outcome;
          run.answer = std::move(answer);
          if (log) {
            std::string at = clf_time(env_.clock.now_millis()) + " : ";
            for (size_t b = 0, e; b < line.size(); b = e + 1) {
              e = line.find('\n', b);
              if (e == std::string::npos) e = line.size();
              *log += at + line.substr(b, e - b) + "\n";
            }
            run.log = *log;
          }
          done(std::move(run));
        };
        if (!res) {
          return finish(Outcome::kConfigurationError,
                        "Execution failed due to configuration error: " + res.error().message);
        }
        std::string got = "Authorizer result body before parsing: " + res->payload + "\n";
        if (res->function_error) {
          if (says_unauthorized(res->payload)) {
            return finish(Outcome::kUnauthorized, got + "Unauthorized request");
          }
          return finish(Outcome::kConfigurationError,
                        got +
                            "Execution failed due to configuration error: the "
                            "authorizer function failed");
        }
        auto a = parse_policy_answer(res->payload);
        if (!a) {
          return finish(Outcome::kConfigurationError,
                        got +
                            "Execution failed due to configuration error: Invalid "
                            "JSON in response");
        }
        if (use_cache && ttl > 0) {
          authorizer_cache_.put(key, *a, env_.clock.monotonic() + std::chrono::seconds(ttl));
        }
        std::string principal = a->principal_id;
        finish(Outcome::kAnswered,
               got + "Using valid authorizer policy for principal: " + principal, std::move(*a));
      });
}

void RestApiService::authorize(const ApiPtr& api, const json::object& method,
                               const std::string& method_name,
                               const std::shared_ptr<ProxyRequest>& proxy,
                               std::optional<PolicyCheck> resource,
                               std::function<void(http::Response)> answer,
                               std::function<void(std::string usage_key)> next) {
  using Outcome = AuthorizerRun::Outcome;
  const auto* all = api->doc.if_contains("authorizers");
  const auto* found =
      all != nullptr ? all->as_object().if_contains(str(method, "authorizerId")) : nullptr;
  if (found == nullptr) return answer(configuration_error());
  const json::object& auth = found->as_object();
  std::string arn = method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id,
                               proxy->stage, method_name, proxy->path);
  if (str(auth, "type") == "COGNITO_USER_POOLS") {
    auth::JwtRules rules;
    rules.now_s = env_.clock.now_millis() / 1000;
    rules.scopes = string_list(method, "authorizationScopes");
    return run_cognito(
        auth, proxy, nullptr, true,
        [rules = std::move(rules), proxy, resource = std::move(resource),
         answer = std::move(answer), next = std::move(next)](AuthorizerRun run) mutable {
          if (run.outcome == Outcome::kConfigurationError) return answer(configuration_error());
          if (run.outcome != Outcome::kVerified) return answer(unauthorized());
          const auth::Jwt& jwt = *run.token;
          rules.issuer = str(jwt.claims, "iss");
          // AWS's Cognito authorizer checks no audience.
          rules.audience = auth::string_claims(jwt.claims, "aud");
          rules.audience.push_back(str(jwt.claims, "client_id"));
          if (auth::check_claims(jwt, rules).kind != auth::JwtDecision::kAllow ||
              str(jwt.claims, "token_use") != (rules.scopes.empty() ? "id" : "access")) {
            return answer(unauthorized());
          }
          // Once authenticated, the resource policy alone decides (AWS:
          // "evaluated independently, and an explicit allow is required").
          if (resource && resource->verdict != PolicyVerdict::kAllow) {
            return answer(std::move(resource->refusal));
          }
          proxy->authorizer = json::object{{"claims", claims_as_strings(jwt.claims)}};
          next("");
        });
  }
  // The resource policy's explicit deny refused before the authorizer ran;
  // its allow lets through what the authorizer's policy is silent on
  // (AWS's table A: "Neither Allow nor Deny" and "Allow" is "Allow").
  bool resource_allows = resource && resource->verdict == PolicyVerdict::kAllow;
  run_authorizer(auth, proxy, arn, nullptr, true,
                 [proxy, arn, resource_allows, answer = std::move(answer),
                  next = std::move(next)](AuthorizerRun run) {
                   if (run.outcome == Outcome::kUnauthorized) return answer(unauthorized());
                   if (run.outcome != Outcome::kAnswered) return answer(configuration_error());
                   const AuthorizerAnswer& a = run.answer;
                   if (!policy_allows(a.policy, arn)) {
                     bool explicitly = explicit_deny(a.policy, arn);
                     if (explicitly || !resource_allows) return answer(denied(explicitly));
                   }
                   json::object context{{"principalId", a.principal_id}};
                   for (const auto& [k, v] : a.context) {
                     // REST APIs hand the context's values over as strings.
                     context[k] = v.is_string() ? v : json::value(json::serialize(v));
                   }
                   proxy->authorizer = std::move(context);
                   next(a.usage_key);
                 });
}

void RestApiService::test_invoke_authorizer(const CallContext& ctx, json::object in,
                                            Respond respond) {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return respond(rest_api_not_found(ctx, str(in, "restApiId")));
  const auto* all = api->doc.if_contains("authorizers");
  const auto* found = all != nullptr && all->is_object()
                          ? all->as_object().if_contains(str(in, "authorizerId"))
                          : nullptr;
  if (found == nullptr)
    return respond(errors::not_found("Invalid authorizer identifier specified"));
  // The simulated request: GET pathWithQueryString with the given headers
  // (multiValueHeaders' values after them) and body, on a test stage.
  auto request = std::make_shared<http::Request>();
  request->method = "GET";
  request->target = str(in, "pathWithQueryString");
  if (!request->target.starts_with('/')) request->target.insert(0, "/");
  for (const auto& [name, value] : string_map(in, "headers")) {
    request->headers.emplace_back(http::to_lower(name), value);
  }
  if (const auto* multi = in.if_contains("multiValueHeaders"); multi && multi->is_object()) {
    for (const auto& [name, values] : multi->as_object()) {
      if (!values.is_array()) continue;
      for (const auto& v : values.as_array()) {
        if (v.is_string()) request->headers.emplace_back(http::to_lower(name), v.as_string());
      }
    }
  }
  request->body = str(in, "body");
  request->remote = "127.0.0.1:0";
  auto proxy = std::make_shared<ProxyRequest>();
  proxy->request = request.get();
  proxy->api_id = str(in, "restApiId");
  proxy->stage = kTestInvokeStage;
  proxy->account_id = env_.settings.account_id;
  proxy->request_id = new_request_id();
  proxy->domain_name = proxy->api_id + ".execute-api.localhost";
  proxy->path = std::string(request->path());
  proxy->raw_path = "/" + proxy->stage + proxy->path;
  proxy->resource_path = proxy->path;
  proxy->stage_variables = string_map(in, "stageVariables");
  proxy->extra_context = string_map(in, "additionalContext");
  proxy->time_ms = env_.clock.now_millis();
  proxy->http_api = false;
  std::string arn = method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id,
                               proxy->stage, request->method, proxy->path);
  auto log = std::make_shared<std::string>("Execution log for request " + proxy->request_id + "\n");
  auto started = env_.clock.monotonic();
  // A test is never answered from the cache nor kept in it.
  run_authorizer(
      found->as_object(), proxy, arn, log, false,
      [this, request, proxy, started, respond = std::move(respond)](AuthorizerRun run) {
        using Outcome = AuthorizerRun::Outcome;
        json::object out;
        switch (run.outcome) {
          case Outcome::kAnswered:
            out["clientStatus"] = 0;
            out["principalId"] = run.answer.principal_id;
            out["policy"] = json::serialize(run.answer.policy);
            break;
          case Outcome::kVerified: {
            // No method: any token use is accepted, the expiry is checked.
            auth::JwtRules rules;
            rules.issuer = str(run.token->claims, "iss");
            rules.now_s = env_.clock.now_millis() / 1000;
            rules.audience = auth::string_claims(run.token->claims, "aud");
            rules.audience.push_back(str(run.token->claims, "client_id"));
            if (auth::check_claims(*run.token, rules).kind != auth::JwtDecision::kAllow) {
              out["clientStatus"] = 401;
              run.log += clf_time(env_.clock.now_millis()) +
                         " : Unauthorized request: the token's claims do not hold\n";
              break;
            }
            out["clientStatus"] = 0;
            out["claims"] = claims_as_strings(run.token->claims);
            break;
          }
          case Outcome::kUnauthorized:
            out["clientStatus"] = 401;
            break;
          case Outcome::kConfigurationError:
            out["clientStatus"] = 500;
            break;
        }
        if (out["clientStatus"].as_int64() == 0) {
          run.log += clf_time(env_.clock.now_millis()) +
                     " : Successfully completed authorizer execution\n";
        }
        out["log"] = std::move(run.log);
        out["latency"] =
            std::chrono::duration_cast<std::chrono::milliseconds>(env_.clock.monotonic() - started)
                .count();
        respond(std::move(out));
      });
}

}  // namespace nimbus::services::apigateway
