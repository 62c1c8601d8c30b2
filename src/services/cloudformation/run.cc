// The steps of stack operations (engine.h): forward (create, update) and
// teardown (delete, rollbacks, the cleanup after an update).
#include <algorithm>
#include <set>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/cloudformation/codec.h"
#include "services/cloudformation/errors.h"
#include "services/cloudformation/no_echo.h"
#include "services/cloudformation/policy.h"
#include "services/cloudformation/run.h"
#include "services/cloudformation/stack_tags.h"

namespace nimbus::services::cloudformation {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void forget_previous(StackState& s, const std::string& id) {
  if (!s.previous) return;
  if (auto* r = s.previous->if_contains("resources"); r != nullptr && r->is_object()) {
    r->as_object().erase(id);
  }
}

// Whether the resource's DeletionPolicy keeps it when its stack is deleted
// or an update removes it: Retain, RetainExceptOnCreate (those are not a
// failed create's rollback), and Snapshot, kept whole since nimbus has no
// snapshots to take.
bool retained(const json::object& processed, const std::string& id) {
  const auto* resources = processed.if_contains("Resources");
  if (resources == nullptr || !resources->is_object()) return false;
  const auto* r = resources->as_object().if_contains(id);
  std::string policy =
      r != nullptr && r->is_object() ? str(r->as_object(), "DeletionPolicy") : std::string();
  return policy == "Retain" || policy == "RetainExceptOnCreate" || policy == "Snapshot";
}

// The id a teardown deletes by: the physical id, or for a create that was
// interrupted before its answer the id it was planned to get.
std::string teardown_id(const ResourceState& r) {
  return r.physical_id.empty() ? r.planned_id : r.physical_id;
}

bool changed(const json::object& a, const json::object& b, std::string_view key) {
  const auto* x = a.if_contains(key);
  const auto* y = b.if_contains(key);
  if (x == nullptr || y == nullptr) return x != y;
  return *x != *y;
}

// Every Fn::ImportValue argument in `v`.
void import_arguments(const json::value& v, std::vector<const json::value*>& out) {
  if (v.is_array()) {
    for (const auto& item : v.as_array()) import_arguments(item, out);
  } else if (v.is_object()) {
    const auto& o = v.as_object();
    if (o.size() == 1 && o.contains("Fn::ImportValue")) {
      out.push_back(&o.at("Fn::ImportValue"));
      return;
    }
    for (const auto& [k, item] : o) import_arguments(item, out);
  }
}

// Whether `r` is something that exists (or may: a create that was
// interrupted) and so needs a delete.
bool live(const ResourceState& r) {
  return !teardown_id(r).empty() && r.status != "DELETE_COMPLETE" && r.status != "DELETE_SKIPPED" &&
         r.status != "CREATE_FAILED";
}

}  // namespace

std::map<std::string, ResourceState> previous_resources(const StackState& s) {
  if (!s.previous) return {};
  json::object o{{"id", s.id}, {"name", s.name}};
  if (const auto* r = s.previous->if_contains("resources")) o["resources"] = *r;
  auto decoded = codec::decode_stack(json::serialize(o));
  return decoded ? decoded->resources : std::map<std::string, ResourceState>();
}

void adopt_previous(StackState& s) {
  if (!s.previous) return;
  const json::value* old_doc = s.previous->if_contains("processed");
  const json::object old_template =
      old_doc != nullptr && old_doc->is_object() ? old_doc->as_object() : json::object();
  for (auto& [id, prev] : previous_resources(s)) {
    if (prev.physical_id.empty()) continue;
    auto cur = s.resources.find(id);
    if (cur != s.resources.end() && teardown_id(cur->second) == prev.physical_id) continue;
    if (!retained(old_template, id)) s.orphans.push_back({id, prev});
    forget_previous(s, id);
  }
}

std::vector<std::string> importers_of(const std::map<std::string, StackState>& stacks,
                                      const std::string& export_name) {
  std::vector<std::string> out;
  for (const auto& [id, s] : stacks) {
    if (s.deleted_stack()) continue;
    if (std::find(s.imports.begin(), s.imports.end(), export_name) != s.imports.end()) {
      out.push_back(s.name);
    }
  }
  return out;
}

