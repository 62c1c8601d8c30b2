// DynamoDB Streams records: what an item change writes to its table's
// stream, in the same storage batch as the change (Items::commit through
// Tables::commit_items and storage::Log::append_many).
//
// Schema: the Log of namespace dynamodb.streams, one partition per stream
// ("<table name>/<stream label>"), which its shards slice by arrival time
// (stream_shards.h). A
// record is stored as the JSON of AWS's record without the parts known
// only when it is read: SequenceNumber (the Log sequence, 21 digits) and
// ApproximateCreationDateTime (the Log's arrival time).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "services/dynamodb/table_def.h"
#include "storage/log.h"

namespace nimbus::services::dynamodb {

namespace ns {
inline constexpr char kStreams[] = "dynamodb.streams";
}  // namespace ns

// Stream records are kept this long (AWS: 24 hours).
inline constexpr int64_t kStreamRetentionMs = 24 * 3600 * 1000;

// The Log partition of the stream `label` of table `table`.
std::string stream_partition(const std::string& table, const std::string& label);
// The stream's first shard (stream_shards.h).
std::string stream_shard_id(const std::string& table, const std::string& label);
// Its shard `index` (> 0), which starts at `start_ms`.
std::string stream_shard_id(const std::string& table, const std::string& label, uint64_t index,
                            int64_t start_ms);

// The stored record of an item change in `t`'s stream (nullopt when the
// table has no enabled stream or nothing changed). `by_ttl`: a TTL
// deletion (userIdentity dynamodb.amazonaws.com).
std::optional<std::string> stream_record(const TableDef& t,
                                         const std::optional<boost::json::object>& before,
                                         const std::optional<boost::json::object>& after,
                                         bool by_ttl);

// AWS's record as GetRecords shows it, from a stored one.
Result<boost::json::object> stream_record_out(const storage::LogRecord& r,
                                              const std::string& region);

// Sequence numbers as AWS writes them: decimal digits, fixed width, so
// that they compare as strings and as numbers alike.
std::string sequence_number(uint64_t seq);
std::optional<uint64_t> parse_sequence_number(std::string_view s);

}  // namespace nimbus::services::dynamodb
