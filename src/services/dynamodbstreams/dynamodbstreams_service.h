// Amazon DynamoDB Streams (model streams.dynamodb/2012-08-10, awsJson 1.0):
// ListStreams, DescribeStream, GetShardIterator and GetRecords over the
// streams of DynamoDB tables, read through the dynamodb service's
// StreamSource (services/dynamodb/api.h). See README.md.
#pragma once

#include "services/dynamodb/api.h"
#include "services/dynamodbstreams/iterator.h"
#include "services/service.h"

namespace nimbus::services::dynamodbstreams {

class DynamoDbStreamsService final : public Service {
 public:
  // `source` belongs to the dynamodb service, which outlives this one.
  DynamoDbStreamsService(Environment& env, dynamodb::StreamSource* source);

 private:
  using object = boost::json::object;
  static const Operation<DynamoDbStreamsService> kOperations[];

  Output list_streams(const CallContext& ctx, const object& in) const;
  Output describe_stream(const CallContext& ctx, const object& in) const;
  Output get_shard_iterator(const CallContext& ctx, const object& in) const;
  // Whether sequence number `seq` (21 digits) is at or below the trim
  // horizon of the stream's oldest shard (its records are gone).
  bool trimmed(const std::string& arn, const std::string& seq) const;
  void get_records_handler(const CallContext& ctx, object in, Respond respond);
  Output get_records(const object& in) const;  // blocking: worker pool

  std::string region(const CallContext& ctx) const;
  std::string account(const CallContext& ctx) const;

  Environment& env_;
  dynamodb::StreamSource* source_;
};

}  // namespace nimbus::services::dynamodbstreams
