// The Kinesis engine: streams and their shards in memory (loaded at
// start-up), persisted through Storage, and the records of each shard in one
// storage::Log partition ("<stream id>/<shard index>").
//
// Schema:
//   kinesis.meta     "iterator-key" -> 32 random bytes (the shard iterators' MAC key)
//                    "next-id" -> decimal; stream ids are never reused
//   kinesis.streams  stream name -> JSON document (stream.h: settings, tags,
//                    shards with hash ranges, lineage, closing sequence)
//   kinesis.records  the Log's records: (partition, seq) -> (str partition key, tail data)
//   kinesis.records.partitions  the Log's partition documents
// A stream's metadata is one key in one batch (naming the partition
// "kinesis/<name>"); its records are appended per shard partition, each
// append one commit. A put is answered once its append is durable.
//
// Retention: reads skip records older than the stream's retention period, and
// a timer every minute (injectable clock) trims them from the Log.
//
// Threads: every method may be called from any thread and none blocks (reads
// go straight to RocksDB). A metadata change is made in memory and its commit
// queued under one mutex, so stored documents follow the memory order; Done
// callbacks run on the storage committer thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "services/kinesis/iterator.h"
#include "services/kinesis/stream.h"
#include "services/service.h"
#include "storage/log.h"

namespace nimbus::services::kinesis {

// Server options (`nimbus serve --kinesis-shard-limits off`).
struct KinesisOptions {
  // Per-shard write limits (1 MiB/s and 1,000 records/s, as AWS).
  bool shard_limits = true;
  static KinesisOptions from(const Settings& settings);
};

// One record to put: the Log keeps it as (str partition key, tail data),
// appended as `head` and `data` in two pieces, so its data is copied once
// from the decoded request into the Log's batch.
struct PutEntry {
  std::string partition_key;
  std::string head;          // str partition key (key_codec)
  boost::json::string data;  // the request's decoded Data, moved, not copied
  std::optional<HashKey> explicit_hash;

  static PutEntry of(std::string partition_key, boost::json::string data);
  static PutEntry of(std::string partition_key, std::string_view data) {
    return of(std::move(partition_key), boost::json::string(data));
  }
};

struct PutResult {
  std::optional<Error> error;  // a per-record failure
  uint32_t shard = 0;
  std::string sequence;
};

// A record read, its partition key and data copied once out of the Log's
// read into the ReadResult's arena: a 10,000-record GetRecords moves them
// into its answer, made in the same arena, without another copy.
struct ReadRecord {
  uint64_t seq = 0;  // the Log's (its sequence number: format_sequence)
  int64_t arrival_ms = 0;
  boost::json::string partition_key;  // in ReadResult::arena
  boost::json::string data;           // in ReadResult::arena

  std::string partition_key_string() const {
    return std::string(partition_key.data(), partition_key.size());
  }
  std::string data_string() const { return std::string(data.data(), data.size()); }
};

struct ReadResult {
  // Holds the records' strings; an answer built from them is made in it too
  // (input::records_json) and keeps it alive.
  boost::json::storage_ptr arena;
  uint64_t stream_id = 0;  // with `shard` and a record's seq, its sequence number
  uint32_t shard = 0;
  std::vector<ReadRecord> records;
  uint64_t next_seq = 0;                     // the Log sequence to read next
  bool ended = false;                        // the end of a closed shard
  std::optional<std::string> next_iterator;  // none at the end of a closed shard
  int64_t millis_behind = 0;
  // AWS/Kinesis GetRecords.IteratorAgeMilliseconds: the age of the last
  // record read (0 when none was).
  int64_t iterator_age_ms = 0;
  std::string stream;           // the stream's name
  std::vector<Shard> children;  // at the end of a closed shard
};

enum class IteratorType { kTrimHorizon, kLatest, kAtSequence, kAfterSequence, kAtTimestamp };

class Engine {
 public:
  using Done = std::function<void(Status)>;
  using Change = std::function<Status(Stream&)>;

  Engine(Environment& env, KinesisOptions options);
  ~Engine();

  // Opens the Log, reads the iterator key and every stream back.
  Status start();
  // Ends the retention timer (the server drains); also done by the destructor.
  void stop_timers();

  const std::string& account() const { return env_.settings.account_id; }
  int64_t now_ms() const { return env_.clock.now_millis(); }

  void create(Stream stream, uint32_t shard_count, Done done);
  void remove(const std::string& name, Done done);
  // Applies `change` to the stream under the engine's lock; when it succeeds
  // the new document is committed and `done` runs once it is durable.
  void update(const std::string& name, const Change& change, Done done);
  std::optional<Stream> find(const std::string& name) const;
  std::vector<Stream> list() const;
  // Open shards of every stream (the account's shard limit).
  size_t open_shards() const;

  void put(const std::string& name, std::vector<PutEntry> entries,
           std::function<void(Result<std::vector<PutResult>>)> done);
  Result<std::string> iterator(const std::string& name, const std::string& shard, IteratorType type,
                               const std::string& sequence, double timestamp_s);
  Result<ReadResult> read(const std::string& token, size_t limit);
  // The same from a position: records with Log sequence >= next_seq (0: the
  // oldest kept), without an iterator (reader.cc).
  Result<ReadResult> read_from(uint64_t stream_id, uint32_t shard, uint64_t next_seq, size_t limit,
                               size_t max_bytes = 10 << 20);

  // Removes the records past each stream's retention period from the Log
  // (reads already skip them). Runs every minute from start().
  void trim_expired();

  // The Log sequence a shard would give its next record (1 when empty).
  uint64_t next_seq(const Stream& s, uint32_t shard) const;
  storage::Log& log() { return *log_; }

 private:
  void persist_locked(const Stream& s, Done done) REQUIRES(mu_);
  void schedule_trim();

  Environment& env_;
  KinesisOptions options_;
  std::unique_ptr<storage::Log> log_;
  std::unique_ptr<IteratorCodec> iterators_;
  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<Stream>> by_name_ GUARDED_BY(mu_);
  std::map<uint64_t, std::shared_ptr<Stream>> by_id_ GUARDED_BY(mu_);
  std::map<uint64_t, std::string> deleted_ GUARDED_BY(mu_);  // id -> name, for messages
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  // What the trim timer reaches the engine through: null once the engine
  // stops (begin_shutdown or destruction), when the Scheduler may already be
  // gone, so nothing cancels timers; a firing timer finds null and ends.
  struct TrimTimer {
    Mutex mu;
    Engine* engine GUARDED_BY(mu) = nullptr;
  };
  std::shared_ptr<TrimTimer> trim_ = std::make_shared<TrimTimer>();
};

}  // namespace nimbus::services::kinesis
