// apigatewayv2 control handlers: APIs (with quick create), routes,
// integrations, stages and deployments. Each change is one update of the
// API's document (store.h), answered once it is durable.
#include <charconv>

#include "common/json_fields.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/aws_service.h"
#include "services/apigateway/checks.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/routes.h"
#include "services/apigateway/tags.h"

namespace nimbus::services::apigateway {

namespace {

// Members an input may set on each kind of child, as the model names them.
constexpr const char* kApiMembers[] = {"ApiKeySelectionExpression",
                                       "CorsConfiguration",
                                       "Description",
                                       "DisableSchemaValidation",
                                       "DisableExecuteApiEndpoint",
                                       "Name",
                                       "RouteSelectionExpression",
                                       "Version"};
constexpr const char* kRouteMembers[] = {"ApiKeyRequired",
                                         "AuthorizationScopes",
                                         "AuthorizationType",
                                         "AuthorizerId",
                                         "ModelSelectionExpression",
                                         "OperationName",
                                         "RequestModels",
                                         "RequestParameters",
                                         "RouteKey",
                                         "RouteResponseSelectionExpression",
                                         "Target"};
constexpr const char* kIntegrationMembers[] = {
    "ConnectionId",     "ConnectionType",      "ContentHandlingStrategy",     "CredentialsArn",
    "Description",      "IntegrationMethod",   "IntegrationSubtype",          "IntegrationType",
    "IntegrationUri",   "PassthroughBehavior", "PayloadFormatVersion",        "RequestParameters",
    "RequestTemplates", "ResponseParameters",  "TemplateSelectionExpression", "TimeoutInMillis",
    "TlsConfig"};
constexpr const char* kStageMembers[] = {
    "AccessLogSettings", "AutoDeploy",  "ClientCertificateId", "DefaultRouteSettings",
    "DeploymentId",      "Description", "RouteSettings",       "StageVariables"};

template <size_t N>
void copy_members(const json::object& in, json::object& out, const char* const (&names)[N]) {
  for (const char* n : names) {
    if (const auto* v = in.if_contains(n); v != nullptr && !v->is_null()) out[n] = *v;
  }
}

json::object& group(json::object& doc, const char* name) {
  auto& g = doc[name];
  if (!g.is_object()) g = json::object();
  return g.as_object();
}

Status check_route_key(const std::string& key) {
  if (!parse_route_key(key)) {
    return errors::bad_request("Unable to create route. The route key is invalid: " + key);
  }
  return Status::ok();
}

// A route's Target must name an integration of the API.
Status check_target(const json::object& doc, const json::object& route) {
  if (std::string auth = str(route, "AuthorizationType"); auth == "CUSTOM" || auth == "JWT") {
    const auto* all = doc.if_contains("authorizers");
    if (all == nullptr || !all->as_object().contains(str(route, "AuthorizerId"))) {
      return errors::bad_request("Invalid authorizer identifier specified: " +
                                 str(route, "AuthorizerId"));
    }
  }
  std::string target = str(route, "Target");
  if (target.empty()) return Status::ok();
  const auto* integrations = doc.if_contains("integrations");
  if (!target.starts_with("integrations/") || integrations == nullptr ||
      !integrations->as_object().contains(target.substr(13))) {
    return errors::bad_request("Invalid integration target specified: " + target);
  }
  return Status::ok();
}

// The list members of one group, paged by index (NextToken is the index).
Output page(const json::object& g, const json::object& in) {
  size_t start = 0;
  if (std::string token = str(in, "NextToken"); !token.empty()) {
    auto r = std::from_chars(token.data(), token.data() + token.size(), start);
    if (r.ec != std::errc() || r.ptr != token.data() + token.size()) {
      return errors::bad_request("Invalid pagination token");
    }
  }
  size_t limit = static_cast<size_t>(std::max<int64_t>(1, integer(in, "MaxResults").value_or(500)));
  json::array items;
  size_t i = 0;
  for (const auto& [id, v] : g) {
    if (i++ < start) continue;
    if (items.size() == limit) {
      return json::object{{"Items", std::move(items)}, {"NextToken", std::to_string(i - 1)}};
    }
    json::object item = v.as_object();
    item.erase("Snapshot");
    items.push_back(std::move(item));
  }
  return json::object{{"Items", std::move(items)}};
}

}  // namespace

// "http://127.0.0.1:4566" -> "http://{id}.execute-api.localhost:4566".
std::string api_endpoint(const std::string& endpoint_url, const std::string& id) {
  std::string port;
  size_t scheme = endpoint_url.find("://");
  std::string_view rest = scheme == std::string::npos
                              ? std::string_view(endpoint_url)
                              : std::string_view(endpoint_url).substr(scheme + 3);
  if (size_t colon = rest.rfind(':');
      colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    port = std::string(rest.substr(colon));
  }
  return "http://" + id + ".execute-api.localhost" + port;
}

Status check_http_integration(json::object& i) {
  std::string type = str(i, "IntegrationType");
  if (type != "AWS_PROXY" && type != "HTTP_PROXY" && type != "AWS" && type != "HTTP" &&
      type != "MOCK") {
    return errors::bad_request("Invalid integration type specified: " + type);
  }
  if (type == "AWS_PROXY" || type == "HTTP_PROXY") {
    if (str(i, "IntegrationUri").empty() && str(i, "IntegrationSubtype").empty()) {
      return errors::bad_request("IntegrationUri is required for " + type + " integrations");
    }
  }
  if (type == "AWS_PROXY" && !str(i, "IntegrationSubtype").empty()) {
    if (auto st = check_subtype(i); !st) return st;
  }
  std::string version = str(i, "PayloadFormatVersion");
  if (version.empty()) {
    if (type == "AWS_PROXY") {
      return errors::bad_request("PayloadFormatVersion is required for AWS_PROXY integrations");
    }
    i["PayloadFormatVersion"] = "1.0";
  } else if (version != "1.0" && version != "2.0") {
    return errors::bad_request("Invalid payload format version specified: " + version);
  } else if (version == "2.0" && type != "AWS_PROXY") {
    return errors::bad_request("Payload format version 2.0 is supported only for AWS_PROXY");
  }
  if (!i.contains("TimeoutInMillis")) i["TimeoutInMillis"] = 30000;
  auto timeout = integer(i, "TimeoutInMillis").value_or(0);
  if (timeout < 50 || timeout > 30000) {
    return errors::bad_request("Timeout must be between 50 milliseconds and 30 seconds");
  }
  if (!i.contains("ConnectionType")) i["ConnectionType"] = "INTERNET";
  if (!i.contains("IntegrationMethod") && type == "AWS_PROXY") i["IntegrationMethod"] = "POST";
  return Status::ok();
}

json::object new_http_api(const std::string& endpoint_url, const std::string& id, double now) {
  return json::object{{"ApiId", id},
                      {"ApiEndpoint", api_endpoint(endpoint_url, id)},
                      {"CreatedDate", now},
                      {"ProtocolType", "HTTP"},
                      {"RouteSelectionExpression", "$request.method $request.path"},
                      {"ApiKeySelectionExpression", "$request.header.x-api-key"},
                      {"DisableExecuteApiEndpoint", false},
                      {"Tags", json::object()}};
}

void HttpApiService::change(const json::object& in,
                            std::function<Status(json::object& doc, json::object& out)> fn,
                            Respond respond) {
  auto out = std::make_shared<json::object>();
  store_.update(
      str(in, "ApiId"), [fn = std::move(fn), out](json::object& doc) { return fn(doc, *out); },
      [out, respond = std::move(respond)](Result<ApiPtr> r) {
        if (!r) return respond(r.take_error());
        respond(std::move(*out));
      });
}

Output HttpApiService::child(const json::object& in, const char* group_name, const char* id_member,
                             const char* what) const {
  auto api = store_.find(str(in, "ApiId"));
  if (!api) return errors::not_found("Invalid API identifier specified");
  std::string id = str(in, id_member);
  const auto* g = api->doc.if_contains(group_name);
  const auto* v = g != nullptr ? g->as_object().if_contains(id) : nullptr;
  if (v == nullptr)
    return errors::not_found(std::string("Invalid ") + what + " identifier specified " + id);
  json::object out = v->as_object();
  out.erase("Snapshot");
  return out;
}

Output HttpApiService::children(const json::object& in, const char* group_name) const {
  auto api = store_.find(str(in, "ApiId"));
  if (!api) return errors::not_found("Invalid API identifier specified");
  const auto* g = api->doc.if_contains(group_name);
  return page(g != nullptr ? g->as_object() : json::object(), in);
}

// --- APIs -------------------------------------------------------------------

void HttpApiService::create_api(const CallContext& ctx, json::object in, Respond respond) {
  if (auto st = check_new_tags(in, "Tags", takes_aws_tags(ctx)); !st)
    return respond(st.take_error());
  if (str(in, "ProtocolType") != "HTTP") {
    return respond(
        errors::bad_request("nimbus serves HTTP APIs only; WebSocket APIs are not implemented"));
  }
  std::string id = new_id(10);
  double now = env_.clock.now_seconds();
  json::object api = new_http_api(ctx.endpoint_url, id, now);
  copy_members(in, api, kApiMembers);
  if (has(in, "Tags")) api["Tags"] = in["Tags"];
  json::object doc{{"api", api}};
  if (std::string target = str(in, "Target"); !target.empty()) {
    // Quick create: a Lambda (or HTTP) integration, one route and the
    // auto-deploying $default stage, all managed by the API.
    std::string route_key = has(in, "RouteKey") ? str(in, "RouteKey") : "$default";
    if (auto st = check_route_key(route_key); !st) return respond(st.take_error());
    bool lambda = target.starts_with("arn:");
    std::string integration_id = new_id(7), route_id = new_id(7);
    json::object integration{{"IntegrationId", integration_id},
                             {"IntegrationType", lambda ? "AWS_PROXY" : "HTTP_PROXY"},
                             {"IntegrationUri", target},
                             {"IntegrationMethod", lambda ? "POST" : "ANY"},
                             {"PayloadFormatVersion", lambda ? "2.0" : "1.0"},
                             {"ConnectionType", "INTERNET"},
                             {"TimeoutInMillis", 30000},
                             {"ApiGatewayManaged", true}};
    if (has(in, "CredentialsArn")) integration["CredentialsArn"] = in["CredentialsArn"];
    group(doc, "integrations")[integration_id] = std::move(integration);
    group(doc, "routes")[route_id] = json::object{{"RouteId", route_id},
                                                  {"RouteKey", route_key},
                                                  {"Target", "integrations/" + integration_id},
                                                  {"AuthorizationType", "NONE"},
                                                  {"ApiKeyRequired", false},
                                                  {"ApiGatewayManaged", true}};
    group(doc, "stages")["$default"] =
        json::object{{"StageName", "$default"},
                     {"AutoDeploy", true},
                     {"CreatedDate", now},
                     {"LastUpdatedDate", now},
                     {"DefaultRouteSettings", json::object{{"DetailedMetricsEnabled", false}}},
                     {"RouteSettings", json::object()},
                     {"StageVariables", json::object()},
                     {"Tags", json::object()},
                     {"ApiGatewayManaged", true}};
  }
  store_.create(id, std::move(doc), [api, respond = std::move(respond)](Result<ApiPtr> r) {
    if (!r) return respond(r.take_error());
    respond(api);
  });
}

Output HttpApiService::get_api(const CallContext&, const json::object& in) const {
  auto api = store_.find(str(in, "ApiId"));
  if (!api) return errors::not_found("Invalid API identifier specified");
  return api->doc.at("api").as_object();
}

Output HttpApiService::get_apis(const CallContext&, const json::object& in) const {
  json::object all;
  for (const auto& api : store_.list()) all[str(api->doc, "id")] = api->doc.at("api");
  return page(all, in);
}

void HttpApiService::update_api(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        auto& api = doc["api"].as_object();
        copy_members(in, api, kApiMembers);
        out = api;
        return Status::ok();
      },
      std::move(respond));
}

