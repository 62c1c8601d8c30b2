// AWS CloudFormation (awsQuery; see README.md for what is served): stacks
// from templates, created through the other services' own operations.
#pragma once

#include <memory>

#include "services/cloudformation/changesets.h"
#include "services/cloudformation/engine.h"
#include "services/operation_calls.h"
#include "services/service.h"

namespace nimbus::services::cloudformation {

class CloudFormationService final : public Service {
 public:
  // `calls` reaches the other services (the registry's InProcessCalls); it
  // must outlive this service.
  CloudFormationService(Environment& env, OperationCalls* calls);

  Status start() override;
  // Binds the ResponseURLs' answers (custom_responses.h) as the target of
  // arn:aws:cloudformation:...:custom-resource-response/TOKEN.
  void bind(events::Targets& targets) override;

 private:
  static const Operation<CloudFormationService> kOperations[];

  // stack_handlers.cc
  void create_stack(const CallContext& ctx, json::object in, Respond respond);
  void update_stack(const CallContext& ctx, json::object in, Respond respond);
  void delete_stack(const CallContext& ctx, json::object in, Respond respond);
  Output update_termination_protection(const CallContext& ctx, const json::object& in);
  void rollback_stack(const CallContext& ctx, json::object in, Respond respond);
  void continue_update_rollback(const CallContext& ctx, json::object in, Respond respond);
  // policy_handlers.cc
  Output set_stack_policy(const CallContext& ctx, const json::object& in);
  Output get_stack_policy(const CallContext& ctx, const json::object& in);
  Output list_imports(const CallContext& ctx, const json::object& in);
  // describe_handlers.cc
  Output describe_stacks(const CallContext& ctx, const json::object& in);
  Output list_stacks(const CallContext& ctx, const json::object& in);
  Output describe_stack_events(const CallContext& ctx, const json::object& in);
  Output describe_stack_resources(const CallContext& ctx, const json::object& in);
  Output describe_stack_resource(const CallContext& ctx, const json::object& in);
  Output list_stack_resources(const CallContext& ctx, const json::object& in);
  Output list_exports(const CallContext& ctx, const json::object& in);
  // template_handlers.cc
  Output get_template(const CallContext& ctx, const json::object& in);
  Output validate_template(const CallContext& ctx, const json::object& in);
  Output get_template_summary(const CallContext& ctx, const json::object& in);
  // changeset_handlers.cc
  void create_change_set(const CallContext& ctx, json::object in, Respond respond);
  Output describe_change_set(const CallContext& ctx, const json::object& in);
  void execute_change_set(const CallContext& ctx, json::object in, Respond respond);
  Output delete_change_set(const CallContext& ctx, const json::object& in);
  Output list_change_sets(const CallContext& ctx, const json::object& in);
  // import_change_sets.cc: CreateChangeSet with ChangeSetType IMPORT.
  void create_import_change_set(const CallContext& ctx, json::object in, Respond respond);

  // Runs the handler `Next` with the input's TemplateURL, when it has one,
  // replaced by the TemplateBody read from nimbus's S3 (template_url.h);
  // answers AWS's ValidationError when it cannot be read.
  template <auto Next>
  void with_template_url(const CallContext& ctx, json::object in, Respond respond);
  // The same for StackPolicyURL and StackPolicyDuringUpdateURL: each read
  // into its *Body member (policy_handlers.cc).
  template <auto Next>
  void with_policy_url(const CallContext& ctx, json::object in, Respond respond);

  // The StackRequest of a CreateStack / UpdateStack / CreateChangeSet input;
  // `current` resolves UsePreviousTemplate and UsePreviousValue.
  Result<StackRequest> stack_request(const json::object& in, const StackState* current) const;
  Result<StackState> stack_named(const json::object& in) const;
  // What a CreateChangeSet input (any type) prepares its template with.
  PrepareInput change_set_input(const CallContext& ctx, const StackRequest& req,
                                const std::string& stack_name) const;
  // A new change set named by the input's ChangeSetName on `current`, or on
  // a stack made REVIEW_IN_PROGRESS when `review` (CREATE, or an IMPORT into
  // a new stack): id, stack, type, description and time set; an executed
  // change set of that name is replaced, another is AlreadyExistsException.
  Result<ChangeSet> open_change_set(const CallContext& ctx, const json::object& in,
                                    const PrepareInput& pin, const StackState* current, bool review,
                                    std::string type);

  // nested_change_sets.cc: IncludeNestedStacks. Stores a change set for
  // each nested stack `root` modifies or adds and names it in
  // root->changes; `done`
  // once they are durable, or with why one cannot be made (none is left).
  struct NestedWork;
  void nested_change_sets(const CallContext& ctx, const Prepared& prepared, const PrepareInput& pin,
                          std::shared_ptr<ChangeSet> root, std::function<void(Status)> done);
  void next_nested(std::shared_ptr<NestedWork> work, size_t i);
  // Deletes the nested change sets under the root change set `root_id`
  // and the placeholder stacks of the added nested stacks among them.
  void drop_nested_change_sets(const CallContext& ctx, const std::string& root_id);

  Environment& env_;
  OperationCalls* calls_;
  Engine engine_;
  ChangeSets change_sets_;
  std::unique_ptr<events::Binding> bound_;  // last: unbound first
};

}  // namespace nimbus::services::cloudformation
