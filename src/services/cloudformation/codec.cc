#include "services/cloudformation/codec.h"

#include <cmath>

#include "common/json_fields.h"
#include "storage/key_codec.h"

namespace nimbus::services::cloudformation::codec {

namespace {

double number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return 0;
}

// Whether every number in `v` is finite (the parser bounds the depth).
bool finite(const json::value& v) {
  if (v.is_double()) return std::isfinite(v.as_double());
  if (const auto* o = v.if_object()) {
    for (const auto& [k, x] : *o) {
      if (!finite(x)) return false;
    }
  }
  if (const auto* a = v.if_array()) {
    for (const auto& x : *a) {
      if (!finite(x)) return false;
    }
  }
  return true;
}

bool finite(const json::object& o) {
  for (const auto& [k, x] : o) {
    if (!finite(x)) return false;
  }
  return true;
}

json::object object(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->as_object() : json::object();
}

json::array array(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? v->as_array() : json::array();
}

json::object encode_resource(const ResourceState& r) {
  return json::object{{"type", r.type},
                      {"physical", r.physical_id},
                      {"status", r.status},
                      {"reason", r.reason},
                      {"planned", r.planned_id},
                      {"properties", r.properties},
                      {"attributes", r.attributes},
                      {"updated", r.updated},
                      {"no_echo", r.no_echo}};
}

ResourceState decode_resource(const json::object& r) {
  ResourceState rs;
  rs.type = str(r, "type");
  rs.physical_id = str(r, "physical");
  rs.status = str(r, "status");
  rs.reason = str(r, "reason");
  rs.planned_id = str(r, "planned");
  rs.properties = object(r, "properties");
  rs.attributes = object(r, "attributes");
  rs.updated = number(r, "updated");
  rs.no_echo = boolean(r, "no_echo").value_or(false);
  return rs;
}

}  // namespace

std::string stack_key(std::string_view stack_id) {
  return storage::KeyBuilder().str(stack_id).bytes();
}

std::string event_key(std::string_view stack_id, uint64_t seq) {
  return storage::KeyBuilder().str(stack_id).u64(seq).bytes();
}

std::string event_prefix(std::string_view stack_id) {
  return stack_key(stack_id);
}

std::string encode(const StackState& s) {
  json::object o;
  o["id"] = s.id;
  o["name"] = s.name;
  o["status"] = s.status;
  o["reason"] = s.reason;
  o["description"] = s.description;
  o["created"] = s.created;
  o["updated"] = s.updated;
  o["deleted"] = s.deleted;
  o["region"] = s.region;
  o["account"] = s.account_id;
  o["endpoint"] = s.endpoint_url;
  o["template"] = s.template_body;
  o["processed"] = s.processed;
  json::array params;
  for (const auto& p : s.parameters) params.push_back(json::object{{"k", p.key}, {"v", p.value}});
  o["parameters"] = std::move(params);
  o["capabilities"] = string_array(s.capabilities);
  o["notification_arns"] = string_array(s.notification_arns);
  o["tags"] = s.tags;
  o["outputs"] = s.outputs;
  o["disable_rollback"] = s.disable_rollback;
  o["termination_protection"] = s.termination_protection;
  if (s.delete_on_failure) o["delete_on_failure"] = true;
  if (!s.policy.empty()) o["policy"] = s.policy;
  if (!s.imports.empty()) o["imports"] = string_array(s.imports);
  o["change_set"] = s.change_set_id;
  if (!s.parent_id.empty()) o["parent"] = s.parent_id;
  if (!s.root_id.empty()) o["root"] = s.root_id;
  json::object resources;
  for (const auto& [id, r] : s.resources) resources[id] = encode_resource(r);
  o["resources"] = std::move(resources);
  if (!s.orphans.empty()) {
    json::array orphans;
    for (const auto& orphan : s.orphans) {
      json::object e = encode_resource(orphan.resource);
      e["logical"] = orphan.logical_id;
      orphans.push_back(std::move(e));
    }
    o["orphans"] = std::move(orphans);
  }
  if (s.previous) o["previous"] = *s.previous;
  o["next_event"] = s.next_event;
  return json::serialize(o);
}

std::optional<StackState> decode_stack(std::string_view text) {
  auto parsed = parse_object(text);
  // A number past a double's range parses as infinity, which encode()
  // could not write back readable: such a record is not one nimbus wrote.
  if (!parsed || !finite(*parsed)) return std::nullopt;
  const json::object& o = *parsed;
  StackState s;
  s.id = str(o, "id");
  s.name = str(o, "name");
  if (s.id.empty() || s.name.empty()) return std::nullopt;
  s.status = str(o, "status");
  s.reason = str(o, "reason");
  s.description = str(o, "description");
  s.created = number(o, "created");
  s.updated = number(o, "updated");
  s.deleted = number(o, "deleted");
  s.region = str(o, "region");
  s.account_id = str(o, "account");
  s.endpoint_url = str(o, "endpoint");
  s.template_body = str(o, "template");
  s.processed = object(o, "processed");
  for (const auto& p : array(o, "parameters")) {
    if (p.is_object()) s.parameters.push_back({str(p.as_object(), "k"), str(p.as_object(), "v")});
  }
  s.capabilities = string_list(o, "capabilities");
  s.notification_arns = string_list(o, "notification_arns");
  s.tags = array(o, "tags");
  s.outputs = array(o, "outputs");
  s.disable_rollback = boolean(o, "disable_rollback").value_or(false);
  s.termination_protection = boolean(o, "termination_protection").value_or(false);
  s.delete_on_failure = boolean(o, "delete_on_failure").value_or(false);
  s.policy = str(o, "policy");
  s.imports = string_list(o, "imports");
  s.change_set_id = str(o, "change_set");
  s.parent_id = str(o, "parent");
  s.root_id = str(o, "root");
  for (const auto& [id, v] : object(o, "resources")) {
    if (v.is_object()) s.resources[std::string(id)] = decode_resource(v.as_object());
  }
  for (const auto& v : array(o, "orphans")) {
    if (v.is_object())
      s.orphans.push_back({str(v.as_object(), "logical"), decode_resource(v.as_object())});
  }
  if (const auto* p = o.if_contains("previous"); p != nullptr && p->is_object()) {
    s.previous = p->as_object();
  }
  auto next = integer(o, "next_event");
  s.next_event = next && *next > 0 ? static_cast<uint64_t>(*next) : 0;
  return s;
}

}  // namespace nimbus::services::cloudformation::codec
