// Errors of a running state (States.Runtime, States.IntrinsicFailure, ...):
// not errors of the API, but what the interpreter turns into a state's
// failure (step.h's Failure), which Retry and Catch then see.
#pragma once

#include <string>
#include <utility>

#include "common/error.h"

namespace nimbus::sfn::asl {

inline Error state_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

}  // namespace nimbus::sfn::asl
