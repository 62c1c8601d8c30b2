// LogStore: the durable log store behind the CloudWatch Logs API and the
// in-process LogWriter.
//
// Schema (storage namespaces; keys are storage/key_codec.h tuples, see codec.h):
//   logs.meta     "next_id" -> decimal; ids of groups and streams are never reused
//   logs.groups   group name -> JSON {id, created, retention, tags}
//   logs.streams  (u64 group id, tail stream name) -> JSON {id, created, first,
//                 last, ingest, bytes, seq}
//   logs.events   (u64 stream id, u64 timestamp, u64 sequence) ->
//                 (u64 ingestion time, tail message)
//   logs.purge    (u64 stream id) -> "" while a deleted stream's events are
//                 being removed (resumed at start-up)
// Events of a stream are ordered by (timestamp, sequence): a prefix scan reads
// them in time order, and a seek on the timestamp starts a read anywhere.
// Keying by stream id rather than name makes deleting a group or stream one
// small metadata batch; the events go in the background.
//
// Metadata (groups and streams with their counters) lives in memory, loaded at
// start-up. Writes (API and LogWriter alike) join one pending WriteBatch that
// is committed when the previous commit is acknowledged: group commit, and a
// single order per stream. Callbacks of `Done` run on the storage committer
// thread and must be quick.
//
// Threads: every method may be called from any thread; none blocks except
// sweep_retention() and the destructor (which waits for in-flight commits and
// background work).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/gate.h"
#include "common/mutex.h"
#include "services/logs/api.h"
#include "services/service.h"
#include "storage/write_batch.h"

namespace nimbus::services::logs {

struct StreamInfo {
  uint64_t id = 0;
  std::string name;
  int64_t created_ms = 0;
  int64_t first_event_ms = -1;  // -1: no event yet
  int64_t last_event_ms = -1;
  int64_t last_ingestion_ms = -1;
  int64_t stored_bytes = 0;
  uint64_t next_seq = 1;
};

struct GroupInfo {
  uint64_t id = 0;
  std::string name;
  int64_t created_ms = 0;
  std::optional<int> retention_days;
  std::map<std::string, std::string> tags;
  int64_t stored_bytes = 0;  // sum over streams, filled in snapshots
  std::map<std::string, StreamInfo> streams;
};

// One stored event as read back.
struct StoredEvent {
  int64_t timestamp_ms = 0;
  uint64_t seq = 0;
  int64_t ingestion_ms = 0;
  std::string message;
};

class LogStore {
 public:
  using Done = std::function<void(Status)>;

  explicit LogStore(Environment& env);
  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Loads metadata and resumes purges. Called once by the service.
  Status recover();

  void create_group(const std::string& group, std::map<std::string, std::string> tags, Done done);
  void delete_group(const std::string& group, Done done);
  void create_stream(const std::string& group, const std::string& stream, Done done);
  void delete_stream(const std::string& group, const std::string& stream, Done done);
  void set_retention(const std::string& group, std::optional<int> days, Done done);
  // Adds (or changes) `add` and removes `remove` on the group's tags; more
  // than 50 tags after the change is TooManyTagsException, nothing changed.
  void retag(const std::string& group, const std::map<std::string, std::string>& add,
             const std::vector<std::string>& remove, Done done);

  // Who appends: a PutLogEvents call (the group and stream must exist, or
  // ResourceNotFoundException) or the LogWriter (they are created when
  // missing, and as no caller waits on the lines they are committed without
  // an fsync of their own: WriteBatch::defer_sync; the next synced commit
  // makes them durable).
  enum class Appender { kApi, kWriter };
  // Appends events (already validated and in time order). The next
  // sequence token (decimal) is passed to `token` before `done` runs.
  void append(const std::string& group, const std::string& stream, std::vector<LogEvent> events,
              Appender appender, Done done, std::string* token = nullptr);

  // Copies of the metadata, without streams (list) or with them (group).
  std::vector<GroupInfo> list_groups() const;
  std::optional<GroupInfo> group(const std::string& name) const;

  // Up to `limit` events of stream `sid` whose key (timestamp, seq) is
  // > (after_ts, after_seq) and whose timestamp is < end_ms, in order.
  Result<std::vector<StoredEvent>> read(uint64_t sid, int64_t after_ts, uint64_t after_seq,
                                        int64_t end_ms, size_t limit) const;

  // The earliest timestamp a read may return for `group` (retention), in ms.
  int64_t retention_cutoff(const GroupInfo& g) const;

  // Deletes events past their group's retention. Blocking: worker pool.
  void sweep_retention();

  // No more timers from here on (the server is draining; the Scheduler is
  // destroyed before the services).
  void stop_timers();

  // Bytes queued and not yet committed; the LogWriter drops beyond a bound.
  size_t pending_bytes() const;

 private:
  // Flushes when no commit is in flight; `sync` false lets the pending
  // batch defer its fsync if nothing else in it needs one.
  void queue_locked(Done done, bool sync = true);
  void flush_locked();
  void put_group_locked(const GroupInfo& g);
  void put_stream_locked(const GroupInfo& g, const StreamInfo& s);
  void put_next_id_locked();
  void forget_stream_locked(const GroupInfo& g, const StreamInfo& s);
  void purge_in_background(uint64_t sid);
  void purge(uint64_t sid);  // blocking
  void schedule_sweep();

  Environment& env_;
  // Background work (worker-pool purges and sweeps, the sweep timer) enters
  // it; the destructor closes it, waiting for work inside, and a timer that
  // fires later finds it closed (docs/threading.md).
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  // Set by stop_timers(): the Scheduler may be gone, so no timer is armed.
  Mutex timers_mu_;
  bool timers_stopped_ GUARDED_BY(timers_mu_) = false;

  mutable std::mutex mu_;
  std::condition_variable idle_;
  std::map<std::string, GroupInfo> groups_;              // guarded by mu_
  uint64_t next_id_ = 1;                                 // guarded by mu_
  storage::WriteBatch pending_;                          // guarded by mu_
  std::vector<Done> pending_done_;                       // guarded by mu_
  bool pending_sync_ = false;                            // guarded by mu_
  std::set<std::pair<std::string, std::string>> dirty_;  // guarded by mu_
  std::vector<uint64_t> pending_purges_;                 // guarded by mu_
  bool in_flight_ = false;                               // guarded by mu_
};

}  // namespace nimbus::services::logs
