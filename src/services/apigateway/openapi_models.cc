// OpenAPI import of REST APIs' models and request validators: Swagger's
// `definitions` / OpenAPI 3's `components.schemas` as models,
// `x-amazon-apigateway-request-validators` as validators, and what a
// method takes from them (openapi_util.h).
#include <regex>

#include "common/json_fields.h"
#include "services/apigateway/json_schema.h"
#include "services/apigateway/models.h"
#include "services/apigateway/openapi_util.h"
#include "services/apigateway/store.h"

namespace nimbus::services::apigateway::openapi {

namespace {

constexpr std::string_view kDefinitions = "#/definitions/";
constexpr std::string_view kSchemas = "#/components/schemas/";

// The model a local reference names ("#/definitions/Pet" -> "Pet"), or "".
std::string model_of_ref(std::string_view ref) {
  for (auto prefix : {kDefinitions, kSchemas}) {
    if (ref.starts_with(prefix)) return std::string(ref.substr(prefix.size()));
  }
  return "";
}

// References to the document's schemas become model URLs of `api_id`.
void link(json::value& v, const std::string& api_id) {
  rewrite_refs(v, [&](std::string_view ref) {
    std::string name = model_of_ref(ref);
    return name.empty() ? name : model_url(api_id, name);
  });
}

// The model a body schema names by reference, when it is one of `models`.
std::string named_model(const json::value* schema, const json::object& models) {
  if (schema == nullptr || !schema->is_object()) return "";
  std::string name = model_of_ref(str(schema->as_object(), "$ref"));
  return models.contains(name) ? name : "";
}

}  // namespace

json::object models_of(const json::object& doc, const std::string& api_id, Problems& problems) {
  static const std::regex kName("[A-Za-z0-9]+");
  json::object out;
  for (const auto& [key, schema] : part_of(doc, "definitions", "schemas")) {
    std::string name(key);
    std::string where = "Unable to create model for '" + name.substr(0, 256) + "': ";
    if (!std::regex_match(name, kName)) {
      problems.errors.push_back(where + "Model names must be alphanumeric.");
      continue;
    }
    if (!schema.is_object()) {
      problems.errors.push_back(where + "the schema is not an object");
      continue;
    }
    json::value linked = schema;
    link(linked, api_id);
    std::string text = json::serialize(linked);
    if (auto parsed = JsonSchema::parse(text); !parsed) {
      problems.errors.push_back(where + "Invalid model schema specified. " +
                                parsed.error().message);
      continue;
    }
    json::object model{{"id", new_id(6)},
                       {"name", name},
                       {"contentType", "application/json"},
                       {"schema", std::move(text)}};
    if (const auto* d = schema.as_object().if_contains("description");
        d != nullptr && d->is_string())
      model["description"] = *d;
    out[name] = std::move(model);
  }
  return out;
}

Validators validators_of(const json::object& doc, Problems& problems) {
  Validators out;
  const auto* all = object_at(doc, "x-amazon-apigateway-request-validators");
  if (all == nullptr) return out;
  for (const auto& [name, v] : *all) {
    if (!v.is_object()) {
      problems.errors.push_back("Invalid request validator '" + std::string(name) + "'");
      continue;
    }
    std::string id = new_id(6, out.by_id);
    out.by_id[id] = json::object{
        {"id", id},
        {"name", name},
        {"validateRequestBody", boolean(v.as_object(), "validateRequestBody").value_or(false)},
        {"validateRequestParameters",
         boolean(v.as_object(), "validateRequestParameters").value_or(false)}};
    out.ids[std::string(name)] = id;
  }
  return out;
}

json::object request_models_of(const json::object& doc, const json::object& item,
                               const json::object& op, const json::object& models) {
  json::object out;
  // OpenAPI 3: requestBody.content, by media type.
  if (const auto* body = resolve(doc, op.if_contains("requestBody"))) {
    if (const auto* content = object_at(*body, "content")) {
      for (const auto& [type, media] : *content) {
        if (!media.is_object()) continue;
        std::string name = named_model(media.as_object().if_contains("schema"), models);
        if (!name.empty()) out[type] = name;
      }
    }
    return out;
  }
  // Swagger 2: the `in: body` parameter, for each type the operation consumes.
  std::string name;
  for (const auto* params : {item.if_contains("parameters"), op.if_contains("parameters")}) {
    if (params == nullptr || !params->is_array()) continue;
    for (const auto& p : params->as_array()) {
      const auto* param = resolve(doc, &p);
      if (param == nullptr || str(*param, "in") != "body") continue;
      name = named_model(param->if_contains("schema"), models);
    }
  }
  if (name.empty()) return out;
  const auto* consumes = op.if_contains("consumes");
  if (consumes == nullptr || !consumes->is_array()) consumes = doc.if_contains("consumes");
  bool any = false;
  if (consumes != nullptr && consumes->is_array()) {
    for (const auto& type : consumes->as_array()) {
      if (!type.is_string()) continue;
      out[type.as_string()] = name;
      any = true;
    }
  }
  if (!any) out["application/json"] = name;
  return out;
}

}  // namespace nimbus::services::apigateway::openapi
