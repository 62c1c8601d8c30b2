// DescribeStacks, ListStacks, DescribeStackEvents, DescribeStackResource(s),
// ListStackResources, ListExports.
#include <algorithm>

#include "common/json_fields.h"
#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/errors.h"
#include "services/cloudformation/no_echo.h"

namespace nimbus::services::cloudformation {

namespace {

constexpr size_t kEventPage = 100;

bool no_echo(const StackState& s, const std::string& key) {
  const auto* params = s.processed.if_contains("Parameters");
  if (params == nullptr || !params->is_object()) return false;
  const auto* p = params->as_object().if_contains(key);
  if (p == nullptr || !p->is_object()) return false;
  const auto* n = p->as_object().if_contains("NoEcho");
  return n != nullptr &&
         ((n->is_bool() && n->as_bool()) || (n->is_string() && n->as_string() == "true"));
}

json::object describe(const StackState& s) {
  json::object o{{"StackId", s.id},
                 {"StackName", s.name},
                 {"CreationTime", s.created},
                 {"StackStatus", s.status},
                 {"DisableRollback", s.disable_rollback},
                 {"NotificationARNs", string_array(s.notification_arns)},
                 {"Capabilities", string_array(s.capabilities)},
                 {"Outputs", s.outputs},
                 {"Tags", s.tags},
                 {"EnableTerminationProtection", s.termination_protection},
                 {"RollbackConfiguration", json::object()},
                 {"DriftInformation", json::object{{"StackDriftStatus", "NOT_CHECKED"}}}};
  json::array params;
  for (const auto& p : s.parameters) {
    params.push_back(json::object{{"ParameterKey", p.key},
                                  {"ParameterValue", no_echo(s, p.key) ? "****" : p.value}});
  }
  o["Parameters"] = std::move(params);
  if (!s.description.empty()) o["Description"] = s.description;
  if (!s.reason.empty()) o["StackStatusReason"] = s.reason;
  if (s.updated > 0 && s.updated != s.created) o["LastUpdatedTime"] = s.updated;
  if (s.deleted > 0) o["DeletionTime"] = s.deleted;
  if (!s.change_set_id.empty()) o["ChangeSetId"] = s.change_set_id;
  if (!s.parent_id.empty()) o["ParentId"] = s.parent_id;
  if (!s.root_id.empty()) o["RootId"] = s.root_id;
  mask(o["Outputs"], secrets(s, false));
  return o;
}

json::object resource(const StackState& s, const std::string& id, const ResourceState& r,
                      bool summary) {
  json::object o{{"LogicalResourceId", id},
                 {"ResourceType", r.type},
                 {"ResourceStatus", r.status},
                 {"DriftInformation", json::object{{"StackResourceDriftStatus", "NOT_CHECKED"}}}};
  if (!r.physical_id.empty()) o["PhysicalResourceId"] = r.physical_id;
  if (!r.reason.empty()) o["ResourceStatusReason"] = r.reason;
  o[summary ? "LastUpdatedTimestamp" : "Timestamp"] = r.updated;
  if (!summary) {
    o["StackName"] = s.name;
    o["StackId"] = s.id;
  }
  return o;
}

// A page of `items` from the offset `token` names.
Result<size_t> offset_of(const json::object& in) {
  std::string token = str(in, "NextToken");
  if (token.empty()) return size_t{0};
  auto n = integer(in, "NextToken");
  if (!n || *n < 0) return Error::validation("Invalid NextToken");
  return static_cast<size_t>(*n);
}

}  // namespace

Output CloudFormationService::describe_stacks(const CallContext&, const json::object& in) {
  json::array stacks;
  if (has(in, "StackName")) {
    auto s = stack_named(in);
    if (!s) return s.take_error();
    stacks.push_back(describe(*s));
  } else {
    for (const auto& s : engine_.all()) {
      if (!s.deleted_stack()) stacks.push_back(describe(s));
    }
  }
  return json::object{{"Stacks", std::move(stacks)}};
}

Output CloudFormationService::list_stacks(const CallContext&, const json::object& in) {
  auto filter = string_list(in, "StackStatusFilter");
  json::array out;
  for (const auto& s : engine_.all()) {
    if (!filter.empty() && std::find(filter.begin(), filter.end(), s.status) == filter.end()) {
      continue;
    }
    json::object o{{"StackId", s.id},
                   {"StackName", s.name},
                   {"CreationTime", s.created},
                   {"StackStatus", s.status},
                   {"DriftInformation", json::object{{"StackDriftStatus", "NOT_CHECKED"}}}};
    if (!s.description.empty()) o["TemplateDescription"] = s.description;
    if (!s.reason.empty()) o["StackStatusReason"] = s.reason;
    if (s.updated > 0 && s.updated != s.created) o["LastUpdatedTime"] = s.updated;
    if (s.deleted > 0) o["DeletionTime"] = s.deleted;
    out.push_back(std::move(o));
  }
  return json::object{{"StackSummaries", std::move(out)}};
}

Output CloudFormationService::describe_stack_events(const CallContext&, const json::object& in) {
  auto s = stack_named(in);
  if (!s) return s.take_error();
  auto events = engine_.events(s->id);
  if (!events) return events.take_error();
  auto offset = offset_of(in);
  if (!offset) return offset.take_error();
  json::array page;
  size_t i = *offset;
  for (; i < events->size() && page.size() < kEventPage; ++i) page.push_back((*events)[i]);
  json::object out{{"StackEvents", std::move(page)}};
  if (i < events->size()) out["NextToken"] = std::to_string(i);
  return out;
}

Output CloudFormationService::describe_stack_resources(const CallContext&, const json::object& in) {
  std::optional<StackState> s;
  if (has(in, "StackName")) {
    auto found = stack_named(in);
    if (!found) return found.take_error();
    s = std::move(*found);
  } else if (has(in, "PhysicalResourceId")) {
    std::string physical = str(in, "PhysicalResourceId");
    for (auto& candidate : engine_.all()) {
      for (const auto& [id, r] : candidate.resources) {
        if (r.physical_id == physical && !candidate.deleted_stack()) s = candidate;
      }
    }
    if (!s) return Error::validation("Stack for " + physical + " does not exist");
  } else {
    return Error::validation("Either StackName or PhysicalResourceId must be specified.");
  }
  std::string logical = str(in, "LogicalResourceId");
  json::array out;
  for (const auto& [id, r] : s->resources) {
    if (r.status.empty() || (!logical.empty() && id != logical)) continue;
    out.push_back(resource(*s, id, r, false));
  }
  return json::object{{"StackResources", std::move(out)}};
}

Output CloudFormationService::describe_stack_resource(const CallContext&, const json::object& in) {
  auto s = stack_named(in);
  if (!s) return s.take_error();
  std::string logical = str(in, "LogicalResourceId");
  auto it = s->resources.find(logical);
  if (it == s->resources.end() || it->second.status.empty()) {
    return Error::validation("Resource " + logical + " does not exist for stack " + s->name);
  }
  json::object detail = resource(*s, logical, it->second, false);
  detail.erase("Timestamp");
  detail["LastUpdatedTimestamp"] = it->second.updated;
  return json::object{{"StackResourceDetail", std::move(detail)}};
}

Output CloudFormationService::list_stack_resources(const CallContext&, const json::object& in) {
  auto s = stack_named(in);
  if (!s) return s.take_error();
  json::array out;
  for (const auto& [id, r] : s->resources) {
    if (!r.status.empty()) out.push_back(resource(*s, id, r, true));
  }
  return json::object{{"StackResourceSummaries", std::move(out)}};
}

Output CloudFormationService::list_exports(const CallContext&, const json::object&) {
  json::array out;
  for (const auto& [name, value] : engine_.exports()) {
    out.push_back(
        json::object{{"ExportingStackId", value.second}, {"Name", name}, {"Value", value.first}});
  }
  return json::object{{"Exports", std::move(out)}};
}

}  // namespace nimbus::services::cloudformation
