// GetTemplate, ValidateTemplate, GetTemplateSummary.
#include <set>

#include "common/json_fields.h"
#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/errors.h"
#include "services/cloudformation/template/graph.h"

namespace nimbus::services::cloudformation {

namespace {

Result<std::string> body_of(const json::object& in) {
  if (!has(in, "TemplateBody")) {
    return Error::validation("Either Template URL or Template Body must be specified.");
  }
  return str(in, "TemplateBody");
}

// Capabilities and their reason, as ValidateTemplate and GetTemplateSummary
// tell them.
void capabilities(const cfn::Template& t, json::object& out) {
  std::set<std::string> iam_types;
  bool named = false;
  for (const auto& [id, r] : t.resources()) {
    std::string type = t.resource_type(id);
    if (!type.starts_with("AWS::IAM::")) continue;
    iam_types.insert(type);
    const auto* p = r.as_object().if_contains("Properties");
    if (p != nullptr && p->is_object()) {
      for (auto name : {"RoleName", "UserName", "GroupName", "ManagedPolicyName"}) {
        named = named || p->as_object().contains(name);
      }
    }
  }
  json::array caps;
  std::string reason;
  if (!iam_types.empty()) {
    caps.emplace_back(named ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM");
    for (const auto& type : iam_types) reason += (reason.empty() ? "" : ", ") + type;
    reason = "The following resource(s) require capabilities: [" + reason + "]";
  }
  if (!t.transforms.empty()) caps.emplace_back("CAPABILITY_AUTO_EXPAND");
  out["Capabilities"] = std::move(caps);
  if (!reason.empty()) out["CapabilitiesReason"] = reason;
  json::array transforms;
  for (const auto& tr : t.transforms) transforms.emplace_back(tr);
  out["DeclaredTransforms"] = std::move(transforms);
  if (!t.description.empty()) out["Description"] = t.description;
}

}  // namespace

Output CloudFormationService::get_template(const CallContext&, const json::object& in) {
  std::string stage = str(in, "TemplateStage");
  if (has(in, "ChangeSetName")) {
    auto s = engine_.find(str(in, "StackName"));
    auto cs = change_sets_.find(str(in, "ChangeSetName"), s ? s->id : "");
    if (!cs) return errors::change_set_not_found(str(in, "ChangeSetName"));
    return json::object{{"TemplateBody", cs->request.body},
                        {"StagesAvailable", json::array{"Original", "Processed"}}};
  }
  auto s = stack_named(in);
  if (!s) return s.take_error();
  std::string body = stage == "Processed" ? json::serialize(s->processed) : s->template_body;
  return json::object{{"TemplateBody", body},
                      {"StagesAvailable", json::array{"Original", "Processed"}}};
}

Output CloudFormationService::validate_template(const CallContext&, const json::object& in) {
  auto body = body_of(in);
  if (!body) return body.take_error();
  auto t = cfn::parse_template(*body);
  if (!t) return t.take_error();
  if (t->transforms.empty()) {
    if (auto g = cfn::dependency_graph(*t); !g) return g.take_error();
  }
  json::array params;
  for (const auto& p : t->parameters) {
    json::object o{{"ParameterKey", p.name}, {"NoEcho", p.no_echo}};
    if (p.default_value) o["DefaultValue"] = *p.default_value;
    if (!p.description.empty()) o["Description"] = p.description;
    params.push_back(std::move(o));
  }
  json::object out{{"Parameters", std::move(params)}};
  capabilities(*t, out);
  return out;
}

Output CloudFormationService::get_template_summary(const CallContext&, const json::object& in) {
  std::string body;
  if (has(in, "StackName")) {
    auto s = stack_named(in);
    if (!s) return s.take_error();
    body = s->template_body;
  } else {
    auto b = body_of(in);
    if (!b) return b.take_error();
    body = std::move(*b);
  }
  auto t = cfn::parse_template(body);
  if (!t) return t.take_error();
  json::array params;
  for (const auto& p : t->parameters) {
    json::object o{{"ParameterKey", p.name}, {"ParameterType", p.type}, {"NoEcho", p.no_echo}};
    if (p.default_value) o["DefaultValue"] = *p.default_value;
    if (!p.description.empty()) o["Description"] = p.description;
    json::array allowed;
    for (const auto& v : p.allowed_values) allowed.emplace_back(v);
    o["ParameterConstraints"] = json::object{{"AllowedValues", std::move(allowed)}};
    params.push_back(std::move(o));
  }
  std::set<std::string> types;
  // What resource import needs to name each importable resource.
  std::map<std::string, json::array> importable;
  for (const auto& [id, r] : t->resources()) {
    std::string type = t->resource_type(id);
    types.insert(type);
    if (find_importer(type) != nullptr) importable[type].emplace_back(id);
  }
  json::array type_list;
  for (const auto& type : types) type_list.emplace_back(type);
  json::array identifiers;
  for (auto& [type, ids] : importable) {
    identifiers.push_back(
        json::object{{"ResourceType", type},
                     {"LogicalResourceIds", std::move(ids)},
                     {"ResourceIdentifiers", json::array{find_importer(type)->identifier}}});
  }
  json::object out{{"Parameters", std::move(params)},
                   {"ResourceTypes", std::move(type_list)},
                   {"ResourceIdentifierSummaries", std::move(identifiers)},
                   {"Version", "2010-09-09"}};
  if (const auto* m = t->doc.if_contains("Metadata")) out["Metadata"] = json::serialize(*m);
  capabilities(*t, out);
  return out;
}

}  // namespace nimbus::services::cloudformation
