// REST API stage caches on the data plane (the integration's answer kept
// and served for the method's TTL; Cache-Control: max-age=0 from a caller
// allowed execute-api:InvalidateCache) and FlushStageCache /
// FlushStageAuthorizersCache.
#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/rest_util.h"

namespace nimbus::services::apigateway {

namespace {

// The 403 FAIL_WITH_403 answers, worded as API Gateway's IAM refusals.
http::Response invalidation_refused(const std::string& principal, const std::string& arn) {
  http::Response resp;
  resp.status = 403;
  resp.set_header("Content-Type", "application/json");
  resp.set_header("x-amzn-ErrorType", "AccessDeniedException");
  resp.body = json::serialize(
      json::object{{"Message", "User: " + principal +
                                   " is not authorized to perform: execute-api:InvalidateCache "
                                   "on resource: " +
                                   arn}});
  mark_gateway_error(resp);
  return resp;
}

}  // namespace

void RestApiService::integrate_cached(const ApiPtr& api, const json::object& method,
                                      const std::string& method_name, const Mappings& mappings,
                                      const std::shared_ptr<UserRequest>& holder,
                                      const std::shared_ptr<ProxyRequest>& proxy,
                                      const std::optional<CacheSettings>& cache, size_t capacity,
                                      const std::function<void(http::Response)>& answer) {
  const auto* integration = method.if_contains("methodIntegration");
  if (!cache || integration == nullptr || !integration->is_object()) {
    return integrate(api, method, mappings, holder, proxy, answer);
  }
  std::string stage = proxy->api_id + '\n' + proxy->stage;
  std::string key = cache_key(integration->as_object(), method_name, *proxy);
  auto ttl = cache->ttl;
  // `api` keeps `method` and `mappings` alive.
  auto serve = [this, api, &method, &mappings, holder, proxy, stage, key, capacity, ttl,
                answer](bool fresh) {
    if (!fresh) {
      if (auto hit = cache_.find(stage, key, env_.clock.monotonic())) {
        spdlog::debug("({}) Sending response from cache", proxy->request_id);
        return answer(std::move(*hit));
      }
    }
    integrate(api, method, mappings, holder, proxy,
              [this, stage, key, capacity, ttl, answer](http::Response resp) {
                // Only successful answers are kept: an error is never served twice.
                if (resp.status >= 200 && resp.status < 300) {
                  cache_.put(stage, capacity, key, resp, env_.clock.monotonic() + ttl);
                }
                answer(std::move(resp));
              });
  };
  if (!wants_fresh(holder->request)) return serve(false);
  if (!cache->require_authorization) return serve(true);
  std::string arn = method_arn(env_.settings.region, env_.settings.account_id, proxy->api_id,
                               proxy->stage, holder->request.method, proxy->path);
  std::string strategy = cache->unauthorized_strategy;
  with_body(holder, kRestPayloadLimit,
            [this, holder, arn, strategy, serve, answer](std::optional<http::Response> fail) {
              if (fail) return answer(std::move(*fail));
              Caller caller;
              auto refused =
                  iam_auth_.check(holder->request, IamAuth::Kind::kExecuteApi,
                                  "execute-api:InvalidateCache", arn, env_.settings.region, caller);
              if (!refused) return serve(true);
              if (strategy == "FAIL_WITH_403") {
                return answer(invalidation_refused(
                    caller.principal_arn.empty() ? "anonymous" : caller.principal_arn, arn));
              }
              // SUCCEED_*: the header is ignored and the cache answers.
              serve(false);
            });
}

Output RestApiService::flush_stage_cache(const CallContext& ctx, const json::object& in) {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* stages = api->doc.if_contains("stages");
  if (stages == nullptr || !stages->as_object().contains(str(in, "stageName"))) {
    return errors::not_found("Invalid Stage identifier specified");
  }
  cache_.flush(str(in, "restApiId") + '\n' + str(in, "stageName"));
  return json::object();
}

Output RestApiService::flush_stage_authorizers_cache(const CallContext& ctx,
                                                     const json::object& in) {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* stages = api->doc.if_contains("stages");
  if (stages == nullptr || !stages->as_object().contains(str(in, "stageName"))) {
    return errors::not_found("Invalid Stage identifier specified");
  }
  // Answers are cached per authorizer, not per stage: every stage's go.
  if (const auto* all = api->doc.if_contains("authorizers"); all != nullptr && all->is_object()) {
    for (const auto& [id, a] : all->as_object()) authorizer_cache_.forget(id);
  }
  return json::object();
}

}  // namespace nimbus::services::apigateway
