// OpenAPI import of HTTP APIs (ImportApi / ReimportApi): routes,
// integrations, authorizers and the CORS configuration.
#include <map>
#include <set>

#include "common/json_fields.h"
#include "services/apigateway/checks.h"
#include "services/apigateway/openapi.h"
#include "services/apigateway/openapi_util.h"
#include "services/apigateway/routes.h"
#include "services/apigateway/store.h"

namespace nimbus::services::apigateway::openapi {

namespace {

// x-amazon-apigateway-cors -> CorsConfiguration.
json::object cors_of(const json::object& c) {
  json::object out;
  for (auto [from, to] : {std::pair{"allowOrigins", "AllowOrigins"},
                          {"allowMethods", "AllowMethods"},
                          {"allowHeaders", "AllowHeaders"},
                          {"exposeHeaders", "ExposeHeaders"},
                          {"maxAge", "MaxAge"},
                          {"allowCredentials", "AllowCredentials"}}) {
    if (const auto* v = c.if_contains(from)) out[to] = *v;
  }
  return out;
}

// A payload format version written as a number: 1 / 1.0 -> "1.0", 2 -> "2.0".
std::string version_text(const json::value& v) {
  double d = v.to_number<double>();
  if (d == 1.0) return "1.0";
  if (d == 2.0) return "2.0";
  return json::serialize(v);
}

// "$request.header.A, $request.querystring.b" or a list of them.
json::array identity_sources(const json::value* v) {
  json::array out;
  if (v == nullptr) return out;
  if (v->is_array()) {
    for (const auto& e : v->as_array()) {
      if (e.is_string()) out.push_back(e);
    }
    return out;
  }
  if (!v->is_string()) return out;
  std::string_view s = v->as_string();
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// One x-amazon-apigateway-authorizer as an apigatewayv2 authorizer.
json::object authorizer_of(const std::string& name, const json::object& a) {
  json::object out{{"Name", name}, {"AuthorizerType", upper(str(a, "type"))}};
  if (const auto* v = a.if_contains("identitySource")) out["IdentitySource"] = identity_sources(v);
  for (auto [from, to] : {std::pair{"authorizerUri", "AuthorizerUri"},
                          {"authorizerCredentials", "AuthorizerCredentialsArn"},
                          {"authorizerPayloadFormatVersion", "AuthorizerPayloadFormatVersion"},
                          {"enableSimpleResponses", "EnableSimpleResponses"},
                          {"authorizerResultTtlInSeconds", "AuthorizerResultTtlInSeconds"},
                          {"identityValidationExpression", "IdentityValidationExpression"}}) {
    if (const auto* v = a.if_contains(from); v != nullptr && !v->is_null()) out[to] = *v;
  }
  // YAML and SAM write the format as a number (1.0, 2.0).
  if (const auto* v = a.if_contains("authorizerPayloadFormatVersion");
      v != nullptr && v->is_number())
    out["AuthorizerPayloadFormatVersion"] = version_text(*v);
  if (const auto* jwt = object_at(a, "jwtConfiguration")) {
    json::object config;
    if (const auto* v = jwt->if_contains("issuer")) config["Issuer"] = *v;
    if (const auto* v = jwt->if_contains("audience")) config["Audience"] = *v;
    out["JwtConfiguration"] = std::move(config);
  }
  return out;
}

// One x-amazon-apigateway-integration as an apigatewayv2 integration.
json::object integration_of(const json::object& i) {
  json::object out{{"IntegrationType", upper(str(i, "type"))}};
  if (has(i, "uri")) out["IntegrationUri"] = text_of(i.at("uri"));
  if (has(i, "httpMethod")) out["IntegrationMethod"] = upper(str(i, "httpMethod"));
  if (has(i, "connectionType")) out["ConnectionType"] = upper(str(i, "connectionType"));
  for (auto [from, to] : {std::pair{"payloadFormatVersion", "PayloadFormatVersion"},
                          {"connectionId", "ConnectionId"},
                          {"credentials", "CredentialsArn"},
                          {"timeoutInMillis", "TimeoutInMillis"},
                          {"requestParameters", "RequestParameters"},
                          {"responseParameters", "ResponseParameters"},
                          {"integrationSubtype", "IntegrationSubtype"},
                          {"description", "Description"}}) {
    if (const auto* v = i.if_contains(from); v != nullptr && !v->is_null()) out[to] = *v;
  }
  if (const auto* v = i.if_contains("payloadFormatVersion"); v != nullptr && v->is_number())
    out["PayloadFormatVersion"] = version_text(*v);
  if (const auto* tls = object_at(i, "tlsConfig")) {
    if (const auto* v = tls->if_contains("serverNameToVerify"))
      out["TlsConfig"] = json::object{{"ServerNameToVerify", *v}};
  }
  // AWS's default for imported Lambda integrations.
  if (!out.contains("PayloadFormatVersion")) out["PayloadFormatVersion"] = "1.0";
  return out;
}

// A route's authorization from its security requirement (or the document's).
void authorize_route(const json::value* security, const json::object& schemes,
                     const std::map<std::string, std::string>& authorizer_ids,
                     const json::object& authorizers, json::object& route,
                     std::vector<std::string>& problems) {
  if (security == nullptr || !security->is_array()) return;
  for (const auto& req : security->as_array()) {
    if (!req.is_object()) continue;
    for (const auto& [name, scopes] : req.as_object()) {
      std::string n(name);
      auto it = authorizer_ids.find(n);
      if (it != authorizer_ids.end()) {
        const auto& a = authorizers.at(it->second).as_object();
        bool jwt = str(a, "AuthorizerType") == "JWT";
        route["AuthorizationType"] = jwt ? "JWT" : "CUSTOM";
        route["AuthorizerId"] = it->second;
        if (jwt && scopes.is_array() && !scopes.as_array().empty())
          route["AuthorizationScopes"] = scopes;
        continue;
      }
      const auto* scheme = object_at(schemes, name);
      if (scheme != nullptr && str(*scheme, "x-amazon-apigateway-authtype") == "awsSigv4") {
        route["AuthorizationType"] = "AWS_IAM";
        continue;
      }
      problems.push_back("Security scheme " + n + " of route " + str(route, "RouteKey") +
                         " is not defined or has no authorizer");
    }
  }
}

}  // namespace

Result<Imported> import_http(const json::object& doc) {
  NIMBUS_TRY(check_version(doc));
  Imported out;
  Problems problems;
  const auto* info = object_at(doc, "info");
  std::string title = info != nullptr ? str(*info, "title") : "";
  if (title.empty()) problems.errors.emplace_back("The API's info.title (its name) is required");
  out.api["Name"] = title;
  if (info != nullptr) {
    if (has(*info, "description")) out.api["Description"] = text_of(info->at("description"));
    if (has(*info, "version")) out.api["Version"] = text_of(info->at("version"));
  }
  if (const auto* cors = object_at(doc, "x-amazon-apigateway-cors"))
    out.api["CorsConfiguration"] = cors_of(*cors);
  // Tags with x-amazon-apigateway-tag-value are the API's tags.
  if (const auto* tags = doc.if_contains("tags"); tags != nullptr && tags->is_array()) {
    json::object api_tags;
    for (const auto& t : tags->as_array()) {
      if (!t.is_object()) continue;
      const auto* value = t.as_object().if_contains("x-amazon-apigateway-tag-value");
      std::string name = str(t.as_object(), "name");
      if (value != nullptr && !name.empty()) api_tags[name] = text_of(*value);
    }
    if (!api_tags.empty()) out.api["Tags"] = std::move(api_tags);
  }
  if (const auto* ec = object_at(doc, "x-amazon-apigateway-endpoint-configuration")) {
    if (auto d = boolean(*ec, "disableExecuteApiEndpoint"))
      out.api["DisableExecuteApiEndpoint"] = *d;
  }

  json::object routes, integrations;
  const json::object& schemes = security_schemes(doc);
  auto [authorizers, authorizer_ids] = authorizers_of(
      doc, "AuthorizerId",
      [](const std::string& name, const json::object&, const json::object& ext) {
        json::object a = authorizer_of(name, ext);
        if (str(a, "AuthorizerType") == "JWT" && !a.contains("IdentitySource"))
          a["IdentitySource"] = json::array{"$request.header.Authorization"};
        return a;
      },
      check_http_authorizer, problems);

  const auto* default_security = doc.if_contains("security");
  std::set<std::string> keys;
  if (const auto* paths = object_at(doc, "paths")) {
    for (const auto& [path, item_value] : *paths) {
      const auto* item = resolve(doc, &item_value);
      if (item == nullptr) continue;
      for (const auto& [key, op_value] : *item) {
        std::string method = operation_method(key);
        const auto* op = method.empty() ? nullptr : resolve(doc, &op_value);
        if (op == nullptr) continue;
        std::string route_key =
            path == "$default" ? std::string("$default") : method + " " + std::string(path);
        if (path == "$default" && method != "ANY") {
          problems.errors.push_back("The $default route takes x-amazon-apigateway-any-method only");
          continue;
        }
        if (!parse_route_key(route_key)) {
          problems.errors.push_back("Unable to create route '" + route_key +
                                    "': the route key is invalid");
          continue;
        }
        if (!keys.insert(route_key).second) {
          problems.errors.push_back("Route with key " + route_key + " is defined twice");
          continue;
        }
        std::string id = new_id(7);
        json::object route{{"RouteId", id},
                           {"RouteKey", route_key},
                           {"AuthorizationType", "NONE"},
                           {"ApiKeyRequired", false}};
        if (has(*op, "operationId")) route["OperationName"] = text_of(op->at("operationId"));
        const auto* security = op->if_contains("security");
        authorize_route(security != nullptr ? security : default_security, schemes, authorizer_ids,
                        authorizers, route, problems.errors);
        const auto* ext = resolve(doc, op->if_contains("x-amazon-apigateway-integration"));
        if (ext != nullptr) {
          json::object integration = integration_of(*ext);
          if (auto st = check_http_integration(integration); !st) {
            problems.errors.push_back("Unable to create integration for route '" + route_key +
                                      "': " + st.error().message);
            continue;
          }
          std::string integration_id = new_id(7);
          integration["IntegrationId"] = integration_id;
          integrations[integration_id] = std::move(integration);
          route["Target"] = "integrations/" + integration_id;
        } else {
          out.warnings.push_back("Route " + route_key + " has no integration");
        }
        routes[id] = std::move(route);
      }
    }
  }
  NIMBUS_TRY(problems.status());
  out.groups["routes"] = std::move(routes);
  out.groups["integrations"] = std::move(integrations);
  out.groups["authorizers"] = std::move(authorizers);
  return out;
}

}  // namespace nimbus::services::apigateway::openapi
