// apigateway control handlers: gateway responses (gateway_responses.h).
// An API's own live in its document ("gatewayResponses" by type); every
// other type answers with AWS's default. A deployment copies them
// (rest_stage_handlers.cc), so a change takes effect on the next one.
#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/rest_util.h"

namespace nimbus::services::apigateway {

namespace {

Result<const GatewayResponseType*> type_in(const json::object& in) {
  const auto* t = find_gateway_response_type(str(in, "responseType"));
  if (t == nullptr) {
    return Error(
        errors::bad_request("Invalid response type specified: " + str(in, "responseType")));
  }
  return t;
}

json::object& responses_of(json::object& doc) {
  auto& g = doc["gatewayResponses"];
  if (!g.is_object()) g = json::object();
  return g.as_object();
}

const json::object* stored(const json::object& doc, std::string_view type) {
  const auto* g = doc.if_contains("gatewayResponses");
  if (g == nullptr || !g->is_object()) return nullptr;
  const auto* r = g->as_object().if_contains(type);
  return r != nullptr && r->is_object() ? &r->as_object() : nullptr;
}

}  // namespace

void RestApiService::put_gateway_response(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        auto type = type_in(in);
        if (!type) return Status(type.error());
        auto r = gateway_response_of(in);
        if (!r) return Status(r.error());
        responses_of(doc)[(*type)->name] = *r;
        out = gateway_response_view(**type, &*r);
        return Status::ok();
      },
      std::move(respond));
}

Output RestApiService::get_gateway_response(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  auto type = type_in(in);
  if (!type) return type.error();
  return gateway_response_view(**type, stored(api->doc, (*type)->name));
}

Output RestApiService::get_gateway_responses(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  // The whole collection, defaults included: AWS does not page it.
  json::array items;
  for (const auto& t : gateway_response_types()) {
    items.push_back(gateway_response_view(t, stored(api->doc, t.name)));
  }
  return json::object{{"items", std::move(items)}};
}

void RestApiService::update_gateway_response(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object& out) {
        auto type = type_in(in);
        if (!type) return Status(type.error());
        // Patching a default response makes it the API's own.
        json::object r;
        if (const auto* s = stored(doc, (*type)->name)) {
          r = *s;
        } else {
          r = gateway_response_view(**type, nullptr);
          r.erase("responseType");
          r.erase("defaultResponse");
        }
        if (auto st = patch_gateway_response(r, in.if_contains("patchOperations")); !st) return st;
        responses_of(doc)[(*type)->name] = r;
        out = gateway_response_view(**type, &r);
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::delete_gateway_response(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        auto type = type_in(in);
        if (!type) return Status(type.error());
        if (responses_of(doc).erase((*type)->name) == 0) {
          return Status(errors::not_found("Invalid Response Type specified"));
        }
        return Status::ok();
      },
      std::move(respond));
}

}  // namespace nimbus::services::apigateway
