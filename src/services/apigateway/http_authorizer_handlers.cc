// apigatewayv2 control handlers: authorizers (Lambda REQUEST authorizers of
// payload format 1.0 or 2.0, with simple responses or IAM policies; JWT
// authorizers are stored, not served). An API's authorizers live in its
// document ("authorizers" by id); the data plane reads them live.
#include "common/json_fields.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/checks.h"
#include "services/apigateway/errors.h"

namespace nimbus::services::apigateway {

namespace {

constexpr const char* kMembers[] = {"AuthorizerCredentialsArn",
                                    "AuthorizerPayloadFormatVersion",
                                    "AuthorizerResultTtlInSeconds",
                                    "AuthorizerType",
                                    "AuthorizerUri",
                                    "EnableSimpleResponses",
                                    "IdentitySource",
                                    "IdentityValidationExpression",
                                    "JwtConfiguration",
                                    "Name"};

json::object& authorizers_of(json::object& doc) {
  auto& g = doc["authorizers"];
  if (!g.is_object()) g = json::object();
  return g.as_object();
}

}  // namespace

Status check_http_authorizer(const json::object& a) {
  std::string type = str(a, "AuthorizerType");
  if (type != "REQUEST" && type != "JWT") {
    return errors::bad_request("Invalid AuthorizerType " + type + ": must be REQUEST or JWT");
  }
  if (str(a, "Name").empty()) return errors::bad_request("Name must not be empty");
  int64_t ttl = integer(a, "AuthorizerResultTtlInSeconds").value_or(0);
  if (ttl < 0 || ttl > 3600) {
    return errors::bad_request("AuthorizerResultTtlInSeconds must be between 0 and 3600");
  }
  if (type == "JWT") {
    const auto* jwt = a.if_contains("JwtConfiguration");
    if (jwt == nullptr || !jwt->is_object() || str(jwt->as_object(), "Issuer").empty()) {
      return errors::bad_request("JwtConfiguration with an Issuer is required for JWT authorizers");
    }
    return Status::ok();
  }
  if (str(a, "AuthorizerUri").empty()) {
    return errors::bad_request("AuthorizerUri is required for REQUEST authorizers");
  }
  std::string format = str(a, "AuthorizerPayloadFormatVersion");
  if (format != "1.0" && format != "2.0") {
    return errors::bad_request(
        "AuthorizerPayloadFormatVersion is required for REQUEST authorizers: 1.0 or 2.0");
  }
  if (boolean(a, "EnableSimpleResponses").value_or(false) && format != "2.0") {
    return errors::bad_request("Simple responses need AuthorizerPayloadFormatVersion 2.0");
  }
  const auto* sources = a.if_contains("IdentitySource");
  bool none = sources == nullptr || !sources->is_array() || sources->as_array().empty();
  if (ttl > 0 && none) {
    return errors::bad_request("IdentitySource is required when results are cached");
  }
  if (sources != nullptr && sources->is_array()) {
    for (const auto& s : sources->as_array()) {
      std::string_view v = s.is_string() ? std::string_view(s.as_string()) : "";
      if (!v.starts_with("$request.header.") && !v.starts_with("$request.querystring.") &&
          !v.starts_with("$stageVariables.") && !v.starts_with("$context.")) {
        return errors::bad_request("Invalid identity source " + std::string(v));
      }
    }
  }
  return Status::ok();
}

void HttpApiService::create_authorizer(const CallContext&, json::object in, Respond respond) {
  json::object a;
  for (const char* m : kMembers) {
    if (const auto* v = in.if_contains(m); v != nullptr && !v->is_null()) a[m] = *v;
  }
  if (auto st = check_http_authorizer(a); !st) return respond(st.take_error());
  change(
      in,
      [&a](json::object& doc, json::object& out) {
        std::string id = new_id(6, authorizers_of(doc));
        a["AuthorizerId"] = id;
        authorizers_of(doc)[id] = a;
        out = a;
        return Status::ok();
      },
      std::move(respond));
}

Output HttpApiService::get_authorizer(const CallContext&, const json::object& in) const {
  return child(in, "authorizers", "AuthorizerId", "Authorizer");
}

Output HttpApiService::get_authorizers(const CallContext&, const json::object& in) const {
  return children(in, "authorizers");
}

void HttpApiService::update_authorizer(const CallContext&, json::object in, Respond respond) {
  std::string id = str(in, "AuthorizerId");
  change(
      in,
      [&](json::object& doc, json::object& out) {
        auto* a = authorizers_of(doc).if_contains(id);
        if (a == nullptr) {
          return Status(errors::not_found("Invalid Authorizer identifier specified " + id));
        }
        json::object copy = a->as_object();
        for (const char* m : kMembers) {
          if (const auto* v = in.if_contains(m); v != nullptr && !v->is_null()) copy[m] = *v;
        }
        if (auto st = check_http_authorizer(copy); !st) return st;
        *a = copy;
        out = std::move(copy);
        return Status::ok();
      },
      [this, id, respond = std::move(respond)](Output out) {
        authorizer_cache_.forget(id);
        respond(std::move(out));
      });
}

void HttpApiService::delete_authorizer(const CallContext&, json::object in, Respond respond) {
  std::string id = str(in, "AuthorizerId");
  change(
      in,
      [&id](json::object& doc, json::object&) {
        auto& all = authorizers_of(doc);
        if (!all.contains(id)) {
          return Status(errors::not_found("Invalid Authorizer identifier specified " + id));
        }
        if (const auto* routes = doc.if_contains("routes"); routes != nullptr) {
          for (const auto& [rid, r] : routes->as_object()) {
            if (str(r.as_object(), "AuthorizerId") == id) {
              return Status(errors::conflict("Authorizer " + id + " is used by route " +
                                             str(r.as_object(), "RouteKey")));
            }
          }
        }
        all.erase(id);
        return Status::ok();
      },
      [this, id, respond = std::move(respond)](Output out) {
        authorizer_cache_.forget(id);
        respond(std::move(out));
      });
}

}  // namespace nimbus::services::apigateway
