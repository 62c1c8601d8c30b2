// The condition keys a call's own input sets (aws:RequestTag/KEY,
// aws:TagKeys, s3:prefix, dynamodb:Attributes, sns:Protocol, ...), read
// from the operation's input value as one table declares them per
// operation (condition_keys.cc), so that IAM policies' conditions see what
// the AWS service authorization reference lists for the action.
//
// Threads: any; the table is built once, on first use.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::server {

// Key, value pairs; a key that repeats is multi-valued (aws:TagKeys).
using ConditionKeys = std::vector<std::pair<std::string, std::string>>;

// The keys `operation` of the model `service` ("sqs", "s3", "dynamodb")
// sets from `input`; empty when the table names none for it. Members that
// are missing or of another type than declared set nothing.
ConditionKeys request_condition_keys(std::string_view service, std::string_view operation,
                                     const boost::json::object& input);

}  // namespace nimbus::server
