// OpenAPI import and export handlers of both gateways (the import itself is
// openapi.h, the export openapi_export.h): ImportRestApi / PutRestApi /
// GetExport and ImportApi / ReimportApi / ExportApi. An
// import is one update of the API's document, so a document with errors
// changes nothing.
#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/checks.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/models.h"
#include "services/apigateway/openapi.h"
#include "services/apigateway/openapi_export.h"
#include "services/apigateway/rest_util.h"
#include "services/apigateway/tags.h"
#include "services/apigateway/yaml_text.h"

namespace nimbus::services::apigateway {

namespace {

// failonwarnings: warnings fail the import as errors would.
Status check_warnings(const json::object& in, const char* flag, const openapi::Imported& imported) {
  if (!boolean(in, flag).value_or(false) || imported.warnings.empty()) return Status::ok();
  std::string message = "Warnings found during import:";
  for (const auto& w : imported.warnings) message += "\n\t" + w;
  return errors::bad_request(std::move(message));
}

json::array warnings_of(const openapi::Imported& imported) {
  json::array out;
  for (const auto& w : imported.warnings) out.emplace_back(w);
  return out;
}

Result<json::object> document_of(const json::object& in, const char* member) {
  const auto* body = in.if_contains(member);
  if (body == nullptr || !body->is_string() || body->as_string().empty()) {
    return errors::bad_request("Invalid OpenAPI input.");
  }
  return openapi::parse(body->as_string());
}

// The document's models and request validators into the API's: overwrite
// replaces them (the default Empty and Error models stay unless the document
// has its own), merge joins them (models by name, validators added).
void take_models(json::object& api_doc, json::object& groups, bool overwrite) {
  for (const char* group : {"models", "requestValidators"}) {
    auto& into = api_doc[group];
    if (!into.is_object()) into = json::object();
    if (overwrite) into = std::string_view(group) == "models" ? default_models() : json::object();
    if (auto* g = groups.if_contains(group); g != nullptr && g->is_object()) {
      for (auto& [k, v] : g->as_object()) into.as_object()[k] = std::move(v);
    }
    groups.erase(group);
  }
}

}  // namespace

// --- REST APIs --------------------------------------------------------------

void RestApiService::import_rest_api(const CallContext&, json::object in, Respond respond) {
  auto doc = document_of(in, "body");
  if (!doc) return respond(doc.take_error());
  std::string id = new_id(10), root = new_id(10);
  auto imported = openapi::import_rest(*doc, root, id);
  if (!imported) return respond(imported.take_error());
  if (auto st = check_warnings(in, "failOnWarnings", *imported); !st)
    return respond(st.take_error());
  json::object api = new_rest_api(id, root, env_.clock.now_seconds());
  for (const auto& [k, v] : imported->api) api[k] = v;
  if (auto st = save_policy(api); !st) return respond(st.take_error());
  if (std::string types = string_map(in, "parameters")["endpointConfigurationTypes"];
      !types.empty()) {
    api["endpointConfiguration"] = json::object{{"types", json::array{json::string(types)}}};
  }
  json::object doc_out{{"api", api}};
  take_models(doc_out, imported->groups, true);
  for (auto& [k, v] : imported->groups) doc_out[k] = std::move(v);
  // The warnings are the answer's, not the API's.
  if (!imported->warnings.empty()) api["warnings"] = warnings_of(*imported);
  store_.create(id, std::move(doc_out), [api, respond = std::move(respond)](Result<ApiPtr> r) {
    if (!r) return respond(r.take_error());
    respond(shown_rest_api(api));
  });
}

void RestApiService::put_rest_api(const CallContext&, json::object in, Respond respond) {
  auto doc = document_of(in, "body");
  if (!doc) return respond(doc.take_error());
  std::string mode = has(in, "mode") ? str(in, "mode") : "merge";
  if (mode != "merge" && mode != "overwrite") {
    return respond(errors::bad_request("Invalid mode specified: " + mode +
                                       ". Must be one of [merge, overwrite]"));
  }
  auto parsed = std::make_shared<json::object>(std::move(*doc));
  change(
      in,
      [this, in, parsed, mode](json::object& api_doc, json::object& out) {
        auto& api = api_doc["api"].as_object();
        auto imported = openapi::import_rest(*parsed, str(api, "rootResourceId"), str(api, "id"));
        if (!imported) return Status(imported.take_error());
        if (auto st = check_warnings(in, "failOnWarnings", *imported); !st) return st;
        for (const auto& [k, v] : imported->api) api[k] = v;
        if (auto st = save_policy(api); !st) return st;
        take_models(api_doc, imported->groups, mode == "overwrite");
        auto& resources = imported->groups["resources"].as_object();
        auto& authorizers = imported->groups["authorizers"].as_object();
        // Gateway responses: the document's replace (overwrite) or join
        // (merge, by type) the API's.
        auto& responses = api_doc["gatewayResponses"];
        if (!responses.is_object() || mode == "overwrite") responses = json::object();
        if (auto* g = imported->groups.if_contains("gatewayResponses"); g != nullptr) {
          for (auto& [k, v] : g->as_object()) responses.as_object()[k] = std::move(v);
        }
        if (mode == "overwrite") {
          api_doc["resources"] = std::move(resources);
          api_doc["authorizers"] = std::move(authorizers);
        } else {
          if (auto st = openapi::merge_rest(api_doc["resources"].as_object(), resources); !st)
            return st;
          auto& all = api_doc["authorizers"];
          if (!all.is_object()) all = json::object();
          for (auto& [k, v] : authorizers) all.as_object()[k] = std::move(v);
        }
        out = shown_rest_api(api);
        if (!imported->warnings.empty()) out["warnings"] = warnings_of(*imported);
        return Status::ok();
      },
      std::move(respond));
}

// The stage's deployment as a document: JSON, or block YAML when `accepts`
// asks for it (after a `---` document marker, as AWS's REST exports start).
Output RestApiService::get_export(const CallContext& ctx, const json::object& in) const {
  std::string id = str(in, "restApiId");
  auto api = store_.find(id);
  if (!api) return rest_api_not_found(ctx, id);
  std::string type = str(in, "exportType");
  if (type != "oas30" && type != "swagger")
    return errors::bad_request("Invalid export type specified: " + type.substr(0, 64));
  const auto* stages = api->doc.if_contains("stages");
  const auto* stage = stages != nullptr && stages->is_object()
                          ? stages->as_object().if_contains(str(in, "stageName"))
                          : nullptr;
  if (stage == nullptr || !stage->is_object())
    return errors::not_found("Invalid stage identifier specified");
  const auto* deps = api->doc.if_contains("deployments");
  const auto* dep = deps != nullptr && deps->is_object()
                        ? deps->as_object().if_contains(str(stage->as_object(), "deploymentId"))
                        : nullptr;
  if (dep == nullptr || !dep->is_object())
    return errors::not_found("Invalid stage identifier specified");
  ExportRequest r;
  r.oas30 = type == "oas30";
  r.stage = str(in, "stageName");
  std::string endpoint = api_endpoint(ctx.endpoint_url, id);
  r.host = endpoint.substr(endpoint.find("://") + 3);
  std::string extensions = string_map(in, "parameters")["extensions"];
  for (size_t start = 0; start <= extensions.size();) {
    size_t comma = std::min(extensions.find(',', start), extensions.size());
    std::string one = extensions.substr(start, comma - start);
    if (one == "integrations") r.integrations = true;
    if (one == "apigateway") r.apigateway = true;
    start = comma + 1;
  }
  bool yaml = str(in, "accepts").find("yaml") != std::string::npos;
  json::object exported = export_rest(api->doc, dep->as_object(), r);
  std::string body = yaml ? "---\n" + to_yaml(exported) : json::serialize(exported);
  return json::object{{"contentType", yaml ? "application/yaml" : "application/json"},
                      {"contentDisposition", "attachment; filename=\"" + type + "_" + r.stage +
                                                 (yaml ? ".yaml" : ".json") + "\""},
                      {"body", std::move(body)}};
}

// --- HTTP APIs --------------------------------------------------------------

void HttpApiService::import_api(const CallContext& ctx, json::object in, Respond respond) {
  auto doc = document_of(in, "Body");
  if (!doc) return respond(doc.take_error());
  auto imported = openapi::import_http(*doc);
  if (!imported) return respond(imported.take_error());
  if (auto st = check_warnings(in, "FailOnWarnings", *imported); !st)
    return respond(st.take_error());
  // The document's tags are tags like CreateApi's.
  if (auto st = check_new_tags(imported->api, "Tags", takes_aws_tags(ctx)); !st)
    return respond(st.take_error());
  std::string id = new_id(10);
  json::object api = new_http_api(ctx.endpoint_url, id, env_.clock.now_seconds());
  for (const auto& [k, v] : imported->api) api[k] = v;
  json::object doc_out{{"api", api}};
  for (auto& [k, v] : imported->groups) doc_out[k] = std::move(v);
  if (!imported->warnings.empty()) api["Warnings"] = warnings_of(*imported);
  store_.create(id, std::move(doc_out), [api, respond = std::move(respond)](Result<ApiPtr> r) {
    if (!r) return respond(r.take_error());
    respond(api);
  });
}

// The API's routes, integrations and authorizers become the document's;
// its stages and deployments stay (an auto-deploying stage serves the new
// routes at once).
void HttpApiService::reimport_api(const CallContext& ctx, json::object in, Respond respond) {
  auto doc = document_of(in, "Body");
  if (!doc) return respond(doc.take_error());
  auto imported = openapi::import_http(*doc);
  if (!imported) return respond(imported.take_error());
  if (auto st = check_warnings(in, "FailOnWarnings", *imported); !st)
    return respond(st.take_error());
  bool aws_ok = takes_aws_tags(ctx);
  auto shared = std::make_shared<openapi::Imported>(std::move(*imported));
  change(
      in,
      [shared, aws_ok](json::object& api_doc, json::object& out) -> Status {
        auto& api = api_doc["api"].as_object();
        // The document's tags are added to the API's (as TagResource):
        // those it does not name, a stack's among them, stay.
        if (const auto* tags = shared->api.if_contains("Tags")) {
          if (auto st = add_tags(api, "Tags", tags, aws_ok); !st) return st;
        }
        api.erase("CorsConfiguration");
        for (const auto& [k, v] : shared->api) {
          if (k != "Tags") api[k] = v;
        }
        for (auto& [k, v] : shared->groups) api_doc[k] = std::move(v);
        out = api;
        if (!shared->warnings.empty()) out["Warnings"] = warnings_of(*shared);
        return Status::ok();
      },
      std::move(respond));
}

// The API's latest configuration, or a stage's (an auto-deploying stage
// serves the latest; another its deployment's snapshot), as OpenAPI 3.0 in
// JSON or YAML.
Output HttpApiService::export_api(const CallContext&, const json::object& in) const {
  std::string id = str(in, "ApiId");
  auto api = store_.find(id);
  if (!api) return errors::not_found("Invalid API identifier specified");
  std::string spec = str(in, "Specification"), output = str(in, "OutputType");
  if (spec != "OAS30") return errors::bad_request("Invalid specification: " + spec.substr(0, 64));
  if (output != "JSON" && output != "YAML")
    return errors::bad_request("Invalid output type: " + output.substr(0, 64));
  if (has(in, "ExportVersion") && str(in, "ExportVersion") != "1.0")
    return errors::bad_request("Invalid export version: " + str(in, "ExportVersion").substr(0, 64));
  const json::object& doc = api->doc;
  const json::object* holder = &doc;
  HttpExportRequest r;
  r.extensions = boolean(in, "IncludeExtensions").value_or(true);
  r.server_url = str(doc.at("api").as_object(), "ApiEndpoint");
  if (has(in, "StageName")) {
    r.stage = str(in, "StageName");
    const auto* stages = doc.if_contains("stages");
    const auto* stage = stages != nullptr && stages->is_object()
                            ? stages->as_object().if_contains(r.stage)
                            : nullptr;
    if (stage == nullptr || !stage->is_object())
      return errors::not_found("Invalid Stage identifier specified " + r.stage.substr(0, 128));
    if (!boolean(stage->as_object(), "AutoDeploy").value_or(false)) {
      static const json::object kNothing;
      holder = &kNothing;
      const auto* deps = doc.if_contains("deployments");
      const auto* dep = deps != nullptr && deps->is_object()
                            ? deps->as_object().if_contains(str(stage->as_object(), "DeploymentId"))
                            : nullptr;
      const auto* snap =
          dep != nullptr && dep->is_object() ? dep->as_object().if_contains("Snapshot") : nullptr;
      if (snap != nullptr && snap->is_object()) holder = &snap->as_object();
    }
  }
  auto group_of = [](const json::object& o, std::string_view name) {
    const auto* g = o.if_contains(name);
    return g != nullptr && g->is_object() ? g->as_object() : json::object();
  };
  json::object exported =
      export_http(doc, group_of(*holder, "routes"), group_of(*holder, "integrations"), r);
  return json::object{{"body", output == "YAML" ? to_yaml(exported) : json::serialize(exported)}};
}

}  // namespace nimbus::services::apigateway
