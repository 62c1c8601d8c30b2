// ExportApi (pure): an HTTP API as the OpenAPI 3.0 document ImportApi reads
// back. Routes become paths and operations (`$default` the path AWS writes
// it as, ANY x-amazon-apigateway-any-method, `{name}` segments their path
// parameters), authorizers security schemes, and with extensions the
// integrations, authorizers, CORS configuration and tags their
// x-amazon-apigateway-* members.
#include <map>
#include <optional>

#include "common/json_fields.h"
#include "common/text.h"
#include "services/apigateway/openapi_export.h"
#include "services/apigateway/routes.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

// Copies the members of `from` named in `names` (first) into `to` under
// their second names, skipping absent and null ones.
void copy(const json::object& from, json::object& to,
          std::initializer_list<std::pair<const char*, const char*>> names) {
  for (auto [name, as] : names) {
    if (const auto* v = from.if_contains(name); v != nullptr && !v->is_null()) to[as] = *v;
  }
}

json::object exported_integration(const json::object& i) {
  json::object out{{"type", ascii_lower(str(i, "IntegrationType"))}};
  copy(i, out,
       {{"IntegrationSubtype", "integrationSubtype"},
        {"IntegrationMethod", "httpMethod"},
        {"IntegrationUri", "uri"},
        {"ConnectionType", "connectionType"},
        {"ConnectionId", "connectionId"},
        {"CredentialsArn", "credentials"},
        {"PayloadFormatVersion", "payloadFormatVersion"},
        {"RequestParameters", "requestParameters"},
        {"ResponseParameters", "responseParameters"},
        {"TimeoutInMillis", "timeoutInMillis"},
        {"Description", "description"}});
  if (const auto* tls = object_at(i, "TlsConfig")) {
    json::object t;
    copy(*tls, t, {{"ServerNameToVerify", "serverNameToVerify"}});
    out["tlsConfig"] = std::move(t);
  }
  return out;
}

// "$request.header.Authorization" -> the header a Lambda authorizer's
// apiKey scheme names (Authorization when its sources name none).
std::string header_of(const json::array& sources) {
  constexpr std::string_view kHeader = "$request.header.";
  for (const auto& s : sources) {
    if (s.is_string() && s.as_string().starts_with(kHeader))
      return std::string(std::string_view(s.as_string()).substr(kHeader.size()));
  }
  return "Authorization";
}

json::object scheme_of(const json::object& a, bool extensions) {
  bool jwt = str(a, "AuthorizerType") == "JWT";
  json::array sources;
  if (const auto* s = a.if_contains("IdentitySource"); s != nullptr && s->is_array())
    sources = s->as_array();
  json::object scheme;
  if (jwt) {
    scheme = json::object{{"type", "oauth2"}, {"flows", json::object()}};
  } else {
    scheme = json::object{{"type", "apiKey"}, {"name", header_of(sources)}, {"in", "header"}};
  }
  if (!extensions) return scheme;
  std::string joined;
  for (const auto& s : sources) {
    if (!s.is_string()) continue;
    if (!joined.empty()) joined += ", ";
    joined += s.as_string();
  }
  json::object ext{{"type", ascii_lower(str(a, "AuthorizerType"))}};
  if (!joined.empty()) ext["identitySource"] = joined;
  copy(a, ext,
       {{"AuthorizerUri", "authorizerUri"},
        {"AuthorizerCredentialsArn", "authorizerCredentials"},
        {"AuthorizerPayloadFormatVersion", "authorizerPayloadFormatVersion"},
        {"AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"},
        {"EnableSimpleResponses", "enableSimpleResponses"},
        {"IdentityValidationExpression", "identityValidationExpression"}});
  if (const auto* jwt_config = object_at(a, "JwtConfiguration")) {
    json::object c;
    copy(*jwt_config, c, {{"Audience", "audience"}, {"Issuer", "issuer"}});
    ext["jwtConfiguration"] = std::move(c);
  }
  scheme["x-amazon-apigateway-authorizer"] = std::move(ext);
  return scheme;
}

json::object exported_cors(const json::object& c) {
  json::object out;
  copy(c, out,
       {{"AllowOrigins", "allowOrigins"},
        {"AllowMethods", "allowMethods"},
        {"AllowHeaders", "allowHeaders"},
        {"ExposeHeaders", "exposeHeaders"},
        {"MaxAge", "maxAge"},
        {"AllowCredentials", "allowCredentials"}});
  return out;
}

}  // namespace

