// REST APIs' method and integration responses (Get/Delete; Put is in
// rest_handlers.cc with the methods) and DeleteIntegration.
#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/rest_util.h"

namespace nimbus::services::apigateway {

namespace {

// The member `key` (an object of responses by status code) of `holder`,
// or null.
const json::object* responses_of(const json::object* holder, std::string_view key) {
  const auto* v = holder != nullptr ? holder->if_contains(key) : nullptr;
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

const json::object* integration_of(const json::object* method) {
  const auto* v = method != nullptr ? method->if_contains("methodIntegration") : nullptr;
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

}  // namespace

Output RestApiService::get_integration_response(const CallContext& ctx,
                                                const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* all = responses_of(integration_of(find_method(api->doc, in)), "integrationResponses");
  const auto* r = all != nullptr ? all->if_contains(str(in, "statusCode")) : nullptr;
  if (r == nullptr) return errors::not_found("Invalid Response status code specified");
  return r->as_object();
}

Output RestApiService::get_method_response(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* all = responses_of(find_method(api->doc, in), "methodResponses");
  const auto* r = all != nullptr ? all->if_contains(str(in, "statusCode")) : nullptr;
  if (r == nullptr) return errors::not_found("Invalid Response status code specified");
  return r->as_object();
}

void RestApiService::delete_integration_response(const CallContext&, json::object in,
                                                 Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        json::object* m = find_method(doc, in);
        auto* i = m != nullptr ? m->if_contains("methodIntegration") : nullptr;
        auto* all = i != nullptr && i->is_object()
                        ? i->as_object().if_contains("integrationResponses")
                        : nullptr;
        if (all == nullptr || !all->is_object() ||
            all->as_object().erase(str(in, "statusCode")) == 0)
          return Status(errors::not_found("Invalid Response status code specified"));
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::delete_method_response(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        json::object* m = find_method(doc, in);
        auto* all = m != nullptr ? m->if_contains("methodResponses") : nullptr;
        if (all == nullptr || !all->is_object() ||
            all->as_object().erase(str(in, "statusCode")) == 0)
          return Status(errors::not_found("Invalid Response status code specified"));
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::delete_integration(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        json::object* m = find_method(doc, in);
        if (m == nullptr || m->erase("methodIntegration") == 0)
          return Status(errors::not_found("Invalid Integration identifier specified"));
        return Status::ok();
      },
      std::move(respond));
}

}  // namespace nimbus::services::apigateway
