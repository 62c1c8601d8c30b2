// The stream → Lambda events, as AWS Lambda builds them: Kinesis records
// (eventSource "aws:kinesis", the record under "kinesis" with its data in
// base64) and DynamoDB Streams records (the stream record as the source
// wrote it, plus eventSourceARN); the view FilterCriteria patterns are
// matched against; and the record an on-failure destination receives when a
// batch is given up (KinesisBatchInfo / DDBStreamBatchInfo).
//
// Pure functions of their arguments; safe from any thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/stream_source.h"

namespace nimbus::events {

enum class StreamKind { kKinesis, kDynamoDb };

// Which kind of stream an ARN names (arn:aws:dynamodb:...:table/T/stream/L
// is DynamoDB Streams; anything else is read as Kinesis).
StreamKind stream_kind(std::string_view stream_arn);

struct StreamEventContext {
  StreamKind kind = StreamKind::kKinesis;
  std::string stream_arn;
  std::string shard_id;
  std::string region;
  std::string identity_arn;  // invokeIdentityArn: the function's execution role
};

// One Records[] element. A DynamoDB record whose data is not a JSON object
// becomes an empty object with the source fields (never happens with a
// well-behaved source).
boost::json::object stream_record(const StreamEventContext& c, const StreamRecord& r);

// What a filter pattern sees: Kinesis, the record's "kinesis" member with
// `data` parsed when it is JSON (so {"data": {"k": ["v"]}} matches) and left
// base64 otherwise; DynamoDB, the record itself.
boost::json::value stream_filter_view(const StreamEventContext& c,
                                      const boost::json::object& record);

// Why a batch was given up, as the failure record's requestContext.condition.
enum class GiveUp { kRetriesExhausted, kRecordAgeExceeded };

struct FailedBatch {
  GiveUp why = GiveUp::kRetriesExhausted;
  std::string function_arn;
  std::string request_id;      // the last invocation's ("" when none ran: a new one)
  int attempts = 1;            // approximateInvokeCount
  std::string function_error;  // "" when the last attempt did not run the function
  int64_t now_ms = 0;
  std::vector<const StreamRecord*> records;  // in order, not empty
};

// The JSON document sent to the mapping's OnFailure destination.
std::string failure_record(const StreamEventContext& c, const FailedBatch& f);

}  // namespace nimbus::events