json::object export_http(const json::object& doc, const json::object& routes,
                         const json::object& integrations, const HttpExportRequest& r) {
  const json::object& api = doc.at("api").as_object();
  json::object info{{"title", str(api, "Name")}};
  if (has(api, "Description")) info["description"] = api.at("Description");
  info["version"] = has(api, "Version") ? api.at("Version") : json::value("1.0");
  json::object out{{"openapi", "3.0.1"}, {"info", std::move(info)}};
  out["servers"] = json::array{json::object{
      {"url", r.server_url + "/{basePath}"},
      {"variables",
       json::object{
           {"basePath", json::object{{"default", r.stage == "$default" ? "" : r.stage}}}}}}};
  if (const auto* tags = object_at(api, "Tags"); tags != nullptr && !tags->empty()) {
    json::array list;
    for (const auto& [k, v] : *tags) {
      json::object t{{"name", k}};
      if (r.extensions) t["x-amazon-apigateway-tag-value"] = v;
      list.emplace_back(std::move(t));
    }
    out["tags"] = std::move(list);
  }

  json::object schemes;
  std::map<std::string, std::string> names;  // authorizer id -> scheme name
  if (const auto* all = object_at(doc, "authorizers")) {
    for (const auto& [id, v] : *all) {
      if (!v.is_object()) continue;
      std::string name = str(v.as_object(), "Name");
      names[std::string(id)] = name;
      schemes[name] = scheme_of(v.as_object(), r.extensions);
    }
  }

  // Paths sorted as AWS lists them; a path's methods in the route keys' order.
  std::map<std::string, json::object> paths;
  bool sigv4 = false;
  for (const auto& [id, v] : routes) {
    if (!v.is_object()) continue;
    const auto& route = v.as_object();
    std::string key = str(route, "RouteKey");
    json::object op;
    std::string path, method;
    std::optional<RouteKey> parsed;
    if (key == "$default") {
      path = "$default";
      method = "ANY";
      op["isDefaultRoute"] = true;
    } else {
      parsed = parse_route_key(key);
      if (!parsed) continue;
      method = parsed->method;
      path = key.substr(key.find(' ') + 1);
    }
    if (has(route, "OperationName")) op["operationId"] = route.at("OperationName");
    op["responses"] =
        json::object{{"default", json::object{{"description", "Default response for " + key}}}};
    std::string auth = str(route, "AuthorizationType");
    if (auth == "AWS_IAM") {
      sigv4 = true;
      op["security"] = json::array{json::object{{"sigv4", json::array()}}};
    } else if (auth == "JWT" || auth == "CUSTOM") {
      auto it = names.find(str(route, "AuthorizerId"));
      json::value scopes = json::array();
      if (const auto* s = route.if_contains("AuthorizationScopes"); s != nullptr && s->is_array())
        scopes = *s;
      if (it != names.end())
        op["security"] = json::array{json::object{{it->second, std::move(scopes)}}};
    }
    std::string target = str(route, "Target");
    if (r.extensions && target.starts_with("integrations/")) {
      if (const auto* i = object_at(integrations, target.substr(13)))
        op["x-amazon-apigateway-integration"] = exported_integration(*i);
    }
    json::object& item = paths[path];
    item[method == "ANY" ? "x-amazon-apigateway-any-method" : ascii_lower(method)] = std::move(op);
    // Path parameters, as AWS generates them, once per path.
    if (item.contains("parameters")) continue;
    json::array params;
    for (const auto& segment : parsed ? parsed->path : std::vector<Segment>{}) {
      if (segment.kind == Segment::kLiteral) continue;
      params.emplace_back(
          json::object{{"name", segment.text},
                       {"in", "path"},
                       {"description", "Generated path parameter for " + segment.text},
                       {"required", true},
                       {"schema", json::object{{"type", "string"}}}});
    }
    if (!params.empty()) item["parameters"] = std::move(params);
  }
  json::object all_paths;
  for (auto& [path, item] : paths) all_paths[path] = std::move(item);
  out["paths"] = std::move(all_paths);
  if (sigv4) {
    json::object scheme{{"type", "apiKey"}, {"name", "Authorization"}, {"in", "header"}};
    if (r.extensions) scheme["x-amazon-apigateway-authtype"] = "awsSigv4";
    schemes["sigv4"] = std::move(scheme);
  }
  if (!schemes.empty()) out["components"] = json::object{{"securitySchemes", std::move(schemes)}};
  if (r.extensions) {
    if (const auto* cors = object_at(api, "CorsConfiguration"))
      out["x-amazon-apigateway-cors"] = exported_cors(*cors);
    if (auto d = boolean(api, "DisableExecuteApiEndpoint"); d && *d) {
      out["x-amazon-apigateway-endpoint-configuration"] =
          json::object{{"disableExecuteApiEndpoint", true}};
    }
    out["x-amazon-apigateway-importexport-version"] = "1.0";
  }
  return out;
}

}  // namespace nimbus::services::apigateway