void HttpApiService::delete_api(const CallContext&, json::object in, Respond respond) {
  store_.remove(str(in, "ApiId"), [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(json::object());
  });
}

// --- routes -----------------------------------------------------------------

void HttpApiService::create_route(const CallContext&, json::object in, Respond respond) {
  if (auto st = check_route_key(str(in, "RouteKey")); !st) return respond(st.take_error());
  change(
      in,
      [in](json::object& doc, json::object& out) {
        for (const auto& [id, r] : group(doc, "routes")) {
          if (str(r.as_object(), "RouteKey") == str(in, "RouteKey")) {
            return Status(errors::conflict("Route with key " + str(in, "RouteKey") +
                                           " already exists for this API"));
          }
        }
        std::string id = new_id(7);
        json::object route{
            {"RouteId", id}, {"AuthorizationType", "NONE"}, {"ApiKeyRequired", false}};
        copy_members(in, route, kRouteMembers);
        if (auto st = check_target(doc, route); !st) return st;
        group(doc, "routes")[id] = route;
        out = std::move(route);
        return Status::ok();
      },
      std::move(respond));
}

Output HttpApiService::get_route(const CallContext&, const json::object& in) const {
  return child(in, "routes", "RouteId", "Route");
}
Output HttpApiService::get_routes(const CallContext&, const json::object& in) const {
  return children(in, "routes");
}

