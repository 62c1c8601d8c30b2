// Small helpers shared by the Lambda handlers: input values, ARNs, times,
// errors. Internal to lambda/.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/json_fields.h"

namespace nimbus::services::lambda {

namespace json = boost::json;

using nimbus::boolean;
using nimbus::has;
using nimbus::integer;
using nimbus::str;

// FunctionName as the API accepts it: NAME, NAME:QUALIFIER, ACCOUNT:function:NAME[:Q],
// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q].
struct FunctionRef {
  std::string name;
  std::string qualifier;  // empty when not given in the name
};
FunctionRef parse_function_name(std::string_view text);

std::string function_arn(std::string_view region, std::string_view account, std::string_view name);
// Lambda's LastModified format: 2024-01-02T03:04:05.678+0000.
std::string lambda_time(int64_t epoch_ms);
std::string new_revision_id();

inline Error not_found(std::string_view arn) {
  return Error::make("ResourceNotFoundException", "Function not found: " + std::string(arn));
}
inline Error invalid(std::string message) {
  return Error::make("InvalidParameterValueException", std::move(message));
}
inline Error conflict(std::string message) {
  return Error::make("ResourceConflictException", std::move(message));
}

}  // namespace nimbus::services::lambda
