// Destinations and dead-letter targets are reached as the function's
// execution role, as on AWS: under --iam enforce the role must allow the
// target's action (sqs:SendMessage, sns:Publish, lambda:InvokeFunction,
// events:PutEvents, events/role_action.h) when a configuration names it.
// Each check answers ok, or AWS's InvalidParameterValueException; ok when
// `iam` is null or does not enforce. Internal to lambda/. Never blocks, but
// IAM may read the target's resource policy through its service: call
// without Lambda's lock when the target may be a function.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "common/result.h"
#include "services/iam/api.h"

namespace nimbus::services::lambda {

// Whether `role_arn` may send to `target`; `dead_letter` picks AWS's
// DeadLetterConfig wording over its destination wording.
Status role_may_send(const iam::Directory* iam, const std::string& role_arn,
                     const std::string& target, bool dead_letter);
// Each destination of an input's DestinationConfig, as `role_arn`.
Status role_may_send_destinations(const iam::Directory* iam, const std::string& role_arn,
                                  const boost::json::object& in);
// A configuration's DeadLetterConfig, as its Role.
Status role_may_send_dead_letters(const iam::Directory* iam, const boost::json::object& config);

}  // namespace nimbus::services::lambda
