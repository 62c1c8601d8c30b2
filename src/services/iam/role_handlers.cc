// Roles, service-linked roles, instance profiles, and tags of users and roles.
#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/iam/entities.h"
#include "services/iam/errors.h"
#include "services/iam/iam_service.h"

namespace nimbus::services::iam {

namespace json = boost::json;

namespace {

constexpr size_t kTrustPolicySize = 2048;

Result<int64_t> max_session(const json::object& in) {
  int64_t v = integer(in, "MaxSessionDuration").value_or(3600);
  if (v < 3600 || v > 43200) {
    return Error::validation("The requested MaxSessionDuration of " + std::to_string(v) +
                             " seconds is not valid. It must be between 3600 and 43200 seconds.");
  }
  return v;
}

Output role_output(const Role& r) {
  return json::object{{"Role", role_json(r)}};
}

}  // namespace

void IamService::create_role(const CallContext& ctx, json::object in, Respond r) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return r(errors::invalid_input(*why));
  }
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "RoleName");
    auto path = path_of(in);
    if (!path) return path.take_error();
    auto session = max_session(in);
    if (!session) return session.take_error();
    std::string trust = str(in, "AssumeRolePolicyDocument");
    NIMBUS_TRY(
        check_document(trust, engine::PolicyKind::kTrust, "ACLSizePerRole", kTrustPolicySize));
    if (d.state.roles.contains(lower(name))) return errors::already_exists("Role", name);
    Role role;
    stamp(role, name, "AROA", "role", *path);
    role.trust_policy = trust;
    role.description = str(in, "Description");
    role.max_session_duration = *session;
    role.tags = tags_of(in);
    if (has(in, "PermissionsBoundary")) {
      std::string b = str(in, "PermissionsBoundary");
      if (!find_policy(d.state, b)) return errors::policy_not_attachable(b);
      role.boundary = b;
    }
    return role_output(d.put(d.state.roles, lower(name), std::move(role)));
  });
}

Output IamService::get_role(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  auto e = require_entity(*state, Kind::kRole, str(in, "RoleName"));
  if (!e) return e.take_error();
  return role_output(static_cast<const Role&>(**e));
}

Output IamService::list_roles(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string prefix = has(in, "PathPrefix") ? str(in, "PathPrefix") : "/";
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& [key, role] : state->roles) {
    if (!role->path.starts_with(prefix)) continue;
    json::object o = role_json(*role);
    o.erase("Tags");
    o.erase("PermissionsBoundary");
    items.emplace_back(std::move(o));
    keys.push_back(key);
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "Roles", out);
  return out;
}

void IamService::update_role(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, Kind::kRole, str(in, "RoleName"));
    if (!e) return e.take_error();
    std::optional<int64_t> session;
    if (has(in, "MaxSessionDuration")) {
      auto v = max_session(in);
      if (!v) return v.take_error();
      session = *v;
    }
    auto& role = static_cast<Role&>(edit_entity(d, Kind::kRole, (*e)->name));
    if (has(in, "Description")) role.description = str(in, "Description");
    if (session) role.max_session_duration = *session;
    return json::object{};
  });
}

void IamService::update_assume_role_policy(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, Kind::kRole, str(in, "RoleName"));
    if (!e) return e.take_error();
    std::string trust = str(in, "PolicyDocument");
    NIMBUS_TRY(
        check_document(trust, engine::PolicyKind::kTrust, "ACLSizePerRole", kTrustPolicySize));
    static_cast<Role&>(edit_entity(d, Kind::kRole, (*e)->name)).trust_policy = trust;
    return json::object{};
  });
}

void IamService::delete_role(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "RoleName");
    auto e = require_entity(d.state, Kind::kRole, name);
    if (!e) return e.take_error();
    for (const auto& [_, p] : d.state.profiles) {
      for (const auto& role : p->roles) {
        if (lower(role) == lower(name)) {
          return errors::delete_conflict(
              "Cannot delete entity, must remove roles from instance profile first.");
        }
      }
    }
    if (!(*e)->inline_policies.empty()) {
      return errors::delete_conflict("Cannot delete entity, must delete policies first.");
    }
    if (!(*e)->attached.empty()) {
      return errors::delete_conflict("Cannot delete entity, must detach all policies first.");
    }
    d.erase(d.state.roles, lower(name));
    return json::object{};
  });
}

// A role for an AWS service, as IAM creates them: AWSServiceRoleFor<Service>
// under /aws-service-role/<service principal>/, trusted by that service.
void IamService::create_service_linked_role(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string service = str(in, "AWSServiceName");
    size_t dot = service.find('.');
    if (dot == std::string::npos || !service.ends_with(".amazonaws.com")) {
      return errors::invalid_input("Invalid service name: " + service);
    }
    std::string base = service.substr(0, dot);
    std::string camel;
    bool up = true;
    for (char c : base) {
      if (c == '-') {
        up = true;
        continue;
      }
      camel += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      up = false;
    }
    std::string name = "AWSServiceRoleFor" + camel;
    if (has(in, "CustomSuffix")) name += "_" + str(in, "CustomSuffix");
    if (d.state.roles.contains(lower(name))) {
      return errors::invalid_input("Service role name " + name +
                                   " has been taken in this account, please try a different "
                                   "suffix.");
    }
    Role role;
    stamp(role, name, "AROA", "role", "/aws-service-role/" + service + "/");
    role.trust_policy =
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":[")" +
        service + R"("]},"Action":["sts:AssumeRole"]}]})";
    role.description = str(in, "Description");
    role.service_linked = true;
    return role_output(d.put(d.state.roles, lower(name), std::move(role)));
  });
}

