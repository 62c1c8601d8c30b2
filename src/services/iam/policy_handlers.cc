// Customer managed policies and their versions (AWS managed ones are read-only).
#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/iam/entities.h"
#include "services/iam/errors.h"
#include "services/iam/iam_service.h"

namespace nimbus::services::iam {

namespace json = boost::json;

namespace {

constexpr size_t kManagedPolicySize = 6144;
constexpr int kVersionsPerPolicy = 5;

// The version number of "v3", or 0.
int version_number(std::string_view id) {
  if (id.size() < 2 || id[0] != 'v') return 0;
  int n = 0;
  for (char c : id.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || n > 100000) return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

// A customer managed policy to change: AWS managed ones are not.
Result<const ManagedPolicy*> owned(const State& state, const std::string& arn) {
  auto it = state.policies.find(arn);
  if (it != state.policies.end()) return it->second.get();
  if (aws_managed_policies().contains(arn)) {
    return errors::unmodifiable("Cannot modify an AWS managed policy.");
  }
  return errors::policy_not_found(arn);
}

}  // namespace

void IamService::create_policy(const CallContext& ctx, json::object in, Respond r) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return r(errors::invalid_input(*why));
  }
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "PolicyName");
    auto path = path_of(in);
    if (!path) return path.take_error();
    std::string document = str(in, "PolicyDocument");
    NIMBUS_TRY(
        check_document(document, engine::PolicyKind::kIdentity, "PolicySize", kManagedPolicySize));
    std::string arn = iam_arn(account(), "policy", *path, name);
    for (const auto& [_, p] : d.state.policies) {
      if (lower(p->name) == lower(name)) return errors::policy_exists(name);
    }
    ManagedPolicy p;
    p.name = name;
    p.id = new_id("ANPA");
    p.path = *path;
    p.arn = arn;
    p.description = str(in, "Description");
    p.created = p.updated = now();
    p.versions[1] = PolicyVersion{document, p.created};
    p.tags = tags_of(in);
    return json::object{{"Policy", policy_json(d.put(d.state.policies, arn, std::move(p)), 0)}};
  });
}

Output IamService::get_policy(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string arn = str(in, "PolicyArn");
  const ManagedPolicy* p = find_policy(*state, arn);
  if (!p) return errors::policy_not_found(arn);
  return json::object{{"Policy", policy_json(*p, attachment_count(*state, arn))}};
}

Output IamService::list_policies(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string scope = has(in, "Scope") ? str(in, "Scope") : "All";
  std::string prefix = has(in, "PathPrefix") ? str(in, "PathPrefix") : "/";
  bool only_attached = boolean(in, "OnlyAttached").value_or(false);
  std::vector<json::value> items;
  std::vector<std::string> keys;
  auto add = [&](const Table<ManagedPolicy>& table) {
    for (const auto& [arn, p] : table) {
      int count = attachment_count(*state, arn);
      if (!p->path.starts_with(prefix) || (only_attached && count == 0)) continue;
      json::object o = policy_json(*p, count);
      o.erase("Description");
      o.erase("Tags");
      items.emplace_back(std::move(o));
      keys.push_back(arn);
    }
  };
  if (scope != "Local") add(aws_managed_policies());
  if (scope != "AWS") add(state->policies);
  json::object out;
  page(in, std::move(items), std::move(keys), "Policies", out);
  return out;
}

void IamService::delete_policy(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string arn = str(in, "PolicyArn");
    auto p = owned(d.state, arn);
    if (!p) return p.take_error();
    if (attachment_count(d.state, arn) > 0) {
      return errors::delete_conflict("Cannot delete a policy attached to entities.");
    }
    if ((*p)->versions.size() > 1) {
      return errors::delete_conflict(
          "This policy has more than one version. Before you delete a "
          "policy, you must delete the policy's versions. The default "
          "version is deleted with the policy.");
    }
    d.erase(d.state.policies, arn);
    return json::object{};
  });
}

