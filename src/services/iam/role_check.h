// The events::RoleCheck of a service that delivers to targets as a role
// (EventBridge rule targets and Scheduler schedules with a RoleArn, Lambda
// destinations as the execution role, SNS's Firehose subscriptions,
// Firehose's S3 objects): the role must trust `service_principal` and allow
// the target's action (events/role_action.h) on the target, decided by IAM
// (Directory::authorize_as_role). Header-only so that its users need not
// link IAM.
#pragma once

#include <string>

#include "events/role_action.h"
#include "events/target_queue.h"
#include "services/iam/api.h"

namespace nimbus::services::iam {

// `directory` must outlive the returned check. A target kind with no known
// action is not checked (its resource policy alone decides).
inline ::nimbus::events::RoleCheck role_check(const Directory& directory,
                                              std::string service_principal) {
  return [&directory, principal = std::move(service_principal)](
             const std::string& role_arn, const std::string& target,
             const ::nimbus::events::Delivery&) -> Status {
    RoleAccessRequest request;
    request.action = ::nimbus::events::role_action(target);
    if (request.action.empty() || !directory.enforcing()) return Status::ok();
    request.role_arn = role_arn;
    request.service_principal = principal;
    request.session_name = principal.substr(0, principal.find('.'));
    request.resources = {target};
    auto decision = directory.authorize_as_role(request);
    if (decision.allowed) return Status::ok();
    return Error::make("AccessDenied", decision.message, 403);
  };
}

}  // namespace nimbus::services::iam
