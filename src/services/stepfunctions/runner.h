// The execution driver's core: moves one execution's position through its
// machine from one wait point to the next, and says what happened as AWS's
// history events. No storage, no threads, no clock of its own: the service
// (executions.cc) persists the position and the events it returns, arms a
// timer for a wait, and calls tasks, then feeds their outcomes back.
//
// A position is a tree of frames: the top-level machine's frame, and under
// a Parallel or Map state's frame one frame per branch or iteration in
// flight ("active"), each of which may hold its own. Branches and
// iterations run concurrently: every call moves every frame that can move
// until each waits (a Wait, a retry delay, a task, a callback) or ends, so
// one execution may wait for several tasks and timers at once; tasks are
// told apart by their tokens. A Map starts at most MaxConcurrency
// iterations at a time (kMaxInFlight when 0); a Parallel all its branches.
// The position serializes to JSON so that a Standard execution resumes
// from it after a restart.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
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

// A task to call: its Resource and effective input, and its token.
struct NewTask {
  asl::TaskCall call;
  std::string token;
};

// Where a run stopped.
struct Stop {
  enum Kind { kRunning, kSucceeded, kFailed } kind = kRunning;
  // kRunning: the earliest end of a wait (0: none; <= now: it yielded and
  // wants to go on at once).
  int64_t until_ms = 0;
  std::vector<NewTask> tasks;  // kRunning: tasks entered by this call
  boost::json::value output;   // kSucceeded
  asl::Failure failure;        // kFailed
};

// A distributed Map's iteration (or batch) runs as a child execution of its
// Map Run, with a record and a history of its own: what one call changed in
// one of them. The runner numbers its events (the next id is kept in the
// iteration's frame); the service writes them and the record.
struct ChildRun {
  std::string arn, map_run;
  bool started = false;  // by this call: `input`, `start_ms`, `items` are set
  std::string input;
  int64_t start_ms = 0;
  int64_t items = 1;               // the items it processes (a batch's count)
  std::string status = "RUNNING";  // SUCCEEDED, FAILED or ABORTED once ended
  std::string output, error, cause;
  int64_t first_event = 1;  // the id of events[0]
  std::vector<HistoryEvent> events;
};

// An activity task no worker has taken yet: its token, input and activity.
struct PendingActivity {
  std::string token, input, resource;
};

class Runner {
 public:
  static constexpr size_t kYieldEvents = 1000;
  // Iterations of a Map without MaxConcurrency in flight at once (AWS's
  // inline Map runs about 40 at a time).
  static constexpr int64_t kMaxInFlight = 40;

  // `position` is empty for a new execution.
  Runner(const asl::Machine& root, boost::json::value position, boost::json::value context);

  // A new execution with `input`.
  Stop start(const boost::json::value& input, int64_t now_ms);
  // A wait may be over (a Wait state or a retry delay), or the last call
  // yielded: moves every frame that can move.
  Stop wake(int64_t now_ms);
  // After a restart: tasks that were being called are called again (as AWS
  // may retry a task), then as wake().
  Stop resume(int64_t now_ms);
  // RedriveExecution of a failed, aborted or timed-out execution: the
  // top-level state it was in is entered again with the same input.
  Stop redrive(int64_t now_ms);
  // The task with `token` finished (awaits(token) must hold).
  Stop task_succeeded(const std::string& token, boost::json::value result, int64_t now_ms);
  Stop task_failed(const std::string& token, const asl::Failure& failure, int64_t now_ms,
                   double jitter);
  // A .waitForTaskToken task's call succeeded with `output`: it now waits
  // for SendTaskSuccess/Failure (TaskSubmitted); a .sync task for the end of
  // execution `child`.
  Stop task_submitted(const std::string& token, const boost::json::value& output,
                      const std::string& child, int64_t now_ms);
  // UpdateMapRun: the Map Run `arn` in flight takes a new MaxConcurrency
  // (0: kMaxInFlight) and tolerances (when given); false when no Map Run of
  // that ARN runs.
  bool update_map_run(const std::string& arn, std::optional<int64_t> max_concurrency,
                      std::optional<int64_t> tolerated_count,
                      std::optional<double> tolerated_percentage);
  // A worker took the activity task (GetActivityTask): ActivityStarted.
  Stop activity_started(const std::string& token, const std::string& worker, int64_t now_ms);

  // Whether the execution waits for the task whose token is `token` (a
  // late answer for an earlier attempt, after a timeout, or for an aborted
  // branch, is not).
  bool awaits(const std::string& token) const;
  // The Resource of the Task state waiting with `token` ("" when none).
  std::string task_resource(const std::string& token) const;
  // The token of the .sync task waiting for execution `child` ("" when none).
  std::string child_token(const std::string& child) const;
  std::vector<PendingActivity> pending_activities() const;
  // Makes each task attempt's token (the service's are unique and name the
  // execution); the default numbers them.
  void set_token_source(std::function<std::string()> f) { new_token_ = std::move(f); }

  std::vector<HistoryEvent>& events() { return events_; }
  // The child executions this runner started, moved or ended, by ARN.
  std::map<std::string, ChildRun>& child_runs() { return child_runs_; }
  const boost::json::value& position() const { return position_; }
  // The position, moved out (the runner is done with).
  boost::json::value take_position() { return std::move(position_); }

