// Users, groups and access keys.
#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/iam/entities.h"
#include "services/iam/errors.h"
#include "services/iam/iam_service.h"

namespace nimbus::services::iam {

namespace json = boost::json;

namespace {

constexpr int kKeysPerUser = 2;

json::object key_metadata(const AccessKey& k) {
  return {{"UserName", k.user},
          {"AccessKeyId", k.id},
          {"Status", k.active ? "Active" : "Inactive"},
          {"CreateDate", k.created}};
}

// The user a key operation is about: UserName, else the caller's own user.
std::string key_user(const std::string& caller, const json::object& in) {
  if (has(in, "UserName")) return str(in, "UserName");
  constexpr std::string_view marker = ":user/";
  size_t at = caller.find(marker);
  if (at == std::string::npos) return "";
  std::string rest = caller.substr(at + marker.size());
  return rest.substr(rest.rfind('/') + 1);
}

}  // namespace

void IamService::create_user(const CallContext& ctx, json::object in, Respond r) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return r(errors::invalid_input(*why));
  }
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "UserName");
    auto path = path_of(in);
    if (!path) return path.take_error();
    if (d.state.users.contains(lower(name))) return errors::already_exists("User", name);
    User u;
    stamp(u, name, "AIDA", "user", *path);
    u.tags = tags_of(in);
    if (has(in, "PermissionsBoundary")) {
      std::string b = str(in, "PermissionsBoundary");
      if (!find_policy(d.state, b)) return errors::policy_not_attachable(b);
      u.boundary = b;
    }
    return json::object{{"User", user_json(d.put(d.state.users, lower(name), std::move(u)))}};
  });
}

Output IamService::get_user(const CallContext& ctx, const json::object& in) const {
  auto state = store_.snapshot();
  std::string name = key_user(caller_arn(ctx), in);
  if (name.empty()) {
    // The root user (or a role session) asks about itself.
    if (!has(in, "UserName") && caller_arn(ctx).find(":assumed-role/") == std::string::npos) {
      return json::object{{"User", json::object{{"Path", "/"},
                                                {"UserName", ""},
                                                {"UserId", account()},
                                                {"Arn", "arn:aws:iam::" + account() + ":root"},
                                                {"CreateDate", 0}}}};
    }
    return Error::validation("Must specify userName when calling with non-User credentials");
  }
  auto e = require_entity(*state, Kind::kUser, name);
  if (!e) return e.take_error();
  return json::object{{"User", user_json(static_cast<const User&>(**e))}};
}

Output IamService::list_users(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string prefix = has(in, "PathPrefix") ? str(in, "PathPrefix") : "/";
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& [key, u] : state->users) {
    if (!u->path.starts_with(prefix)) continue;
    json::object o = user_json(*u);
    o.erase("Tags");
    items.emplace_back(std::move(o));
    keys.push_back(key);
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "Users", out);
  return out;
}

void IamService::update_user(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "UserName");
    auto e = require_entity(d.state, Kind::kUser, name);
    if (!e) return e.take_error();
    if (!has(in, "NewUserName") && !has(in, "NewPath")) return json::object{};
    User u = static_cast<const User&>(**e);
    if (has(in, "NewPath")) {
      auto path = path_of(in, "NewPath");
      if (!path) return path.take_error();
      u.path = *path;
    }
    std::string new_name = has(in, "NewUserName") ? str(in, "NewUserName") : u.name;
    if (lower(new_name) != lower(name) && d.state.users.contains(lower(new_name))) {
      return errors::already_exists("User", new_name);
    }
    u.name = new_name;
    u.arn = iam_arn(account(), "user", u.path, new_name);
    // Keys and groups follow the user to its new name.
    for (const auto& [id, k] : d.state.keys) {
      if (lower(k->user) == lower(name)) d.edit(d.state.keys, id).user = new_name;
    }
    d.erase(d.state.users, lower(name));
    d.put(d.state.users, lower(new_name), std::move(u));
    return json::object{};
  });
}

