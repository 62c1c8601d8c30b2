#include "services/apigateway/rest_plan.h"

#include "common/json_fields.h"
#include "iam/policy.h"
#include "services/apigateway/resource_policy.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

std::shared_ptr<const void> compile_rest_api(const json::object& doc) {
  auto plan = std::make_shared<RestPlan>();
  const auto* deps = doc.if_contains("deployments");
  if (deps == nullptr || !deps->is_object()) return plan;
  for (const auto& [id, dep] : deps->as_object()) {
    const auto* snap = dep.is_object() ? dep.as_object().if_contains("Snapshot") : nullptr;
    if (snap == nullptr || !snap->is_object()) continue;
    RestPlan::Table t;
    t.resources = snap->as_object();
    if (const auto* g = dep.as_object().if_contains("GatewayResponses");
        g != nullptr && g->is_object())
      t.gateway_responses = g->as_object();
    t.policy = parse_rest_policy(str(dep.as_object(), "Policy"));
    for (const auto& [rid, r] : t.resources) {
      if (r.is_object()) t.paths.add("ANY " + str(r.as_object(), "path"), std::string(rid));
    }
    auto& table = plan->deployments[std::string(id)] = std::move(t);
    table.mappings.compile(table.resources);
    table.mappings.compile_gateway_responses(table.gateway_responses);
  }
  return plan;
}

}  // namespace nimbus::services::apigateway