 private:
  using Visit = std::function<bool(boost::json::object& f, const asl::Machine& m)>;
  Stop run(int64_t now_ms);
  boost::json::object& root_frame();
  // Calls `fn` on every live frame with its machine until it returns true.
  bool visit(boost::json::object& f, const asl::Machine& m, const Visit& fn);
  bool visit_all(const Visit& fn) const;
  // The frame waiting for the task `token`, and its machine.
  std::pair<boost::json::object*, const asl::Machine*> find(const std::string& token);
  // Moves frame `f` (a state of `m`) until it waits or ends; true when it
  // ended (its "end" member holds ok/output/error/cause).
  bool step(boost::json::object& f, const asl::Machine& m, int64_t now_ms);
  void enter(boost::json::object& f, const asl::State& s, int64_t now_ms);
  void start_fork(boost::json::object& f, const asl::State& s, asl::Fork fork, int64_t now_ms);
  void step_fork(boost::json::object& f, const asl::State& s, int64_t now_ms);
  // Distributed Map (runner_map.cc): its Map Run (MapRunStarted, the
  // position's "map_runs"), its ItemReader and ResultWriter calls (tasks
  // whose frames say "io"), its end.
  void map_run_started(boost::json::object& f, const asl::State& s, size_t total, int64_t limit,
                       int64_t now_ms);
  void map_run_ended(const boost::json::object& f, const std::string& status,
                     const asl::Failure* failure, int64_t now_ms);
  void fork_succeeded(boost::json::object& f, const asl::State& s, boost::json::value results,
                      int64_t now_ms);
  void issue_io(boost::json::object& f, const std::string& resource, boost::json::value params,
                const std::string& io);
  Stop io_succeeded(boost::json::object& f, const asl::State& s, boost::json::value result,
                    int64_t now_ms);
  Stop io_failed(boost::json::object& f, const asl::State& s, const asl::Failure& failure,
                 int64_t now_ms);
  void end_fork(boost::json::object& f, const asl::State& s, bool aborted);
  void transition(boost::json::object& f, const asl::State& s, asl::Transition t, int64_t now_ms);
  void fail(boost::json::object& f, const asl::State& s, asl::Failure failure, bool recoverable,
            int64_t now_ms, double jitter);
  void complete(boost::json::object& f, const asl::State& s, boost::json::value result,
                int64_t now_ms);
  void event(std::string type, std::string key, boost::json::object details);
  // Child executions (runner_map.cc): an iteration frame `it` of the
  // distributed Map frame `f` starts as one, records an event, ends.
  void start_child(boost::json::object& it, const boost::json::object& f, const asl::State& s,
                   int64_t now_ms);
  void child_event(boost::json::object& it, HistoryEvent ev);
  void end_child(boost::json::object& it, const boost::json::object& end);
  void abort_child(boost::json::object& it);
  // The iteration frame (with "run_arn") that holds frame `target`, if any.
  boost::json::object* child_of(const boost::json::object* target);
  // While it lives, events are the child execution `it`'s (none: as before).
  struct InChild {
    InChild(Runner& r, boost::json::object* it);
    ~InChild();
    InChild(const InChild&) = delete;
    InChild& operator=(const InChild&) = delete;
    Runner& r;
    boost::json::object* saved;
    bool on;
  };
  // $$.State for state `s` in frame `f`: Name, EnteredTime, RetryCount.
  void state_context(const asl::State& s, const boost::json::object& f);

  const asl::Machine& root_;
  boost::json::value position_;  // {"frames":[root frame]}
  boost::json::value context_;
  std::vector<HistoryEvent> events_;
  // Inside a distributed Map's iterations (quiet_ > 0) events are not the
  // parent's: they go to the iteration's child execution (child_), and are
  // counted towards a yield; a 10,000-item Map would otherwise pass the
  // parent's 25,000-event limit.
  int quiet_ = 0;
  size_t quiet_events_ = 0;
  // The iteration frame whose child execution gets the events, when quiet.
  boost::json::object* child_ = nullptr;
  std::map<std::string, ChildRun> child_runs_;
  size_t event_count() const { return events_.size() + quiet_events_; }
  std::vector<NewTask> tasks_;
  int64_t min_wake_ = 0;
  bool yielded_ = false;
  std::function<std::string()> new_token_;
};

// On a stored position: whether it waits for the task whose token is
// `token` (Runner::awaits).
bool awaits_token(const boost::json::value& position, const std::string& token);
// Whether a restart has something to move: a task being called, or a frame
// that yielded.
bool runnable(const boost::json::value& position);
// The tokens of every task it waits for.
std::vector<std::string> task_tokens(const boost::json::value& position);
// The executions its .sync tasks wait for.
std::vector<std::string> task_children(const boost::json::value& position);
// The HeartbeatSeconds of the task waiting with `token`, if any.
std::optional<int64_t> task_heartbeat(const boost::json::value& position, const std::string& token);
// The child executions of distributed Maps in flight at `position`: each
// ARN with the id its next history event takes.
std::vector<std::pair<std::string, int64_t>> running_child_runs(const boost::json::value& position);
// Whether an ended execution at `position` can be redriven (it records the
// state to enter again and its input).
bool can_redrive(const boost::json::value& position);
// Whether a Resource is an activity (arn:aws:states:R:A:activity:NAME).
bool is_activity(const std::string& resource);

}  // namespace nimbus::sfn
