// EventBridge archives: which events of a bus each archive keeps, the events
// themselves, and the replays that send them again.
//
// State:
//   events          `a`/name: an archive (definition and its EventCount /
//                   SizeBytes); `p`/name: a replay (definition, state, and
//                   the key of the last event it sent, so a replay cut by a
//                   restart goes on from there)
//   events.archive  (archive, event time in ms, event id) -> the event's
//                   envelope as JSON text
// An event is archived in one batch with its archive's counters, committed
// before PutEvents answers. Events older than an archive's RetentionDays
// are deleted by sweep() (0 keeps them forever).
//
// Threads: every method may be called from any thread; one mutex guards the
// maps, and commits are queued while it is held, so the last counters
// stored are the newest. read() and sweep() read storage: worker pool only.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "events/pattern.h"
#include "services/service.h"

namespace nimbus::services::eventbridge {

struct Archive {
  std::string name;
  std::string arn;
  std::string bus;  // the source bus's name
  std::string source_arn;
  std::string description;
  std::string pattern_text;  // empty: every event of the bus
  std::optional<::nimbus::events::EventPattern> pattern;
  int64_t retention_days = 0;  // 0: forever
  int64_t created_s = 0;
  int64_t event_count = 0;
  int64_t size_bytes = 0;
};

struct Replay {
  std::string name;
  std::string arn;
  std::string description;
  std::string archive;     // the archive's name
  std::string source_arn;  // the archive's ARN
  std::string destination_arn;
  std::vector<std::string> filter_arns;  // rules the events may reach; empty: all
  int64_t event_start_ms = 0;            // events with start <= time < end
  int64_t event_end_ms = 0;
  std::string state = "STARTING";  // RUNNING, CANCELLING, COMPLETED, CANCELLED, FAILED
  std::string reason;
  int64_t started_ms = 0;
  int64_t ended_ms = 0;          // 0 until it ends
  int64_t last_replayed_ms = 0;  // the time of the last event sent; 0 none
  std::string cursor;            // the events.archive key of the last event sent
  bool done() const { return state == "COMPLETED" || state == "CANCELLED" || state == "FAILED"; }
};

// An archived event as read back.
struct ArchivedEvent {
  std::string key;  // its events.archive key (a replay's cursor)
  int64_t time_ms = 0;
  std::string envelope;
};

class Archives {
 public:
  using Done = std::function<void(Status)>;
  explicit Archives(Environment& env) : env_(env) {}

  // Reads archives and replays back. Called once, from the engine's start().
  Status start();

  std::optional<Archive> archive(std::string_view name) const;
  std::vector<Archive> archives() const;
  // Creates or updates an archive's definition; counters stay as stored.
  void put(Archive a, Done done);
  // Deletes an archive with its events.
  void remove(const std::string& name, Done done);

  // Keeps `event` (an envelope) in every archive of `bus` whose pattern it
  // matches; `done` once stored. Replayed events are never archived again.
  void record(std::string_view bus, const boost::json::value& event, Done done);

  // Up to `limit` events of `archive` whose time is in [from_ms, to_ms), in
  // (time, id) order, after the key `after` (exclusive; empty: from the
  // start). Worker pool only.
  Result<std::vector<ArchivedEvent>> read(const std::string& archive, int64_t from_ms,
                                          int64_t to_ms, const std::string& after,
                                          size_t limit) const;

  // Deletes events past their archive's retention at `now_ms`, adjusting the
  // counters. Worker pool only.
  Status sweep(int64_t now_ms);

  std::optional<Replay> replay(std::string_view name) const;
  std::vector<Replay> replays() const;
  // Stores a replay; a RUNNING one stays CANCELLING when CancelReplay came
  // first.
  void put_replay(Replay r, Done done);

 private:
  void store_locked(const Archive& a, Done done) REQUIRES(mu_);

  Environment& env_;
  mutable Mutex mu_;
  std::map<std::string, Archive, std::less<>> archives_ GUARDED_BY(mu_);
  std::map<std::string, Replay, std::less<>> replays_ GUARDED_BY(mu_);
};

// An envelope's "time" ("2024-01-02T03:04:05Z") in ms since the epoch; 0
// when it has none or it does not parse.
int64_t event_time_ms(const boost::json::value& event);

}  // namespace nimbus::services::eventbridge
