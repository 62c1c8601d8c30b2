// Resharding a stream in memory: closing shards and opening their children
// with lineage, as SplitShard, MergeShards and UpdateShardCount do. Pure
// functions on a Stream; the engine runs them under its lock (Engine::update),
// where `last_seq` reads the Log sequence of a shard's last record so that a
// closed shard's ending sequence covers every record routed to it.
// Internal to kinesis/.
#pragma once

#include <functional>
#include <string>

#include "common/result.h"
#include "services/kinesis/stream.h"

namespace nimbus::services::kinesis {

using LastSeq = std::function<uint64_t(uint32_t shard)>;

// Closes `shard` (open) and opens [start, new_start - 1] and [new_start, end].
void split_shard(Stream& s, uint32_t shard, HashKey new_start, int64_t now_ms,
                 const LastSeq& last_seq);
// Closes `shard` and `adjacent` (open, with touching ranges) and opens one
// child over both ranges.
void merge_shards(Stream& s, uint32_t shard, uint32_t adjacent, int64_t now_ms,
                  const LastSeq& last_seq);
// Splits every open shard at the boundaries of `target` even ranges, then
// merges the pieces inside each range, so that `target` open shards cover the
// space evenly and every child names its parents (short-lived intermediate
// shards appear, as in AWS).
void scale_uniformly(Stream& s, uint32_t target, int64_t now_ms, const LastSeq& last_seq);

// The open shards, in hash key order.
std::vector<uint32_t> open_in_order(const Stream& s);

}  // namespace nimbus::services::kinesis
