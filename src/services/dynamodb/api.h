// How other parts of nimbus read DynamoDB Streams in-process: the
// `dynamodbstreams` API (services/dynamodbstreams/) and the event source
// mappings' poller, which reads them through the same events::StreamSource
// as Kinesis shards (positions are sequence numbers; a record's `data` is
// the JSON of AWS's stream record, as GetRecords answers it, and its
// partition_key the JSON of the item's Keys). Implemented by the dynamodb
// service (stream_reader.cc); callers never see its storage.
//
// A table's stream is a chain of shards, each the child of the one before,
// rolled over by time (stream_shards.h): the newest is open while the stream
// is enabled; a disabled stream's last shard ends with no children.
//
// Threads: every method may be called from any thread and none blocks on
// more than a store read; wait callbacks run on the storage committer or
// scheduler thread and must be quick.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "events/stream_source.h"

namespace nimbus::services::dynamodb {

struct StreamShard {
  std::string shard_id;
  std::string parent_shard_id;  // "" for a stream's first shard
  std::string starting_sequence;
  std::string ending_sequence;  // "" while the shard is open
};

struct StreamDescription {
  std::string arn;
  std::string label;
  std::string table_name;
  std::string status;  // ENABLED or DISABLED
  std::string view_type;
  double created = 0;  // CreationRequestDateTime, epoch seconds
  boost::json::array key_schema;
  std::vector<StreamShard> shards;
};

class StreamSource : public events::StreamSource {
 public:
  // The latest stream of each table (of `table` only when given) and the
  // streams tables no longer have (of a deleted table, or replaced by a
  // newer stream; DISABLED, listed for 24 hours), in ARN order, in
  // `region` and `account` (their ARNs).
  virtual std::vector<StreamDescription> list(const std::string& table, const std::string& region,
                                              const std::string& account) const = 0;
  // The stream of this ARN; nullopt when there is none.
  virtual std::optional<StreamDescription> describe(const std::string& arn) const = 0;
};

}  // namespace nimbus::services::dynamodb
