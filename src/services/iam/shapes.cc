#include "services/iam/shapes.h"

#include <random>

#include "common/encoding.h"
#include "common/json_fields.h"

namespace nimbus::services::iam {

namespace json = boost::json;

namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

std::string random_chars(std::string_view alphabet, size_t n) {
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (size_t i = 0; i < n; ++i) out += alphabet[pick(rng())];
  return out;
}

void boundary_json(const Entity& e, json::object& o) {
  if (e.boundary.empty()) return;
  o["PermissionsBoundary"] =
      json::object{{"PermissionsBoundaryType", "Policy"}, {"PermissionsBoundaryArn", e.boundary}};
}

json::object entity_json(const Entity& e, const char* name_member, const char* id_member) {
  json::object o{{"Path", e.path},
                 {name_member, e.name},
                 {id_member, e.id},
                 {"Arn", e.arn},
                 {"CreateDate", e.created}};
  boundary_json(e, o);
  if (!e.tags.empty()) o["Tags"] = tags_json(e.tags);
  return o;
}

}  // namespace

const char* noun(Kind kind) {
  switch (kind) {
    case Kind::kUser:
      return "user";
    case Kind::kGroup:
      return "group";
    case Kind::kRole:
      return "role";
  }
  return "";
}

std::string new_id(std::string_view prefix) {
  return std::string(prefix) + random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
}

std::string new_secret() {
  return random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
}

std::string new_session_token() {
  return "FwoGZXIvYXdzE" +
         random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 180);
}

std::string iam_arn(std::string_view account, std::string_view type, std::string_view path,
                    std::string_view name) {
  return "arn:aws:iam::" + std::string(account) + ":" + std::string(type) + std::string(path) +
         std::string(name);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json::array tags_json(const Tags& tags) {
  json::array a;
  for (const auto& [k, v] : tags) a.push_back(json::object{{"Key", k}, {"Value", v}});
  return a;
}

Tags tags_of(const json::object& in) {
  Tags out;
  if (const auto* t = in.if_contains("Tags"); t && t->is_array()) {
    for (const auto& tag : t->as_array()) {
      if (tag.is_object())
        out.emplace_back(str(tag.as_object(), "Key"), str(tag.as_object(), "Value"));
    }
  }
  return out;
}

json::object user_json(const User& u) {
  return entity_json(u, "UserName", "UserId");
}

json::object group_json(const Group& g) {
  json::object o{{"Path", g.path},
                 {"GroupName", g.name},
                 {"GroupId", g.id},
                 {"Arn", g.arn},
                 {"CreateDate", g.created}};
  return o;
}

json::object role_json(const Role& r) {
  json::object o = entity_json(r, "RoleName", "RoleId");
  o["AssumeRolePolicyDocument"] = percent_encode(r.trust_policy);
  if (!r.description.empty()) o["Description"] = r.description;
  o["MaxSessionDuration"] = r.max_session_duration;
  return o;
}

json::object policy_json(const ManagedPolicy& p, int attachments) {
  json::object o{{"PolicyName", p.name},
                 {"PolicyId", p.id},
                 {"Arn", p.arn},
                 {"Path", p.path},
                 {"DefaultVersionId", "v" + std::to_string(p.default_version)},
                 {"AttachmentCount", attachments},
                 {"PermissionsBoundaryUsageCount", 0},
                 {"IsAttachable", true},
                 {"CreateDate", p.created},
                 {"UpdateDate", p.updated}};
  if (!p.description.empty()) o["Description"] = p.description;
  if (!p.tags.empty()) o["Tags"] = tags_json(p.tags);
  return o;
}

json::object version_json(const ManagedPolicy& p, int version, bool with_document) {
  const PolicyVersion& v = p.versions.at(version);
  json::object o{{"VersionId", "v" + std::to_string(version)},
                 {"IsDefaultVersion", version == p.default_version},
                 {"CreateDate", v.created}};
  if (with_document) o["Document"] = percent_encode(v.document);
  return o;
}

json::object profile_json(const InstanceProfile& p, const State& state) {
  json::array roles;
  for (const auto& r : p.roles) {
    if (auto it = state.roles.find(lower(r)); it != state.roles.end()) {
      roles.push_back(role_json(*it->second));
    }
  }
  json::object o{{"Path", p.path}, {"InstanceProfileName", p.name}, {"InstanceProfileId", p.id},
                 {"Arn", p.arn},   {"CreateDate", p.created},       {"Roles", roles}};
  if (!p.tags.empty()) o["Tags"] = tags_json(p.tags);
  return o;
}

void page(const json::object& in, std::vector<json::value> items, std::vector<std::string> keys,
          const char* member, json::object& out) {
  std::string marker = str(in, "Marker");
  size_t max = static_cast<size_t>(integer(in, "MaxItems").value_or(100));
  json::array list;
  size_t i = 0;
  if (!marker.empty()) {
    while (i < keys.size() && keys[i] <= marker) ++i;
  }
  for (; i < items.size() && list.size() < max; ++i) list.push_back(std::move(items[i]));
  out[member] = std::move(list);
  out["IsTruncated"] = i < items.size();
  if (i < items.size()) out["Marker"] = keys[i - 1];
}

}  // namespace nimbus::services::iam
