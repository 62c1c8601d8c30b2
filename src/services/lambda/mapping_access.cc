// Event source mappings read their queue or stream as the function's
// execution role, as on AWS: under --iam enforce the role must allow every
// action the poller uses on the source, checked when a mapping is created
// or updated (InvalidParameterValueException with AWS's wording) and before
// each poll (events::SqsPoller::Deps::may_receive).
#include "services/lambda/errors.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

constexpr const char* kLambdaPrincipal = "lambda.amazonaws.com";

struct SourceActions {
  const char* arn_prefix;
  std::vector<const char*> actions;
};

// What Lambda's pollers call on each kind of source.
const std::vector<SourceActions>& source_actions() {
  static const std::vector<SourceActions> table = {
      {"arn:aws:sqs:", {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}},
      {"arn:aws:kinesis:",
       {"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
        "kinesis:ListShards"}},
      {"arn:aws:dynamodb:",
       {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
        "dynamodb:ListStreams"}},
  };
  return table;
}

std::string refusal(const std::string& source, std::string_view action) {
  if (source.starts_with("arn:aws:sqs:")) {
    return "The provided execution role does not have permissions to call " +
           std::string(action.substr(action.find(':') + 1)) + " on SQS";
  }
  std::string last = source.starts_with("arn:aws:kinesis:") ? "ListShards" : "ListStreams";
  return "Cannot access stream " + source +
         ". Please ensure the role can perform the GetRecords, GetShardIterator, "
         "DescribeStream, and " +
         last + " Actions on your stream in IAM.";
}

}  // namespace

Status LambdaService::role_may_read(const std::string& function_arn,
                                    const std::string& source) const {
  if (iam_ == nullptr || !iam_->enforcing()) return Status::ok();
  iam::RoleAccessRequest request;
  request.role_arn = role_of(function_arn);
  request.service_principal = kLambdaPrincipal;
  request.session_name = parse_function_name(function_arn).name;
  request.resources = {source};
  for (const auto& kind : source_actions()) {
    if (!source.starts_with(kind.arn_prefix)) continue;
    for (const char* action : kind.actions) {
      request.action = action;
      if (!iam_->authorize_as_role(request).allowed) return invalid(refusal(source, action));
    }
  }
  return Status::ok();
}

}  // namespace nimbus::services::lambda
