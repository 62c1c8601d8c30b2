// Lambda's AWS/Lambda metrics, published through CloudWatch's
// MetricPublisher (services/cloudwatch/api.h): per FunctionName, and per
// FunctionName + Resource (NAME:QUALIFIER) when the function was invoked
// with a version or alias, as AWS publishes them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "services/cloudwatch/api.h"

namespace nimbus::services::lambda {

struct FunctionMetric {
  std::string name;  // Invocations, Errors, Duration, Throttles, IteratorAge
  double value = 0;
  std::string unit;  // Count, Milliseconds
};

// Publishes `metrics` for the function `function_arn` names (qualified or
// not) at `now_ms`. `publisher` may be null (nothing is published).
void publish_function_metrics(cloudwatch::MetricPublisher* publisher, std::string_view function_arn,
                              int64_t now_ms, const std::vector<FunctionMetric>& metrics);

}  // namespace nimbus::services::lambda
