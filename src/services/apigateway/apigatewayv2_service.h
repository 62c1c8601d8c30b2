// Amazon API Gateway v2 (model apigatewayv2, restJson): HTTP APIs — the
// control API (APIs with quick create, routes, integrations, deployments,
// stages) and their data plane, the API's invoke address
// ({apiId}.execute-api.localhost or /_aws/execute-api/{apiId}/...), which
// selects a route, calls its integration and maps the answer. One folder
// serves both gateway generations (README.md says why).
//
// Threads: handlers and the data plane run on the edge's event loops and
// never block; answers come from the storage committer (control) or from
// Lambda (data plane).
#pragma once

#include <mutex>

#include <memory>
#include <string>

#include "services/apigateway/authorizer.h"
#include "services/apigateway/http_integration.h"
#include "services/apigateway/iam_auth.h"
#include "services/apigateway/store.h"
#include "services/apigateway/throttling.h"
#include "services/lambda/api.h"
#include "services/logs/api.h"
#include "services/operation_calls.h"
#include "services/service.h"

namespace nimbus::auth {
class JwksCache;
}

namespace nimbus::services::apigateway {

class RestApiService;

class HttpApiService final : public Service {
 public:
  // `functions` (Lambda) may be null: Lambda integrations then answer 500.
  // The invoke address serves HTTP APIs and, through `rest` when given, REST
  // APIs (both kinds of id share the host names).
  HttpApiService(Environment& env, lambda::Functions* functions, RestApiService* rest = nullptr);
  ~HttpApiService() override;

  // Reads back the stored APIs and serves their invoke addresses.
  Status start() override;

  // AWS_IAM routes' and function URLs' signature verifier and policies (set
  // once, before requests arrive; without them such requests are refused).
  void use_iam(const RequestVerifier* verifier, const iam::Directory* iam) {
    iam_auth_.use(verifier, iam);
  }

  // AWS_PROXY integrations with an IntegrationSubtype call the services
  // through `calls` (set once, before requests arrive; without it they
  // answer 500).
  void use_calls(OperationCalls* calls) { calls_ = calls; }
  // Stages' access logs go to CloudWatch Logs through `logs` (set once,
  // before requests arrive; without it nothing is logged).
  void use_logs(logs::LogWriter* logs) { logs_ = logs; }

  // The data plane (http_data_plane.cc): one request to API `api`.
  void handle(const ApiPtr& api, UserRequest r, UserReply reply);
  // Lambda function URLs (function_url_plane.cc): one request to URL r.id.
  void handle_function_url(UserRequest r, UserReply reply);
  const ApiStore& store() const { return store_; }

 private:
  static const Operation<HttpApiService> kOperations[];  // apigatewayv2_service.cc

