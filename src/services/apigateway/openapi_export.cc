#include "services/apigateway/openapi_export.h"

#include <map>

#include "common/json_fields.h"
#include "common/text.h"
#include "services/apigateway/models.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

constexpr std::string_view kModelUrl = "https://apigateway.amazonaws.com/restapis/";

struct Exporter {
  const json::object& doc;
  const ExportRequest& r;
  std::string ref_prefix() const { return r.oas30 ? "#/components/schemas/" : "#/definitions/"; }

  json::value schema_of(const json::object& model) const {
    boost::system::error_code ec;
    json::value v = json::parse(str(model, "schema"), ec);
    if (ec || !v.is_object()) return json::object();
    rewrite_refs(v, [&](std::string_view ref) -> std::string {
      if (!ref.starts_with(kModelUrl)) return "";
      size_t at = ref.rfind("/models/");
      return at == std::string_view::npos ? "" : ref_prefix() + std::string(ref.substr(at + 8));
    });
    return v;
  }

  json::array parameters(const json::object& method) const {
    json::array out;
    const auto* params = object_at(method, "requestParameters");
    if (params == nullptr) return out;
    for (const auto& [name, required] : *params) {
      std::string_view n = name;
      std::string in;
      for (auto [prefix, where] : {std::pair{"method.request.path.", "path"},
                                   {"method.request.querystring.", "query"},
                                   {"method.request.header.", "header"}}) {
        if (n.starts_with(prefix)) {
          in = where;
          n.remove_prefix(std::string_view(prefix).size());
        }
      }
      if (in.empty()) continue;
      json::object p{{"name", n},
                     {"in", in},
                     {"required", in == "path" || (required.is_bool() && required.as_bool())}};
      if (r.oas30) {
        p["schema"] = json::object{{"type", "string"}};
      } else {
        p["type"] = "string";
      }
      out.emplace_back(std::move(p));
    }
    return out;
  }

  json::object integration(const json::object& i) const {
    json::object out{{"type", ascii_lower(str(i, "type"))}};
    for (const char* k :
         {"httpMethod", "uri", "passthroughBehavior", "contentHandling", "credentials",
          "requestTemplates", "requestParameters", "timeoutInMillis", "cacheNamespace",
          "cacheKeyParameters", "connectionType", "connectionId"}) {
      if (const auto* v = i.if_contains(k); v != nullptr && !v->is_null()) out[k] = *v;
    }
    if (const auto* p = out.if_contains("passthroughBehavior"); p != nullptr && p->is_string())
      out["passthroughBehavior"] = ascii_lower(std::string(p->as_string()));
    if (const auto* responses = object_at(i, "integrationResponses")) {
      json::object all;
      for (const auto& [code, resp] : *responses) {
        if (!resp.is_object()) continue;
        const auto& o = resp.as_object();
        json::object one{{"statusCode", code}};
        for (const char* k : {"responseParameters", "responseTemplates", "contentHandling"}) {
          if (const auto* v = o.if_contains(k); v != nullptr && !v->is_null()) one[k] = *v;
        }
        std::string pattern = str(o, "selectionPattern");
        all[pattern.empty() ? "default" : pattern] = std::move(one);
      }
      out["responses"] = std::move(all);
    }
    return out;
  }

  json::object operation(const json::object& method,
                         const std::map<std::string, std::string>& validator_names,
                         const std::map<std::string, std::string>& authorizer_names) const {
    json::object op;
    if (has(method, "operationName")) op["operationId"] = method.at("operationName");
    json::array params = parameters(method);
    if (const auto* models = object_at(method, "requestModels"); models != nullptr) {
      for (const auto& [type, name] : *models) {
        if (!name.is_string()) continue;
        json::object schema{{"$ref", ref_prefix() + std::string(name.as_string())}};
        if (r.oas30) {
          auto& body = op["requestBody"];
          if (!body.is_object())
            body = json::object{{"content", json::object()}, {"required", true}};
          body.as_object()["content"].as_object()[type] = json::object{{"schema", schema}};
        } else if (params.end() == std::find_if(params.begin(), params.end(), [](const auto& p) {
                     return p.as_object().at("in") == "body";
                   })) {
          params.emplace_back(
              json::object{{"in", "body"}, {"name", name}, {"required", true}, {"schema", schema}});
        }
      }
    }
    if (!params.empty()) op["parameters"] = std::move(params);
    json::object responses;
    if (const auto* mr = object_at(method, "methodResponses")) {
      for (const auto& [code, _] : *mr)
        responses[code] = json::object{{"description", std::string(code) + " response"}};
    }
    op["responses"] = std::move(responses);
    std::string auth = str(method, "authorizationType");
    json::array security;
    if (auth == "CUSTOM" || auth == "COGNITO_USER_POOLS") {
      auto it = authorizer_names.find(str(method, "authorizerId"));
      if (it != authorizer_names.end())
        security.emplace_back(json::object{{it->second, json::array()}});
    } else if (auth == "AWS_IAM") {
      security.emplace_back(json::object{{"sigv4", json::array()}});
    }
    if (boolean(method, "apiKeyRequired").value_or(false))
      security.emplace_back(json::object{{"api_key", json::array()}});
    if (!security.empty()) op["security"] = std::move(security);
    if (r.apigateway) {
      auto it = validator_names.find(str(method, "requestValidatorId"));
      if (it != validator_names.end()) op["x-amazon-apigateway-request-validator"] = it->second;
    }
    if (r.integrations || r.apigateway) {
      if (const auto* i = object_at(method, "methodIntegration"))
        op["x-amazon-apigateway-integration"] = integration(*i);
    }
    return op;
  }
};

}  // namespace

