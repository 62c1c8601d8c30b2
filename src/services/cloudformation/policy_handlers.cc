// SetStackPolicy, GetStackPolicy, ListImports.
#include "common/json_fields.h"
#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/policy.h"

namespace nimbus::services::cloudformation {

Output CloudFormationService::set_stack_policy(const CallContext&, const json::object& in) {
  auto s = stack_named(in);
  if (!s) return s.take_error();
  if (!has(in, "StackPolicyBody")) {
    return Error::validation("Either StackPolicyBody or StackPolicyURL must be specified.");
  }
  auto policy = stack_policy(str(in, "StackPolicyBody"));
  if (!policy) return policy.take_error();
  auto id = engine_.set_policy(s->id, std::move(*policy));
  if (!id) return id.take_error();
  return json::object();
}

Output CloudFormationService::get_stack_policy(const CallContext&, const json::object& in) {
  auto s = stack_named(in);
  if (!s) return s.take_error();
  json::object out;
  if (!s->policy.empty()) out["StackPolicyBody"] = s->policy;
  return out;
}

Output CloudFormationService::list_imports(const CallContext&, const json::object& in) {
  std::string name = str(in, "ExportName");
  auto users = engine_.importers(name);
  if (users.empty()) {
    return Error::validation("Export '" + name + "' is not imported by any stack.");
  }
  json::array imports;
  for (auto& u : users) imports.emplace_back(u);
  return json::object{{"Imports", std::move(imports)}};
}

}  // namespace nimbus::services::cloudformation
