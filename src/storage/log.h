// Log: partitioned, ordered, durable logs of records on Storage (Kinesis
// shards, DynamoDB Streams, the async-invoke queue, EventBridge archives).
//
// A Log owns one namespace pair in Storage: `<ns>` holds the records, keyed
// (str partition, u64 sequence) with the key codec, and `<ns>.partitions`
// one document per partition. A partition exists from its first append until
// remove(). Its records have sequence numbers (from 1; 0 means "before the
// first record") that are strictly increasing in
// append (= commit) order, dense between first_seq and next_seq, and never
// reused, across restarts and trims. Each record carries its arrival time,
// read from the injected Clock at append and never smaller than the previous
// record's (a clock stepping back does not reorder time), and its byte offset
// in the partition (the bytes appended before it), so that reading from a
// time and trimming to a size are binary searches, not scans or indexes.
//
// Durability: appends and trims are WriteBatches through Storage::commit,
// under the same group commit and durability setting as every record; a
// callback with an ok status means durable. An append can carry the caller's
// own WriteBatch (an item write and its stream record, a dequeue and its
// enqueue) to commit atomically with it. A record is readable once its append
// has been applied, which is no later than its callback.
//
// Ownership: open() returns the only owner of the namespace pair; it borrows
// Storage, Clock and Scheduler, which must outlive it. Destroying the Log
// finishes waits with kClosed and cancels their timers; appends in flight still
// complete (their callbacks run on the committer thread after the Log is gone,
// so they must not touch it).
//
// Threads: every method is thread-safe and none blocks on I/O except
// append_sync (worker pool only). Reads go straight to RocksDB (cheap enough
// for an event loop). Callbacks (AppendDone, Done, Wake) run on the storage
// committer thread or the scheduler thread: they must be quick and must not
// block (post real work elsewhere). Appends to one partition are ordered
// among themselves; different partitions do not wait for each other beyond
// sharing the committer.
//
// Failure: a storage failure fails the append or trim (Error::internal) and
// nothing of it was applied; RocksDB then refuses writes until restart, and
// the sequence numbers it had been given are given again after the restart
// (no one was told they existed). A read of a missing partition is an empty
// result; sequence numbers below first_seq (trimmed) read from first_seq.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "storage/storage.h"

namespace nimbus::storage {

struct LogRecord {
  uint64_t seq = 0;
  int64_t arrival_ms = 0;  // Clock milliseconds at append
  std::string data;
};

struct PartitionInfo {
  std::string name;
  uint64_t first_seq = 0;  // oldest readable record (== next_seq when empty)
  uint64_t next_seq = 0;   // the sequence the next append gets
  uint64_t bytes = 0;      // payload bytes of the readable records
  int64_t created_ms = 0;
};

struct Appended {
  uint64_t first_seq = 0;  // the records got first_seq, first_seq + 1, ...
  size_t count = 0;
  int64_t arrival_ms = 0;
};

struct ReadLimits {
  size_t max_records = 1000;
  size_t max_bytes = 10 << 20;  // payload; always at least one record
};

class Log {
 public:
  using AppendDone = std::function<void(Result<Appended>)>;
  using Done = std::function<void(Status)>;
  enum class WaitOutcome { kReady, kDeadline, kClosed };
  using Wake = std::function<void(WaitOutcome)>;
  using WaitId = uint64_t;

  // Loads every partition's bounds (two point reads per partition).
  static Result<std::unique_ptr<Log>> open(Storage& storage, std::string ns, const Clock& clock,
                                           Scheduler& scheduler);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends `records` (at least one) to `partition`, creating it if needed,
  // together with `with` in one atomic commit. The batch names the partition.
  void append(std::string_view partition, std::vector<std::string> records, AppendDone done,
              WriteBatch with = {});
  // The same with each record in two pieces: record i is records[i]
  // followed by tails[i] (one per record). The tails are copied into the
  // batch before append returns, so they need to live only for the call: a
  // caller's payload (a Kinesis record's data) is copied once, not first
  // joined to its header.
  void append(std::string_view partition, std::vector<std::string> records,
              std::vector<std::string_view> tails, AppendDone done);
  // Appends to several partitions in one atomic commit, with `with` (a
  // transaction's stream records on several tables). A partition appears
  // once; `done` gets each partition's Appended, in partition name order.
  struct PartitionRecords {
    std::string partition;
    std::vector<std::string> records;
    // Empty, or one per record: record i is records[i] + tails[i] (copied
    // before append_many returns).
    std::vector<std::string_view> tails = {};
  };
  using ManyDone = std::function<void(Result<std::vector<Appended>>)>;
  void append_many(std::vector<PartitionRecords> parts, ManyDone done,
                   WriteBatch with = {}) NO_THREAD_SAFETY_ANALYSIS;
  // Blocking form: worker pool only.
  Result<Appended> append_sync(std::string_view partition, std::vector<std::string> records,
                               WriteBatch with = {});

  // Records with seq >= from_seq, oldest first, up to the limits.
  Result<std::vector<LogRecord>> read(std::string_view partition, uint64_t from_seq,
                                      ReadLimits limits = {}) const;
  // read() without a copy of each record: `visit(seq, arrival_ms, data)` for
  // each, oldest first, up to the limits, through one storage iterator.
  // Lifetime: `data` points into the iterator's buffers and is valid only
  // during that call; copy what you keep. `visit` runs on the calling thread
  // with the iterator open: it must be quick and must not block or append.
  // Returns how many records were visited.
  using RecordVisitor =
      std::function<void(uint64_t seq, int64_t arrival_ms, std::string_view data)>;
  Result<size_t> read_each(std::string_view partition, uint64_t from_seq, ReadLimits limits,
                           const RecordVisitor& visit) const;
  // The sequence of the first record that arrived at or after `ms`
  // (next_seq when none did; nullopt for a missing partition).
  Result<std::optional<uint64_t>> seq_at_time(std::string_view partition, int64_t ms) const;

  // Calls `wake` once: kReady as soon as a record with seq > after_seq is
  // readable (at once if one is), kDeadline at `deadline` (Clock time),
  // kClosed if the partition is removed or the Log destroyed first. A
  // missing partition waits for its first append.
  WaitId wait(std::string_view partition, uint64_t after_seq, Clock::time_point deadline,
              Wake wake);
  // True when the wait was pending and `wake` will not run.
  bool cancel_wait(WaitId id);

  // Removes the records with seq < before_seq (the partition stays, and its
  // next_seq with it).
  void trim(std::string_view partition, uint64_t before_seq, Done done);
  // Removes records that arrived before `cutoff_ms`.
  void trim_older_than(std::string_view partition, int64_t cutoff_ms, Done done);
  // Removes the oldest records until the rest hold at most `max_bytes`.
  void trim_to_bytes(std::string_view partition, uint64_t max_bytes, Done done);

  std::optional<PartitionInfo> info(std::string_view partition) const;
  // Partition names in byte order.
  std::vector<std::string> partitions() const;
  // Deletes the partition and its records; waits on it finish with kClosed.
  // A later append creates it anew with sequences after the old ones'.
  void remove(std::string_view partition, Done done);

 private:
  struct Impl;
  explicit Log(std::unique_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace nimbus::storage
