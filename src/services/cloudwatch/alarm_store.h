// AlarmStore: the metric alarms and their history.
//
// Schema (storage/key_codec.h keys):
//   cloudwatch.alarms   (str name) -> encode_alarm (alarm.h)
//   cloudwatch.history  (i64 ms, u64 seq) -> JSON AlarmHistoryItem + "seq"
// Every change is one batch in the partition "cloudwatch:alarms" (the alarm
// and the history items it writes). Both live in memory too (read back by
// recover()), so reads never touch the disk; history older than 30 days is
// dropped at start-up (AWS keeps it 30 days).
//
// Changes apply in memory under the store's lock as they are made (so an
// evaluation and a SetAlarmState never both act on the same old state), and
// `done` runs once the batch is durable (on the storage committer thread).
// A change whose commit fails stays in memory and is lost at a restart (it
// is logged; the caller answers the error).
//
// Threads: every method may be called from any thread; only recover() blocks.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "services/cloudwatch/alarm.h"
#include "services/service.h"
#include "storage/write_batch.h"

namespace nimbus::services::cloudwatch {

struct HistoryItem {
  std::string alarm;
  int64_t ms = 0;
  uint64_t seq = 0;  // set by the store
  std::string type;  // ConfigurationUpdate, StateUpdate, Action
  std::string summary;
  std::string data;  // HistoryData: JSON text
};

class AlarmStore {
 public:
  using Done = std::function<void(Status)>;
  // Changes `alarm` in place and adds what it writes to `history`; false
  // when nothing changed (then nothing is written).
  using Edit = std::function<bool(Alarm& alarm, std::vector<HistoryItem>& history)>;

  explicit AlarmStore(Environment& env);
  ~AlarmStore();  // waits for the commits in flight
  AlarmStore(const AlarmStore&) = delete;
  AlarmStore& operator=(const AlarmStore&) = delete;

  Status recover();

  std::optional<Alarm> get(const std::string& name) const;
  // Every alarm, by name.
  std::vector<Alarm> list() const;

  // Creates or replaces `alarm` (by name), with its history items.
  void put(Alarm alarm, std::vector<HistoryItem> history, Done done);
  // Edits alarm `name` under the lock. The alarm after the edit, nullopt
  // when there is none (then `done` is not called); unchanged → done(ok).
  std::optional<Alarm> edit(const std::string& name, const Edit& e, Done done);
  // Deletes the alarms, with their history items.
  void remove(const std::vector<std::string>& names, std::vector<HistoryItem> history, Done done);
  // Adds history items (Action results).
  void add_history(std::vector<HistoryItem> history, Done done);

  // History items of `alarm` ("" = all) with from_ms <= time < to_ms, newest
  // first (or oldest first).
  std::vector<HistoryItem> history(const std::string& alarm, int64_t from_ms, int64_t to_ms,
                                   bool ascending) const;

 private:
  void commit(storage::WriteBatch batch, Done done);
  void history_locked(storage::WriteBatch& batch, std::vector<HistoryItem>& history);

  Environment& env_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  size_t in_flight_ = 0;                 // guarded by mu_
  uint64_t next_seq_ = 1;                // guarded by mu_
  std::map<std::string, Alarm> alarms_;  // guarded by mu_
  std::vector<HistoryItem> history_;     // by (ms, seq); guarded by mu_
};

}  // namespace nimbus::services::cloudwatch
