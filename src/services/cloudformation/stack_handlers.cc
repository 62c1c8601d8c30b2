// CreateStack, UpdateStack, DeleteStack, UpdateTerminationProtection,
// RollbackStack, ContinueUpdateRollback.
#include "common/json_fields.h"
#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/errors.h"

namespace nimbus::services::cloudformation {

namespace {
// How long a stack operation's answer waits for the operation to end.
constexpr std::chrono::seconds kHold{10};
}  // namespace

void CloudFormationService::create_stack(const CallContext& ctx, json::object in, Respond respond) {
  auto req = stack_request(in, nullptr);
  if (!req) return respond(req.take_error());
  engine_.create(ctx, std::move(*req), [this, respond](Result<std::string> id) {
    if (!id) return respond(id.take_error());
    engine_.when_settled(*id, kHold, [respond, id = *id] {
      respond(json::object{{"StackId", id}});
    });
  });
}

void CloudFormationService::update_stack(const CallContext& ctx, json::object in, Respond respond) {
  auto current = stack_named(in);
  if (!current) return respond(current.take_error());
  auto req = stack_request(in, &*current);
  if (!req) return respond(req.take_error());
  engine_.update(ctx, std::move(*req), [this, respond](Result<std::string> id) {
    if (!id) return respond(id.take_error());
    engine_.when_settled(*id, kHold, [respond, id = *id] {
      respond(json::object{{"StackId", id}});
    });
  });
}

void CloudFormationService::delete_stack(const CallContext& ctx, json::object in, Respond respond) {
  auto stack = engine_.find(str(in, "StackName"));
  std::string id = stack ? stack->id : "";
  engine_.remove(
      ctx, str(in, "StackName"),
      [this, respond, id](Status st) {
        if (!st) return respond(st.take_error());
        engine_.when_settled(id, kHold, [respond] { respond(json::object()); });
      },
      string_list(in, "RetainResources"), str(in, "DeletionMode") == "FORCE_DELETE_STACK");
}

void CloudFormationService::rollback_stack(const CallContext&, json::object in, Respond respond) {
  engine_.roll_back(str(in, "StackName"), [this, respond](Result<std::string> id) {
    if (!id) return respond(id.take_error());
    engine_.when_settled(*id, kHold, [respond, id = *id] {
      respond(json::object{{"StackId", id}});
    });
  });
}

void CloudFormationService::continue_update_rollback(const CallContext&, json::object in,
                                                     Respond respond) {
  engine_.continue_rollback(str(in, "StackName"), string_list(in, "ResourcesToSkip"),
                            [this, respond](Result<std::string> id) {
                              if (!id) return respond(id.take_error());
                              engine_.when_settled(*id, kHold,
                                                   [respond] { respond(json::object()); });
                            });
}

Output CloudFormationService::update_termination_protection(const CallContext&,
                                                            const json::object& in) {
  auto id = engine_.protect(str(in, "StackName"),
                            boolean(in, "EnableTerminationProtection").value_or(false));
  if (!id) return id.take_error();
  return json::object{{"StackId", *id}};
}

}  // namespace nimbus::services::cloudformation