json::object export_rest(const json::object& doc, const json::object& deployment,
                         const ExportRequest& r) {
  Exporter e{doc, r};
  const json::object& api = doc.at("api").as_object();
  json::object info{{"title", str(api, "name")}};
  if (has(api, "description")) info["description"] = api.at("description");
  info["version"] = has(api, "version") ? api.at("version") : json::value("1");
  json::object out;
  if (r.oas30) {
    out["openapi"] = "3.0.1";
    out["info"] = std::move(info);
    out["servers"] = json::array{json::object{
        {"url", "http://" + r.host + "/{basePath}"},
        {"variables", json::object{{"basePath", json::object{{"default", r.stage}}}}}}};
  } else {
    out["swagger"] = "2.0";
    out["info"] = std::move(info);
    out["host"] = r.host;
    out["basePath"] = "/" + r.stage;
    out["schemes"] = json::array{"http"};
  }

  std::map<std::string, std::string> validator_names, authorizer_names;
  json::object validators;
  if (const auto* all = object_at(doc, "requestValidators")) {
    for (const auto& [id, v] : *all) {
      if (!v.is_object()) continue;
      std::string name = str(v.as_object(), "name");
      if (name.empty()) name = std::string(id);
      validator_names[std::string(id)] = name;
      validators[name] = json::object{
          {"validateRequestBody", boolean(v.as_object(), "validateRequestBody").value_or(false)},
          {"validateRequestParameters",
           boolean(v.as_object(), "validateRequestParameters").value_or(false)}};
    }
  }
  json::object schemes;
  bool api_key = false, sigv4 = false;
  if (const auto* all = object_at(doc, "authorizers")) {
    for (const auto& [id, v] : *all) {
      if (!v.is_object()) continue;
      const auto& a = v.as_object();
      std::string name = str(a, "name");
      authorizer_names[std::string(id)] = name;
      json::object ext{{"type", ascii_lower(str(a, "type"))}};
      for (const char* k :
           {"authorizerUri", "authorizerCredentials", "identitySource",
            "identityValidationExpression", "authorizerResultTtlInSeconds", "providerARNs"}) {
        if (const auto* x = a.if_contains(k); x != nullptr && !x->is_null()) ext[k] = *x;
      }
      json::object scheme{{"type", "apiKey"},
                          {"name", "Authorization"},
                          {"in", "header"},
                          {"x-amazon-apigateway-authtype",
                           has(a, "authType") ? a.at("authType") : json::value("custom")}};
      if (r.apigateway) scheme["x-amazon-apigateway-authorizer"] = std::move(ext);
      schemes[name] = std::move(scheme);
    }
  }

  json::object paths;
  if (const auto* resources = object_at(deployment, "Snapshot")) {
    std::map<std::string, const json::object*> by_path;  // sorted, as AWS lists them
    for (const auto& [id, res] : *resources) {
      if (res.is_object()) by_path[str(res.as_object(), "path")] = &res.as_object();
    }
    for (const auto& [path, res] : by_path) {
      const auto* methods = object_at(*res, "resourceMethods");
      if (methods == nullptr || methods->empty()) continue;
      json::object item;
      for (const auto& [verb, m] : *methods) {
        if (!m.is_object()) continue;
        const auto& method = m.as_object();
        std::string auth = str(method, "authorizationType");
        api_key = api_key || boolean(method, "apiKeyRequired").value_or(false);
        sigv4 = sigv4 || auth == "AWS_IAM";
        std::string key = verb == "ANY" ? "x-amazon-apigateway-any-method" : ascii_lower(verb);
        item[key] = e.operation(method, validator_names, authorizer_names);
      }
      paths[path] = std::move(item);
    }
  }
  out["paths"] = std::move(paths);
  if (api_key)
    schemes["api_key"] = json::object{{"type", "apiKey"}, {"name", "x-api-key"}, {"in", "header"}};
  if (sigv4) {
    schemes["sigv4"] = json::object{{"type", "apiKey"},
                                    {"name", "Authorization"},
                                    {"in", "header"},
                                    {"x-amazon-apigateway-authtype", "awsSigv4"}};
  }
  json::object models;
  if (const auto* all = object_at(doc, "models")) {
    for (const auto& [name, m] : *all) {
      if (m.is_object()) models[name] = e.schema_of(m.as_object());
    }
  }
  if (r.oas30) {
    json::object components;
    if (!models.empty()) components["schemas"] = std::move(models);
    if (!schemes.empty()) components["securitySchemes"] = std::move(schemes);
    out["components"] = std::move(components);
  } else {
    if (!models.empty()) out["definitions"] = std::move(models);
    if (!schemes.empty()) out["securityDefinitions"] = std::move(schemes);
  }
  if (r.apigateway) {
    if (!validators.empty()) out["x-amazon-apigateway-request-validators"] = std::move(validators);
    if (const auto* g = object_at(deployment, "GatewayResponses"); g != nullptr && !g->empty())
      out["x-amazon-apigateway-gateway-responses"] = *g;
    if (const auto* b = api.if_contains("binaryMediaTypes"); b != nullptr && b->is_array())
      out["x-amazon-apigateway-binary-media-types"] = *b;
    if (has(api, "apiKeySource"))
      out["x-amazon-apigateway-api-key-source"] = api.at("apiKeySource");
  }
  return out;
}

}  // namespace nimbus::services::apigateway
