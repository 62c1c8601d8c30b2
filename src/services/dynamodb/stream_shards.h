// The shards of a table stream: time slices of its one Log partition
// (stream_records.h), so that rolling a shard over writes nothing.
//
// Shard k holds the records that arrived in [origin + k·P, origin + (k+1)·P):
// origin is the stream's creation (its label), P the roll-over period (AWS
// rolls shards over about every four hours; the service option
// dynamodb.stream-shard-period, in seconds, shortens it for tests). Sequence
// numbers are the Log's, so they grow across shards and a shard's range is
// where the Log's arrival times cross its bounds (a binary search). Shard k
// is closed once the clock has passed its end and every record that arrived
// before that is readable (an append in flight may still carry an earlier
// arrival time); its child, shard k + 1 (ParentShardId: shard k), is then
// listed. A disabled stream's last shard ends with its last record and has
// no child. Shards that closed more than 24 hours ago are gone (retention).
//
// Threads: a StreamShards is a short-lived view made per call; it only reads
// the Log (point reads and binary searches), from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/dynamodb/table_def.h"
#include "services/service.h"
#include "storage/log.h"

namespace nimbus::services::dynamodb {

inline constexpr int64_t kShardPeriodMs = int64_t{4} * 3600 * 1000;
// The roll-over period: the service option dynamodb.stream-shard-period
// (seconds, 1 to 86400), else kShardPeriodMs.
int64_t shard_period_ms(const Settings& settings);

struct ShardSpan {
  uint64_t index = 0;
  std::string id;
  std::string parent_id;  // "" for the stream's first shard
  uint64_t first = 1;     // the first sequence number it may hold
  // Its last sequence number once closed (first - 1 when it is empty).
  std::optional<uint64_t> last;
  // Records that arrived at or after this belong to later shards (nullopt:
  // the last shard of a disabled stream).
  std::optional<int64_t> end_ms;
  std::optional<std::string> child_id;  // once closed, unless the stream's last
};

class StreamShards {
 public:
  // The shards of `t`'s latest stream (t.stream_label) at `now_ms`.
  StreamShards(const storage::Log& log, const TableDef& t, int64_t period_ms, int64_t now_ms);

  // Every shard, oldest first; the last one is open unless the stream is
  // disabled.
  Result<std::vector<ShardSpan>> all() const;
  // The shard of this id, nullopt when the stream has none such now.
  Result<std::optional<ShardSpan>> find(const std::string& id) const;

 private:
  std::string id(uint64_t k) const;
  // The last sequence number of shard k, nullopt while it is open.
  Result<std::optional<uint64_t>> closed_end(uint64_t k) const;
  // Shard k given the end of shard k - 1 (nullopt: shard k does not exist yet).
  Result<std::optional<ShardSpan>> span(uint64_t k, std::optional<uint64_t> prev_end) const;
  Result<std::optional<ShardSpan>> span(uint64_t k) const;

  const storage::Log& log_;
  const TableDef& t_;
  std::string partition_;
  int64_t period_ms_;
  int64_t now_ms_;
  int64_t origin_ms_ = 0;
  uint64_t k_min_ = 0;  // the oldest shard still kept
  uint64_t k_max_ = 0;  // the newest shard there can be now
};

}  // namespace nimbus::services::dynamodb
