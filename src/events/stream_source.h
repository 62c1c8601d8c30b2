// Sources that stream event source mappings read: sharded, ordered streams
// (Kinesis Data Streams; DynamoDB Streams). A service implements
// StreamSource for its own ARNs (services/kinesis/reader.cc) and binds it in
// the registry of services::Environment::targets (Targets::bind_stream_source);
// the pollers in events/ (stream_poller.h) reach it only through this
// interface, by ARN, at each call.
//
// A source is read by stream ARN and shard id, one shard at a time, in
// order: a position is the sequence number of the last record processed (a
// checkpoint to store as is), and read() answers the records after it. The
// starting positions resolve to such a sequence number once, so a poller
// stores only sequence numbers. At the end of a closed shard a read says so
// and names the children, which a poller reads once every parent is done (so
// each partition key's records arrive in put order across resharding).
//
// Threads: every method may be called from any thread and none blocks; the
// wait callback runs on the storage committer or scheduler thread and must
// be quick.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace nimbus::events {

struct ShardInfo {
  std::string shard_id;
  std::string parent_shard_id;           // "" when none
  std::string adjacent_parent_shard_id;  // "" when none
  bool open = true;
};

struct StreamRecord {
  std::string sequence_number;
  int64_t arrival_ms = 0;  // ApproximateArrivalTimestamp
  std::string partition_key;
  // Kinesis: the record's data blob. DynamoDB Streams: the stream record as
  // a JSON object (eventID, eventName, eventVersion, eventSource, awsRegion,
  // dynamodb, userIdentity), which the poller passes on as it is.
  std::string data;
};

struct ShardBatch {
  std::vector<StreamRecord> records;
  std::string last_sequence;  // the position after this batch (checkpoint)
  int64_t millis_behind = 0;
  bool ended = false;                 // the end of a closed shard: read its children next
  std::vector<std::string> children;  // shard ids, when ended
};

enum class StartingPosition { kTrimHorizon, kLatest, kAtTimestamp };

class StreamSource {
 public:
  virtual ~StreamSource() = default;

  // Every shard of the stream, parents before children; nullopt when no
  // stream has this ARN.
  virtual std::optional<std::vector<ShardInfo>> shards(const std::string& stream_arn) const = 0;
  // The position a mapping starts a shard from (AT_TIMESTAMP: the first
  // record that arrived at or after `timestamp_ms`).
  virtual Result<std::string> start(const std::string& stream_arn, const std::string& shard_id,
                                    StartingPosition from, int64_t timestamp_ms = 0) = 0;
  // Up to `max_records` / `max_bytes` (at least one record) after `position`.
  virtual Result<ShardBatch> read(const std::string& stream_arn, const std::string& shard_id,
                                  const std::string& position, size_t max_records,
                                  size_t max_bytes) = 0;
  // Calls `wake(true)` once a record after `position` is readable (at once if
  // one is), `wake(false)` at `deadline` or if the stream goes. Returns an id
  // for cancel_wait().
  virtual uint64_t wait(const std::string& stream_arn, const std::string& shard_id,
                        const std::string& position, Clock::time_point deadline,
                        std::function<void(bool ready)> wake) = 0;
  // True when the wait was pending and `wake` will not run.
  virtual bool cancel_wait(uint64_t id) = 0;
};

}  // namespace nimbus::events
