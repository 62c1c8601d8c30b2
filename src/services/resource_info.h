// What IAM reads of a resource that only its service knows, asked through
// the service's own read operations, so that no service carries code for
// IAM: a resource's tags (aws:ResourceTag/KEY, with each service's
// ListTags-like operation) and the partition key values a DynamoDB call
// names on a table (dynamodb:LeadingKeys, with the table's key schema from
// DescribeTable).
//
// Threads: any. Never blocks: only operations whose handlers answer before
// returning are used; one that does not counts as having nothing to say.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/service.h"

namespace nimbus::services {

using KeyPairs = std::vector<std::pair<std::string, std::string>>;

// The tags of `arn`, which `service` serves (the one the ARN's service field
// names): queues, topics, functions, tables (their indexes and streams
// answer the table's), buckets, state machines, streams, rules and buses,
// schedule groups, IAM users and roles. Empty when it has none, is gone, or
// its service keeps no tags.
KeyPairs resource_tags(const Service& service, const std::string& arn, const Settings& settings);

// dynamodb:LeadingKeys of the table `arn` for a call of `operation` with
// `input` to DynamoDB (`service`), appended to `out`: Key's partition value
// (Item's for PutItem), the value a Query's key condition fixes (on the
// index it names), every key of BatchGetItem, BatchWriteItem and the
// transactions on that table. Nothing for other services and operations (a
// Scan names none).
// `caller` gives the region and account the table is read in.
void resource_keys(const Service& service, std::string_view operation,
                   const boost::json::object& input, const std::string& arn,
                   const CallContext& caller, KeyPairs& out);

}  // namespace nimbus::services