void IamService::delete_user(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "UserName");
    auto e = require_entity(d.state, Kind::kUser, name);
    if (!e) return e.take_error();
    const auto& u = static_cast<const User&>(**e);
    for (const auto& [_, k] : d.state.keys) {
      if (lower(k->user) == lower(name)) {
        return errors::delete_conflict("Cannot delete entity, must delete access keys first.");
      }
    }
    if (!u.inline_policies.empty()) {
      return errors::delete_conflict("Cannot delete entity, must delete policies first.");
    }
    if (!u.attached.empty()) {
      return errors::delete_conflict("Cannot delete entity, must detach all policies first.");
    }
    if (!u.groups.empty()) {
      return errors::delete_conflict(
          "Cannot delete entity, must remove user from all groups first.");
    }
    d.erase(d.state.users, lower(name));
    return json::object{};
  });
}

void IamService::create_group(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "GroupName");
    auto path = path_of(in);
    if (!path) return path.take_error();
    if (d.state.groups.contains(lower(name))) return errors::already_exists("Group", name);
    Group g;
    stamp(g, name, "AGPA", "group", *path);
    return json::object{{"Group", group_json(d.put(d.state.groups, lower(name), std::move(g)))}};
  });
}

Output IamService::get_group(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string name = str(in, "GroupName");
  auto e = require_entity(*state, Kind::kGroup, name);
  if (!e) return e.take_error();
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& [key, u] : state->users) {
    for (const auto& g : u->groups) {
      if (lower(g) == lower(name)) {
        json::object o = user_json(*u);
        o.erase("Tags");
        items.emplace_back(std::move(o));
        keys.push_back(key);
      }
    }
  }
  json::object out{{"Group", group_json(static_cast<const Group&>(**e))}};
  page(in, std::move(items), std::move(keys), "Users", out);
  return out;
}

Output IamService::list_groups(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string prefix = has(in, "PathPrefix") ? str(in, "PathPrefix") : "/";
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& [key, g] : state->groups) {
    if (!g->path.starts_with(prefix)) continue;
    items.emplace_back(group_json(*g));
    keys.push_back(key);
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "Groups", out);
  return out;
}

void IamService::delete_group(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string name = str(in, "GroupName");
    auto e = require_entity(d.state, Kind::kGroup, name);
    if (!e) return e.take_error();
    for (const auto& [_, u] : d.state.users) {
      for (const auto& g : u->groups) {
        if (lower(g) == lower(name)) {
          return errors::delete_conflict(
              "Cannot delete entity, must remove users from group first.");
        }
      }
    }
    if (!(*e)->inline_policies.empty()) {
      return errors::delete_conflict("Cannot delete entity, must delete policies first.");
    }
    if (!(*e)->attached.empty()) {
      return errors::delete_conflict("Cannot delete entity, must detach all policies first.");
    }
    d.erase(d.state.groups, lower(name));
    return json::object{};
  });
}

void IamService::add_user_to_group(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto g = require_entity(d.state, Kind::kGroup, str(in, "GroupName"));
    if (!g) return g.take_error();
    auto u = require_entity(d.state, Kind::kUser, str(in, "UserName"));
    if (!u) return u.take_error();
    std::string group = (*g)->name;
    auto& user = static_cast<User&>(edit_entity(d, Kind::kUser, (*u)->name));
    user.groups.insert(group);
    return json::object{};
  });
}

void IamService::remove_user_from_group(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto g = require_entity(d.state, Kind::kGroup, str(in, "GroupName"));
    if (!g) return g.take_error();
    auto u = require_entity(d.state, Kind::kUser, str(in, "UserName"));
    if (!u) return u.take_error();
    const auto& current = static_cast<const User&>(**u);
    if (!current.groups.contains((*g)->name)) {
      return errors::no_such_entity("User " + current.name + " is not in group " + (*g)->name +
                                    ".");
    }
    std::string group = (*g)->name;
    static_cast<User&>(edit_entity(d, Kind::kUser, current.name)).groups.erase(group);
    return json::object{};
  });
}

