// CreateChangeSet with IncludeNestedStacks: a change set of its own for
// each nested stack the root change set modifies, computed the way the
// root's is (its template read from its TemplateURL, its parameters as
// the parent passes them), named in the parent's change of that resource
// (ResourceChange.ChangeSetId) and pointing back (ParentChangeSetId,
// RootChangeSetId); and so on down, for the nested stacks each nested
// change set modifies, at any depth. Executing the root executes them all
// (the root's update updates its nested stacks, which update theirs); they
// are executed and deleted only through their root, as on AWS.
//
// A nested stack the change set adds gets one too (a CREATE change set of
// the nested template), on a stack made for it in REVIEW_IN_PROGRESS, as
// AWS makes one: the root's execution creates the nested stack through the
// parent's create (a stack of its own) and deletes that placeholder, as
// does deleting the root or a failure while the tree is made.
#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/errors.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/template_url.h"

namespace nimbus::services::cloudformation {

struct CloudFormationService::NestedWork {
  struct Job {
    size_t change = 0;  // index in the root's Changes
    std::string logical_id, stack_id, url;
    std::map<std::string, std::string> given;
    bool add = false;  // a nested stack the change set adds (stack_id "")
  };
  CallContext ctx;
  std::shared_ptr<ChangeSet> root;
  std::vector<Job> jobs;
  std::vector<std::string> made;          // the nested change sets stored so far
  std::vector<std::string> placeholders;  // REVIEW_IN_PROGRESS stacks made for added ones
  std::function<void(Status)> done;
};

void CloudFormationService::nested_change_sets(const CallContext& ctx, const Prepared& prepared,
                                               const PrepareInput& pin,
                                               std::shared_ptr<ChangeSet> root,
                                               std::function<void(Status)> done) {
  auto work = std::make_shared<NestedWork>();
  work->ctx = ctx;
  work->root = root;
  work->done = std::move(done);
  // What the root's parameters decide; a value from another resource
  // (known only once the update runs) keeps the nested stack's current one.
  cfn::Scope scope = scope_of(prepared, pin);
  scope.ref = [](std::string_view id) -> Result<json::value> {
    return cfn::unresolved_dependency(id);
  };
  scope.get_att = [](std::string_view id, std::string_view) -> Result<json::value> {
    return cfn::unresolved_dependency(id);
  };
  scope.import_value = [](std::string_view name) -> Result<json::value> {
    return Error::validation("No export named " + std::string(name) + " found.");
  };
  for (size_t i = 0; i < root->changes.size(); ++i) {
    const auto* rc = root->changes[i].as_object().if_contains("ResourceChange");
    if (rc == nullptr || !rc->is_object()) continue;
    const auto& change = rc->as_object();
    std::string action = str(change, "Action");
    if (str(change, "ResourceType") != "AWS::CloudFormation::Stack" ||
        (action != "Modify" && action != "Add")) {
      continue;
    }
    NestedWork::Job job;
    job.change = i;
    job.logical_id = str(change, "LogicalResourceId");
    job.add = action == "Add";
    std::optional<StackState> nested;
    if (!job.add) {
      nested = engine_.find(str(change, "PhysicalResourceId"));
      if (!nested || nested->deleted_stack()) continue;
      job.stack_id = nested->id;
      for (const auto& p : nested->parameters) job.given[p.key] = p.value;
    }
    const auto& decl = prepared.tmpl.resources().at(job.logical_id).as_object();
    const auto* props = decl.if_contains("Properties");
    if (props == nullptr || !props->is_object()) continue;
    const auto* url = props->as_object().if_contains("TemplateURL");
    if (url == nullptr) continue;
    auto resolved_url = cfn::resolve(*url, scope);
    if (!resolved_url || !resolved_url->is_string()) continue;
    job.url = std::string(resolved_url->as_string());
    bool known = true;  // every parameter of an added one known now
    if (const auto* params = props->as_object().if_contains("Parameters");
        params != nullptr && params->is_object()) {
      for (const auto& [k, v] : params->as_object()) {
        auto value = cfn::resolve(v, scope);
        if (value) {
          job.given[k] = provide::text(*value);
        } else {
          known = false;
        }
      }
    }
    // An added nested stack whose parameters come from other resources
    // (known only once they exist) gets no change set of its own.
    if (job.add && !known) continue;
    work->jobs.push_back(std::move(job));
  }
  next_nested(std::move(work), 0);
}

void CloudFormationService::drop_nested_change_sets(const CallContext& ctx,
                                                    const std::string& root_id) {
  for (const auto& cs : change_sets_.nested_in(root_id)) {
    // An added nested stack's placeholder goes with its change set.
    if (cs.type == "CREATE") engine_.remove(ctx, cs.stack_id, [](Status) {});
    change_sets_.erase(cs.id);
  }
}

void CloudFormationService::next_nested(std::shared_ptr<NestedWork> work, size_t i) {
  // A failure anywhere in the tree leaves none of it: every change set
  // made so far under this root goes.
  auto fail = [this, work](Error e) {
    for (const auto& id : work->made) change_sets_.erase(id);
    for (const auto& id : work->placeholders) engine_.remove(work->ctx, id, [](Status) {});
    const ChangeSet& parent = *work->root;
    drop_nested_change_sets(work->ctx, parent.root_id.empty() ? parent.id : parent.root_id);
    work->done(std::move(e));
  };
  if (i == work->jobs.size()) return work->done(Status::ok());
  read_template_url(
      *calls_, work->ctx, work->jobs[i].url, [this, work, i, fail](Result<std::string> body) {
        const auto& job = work->jobs[i];
        if (!body) return fail(body.take_error());
        if (job.add) {
          // The placeholder the added nested stack's change set is on.
          auto parent = engine_.find(work->root->stack_id);
          if (!parent) return fail(errors::stack_not_found(work->root->stack_id));
          auto made = engine_.review(work->ctx, engine_.generated_name(*parent, job.logical_id));
          if (!made) return fail(made.take_error());
          work->placeholders.push_back(*made);
          work->jobs[i].stack_id = *made;
        }
        auto nested = engine_.find(job.stack_id);
        if (!nested) return fail(errors::stack_not_found(job.stack_id));
        PrepareInput in;
        in.body = *body;
        in.given = job.given;
        in.capabilities = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"};
        in.change_set = true;
        in.stack_name = nested->name;
        in.stack_id = nested->id;
        in.region = nested->region;
        in.account_id = nested->account_id;
        auto prepared = prepare(in);
        if (!prepared) return fail(prepared.take_error());
        const ChangeSet& parent = *work->root;
        auto child = std::make_shared<ChangeSet>();
        std::string suffix = new_request_id().substr(0, 8);
        child->name = parent.name + "-" + job.logical_id + "-" + suffix;
        child->id = "arn:aws:cloudformation:" + nested->region + ":" + nested->account_id +
                    ":changeSet/" + child->name + "/" + new_request_id();
        child->stack_id = nested->id;
        child->stack_name = nested->name;
        child->type = job.add ? "CREATE" : "UPDATE";
        child->description = parent.description;
        child->created = parent.created;
        child->include_nested = true;
        child->parent_id = parent.id;
        child->root_id = parent.root_id.empty() ? parent.id : parent.root_id;
        child->changes = compute_changes(job.add ? nullptr : &*nested, *prepared);
        child->request.name = nested->id;
        child->request.body = *body;
        child->request.given = job.given;
        child->request.capabilities = in.capabilities;
        child->request.tags = nested->tags;
        child->request.change_set_id = child->id;
        work->root->changes[job.change].as_object()["ResourceChange"].as_object()["ChangeSetId"] =
            child->id;
        // Its own nested stacks first (they name themselves in its
        // changes), then it is stored.
        nested_change_sets(work->ctx, *prepared, in, child,
                           [this, work, i, child, fail](Status st) {
                             if (!st) return fail(st.take_error());
                             work->made.push_back(child->id);
                             change_sets_.put(*child, [this, work, i, fail](Status st) {
                               if (!st) return fail(st.take_error());
                               next_nested(work, i + 1);
                             });
                           });
      });
}

}  // namespace nimbus::services::cloudformation
