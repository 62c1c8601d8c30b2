// apigateway control handlers: request validators and models. Both live
// in the API's document ("requestValidators" by id, "models" by name), so
// a change is one update of it; the data plane reads them live
// (request_validation.h).
#include <regex>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/json_schema.h"
#include "services/apigateway/model_template.h"
#include "services/apigateway/rest_util.h"

namespace nimbus::services::apigateway {

namespace {

json::object& group_of(json::object& doc, const char* name) {
  auto& g = doc[name];
  if (!g.is_object()) g = json::object();
  return g.as_object();
}

const json::object* find_in(const json::object& doc, const char* group, const std::string& key) {
  const auto* g = doc.if_contains(group);
  if (g == nullptr || !g->is_object()) return nullptr;
  const auto* v = g->as_object().if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

// A model's schema must be a JSON schema nimbus can check (json_schema.h).
Status check_schema(const json::object& model) {
  if (!has(model, "schema")) return Status::ok();
  auto schema = JsonSchema::parse(str(model, "schema"));
  if (!schema) {
    return errors::bad_request(
        "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model "
        "schema specified. " +
        schema.error().message + "]");
  }
  return Status::ok();
}

Status patch_error(const std::string& verb, const std::string& path) {
  return errors::bad_request("Invalid patch path '" + path + "' specified for op '" + verb + "'");
}

}  // namespace

void RestApiService::create_request_validator(const CallContext&, json::object in,
                                              Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        std::string id = new_id(6);
        json::object v{{"id", id},
                       {"validateRequestBody", boolean(in, "validateRequestBody").value_or(false)},
                       {"validateRequestParameters",
                        boolean(in, "validateRequestParameters").value_or(false)}};
        if (has(in, "name")) v["name"] = in.at("name");
        group_of(doc, "requestValidators")[id] = v;
        out = std::move(v);
        return Status::ok();
      },
      std::move(respond));
}

Output RestApiService::get_request_validator(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* v = find_in(api->doc, "requestValidators", str(in, "requestValidatorId"));
  if (v == nullptr) return errors::not_found("Invalid Request Validator identifier specified");
  return *v;
}

Output RestApiService::get_request_validators(const CallContext& ctx,
                                              const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* all = api->doc.if_contains("requestValidators");
  return rest_page(all != nullptr ? all->as_object() : json::object(), in);
}

void RestApiService::update_request_validator(const CallContext&, json::object in,
                                              Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        auto* v = group_of(doc, "requestValidators").if_contains(str(in, "requestValidatorId"));
        if (v == nullptr) {
          return Status(errors::not_found("Invalid Request Validator identifier specified"));
        }
        json::object copy = v->as_object();
        if (const auto* ops = in.if_contains("patchOperations");
            ops != nullptr && ops->is_array()) {
          for (const auto& op_v : ops->as_array()) {
            if (!op_v.is_object()) continue;
            const auto& op = op_v.as_object();
            std::string verb = str(op, "op"), path = str(op, "path"), value = str(op, "value");
            if (verb != "replace") return patch_error(verb, path);
            if (path == "/name") {
              copy["name"] = value;
            } else if (path == "/validateRequestBody" || path == "/validateRequestParameters") {
              if (value != "true" && value != "false") {
                return Status(errors::bad_request("Invalid value '" + value + "' for patch path '" +
                                                  path + "'"));
              }
              copy[path.substr(1)] = value == "true";
            } else {
              return patch_error(verb, path);
            }
          }
        }
        *v = copy;
        out = std::move(copy);
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::delete_request_validator(const CallContext&, json::object in,
                                              Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        if (group_of(doc, "requestValidators").erase(str(in, "requestValidatorId")) == 0) {
          return Status(errors::not_found("Invalid Request Validator identifier specified"));
        }
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::create_model(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        std::string name = str(in, "name");
        static const std::regex kName("[A-Za-z0-9]+");
        if (!std::regex_match(name, kName)) {
          return Status(errors::bad_request(
              "Invalid model name specified: Model names must be alphanumeric."));
        }
        if (str(in, "contentType").empty()) {
          return Status(errors::bad_request("Invalid model specified: contentType is required"));
        }
        auto& models = group_of(doc, "models");
        if (models.contains(name)) {
          return Status(errors::conflict("Model name already exists for this REST API"));
        }
        json::object m{{"id", new_id(6)}, {"name", name}, {"contentType", in.at("contentType")}};
        for (const char* k : {"description", "schema"}) {
          if (has(in, k)) m[k] = in.at(k);
        }
        if (auto st = check_schema(m); !st) return st;
        models[name] = m;
        out = std::move(m);
        return Status::ok();
      },
      std::move(respond));
}

Output RestApiService::get_model(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* m = find_in(api->doc, "models", str(in, "modelName"));
  if (m == nullptr)
    return errors::not_found("Invalid model name specified: " + str(in, "modelName"));
  return *m;
}

// A mapping template rebuilding the model from the body (model_template.h).
Output RestApiService::get_model_template(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  auto schema_of = [&](const std::string& name) -> json::value {
    const auto* m = find_in(api->doc, "models", name);
    if (m == nullptr) return nullptr;
    boost::system::error_code ec;
    json::value v = json::parse(str(*m, "schema"), ec);
    return ec ? json::value() : v;
  };
  std::string name = str(in, "modelName");
  if (find_in(api->doc, "models", name) == nullptr)
    return errors::not_found("Invalid model name specified: " + name);
  return json::object{{"value", model_template(schema_of(name), schema_of)}};
}

Output RestApiService::get_models(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* all = api->doc.if_contains("models");
  return rest_page(all != nullptr ? all->as_object() : json::object(), in);
}

void RestApiService::update_model(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        auto* m = group_of(doc, "models").if_contains(str(in, "modelName"));
        if (m == nullptr) {
          return Status(errors::not_found("Invalid model name specified: " + str(in, "modelName")));
        }
        json::object copy = m->as_object();
        if (const auto* ops = in.if_contains("patchOperations");
            ops != nullptr && ops->is_array()) {
          for (const auto& op_v : ops->as_array()) {
            if (!op_v.is_object()) continue;
            const auto& op = op_v.as_object();
            std::string verb = str(op, "op"), path = str(op, "path");
            if (verb != "replace" || (path != "/schema" && path != "/description")) {
              return patch_error(verb, path);
            }
            copy[path.substr(1)] = str(op, "value");
          }
        }
        if (auto st = check_schema(copy); !st) return st;
        *m = copy;
        out = std::move(copy);
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::delete_model(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        std::string name = str(in, "modelName");
        auto& models = group_of(doc, "models");
        if (!models.contains(name)) {
          return Status(errors::not_found("Invalid model name specified: " + name));
        }
        for (const auto& [rid, r] : doc["resources"].as_object()) {
          const auto* ms = r.as_object().if_contains("resourceMethods");
          if (ms == nullptr || !ms->is_object()) continue;
          for (const auto& [verb, m] : ms->as_object()) {
            const auto* rm = m.as_object().if_contains("requestModels");
            if (rm == nullptr || !rm->is_object()) continue;
            for (const auto& [type, model] : rm->as_object()) {
              if (!model.is_string() || model.as_string() != name) continue;
              return Status(errors::conflict("Cannot delete model '" + name +
                                             "', is referenced in method request: " +
                                             str(r.as_object(), "path") + "/" + std::string(verb)));
            }
          }
        }
        models.erase(name);
        return Status::ok();
      },
      std::move(respond));
}

}  // namespace nimbus::services::apigateway
