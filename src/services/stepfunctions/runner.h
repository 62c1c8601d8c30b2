// The execution driver's core: moves one execution's position through its
// machine from one wait point to the next, and says what happened as AWS's
// history events. No storage, no threads, no clock of its own: the service
// (executions.cc) persists the position and the events it returns, arms a
// timer for a wait, and calls a task, then feeds the outcome back.
//
// A position is a stack of frames: the top-level machine's, and one per
// Parallel branch or Map iteration being run inside it (branches and
// iterations run one after another, in order). It serializes to JSON so
// that a Standard execution resumes from it after a restart.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "services/stepfunctions/asl/step.h"

namespace nimbus::sfn {

struct HistoryEvent {
  std::string type;         // "PassStateEntered"
  std::string details_key;  // "stateEnteredEventDetails" ("" when none)
  boost::json::object details;
};

// Where a run stopped.
struct Stop {
  // kIdle: the task was handed out and waits for its token's answer.
  enum Kind { kWait, kTask, kIdle, kSucceeded, kFailed } kind = kWait;
  int64_t until_ms = 0;       // kWait
  asl::TaskCall task;         // kTask
  boost::json::value output;  // kSucceeded
  asl::Failure failure;       // kFailed
};

class Runner {
 public:
  static constexpr size_t kYieldEvents = 1000;

  // `position` is empty for a new execution.
  Runner(const asl::Machine& root, boost::json::value position, boost::json::value context);

  // A new execution with `input`.
  Stop start(const boost::json::value& input, int64_t now_ms);
  // The wait (a Wait state or a retry delay) is over.
  Stop wake(int64_t now_ms);
  // The task the last Stop asked for finished.
  Stop task_succeeded(boost::json::value result, int64_t now_ms);
  Stop task_failed(const asl::Failure& failure, int64_t now_ms, double jitter);
  // A .waitForTaskToken task's call succeeded with `output`: it now waits
  // for SendTaskSuccess/Failure (TaskSubmitted); a .sync task for the end of
  // execution `child`.
  Stop task_submitted(const boost::json::value& output, const std::string& child = "");

  // Whether the execution waits for the task whose token is `token` (a
  // late answer for an earlier attempt, or after a timeout, is not).
  bool awaits(const std::string& token) const;
  // The token of the task the last Stop asked for ($$.Task.Token).
  std::string task_token() const;
  // Makes each task attempt's token (the service's are unique and name the
  // execution); the default numbers them.
  void set_token_source(std::function<std::string()> f) { new_token_ = std::move(f); }

  // A worker took the activity task (GetActivityTask): ActivityStarted.
  Stop activity_started(const std::string& worker);
  // The Resource of the Task state the execution is in.
  const std::string& task_resource() const;

  std::vector<HistoryEvent>& events() { return events_; }
  const boost::json::value& position() const { return position_; }

 private:
  struct Frame;
  Stop run(int64_t now_ms);
  const asl::Machine& machine_at(size_t depth) const;
  const asl::State& state_at(size_t depth) const;
  // The top frame's state is done with `next`: transition, end the frame, or
  // the execution.
  std::optional<Stop> transition(asl::Transition t, int64_t now_ms);
  std::optional<Stop> fail(asl::Failure f, bool recoverable, int64_t now_ms, double jitter);
  std::optional<Stop> enter_top(int64_t now_ms);
  std::optional<Stop> finish_frame(bool ok, boost::json::value output, asl::Failure failure,
                                   int64_t now_ms);
  void event(std::string type, std::string key, boost::json::object details);
  // $$.State for state `s` in frame `f`: Name, EnteredTime, RetryCount.
  void state_context(const asl::State& s, const boost::json::object& f);
  boost::json::object& top();

  const asl::Machine& root_;
  boost::json::value position_;  // {"frames":[...]}
  boost::json::value context_;
  std::vector<HistoryEvent> events_;
  std::function<std::string()> new_token_;
};

// Whether an execution at `position` waits for the task whose token is
// `token` (Runner::awaits on a stored position).
bool awaits_token(const boost::json::value& position, const std::string& token);
// Whether it waits for a task token's answer (nothing to resume at start).
bool awaits_callback(const boost::json::value& position);
// Whether a Resource is an activity (arn:aws:states:R:A:activity:NAME).
bool is_activity(const std::string& resource);
// An activity task no worker has taken yet: its token and input.
struct PendingActivity {
  std::string token, input;
};
std::optional<PendingActivity> pending_activity(const boost::json::value& position);
// The execution a .sync task waits for ("" when none).
std::string task_child(const boost::json::value& position);
// The HeartbeatSeconds of the task it waits for, if any.
std::optional<int64_t> task_heartbeat(const boost::json::value& position);

}  // namespace nimbus::sfn