void HttpApiService::update_route(const CallContext&, json::object in, Respond respond) {
  if (has(in, "RouteKey")) {
    if (auto st = check_route_key(str(in, "RouteKey")); !st) return respond(st.take_error());
  }
  change(
      in,
      [in](json::object& doc, json::object& out) {
        auto* r = group(doc, "routes").if_contains(str(in, "RouteId"));
        if (r == nullptr) {
          return Status(
              errors::not_found("Invalid Route identifier specified " + str(in, "RouteId")));
        }
        copy_members(in, r->as_object(), kRouteMembers);
        if (auto st = check_target(doc, r->as_object()); !st) return st;
        out = r->as_object();
        return Status::ok();
      },
      std::move(respond));
}

void HttpApiService::delete_route(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        if (group(doc, "routes").erase(str(in, "RouteId")) == 0) {
          return Status(
              errors::not_found("Invalid Route identifier specified " + str(in, "RouteId")));
        }
        return Status::ok();
      },
      std::move(respond));
}

// --- integrations -----------------------------------------------------------

void HttpApiService::create_integration(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        std::string id = new_id(7);
        json::object integration{{"IntegrationId", id}};
        copy_members(in, integration, kIntegrationMembers);
        if (auto st = check_http_integration(integration); !st) return st;
        group(doc, "integrations")[id] = integration;
        out = std::move(integration);
        return Status::ok();
      },
      std::move(respond));
}

