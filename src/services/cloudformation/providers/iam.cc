// AWS::IAM::Role: the role, its inline policies and its managed policies.
#include <set>

#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::Step;
using provide::text;

Step step(const ResourceRequest& r, std::string_view op, json::object in,
          std::initializer_list<std::string_view> ignored = {}) {
  std::string name(op);
  std::vector<std::string> skip(ignored.begin(), ignored.end());
  return [r, name, in, skip](std::function<void(Status)> next) {
    r.call("iam", name, in, [next, skip](Output o) {
      if (!o && std::find(skip.begin(), skip.end(), o.error().code) != skip.end()) {
        return next(Status::ok());
      }
      next(o ? Status::ok() : Status(o.take_error()));
    });
  };
}

// Inline policies by name -> document text.
std::map<std::string, std::string> inline_policies(const json::object& props) {
  std::map<std::string, std::string> out;
  const auto* p = props.if_contains("Policies");
  if (p == nullptr || !p->is_array()) return out;
  for (const auto& item : p->as_array()) {
    if (!item.is_object()) continue;
    const auto* doc = item.as_object().if_contains("PolicyDocument");
    out[str(item.as_object(), "PolicyName")] = doc != nullptr ? text(*doc) : "";
  }
  return out;
}

std::set<std::string> managed(const json::object& props) {
  auto list = string_list(props, "ManagedPolicyArns");
  return {list.begin(), list.end()};
}

// The steps taking a role's policies from `was` to `now`.
std::vector<Step> policy_steps(const ResourceRequest& r, const std::string& role,
                               const json::object& was, const json::object& now) {
  std::vector<Step> steps;
  auto old_inline = inline_policies(was);
  auto new_inline = inline_policies(now);
  for (const auto& [name, doc] : new_inline) {
    auto it = old_inline.find(name);
    if (it != old_inline.end() && it->second == doc) continue;
    steps.push_back(step(r, "PutRolePolicy",
                         {{"RoleName", role}, {"PolicyName", name}, {"PolicyDocument", doc}}));
  }
  for (const auto& [name, doc] : old_inline) {
    if (!new_inline.contains(name)) {
      steps.push_back(step(r, "DeleteRolePolicy", {{"RoleName", role}, {"PolicyName", name}},
                           {"NoSuchEntityException"}));
    }
  }
  auto old_managed = managed(was);
  auto new_managed = managed(now);
  for (const auto& arn : new_managed) {
    if (!old_managed.contains(arn)) {
      steps.push_back(step(r, "AttachRolePolicy", {{"RoleName", role}, {"PolicyArn", arn}}));
    }
  }
  for (const auto& arn : old_managed) {
    if (!new_managed.contains(arn)) {
      steps.push_back(step(r, "DetachRolePolicy", {{"RoleName", role}, {"PolicyArn", arn}},
                           {"NoSuchEntityException"}));
    }
  }
  return steps;
}

void finish(const ResourceRequest& r, const std::string& role, ProvideDone done) {
  r.call("iam", "GetRole", json::object{{"RoleName", role}}, [role, done](Output out) {
    if (!out) return done(out.take_error());
    const auto* info = out->if_contains("Role");
    json::object o = info != nullptr && info->is_object() ? info->as_object() : json::object();
    done(Provided{role, json::object{{"Arn", str(o, "Arn")}, {"RoleId", str(o, "RoleId")}}});
  });
}

// Resource import: the role RoleName names, if IAM has it.
void read_role(const ResourceRequest& r, ProvideDone done) {
  finish(r, r.physical_id, std::move(done));
}

std::string role_name(const ResourceRequest& r) {
  return r.name_or_generated("RoleName", 64);
}

void create_role(const ResourceRequest& r, ProvideDone done) {
  std::string role = role_name(r);
  json::object in{{"RoleName", role}};
  if (const auto* doc = r.properties.if_contains("AssumeRolePolicyDocument")) {
    in["AssumeRolePolicyDocument"] = text(*doc);
  }
  provide::copy(r.properties, in,
                {"Path", "Description", "MaxSessionDuration", "PermissionsBoundary", "Tags"});
  r.call("iam", "CreateRole", std::move(in), [r, role, done](Output out) {
    if (!out) return done(out.take_error());
    // A policy IAM refuses fails the create: what was made of the role goes.
    auto undo = policy_steps(r, role, r.properties, json::object());
    undo.push_back(step(r, "DeleteRole", {{"RoleName", role}}, {"NoSuchEntityException"}));
    provide::complete_or_undo(
        policy_steps(r, role, json::object(), r.properties),
        [undo](std::function<void(Status)> next) { provide::in_order(undo, std::move(next)); },
        [r, role, done](Status st) {
          if (!st) return done(st.take_error());
          finish(r, role, done);
        });
  });
}

void update_role(const ResourceRequest& r, ProvideDone done) {
  std::vector<Step> steps;
  const auto* doc = r.properties.if_contains("AssumeRolePolicyDocument");
  const auto* old_doc = r.old_properties.if_contains("AssumeRolePolicyDocument");
  if (doc != nullptr && (old_doc == nullptr || *doc != *old_doc)) {
    steps.push_back(step(r, "UpdateAssumeRolePolicy",
                         {{"RoleName", r.physical_id}, {"PolicyDocument", text(*doc)}}));
  }
  json::object update{{"RoleName", r.physical_id}};
  provide::copy(r.properties, update, {"Description", "MaxSessionDuration"});
  if (update.size() > 1) steps.push_back(step(r, "UpdateRole", std::move(update)));
  for (auto& s : policy_steps(r, r.physical_id, r.old_properties, r.properties)) {
    steps.push_back(std::move(s));
  }
  for (auto& s :
       provide::retag_steps(r, {"iam", "TagRole", "UntagRole", "RoleName"}, r.physical_id)) {
    steps.push_back(std::move(s));
  }
  provide::in_order(std::move(steps), [r, done](Status st) {
    if (!st) return done(st.take_error());
    finish(r, r.physical_id, done);
  });
}

void delete_role(const ResourceRequest& r, RemoveDone done) {
  auto steps = policy_steps(r, r.physical_id, r.properties, json::object());
  steps.push_back(step(r, "DeleteRole", {{"RoleName", r.physical_id}}, {"NoSuchEntityException"}));
  provide::in_order(std::move(steps), std::move(done));
}

}  // namespace

const Importer kRoleImport{"AWS::IAM::Role", "RoleName", read_role};
const Provider kRole{"AWS::IAM::Role", create_role,          update_role,
                     delete_role,      {"RoleName", "Path"}, role_name};

}  // namespace nimbus::services::cloudformation::providers