void IamService::create_instance_profile(const CallContext& ctx, json::object in, Respond r) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return r(errors::invalid_input(*why));
  }
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "InstanceProfileName");
    auto path = path_of(in);
    if (!path) return path.take_error();
    if (d.state.profiles.contains(lower(name))) {
      return Error::make("EntityAlreadyExistsException",
                         "Instance Profile " + name + " already exists.", 409);
    }
    InstanceProfile p;
    p.name = name;
    p.id = new_id("AIPA");
    p.path = *path;
    p.arn = iam_arn(account(), "instance-profile", p.path, name);
    p.created = now();
    p.tags = tags_of(in);
    const auto& stored = d.put(d.state.profiles, lower(name), std::move(p));
    return json::object{{"InstanceProfile", profile_json(stored, d.state)}};
  });
}

Output IamService::get_instance_profile(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string name = str(in, "InstanceProfileName");
  auto it = state->profiles.find(lower(name));
  if (it == state->profiles.end()) return errors::profile_not_found(name);
  return json::object{{"InstanceProfile", profile_json(*it->second, *state)}};
}

Output IamService::list_instance_profiles(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string prefix = has(in, "PathPrefix") ? str(in, "PathPrefix") : "/";
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& [key, p] : state->profiles) {
    if (!p->path.starts_with(prefix)) continue;
    items.emplace_back(profile_json(*p, *state));
    keys.push_back(key);
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "InstanceProfiles", out);
  return out;
}

Output IamService::list_instance_profiles_for_role(const CallContext&,
                                                   const json::object& in) const {
  auto state = store_.snapshot();
  std::string name = str(in, "RoleName");
  auto e = require_entity(*state, Kind::kRole, name);
  if (!e) return e.take_error();
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& [key, p] : state->profiles) {
    for (const auto& role : p->roles) {
      if (lower(role) == lower(name)) {
        items.emplace_back(profile_json(*p, *state));
        keys.push_back(key);
      }
    }
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "InstanceProfiles", out);
  return out;
}

void IamService::delete_instance_profile(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "InstanceProfileName");
    auto it = d.state.profiles.find(lower(name));
    if (it == d.state.profiles.end()) return errors::profile_not_found(name);
    if (!it->second->roles.empty()) {
      return errors::delete_conflict(
          "Cannot delete entity, must remove roles from instance profile first.");
    }
    d.erase(d.state.profiles, lower(name));
    return json::object{};
  });
}

void IamService::add_role_to_instance_profile(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "InstanceProfileName");
    auto it = d.state.profiles.find(lower(name));
    if (it == d.state.profiles.end()) return errors::profile_not_found(name);
    auto e = require_entity(d.state, Kind::kRole, str(in, "RoleName"));
    if (!e) return e.take_error();
    if (!it->second->roles.empty()) {
      return errors::quota("InstanceSessionsPerInstanceProfile", 1);
    }
    std::string role = (*e)->name;
    d.edit(d.state.profiles, lower(name)).roles.push_back(role);
    return json::object{};
  });
}

void IamService::remove_role_from_instance_profile(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "InstanceProfileName");
    auto it = d.state.profiles.find(lower(name));
    if (it == d.state.profiles.end()) return errors::profile_not_found(name);
    std::string role = str(in, "RoleName");
    auto& roles = d.edit(d.state.profiles, lower(name)).roles;
    auto found = std::find_if(roles.begin(), roles.end(),
                              [&](const std::string& x) { return lower(x) == lower(role); });
    if (found == roles.end()) return errors::not_found("role", role);
    roles.erase(found);
    return json::object{};
  });
}

namespace {

const char* name_member(Kind kind) {
  return kind == Kind::kUser ? "UserName" : kind == Kind::kRole ? "RoleName" : "GroupName";
}

}  // namespace

template <Kind K>
void IamService::tag(const CallContext& ctx, json::object in, Respond r) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return r(errors::invalid_input(*why));
  }
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, K, str(in, name_member(K)));
    if (!e) return e.take_error();
    Tags add = tags_of(in);
    Entity& entity = edit_entity(d, K, (*e)->name);
    for (auto& tag : add) {
      const auto& key = tag.first;
      auto it = std::find_if(entity.tags.begin(), entity.tags.end(),
                             [&](const auto& t) { return t.first == key; });
      if (it != entity.tags.end()) {
        it->second = tag.second;
      } else {
        entity.tags.emplace_back(tag.first, tag.second);
      }
    }
    if (entity.tags.size() > 50) return errors::quota("TagsPerUser", 50);
    return json::object{};
  });
}

template <Kind K>
void IamService::untag(const CallContext& ctx, json::object in, Respond r) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return r(errors::invalid_input(*why));
  }
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, K, str(in, name_member(K)));
    if (!e) return e.take_error();
    auto keys = string_list(in, "TagKeys");
    Entity& entity = edit_entity(d, K, (*e)->name);
    std::erase_if(entity.tags, [&](const auto& t) {
      return std::find(keys.begin(), keys.end(), t.first) != keys.end();
    });
    return json::object{};
  });
}

template <Kind K>
Output IamService::list_tags(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  auto e = require_entity(*state, K, str(in, name_member(K)));
  if (!e) return e.take_error();
  return json::object{{"Tags", tags_json((*e)->tags)}, {"IsTruncated", false}};
}

template void IamService::tag<Kind::kUser>(const CallContext&, json::object, Respond);
template void IamService::tag<Kind::kRole>(const CallContext&, json::object, Respond);
template void IamService::untag<Kind::kUser>(const CallContext&, json::object, Respond);
template void IamService::untag<Kind::kRole>(const CallContext&, json::object, Respond);
template Output IamService::list_tags<Kind::kUser>(const CallContext&, const json::object&) const;
template Output IamService::list_tags<Kind::kRole>(const CallContext&, const json::object&) const;

}  // namespace nimbus::services::iam
