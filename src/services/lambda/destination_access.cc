// The checks of destination_access.h; the same permission is checked again
// when each record is sent (events::AsyncInvoke::set_role_check, wired in
// LambdaService::start).
#include "services/lambda/destination_access.h"

#include "events/role_action.h"
#include "services/lambda/errors.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

Status role_may_send(const iam::Directory* iam, const std::string& role_arn,
                     const std::string& target, bool dead_letter) {
  if (iam == nullptr || !iam->enforcing() || target.empty()) return Status::ok();
  iam::RoleAccessRequest request;
  request.action = events::role_action(target);
  if (request.action.empty()) return Status::ok();
  request.role_arn = role_arn;
  request.service_principal = "lambda.amazonaws.com";
  request.session_name = "lambda";
  request.resources = {target};
  if (iam->authorize_as_role(request).allowed) return Status::ok();
  std::string call = request.action.substr(request.action.find(':') + 1);
  // A dead-letter target is named by its service, a destination by its ARN.
  if (dead_letter) {
    return invalid("The provided execution role does not have permissions to call " + call +
                   (target.starts_with("arn:aws:sqs:") ? " on SQS" : " on SNS"));
  }
  return invalid("The function execution role does not have permissions to call " + call + " on " +
                 target);
}

Status role_may_send_destinations(const iam::Directory* iam, const std::string& role_arn,
                                  const json::object& in) {
  const auto* d = in.if_contains("DestinationConfig");
  if (d == nullptr || !d->is_object()) return Status::ok();
  for (const char* key : {"OnSuccess", "OnFailure"}) {
    const auto* t = d->as_object().if_contains(key);
    if (t == nullptr || !t->is_object()) continue;
    NIMBUS_TRY(role_may_send(iam, role_arn, str(t->as_object(), "Destination"), false));
  }
  return Status::ok();
}

Status role_may_send_dead_letters(const iam::Directory* iam, const json::object& config) {
  const auto* d = config.if_contains("DeadLetterConfig");
  if (d == nullptr || !d->is_object()) return Status::ok();
  return role_may_send(iam, str(config, "Role"), str(d->as_object(), "TargetArn"), true);
}

}  // namespace nimbus::services::lambda
