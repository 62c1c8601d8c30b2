#include "services/cloudformation/prepare.h"

#include <algorithm>

#include "services/cloudformation/errors.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/sam/transform.h"
#include "services/cloudformation/template/parameters.h"

namespace nimbus::services::cloudformation {

namespace {

bool has_capability(const std::vector<std::string>& caps, std::string_view c) {
  return std::find(caps.begin(), caps.end(), c) != caps.end();
}

// CAPABILITY_IAM for IAM resources, CAPABILITY_NAMED_IAM when one is named,
// CAPABILITY_AUTO_EXPAND for transforms outside change sets, as AWS
// requires them.
Status check_capabilities(const cfn::Template& t, const std::vector<std::string>& caps,
                          bool change_set) {
  if (!t.transforms.empty() && !change_set && !has_capability(caps, "CAPABILITY_AUTO_EXPAND")) {
    return errors::insufficient_capabilities("CAPABILITY_AUTO_EXPAND");
  }
  bool iam = false, named = false;
  for (const auto& [id, r] : t.resources()) {
    std::string type = t.resource_type(id);
    if (!type.starts_with("AWS::IAM::")) continue;
    iam = true;
    const auto* props = r.as_object().if_contains("Properties");
    if (props != nullptr && props->is_object()) {
      for (auto name :
           {"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"}) {
        named = named || props->as_object().contains(name);
      }
    }
  }
  if (named && !has_capability(caps, "CAPABILITY_NAMED_IAM")) {
    return errors::insufficient_capabilities("CAPABILITY_NAMED_IAM");
  }
  if (iam && !has_capability(caps, "CAPABILITY_IAM") &&
      !has_capability(caps, "CAPABILITY_NAMED_IAM")) {
    return errors::insufficient_capabilities("CAPABILITY_IAM");
  }
  return Status::ok();
}

Status check_types(const cfn::Template& t) {
  std::string unknown;
  for (const auto& [id, r] : t.resources()) {
    std::string type = t.resource_type(id);
    if (find_provider(type) != nullptr) continue;
    if (unknown.find(type) != std::string::npos) continue;
    unknown += (unknown.empty() ? "" : ", ") + type;
  }
  if (unknown.empty()) return Status::ok();
  return cfn::format_error("Unrecognized resource types: [" + unknown + "]");
}

}  // namespace

cfn::Scope scope_of(const Prepared& p, const PrepareInput& in) {
  cfn::Scope s;
  s.region = in.region;
  s.account_id = in.account_id;
  s.stack_name = in.stack_name;
  s.stack_id = in.stack_id;
  s.parameters = &p.values;
  s.mappings = &p.tmpl.mappings();
  s.conditions = &p.conditions;
  return s;
}

Result<Prepared> prepare(const PrepareInput& in) {
  auto t = cfn::parse_template(in.body);
  if (!t) return t.take_error();
  return prepare(std::move(*t), in);
}

Result<Prepared> prepare(cfn::Template tmpl, const PrepareInput& in) {
  if (!tmpl.transforms.empty()) {
    // Transforms run before the checks below, on what the template asks
    // for (AWS wants CAPABILITY_AUTO_EXPAND first); the expanded template
    // is then checked as any other, and is the stack's Processed template.
    for (const auto& t : tmpl.transforms) {
      if (t != cfn::sam::kTransformName) {
        return Error::validation("Template format error: Unsupported transform: " + t);
      }
    }
    NIMBUS_TRY(check_capabilities(tmpl, in.capabilities, in.change_set));
    auto expanded = cfn::sam::transform(tmpl.doc);
    if (!expanded) return expanded.take_error();
    auto checked = cfn::check_template(std::move(*expanded));
    if (!checked) return checked.take_error();
    tmpl = std::move(*checked);
  }
  Prepared p;
  p.tmpl = std::move(tmpl);
  NIMBUS_TRY(check_types(p.tmpl));
  auto graph = cfn::dependency_graph(p.tmpl);
  if (!graph) return graph.take_error();
  p.graph = std::move(*graph);
  auto values = cfn::resolve_parameters(p.tmpl, in.given);
  if (!values) return values.take_error();
  p.values = std::move(*values);
  for (const auto& decl : p.tmpl.parameters) {
    auto it = in.given.find(decl.name);
    p.parameters.push_back({decl.name, it != in.given.end() ? it->second : *decl.default_value});
  }
  cfn::Scope scope = scope_of(p, in);
  scope.conditions = nullptr;
  auto conditions = cfn::evaluate_conditions(p.tmpl.conditions(), scope);
  if (!conditions) return conditions.take_error();
  p.conditions = std::move(*conditions);
  for (const auto& id : p.graph.order) {
    if (cfn::included(p.tmpl.resources().at(id).as_object(), p.conditions))
      p.included.push_back(id);
  }
  if (p.included.empty()) {
    return Error::validation(
        "Template format error: At least one resource member must be defined.");
  }
  NIMBUS_TRY(check_capabilities(p.tmpl, in.capabilities, in.change_set));
  return p;
}

}  // namespace nimbus::services::cloudformation