Output IamService::list_groups_for_user(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  auto u = require_entity(*state, Kind::kUser, str(in, "UserName"));
  if (!u) return u.take_error();
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& name : static_cast<const User&>(**u).groups) {
    if (const Entity* g = find_entity(*state, Kind::kGroup, name)) {
      items.emplace_back(group_json(static_cast<const Group&>(*g)));
      keys.push_back(lower(name));
    }
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "Groups", out);
  return out;
}

void IamService::create_access_key(const CallContext& ctx, json::object in, Respond r) {
  std::string name = key_user(caller_arn(ctx), in);
  mutate(std::move(r), [this, name](Draft& d) -> Output {
    if (name.empty()) {
      return errors::invalid_input(
          "nimbus keeps the account root's credentials on its command line: name a user.");
    }
    auto u = require_entity(d.state, Kind::kUser, name);
    if (!u) return u.take_error();
    int n = 0;
    for (const auto& [_, k] : d.state.keys) n += lower(k->user) == lower(name);
    if (n >= kKeysPerUser) return errors::quota("AccessKeysPerUser", kKeysPerUser);
    AccessKey k;
    k.id = new_id("AKIA");
    k.secret = new_secret();
    k.user = (*u)->name;
    k.created = now();
    json::object key = key_metadata(k);
    key["SecretAccessKey"] = k.secret;
    std::string id = k.id;
    d.put(d.state.keys, id, std::move(k));
    return json::object{{"AccessKey", std::move(key)}};
  });
}

Output IamService::list_access_keys(const CallContext& ctx, const json::object& in) const {
  auto state = store_.snapshot();
  std::string name = key_user(caller_arn(ctx), in);
  if (name.empty())
    return json::object{{"AccessKeyMetadata", json::array{}}, {"IsTruncated", false}};
  auto u = require_entity(*state, Kind::kUser, name);
  if (!u) return u.take_error();
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& [id, k] : state->keys) {
    if (lower(k->user) != lower(name)) continue;
    items.emplace_back(key_metadata(*k));
    keys.push_back(id);
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "AccessKeyMetadata", out);
  return out;
}

void IamService::update_access_key(const CallContext& ctx, json::object in, Respond r) {
  std::string name = key_user(caller_arn(ctx), in);
  mutate(std::move(r), [name, in = std::move(in)](Draft& d) -> Output {
    std::string id = str(in, "AccessKeyId");
    auto it = d.state.keys.find(id);
    if (it == d.state.keys.end() || lower(it->second->user) != lower(name)) {
      return errors::key_not_found(id);
    }
    d.edit(d.state.keys, id).active = str(in, "Status") == "Active";
    return json::object{};
  });
}

void IamService::delete_access_key(const CallContext& ctx, json::object in, Respond r) {
  std::string name = key_user(caller_arn(ctx), in);
  mutate(std::move(r), [name, in = std::move(in)](Draft& d) -> Output {
    std::string id = str(in, "AccessKeyId");
    auto it = d.state.keys.find(id);
    if (it == d.state.keys.end() || lower(it->second->user) != lower(name)) {
      return errors::key_not_found(id);
    }
    d.erase(d.state.keys, id);
    return json::object{};
  });
}

Output IamService::get_access_key_last_used(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string id = str(in, "AccessKeyId");
  auto it = state->keys.find(id);
  if (it == state->keys.end()) return errors::key_not_found(id);
  return json::object{
      {"UserName", it->second->user},
      {"AccessKeyLastUsed", json::object{{"ServiceName", "N/A"}, {"Region", "N/A"}}}};
}

}  // namespace nimbus::services::iam
