#include "services/apigateway/request_validation.h"

#include "common/json_fields.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/models.h"
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
                                               Rejection& why) {
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
      why.log = why.detail = "Missing required request parameters: [" + missing + "]";
      return bad_request(why.log);
    }
  }
  if (!v.body) return std::nullopt;
  std::string name = model_for(method, r.request->header("content-type"));
  if (name.empty()) return std::nullopt;
  const auto* models = doc.if_contains("models");
  if (models == nullptr || !models->is_object()) return std::nullopt;
  // A model without a schema checks nothing; a schema that does not parse
  // was refused when stored.
  auto schema = model_schema(models->as_object(), name);
  if (!schema) return std::nullopt;
  std::string type(r.request->header("content-type"));
  auto refuse = [&](const std::string& detail) {
    why.log = "Request body does not match model schema for content type " +
              (type.empty() ? std::string("application/json") : type) + ": [" + detail + "]";
    // AWS's string is escaped to sit inside a JSON string of a template.
    std::string quoted = json::serialize(json::string("[" + detail + "]"));
    why.detail = quoted.substr(1, quoted.size() - 2);
    return bad_request("Invalid request body");
  };
  boost::system::error_code ec;
  json::value body = json::parse(r.request->body, ec);
  if (ec) return refuse("invalid JSON: " + ec.message());
  if (auto e = schema->validate(body)) return refuse(*e);
  return std::nullopt;
}

}  // namespace nimbus::services::apigateway
