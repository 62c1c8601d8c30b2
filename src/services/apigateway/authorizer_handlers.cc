// apigateway control handlers: authorizers (Lambda TOKEN and REQUEST; the
// COGNITO_USER_POOLS type is stored, not served). An API's authorizers
// live in its document ("authorizers" by id), so a change is one update of
// it; the data plane reads them live (not from the deployment) and forgets
// an authorizer's cached answers when it changes.
#include <regex>
#include <set>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/checks.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/rest_util.h"

namespace nimbus::services::apigateway {

namespace {

constexpr const char* kMembers[] = {"name",
                                    "type",
                                    "providerARNs",
                                    "authType",
                                    "authorizerUri",
                                    "authorizerCredentials",
                                    "identitySource",
                                    "identityValidationExpression",
                                    "authorizerResultTtlInSeconds"};

json::object& authorizers_of(json::object& doc) {
  auto& a = doc["authorizers"];
  if (!a.is_object()) a = json::object();
  return a.as_object();
}

// replace of /name, /type, /authorizerUri, /identitySource,
// /identityValidationExpression, /authorizerResultTtlInSeconds,
// /authorizerCredentials, /authType.
Status patch_authorizer(json::object& a, const json::object& op) {
  std::string verb = str(op, "op"), path = str(op, "path"), value = str(op, "value");
  static const std::set<std::string> kPaths = {"/name",
                                               "/type",
                                               "/authorizerUri",
                                               "/identitySource",
                                               "/identityValidationExpression",
                                               "/authorizerResultTtlInSeconds",
                                               "/authorizerCredentials",
                                               "/authType"};
  if (verb != "replace" || !kPaths.contains(path)) {
    return errors::bad_request("Invalid patch path '" + path + "' specified for op '" + verb + "'");
  }
  if (path == "/authorizerResultTtlInSeconds") {
    json::object tmp{{"v", value}};
    auto n = integer(tmp, "v");
    if (!n) return errors::bad_request("Invalid authorizerResultTtlInSeconds: " + value);
    a["authorizerResultTtlInSeconds"] = *n;
  } else {
    a[path.substr(1)] = value;
  }
  return Status::ok();
}

}  // namespace

Status check_rest_authorizer(const json::object& a) {
  std::string type = str(a, "type");
  if (type != "TOKEN" && type != "REQUEST" && type != "COGNITO_USER_POOLS") {
    return errors::bad_request("Invalid authorizer type: " + type +
                               ". Must be one of [TOKEN, REQUEST, COGNITO_USER_POOLS]");
  }
  if (str(a, "name").empty()) return errors::bad_request("Authorizer name must not be empty");
  if (type != "COGNITO_USER_POOLS" && str(a, "authorizerUri").empty()) {
    return errors::bad_request("Authorizer URI is required for authorizers of type " + type);
  }
  std::string source = str(a, "identitySource");
  if (type == "TOKEN" && !source.starts_with("method.request.header.")) {
    return errors::bad_request(
        "Invalid identity source: a TOKEN authorizer takes one header, "
        "method.request.header.NAME");
  }
  int64_t ttl = integer(a, "authorizerResultTtlInSeconds").value_or(300);
  if (ttl < 0 || ttl > 3600) {
    return errors::bad_request(
        "Invalid authorizerResultTtlInSeconds: must be between 0 and 3600 seconds");
  }
  if (type == "REQUEST" && ttl > 0 && source.empty()) {
    return errors::bad_request(
        "An identity source is required for a REQUEST authorizer whose results are cached");
  }
  if (std::string expr = str(a, "identityValidationExpression"); !expr.empty()) {
    try {
      std::regex re(expr);
    } catch (const std::regex_error&) {
      return errors::bad_request("Invalid identityValidationExpression: " + expr);
    }
  }
  return Status::ok();
}

void RestApiService::create_authorizer(const CallContext&, json::object in, Respond respond) {
  json::object a;
  for (const char* m : kMembers) {
    if (has(in, m)) a[m] = in[m];
  }
  if (!a.contains("authorizerResultTtlInSeconds")) a["authorizerResultTtlInSeconds"] = 300;
  if (auto st = check_rest_authorizer(a); !st) return respond(st.take_error());
  change(
      in,
      [&a](json::object& doc, json::object& out) {
        std::string id = new_id(6, authorizers_of(doc));
        a["id"] = id;
        authorizers_of(doc)[id] = a;
        out = a;
        return Status::ok();
      },
      std::move(respond));
}

Output RestApiService::get_authorizer(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* all = api->doc.if_contains("authorizers");
  const auto* a = all != nullptr ? all->as_object().if_contains(str(in, "authorizerId")) : nullptr;
  if (a == nullptr) return errors::not_found("Invalid authorizer identifier specified");
  return a->as_object();
}

Output RestApiService::get_authorizers(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* all = api->doc.if_contains("authorizers");
  return rest_page(all != nullptr ? all->as_object() : json::object(), in);
}

void RestApiService::update_authorizer(const CallContext&, json::object in, Respond respond) {
  std::string id = str(in, "authorizerId");
  const auto* ops = in.if_contains("patchOperations");
  change(
      in,
      [&](json::object& doc, json::object& out) {
        auto* a = authorizers_of(doc).if_contains(id);
        if (a == nullptr) {
          return Status(errors::not_found("Invalid authorizer identifier specified"));
        }
        json::object copy = a->as_object();
        if (ops != nullptr && ops->is_array()) {
          for (const auto& op : ops->as_array()) {
            if (!op.is_object()) continue;
            if (auto st = patch_authorizer(copy, op.as_object()); !st) return st;
          }
        }
        if (auto st = check_rest_authorizer(copy); !st) return st;
        *a = copy;
        out = std::move(copy);
        return Status::ok();
      },
      [this, id, respond = std::move(respond)](Output out) {
        authorizer_cache_.forget(id);
        respond(std::move(out));
      });
}

void RestApiService::delete_authorizer(const CallContext&, json::object in, Respond respond) {
  std::string id = str(in, "authorizerId");
  change(
      in,
      [&id](json::object& doc, json::object&) {
        auto& all = authorizers_of(doc);
        if (!all.contains(id)) {
          return Status(errors::not_found("Invalid authorizer identifier specified"));
        }
        for (const auto& [rid, r] : doc["resources"].as_object()) {
          const auto* ms = r.as_object().if_contains("resourceMethods");
          if (ms == nullptr || !ms->is_object()) continue;
          for (const auto& [name, m] : ms->as_object()) {
            if (str(m.as_object(), "authorizerId") != id) continue;
            return Status(errors::conflict("Cannot delete authorizer '" + id +
                                           "', is referenced in method: " + std::string(name) +
                                           " " + str(r.as_object(), "path")));
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