Output HttpApiService::get_integration(const CallContext&, const json::object& in) const {
  return child(in, "integrations", "IntegrationId", "Integration");
}
Output HttpApiService::get_integrations(const CallContext&, const json::object& in) const {
  return children(in, "integrations");
}

void HttpApiService::update_integration(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        auto* i = group(doc, "integrations").if_contains(str(in, "IntegrationId"));
        if (i == nullptr) {
          return Status(errors::not_found("Invalid Integration identifier specified " +
                                          str(in, "IntegrationId")));
        }
        json::object copy = i->as_object();
        copy_members(in, copy, kIntegrationMembers);
        if (auto st = check_http_integration(copy); !st) return st;
        *i = copy;
        out = std::move(copy);
        return Status::ok();
      },
      std::move(respond));
}

void HttpApiService::delete_integration(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        std::string id = str(in, "IntegrationId");
        if (!group(doc, "integrations").contains(id)) {
          return Status(errors::not_found("Invalid Integration identifier specified " + id));
        }
        for (const auto& [rid, r] : group(doc, "routes")) {
          if (str(r.as_object(), "Target") == "integrations/" + id) {
            return Status(errors::conflict("Cannot delete an integration that a route uses: " +
                                           std::string(rid)));
          }
        }
        group(doc, "integrations").erase(id);
        return Status::ok();
      },
      std::move(respond));
}

// --- stages and deployments -------------------------------------------------

