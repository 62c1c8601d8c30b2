// Alarms: what makes metric alarms act. It evaluates every alarm on a tick
// of the injectable clock (evaluate.h over MetricStore's points), applies
// state changes (evaluation and SetAlarmState) through AlarmStore with their
// StateUpdate history, and carries out the actions of a change: SNS topics
// get AWS's notification, Lambda functions the alarm event, and the default
// event bus the "CloudWatch Alarm State Change" event.
//
// Actions are stored as storage::Timers timers (namespace
// `cloudwatch.actions`, kind `a`) once the state change is durable, and
// delivered through events::Targets at least once; a target that is
// throttled or unavailable is retried (1 s doubling to 5 min) for up to a
// day. Each delivered or failed action adds an Action history item. The
// window between the change's commit and its actions' commit is not covered:
// a crash there loses those actions (README).
//
// A composite alarm's actions are held back (ActionsSuppressedBy) while
// its ActionsSuppressor is in ALARM ("Alarm"); when the composite goes into
// ALARM with the suppressor not in ALARM, for up to ActionsSuppressorWait-
// Period seconds ("WaitPeriod") for the suppressor to follow; and for
// ActionsSuppressorExtensionPeriod seconds after the suppressor leaves ALARM
// ("ExtensionPeriod"). When a period ends (seen by the tick: the end is
// stored with the alarm, so a restart keeps it), or the suppressor leaves
// ALARM with no extension, the composite performs the actions of the state
// it is in, as a state update into that same state. A transition of the
// composite starts over (an ExtensionPeriod running carries on).
//
// Evaluation is not durable work: every tick recomputes each alarm from the
// stored points, so a restart only resumes ticking. The tick is
// `--cloudwatch-alarm-interval` seconds (default 10; AWS evaluates
// standard alarms every minute, high-resolution ones every 10 s).
//
// Threads: ticks run on the worker pool; set_state may be called from any
// thread; callbacks run on the storage committer or the scheduler thread.
// stop() ends the ticks and deliveries; the destructor waits for running
// ones.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/gate.h"
#include "common/scheduler.h"
#include "services/cloudwatch/alarm_notice.h"
#include "services/cloudwatch/alarm_store.h"
#include "services/cloudwatch/evaluate.h"
#include "services/cloudwatch/store.h"
#include "services/service.h"
#include "storage/timers.h"

namespace nimbus::services::cloudwatch {

class Alarms {
 public:
  Alarms(Environment& env, MetricStore& metrics, AlarmStore& store);
  ~Alarms();
  Alarms(const Alarms&) = delete;
  Alarms& operator=(const Alarms&) = delete;

  // Opens the stored actions and starts ticking.
  Status start();
  // No more ticks or deliveries (shutdown).
  void stop();

  // Puts alarm `name` in `v.state` with its reason (SetAlarmState when
  // `forced`, else an evaluation, which changes nothing when the state is
  // the same). `done` runs once the change is durable and the composite
  // alarms naming it have been evaluated; the actions are queued then. False when there is no such
  // alarm (done not called).
  bool set_state(const std::string& name, const Verdict& v, bool forced,
                 std::function<void(Status)> done);

  // Evaluates every alarm at the clock's now (what a tick does).
  void evaluate_all();
  // Evaluates composite alarm `name` from its children's states now (after
  // PutCompositeAlarm; a child's change does it by itself). `done` runs once
  // a state change is durable (and its parents evaluated), or at once when
  // the state stays.
  void evaluate_composite(const std::string& name, std::function<void(Status)> done);
  // The periods an alarm's evaluation looks at, at `now_ms` (oldest first).
  std::vector<PeriodValue> periods(const Alarm& a, int64_t now_ms) const;

  // Actions stored and not yet delivered.
  size_t pending() const { return timers_ ? timers_->size() : 0; }

 private:
  void arm();
  // Evaluates composite `name` against `all` (the alarms now); whether its
  // state changed. `done` as in the public overload.
  bool evaluate_composite(const std::string& name, const std::vector<Alarm>& all,
                          std::function<void(Status)> done);
  // A composite's verdict from `all` (the alarms now); `trigger` is the
  // child whose change prompted it (nullptr: none). nullopt when it is part
  // of a cycle of composites (AWS stops evaluating those).
  std::optional<Verdict> composite_verdict(const Alarm& c, const std::vector<Alarm>& all,
                                           const Alarm* trigger) const;
  // The composites whose rule names `changed`, evaluated again.
  void evaluate_parents(const Alarm& changed);
  // A composite's actions follow its suppressor `changed` (alarms.h):
  // into ALARM, a wait or extension becomes "Alarm"; out of ALARM, "Alarm"
  // becomes an ExtensionPeriod, or the actions run when it has none.
  void follow_suppressor(const Alarm& changed, const std::string& old_state);
  // Performs composite `name`'s held-back actions if `due(alarm, now)`:
  // a state update into the same state, its suppression cleared.
  void release(const std::string& name, const std::function<bool(const Alarm&, int64_t)>& due);
  void act(const StateChange& c);
  void queue(const std::string& target, const std::string& alarm, int64_t state_ms,
             std::string body, std::string subject);
  void on_timer(storage::DueTimer t, storage::Timers::Ack ack);

  Environment& env_;
  MetricStore& metrics_;
  AlarmStore& store_;
  std::chrono::milliseconds interval_;
  std::atomic<uint64_t> next_{0};
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<storage::Timers> timers_;
};

}  // namespace nimbus::services::cloudwatch
