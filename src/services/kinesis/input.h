// Reading Kinesis input values and writing the shapes several operations
// share (shards, stream ARNs). Internal to kinesis/.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "common/json_fields.h"
#include "common/result.h"
#include "services/kinesis/engine.h"
#include "services/kinesis/errors.h"
#include "services/kinesis/sequence.h"
#include "services/kinesis/stream.h"
#include "services/service.h"

namespace nimbus::services::kinesis::input {

namespace json = boost::json;

inline constexpr char kNamePattern[] = "[a-zA-Z0-9_.-]+";

inline bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The stream name inside a stream (or consumer) ARN, "" when it is not one.
inline std::string name_in_arn(const std::string& arn) {
  auto at = arn.find(":stream/");
  if (arn.rfind("arn:", 0) != 0 || arn.find(":kinesis:") == std::string::npos ||
      at == std::string::npos) {
    return "";
  }
  std::string name = arn.substr(at + 8);
  if (auto slash = name.find('/'); slash != std::string::npos) name.resize(slash);
  return name;
}

// "arn:aws:kinesis:R:A:stream/S/consumer/C:1700000000" -> (S, C, 1700000000).
struct ConsumerRef {
  std::string stream;
  std::string name;
  std::string created;
};

inline std::optional<ConsumerRef> parse_consumer_arn(const std::string& arn) {
  std::string stream = name_in_arn(arn);
  auto at = arn.find("/consumer/");
  if (stream.empty() || at == std::string::npos) return std::nullopt;
  std::string rest = arn.substr(at + 10);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return std::nullopt;
  ConsumerRef r{stream, rest.substr(0, colon), rest.substr(colon + 1)};
  for (char c : r.created) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return r;
}

// For a consumer ARN, whether that consumer (name and creation second) is
// registered on `s`; true for a stream ARN (event source mappings accept
// either).
inline bool consumer_registered(const std::string& arn, const Stream& s) {
  if (arn.find("/consumer/") == std::string::npos) return true;
  auto r = parse_consumer_arn(arn);
  if (!r) return false;
  const Consumer* c = s.consumer(r->name);
  return c != nullptr && std::to_string(c->created_ms / 1000) == r->created;
}

// StreamName, or the name in StreamARN (AWS accepts either, and both when
// they agree).
inline Result<std::string> stream_name(const json::object& in) {
  std::string name = str(in, "StreamName");
  if (std::string arn = str(in, "StreamARN"); !arn.empty()) {
    std::string from_arn = name_in_arn(arn);
    if (from_arn.empty()) {
      return errors::pattern(arn, "streamARN", "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
    }
    if (!name.empty() && name != from_arn) {
      return errors::invalid("StreamARN " + arn + " and StreamName " + name +
                             " do not name the same stream.");
    }
    name = from_arn;
  }
  if (name.empty()) {
    return errors::invalid("Either StreamName or StreamARN should be provided.");
  }
  if (!valid_name(name)) return errors::pattern(name, "streamName", kNamePattern);
  return name;
}

inline std::string stream_arn(const Environment& env, const std::string& name) {
  return "arn:aws:kinesis:" + env.settings.region + ":" + env.settings.account_id + ":stream/" +
         name;
}

inline json::object shard_json(const Stream& s, const Shard& sh) {
  json::object o{{"ShardId", shard_id(sh.index)}};
  if (sh.parent) o["ParentShardId"] = shard_id(*sh.parent);
  if (sh.adjacent_parent) o["AdjacentParentShardId"] = shard_id(*sh.adjacent_parent);
  o["HashKeyRange"] = json::object{{"StartingHashKey", to_decimal(sh.start_hash)},
                                   {"EndingHashKey", to_decimal(sh.end_hash)}};
  json::object range{{"StartingSequenceNumber", format_sequence({s.id, sh.index, 0})}};
  if (sh.closed_ms) {
    range["EndingSequenceNumber"] = format_sequence({s.id, sh.index, sh.ending_seq});
  }
  o["SequenceNumberRange"] = std::move(range);
  return o;
}

inline json::object mode_json(const Stream& s) {
  return json::object{{"StreamMode", s.mode}};
}

inline double seconds(int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

// GetRecords' and SubscribeToShard's Records, made in `r.arena` (the
// answer holds it and frees it once written): no allocation and free per
// record for its table, four keys and three strings, and each record's data
// and partition key moved in from the Log's read, not copied again.
inline json::array records_json(ReadResult& r) {
  const json::storage_ptr& arena = r.arena;
  json::array out(arena);
  out.reserve(r.records.size());
  for (auto& rec : r.records) {
    json::object& o = out.emplace_back(json::object(arena)).get_object();
    o.reserve(4);
    json::string sequence(arena);
    sequence.resize(kSequenceLength);
    format_sequence_to({r.stream_id, r.shard, rec.seq}, sequence.data());
    o.emplace("SequenceNumber", std::move(sequence));
    o.emplace("ApproximateArrivalTimestamp", seconds(rec.arrival_ms));
    o.emplace("Data", std::move(rec.data));
    o.emplace("PartitionKey", std::move(rec.partition_key));
  }
  return out;
}

}  // namespace nimbus::services::kinesis::input
