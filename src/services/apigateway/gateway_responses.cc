#include "services/apigateway/gateway_responses.h"

#include <regex>

#include "common/json_fields.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/http_integration.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

// Not a valid header name (':' is no token character): the response
// writer drops it, so the mark cannot reach a client.
constexpr std::string_view kMark = ":gateway-error";

constexpr std::string_view kDefaultTemplate = R"({"message":$context.error.messageString})";

const json::object* object_in(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  const auto* v = o->if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

bool valid_status(std::string_view s) {
  return s.size() == 3 && s[0] >= '1' && s[0] <= '5' && std::isdigit(s[1]) != 0 &&
         std::isdigit(s[2]) != 0;
}

// gatewayresponse.header.N = 'literal' | method.request.{header,querystring,
// path,multivalueheader,multivaluequerystring}.N | context.N | stageVariables.N
Status check_parameter(const std::string& name, const json::value& value) {
  static const std::regex kName(R"(gatewayresponse\.(header|querystring|path)\.[^.\s]+)");
  static const std::regex kValue(
      R"('[^']*'|method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.[^\s]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_.]+)");
  if (!std::regex_match(name, kName)) {
    return errors::bad_request("Invalid parameter name specified: " + name);
  }
  if (!value.is_string() || !std::regex_match(std::string(value.get_string()), kValue)) {
    return errors::bad_request(
        "Invalid mapping expression specified: Validation Result: warnings "
        ": [], errors : [Invalid mapping expression specified: " +
        (value.is_string() ? std::string(value.get_string()) : "") + "]");
  }
  return Status::ok();
}

Status check(const json::object& r) {
  if (const auto* s = r.if_contains("statusCode"); s != nullptr) {
    if (!s->is_string() || !valid_status(s->get_string())) {
      return errors::bad_request("Invalid StatusCode specified");
    }
  }
  if (const auto* p = object_in(&r, "responseParameters")) {
    for (const auto& [n, v] : *p) NIMBUS_TRY(check_parameter(std::string(n), v));
  }
  return Status::ok();
}

// Patch paths write `/` as `~1` and `~` as `~0`.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && i + 1 < s.size() && (s[i + 1] == '1' || s[i + 1] == '0')) {
      out.push_back(s[i + 1] == '1' ? '/' : '~');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string type_of(const http::Response& r) {
  std::string_view kind = r.header("x-amzn-ErrorType");
  std::string_view body = r.body;
  switch (r.status) {
    case 400:
      if (body.find("Missing required request parameters") != std::string_view::npos)
        return "BAD_REQUEST_PARAMETERS";
      if (body.find("Invalid request body") != std::string_view::npos) return "BAD_REQUEST_BODY";
      return "DEFAULT_4XX";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      if (kind == "AccessDeniedException") return "ACCESS_DENIED";
      if (kind == "ForbiddenException") return "INVALID_API_KEY";
      if (kind == "InvalidSignatureException") return "INVALID_SIGNATURE";
      if (kind == "ExpiredTokenException") return "EXPIRED_TOKEN";
      if (kind == "MissingAuthenticationTokenException" ||
          body.find("Missing Authentication Token") != std::string_view::npos)
        return "MISSING_AUTHENTICATION_TOKEN";
      return "DEFAULT_4XX";
    case 404:
      return "RESOURCE_NOT_FOUND";
    case 413:
      return "REQUEST_TOO_LARGE";
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE";
    case 429:
      return body.find("Limit Exceeded") != std::string_view::npos ? "QUOTA_EXCEEDED" : "THROTTLED";
    case 500:
      if (kind == "AuthorizerConfigurationException") return "AUTHORIZER_CONFIGURATION_ERROR";
      return "DEFAULT_5XX";
    case 504:
      return "INTEGRATION_TIMEOUT";
    default:
      return r.status < 500 ? "DEFAULT_4XX" : "DEFAULT_5XX";
  }
}

// The template of `templates` for the request's Accept type, else
// application/json, else the first; null when there is none.
const json::value* pick_template(const json::object* templates, const ProxyRequest& p,
                                 std::string& type) {
  if (templates == nullptr || templates->empty()) return nullptr;
  std::string accept = http::to_lower(p.request != nullptr ? p.request->header("accept") : "");
  accept = accept.substr(0, accept.find_first_of(",;"));
  for (const std::string& want : {accept, std::string("application/json")}) {
    if (const auto* t = templates->if_contains(want); !want.empty() && t != nullptr) {
      type = want;
      return t;
    }
  }
  type = templates->begin()->key();
  return &templates->begin()->value();
}

}  // namespace

const std::vector<GatewayResponseType>& gateway_response_types() {
  static const std::vector<GatewayResponseType> kTypes = {
      {"DEFAULT_4XX", ""},
      {"DEFAULT_5XX", ""},
      {"RESOURCE_NOT_FOUND", "404"},
      {"UNAUTHORIZED", "401"},
      {"INVALID_API_KEY", "403"},
      {"ACCESS_DENIED", "403"},
      {"AUTHORIZER_FAILURE", "500"},
      {"AUTHORIZER_CONFIGURATION_ERROR", "500"},
      {"INVALID_SIGNATURE", "403"},
      {"EXPIRED_TOKEN", "403"},
      {"MISSING_AUTHENTICATION_TOKEN", "403"},
      {"INTEGRATION_FAILURE", "504"},
      {"INTEGRATION_TIMEOUT", "504"},
      {"API_CONFIGURATION_ERROR", "500"},
      {"UNSUPPORTED_MEDIA_TYPE", "415"},
      {"BAD_REQUEST_PARAMETERS", "400"},
      {"BAD_REQUEST_BODY", "400"},
      {"REQUEST_TOO_LARGE", "413"},
      {"THROTTLED", "429"},
      {"QUOTA_EXCEEDED", "429"},
      {"WAF_FILTERED", "403"},
  };
  return kTypes;
}

