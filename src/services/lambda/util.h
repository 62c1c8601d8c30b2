// Small helpers shared by the Lambda handlers and engine: input values,
// ARNs, times, revisions. Internal to lambda/. Errors are in errors.h.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "common/result.h"
#include "services/lambda/errors.h"

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

// InvalidParameterValueException unless `tags` (a function's) are at most 50
// with keys of 1-128 characters, values of at most 256, and no "aws:" keys
// but when `aws_keys` (CloudFormation's calls, services::takes_aws_tags).
Status check_tags(const json::object& tags, bool aws_keys);

// PreconditionFailedException when the input's RevisionId is given and stale.
Status check_revision(const json::object& in, const json::object& config);
// What the caller sees right after a create/update: AWS answers Pending /
// InProgress and the waiters poll until Active / Successful, which the
// stored state already is (the code is unpacked before we answer).
json::object as_pending(json::object config, bool create);

}  // namespace nimbus::services::lambda
