// The SQS → Lambda event, as AWS Lambda builds it: one record per message
// (messageId, receiptHandle, body, attributes, messageAttributes, md5s,
// eventSource "aws:sqs", eventSourceARN, awsRegion), the view FilterCriteria
// patterns are matched against, and the reading of a function's partial
// batch response (FunctionResponseTypes: ReportBatchItemFailures).
//
// Pure functions of their arguments; safe from any thread.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "events/source.h"

namespace nimbus::events {

// One Records[] element for a received message.
boost::json::object sqs_record(const QueueMessage& m, std::string_view queue_arn,
                               std::string_view region);

// What a filter pattern sees for a record: the record itself, with `body`
// parsed when it is a JSON object or array (so {"body": {"k": ["v"]}}
// matches); any other body stays a plain string (matched only by
// {"body": ["text"]}, as Lambda does).
boost::json::value filter_view(const boost::json::object& record);

// The messageIds a function reported as failed in {"batchItemFailures":
// [{"itemIdentifier": id}]}. An empty or null response, a null or empty list
// mean "all succeeded" (empty set). nullopt means the whole batch failed:
// the response is not JSON, or an itemIdentifier is missing, empty, not a
// string or not one of `batch_ids` (Lambda's documented rules).
std::optional<std::set<std::string>> failed_items(std::string_view response,
                                                  const std::set<std::string>& batch_ids);

}  // namespace nimbus::events
