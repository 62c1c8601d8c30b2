// FunctionConfiguration: validation of the settable members with Lambda's
// messages, and applying them to a stored configuration. Internal to lambda/.
#pragma once

#include <boost/json.hpp>

#include "common/result.h"
#include "events/target.h"

namespace nimbus::services::lambda {

namespace json = boost::json;

// Runtime, Role, Handler, Description, Timeout, MemorySize, Environment,
// EphemeralStorage, DeadLetterConfig, TracingConfig from `in` into `config`.
// `create`: Runtime and Handler are required (Handler not for provided.*).
Status apply_config(json::object& config, const json::object& in, bool create,
                    const events::Targets& targets);

// A destination or dead-letter target, looked up in `targets`: any kind this
// program delivers to (SQS queues and Lambda functions, SNS topics and
// EventBridge buses once they exist), and the resource must exist. Lambda's
// InvalidParameterValueException otherwise.
Status check_target(const std::string& arn, const events::Targets& targets);
// The OnSuccess / OnFailure destinations of a DestinationConfig in `in`.
Status check_destinations(const json::object& in, const events::Targets& targets);

}  // namespace nimbus::services::lambda
