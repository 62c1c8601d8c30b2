// OpenAPI import of REST APIs (ImportRestApi / PutRestApi): resources,
// methods with their responses and integrations, and authorizers.
#include <map>

#include "common/json_fields.h"
#include "services/apigateway/checks.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/openapi.h"
#include "services/apigateway/openapi_util.h"
#include "services/apigateway/routes.h"
#include "services/apigateway/store.h"

namespace nimbus::services::apigateway::openapi {

namespace {

// One x-amazon-apigateway-authorizer as an apigateway authorizer.
json::object rest_authorizer_of(const std::string& name, const json::object& scheme,
                                const json::object& a) {
  std::string type = upper(str(a, "type"));
  json::object out{{"name", name}, {"type", type.empty() ? "TOKEN" : type}};
  for (auto key : {"authorizerUri", "authorizerCredentials", "identitySource",
                   "identityValidationExpression", "providerARNs"}) {
    if (const auto* v = a.if_contains(key); v != nullptr && !v->is_null()) out[key] = *v;
  }
  out["authorizerResultTtlInSeconds"] = integer(a, "authorizerResultTtlInSeconds").value_or(300);
  if (std::string auth = str(scheme, "x-amazon-apigateway-authtype"); !auth.empty())
    out["authType"] = auth;
  // A TOKEN authorizer reads the header the scheme names.
  if (str(out, "type") == "TOKEN" && !out.contains("identitySource") && has(scheme, "name"))
    out["identitySource"] = "method.request.header." + str(scheme, "name");
  return out;
}

// Swagger's `in` to a request parameter's location.
std::string location_of(const std::string& in) {
  if (in == "path") return "path";
  if (in == "query") return "querystring";
  if (in == "header") return "header";
  return "";
}

void add_parameters(const json::object& doc, const json::value* params, json::object& out) {
  if (params == nullptr || !params->is_array()) return;
  for (const auto& p : params->as_array()) {
    const auto* param = resolve(doc, &p);
    if (param == nullptr) continue;
    std::string where = location_of(str(*param, "in"));
    std::string name = str(*param, "name");
    if (where.empty() || name.empty()) continue;
    out["method.request." + where + "." + name] = boolean(*param, "required").value_or(false);
  }
}

json::object method_responses(const json::object& doc, const json::object& op) {
  json::object out;
  const auto* responses = object_at(op, "responses");
  if (responses == nullptr) return out;
  for (const auto& [code, r] : *responses) {
    if (code.empty() || code.size() > 3 || code.find_first_not_of("0123456789") != code.npos)
      continue;
    json::object resp{{"statusCode", code}};
    const auto* response = resolve(doc, &r);
    if (const auto* headers = response != nullptr ? object_at(*response, "headers") : nullptr) {
      json::object params;
      for (const auto& [h, _] : *headers) {
        params["method.response.header." + std::string(h)] = false;
      }
      resp["responseParameters"] = std::move(params);
    }
    out[code] = std::move(resp);
  }
  return out;
}

// x-amazon-apigateway-integration as the method's integration.
Result<json::object> rest_integration_of(const json::object& i, const std::string& resource_id) {
  std::string type = upper(str(i, "type"));
  std::string uri = has(i, "uri") ? text_of(i.at("uri")) : "";
  NIMBUS_TRY(check_rest_integration(type, uri));
  std::string method = upper(str(i, "httpMethod"));
  if (type != "MOCK" && method.empty())
    return Error::make("BadRequestException", "Enumeration value for HttpMethod must be non-empty");
  json::object out{{"type", type},
                   {"passthroughBehavior", "WHEN_NO_MATCH"},
                   {"timeoutInMillis", 29000},
                   {"cacheNamespace", resource_id},
                   {"cacheKeyParameters", json::array()}};
  if (!uri.empty()) out["uri"] = uri;
  if (!method.empty()) out["httpMethod"] = method;
  if (has(i, "passthroughBehavior"))
    out["passthroughBehavior"] = upper(str(i, "passthroughBehavior"));
  if (has(i, "contentHandling")) out["contentHandling"] = upper(str(i, "contentHandling"));
  if (has(i, "connectionType")) out["connectionType"] = upper(str(i, "connectionType"));
  for (auto key : {"credentials", "requestTemplates", "requestParameters", "connectionId",
                   "cacheKeyParameters", "cacheNamespace"}) {
    if (const auto* v = i.if_contains(key); v != nullptr && !v->is_null()) out[key] = *v;
  }
  if (auto t = integer(i, "timeoutInMillis")) out["timeoutInMillis"] = *t;
  if (const auto* responses = object_at(i, "responses")) {
    json::object all;
    for (const auto& [pattern, r] : *responses) {
      if (!r.is_object()) continue;
      const auto& o = r.as_object();
      std::string code = has(o, "statusCode") ? text_of(o.at("statusCode")) : "";
      if (code.empty()) continue;
      json::object resp{{"statusCode", code}};
      if (pattern != "default") resp["selectionPattern"] = std::string(pattern);
      for (auto key : {"responseParameters", "responseTemplates"}) {
        if (const auto* v = o.if_contains(key); v != nullptr && v->is_object()) resp[key] = *v;
      }
      if (has(o, "contentHandling")) resp["contentHandling"] = upper(str(o, "contentHandling"));
      all[code] = std::move(resp);
    }
    out["integrationResponses"] = std::move(all);
  }
  return out;
}

// A method's authorization from its security requirement (or the document's).
void authorize_method(const json::value* security, const json::object& schemes,
                      const std::map<std::string, std::string>& authorizer_ids,
                      const json::object& authorizers, json::object& method,
                      std::vector<std::string>& problems, const std::string& where) {
  if (security == nullptr || !security->is_array()) return;
  for (const auto& req : security->as_array()) {
    if (!req.is_object()) continue;
    for (const auto& [name, scopes] : req.as_object()) {
      std::string n(name);
      if (auto it = authorizer_ids.find(n); it != authorizer_ids.end()) {
        const auto& a = authorizers.at(it->second).as_object();
        bool cognito = str(a, "type") == "COGNITO_USER_POOLS";
        method["authorizationType"] = cognito ? "COGNITO_USER_POOLS" : "CUSTOM";
        method["authorizerId"] = it->second;
        if (cognito && scopes.is_array() && !scopes.as_array().empty())
          method["authorizationScopes"] = scopes;
        continue;
      }
      const auto* scheme = object_at(schemes, name);
      if (scheme == nullptr) {
        problems.push_back(where + ": security scheme " + n + " is not defined");
      } else if (str(*scheme, "x-amazon-apigateway-authtype") == "awsSigv4") {
        method["authorizationType"] = "AWS_IAM";
      } else if (str(*scheme, "type") == "apiKey") {
        method["apiKeyRequired"] = true;
      }
    }
  }
}

// Resource paths longer than this are refused: every resource stores its
// path, so a deep path's cost grows with its length times its depth.
constexpr size_t kMaxPath = 8192;

struct Builder {
  const json::object& doc;
  std::string root_id;
  json::object resources;
  std::map<std::string, std::string> children;  // parent id '\0' path part -> id
  std::map<std::string, std::string> variable;  // parent id -> its {variable} child's part
  Problems problems;

