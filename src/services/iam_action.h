// The IAM action of a call: the service's prefix and the action name the
// AWS service authorization reference lists for the operation (most are
// the operation's own name). The router authorizes clients' calls with it,
// services acting as a role (services/operation_calls.h) theirs.
#pragma once

#include <string>
#include <string_view>

namespace nimbus::services {

// "states" for stepfunctions, "dynamodb" for dynamodbstreams; otherwise the
// model's name.
std::string iam_prefix(std::string_view model);

// "sqs:SendMessage", "lambda:InvokeFunction" (model Invoke),
// "s3:ListBucket" (ListObjectsV2), "states:StartExecution".
std::string iam_action(std::string_view model, std::string_view operation);

}  // namespace nimbus::services
