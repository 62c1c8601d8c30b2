// Tags of API Gateway resources by ARN, as TagResource / UntagResource /
// GetTags name them (both gateways): a REST API
// (arn:aws:apigateway:REGION::/restapis/ID) or one of its stages
// (.../restapis/ID/stages/NAME), an HTTP API (.../apis/ID) or one of its
// stages. The tags are a key -> value map in the API's record (`api` or the
// stage), under `member` ("tags" for REST APIs, "Tags" for HTTP APIs).
// Keys starting with "aws:" only from CloudFormation
// (services::takes_aws_tags). Pure.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::services::apigateway {

struct TagTarget {
  std::string api;
  std::string stage;  // empty: the API itself
};

// What `arn` names among `collection`'s APIs ("restapis" or "apis");
// nullopt when it is not such an ARN.
std::optional<TagTarget> tag_target(std::string_view arn, std::string_view collection);

// The object of `doc` (an API's record) that holds `t`'s tags: its `api`,
// or the stage; null when the stage does not exist.
boost::json::object* tag_holder(boost::json::object& doc, const TagTarget& t);
const boost::json::object* tag_holder(const boost::json::object& doc, const TagTarget& t);

// Merges `tags` (a map of strings) into holder[member]; `aws_ok` lets
// "aws:" keys in. BadRequestException for a key "aws:" from another caller,
// a value that is not a string, or more than 50 tags; `holder` unchanged
// then.
Status add_tags(boost::json::object& holder, std::string_view member,
                const boost::json::value* tags, bool aws_ok);
// Removes `keys` (a list of strings) from holder[member]; "aws:" keys only
// when `aws_ok` (BadRequestException, `holder` unchanged).
Status remove_tags(boost::json::object& holder, std::string_view member,
                   const boost::json::value* keys, bool aws_ok);

// Why a create call's `tags` may not be taken (an "aws:" key from a
// caller other than CloudFormation), or ok.
Status check_new_tags(const boost::json::object& in, std::string_view member, bool aws_ok);

}  // namespace nimbus::services::apigateway
