// FunctionConfiguration: validation of the settable members with Lambda's
// messages, and applying them to a stored configuration. Internal to lambda/.
#pragma once

#include <boost/json.hpp>

#include "common/result.h"

namespace nimbus::services::sqs {
class Queues;
}

namespace nimbus::services::lambda {

namespace json = boost::json;

// Runtime, Role, Handler, Description, Timeout, MemorySize, Environment,
// EphemeralStorage, DeadLetterConfig, TracingConfig from `in` into `config`.
// `create`: Runtime and Handler are required (Handler not for provided.*).
Status apply_config(json::object& config, const json::object& in, bool create,
                    const sqs::Queues* queues);

// A destination or dead-letter target: SQS queues (must exist when the SQS
// service runs in-process) and Lambda functions are supported; SNS and
// EventBridge answer InvalidParameterValueException "not yet supported".
Status check_target(const std::string& arn, const sqs::Queues* queues);

}  // namespace nimbus::services::lambda
