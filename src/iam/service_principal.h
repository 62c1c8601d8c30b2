// Services acting on their own behalf (SNS delivering to a queue or a
// function, EventBridge and S3 invoking a function, API Gateway calling its
// integration), as resource policies see them: a service principal with
// aws:SourceArn / aws:SourceAccount naming the producer.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "iam/policy.h"

namespace nimbus::iam {

// The service principal AWS uses for a producer's ARN ("arn:aws:sns:..." ->
// "sns.amazonaws.com", events, s3, execute-api -> apigateway); empty for
// producers that act through a role instead (Lambda destinations, Step
// Functions, event source mappings) or are not ARNs.
std::string service_principal_of(std::string_view source_arn);

// Whether the resource policy `policy` lets `principal` perform `action`
// on `resource` for the producer `source_arn` in `account`: AccessDenied's
// message ("User: sns.amazonaws.com is not authorized to perform: ...
// because no resource-based policy allows ...", or "with an explicit deny
// in a resource-based policy") when not. A null policy allows nothing.
Status service_allowed(const Policy* policy, const std::string& principal,
                       const std::string& action, const std::string& resource,
                       const std::string& source_arn, const std::string& account);

}  // namespace nimbus::iam