const GatewayResponseType* find_gateway_response_type(std::string_view name) {
  for (const auto& t : gateway_response_types()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

json::object gateway_response_view(const GatewayResponseType& type, const json::object* stored) {
  json::object out;
  out["responseType"] = type.name;
  if (stored != nullptr) {
    for (const char* k : {"statusCode", "responseParameters", "responseTemplates"}) {
      if (const auto* v = stored->if_contains(k)) out[k] = *v;
    }
    if (!out.contains("statusCode") && !type.status.empty()) out["statusCode"] = type.status;
    out["defaultResponse"] = false;
    return out;
  }
  if (!type.status.empty()) out["statusCode"] = type.status;
  out["responseParameters"] = json::object();
  out["responseTemplates"] = json::object{{"application/json", kDefaultTemplate}};
  out["defaultResponse"] = true;
  return out;
}

Result<json::object> gateway_response_of(const json::object& in) {
  json::object r;
  for (const char* k : {"statusCode", "responseParameters", "responseTemplates"}) {
    if (const auto* v = in.if_contains(k); v != nullptr && !v->is_null()) r[k] = *v;
  }
  NIMBUS_TRY(check(r));
  return r;
}

Status patch_gateway_response(json::object& response, const json::value* ops) {
  if (ops == nullptr || !ops->is_array()) return Status::ok();
  json::object copy = response;
  for (const auto& op_v : ops->as_array()) {
    if (!op_v.is_object()) continue;
    const auto& op = op_v.as_object();
    std::string verb = str(op, "op"), path = str(op, "path"), value = str(op, "value");
    auto invalid = [&] {
      return Status(
          errors::bad_request("Invalid patch path '" + path + "' specified for op '" + verb + "'"));
    };
    if (path == "/statusCode") {
      if (verb == "remove") {
        copy.erase("statusCode");
        continue;
      }
      if (verb != "replace" && verb != "add") return invalid();
      copy["statusCode"] = value;
      continue;
    }
    std::string_view group;
    for (std::string_view g : {"responseParameters", "responseTemplates"}) {
      if (path.starts_with("/" + std::string(g) + "/")) group = g;
    }
    if (group.empty()) return invalid();
    std::string key = unescape(std::string_view(path).substr(group.size() + 2));
    if (key.empty()) return invalid();
    auto& members = copy[group];
    if (!members.is_object()) members = json::object();
    if (verb == "remove") {
      members.as_object().erase(key);
    } else if (verb == "add" || verb == "replace") {
      members.as_object()[key] = value;
    } else {
      return invalid();
    }
  }
  NIMBUS_TRY(check(copy));
  response = std::move(copy);
  return Status::ok();
}

void mark_gateway_error(http::Response& resp, std::string_view type) {
  resp.set_header(std::string(kMark), std::string(type));
}

std::optional<std::string> take_gateway_error(http::Response& resp) {
  for (auto it = resp.headers.begin(); it != resp.headers.end(); ++it) {
    if (it->first != kMark) continue;
    std::string type = it->second.empty() ? type_of(resp) : it->second;
    resp.headers.erase(it);
    return type;
  }
  return std::nullopt;
}

http::Response apply_gateway_response(const json::object* responses, const Mappings& mappings,
                                      const std::string& type, http::Response error,
                                      const ProxyRequest& p) {
  const json::object* own = type.starts_with("DEFAULT_") ? nullptr : object_in(responses, type);
  const json::object* fallback =
      object_in(responses, error.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX");
  const json::object* chosen = own != nullptr ? own : fallback;
  if (chosen == nullptr) return error;
  // Its status; else DEFAULT_4XX/5XX's (which changes every type of its
  // class); else the error's own.
  std::string status = str(*chosen, "statusCode");
  if (status.empty() && fallback != nullptr) status = str(*fallback, "statusCode");
  if (valid_status(status)) error.status = std::atoi(status.c_str());
  // $context.error: the message of the error's body.
  json::value message = nullptr;
  if (auto body = parse_object(error.body)) {
    if (const auto* m = body->if_contains("message")) message = *m;
    if (const auto* m = body->if_contains("Message"); m != nullptr && message.is_null()) {
      message = *m;
    }
  }
  json::object err{{"message", message.is_string() ? message : json::value("")},
                   {"messageString", json::serialize(message)},
                   {"responseType", type},
                   {"validationErrorString", p.validation_error}};
  json::object context = mapping_context(p);
  context["error"] = err;
  if (const auto* params = object_in(chosen, "responseParameters")) {
    constexpr std::string_view kHeader = "gatewayresponse.header.";
    for (const auto& [name, v] : *params) {
      if (!std::string_view(name).starts_with(kHeader) || !v.is_string()) continue;
      if (auto value = rest_value(v.get_string(), p, &context)) {
        error.set_header(std::string(std::string_view(name).substr(kHeader.size())), *value);
      }
    }
  }
  std::string content_type;
  const json::value* text = pick_template(object_in(chosen, "responseTemplates"), p, content_type);
  if (text != nullptr && text->is_string()) {
    auto rendered = render_gateway_template(mappings, *text, p, err);
    if (rendered) {
      error.body = std::move(*rendered);
      error.set_header("Content-Type", content_type);
    }
  }
  return error;
}

}  // namespace nimbus::services::apigateway