void IamService::create_policy_version(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string arn = str(in, "PolicyArn");
    auto p = owned(d.state, arn);
    if (!p) return p.take_error();
    std::string document = str(in, "PolicyDocument");
    NIMBUS_TRY(
        check_document(document, engine::PolicyKind::kIdentity, "PolicySize", kManagedPolicySize));
    if ((*p)->versions.size() >= kVersionsPerPolicy) {
      return errors::limit_exceeded(
          "A managed policy can have up to 5 versions. Before you create a new version, you must "
          "delete an existing version.");
    }
    ManagedPolicy& policy = d.edit(d.state.policies, arn);
    int n = policy.next_version++;
    policy.versions[n] = PolicyVersion{document, now()};
    policy.updated = now();
    if (boolean(in, "SetAsDefault").value_or(false)) policy.default_version = n;
    return json::object{{"PolicyVersion", version_json(policy, n, false)}};
  });
}

Output IamService::get_policy_version(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string arn = str(in, "PolicyArn");
  std::string id = str(in, "VersionId");
  const ManagedPolicy* p = find_policy(*state, arn);
  if (!p) return errors::policy_not_found(arn);
  int n = version_number(id);
  if (!p->versions.contains(n)) return errors::version_not_found(arn, id);
  return json::object{{"PolicyVersion", version_json(*p, n, true)}};
}

Output IamService::list_policy_versions(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string arn = str(in, "PolicyArn");
  const ManagedPolicy* p = find_policy(*state, arn);
  if (!p) return errors::policy_not_found(arn);
  std::vector<json::value> items;
  std::vector<std::string> keys;
  // Newest first, as IAM lists them.
  for (auto it = p->versions.rbegin(); it != p->versions.rend(); ++it) {
    items.emplace_back(version_json(*p, it->first, false));
    char key[16];
    std::snprintf(key, sizeof key, "%08d", 99999999 - it->first);
    keys.emplace_back(key);
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "Versions", out);
  return out;
}

void IamService::delete_policy_version(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string arn = str(in, "PolicyArn");
    std::string id = str(in, "VersionId");
    auto p = owned(d.state, arn);
    if (!p) return p.take_error();
    int n = version_number(id);
    if (!(*p)->versions.contains(n)) return errors::version_not_found(arn, id);
    if ((*p)->default_version == n) {
      return errors::delete_conflict("Cannot delete the default version of a policy.");
    }
    d.edit(d.state.policies, arn).versions.erase(n);
    return json::object{};
  });
}

void IamService::set_default_policy_version(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string arn = str(in, "PolicyArn");
    std::string id = str(in, "VersionId");
    auto p = owned(d.state, arn);
    if (!p) return p.take_error();
    int n = version_number(id);
    if (!(*p)->versions.contains(n)) return errors::version_not_found(arn, id);
    ManagedPolicy& policy = d.edit(d.state.policies, arn);
    policy.default_version = n;
    policy.updated = now();
    return json::object{};
  });
}

Output IamService::list_entities_for_policy(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string arn = str(in, "PolicyArn");
  if (!find_policy(*state, arn)) return errors::policy_not_found(arn);
  std::string filter = str(in, "EntityFilter");
  json::array users, groups, roles;
  if (filter.empty() || filter == "User") {
    for (const auto& [_, u] : state->users) {
      if (u->attached.contains(arn)) users.push_back({{"UserName", u->name}, {"UserId", u->id}});
    }
  }
  if (filter.empty() || filter == "Group") {
    for (const auto& [_, g] : state->groups) {
      if (g->attached.contains(arn)) groups.push_back({{"GroupName", g->name}, {"GroupId", g->id}});
    }
  }
  if (filter.empty() || filter == "Role") {
    for (const auto& [_, role] : state->roles) {
      if (role->attached.contains(arn)) {
        roles.push_back({{"RoleName", role->name}, {"RoleId", role->id}});
      }
    }
  }
  return json::object{{"PolicyUsers", users},
                      {"PolicyGroups", groups},
                      {"PolicyRoles", roles},
                      {"IsTruncated", false}};
}

}  // namespace nimbus::services::iam
