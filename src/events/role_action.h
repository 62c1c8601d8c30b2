// The IAM action a service performs when it delivers to a target as a role
// (an EventBridge rule target's or a Scheduler schedule's RoleArn), as the
// services' documentation names the permission the role needs.
#pragma once

#include <string>
#include <string_view>

namespace nimbus::events {

// "kinesis:PutRecord" for a stream, "states:StartExecution" for a state
// machine, "sqs:SendMessage", "sns:Publish", "lambda:InvokeFunction",
// "events:PutEvents" for a bus, "events:InvokeApiDestination",
// "firehose:PutRecord", "s3:PutObject" for an object (Firehose's S3
// destination); "" for a target kind with no such permission.
std::string role_action(std::string_view target_arn);

}  // namespace nimbus::events
