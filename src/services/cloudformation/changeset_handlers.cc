// CreateChangeSet, DescribeChangeSet, ExecuteChangeSet, DeleteChangeSet,
// ListChangeSets: what `aws cloudformation deploy` and `sam deploy` call.
#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/errors.h"

namespace nimbus::services::cloudformation {

namespace {

constexpr const char* kNoChanges =
    "The submitted information didn't contain changes. Submit different information to create a "
    "change set.";

json::object summary(const ChangeSet& cs) {
  json::object o{{"StackId", cs.stack_id},
                 {"StackName", cs.stack_name},
                 {"ChangeSetId", cs.id},
                 {"ChangeSetName", cs.name},
                 {"ExecutionStatus", cs.execution_status},
                 {"Status", cs.status},
                 {"CreationTime", cs.created},
                 {"IncludeNestedStacks", cs.include_nested}};
  if (!cs.parent_id.empty()) o["ParentChangeSetId"] = cs.parent_id;
  if (!cs.root_id.empty()) o["RootChangeSetId"] = cs.root_id;
  if (!cs.reason.empty()) o["StatusReason"] = cs.reason;
  if (!cs.description.empty()) o["Description"] = cs.description;
  return o;
}

}  // namespace

PrepareInput CloudFormationService::change_set_input(const CallContext& ctx,
                                                     const StackRequest& req,
                                                     const std::string& stack_name) const {
  PrepareInput pin;
  pin.body = req.body;
  pin.given = req.given;
  pin.capabilities = req.capabilities;
  pin.change_set = true;
  pin.stack_name = stack_name;
  pin.region = ctx.region.empty() ? env_.settings.region : ctx.region;
  pin.account_id = ctx.account_id.empty() ? env_.settings.account_id : ctx.account_id;
  return pin;
}

Result<ChangeSet> CloudFormationService::open_change_set(const CallContext& ctx,
                                                         const json::object& in,
                                                         const PrepareInput& pin,
                                                         const StackState* current, bool review,
                                                         std::string type) {
  std::string stack_id;
  if (review) {
    auto id = engine_.review(ctx, pin.stack_name);
    if (!id) return id.take_error();
    stack_id = *id;
  } else {
    stack_id = current->id;
  }
  ChangeSet cs;
  cs.name = str(in, "ChangeSetName");
  if (auto old = change_sets_.find(cs.name, stack_id)) {
    // An executed change set's name is free again: `aws cloudformation
    // deploy` names its change sets by the second, and two deploys within
    // one second are ordinary against a local server.
    if (old->execution_status != "EXECUTE_COMPLETE") {
      return Error::make("AlreadyExistsException", "ChangeSet " + cs.name + " already exists");
    }
    change_sets_.erase(old->id);
  }
  cs.id = "arn:aws:cloudformation:" + pin.region + ":" + pin.account_id + ":changeSet/" + cs.name +
          "/" + new_request_id();
  cs.stack_id = std::move(stack_id);
  cs.stack_name = pin.stack_name;
  cs.type = std::move(type);
  cs.description = str(in, "Description");
  cs.created = env_.clock.now_seconds();
  return cs;
}

void CloudFormationService::create_change_set(const CallContext& ctx, json::object in,
                                              Respond respond) {
  std::string type = has(in, "ChangeSetType") ? str(in, "ChangeSetType") : "UPDATE";
  std::string stack_name = str(in, "StackName");
  if (type == "IMPORT") return create_import_change_set(ctx, std::move(in), std::move(respond));
  auto current = engine_.find(stack_name);
  bool in_review = current && current->status == "REVIEW_IN_PROGRESS";
  if (type == "UPDATE" && (!current || in_review)) {
    return respond(errors::stack_not_found(stack_name));
  }
  if (type == "CREATE" && current && !in_review) {
    return respond(errors::already_exists(stack_name));
  }
  auto req = stack_request(in, type == "UPDATE" ? &*current : nullptr);
  if (!req) return respond(req.take_error());
  PrepareInput pin = change_set_input(ctx, *req, stack_name);
  auto prepared = prepare(pin);
  if (!prepared) return respond(prepared.take_error());

  auto opened =
      open_change_set(ctx, in, pin, type == "CREATE" ? nullptr : &*current, type == "CREATE", type);
  if (!opened) return respond(opened.take_error());
  ChangeSet cs = std::move(*opened);
  cs.changes = compute_changes(type == "UPDATE" ? &*current : nullptr, *prepared);
  if (type == "UPDATE" && cs.changes.empty() && prepared->tmpl.doc == current->processed &&
      (req->tags.empty() || req->tags == current->tags)) {
    cs.status = "FAILED";
    cs.execution_status = "UNAVAILABLE";
    cs.reason = kNoChanges;
  }
  cs.request = std::move(*req);
  cs.request.name = stack_name;
  cs.request.change_set_id = cs.id;
  cs.include_nested = boolean(in, "IncludeNestedStacks").value_or(false);
  json::object out{{"Id", cs.id}, {"StackId", cs.stack_id}};
  auto root = std::make_shared<ChangeSet>(std::move(cs));
  auto store = [this, root, respond, out](Status st) {
    if (!st) return respond(st.take_error());
    change_sets_.put(std::move(*root), [respond, out](Status st) {
      if (!st) return respond(st.take_error());
      respond(out);
    });
  };
  if (!root->include_nested || root->status == "FAILED") {
    return store(Status::ok());
  }
  pin.stack_id = root->stack_id;
  nested_change_sets(ctx, *prepared, pin, root, store);
}

Output CloudFormationService::describe_change_set(const CallContext&, const json::object& in) {
  auto s = engine_.find(str(in, "StackName"));
  auto cs = change_sets_.find(str(in, "ChangeSetName"), s ? s->id : "");
  if (!cs) return errors::change_set_not_found(str(in, "ChangeSetName"));
  json::object out = summary(*cs);
  json::array params;
  for (const auto& [k, v] : cs->request.given) {
    params.push_back(json::object{{"ParameterKey", k}, {"ParameterValue", v}});
  }
  out["Parameters"] = std::move(params);
  out["Changes"] = cs->changes;
  json::array caps;
  for (const auto& c : cs->request.capabilities) caps.emplace_back(c);
  out["Capabilities"] = std::move(caps);
  out["Tags"] = cs->request.tags;
  json::array arns;
  for (const auto& a : cs->request.notification_arns) arns.emplace_back(a);
  out["NotificationARNs"] = std::move(arns);
  out["RollbackConfiguration"] = json::object();
  return out;
}

void CloudFormationService::execute_change_set(const CallContext& ctx, json::object in,
                                               Respond respond) {
  auto s = engine_.find(str(in, "StackName"));
  auto cs = change_sets_.find(str(in, "ChangeSetName"), s ? s->id : "");
  if (!cs) return respond(errors::change_set_not_found(str(in, "ChangeSetName")));
  if (!cs->root_id.empty()) {  // nimbus's wording
    return respond(Error::validation("ChangeSet [" + cs->id +
                                     "] is a nested change set: execute its root change set [" +
                                     cs->root_id + "]"));
  }
  if (cs->status != "CREATE_COMPLETE" || cs->execution_status != "AVAILABLE") {
    return respond(Error::make("InvalidChangeSetStatus",
                               "ChangeSet [" + cs->id +
                                   "] cannot be executed in its current status of [" + cs->status +
                                   "]"));
  }
  StackRequest req = cs->request;
  if (has(in, "DisableRollback"))
    req.disable_rollback = boolean(in, "DisableRollback").value_or(false);
  auto started = [this, ctx, respond, cs = *cs](Result<std::string> id) mutable {
    if (!id) return respond(id.take_error());
    // The executed change set is done; the stack's others no longer apply
    // to the updated stack and are deleted, as CloudFormation does.
    for (auto other : change_sets_.of_stack(cs.stack_id)) {
      if (other.id != cs.id) {
        change_sets_.erase(other.id);
        continue;
      }
      other.execution_status = "EXECUTE_COMPLETE";
      change_sets_.put(std::move(other), [](Status) {});
    }
    // Its nested change sets run with it: the root's update updates the
    // nested stacks, and creates the added ones (their placeholders go).
    for (auto nested : change_sets_.nested_in(cs.id)) {
      if (nested.type == "CREATE") engine_.remove(ctx, nested.stack_id, [](Status) {});
      nested.execution_status = "EXECUTE_COMPLETE";
      change_sets_.put(std::move(nested), [](Status) {});
    }
    engine_.when_settled(*id, std::chrono::seconds(10), [respond] { respond(json::object()); });
  };
  if (cs->type == "CREATE") {
    engine_.create(ctx, std::move(req), std::move(started));
  } else {
    engine_.update(ctx, std::move(req), std::move(started));
  }
}

Output CloudFormationService::delete_change_set(const CallContext& ctx, const json::object& in) {
  auto s = engine_.find(str(in, "StackName"));
  auto cs = change_sets_.find(str(in, "ChangeSetName"), s ? s->id : "");
  if (!cs) return errors::change_set_not_found(str(in, "ChangeSetName"));
  if (!cs->root_id.empty()) {  // nimbus's wording
    return Error::validation("ChangeSet [" + cs->id +
                             "] is a nested change set: delete its root change set [" +
                             cs->root_id + "]");
  }
  drop_nested_change_sets(ctx, cs->id);
  change_sets_.erase(cs->id);
  return json::object();
}

Output CloudFormationService::list_change_sets(const CallContext&, const json::object& in) {
  auto s = stack_named(in);
  if (!s) return s.take_error();
  json::array out;
  for (const auto& cs : change_sets_.of_stack(s->id)) out.push_back(summary(cs));
  return json::object{{"Summaries", std::move(out)}};
}

}  // namespace nimbus::services::cloudformation
