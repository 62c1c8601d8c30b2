#include "services/cloudformation/changesets.h"

#include <spdlog/spdlog.h>

#include <set>

#include "common/json_fields.h"
#include "services/cloudformation/codec.h"
#include "storage/key_codec.h"
#include "storage/records.h"
#include "storage/storage.h"

namespace nimbus::services::cloudformation {

namespace {

std::string encode(const ChangeSet& cs) {
  json::object given;
  for (const auto& [k, v] : cs.request.given) given[k] = v;
  json::object o{{"id", cs.id},
                 {"name", cs.name},
                 {"stack_id", cs.stack_id},
                 {"stack_name", cs.stack_name},
                 {"type", cs.type},
                 {"status", cs.status},
                 {"execution_status", cs.execution_status},
                 {"reason", cs.reason},
                 {"description", cs.description},
                 {"created", cs.created},
                 {"body", cs.request.body},
                 {"given", std::move(given)},
                 {"capabilities", string_array(cs.request.capabilities)},
                 {"notification_arns", string_array(cs.request.notification_arns)},
                 {"tags", cs.request.tags},
                 {"changes", cs.changes}};
  if (cs.include_nested) o["include_nested"] = true;
  if (!cs.request.imports.empty()) {
    json::object imports;
    for (const auto& [k, v] : cs.request.imports) imports[k] = v;
    o["imports"] = std::move(imports);
  }
  if (!cs.parent_id.empty()) o["parent"] = cs.parent_id;
  if (!cs.root_id.empty()) o["root"] = cs.root_id;
  return json::serialize(o);
}

std::optional<ChangeSet> decode(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  ChangeSet cs;
  cs.id = str(*o, "id");
  cs.name = str(*o, "name");
  if (cs.id.empty()) return std::nullopt;
  cs.stack_id = str(*o, "stack_id");
  cs.stack_name = str(*o, "stack_name");
  cs.type = str(*o, "type");
  cs.status = str(*o, "status");
  cs.execution_status = str(*o, "execution_status");
  cs.reason = str(*o, "reason");
  cs.description = str(*o, "description");
  if (const auto* c = o->if_contains("created"); c && c->is_number()) {
    boost::system::error_code ec;
    cs.created = c->to_number<double>(ec);
  }
  cs.request.name = cs.stack_name;
  cs.request.body = str(*o, "body");
  cs.request.given = string_map(*o, "given");
  cs.request.capabilities = string_list(*o, "capabilities");
  cs.request.notification_arns = string_list(*o, "notification_arns");
  if (const auto* t = o->if_contains("tags"); t && t->is_array()) cs.request.tags = t->as_array();
  if (const auto* c = o->if_contains("changes"); c && c->is_array()) cs.changes = c->as_array();
  cs.request.change_set_id = cs.id;
  cs.include_nested = boolean(*o, "include_nested").value_or(false);
  cs.request.imports = string_map(*o, "imports");
  cs.parent_id = str(*o, "parent");
  cs.root_id = str(*o, "root");
  return cs;
}

std::string key(std::string_view id) {
  return storage::KeyBuilder().str(id).bytes();
}

// "True", "False" or "Conditional" (a replacing property set by a function).
std::string replacement(const Provider* p, const json::object& was, const json::object& now) {
  std::string out = "False";
  if (p == nullptr) return out;
  for (auto name : p->replace_on) {
    const auto* a = was.if_contains(name);
    const auto* b = now.if_contains(name);
    bool differs = (a == nullptr || b == nullptr) ? a != b : *a != *b;
    if (!differs) continue;
    bool computed = b != nullptr && b->is_object();
    if (!computed) return "True";
    out = "Conditional";
  }
  return out;
}

json::object properties_of(const json::value& decl) {
  if (!decl.is_object()) return {};
  const auto* p = decl.as_object().if_contains("Properties");
  return p != nullptr && p->is_object() ? p->as_object() : json::object();
}

}  // namespace

Status ChangeSets::start() {
  storage::Records records(env_.storage, std::string(codec::kChangeSets));
  std::map<std::string, ChangeSet> read;
  auto st = records.each("", [&](storage::Entry& e) {
    if (auto cs = decode(e.value)) {
      read[cs->id] = std::move(*cs);
    } else {
      spdlog::warn("cloudformation: skipping a change set record that does not decode");
    }
  });
  MutexLock lock(mu_);
  sets_ = std::move(read);
  return st;
}

void ChangeSets::put(ChangeSet cs, std::function<void(Status)> done) {
  MutexLock lock(mu_);
  storage::WriteBatch batch;
  batch.add_partition(cs.stack_id);
  batch.put(codec::kChangeSets, key(cs.id), encode(cs));
  sets_[cs.id] = std::move(cs);
  env_.storage->commit(std::move(batch), std::move(done));
}

std::optional<ChangeSet> ChangeSets::find(std::string_view name_or_id,
                                          std::string_view stack_id) const {
  MutexLock lock(mu_);
  if (auto it = sets_.find(std::string(name_or_id)); it != sets_.end()) return it->second;
  for (const auto& [id, cs] : sets_) {
    if (cs.name == name_or_id && cs.stack_id == stack_id) return cs;
  }
  return std::nullopt;
}

std::vector<ChangeSet> ChangeSets::of_stack(std::string_view stack_id) const {
  MutexLock lock(mu_);
  std::vector<ChangeSet> out;
  for (const auto& [id, cs] : sets_) {
    if (cs.stack_id == stack_id) out.push_back(cs);
  }
  return out;
}

std::vector<ChangeSet> ChangeSets::nested_in(std::string_view root_id) const {
  MutexLock lock(mu_);
  std::vector<ChangeSet> out;
  for (const auto& [id, cs] : sets_) {
    if (cs.root_id == root_id) out.push_back(cs);
  }
  return out;
}

void ChangeSets::erase(const std::string& id) {
  MutexLock lock(mu_);
  sets_.erase(id);
  storage::WriteBatch batch;
  batch.del(codec::kChangeSets, key(id));
  env_.storage->commit(std::move(batch), [](Status) {});
}

json::array compute_changes(const StackState* current, const Prepared& next) {
  json::array out;
  auto change = [](std::string action, const std::string& id, const std::string& type,
                   const std::string& physical, std::string replacement_value) {
    json::object rc{
        {"Action", std::move(action)}, {"LogicalResourceId", id}, {"ResourceType", type}};
    if (!physical.empty()) rc["PhysicalResourceId"] = physical;
    if (!replacement_value.empty()) rc["Replacement"] = std::move(replacement_value);
    rc["Scope"] = json::array();
    rc["Details"] = json::array();
    return json::object{{"Type", "Resource"}, {"ResourceChange", std::move(rc)}};
  };
  const json::object* old_resources = nullptr;
  if (current != nullptr) {
    if (const auto* r = current->processed.if_contains("Resources"); r && r->is_object()) {
      old_resources = &r->as_object();
    }
  }
  std::set<std::string> now(next.included.begin(), next.included.end());
  // Parameters whose value changed make the resources naming them change.
  std::vector<std::string> changed_params;
  if (current != nullptr) {
    std::map<std::string, std::string> before;
    for (const auto& p : current->parameters) before[p.key] = p.value;
    for (const auto& p : next.parameters) {
      auto it = before.find(p.key);
      if (it == before.end() || it->second != p.value) changed_params.push_back(p.key);
    }
  }
  auto names_changed_parameter = [&](const json::value& decl) {
    std::string text = json::serialize(decl);
    for (const auto& p : changed_params) {
      if (text.find("\"Ref\":\"" + p + "\"") != std::string::npos ||
          text.find("${" + p + "}") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  for (const auto& id : next.included) {
    const auto& decl = next.tmpl.resources().at(id);
    std::string type = next.tmpl.resource_type(id);
    auto existing =
        current != nullptr ? current->resources.find(id) : decltype(current->resources.end()){};
    bool exists = current != nullptr && existing != current->resources.end() &&
                  !existing->second.physical_id.empty();
    if (!exists) {
      out.push_back(change("Add", id, type, "", ""));
      continue;
    }
    const json::value* was = old_resources != nullptr ? old_resources->if_contains(id) : nullptr;
    if (was != nullptr && *was == decl && !names_changed_parameter(decl)) continue;
    std::string repl = existing->second.type != type
                           ? "True"
                           : replacement(find_provider(type),
                                         was != nullptr ? properties_of(*was) : json::object(),
                                         properties_of(decl));
    out.push_back(change("Modify", id, type, existing->second.physical_id, repl));
  }
  if (current != nullptr) {
    for (const auto& [id, r] : current->resources) {
      if (!now.contains(id) && !r.physical_id.empty()) {
        out.push_back(change("Remove", id, r.type, r.physical_id, ""));
      }
    }
  }
  return out;
}

}  // namespace nimbus::services::cloudformation
