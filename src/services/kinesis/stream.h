// What the Kinesis engine keeps of a stream: its settings, its shards (open
// and closed, with lineage) and tags, and the stored form of all of it (one
// JSON document per stream in kinesis.streams). Internal to kinesis/.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/kinesis/hash_key.h"

namespace nimbus::services::kinesis {

struct Shard {
  uint32_t index = 0;  // shardId-<index, 12 digits>; the position in Stream::shards
  HashKey start_hash = 0;
  HashKey end_hash = 0;
  std::optional<uint32_t> parent;
  std::optional<uint32_t> adjacent_parent;
  int64_t created_ms = 0;
  std::optional<int64_t> closed_ms;  // set when split or merged
  uint64_t ending_seq = 0;           // the Log sequence of its last record, once closed
  bool expired = false;  // closed and past retention: its Log partition is removed (stored)

  bool open() const { return !closed_ms.has_value(); }
};

// The write budget of one shard in the current second (memory only).
struct ShardBudget {
  int64_t second = -1;
  uint64_t bytes = 0;
  uint64_t records = 0;
};

// An enhanced fan-out consumer (RegisterStreamConsumer). Its ARN is the
// stream's plus "/consumer/<name>:<creation epoch seconds>", so a consumer
// registered again under the same name has a new ARN.
struct Consumer {
  std::string name;
  int64_t created_ms = 0;
};

struct Stream {
  uint64_t id = 0;  // never reused; names the Log partitions
  std::string name;
  int64_t created_ms = 0;
  std::string mode = "PROVISIONED";  // or ON_DEMAND
  int retention_hours = 24;
  std::string encryption = "NONE";  // or KMS
  std::string key_id;
  std::map<std::string, std::string> tags;
  std::vector<Shard> shards;
  std::vector<Consumer> consumers;   // in registration order
  std::vector<ShardBudget> budgets;  // by shard index (memory only)

  size_t open_shards() const;
  // The open shard owning `key` (nullptr only if the ranges have a gap).
  const Shard* route(HashKey key) const;
  const Consumer* consumer(const std::string& name) const;
  // A closed shard closed longer ago than the retention period: every record
  // of it has expired, so it is no longer listed or readable (AWS drops such
  // shards too). Stays in `shards` (indexes are positions) with `expired`
  // set once the trim timer has removed its records.
  bool expired(const Shard& sh, int64_t now_ms) const;
  // The storage::Log partition of one shard.
  std::string partition(uint32_t shard) const;
};

std::string shard_id(uint32_t index);
// The index in "shardId-000000000012" (also accepts a bare number, as AWS does).
std::optional<uint32_t> parse_shard_id(const std::string& id);

boost::json::object to_document(const Stream& s);
std::optional<Stream> from_document(const boost::json::object& doc);

}  // namespace nimbus::services::kinesis
