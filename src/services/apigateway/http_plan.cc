#include "services/apigateway/http_plan.h"

#include "common/json_fields.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

HttpPlan::Table table(const json::object& holder) {
  HttpPlan::Table t;
  if (const auto* r = holder.if_contains("routes"); r != nullptr && r->is_object()) {
    t.route_docs = r->as_object();
  }
  if (const auto* i = holder.if_contains("integrations"); i != nullptr && i->is_object()) {
    t.integrations = i->as_object();
  }
  for (const auto& [id, route] : t.route_docs) {
    if (route.is_object()) t.routes.add(str(route.as_object(), "RouteKey"), std::string(id));
  }
  return t;
}

}  // namespace

std::shared_ptr<const void> compile_http_api(const json::object& doc) {
  auto plan = std::make_shared<HttpPlan>();
  plan->live = table(doc);
  if (const auto* d = doc.if_contains("deployments"); d != nullptr && d->is_object()) {
    for (const auto& [id, dep] : d->as_object()) {
      const auto* snap = dep.is_object() ? dep.as_object().if_contains("Snapshot") : nullptr;
      if (snap != nullptr && snap->is_object())
        plan->deployments[std::string(id)] = table(snap->as_object());
    }
  }
  return plan;
}

}  // namespace nimbus::services::apigateway
