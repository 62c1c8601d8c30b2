#include "services/apigateway/request_validation.h"

#include "common/json_fields.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/json_schema.h"
#include "services/apigateway/proxy.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

http::Response bad_request(const std::string& message) {
  auto resp = gateway_error(400, message);
  resp.set_header("x-amzn-ErrorType", "BadRequestException");
  return resp;
}

bool present(const ProxyRequest& r, std::string_view name) {
  if (name.starts_with("method.request.path.")) {
    return r.path_params.contains(std::string(name.substr(20)));
  }
  if (name.starts_with("method.request.querystring.") ||
      name.starts_with("method.request.multivaluequerystring.")) {
    std::string_view q = name.substr(name.find("querystring.") + 12);
    for (const auto& [k, v] : query_pairs(r.request->query())) {
      if (k == q) return true;
    }
    return false;
  }
  if (name.starts_with("method.request.header.")) {
    return r.request->has_header(http::to_lower(name.substr(22)));
  }
  return true;
}

// The model requestModels names for the request's Content-Type.
std::string model_for(const json::object& method, std::string_view content_type) {
  const auto* models = method.if_contains("requestModels");
  if (models == nullptr || !models->is_object()) return "";
  std::string ct = http::to_lower(content_type.substr(0, content_type.find(';')));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  if (ct.empty()) ct = "application/json";
  const auto& m = models->as_object();
  if (const auto* name = m.if_contains(ct); name != nullptr && name->is_string())
    return std::string(name->as_string());
  if (const auto* name = m.if_contains("$default"); name != nullptr && name->is_string())
    return std::string(name->as_string());
  return "";
}

}  // namespace

Validation validation_of(const json::object& doc, const json::object& method) {
  std::string id = str(method, "requestValidatorId");
  if (id.empty()) return {};
  const auto* all = doc.if_contains("requestValidators");
  if (all == nullptr || !all->is_object()) return {};
  const auto* v = all->as_object().if_contains(id);
  if (v == nullptr || !v->is_object()) return {};
  return {boolean(v->as_object(), "validateRequestParameters").value_or(false),
          boolean(v->as_object(), "validateRequestBody").value_or(false)};
}

std::optional<http::Response> validate_request(const json::object& doc, const json::object& method,
                                               const Validation& v, const ProxyRequest& r,
                                               std::string& reason) {
  if (v.parameters) {
    std::string missing;
    if (const auto* params = method.if_contains("requestParameters");
        params != nullptr && params->is_object()) {
      for (const auto& [name, required] : params->as_object()) {
        if (!required.is_bool() || !required.as_bool() || present(r, name)) continue;
        if (!missing.empty()) missing += ", ";
        missing += std::string(name.substr(name.rfind('.') + 1));
      }
    }
    if (!missing.empty()) {
      reason = "Missing required request parameters: [" + missing + "]";
      return bad_request(reason);
    }
  }
  if (!v.body) return std::nullopt;
  std::string name = model_for(method, r.request->header("content-type"));
  if (name.empty()) return std::nullopt;
  const auto* models = doc.if_contains("models");
  const auto* model =
      models != nullptr && models->is_object() ? models->as_object().if_contains(name) : nullptr;
  if (model == nullptr || !model->is_object() || !has(model->as_object(), "schema"))
    return std::nullopt;
  auto schema = JsonSchema::parse(str(model->as_object(), "schema"));
  if (!schema) return std::nullopt;  // refused when stored: not reached
  boost::system::error_code ec;
  json::value body = json::parse(r.request->body, ec);
  if (ec) {
    reason = "Request body does not match model schema for content type: invalid JSON";
    return bad_request("Invalid request body");
  }
  if (auto e = schema->validate(body)) {
    reason = "Request body does not match model schema for content type: [" + *e + "]";
    return bad_request("Invalid request body");
  }
  return std::nullopt;
}

}  // namespace nimbus::services::apigateway
