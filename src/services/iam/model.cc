#include "services/iam/model.h"

#include "common/json_fields.h"

namespace nimbus::services::iam {

namespace json = boost::json;

namespace {

json::array stored_tags_json(const Tags& tags) {
  json::array a;
  for (const auto& [k, v] : tags) a.push_back(json::array{json::string(k), json::string(v)});
  return a;
}

Tags stored_tags_of(const json::object& o) {
  Tags out;
  if (const auto* a = o.if_contains("tags"); a && a->is_array()) {
    for (const auto& t : a->as_array()) {
      if (t.is_array() && t.as_array().size() == 2 && t.as_array()[0].is_string() &&
          t.as_array()[1].is_string()) {
        out.emplace_back(t.as_array()[0].as_string(), t.as_array()[1].as_string());
      }
    }
  }
  return out;
}

json::object map_json(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

std::map<std::string, std::string> map_of(const json::object& o, std::string_view key) {
  std::map<std::string, std::string> out;
  if (const auto* m = o.if_contains(key); m && m->is_object()) {
    for (const auto& [k, v] : m->as_object()) {
      if (v.is_string()) out.emplace(k, v.as_string());
    }
  }
  return out;
}

json::array set_json(const std::set<std::string>& s) {
  json::array a;
  for (const auto& v : s) a.emplace_back(v);
  return a;
}

std::set<std::string> set_of(const json::object& o, std::string_view key) {
  auto list = string_list(o, key);
  return {list.begin(), list.end()};
}

double number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return 0;
}

json::object entity_json(const Entity& e) {
  return {{"name", e.name},
          {"id", e.id},
          {"path", e.path},
          {"arn", e.arn},
          {"created", e.created},
          {"inline", map_json(e.inline_policies)},
          {"attached", set_json(e.attached)},
          {"boundary", e.boundary},
          {"tags", stored_tags_json(e.tags)}};
}

bool entity_of(const json::object& o, Entity& e) {
  e.name = str(o, "name");
  e.id = str(o, "id");
  e.path = str(o, "path");
  e.arn = str(o, "arn");
  e.created = number(o, "created");
  e.inline_policies = map_of(o, "inline");
  e.attached = set_of(o, "attached");
  e.boundary = str(o, "boundary");
  e.tags = stored_tags_of(o);
  return !e.name.empty() && !e.arn.empty();
}

}  // namespace

json::object encode(const User& u) {
  auto o = entity_json(u);
  o["groups"] = set_json(u.groups);
  return o;
}
bool decode(const json::object& o, User& u) {
  u.groups = set_of(o, "groups");
  return entity_of(o, u);
}

json::object encode(const Group& g) {
  return entity_json(g);
}
bool decode(const json::object& o, Group& g) {
  return entity_of(o, g);
}

json::object encode(const Role& r) {
  auto o = entity_json(r);
  o["trust"] = r.trust_policy;
  o["description"] = r.description;
  o["max_session"] = r.max_session_duration;
  o["service_linked"] = r.service_linked;
  return o;
}
bool decode(const json::object& o, Role& r) {
  r.trust_policy = str(o, "trust");
  r.description = str(o, "description");
  r.max_session_duration = integer(o, "max_session").value_or(3600);
  r.service_linked = boolean(o, "service_linked").value_or(false);
  return entity_of(o, r);
}

json::object encode(const ManagedPolicy& p) {
  json::object versions;
  for (const auto& [n, v] : p.versions) {
    versions[std::to_string(n)] = json::object{{"document", v.document}, {"created", v.created}};
  }
  return {{"name", p.name},
          {"id", p.id},
          {"path", p.path},
          {"arn", p.arn},
          {"description", p.description},
          {"created", p.created},
          {"updated", p.updated},
          {"default", p.default_version},
          {"next", p.next_version},
          {"versions", versions},
          {"tags", stored_tags_json(p.tags)}};
}
bool decode(const json::object& o, ManagedPolicy& p) {
  p.name = str(o, "name");
  p.id = str(o, "id");
  p.path = str(o, "path");
  p.arn = str(o, "arn");
  p.description = str(o, "description");
  p.created = number(o, "created");
  p.updated = number(o, "updated");
  p.default_version = static_cast<int>(integer(o, "default").value_or(1));
  p.next_version = static_cast<int>(integer(o, "next").value_or(2));
  if (const auto* v = o.if_contains("versions"); v && v->is_object()) {
    for (const auto& [n, version] : v->as_object()) {
      if (!version.is_object()) continue;
      p.versions[std::atoi(std::string(n).c_str())] = PolicyVersion{
          str(version.as_object(), "document"), number(version.as_object(), "created")};
    }
  }
  p.tags = stored_tags_of(o);
  return !p.arn.empty() && p.versions.contains(p.default_version);
}

json::object encode(const AccessKey& k) {
  return {{"id", k.id},
          {"secret", k.secret},
          {"user", k.user},
          {"active", k.active},
          {"created", k.created}};
}
bool decode(const json::object& o, AccessKey& k) {
  k.id = str(o, "id");
  k.secret = str(o, "secret");
  k.user = str(o, "user");
  k.active = boolean(o, "active").value_or(true);
  k.created = number(o, "created");
  return !k.id.empty() && !k.secret.empty();
}

json::object encode(const InstanceProfile& p) {
  json::array roles;
  for (const auto& r : p.roles) roles.emplace_back(r);
  return {{"name", p.name},
          {"id", p.id},
          {"path", p.path},
          {"arn", p.arn},
          {"created", p.created},
          {"roles", roles},
          {"tags", stored_tags_json(p.tags)}};
}
bool decode(const json::object& o, InstanceProfile& p) {
  p.name = str(o, "name");
  p.id = str(o, "id");
  p.path = str(o, "path");
  p.arn = str(o, "arn");
  p.created = number(o, "created");
  p.roles = string_list(o, "roles");
  p.tags = stored_tags_of(o);
  return !p.name.empty();
}

json::object encode(const Session& s) {
  return {{"akid", s.access_key_id},
          {"secret", s.secret},
          {"token", s.token},
          {"expiration", s.expiration},
          {"principal_arn", s.principal_arn},
          {"principal_id", s.principal_id},
          {"role", s.role},
          {"user", s.user},
          {"session_name", s.session_name},
          {"policy", s.session_policy},
          {"policy_arns", json::array(s.policy_arns.begin(), s.policy_arns.end())},
          {"tags", map_json(s.tags)},
          {"source_identity", s.source_identity}};
}
bool decode(const json::object& o, Session& s) {
  s.access_key_id = str(o, "akid");
  s.secret = str(o, "secret");
  s.token = str(o, "token");
  s.expiration = number(o, "expiration");
  s.principal_arn = str(o, "principal_arn");
  s.principal_id = str(o, "principal_id");
  s.role = str(o, "role");
  s.user = str(o, "user");
  s.session_name = str(o, "session_name");
  s.session_policy = str(o, "policy");
  s.policy_arns = string_list(o, "policy_arns");
  s.tags = map_of(o, "tags");
  s.source_identity = str(o, "source_identity");
  return !s.access_key_id.empty() && !s.token.empty();
}

json::object encode(const OidcProvider& p) {
  return {{"url", p.url},
          {"arn", p.arn},
          {"client_ids", json::array(p.client_ids.begin(), p.client_ids.end())},
          {"thumbprints", json::array(p.thumbprints.begin(), p.thumbprints.end())},
          {"created", p.created},
          {"tags", stored_tags_json(p.tags)}};
}
bool decode(const json::object& o, OidcProvider& p) {
  p.url = str(o, "url");
  p.arn = str(o, "arn");
  p.client_ids = string_list(o, "client_ids");
  p.thumbprints = string_list(o, "thumbprints");
  p.created = number(o, "created");
  p.tags = stored_tags_of(o);
  return !p.url.empty() && !p.arn.empty();
}

}  // namespace nimbus::services::iam
