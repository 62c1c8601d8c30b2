// The seam through which one service calls another's operations
// (CloudFormation's resources, Step Functions' SDK and optimized tasks): an
// operation called in-process by model name and operation name with
// an input value, as if a client had sent it (the input is checked against
// the operation's model first, so a service sees what its handlers always
// see). Implemented where services are wired (services/in_process.h); the
// registry hands it to the services that use it.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "services/service.h"

namespace nimbus::services {

class OperationCalls {
 public:
  virtual ~OperationCalls() = default;
  // Calls `operation` of the service serving `model` ("sqs") with `input`
  // under `ctx` (its service and operation are filled in). `respond` is
  // called exactly once, from any thread: with the output, the service's
  // error, the model's validation error, or InvalidAction when nimbus does
  // not serve the operation.
  virtual void call(std::string_view model, std::string_view operation, CallContext ctx,
                    boost::json::object input, Respond respond) = 0;
};

}  // namespace nimbus::services