  // tag_handlers.cc: tags of HTTP APIs and stages by ARN (tags.h)
  void tag_resource(const CallContext& ctx, json::object in, Respond respond);
  void untag_resource(const CallContext& ctx, json::object in, Respond respond);
  Output get_tags(const CallContext& ctx, const json::object& in) const;
  // TagResource (untag false) and UntagResource.
  void change_tags(const CallContext& ctx, json::object in, bool untag, Respond respond);
  // http_api_handlers.cc
  void create_api(const CallContext& ctx, json::object in, Respond respond);
  Output get_api(const CallContext& ctx, const json::object& in) const;
  Output get_apis(const CallContext& ctx, const json::object& in) const;
  void update_api(const CallContext& ctx, json::object in, Respond respond);
  void delete_api(const CallContext& ctx, json::object in, Respond respond);
  void create_route(const CallContext& ctx, json::object in, Respond respond);
  Output get_route(const CallContext& ctx, const json::object& in) const;
  Output get_routes(const CallContext& ctx, const json::object& in) const;
  void update_route(const CallContext& ctx, json::object in, Respond respond);
  void delete_route(const CallContext& ctx, json::object in, Respond respond);
  void create_integration(const CallContext& ctx, json::object in, Respond respond);
  Output get_integration(const CallContext& ctx, const json::object& in) const;
  Output get_integrations(const CallContext& ctx, const json::object& in) const;
  void update_integration(const CallContext& ctx, json::object in, Respond respond);
  void delete_integration(const CallContext& ctx, json::object in, Respond respond);
  void create_stage(const CallContext& ctx, json::object in, Respond respond);
  Output get_stage(const CallContext& ctx, const json::object& in) const;
  Output get_stages(const CallContext& ctx, const json::object& in) const;
  void update_stage(const CallContext& ctx, json::object in, Respond respond);
  void delete_stage(const CallContext& ctx, json::object in, Respond respond);
  void create_deployment(const CallContext& ctx, json::object in, Respond respond);
  Output get_deployment(const CallContext& ctx, const json::object& in) const;
  Output get_deployments(const CallContext& ctx, const json::object& in) const;
  void delete_deployment(const CallContext& ctx, json::object in, Respond respond);
  // import_handlers.cc: OpenAPI import (openapi.h)
  void import_api(const CallContext& ctx, json::object in, Respond respond);
  void reimport_api(const CallContext& ctx, json::object in, Respond respond);
  Output export_api(const CallContext& ctx, const json::object& in) const;
  // http_authorizer_handlers.cc
  void create_authorizer(const CallContext& ctx, json::object in, Respond respond);
  Output get_authorizer(const CallContext& ctx, const json::object& in) const;
  Output get_authorizers(const CallContext& ctx, const json::object& in) const;
  void update_authorizer(const CallContext& ctx, json::object in, Respond respond);
  void delete_authorizer(const CallContext& ctx, json::object in, Respond respond);

  // The route's Lambda authorizer (http_authorize.cc): `next` when it
  // allows the request (proxy->authorizer then holds its context).
  void authorize(const ApiPtr& api, const json::object& route,
                 const std::shared_ptr<ProxyRequest>& proxy,
                 std::function<void(http::Response)> answer, std::function<void()> next);
  // An AWS_IAM route (http_authorize.cc): the body read, the signature
  // and the caller's policies checked, then `next`.
  void authorize_iam(const std::shared_ptr<UserRequest>& holder,
                     const std::shared_ptr<ProxyRequest>& proxy,
                     std::function<void(http::Response)> answer, std::function<void()> next);
  void authorize_jwt(const json::object& auth, const json::object& route,
                     const std::shared_ptr<ProxyRequest>& proxy,
                     std::function<void(http::Response)> answer, std::function<void()> next);
  // An AWS_PROXY integration with an IntegrationSubtype (http_data_plane.cc):
  // the body read, the operation called, the service's answer relayed.
  void integrate_subtype(const json::object& integration,
                         const std::shared_ptr<UserRequest>& holder,
                         const std::shared_ptr<ProxyRequest>& proxy,
                         const std::shared_ptr<json::object>& cors,
                         const std::function<void(http::Response)>& answer);

  // One child of an API (a route, integration, stage or deployment): its
  // output, or NotFoundException naming `what`.
  Output child(const json::object& in, const char* group, const char* id_member,
               const char* what) const;
  Output children(const json::object& in, const char* group) const;
  // Changes one API's document; `change` fills `out` with the answer.
  void change(const json::object& in,
              std::function<Status(json::object& doc, json::object& out)> change, Respond respond);

  Environment& env_;
  lambda::Functions* functions_;
  OperationCalls* calls_ = nullptr;  // AWS_PROXY integrations with a subtype
  logs::LogWriter* logs_ = nullptr;  // stages' access logs
  RestApiService* rest_;
  ApiStore store_;
  AuthorizerCache authorizer_cache_;
  // JWT authorizers' issuer keys; made at the first JWT route.
  std::once_flag jwks_once_;
  std::unique_ptr<nimbus::auth::JwksCache> jwks_;
  Outbound outbound_;         // HTTP_PROXY integrations
  StageThrottles throttles_;  // stage (method / route) throttling
  IamAuth iam_auth_;          // AWS_IAM routes and function URLs
};

}  // namespace nimbus::services::apigateway
