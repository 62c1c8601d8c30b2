#include "services/lambda/function.h"

#include <string>

namespace nimbus::services::lambda {

namespace {

json::object version_doc(const Version& v) {
  json::object o;
  o["config"] = v.config;
  o["code"] = v.code;
  if (!v.layers.empty()) {
    json::array layers;
    for (const auto& l : v.layers) layers.push_back(json::value(l));
    o["layers"] = std::move(layers);
  }
  o["source_revision"] = v.source_revision;
  return o;
}

Version version_from(const json::value* v) {
  Version out;
  if (v == nullptr || !v->is_object()) return out;
  const auto& o = v->as_object();
  if (const auto* c = o.if_contains("config"); c && c->is_object()) out.config = c->as_object();
  if (const auto* c = o.if_contains("code"); c && c->is_string()) {
    out.code = c->as_string();
  } else if (const auto* d = o.if_contains("code_dir"); d && d->is_string()) {
    // Documents written before code was a blob name the unpacked directory,
    // <root>/<sha256 hex>: the hash is its last component.
    std::string_view dir = d->as_string();
    out.code = std::string(dir.substr(dir.rfind('/') + 1));
  }
  if (const auto* l = o.if_contains("layers"); l && l->is_array()) {
    for (const auto& code : l->as_array()) {
      if (code.is_string()) out.layers.emplace_back(code.as_string());
    }
  }
  if (const auto* r = o.if_contains("source_revision"); r && r->is_string()) {
    out.source_revision = r->as_string();
  }
  return out;
}

template <typename Map>
json::object map_doc(const Map& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

std::map<std::string, json::object> map_from(const json::value* v) {
  std::map<std::string, json::object> out;
  if (v == nullptr || !v->is_object()) return out;
  for (const auto& [k, val] : v->as_object()) {
    if (val.is_object()) out[std::string(k)] = val.as_object();
  }
  return out;
}

}  // namespace

json::object to_document(const Function& f) {
  json::object doc;
  doc["name"] = f.name;
  doc["latest"] = version_doc(f.latest);
  json::object versions;
  for (const auto& [n, v] : f.versions) versions[std::to_string(n)] = version_doc(v);
  doc["versions"] = std::move(versions);
  doc["last_version"] = f.last_version;
  doc["aliases"] = map_doc(f.aliases);
  if (f.reserved) doc["reserved"] = *f.reserved;
  doc["provisioned"] = map_doc(f.provisioned);
  doc["event_config"] = map_doc(f.event_config);
  doc["policy"] = f.policy;
  doc["tags"] = f.tags;
  return doc;
}

Function from_document(const json::object& doc) {
  Function f;
  if (const auto* n = doc.if_contains("name"); n && n->is_string()) f.name = n->as_string();
  f.latest = version_from(doc.if_contains("latest"));
  if (const auto* vs = doc.if_contains("versions"); vs && vs->is_object()) {
    for (const auto& [k, v] : vs->as_object()) {
      f.versions[std::stoull(std::string(k))] = version_from(&v);
    }
  }
  if (const auto* lv = doc.if_contains("last_version"); lv && lv->is_number()) {
    f.last_version = lv->to_number<uint64_t>();
  }
  f.aliases = map_from(doc.if_contains("aliases"));
  if (const auto* r = doc.if_contains("reserved"); r && r->is_number()) {
    f.reserved = r->to_number<int64_t>();
  }
  f.provisioned = map_from(doc.if_contains("provisioned"));
  f.event_config = map_from(doc.if_contains("event_config"));
  if (const auto* p = doc.if_contains("policy"); p && p->is_array()) f.policy = p->as_array();
  if (const auto* t = doc.if_contains("tags"); t && t->is_object()) f.tags = t->as_object();
  return f;
}

}  // namespace nimbus::services::lambda