  // The id of `path`'s resource, created with its missing ancestors
  // (segment by segment from the root, each a map lookup: linear in the
  // path's length); "" (and a problem) when the path is not a valid one.
  std::string resource(const std::string& path) {
    if (path == "/") return root_id;
    if (path.empty() || path.size() > kMaxPath || path.back() == '/' ||
        !parse_path_template(path)) {
      problems.errors.push_back("Invalid resource path " + path.substr(0, 256));
      return "";
    }
    std::string parent_id = root_id;
    size_t start = 1;
    while (start <= path.size()) {
      size_t slash = path.find('/', start);
      if (slash == std::string::npos) slash = path.size();
      std::string part = path.substr(start, slash - start);
      std::string key = parent_id + '\0' + part;
      if (auto it = children.find(key); it != children.end()) {
        parent_id = it->second;
        start = slash + 1;
        continue;
      }
      if (part.starts_with("{")) {
        if (auto v = variable.find(parent_id); v != variable.end()) {
          problems.errors.push_back("A sibling (" + v->second + ") of resource " +
                                    path.substr(0, slash) +
                                    " already has a variable path part -- only one is allowed");
          return "";
        }
        variable[parent_id] = part;
      }
      std::string id = new_id(6, resources);
      resources[id] = json::object{
          {"id", id}, {"parentId", parent_id}, {"pathPart", part}, {"path", path.substr(0, slash)}};
      children[key] = id;
      parent_id = id;
      start = slash + 1;
    }
    return parent_id;
  }
};

}  // namespace

Result<Imported> import_rest(const json::object& doc, const std::string& root_id,
                             const std::string& api_id) {
  NIMBUS_TRY(check_version(doc));
  Imported out;
  Builder b{doc, root_id, {}, {}, {}, {}};
  b.resources[root_id] = json::object{{"id", root_id}, {"path", "/"}};

  if (const auto* info = object_at(doc, "info")) {
    if (has(*info, "title")) out.api["name"] = text_of(info->at("title"));
    if (has(*info, "description")) out.api["description"] = text_of(info->at("description"));
    if (has(*info, "version")) out.api["version"] = text_of(info->at("version"));
  }
  if (const auto* v = doc.if_contains("x-amazon-apigateway-binary-media-types");
      v != nullptr && v->is_array())
    out.api["binaryMediaTypes"] = *v;
  if (std::string source = upper(str(doc, "x-amazon-apigateway-api-key-source")); !source.empty()) {
    if (source != "HEADER" && source != "AUTHORIZER") {
      b.problems.errors.push_back("Invalid API key source " + source);
    } else {
      out.api["apiKeySource"] = source;
    }
  }
  if (auto n = integer(doc, "x-amazon-apigateway-minimum-compression-size"))
    out.api["minimumCompressionSize"] = *n;
  if (const auto* v = doc.if_contains("x-amazon-apigateway-policy"); v != nullptr && !v->is_null())
    out.api["policy"] = text_of(*v);

  const json::object& schemes = security_schemes(doc);
  auto [authorizers, authorizer_ids] = authorizers_of(
      doc, "id",
      [](const std::string& name, const json::object& scheme, const json::object& ext) {
        return rest_authorizer_of(name, scheme, ext);
      },
      check_rest_authorizer, b.problems);

  json::object models = models_of(doc, api_id, b.problems);
  Validators validators = validators_of(doc, b.problems);
  // The validator a method names (its own, else the document's), by id.
  auto validator_of = [&](const json::object& o, const std::string& where) -> std::string {
    const auto* v = o.if_contains("x-amazon-apigateway-request-validator");
    if (v == nullptr) return "";
    std::string name = v->is_string() ? std::string(v->as_string()) : "";
    if (auto it = validators.ids.find(name); it != validators.ids.end()) return it->second;
    b.problems.errors.push_back(where + "Invalid request validator name '" + name.substr(0, 256) +
                                "'");
    return "";
  };
  std::string default_validator = validator_of(doc, "");

  const auto* default_security = doc.if_contains("security");
  if (const auto* paths = object_at(doc, "paths")) {
    for (const auto& [path_key, item_value] : *paths) {
      std::string path(path_key);
      const auto* item = resolve(doc, &item_value);
      if (item == nullptr) continue;
      std::string resource_id = b.resource(path);
      if (resource_id.empty()) continue;
      for (const auto& [key, op_value] : *item) {
        std::string http_method = operation_method(key);
        const auto* op = http_method.empty() ? nullptr : resolve(doc, &op_value);
        if (op == nullptr) continue;
        std::string where =
            "Unable to put method '" + http_method + "' on resource at path '" + path + "'";
        json::object method{
            {"httpMethod", http_method}, {"authorizationType", "NONE"}, {"apiKeyRequired", false}};
        if (has(*op, "operationId")) method["operationName"] = text_of(op->at("operationId"));
        json::object params;
        add_parameters(doc, item->if_contains("parameters"), params);
        add_parameters(doc, op->if_contains("parameters"), params);
        if (!params.empty()) method["requestParameters"] = std::move(params);
        const auto* security = op->if_contains("security");
        authorize_method(security != nullptr ? security : default_security, schemes, authorizer_ids,
                         authorizers, method, b.problems.errors, where);
        std::string validator = op->contains("x-amazon-apigateway-request-validator")
                                    ? validator_of(*op, where + ": ")
                                    : default_validator;
        if (!validator.empty()) method["requestValidatorId"] = validator;
        if (auto bodies = request_models_of(doc, *item, *op, models); !bodies.empty())
          method["requestModels"] = std::move(bodies);
        if (auto responses = method_responses(doc, *op); !responses.empty())
          method["methodResponses"] = std::move(responses);
        const auto* ext = resolve(doc, op->if_contains("x-amazon-apigateway-integration"));
        if (ext != nullptr) {
          auto integration = rest_integration_of(*ext, resource_id);
          if (!integration) {
            b.problems.errors.push_back("Unable to put integration on '" + http_method +
                                        "' for resource at path '" + path +
                                        "': " + integration.error().message);
            continue;
          }
          method["methodIntegration"] = std::move(*integration);
        } else {
          out.warnings.push_back("No integration defined for method '" + http_method +
                                 "' on resource at path '" + path + "'");
        }
        auto& methods = b.resources[resource_id].as_object()["resourceMethods"];
        if (!methods.is_object()) methods = json::object();
        methods.as_object()[http_method] = std::move(method);
      }
    }
  }
  // x-amazon-apigateway-gateway-responses: the API's gateway responses by type.
  json::object gateway_responses;
  if (const auto* g = object_at(doc, "x-amazon-apigateway-gateway-responses")) {
    for (const auto& [type, v] : *g) {
      if (find_gateway_response_type(type) == nullptr || !v.is_object()) {
        b.problems.errors.push_back("Invalid gateway response type '" + std::string(type) + "'");
        continue;
      }
      json::object in = v.as_object();
      if (auto* code = in.if_contains("statusCode"); code != nullptr && code->is_number())
        *code = text_of(*code);  // YAML reads 403 as a number
      auto r = gateway_response_of(in);
      if (!r) {
        b.problems.errors.push_back("Unable to put gateway response '" + std::string(type) +
                                    "': " + r.error().message);
        continue;
      }
      gateway_responses[type] = std::move(*r);
    }
  }
  NIMBUS_TRY(b.problems.status());
  if (!gateway_responses.empty()) out.groups["gatewayResponses"] = std::move(gateway_responses);
  out.groups["resources"] = std::move(b.resources);
  out.groups["authorizers"] = std::move(authorizers);
  out.groups["requestValidators"] = std::move(validators.by_id);
  out.groups["models"] = std::move(models);
  return out;
}

Status merge_rest(json::object& resources, const json::object& imported) {
  std::map<std::string, std::string> by_path, ids;  // path -> id; imported id -> id
  std::map<std::string, std::string> variable;      // parent id -> its {variable} child's part
  for (const auto& [id, r] : resources) {
    const auto& o = r.as_object();
    by_path[str(o, "path")] = std::string(id);
    if (str(o, "pathPart").starts_with("{")) variable[str(o, "parentId")] = str(o, "pathPart");
  }
  // Imported resources come parents first.
  for (const auto& [id, r] : imported) {
    const auto& o = r.as_object();
    std::string path = str(o, "path");
    auto it = by_path.find(path);
    if (it == by_path.end()) {
      json::object added = o;
      std::string parent = ids[str(o, "parentId")];
      added["parentId"] = parent;
      if (std::string part = str(o, "pathPart"); part.starts_with("{")) {
        if (auto v = variable.find(parent); v != variable.end()) {
          return errors::bad_request("Errors found during import:\n\tA sibling (" + v->second +
                                     ") of resource " + path +
                                     " already has a variable path part -- only one is allowed");
        }
        variable[parent] = part;
      }
      resources[id] = std::move(added);
      by_path[path] = std::string(id);
      ids[std::string(id)] = std::string(id);
      continue;
    }
    ids[std::string(id)] = it->second;
    const auto* methods = o.if_contains("resourceMethods");
    if (methods == nullptr || !methods->is_object()) continue;
    auto& into = resources[it->second].as_object()["resourceMethods"];
    if (!into.is_object()) into = json::object();
    for (const auto& [m, v] : methods->as_object()) {
      json::object method = v.as_object();
      if (auto* i = method.if_contains("methodIntegration"); i != nullptr && i->is_object())
        i->as_object()["cacheNamespace"] = it->second;
      into.as_object()[m] = std::move(method);
    }
  }
  return Status::ok();
}

}  // namespace nimbus::services::apigateway::openapi
