// The poller of one stream event source mapping (Kinesis, DynamoDB Streams):
// reads each shard in order through the StreamSource bound for the stream's
// ARN (in-process, never HTTP), invokes the function with batches, and
// checkpoints durably. What Lambda does for stream sources (see README.md,
// "Stream pollers", for what differs):
//
//  - shards: one batch in flight per shard, in sequence order. A closed
//    shard's children start once every parent has been read to its end, from
//    their first record; shards that exist when the mapping starts begin at
//    StartingPosition, resolved once and stored before the first read (a
//    restart never re-resolves LATEST and skips records).
//  - batch: up to BatchSize records and 6 MB of event, or as many as arrived
//    when MaximumBatchingWindowInSeconds ends (0: as soon as any arrive; an
//    idle shard is woken by the source the moment a record lands).
//  - checkpoint: after a batch succeeds (or is given up), its last sequence
//    number is committed (namespace "lambda.esm.shards", key UUID/shardId)
//    before the next read, so a restart reprocesses at most one batch. A
//    shard read to its end keeps an END checkpoint until the stream stops
//    listing it (it expired), then the checkpoint is deleted.
//  - errors: a function error retries the batch (500 ms doubling to 30 s)
//    and blocks the shard until it succeeds, MaximumRetryAttempts is
//    exceeded or its oldest record is older than MaximumRecordAgeInSeconds;
//    then the OnFailure destination gets the batch's failure record and the
//    shard moves on. BisectBatchOnFunctionError splits a failing batch in two
//    first (splits do not count as retries). With ReportBatchItemFailures the
//    checkpoint stops before the lowest reported sequence number and the
//    retry starts there. Throttles and an unavailable function retry without
//    counting, bounded by the record age only.
//  - filters: records no FilterCriteria pattern matches are skipped (the
//    checkpoint passes them).
//  - ParallelizationFactor N > 1: a read of up to N batches is split by
//    partition key (hash mod N) into at most N batches run at once, each
//    key's records in order in one of them; the checkpoint moves once all
//    of them are done (or given up).
//  - TumblingWindowInSeconds (stream_window.h): batches never span two
//    windows; each carries the window, the state the function returned last
//    and isFinalInvokeForWindow; a window ends with a final invocation once
//    a later record arrives or its end has passed. The state is stored with
//    the checkpoint. Windowed mappings run one batch per shard at a time.
//
// Threads: nothing blocks. Work runs in callbacks of the source (committer,
// scheduler), of storage commits, of the invoker and of the Scheduler, all
// of it quick. stop() and detach() may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "events/sqs_poller.h"
#include "events/stream_event.h"

namespace nimbus::storage {
class Storage;
}

namespace nimbus::events {

struct StreamPollerConfig {
  std::string uuid;
  std::string stream_arn;
  std::string region;
  std::string function_arn;  // for the failure record
  std::string identity_arn;  // invokeIdentityArn
  int batch_size = 100;
  int window_seconds = 0;
  StartingPosition starting = StartingPosition::kLatest;
  int64_t starting_timestamp_ms = 0;
  int max_retries = -1;       // -1: until the record expires
  int max_record_age_s = -1;  // -1: no limit
  bool bisect = false;
  bool report_failures = false;
  std::string on_failure;             // destination ARN, "" for none
  std::vector<EventPattern> filters;  // empty: every record
  size_t max_event_bytes = 6 * 1024 * 1024;
  int parallelization = 1;    // 1-10 concurrent batches per shard
  int tumbling_window_s = 0;  // 0: no windows
};

class StreamPoller : public std::enable_shared_from_this<StreamPoller> {
 public:
  struct Deps {
    const Targets& targets;     // the stream's source and the OnFailure target
    storage::Storage* storage;  // checkpoints; null: in memory only
    Scheduler& scheduler;
    const Clock& clock;
    // Runs reads of the source off the threads that wake the poller (a
    // worker pool).
    std::function<void(std::function<void()>)> post;
    Invoke invoke;
    PollerCounters counters;
  };

  // Reads stored checkpoints and starts every shard that is ready.
  static std::shared_ptr<StreamPoller> start(Deps deps, StreamPollerConfig config);
  // Removes a mapping's stored checkpoints (when the mapping is deleted).
  static void forget(storage::Storage& storage, const std::string& uuid);

  // Takes effect at each shard's next batch.
  void reconfigure(StreamPollerConfig config);
  // No further reads or invocations; a batch in flight still checkpoints.
  void stop();
  // Server shutdown: from now on nothing touches the source or storage.
  void detach();

  // Lambda's LastProcessingResult.
  std::string last_result() const;
  // Shards being read now (for tests and metrics).
  size_t active_shards() const;

  struct Lane;
  struct Batch;
  struct Runner;
  StreamPoller(Deps deps, StreamPollerConfig config);

 private:
  std::shared_ptr<const StreamPollerConfig> config() const;
  StreamEventContext context(const StreamPollerConfig& c, const std::string& shard) const;
  void discover();
  void open_lane(const std::string& shard, bool child);
  void poll(std::shared_ptr<Lane> lane);  // posts read()
  void read(std::shared_ptr<Lane> lane);
  void poll_later(std::shared_ptr<Lane> lane, int64_t delay_ms);
  void wait_for_records(std::shared_ptr<Lane> lane, const std::string& after,
                        Clock::time_point deadline);
  void take(std::shared_ptr<Lane> lane, ShardBatch got);
  void take_parallel(std::shared_ptr<Lane> lane, ShardBatch got, size_t n);
  // Turns a read into the batch of a windowed lane; false when the open
  // window must end first (its final batch was queued instead).
  bool cut_to_window(Lane& lane, ShardBatch& got, bool& final);
  void final_invoke(std::shared_ptr<Lane> lane);
  void start_round(std::shared_ptr<Lane> lane);
  void invoke(std::shared_ptr<Lane> lane, size_t r);
  void on_invoked(std::shared_ptr<Lane> lane, size_t r, InvokeOutcome outcome);
  void on_failed(std::shared_ptr<Lane> lane, size_t r, bool function_ran, std::string error);
  void give_up(std::shared_ptr<Lane> lane, size_t r, GiveUp why, std::string error);
  // The front batch of runner r is done (succeeded or given up).
  void batch_done(std::shared_ptr<Lane> lane, size_t r);
  void advance(std::shared_ptr<Lane> lane, std::string position);
  void finish_shard(std::shared_ptr<Lane> lane, std::vector<std::string> children);
  void forget_absent(const std::string& uuid, const std::set<std::string>& present);
  void store(const std::string& shard, const std::string& value, std::function<void()> then);
  void set_result(std::string text);
  bool live() const { return !stopped_.load() && !detached_.load(); }

  Deps deps_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> detached_{false};
  mutable std::mutex mu_;
  std::shared_ptr<const StreamPollerConfig> config_;  // guarded by mu_
  std::string last_result_ = "No records processed";  // guarded by mu_
  std::set<std::string> ended_;                       // shards read to their end; guarded by mu_
  std::set<std::string> opened_;                      // shards with a lane; guarded by mu_
  std::vector<std::shared_ptr<Lane>> lanes_;          // guarded by mu_
};

}  // namespace nimbus::events
