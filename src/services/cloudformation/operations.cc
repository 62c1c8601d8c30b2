// The starts of stack operations: CreateStack, UpdateStack (and the change
// sets that execute as one), DeleteStack; and the run an interrupted
// operation resumes with.
#include <algorithm>

#include "common/json_fields.h"
#include "services/cloudformation/codec.h"
#include "services/cloudformation/engine.h"
#include "services/cloudformation/errors.h"
#include "services/cloudformation/run.h"

namespace nimbus::services::cloudformation {

namespace {

PrepareInput input_for(const StackState& s, std::map<std::string, std::string> given,
                       std::vector<std::string> capabilities, std::string body) {
  PrepareInput in;
  in.body = std::move(body);
  in.given = std::move(given);
  in.capabilities = std::move(capabilities);
  in.stack_name = s.name;
  in.stack_id = s.id;
  in.region = s.region;
  in.account_id = s.account_id;
  return in;
}

std::map<std::string, std::string> given_of(const std::vector<Parameter>& params) {
  std::map<std::string, std::string> out;
  for (const auto& p : params) out[p.key] = p.value;
  return out;
}

json::object resources_json(const StackState& s) {
  StackState copy;
  copy.id = s.id;
  copy.name = s.name;
  copy.resources = s.resources;
  auto o = parse_object(codec::encode(copy));
  return o ? json::object{{"resources", o->at("resources")}} : json::object();
}

// What an update starts from and a rollback returns to (StackState::previous).
json::object previous_state(const StackState& s) {
  json::object previous = resources_json(s);
  previous["template"] = s.template_body;
  previous["processed"] = s.processed;
  json::array params;
  for (const auto& p : s.parameters) params.push_back(json::object{{"k", p.key}, {"v", p.value}});
  previous["parameters"] = std::move(params);
  previous["outputs"] = s.outputs;
  json::array imports;
  for (const auto& name : s.imports) imports.emplace_back(name);
  previous["imports"] = std::move(imports);
  previous["description"] = s.description;
  return previous;
}

// The stable state of a stack that never had one (its create failed): no
// resources, no template. An update from CREATE_FAILED returns there when
// it rolls back, deleting everything, as AWS's rollback deletes what a stack
// without a last known stable state made.
json::object no_state() {
  return json::object{{"resources", json::object{}},
                      {"template", ""},
                      {"processed", json::object{}},
                      {"parameters", json::array{}},
                      {"outputs", json::array{}},
                      {"imports", json::array{}},
                      {"description", ""}};
}

}  // namespace

Result<std::unique_ptr<Engine::Run>> Engine::run_for_locked(const StackState& s,
                                                            std::string kind) const {
  auto run = std::make_unique<Run>();
  run->kind = std::move(kind);
  // Teardown order: the reverse of the template's creation order, then the
  // previous template's for resources only it had.
  auto add_order = [&](const json::object& doc) {
    auto t = cfn::check_template(doc);
    if (!t) return;
    auto g = cfn::dependency_graph(*t);
    if (!g) return;
    for (auto it = g->order.rbegin(); it != g->order.rend(); ++it) {
      if (std::find(run->order.begin(), run->order.end(), *it) == run->order.end()) {
        run->order.push_back(*it);
      }
    }
  };
  add_order(s.processed);
  if (s.previous) {
    if (const auto* p = s.previous->if_contains("processed"); p != nullptr && p->is_object()) {
      add_order(p->as_object());
    }
  }
  // Anything the templates no longer name still gets its turn.
  for (const auto& [id, r] : s.resources) {
    if (std::find(run->order.begin(), run->order.end(), id) == run->order.end()) {
      run->order.push_back(id);
    }
  }
  return run;
}

void Engine::create(const CallContext& ctx, StackRequest req,
                    std::function<void(Result<std::string>)> done) {
  StackState s;
  s.name = req.name;
  s.id = new_stack_id(ctx, req.name);
  s.region = ctx.region.empty() ? env_.settings.region : ctx.region;
  s.account_id = ctx.account_id.empty() ? env_.settings.account_id : ctx.account_id;
  s.endpoint_url = ctx.endpoint_url;
  auto in = input_for(s, req.given, req.capabilities, req.body);
  in.change_set = !req.change_set_id.empty();
  auto prepared = prepare(in);
  if (!prepared) return done(prepared.take_error());
  MutexLock lock(mu_);
  for (auto it = stacks_.begin(); it != stacks_.end(); ++it) {
    if (it->second.name != req.name || it->second.deleted_stack()) continue;
    if (it->second.status != "REVIEW_IN_PROGRESS") return done(errors::already_exists(req.name));
    // A CREATE change set's stack: it keeps its id and creation time.
    s.id = it->second.id;
    in.stack_id = s.id;
    stacks_.erase(it);
    break;
  }
  s.status = "CREATE_IN_PROGRESS";
  s.reason = "User Initiated";
  s.description = prepared->tmpl.description;
  s.created = env_.clock.now_seconds();
  s.template_body = req.body;
  s.processed = prepared->tmpl.doc;
  s.parameters = prepared->parameters;
  s.capabilities = req.capabilities;
  s.notification_arns = req.notification_arns;
  s.tags = req.tags;
  s.disable_rollback = req.disable_rollback;
  s.delete_on_failure = req.delete_on_failure;
  s.termination_protection = req.termination_protection;
  s.policy = req.policy.value_or("");
  s.change_set_id = req.change_set_id;
  auto run = std::make_unique<Run>();
  run->kind = "CREATE";
  run->prepared = std::move(*prepared);
  run->input = std::move(in);
  std::string id = s.id;
  runs_[id] = std::move(run);
  auto [it, inserted] = stacks_.emplace(id, std::move(s));
  commit_locked(it->second, {stack_event(it->second, "CREATE_IN_PROGRESS", "User Initiated")},
                [this, id, done](Status st) {
                  if (!st) return done(st.take_error());
                  done(id);
                  continue_later(id);
                });
}

void Engine::update(const CallContext& ctx, StackRequest req,
                    std::function<void(Result<std::string>)> done) {
  MutexLock lock(mu_);
  StackState* s = nullptr;
  for (auto& [id, other] : stacks_) {
    if ((id == req.name || other.name == req.name) && !other.deleted_stack()) s = &other;
  }
  if (s == nullptr) return done(errors::stack_not_found(req.name));
  // An import brings resources into a stack, or makes a new one of them
  // (an IMPORT change set's stack waits in REVIEW_IN_PROGRESS).
  bool importing = !req.imports.empty();
  bool fresh = importing && s->status == "REVIEW_IN_PROGRESS";
  // CREATE_FAILED takes an update when the create kept what it made
  // (DisableRollback, OnFailure DO_NOTHING), as AWS's does.
  bool from_create = !importing && s->status == "CREATE_FAILED" && s->disable_rollback;
  if ((s->in_progress() && !fresh) || s->status == "ROLLBACK_COMPLETE" ||
      (s->status == "CREATE_FAILED" && !from_create) || s->status == "ROLLBACK_FAILED" ||
      s->status == "DELETE_FAILED") {
    return done(errors::in_progress(s->name, s->status));
  }
  // From UPDATE_FAILED (an update with DisableRollback that failed) or
  // CREATE_FAILED the update goes on from what the failed operation left,
  // as AWS's "preserve successfully provisioned resources": the same
  // template retries the failed resources, and the last stable state
  // (`previous`; none after a failed create) stays what a rollback returns to.
  bool retry =
      !importing && ((s->status == "UPDATE_FAILED" && s->previous.has_value()) || from_create);
  auto in = input_for(*s, req.given, req.capabilities, req.body);
  in.change_set = !req.change_set_id.empty();
  auto prepared = prepare(in);
  if (!prepared) return done(prepared.take_error());
  // Nothing to do when neither the template nor a parameter changed.
  if (!retry && !importing && prepared->tmpl.doc == s->processed &&
      prepared->parameters.size() == s->parameters.size() &&
      given_of(prepared->parameters) == given_of(s->parameters) && req.tags == s->tags) {
    return done(errors::no_updates());
  }
  if (from_create) s->previous = no_state();
  if (!retry) s->previous = fresh ? no_state() : previous_state(*s);
  // What the failed operation made is kept or deleted by its own template.
  json::object failed_template = retry ? s->processed : json::object{};
  address_locked(*s, ctx.endpoint_url);
  s->status = importing ? "IMPORT_IN_PROGRESS" : "UPDATE_IN_PROGRESS";
  s->reason = "User Initiated";
  s->updated = env_.clock.now_seconds();
  s->template_body = req.body;
  s->processed = prepared->tmpl.doc;
  s->parameters = prepared->parameters;
  s->description = prepared->tmpl.description;
  s->capabilities = req.capabilities;
  if (!req.tags.empty()) s->tags = req.tags;
  if (fresh) s->notification_arns = req.notification_arns;
  s->disable_rollback = req.disable_rollback;
  if (req.policy) s->policy = *req.policy;
  if (!req.change_set_id.empty()) s->change_set_id = req.change_set_id;
  auto run = std::make_unique<Run>();
  run->kind = importing ? "IMPORT" : "UPDATE";
  run->imports = std::move(req.imports);
  run->policy_during_update = std::move(req.policy_during_update);
  run->failed_template = std::move(failed_template);
  run->prepared = std::move(*prepared);
  run->input = std::move(in);
  std::string id = s->id;
  runs_[id] = std::move(run);
  commit_locked(*s, {stack_event(*s, s->status, "User Initiated")}, [this, id, done](Status st) {
    if (!st) return done(st.take_error());
    done(id);
    continue_later(id);
  });
}

Result<std::string> Engine::review(const CallContext& ctx, const std::string& name) {
  MutexLock lock(mu_);
  for (const auto& [id, other] : stacks_) {
    if (other.name != name || other.deleted_stack()) continue;
    if (other.status == "REVIEW_IN_PROGRESS") return id;
    return errors::already_exists(name);
  }
  StackState s;
  s.name = name;
  s.id = new_stack_id(ctx, name);
  s.region = ctx.region.empty() ? env_.settings.region : ctx.region;
  s.account_id = ctx.account_id.empty() ? env_.settings.account_id : ctx.account_id;
  s.endpoint_url = ctx.endpoint_url;
  s.status = "REVIEW_IN_PROGRESS";
  s.reason = "User Initiated";
  s.created = env_.clock.now_seconds();
  std::string id = s.id;
  auto [it, inserted] = stacks_.emplace(id, std::move(s));
  commit_locked(it->second, {stack_event(it->second, "REVIEW_IN_PROGRESS", "User Initiated")},
                [](Status) {});
  return id;
}

Result<std::string> Engine::protect(const std::string& name, bool enabled) {
  MutexLock lock(mu_);
  for (auto& [id, s] : stacks_) {
    if ((id == name || s.name == name) && !s.deleted_stack()) {
      // A nested stack has its root's (nimbus's wording).
      if (!s.root_id.empty()) {
        return Error::validation("Termination protection of nested stack " + s.name +
                                 " is set on its root stack " + s.root_id + ".");
      }
      s.termination_protection = enabled;
      commit_locked(s, {}, [](Status) {});
      return id;
    }
  }
  return errors::stack_not_found(name);
}

Result<std::string> Engine::set_policy(const std::string& name, std::string policy) {
  MutexLock lock(mu_);
  for (auto& [id, s] : stacks_) {
    if ((id == name || s.name == name) && !s.deleted_stack()) {
      s.policy = std::move(policy);
      commit_locked(s, {}, [](Status) {});
      return id;
    }
  }
  return errors::stack_not_found(name);
}

std::string Engine::owner_of(std::string_view type, std::string_view physical_id) const {
  MutexLock lock(mu_);
  for (const auto& [id, s] : stacks_) {
    if (s.deleted_stack()) continue;
    for (const auto& [logical, r] : s.resources) {
      if (r.type == type && r.physical_id == physical_id && r.status != "DELETE_COMPLETE" &&
          r.status != "DELETE_SKIPPED") {
        return s.name;
      }
    }
  }
  return "";
}

std::vector<std::string> Engine::importers(const std::string& export_name) const {
  MutexLock lock(mu_);
  return importers_of(stacks_, export_name);
}

void Engine::roll_back(const std::string& name, std::function<void(Result<std::string>)> done) {
  MutexLock lock(mu_);
  StackState* s = nullptr;
  for (auto& [id, other] : stacks_) {
    if ((id == name || other.name == name) && !other.deleted_stack()) s = &other;
  }
  if (s == nullptr) return done(errors::stack_not_found(name));
  std::string kind = s->status == "CREATE_FAILED"   ? "ROLLBACK"
                     : s->status == "UPDATE_FAILED" ? "UPDATE_ROLLBACK"
                                                    : "";
  if (kind.empty()) {
    return done(Error::validation("Stack:" + s->id + " is in " + s->status +
                                  " state and can not be rolled back."));
  }
  auto run = run_for_locked(*s, kind);
  if (!run) return done(run.take_error());
  std::string id = s->id;
  runs_[id] = std::move(*run);
  address_locked(*s, "");
  s->status = kind == "ROLLBACK" ? "ROLLBACK_IN_PROGRESS" : "UPDATE_ROLLBACK_IN_PROGRESS";
  s->reason = "User Initiated";
  commit_locked(*s, {stack_event(*s, s->status, s->reason)}, [this, id, done](Status st) {
    if (!st) return done(st.take_error());
    done(id);
    continue_later(id);
  });
}

void Engine::remove(const CallContext& ctx, const std::string& name,
                    std::function<void(Status)> done, std::vector<std::string> retain, bool force) {
  // An answer known at once is given after mu_ is released (the caller may
  // come back into the engine).
  std::optional<Status> now;
  {
    MutexLock lock(mu_);
    now = start_delete_locked(ctx, name, done, std::move(retain), force);
  }
  if (now) done(std::move(*now));
}

std::optional<Status> Engine::start_delete_locked(const CallContext& ctx, const std::string& name,
                                                  const std::function<void(Status)>& done,
                                                  std::vector<std::string> retain, bool force) {
  StackState* s = nullptr;
  for (auto& [id, other] : stacks_) {
    if ((id == name || other.name == name) && !other.deleted_stack()) s = &other;
  }
  // Deleting a stack that does not exist (or is gone) succeeds, as on AWS.
  if (s == nullptr || s->status == "DELETE_IN_PROGRESS") return Status::ok();
  // A nested stack is protected by its root; its parent's own operations
  // (an update removing it, a rollback) delete it regardless, as on AWS.
  bool is_protected = shown_locked(*s).termination_protection;
  if (!s->parent_id.empty()) {
    auto parent = stacks_.find(s->parent_id);
    if (parent != stacks_.end() && parent->second.in_progress()) is_protected = false;
  }
  if (is_protected) {
    return Status(Error::validation("Stack [" + s->name +
                                    "] cannot be deleted while TerminationProtection is enabled"));
  }
  if (s->in_progress() && s->status != "REVIEW_IN_PROGRESS") {
    return Status(errors::in_progress(s->name, s->status));
  }
  // RetainResources: what a failed delete could not delete, left where it
  // is so the stack can go (AWS's way out of DELETE_FAILED).
  if (!retain.empty() && s->status != "DELETE_FAILED") {
    return Status(Error::validation("Invalid operation on stack [" + s->name +
                                    "]: RetainResources can only be specified for a stack in "
                                    "DELETE_FAILED state"));
  }
  // FORCE_DELETE_STACK: "Delete the stack if it's stuck in a DELETE_FAILED
  // state", skipping what failed to delete.
  if (force && s->status != "DELETE_FAILED") {
    return Status(Error::validation("Invalid operation on stack [" + s->name +
                                    "]: DeletionMode FORCE_DELETE_STACK can only be used for a "
                                    "stack in DELETE_FAILED state"));
  }
  if (force) {
    for (const auto& [rid, r] : s->resources) {
      if (r.status == "DELETE_FAILED" &&
          std::find(retain.begin(), retain.end(), rid) == retain.end())
        retain.push_back(rid);
    }
  }
  for (const auto& id : retain) {
    auto r = s->resources.find(id);
    if (r == s->resources.end()) {
      return Status(
          Error::validation("Resource [" + id + "] to retain is not in stack [" + s->name + "]"));
    }
    if (r->second.status == "DELETE_COMPLETE") {
      return Status(Error::validation(
          "The specified resources to retain must be in a valid state. Do not specify resources "
          "that are in the DELETE_COMPLETE state."));
    }
  }
  // An export another stack imports keeps its stack: the call succeeds and
  // the stack stays as it was, with the reason, as on AWS.
  for (const auto& o : s->outputs) {
    std::string name = o.is_object() ? str(o.as_object(), "ExportName") : "";
    if (name.empty()) continue;
    auto users = importers_of(stacks_, name);
    std::erase(users, s->name);
    if (users.empty()) continue;
    s->reason = "Export " + name + " cannot be deleted as it is in use by " + names_and(users);
    commit_locked(*s, {stack_event(*s, s->status, s->reason)}, [](Status) {});
    return Status::ok();
  }
  auto run = run_for_locked(*s, "DELETE");
  if (!run) return Status(run.take_error());
  // After a failed update, what it replaced is still there beside what
  // replaced it: the delete takes both.
  adopt_previous(*s);
  address_locked(*s, ctx.endpoint_url);
  std::string id = s->id;
  runs_[id] = std::move(*run);
  s->status = "DELETE_IN_PROGRESS";
  s->reason = "User Initiated";
  // The retained ones are skipped in the same batch that starts the delete,
  // so a restart goes on without them.
  std::vector<StackEvent> events{stack_event(*s, "DELETE_IN_PROGRESS", "User Initiated")};
  for (const auto& rid : retain) {
    ResourceState& r = s->resources[rid];
    if (r.status == "DELETE_SKIPPED") continue;
    r.status = "DELETE_SKIPPED";
    r.reason.clear();
    events.push_back({rid, r.physical_id, r.type, "DELETE_SKIPPED", "", {}});
  }
  commit_locked(*s, std::move(events), [this, id, done](Status st) {
    done(st);
    if (st) continue_later(id);
  });
  return std::nullopt;
}

}  // namespace nimbus::services::cloudformation
