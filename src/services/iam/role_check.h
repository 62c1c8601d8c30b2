// The events::RoleCheck of a service that delivers to targets as a role
// (EventBridge rule targets and Scheduler schedules with a RoleArn, Lambda
// destinations as the execution role, SNS's Firehose subscriptions,
// Firehose's S3 objects), and the check of one action on a resource (SNS's
// delivery-status logs): the role must trust `service_principal` and allow
// the target's action (events/role_action.h) on the target, decided by IAM
// (Directory::authorize_as_role). Header-only so that its users need not
// link IAM.
#pragma once

#include <functional>
#include <string>

#include "events/role_action.h"
#include "events/target_queue.h"
#include "services/iam/api.h"

namespace nimbus::services::iam {

// Whether `principal` may act as `role_arn` to do `action` on `resource`:
// the role must trust the principal and allow the action on the resource
// (always allowed unless IAM enforces, or when `action` is empty).
inline Status authorize_role_action(const Directory& directory, const std::string& principal,
                                    const std::string& action, const std::string& role_arn,
                                    const std::string& resource) {
  if (action.empty() || !directory.enforcing()) return Status::ok();
  RoleAccessRequest request;
  request.action = action;
  request.role_arn = role_arn;
  request.service_principal = principal;
  request.session_name = principal.substr(0, principal.find('.'));
  request.resources = {resource};
  auto decision = directory.authorize_as_role(request);
  if (decision.allowed) return Status::ok();
  return Error::make("AccessDenied", decision.message, 403);
}

// `directory` must outlive the returned check. A target kind with no known
// action is not checked (its resource policy alone decides).
inline ::nimbus::events::RoleCheck role_check(const Directory& directory,
                                              std::string service_principal) {
  return [&directory, principal = std::move(service_principal)](
             const std::string& role_arn, const std::string& target,
             const ::nimbus::events::Delivery&) -> Status {
    return authorize_role_action(directory, principal, ::nimbus::events::role_action(target),
                                 role_arn, target);
  };
}

// The same for one action on any resource (SNS's delivery-status logs:
// logs:PutLogEvents on the log group).
inline std::function<Status(const std::string& role_arn, const std::string& resource)>
role_permission_check(const Directory& directory, std::string service_principal,
                      std::string action) {
  return [&directory, principal = std::move(service_principal), action = std::move(action)](
             const std::string& role_arn, const std::string& resource) {
    return authorize_role_action(directory, principal, action, role_arn, resource);
  };
}

}  // namespace nimbus::services::iam