std::string names_and(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

ResourceRequest Engine::request_locked(const StackState& s, const std::string& id) {
  ResourceRequest r;
  r.logical_id = id;
  r.stack_name = s.name;
  r.stack_id = s.id;
  r.region = s.region;
  r.account_id = s.account_id;
  r.generated_name = generated_name(s, id);
  r.calls = calls_;
  r.responses = &responses_;
  r.when_settled = [this](const std::string& stack_id, std::function<void()> done) {
    when_settled(stack_id, std::chrono::hours(1), std::move(done));
  };
  if (auto it = s.resources.find(id); it != s.resources.end()) r.resource_type = it->second.type;
  r.ctx.request_id = new_request_id();
  r.ctx.region = s.region;
  r.ctx.account_id = s.account_id;
  r.ctx.endpoint_url = s.endpoint_url;
  r.ctx.called_via = "cloudformation.amazonaws.com";
  return r;
}

Result<json::value> Engine::resolve_locked(const StackState& s, const Run& run,
                                           const json::value& v) const {
  cfn::Scope scope = scope_of(run.prepared, run.input);
  scope.ref = [&s](std::string_view id) -> Result<json::value> {
    auto it = s.resources.find(std::string(id));
    if (it == s.resources.end() || it->second.physical_id.empty()) {
      return cfn::unresolved_dependency(id);
    }
    return json::value(json::string(it->second.physical_id));
  };
  scope.get_att = [&s](std::string_view id, std::string_view att) -> Result<json::value> {
    auto it = s.resources.find(std::string(id));
    if (it == s.resources.end()) {
      return cfn::template_error("instance of Fn::GetAtt references undefined resource " +
                                 std::string(id));
    }
    if (const auto* v = it->second.attributes.if_contains(att)) return *v;
    return cfn::template_error("resource " + std::string(id) + " does not support attribute type " +
                               std::string(att) + " in Fn::GetAtt");
  };
  // Other stacks' exports, read here under mu_ (the lambda runs inside
  // resolve, still under it, but the analysis cannot see that).
  std::map<std::string, std::string, std::less<>> exports;
  for (const auto& [id, other] : stacks_) {
    if (other.deleted_stack() || id == s.id) continue;
    for (const auto& o : other.outputs) {
      if (o.is_object() && has(o.as_object(), "ExportName")) {
        exports[str(o.as_object(), "ExportName")] = str(o.as_object(), "OutputValue");
      }
    }
  }
  scope.import_value = [exports =
                            std::move(exports)](std::string_view name) -> Result<json::value> {
    if (auto it = exports.find(name); it != exports.end()) {
      return json::value(json::string(it->second));
    }
    return Error::validation("No export named " + std::string(name) + " found.");
  };
  return cfn::resolve(v, scope);
}

void Engine::step_locked(const std::string& stack_id) {
  auto sit = stacks_.find(stack_id);
  auto rit = runs_.find(stack_id);
  if (sit == stacks_.end() || rit == runs_.end()) return;
  Run& run = *rit->second;
  if (run.kind == "CREATE" || run.kind == "UPDATE" || run.kind == "IMPORT") {
    return step_forward_locked(sit->second, run);
  }
  step_teardown_locked(sit->second, run);
}

// ---- forward

void Engine::step_forward_locked(StackState& s, Run& run) {
  // The resources an update removes, checked against the stack policy
  // (Update:Delete) before anything starts.
  if (run.kind == "UPDATE" && !run.deletes_checked) {
    run.deletes_checked = true;
    const std::string& policy = run.policy_during_update ? *run.policy_during_update : s.policy;
    std::set<std::string> kept(run.prepared.included.begin(), run.prepared.included.end());
    std::vector<StackEvent> denied;
    for (auto& [id, r] : s.resources) {
      if (policy.empty() || kept.contains(id) || r.physical_id.empty()) continue;
      std::string denial = policy_denial(policy, id, r.type, "Update:Delete");
      if (denial.empty()) continue;
      r.status = "UPDATE_FAILED";
      r.reason = denial;
      run.failed.push_back(id);
      denied.push_back({id, r.physical_id, r.type, r.status, r.reason, {}});
    }
    if (!denied.empty()) {
      std::string stack_id = s.id;
      commit_locked(s, std::move(denied), [this, stack_id](Status st) {
        if (st) continue_later(stack_id);
      });
      return;
    }
  }
  if (!run.failed.empty()) {
    if (run.in_flight.empty()) begin_rollback_locked(s, run);
    return;
  }
  std::set<std::string> included(run.prepared.included.begin(), run.prepared.included.end());
  bool all_done = true;
  for (const auto& id : run.prepared.included) {
    if (run.done.contains(id)) continue;
    all_done = false;
    if (run.in_flight.contains(id)) continue;
    bool ready = true;
    for (const auto& dep : run.prepared.graph.depends_on[id]) {
      ready = ready && (!included.contains(dep) || run.done.contains(dep));
    }
    if (!ready) continue;
    launch_resource_locked(s, run, id);
    if (!run.failed.empty()) return;  // its commit continues the run
    if (run.done.contains(id)) continue;
  }
  all_done = all_done || std::all_of(run.prepared.included.begin(), run.prepared.included.end(),
                                     [&](const std::string& id) { return run.done.contains(id); });
  if (all_done && run.in_flight.empty()) finish_forward_locked(s, run);
}

void Engine::launch_resource_locked(StackState& s, Run& run, const std::string& id) {
  const auto& decl = run.prepared.tmpl.resources().at(id).as_object();
  std::string type = str(decl, "Type");
  const Provider* provider = find_provider(type);
  ResourceState& r = s.resources[id];
  bool exists = !r.physical_id.empty() && r.status != "DELETE_COMPLETE";
  json::object props;
  Status resolved = Status::ok();
  if (const auto* p = decl.if_contains("Properties"); p != nullptr && p->is_object()) {
    auto v = resolve_locked(s, run, *p);
    if (!v) {
      resolved = v.take_error();
    } else if (v->is_object()) {
      props = std::move(v->as_object());
    }
  }
  // The provider gets the stack's tags too (stack_tags.h), and a change of
  // those updates it; the events show the template's properties.
  Result<json::object> tagged = with_stack_tags(s, id, type, props);
  if (resolved && !tagged) resolved = tagged.take_error();
  if (!resolved || provider == nullptr) {
    r.type = type;
    r.status = exists ? "UPDATE_FAILED" : "CREATE_FAILED";
    r.reason = resolved ? "Unrecognized resource type " + type : resolved.error().message;
    run.failed.push_back(id);
    std::string stack_id = s.id;
    commit_locked(s, {{id, r.physical_id, type, r.status, r.reason, {}}},
                  [this, stack_id](Status st) {
                    if (st) continue_later(stack_id);
                  });
    return;
  }
  json::value shown_value = props;
  mask(shown_value, secrets(s, true));
  json::object shown = std::move(shown_value.as_object());
  props = std::move(*tagged);
  std::string kind = "CREATE";
  // What the resource has now: its properties as last applied, or for one
  // a failed update left UPDATE_FAILED, those of the last stable state (so
  // the same template retries it).
  json::object base = r.properties;
  bool failed_before = r.status == "UPDATE_FAILED";
  // An import reads the resources it names instead of creating them; the
  // change set's checks made sure nothing else changes.
  const Importer* importer = nullptr;
  auto imported = run.imports.find(id);
  if (run.kind == "IMPORT" && !exists && imported != run.imports.end()) {
    importer = find_importer(type);
    if (importer != nullptr) kind = "IMPORT";
  }
  if (exists && failed_before) {
    auto previous = previous_resources(s);
    if (auto p = previous.find(id); p != previous.end() && p->second.physical_id == r.physical_id) {
      base = p->second.properties;
    }
  }
  if (exists) {
    bool replace = r.type != type || provider->update == nullptr;
    for (auto key : provider->replace_on) replace = replace || changed(base, props, key);
    if (r.type == type && r.properties == props && !failed_before) {
      run.done.insert(id);  // unchanged: nothing to call, no event
      return;
    }
    kind = replace ? "REPLACE" : "UPDATE";
    const std::string& policy = run.policy_during_update ? *run.policy_during_update : s.policy;
    std::string denial =
        policy.empty()
            ? ""
            : policy_denial(policy, id, r.type, replace ? "Update:Replace" : "Update:Modify");
    if (!denial.empty()) {
      r.status = "UPDATE_FAILED";
      r.reason = denial;
      run.failed.push_back(id);
      std::string stack_id = s.id;
      commit_locked(s, {{id, r.physical_id, type, r.status, r.reason, {}}},
                    [this, stack_id](Status st) {
                      if (st) continue_later(stack_id);
                    });
      return;
    }
  }
  ResourceRequest req = request_locked(s, id);
  req.resource_type = type;
  req.properties = props;
  req.old_properties = base;
  req.physical_id = importer != nullptr ? imported->second : r.physical_id;
  req.attributes = r.attributes;
  std::string reason;
  if (kind == "REPLACE") {
    run.replaced[id] = r;
    run.replaced[id].properties = base;
  }
  if (kind == "CREATE" || kind == "IMPORT") {
    r = ResourceState{};
    r.status = kind + "_IN_PROGRESS";
  } else {
    r.status = "UPDATE_IN_PROGRESS";
    if (kind == "REPLACE") {
      reason =
          "Requested update requires the creation of a new physical resource; hence creating one.";
    }
  }
  r.type = type;
  r.reason = reason;
  r.properties = props;
  // (Nothing is planned for an import: its rollback deletes nothing.)
  r.planned_id = kind == "UPDATE" || kind == "IMPORT" || provider->planned_id == nullptr
                     ? std::string()
                     : provider->planned_id(req);
  r.updated = env_.clock.now_seconds();
  run.in_flight.insert(id);
  std::string stack_id = s.id;
  std::string shown_id = kind == "CREATE" ? "" : kind == "IMPORT" ? req.physical_id : r.physical_id;
  commit_then_locked(s, {{id, shown_id, type, r.status, reason, shown}},
                     [this, stack_id, id, kind, provider, importer, req] {
                       auto done = [this, stack_id, id, kind](Result<Provided> result) {
                         resource_done(stack_id, id, kind, std::move(result));
                       };
                       if (importer != nullptr) {
                         importer->read(req, [req, done](Result<Provided> result) {
                           // AWS's words for a resource that is not there.
                           if (!result) {
                             result = Error::validation("Resource of type '" + req.resource_type +
                                                        "' with identifier '" + req.physical_id +
                                                        "' was not found.");
                           }
                           done(std::move(result));
                         });
                       } else if (kind == "UPDATE") {
                         provider->update(req, done);
                       } else {
                         provider->create(req, done);
                       }
                     });
}

void Engine::resource_done(const std::string& stack_id, const std::string& id,
                           const std::string& kind, Result<Provided> result) {
  MutexLock lock(mu_);
  auto sit = stacks_.find(stack_id);
  auto rit = runs_.find(stack_id);
  if (sit == stacks_.end() || rit == runs_.end()) return;
  StackState& s = sit->second;
  Run& run = *rit->second;
  run.in_flight.erase(id);
  ResourceState& r = s.resources[id];
  r.updated = env_.clock.now_seconds();
  if (!result) {
    r.status = kind == "CREATE" || kind == "IMPORT" ? kind + "_FAILED" : "UPDATE_FAILED";
    r.reason = result.error().message;
    // A custom resource's handler that got the Create gets a Delete on
    // rollback, with this id (AWS's generated name shape).
    if (kind == "CREATE" && result.error().code == kCustomRequestSent) {
      r.planned_id = generated_name(s, id);
    }
    run.failed.push_back(id);
  } else {
    // What a replacement replaced is deleted by the cleanup from the
    // previous state; one that a failed update made has no place there.
    if (auto old = run.replaced.find(id);
        old != run.replaced.end() && old->second.physical_id != result->physical_id) {
      auto previous = previous_resources(s);
      auto p = previous.find(id);
      if ((p == previous.end() || p->second.physical_id != old->second.physical_id) &&
          !retained(run.failed_template, id)) {
        s.orphans.push_back({id, old->second});
      }
    }
    r.physical_id = result->physical_id;
    r.attributes = std::move(result->attributes);
    r.no_echo = result->no_echo;
    r.status = kind == "CREATE" || kind == "IMPORT" ? kind + "_COMPLETE" : "UPDATE_COMPLETE";
    r.reason.clear();
    r.planned_id.clear();
    run.done.insert(id);
    if (r.type == "AWS::CloudFormation::Stack") adopt_nested_locked(s, r.physical_id);
  }
  commit_locked(s, {{id, r.physical_id, r.type, r.status, r.reason, {}}},
                [this, stack_id](Status st) {
                  if (st) continue_later(stack_id);
                });
}

void Engine::adopt_nested_locked(const StackState& parent, const std::string& child_id) {
  auto it = stacks_.find(child_id);
  if (it == stacks_.end() || it->second.parent_id == parent.id) return;
  it->second.parent_id = parent.id;
  it->second.root_id = parent.root_id.empty() ? parent.id : parent.root_id;
  commit_locked(it->second, {}, [](Status) {});
}

void Engine::finish_forward_locked(StackState& s, Run& run) {
  // Outputs and exports, resolved now that every resource is there.
  json::array outputs;
  std::string failure;
  const auto& section = run.prepared.tmpl.outputs();
  for (const auto& [name, out] : section) {
    const auto& o = out.as_object();
    if (!cfn::included(o, run.prepared.conditions)) continue;
    auto value = resolve_locked(s, run, o.at("Value"));
    if (!value) {
      failure = value.error().message;
      break;
    }
    json::object entry{{"OutputKey", name}, {"OutputValue", provide::text(*value)}};
    if (const auto* d = o.if_contains("Description"); d != nullptr && d->is_string()) {
      entry["Description"] = *d;
    }
    if (const auto* e = o.if_contains("Export"); e != nullptr && e->is_object()) {
      auto export_name = resolve_locked(s, run, e->as_object().at("Name"));
      if (!export_name) {
        failure = export_name.error().message;
        break;
      }
      std::string export_text = provide::text(*export_name);
      for (const auto& [other_id, other] : stacks_) {
        if (other_id == s.id || other.deleted_stack()) continue;
        for (const auto& oo : other.outputs) {
          if (oo.is_object() && str(oo.as_object(), "ExportName") == export_text) {
            failure =
                "Export with name " + export_text + " is already exported by stack " + other.name;
          }
        }
      }
      entry["ExportName"] = export_text;
    }
    outputs.push_back(std::move(entry));
  }
  // An export another stack imports can neither change nor go away.
  if (failure.empty() && run.kind == "UPDATE") {
    for (const auto& old : s.outputs) {
      std::string name = old.is_object() ? str(old.as_object(), "ExportName") : "";
      if (name.empty()) continue;
      auto users = importers_of(stacks_, name);
      std::erase(users, s.name);
      if (users.empty()) continue;
      const json::object* now = nullptr;
      for (const auto& o : outputs) {
        if (str(o.as_object(), "ExportName") == name) now = &o.as_object();
      }
      if (now == nullptr) {
        failure = "Export " + name + " cannot be deleted as it is in use by " + names_and(users);
      } else if (str(*now, "OutputValue") != str(old.as_object(), "OutputValue")) {
        failure = "Export " + name + " cannot be updated as it is in use by " + names_and(users);
      }
      if (!failure.empty()) break;
    }
  }
  if (!failure.empty()) {
    run.failed.push_back("Outputs");
    s.reason = failure;
    begin_rollback_locked(s, run);
    return;
  }
  s.outputs = std::move(outputs);
  // What the template imports now (ListImports; DeleteStack of the exporter).
  std::vector<const json::value*> args;
  for (const auto& id : run.prepared.included)
    import_arguments(run.prepared.tmpl.resources().at(id), args);
  for (const auto& [name, out] : section) {
    if (cfn::included(out.as_object(), run.prepared.conditions)) import_arguments(out, args);
  }
  s.imports.clear();
  for (const auto* arg : args) {
    auto name = resolve_locked(s, run, *arg);
    if (name && name->is_string()) {
      std::string text(name->as_string());
      if (std::find(s.imports.begin(), s.imports.end(), text) == s.imports.end()) {
        s.imports.push_back(std::move(text));
      }
    }
  }
  std::string stack_id = s.id;
  if (run.kind == "CREATE" || run.kind == "IMPORT") {
    // An import changes nothing else, so it has nothing to clean up.
    s.status = run.kind + "_COMPLETE";
    s.reason.clear();
    if (run.kind == "IMPORT") s.previous.reset();
    runs_.erase(stack_id);
    commit_locked(s, {stack_event(s, s.status)}, [this, gate = gate_, stack_id](Status) {
      auto in = gate->hold();
      if (in) notify_settled(stack_id);
    });
    return;
  }
  // An update: resources the template no longer has wait in `previous` for
  // the cleanup, which also deletes what was replaced.
  std::set<std::string> included(run.prepared.included.begin(), run.prepared.included.end());
  auto previous = previous_resources(s);
  for (auto it = s.resources.begin(); it != s.resources.end();) {
    if (included.contains(it->first)) {
      ++it;
      continue;
    }
    // One a failed update made (the previous state does not hold it).
    auto p = previous.find(it->first);
    if (live(it->second) &&
        (p == previous.end() || p->second.physical_id != teardown_id(it->second)) &&
        !retained(run.failed_template, it->first)) {
      s.orphans.push_back({it->first, it->second});
    }
    it = s.resources.erase(it);
  }
  s.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS";
  s.reason.clear();
  auto cleanup = run_for_locked(s, "CLEANUP");
  runs_[stack_id] = cleanup ? std::move(*cleanup) : std::make_unique<Run>();
  runs_[stack_id]->kind = "CLEANUP";
  commit_locked(s, {stack_event(s, s.status)}, [this, stack_id](Status st) {
    if (st) continue_later(stack_id);
  });
}

void Engine::begin_rollback_locked(StackState& s, Run& run) {
  std::vector<std::string> resources;
  for (const auto& id : run.failed) {
    if (id != "Outputs") resources.push_back(id);
  }
  std::string verb = run.kind == "CREATE" ? "create" : run.kind == "IMPORT" ? "import" : "update";
  std::string reason = !resources.empty() ? "The following resource(s) failed to " + verb + ": [" +
                                                join(resources) + "]. "
                                          : s.reason + ". ";
  std::string stack_id = s.id;
  std::string kind = run.kind;  // `run` is replaced below
  if (kind == "IMPORT") {
    // An import always goes back: it forgets what it read, deletes nothing.
    s.status = "IMPORT_ROLLBACK_IN_PROGRESS";
    s.reason = reason;
    auto next = run_for_locked(s, "IMPORT_ROLLBACK");
    runs_[stack_id] = next ? std::move(*next) : std::make_unique<Run>();
    runs_[stack_id]->kind = "IMPORT_ROLLBACK";
    commit_locked(s, {stack_event(s, s.status, s.reason)}, [this, stack_id](Status st) {
      if (st) continue_later(stack_id);
    });
    return;
  }
  if (s.disable_rollback) {  // DisableRollback, OnFailure: DO_NOTHING
    s.status = kind == "CREATE" ? "CREATE_FAILED" : "UPDATE_FAILED";
    s.reason = reason;
    runs_.erase(stack_id);
    commit_locked(s, {stack_event(s, s.status, reason)}, [this, gate = gate_, stack_id](Status) {
      auto in = gate->hold();
      if (in) notify_settled(stack_id);
    });
    return;
  }
  // OnFailure: DELETE deletes what the create made, then the stack.
  bool deleting = kind == "CREATE" && s.delete_on_failure;
  s.status = deleting           ? "DELETE_IN_PROGRESS"
             : kind == "CREATE" ? "ROLLBACK_IN_PROGRESS"
                                : "UPDATE_ROLLBACK_IN_PROGRESS";
  s.reason = reason + (deleting           ? "Delete requested by user."
                       : kind == "CREATE" ? "Rollback requested by user."
                                          : "");
  auto next = run_for_locked(s, kind == "CREATE" ? "ROLLBACK" : "UPDATE_ROLLBACK");
  runs_[stack_id] = next ? std::move(*next) : std::make_unique<Run>();
  runs_[stack_id]->kind = kind == "CREATE" ? "ROLLBACK" : "UPDATE_ROLLBACK";
  commit_locked(s, {stack_event(s, s.status, s.reason)}, [this, stack_id](Status st) {
    if (st) continue_later(stack_id);
  });
}

// ---- teardown

namespace {

// The resources a stack delete leaves once `failed` failed to delete: those
// and everything they depend on (directly or not) in the stack's template.
std::set<std::string> kept_by_failures(const StackState& s,
                                       const std::vector<std::string>& failed) {
  std::set<std::string> kept(failed.begin(), failed.end());
  std::optional<cfn::Graph> g;
  if (auto t = cfn::check_template(s.processed)) {
    if (auto graph = cfn::dependency_graph(*t)) g = std::move(*graph);
  }
  std::vector<std::string> todo(failed.begin(), failed.end());
  while (g && !todo.empty()) {
    std::string id = std::move(todo.back());
    todo.pop_back();
    auto deps = g->depends_on.find(id);
    if (deps == g->depends_on.end()) continue;
    for (const auto& d : deps->second) {
      if (kept.insert(d).second) todo.push_back(d);
    }
  }
  return kept;
}

}  // namespace

void Engine::step_teardown_locked(StackState& s, Run& run) {
  if (!run.in_flight.empty() || run.orphan_in_flight) return;
  // What a failed update left with no logical id holding it goes first.
  if (run.failed.empty() && !s.orphans.empty()) {
    launch_orphan_locked(s, run);
    return;
  }
  if (run.failed.empty()) {
    for (const auto& id : run.order) {
      if (launch_teardown_locked(s, run, id)) return;
    }
  } else if (run.kind == "DELETE") {
    // A stack delete goes on past a resource that failed to delete, with
    // what that resource does not depend on, as AWS's does.
    auto kept = kept_by_failures(s, run.failed);
    for (const auto& id : run.order) {
      if (!kept.contains(id) && launch_teardown_locked(s, run, id)) return;
    }
  }
  finish_teardown_locked(s, run);
}

bool Engine::launch_teardown_locked(StackState& s, Run& run, const std::string& id) {
  auto cur_it = s.resources.find(id);
  ResourceState* cur = cur_it == s.resources.end() ? nullptr : &cur_it->second;
  auto previous = previous_resources(s);
  auto prev_it = previous.find(id);
  const ResourceState* prev = prev_it == previous.end() ? nullptr : &prev_it->second;
  std::string stack_id = s.id;
  auto continue_after = [this, stack_id](Status st) {
    if (st) continue_later(stack_id);
  };

  // What this kind of teardown does with `id`: delete `target`, or revert
  // it to its previous properties.
  ResourceState target;
  bool revert = false;
  if (run.kind == "IMPORT_ROLLBACK") {
    // Nothing is called: what the import read is forgotten (left as it is
    // in its service), the rest goes back to its record before the import.
    if (cur != nullptr && (prev == nullptr || prev->physical_id != cur->physical_id)) {
      std::vector<StackEvent> events;
      if (cur->status.starts_with("IMPORT_")) {
        events.push_back({id, cur->physical_id, cur->type, "IMPORT_ROLLBACK_COMPLETE", "", {}});
      }
      s.resources.erase(id);
      commit_locked(s, std::move(events), continue_after);
      return true;
    }
    if (prev != nullptr && (cur == nullptr || cur->status != prev->status)) {
      s.resources[id] = *prev;
      commit_locked(s, {}, continue_after);
      return true;
    }
    return false;
  }
  if (run.kind == "DELETE" || run.kind == "ROLLBACK") {
    if (cur == nullptr || cur->status == "DELETE_COMPLETE" || cur->status == "DELETE_SKIPPED") {
      return false;
    }
    bool custom_sent = cur->status == "CREATE_FAILED" && !cur->planned_id.empty() &&
                       find_provider(cur->type) == find_provider("Custom::Resource");
    if (teardown_id(*cur).empty() || (cur->status == "CREATE_FAILED" && !custom_sent)) {
      cur->status = "DELETE_COMPLETE";  // nothing was created
      cur->reason.clear();
      commit_locked(s, {{id, "", cur->type, "DELETE_COMPLETE", "", {}}}, continue_after);
      return true;
    }
    if (run.kind == "DELETE" && retained(s.processed, id)) {
      cur->status = "DELETE_SKIPPED";
      commit_locked(s, {{id, cur->physical_id, cur->type, "DELETE_SKIPPED", "", {}}},
                    continue_after);
      return true;
    }
    target = *cur;
  } else if (run.kind == "UPDATE_ROLLBACK") {
    bool created_now = cur != nullptr && !teardown_id(*cur).empty() &&
                       (prev == nullptr || prev->physical_id != teardown_id(*cur));
    if (created_now) {
      target = *cur;
    } else if (prev != nullptr && cur != nullptr && cur->properties != prev->properties) {
      target = *cur;
      revert = true;
    } else if (prev != nullptr && (cur == nullptr || cur->status != prev->status)) {
      s.resources[id] = *prev;  // nothing was applied: the record goes back
      commit_locked(s, {}, continue_after);
      return true;
    } else if (prev == nullptr && cur != nullptr) {
      s.resources.erase(id);  // its create failed: nothing to delete
      commit_locked(s, {}, continue_after);
      return true;
    } else {
      return false;
    }
  } else {  // CLEANUP: what the update replaced or removed
    if (prev == nullptr || prev->physical_id.empty() ||
        (cur != nullptr && cur->physical_id == prev->physical_id)) {
      return false;
    }
    const json::value* old_doc = s.previous ? s.previous->if_contains("processed") : nullptr;
    if (retained(old_doc != nullptr && old_doc->is_object() ? old_doc->as_object() : json::object(),
                 id)) {
      forget_previous(s, id);
      commit_locked(s, {}, continue_after);
      return true;
    }
    target = *prev;
  }
  const Provider* provider = find_provider(target.type);
  if (provider == nullptr || (revert && provider->update == nullptr)) {
    if (revert && prev != nullptr) s.resources[id] = *prev;
    commit_locked(s, {}, continue_after);
    return true;
  }
  ResourceRequest req = request_locked(s, id);
  req.resource_type = target.type;
  req.physical_id = teardown_id(target);
  req.properties = revert ? prev->properties : target.properties;
  req.old_properties = target.properties;
  req.attributes = target.attributes;
  run.in_flight.insert(id);
  if (cur != nullptr && run.kind != "CLEANUP") {
    cur->status = revert ? "UPDATE_IN_PROGRESS" : "DELETE_IN_PROGRESS";
  }
  std::string status = revert ? "UPDATE_IN_PROGRESS" : "DELETE_IN_PROGRESS";
  commit_then_locked(s, {{id, req.physical_id, target.type, status, "", {}}},
                     [this, stack_id, id, provider, req, revert] {
                       if (revert) {
                         provider->update(req, [this, stack_id, id](Result<Provided> r) {
                           removal_done(stack_id, id, r.status());
                         });
                       } else {
                         provider->remove(req, [this, stack_id, id](Status st) {
                           removal_done(stack_id, id, std::move(st));
                         });
                       }
                     });
  return true;
}

void Engine::launch_orphan_locked(StackState& s, Run& run) {
  const Orphan orphan = s.orphans.front();
  const Provider* provider = find_provider(orphan.resource.type);
  std::string stack_id = s.id;
  StackEvent event{
      orphan.logical_id, teardown_id(orphan.resource), orphan.resource.type, "", "", {}};
  if (provider == nullptr) {
    s.orphans.erase(s.orphans.begin());
    commit_locked(s, {}, [this, stack_id](Status st) {
      if (st) continue_later(stack_id);
    });
    return;
  }
  ResourceRequest req = request_locked(s, orphan.logical_id);
  req.resource_type = orphan.resource.type;
  req.physical_id = teardown_id(orphan.resource);
  req.properties = orphan.resource.properties;
  req.old_properties = orphan.resource.properties;
  req.attributes = orphan.resource.attributes;
  run.orphan_in_flight = true;
  event.status = "DELETE_IN_PROGRESS";
  commit_then_locked(s, {event}, [this, stack_id, provider, req] {
    provider->remove(req, [this, stack_id, physical = req.physical_id](Status st) {
      orphan_done(stack_id, physical, std::move(st));
    });
  });
}

void Engine::orphan_done(const std::string& stack_id, const std::string& physical, Status st) {
  MutexLock lock(mu_);
  auto sit = stacks_.find(stack_id);
  auto rit = runs_.find(stack_id);
  if (sit == stacks_.end() || rit == runs_.end()) return;
  StackState& s = sit->second;
  Run& run = *rit->second;
  run.orphan_in_flight = false;
  auto it = std::find_if(s.orphans.begin(), s.orphans.end(),
                         [&](const Orphan& o) { return teardown_id(o.resource) == physical; });
  if (it == s.orphans.end()) return;
  StackEvent event{it->logical_id, physical, it->resource.type, "DELETE_COMPLETE", "", {}};
  if (!st) {
    event.status = "DELETE_FAILED";
    event.reason = st.error().message;
    run.failed.push_back(it->logical_id);
  } else {
    s.orphans.erase(it);
  }
  commit_locked(s, {event}, [this, stack_id](Status ok) {
    if (ok) continue_later(stack_id);
  });
}

void Engine::continue_rollback(const std::string& name, std::vector<std::string> skip,
                               std::function<void(Result<std::string>)> done) {
  MutexLock lock(mu_);
  StackState* s = nullptr;
  for (auto& [id, other] : stacks_) {
    if ((id == name || other.name == name) && !other.deleted_stack()) s = &other;
  }
  if (s == nullptr) return done(errors::stack_not_found(name));
  if (s->status != "UPDATE_ROLLBACK_FAILED") {
    return done(Error::validation("Stack:" + s->id + " is in " + s->status +
                                  " state and can not continue the update rollback."));
  }
  auto previous = previous_resources(*s);
  std::vector<StackEvent> events;
  for (const auto& id : skip) {
    auto it = s->resources.find(id);
    if (it == s->resources.end() || it->second.status != "UPDATE_FAILED") {
      return done(Error::validation("Resource " + id +
                                    " is not in UPDATE_FAILED state and cannot be skipped"));
    }
  }
  for (const auto& id : skip) {
    ResourceState& r = s->resources[id];
    if (auto p = previous.find(id); p != previous.end()) r = p->second;
    r.status = "UPDATE_COMPLETE";
    r.reason.clear();
    events.push_back({id,
                      r.physical_id,
                      r.type,
                      "UPDATE_COMPLETE",
                      "Resource skipped during UpdateRollback",
                      {}});
  }
  auto run = run_for_locked(*s, "UPDATE_ROLLBACK");
  if (!run) return done(run.take_error());
  std::string stack_id = s->id;
  runs_[stack_id] = std::move(*run);
  address_locked(*s, "");
  s->status = "UPDATE_ROLLBACK_IN_PROGRESS";
  s->reason = "User Initiated";
  events.insert(events.begin(), stack_event(*s, s->status, s->reason));
  commit_locked(*s, std::move(events), [this, stack_id, done](Status st) {
    if (!st) return done(st.take_error());
    done(stack_id);
    continue_later(stack_id);
  });
}

void Engine::removal_done(const std::string& stack_id, const std::string& id, Status st) {
  MutexLock lock(mu_);
  auto sit = stacks_.find(stack_id);
  auto rit = runs_.find(stack_id);
  if (sit == stacks_.end() || rit == runs_.end()) return;
  StackState& s = sit->second;
  Run& run = *rit->second;
  run.in_flight.erase(id);
  auto previous = previous_resources(s);
  auto prev = previous.find(id);
  ResourceState* cur = s.resources.contains(id) ? &s.resources[id] : nullptr;
  std::string type = cur != nullptr ? cur->type : (prev != previous.end() ? prev->second.type : "");
  std::string physical = cur != nullptr ? teardown_id(*cur) : "";
  if (run.kind == "CLEANUP" && prev != previous.end()) physical = prev->second.physical_id;
  StackEvent event{id, physical, type, "", "", {}};
  if (!st) {
    bool revert =
        run.kind == "UPDATE_ROLLBACK" && cur != nullptr && cur->status == "UPDATE_IN_PROGRESS";
    event.status = revert ? "UPDATE_FAILED" : "DELETE_FAILED";
    event.reason = st.error().message;
    if (cur != nullptr && run.kind != "CLEANUP") {
      cur->status = event.status;
      cur->reason = event.reason;
    }
    run.failed.push_back(id);
  } else if (run.kind == "DELETE" || run.kind == "ROLLBACK") {
    event.status = "DELETE_COMPLETE";
    if (cur != nullptr) {
      cur->status = "DELETE_COMPLETE";
      cur->reason.clear();
    }
  } else if (run.kind == "UPDATE_ROLLBACK") {
    bool reverted = cur != nullptr && cur->status == "UPDATE_IN_PROGRESS";
    event.status = reverted ? "UPDATE_COMPLETE" : "DELETE_COMPLETE";
    if (prev != previous.end()) {
      s.resources[id] = prev->second;
    } else {
      s.resources.erase(id);
    }
  } else {  // CLEANUP
    event.status = "DELETE_COMPLETE";
    forget_previous(s, id);
  }
  commit_locked(s, {event}, [this, stack_id](Status ok) {
    if (ok) continue_later(stack_id);
  });
}

void Engine::finish_teardown_locked(StackState& s, Run& run) {
  bool failed = !run.failed.empty();
  std::string reason =
      failed ? "The following resource(s) failed to delete: [" + join(run.failed) + "]. " : "";
  if (run.kind == "DELETE") {
    s.status = failed ? "DELETE_FAILED" : "DELETE_COMPLETE";
    if (!failed) s.deleted = env_.clock.now_seconds();
  } else if (run.kind == "ROLLBACK" && s.delete_on_failure) {
    s.status = failed ? "DELETE_FAILED" : "DELETE_COMPLETE";
    if (!failed) s.deleted = env_.clock.now_seconds();
  } else if (run.kind == "ROLLBACK") {
    s.status = failed ? "ROLLBACK_FAILED" : "ROLLBACK_COMPLETE";
  } else if (run.kind == "UPDATE_ROLLBACK" || run.kind == "IMPORT_ROLLBACK") {
    if (s.previous) {
      const json::object& p = *s.previous;
      s.template_body = str(p, "template");
      if (const auto* t = p.if_contains("processed"); t && t->is_object())
        s.processed = t->as_object();
      s.parameters.clear();
      if (const auto* a = p.if_contains("parameters"); a && a->is_array()) {
        for (const auto& e : a->as_array()) {
          if (e.is_object())
            s.parameters.push_back({str(e.as_object(), "k"), str(e.as_object(), "v")});
        }
      }
      if (const auto* o = p.if_contains("outputs"); o && o->is_array()) s.outputs = o->as_array();
      s.imports = string_list(p, "imports");
      s.description = str(p, "description");
      if (!failed) s.previous.reset();
    }
    std::string prefix = run.kind == "IMPORT_ROLLBACK" ? "IMPORT" : "UPDATE";
    s.status = prefix + (failed ? "_ROLLBACK_FAILED" : "_ROLLBACK_COMPLETE");
  } else {
    if (!failed) s.previous.reset();
    s.status = failed ? "UPDATE_COMPLETE" : "UPDATE_COMPLETE";
  }
  s.reason = reason;
  std::string stack_id = s.id;
  runs_.erase(stack_id);
  commit_locked(s, {stack_event(s, s.status, reason)}, [this, gate = gate_, stack_id](Status) {
    auto in = gate->hold();
    if (in) notify_settled(stack_id);
  });
}

}  // namespace nimbus::services::cloudformation
