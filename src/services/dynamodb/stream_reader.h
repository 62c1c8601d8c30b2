// The dynamodb service's StreamSource (api.h): table streams read from the
// dynamodb.streams Log (stream_records.h).
#pragma once

#include "services/dynamodb/api.h"
#include "services/dynamodb/stream_shards.h"
#include "services/dynamodb/tables.h"
#include "storage/log.h"

namespace nimbus::services::dynamodb {

class StreamReader final : public StreamSource {
 public:
  // `shard_period_ms`: how often a stream's shard rolls over (stream_shards.h).
  StreamReader(Tables& tables, const Clock& clock, int64_t shard_period_ms)
      : tables_(tables), clock_(clock), shard_period_ms_(shard_period_ms) {}
  // The Log the records are in (DynamoDbService::start()); until then no
  // stream is found. Not thread-safe against the readers: called once,
  // before the server serves.
  void attach(storage::Log* log) { log_ = log; }

  std::vector<StreamDescription> list(const std::string& table, const std::string& region,
                                      const std::string& account) const override;
  std::optional<StreamDescription> describe(const std::string& arn) const override;

  std::optional<std::vector<events::ShardInfo>> shards(
      const std::string& stream_arn) const override;
  Result<std::string> start(const std::string& stream_arn, const std::string& shard_id,
                            events::StartingPosition from, int64_t timestamp_ms) override;
  Result<events::ShardBatch> read(const std::string& stream_arn, const std::string& shard_id,
                                  const std::string& position, size_t max_records,
                                  size_t max_bytes) override;
  uint64_t wait(const std::string& stream_arn, const std::string& shard_id,
                const std::string& position, Clock::time_point deadline,
                std::function<void(bool ready)> wake) override;
  bool cancel_wait(uint64_t id) override;

 private:
  // The table whose latest stream `arn` names, with the ARN's region and
  // account; nullptr when none.
  struct Named {
    TablePtr table;
    std::string region;
  };
  Named find(const std::string& arn) const;
  StreamDescription description(const TableDef& t, const std::string& region,
                                const std::string& account) const;
  // The shard `shard_id` of the stream `arn` names, with its table.
  struct Located {
    TablePtr table;
    std::string region;
    ShardSpan shard;
  };
  Result<Located> locate(const std::string& arn, const std::string& shard_id) const;

  Tables& tables_;
  storage::Log* log_ = nullptr;
  const Clock& clock_;
  const int64_t shard_period_ms_;
};

}  // namespace nimbus::services::dynamodb