void HttpApiService::create_stage(const CallContext& ctx, json::object in, Respond respond) {
  if (auto st = check_new_tags(in, "Tags", takes_aws_tags(ctx)); !st)
    return respond(st.take_error());
  double now = env_.clock.now_seconds();
  change(
      in,
      [in, now](json::object& doc, json::object& out) {
        std::string name = str(in, "StageName");
        if (name.empty() || name.size() > 128) {
          return Status(errors::bad_request("Stage name must be between 1 and 128 characters"));
        }
        auto& stages = group(doc, "stages");
        if (stages.contains(name)) {
          return Status(errors::conflict("Stage " + name + " already exists"));
        }
        json::object stage{
            {"StageName", name},
            {"AutoDeploy", false},
            {"CreatedDate", now},
            {"LastUpdatedDate", now},
            {"DefaultRouteSettings", json::object{{"DetailedMetricsEnabled", false}}},
            {"RouteSettings", json::object()},
            {"StageVariables", json::object()},
            {"Tags", json::object()}};
        copy_members(in, stage, kStageMembers);
        if (has(in, "Tags")) stage["Tags"] = in.at("Tags");
        std::string dep = str(stage, "DeploymentId");
        if (!dep.empty() && !group(doc, "deployments").contains(dep)) {
          return Status(errors::bad_request("Invalid deployment identifier specified " + dep));
        }
        stages[name] = stage;
        out = std::move(stage);
        return Status::ok();
      },
      std::move(respond));
}

Output HttpApiService::get_stage(const CallContext&, const json::object& in) const {
  return child(in, "stages", "StageName", "Stage");
}
Output HttpApiService::get_stages(const CallContext&, const json::object& in) const {
  return children(in, "stages");
}

void HttpApiService::update_stage(const CallContext&, json::object in, Respond respond) {
  double now = env_.clock.now_seconds();
  change(
      in,
      [in, now](json::object& doc, json::object& out) {
        auto* s = group(doc, "stages").if_contains(str(in, "StageName"));
        if (s == nullptr) {
          return Status(
              errors::not_found("Invalid Stage identifier specified " + str(in, "StageName")));
        }
        auto& stage = s->as_object();
        copy_members(in, stage, kStageMembers);
        std::string dep = str(stage, "DeploymentId");
        if (!dep.empty() && !group(doc, "deployments").contains(dep)) {
          return Status(errors::bad_request("Invalid deployment identifier specified " + dep));
        }
        stage["LastUpdatedDate"] = now;
        out = stage;
        return Status::ok();
      },
      std::move(respond));
}

void HttpApiService::delete_stage(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        if (group(doc, "stages").erase(str(in, "StageName")) == 0) {
          return Status(
              errors::not_found("Invalid Stage identifier specified " + str(in, "StageName")));
        }
        return Status::ok();
      },
      std::move(respond));
}

void HttpApiService::create_deployment(const CallContext&, json::object in, Respond respond) {
  double now = env_.clock.now_seconds();
  change(
      in,
      [in, now](json::object& doc, json::object& out) {
        std::string stage_name = str(in, "StageName");
        json::value* stage = nullptr;
        if (!stage_name.empty()) {
          stage = group(doc, "stages").if_contains(stage_name);
          if (stage == nullptr) {
            return Status(errors::not_found("Invalid Stage identifier specified " + stage_name));
          }
        }
        std::string id = new_id(6);
        json::object dep{{"DeploymentId", id},
                         {"CreatedDate", now},
                         {"DeploymentStatus", "DEPLOYED"},
                         {"AutoDeployed", false}};
        if (has(in, "Description")) dep["Description"] = in.at("Description");
        out = dep;
        dep["Snapshot"] = json::object{{"routes", group(doc, "routes")},
                                       {"integrations", group(doc, "integrations")}};
        group(doc, "deployments")[id] = std::move(dep);
        if (stage != nullptr) {
          stage->as_object()["DeploymentId"] = id;
          stage->as_object()["LastUpdatedDate"] = now;
        }
        return Status::ok();
      },
      std::move(respond));
}

Output HttpApiService::get_deployment(const CallContext&, const json::object& in) const {
  return child(in, "deployments", "DeploymentId", "Deployment");
}
Output HttpApiService::get_deployments(const CallContext&, const json::object& in) const {
  return children(in, "deployments");
}

void HttpApiService::delete_deployment(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        std::string id = str(in, "DeploymentId");
        if (!group(doc, "deployments").contains(id)) {
          return Status(errors::not_found("Invalid Deployment identifier specified " + id));
        }
        for (const auto& [name, s] : group(doc, "stages")) {
          if (str(s.as_object(), "DeploymentId") == id) {
            return Status(
                errors::bad_request("Active stages pointing to this deployment must be "
                                    "moved or deleted"));
          }
        }
        group(doc, "deployments").erase(id);
        return Status::ok();
      },
      std::move(respond));
}

}  // namespace nimbus::services::apigateway
