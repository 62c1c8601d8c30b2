// AWS Step Functions (awsJson 1.0; see README.md for what is served). State
// machines and executions live in memory and in storage (codec.cc); a
// Standard execution advances on the worker pool one execution at a time
// (PartitionExecutor keyed by its ARN), every stretch between two wait
// points committed as one batch (its history events and its position), its
// waits as storage::Timers, so it resumes after a restart. Express
// executions (StartSyncExecution) run in memory.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>

#include "common/gate.h"
#include "common/mutex.h"
#include "events/target.h"
#include "services/lambda/api.h"
#include "services/operation_calls.h"
#include "services/service.h"
#include "services/stepfunctions/errors.h"
#include "services/stepfunctions/integrations.h"
#include "services/stepfunctions/runner.h"
#include "services/stepfunctions/types.h"
#include "storage/partition.h"
#include "storage/records.h"
#include "storage/timers.h"

namespace nimbus::sfn {

struct ExpressRun;

using services::CallContext;
using services::Environment;
using services::Operation;
using services::Output;
using services::Respond;

class StepFunctionsService final : public services::Service {
 public:
  // Task states call Lambda functions through `functions` and other
  // services through `calls`; either may be null (those tasks then fail
  // with States.Runtime). Both must outlive the service.
  explicit StepFunctionsService(Environment& env, services::lambda::Functions* functions = nullptr,
                                services::OperationCalls* calls = nullptr);
  ~StepFunctionsService() override;

  // Binds state machines as the "states" delivery target (target.cc): a
  // delivery starts an execution with its body as the input.
  void bind(events::Targets& targets) override;
  Status start() override;
  // A distributed Map's ItemReader and ResultWriter read and write S3
  // objects through these (which must outlive the service). Set before
  // serving; without them those Maps fail with States.ItemReaderFailed /
  // States.ResultWriterFailed.
  void use_objects(services::s3::ObjectReader& reader, services::s3::ObjectWriter& writer) {
    integrations_.use_objects(&reader, &writer);
  }
  // HTTP Tasks send their requests through EventBridge's connections.
  void use_connections(services::eventbridge::Connections& connections) {
    integrations_.use_connections(&connections);
  }
  // API Gateway tasks with AuthType IAM_ROLE sign as a session of the
  // state machine's role, minted here (the others need no IAM; they reach
  // the API through Environment::user_apis).
  void use_roles(services::iam::Directory& iam) { integrations_.use_roles(&iam); }

 private:
  static const Operation<StepFunctionsService> kOperations[];
  class MachineTarget;  // target.cc

  // machine_handlers.cc
  void create_state_machine(const CallContext& ctx, boost::json::object in, Respond respond);
  Output describe_state_machine(const CallContext& ctx, const boost::json::object& in) const;
  void update_state_machine(const CallContext& ctx, boost::json::object in, Respond respond);
  void delete_state_machine(const CallContext& ctx, boost::json::object in, Respond respond);
  Output list_state_machines(const CallContext& ctx, const boost::json::object& in) const;
  Output validate_definition(const CallContext& ctx, const boost::json::object& in) const;
  void tag_resource(const CallContext& ctx, boost::json::object in, Respond respond);
  void untag_resource(const CallContext& ctx, boost::json::object in, Respond respond);
  Output list_tags(const CallContext& ctx, const boost::json::object& in) const;

  // version_handlers.cc: versions and aliases.
  void publish_version(const CallContext& ctx, boost::json::object in, Respond respond);
  Output list_versions(const CallContext& ctx, const boost::json::object& in) const;
  void delete_version(const CallContext& ctx, boost::json::object in, Respond respond);
  void create_alias(const CallContext& ctx, boost::json::object in, Respond respond);
  Output describe_alias(const CallContext& ctx, const boost::json::object& in) const;
  void update_alias(const CallContext& ctx, boost::json::object in, Respond respond);
  Output list_aliases(const CallContext& ctx, const boost::json::object& in) const;
  void delete_alias(const CallContext& ctx, boost::json::object in, Respond respond);
  // A version of `base`'s current revision: the latest when it is of that
  // revision (`fresh` false), else a new one whose number is reserved in
  // machines_ (base.next_version moves on too).
  Result<StateMachine> version_of(StateMachine& base, const std::string& description, bool& fresh)
      REQUIRES(mu_);
  void write_alias(const Alias& al, Respond respond, boost::json::object out);
  // Checks an alias's routingConfiguration against the versions of `machine`.
  Result<std::vector<std::pair<std::string, int64_t>>> routes_of(const boost::json::object& in,
                                                                 const std::string& machine) const
      REQUIRES(mu_);
  // What StartExecution on `arn` runs: the machine, a version, or the
  // version an alias picks by weight; and the version and alias it names.
  struct StartTarget {
    const StateMachine* machine = nullptr;
    std::string version_arn, alias_arn;
  };
  Result<StartTarget> start_target(const std::string& arn) const REQUIRES(mu_);

  // execution_handlers.cc
  void start_execution(const CallContext& ctx, boost::json::object in, Respond respond);
  void start_sync_execution(const CallContext& ctx, boost::json::object in, Respond respond);
  Output describe_execution(const CallContext& ctx, const boost::json::object& in) const;
  Output describe_machine_for_execution(const CallContext& ctx,
                                        const boost::json::object& in) const;
  Output get_execution_history(const CallContext& ctx, const boost::json::object& in) const;
  Output list_executions(const CallContext& ctx, const boost::json::object& in) const;
  void stop_execution(const CallContext& ctx, boost::json::object in, Respond respond);
  // map_run_handlers.cc: the Map Runs of distributed Maps.
  Output list_map_runs(const CallContext& ctx, const boost::json::object& in) const;
  Output describe_map_run(const CallContext& ctx, const boost::json::object& in) const;
  void update_map_run(const CallContext& ctx, boost::json::object in, Respond respond);
  // test_state.cc
  void test_state(const CallContext& ctx, boost::json::object in, Respond respond);
  // redrive.cc
  void redrive_execution(const CallContext& ctx, boost::json::object in, Respond respond);

  // activities.cc: activities and the workers polling them.
  void create_activity(const CallContext& ctx, boost::json::object in, Respond respond);
  Output describe_activity(const CallContext& ctx, const boost::json::object& in) const;
  void delete_activity(const CallContext& ctx, boost::json::object in, Respond respond);
  Output list_activities(const CallContext& ctx, const boost::json::object& in) const;
  void get_activity_task(const CallContext& ctx, boost::json::object in, Respond respond);
  struct ActivityTask {
    std::string token, execution, input;
  };
  // A task of `activity` waits for a worker: handed to a waiting poll, or
  // queued for the next.
  void queue_activity(const std::string& activity, ActivityTask task);
  // Records ActivityStarted, then answers the worker's poll with the task.
  void hand_out(ActivityTask task, std::string worker, Respond respond);

  // task_handlers.cc: answers to a task's token, and task timers.
  void send_task_success(const CallContext& ctx, boost::json::object in, Respond respond);
  void send_task_failure(const CallContext& ctx, boost::json::object in, Respond respond);
  void send_task_heartbeat(const CallContext& ctx, boost::json::object in, Respond respond);
  // Advances the execution `token` names with `answer` if it still waits
  // for that task; else TaskTimedOut (an answered or timed-out task, as AWS
  // says), TaskDoesNotExist or InvalidToken.
  void answer_task(const std::string& token,
                   std::function<Stop(Runner&, const std::string&, int64_t)> answer,
                   Respond respond);
  // TimeoutSeconds ("task") and HeartbeatSeconds ("heartbeat") of a task
  // just handed out, as stored timers keyed by its token (its payload too).
  void arm_task_timers(const asl::TaskCall& task, const std::string& token);
  void on_task_timer(storage::DueTimer t, storage::Timers::Ack ack, std::string error);

  // executions.cc: the driver.
  // nullopt: nothing to do (a task's answer that comes too late).
  using Act = std::function<std::optional<Stop>(Runner&, int64_t now_ms)>;
  // Runs `act` on execution `arn`'s runner in its turn, commits the events
  // and the new position, then arms its wait or calls its task; `done`
  // after the commit. `prepare`, when given, first checks and changes the
  // execution in its turn (a redrive sets it running again); its error is
  // `done`'s.
  using Prepare = std::function<Status(Execution&, int64_t now_ms)>;
  //
  // Answers that arrive while an execution's turn is queued or running wait
  // in advancing_ and are applied together in its next turn, on one runner
  // and in one commit (a Map with 100 iterations in flight would otherwise
  // rewrite its position once per answer). An advance with `prepare` runs
  // in a turn of its own, in its place in the order.
  void advance(const std::string& arn, Act act, std::function<void(Status)> done,
               Prepare prepare = nullptr);
  struct Advance {
    Act act;
    std::function<void(Status)> done;
    Prepare prepare;
  };
  // One turn of execution `arn`: takes the advances queued for it (see
  // advance) and applies them.
  void run_advances(const std::string& arn, storage::PartitionExecutor::Turn turn);
  void apply(const std::string& arn, std::vector<Advance> work,
             storage::PartitionExecutor::Turn turn);
  // The child executions of distributed Maps the runner started, moved or
  // ended (runner.h ChildRun): their records and events into `batch`, the
  // records as they will be into `out`.
  void record_child_runs(std::map<std::string, ChildRun>& runs, const Execution& parent,
                         double now_s, storage::WriteBatch& batch, std::vector<Execution>& out);
  // Calls a task execution `arn` entered; its answer advances the
  // execution if it still waits for that task (`token`).
  void run_task(const std::string& arn, const std::string& role_arn, asl::TaskCall task,
                const std::string& token);
  // A .sync task of execution `parent` waits for the child its position
  // names: remembered in children_, answered at once if it already ended.
  void watch_child(const std::string& parent);
  // An execution ended: the .sync task waiting for it goes on.
  void child_ended(const Execution& child);
  void on_wake(storage::DueTimer t, storage::Timers::Ack ack);
  void on_timeout(storage::DueTimer t, storage::Timers::Ack ack);
  // A closed execution is kept 90 days (AWS's retention), then its record
  // and history are deleted and its name may be used again: an "expire"
  // timer per closed execution, armed when it closes.
  void arm_expiry(const std::string& arn, double stop_s);
  void on_expire(storage::DueTimer t, storage::Timers::Ack ack);
  // Ends a running execution from outside (StopExecution, its timeout) with
  // one history event.
  void end_execution(const std::string& arn, std::string status, std::string type, std::string key,
                     boost::json::object details, std::function<void(Status)> done);
  boost::json::value context_of(const Execution& e) const;
  // Moves an Express execution on from `stop` (in memory; waits on the
  // Scheduler) and answers StartSyncExecution at its end; `run->mu` held.
  void drive_express(std::shared_ptr<ExpressRun> run, Stop stop);
  // Writes machine `m` (and a version just published from it) in one batch.
  void write_machine(const StateMachine& m, Respond respond, boost::json::object out,
                     std::optional<StateMachine> version = std::nullopt);
  // Commits `batch`, then runs `apply` (the in-memory change, which takes
  // mu_ itself) and answers `out`; a failed commit answers its error.
  void commit_then(storage::WriteBatch batch, std::function<void()> apply, Respond respond,
                   boost::json::object out);

  std::string arn(const CallContext& ctx, std::string_view kind, std::string_view rest) const;

  Environment& env_;
  Integrations integrations_;
  storage::Records machines_db_;
  storage::Records executions_db_;
  storage::Records history_db_;
  storage::Records activities_db_;
  storage::Records versions_db_;
  storage::Records aliases_db_;
  storage::PartitionExecutor executor_;
  std::unique_ptr<storage::Timers> timers_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();

  mutable Mutex mu_;
  std::map<std::string, StateMachine> machines_ GUARDED_BY(mu_);
  std::map<std::string, Execution> executions_ GUARDED_BY(mu_);
  std::map<std::string, StateMachine> versions_ GUARDED_BY(mu_);  // by version ARN
  std::map<std::string, Alias> aliases_ GUARDED_BY(mu_);          // by alias ARN
  struct Activity {
    std::string arn, name;
    double created = 0;
    std::map<std::string, std::string> tags;
    boost::json::object encode() const;
    static Activity decode(const boost::json::object& doc);
  };
  // TagResource and UntagResource of an activity (`in` has tags or tagKeys).
  void tag_activity(const boost::json::object& in, Respond respond);
  struct Poll {
    uint64_t id = 0;
    std::string worker;
    Respond respond;
  };
  std::map<std::string, Activity> activities_ GUARDED_BY(mu_);
  // Per activity ARN: tasks no worker took yet, and workers waiting (long
  // polls of up to 60 s), oldest first. In memory; rebuilt at start.
  std::map<std::string, std::deque<ActivityTask>> pending_ GUARDED_BY(mu_);
  std::map<std::string, std::deque<Poll>> polls_ GUARDED_BY(mu_);
  uint64_t next_poll_ GUARDED_BY(mu_) = 0;
  // Child execution ARN -> the parent whose .sync task waits for it.
  std::map<std::string, std::string> children_ GUARDED_BY(mu_);
  // The advances waiting for each execution's next turn (see advance).
  std::map<std::string, std::deque<Advance>> advancing_ GUARDED_BY(mu_);

  std::unique_ptr<events::Target> target_;  // state machines as delivery targets
  std::unique_ptr<events::Binding> bound_;  // unbound first (the destructor)
};

// A child execution as a .sync task's result (DescribeExecution's fields,
// PascalCase; Input and Output parsed for .sync:2).
boost::json::object sync_output(const Execution& child, bool parsed);
// A number in [0, 1) for a retrier's FULL jitter.
double retry_jitter();
// Why an execution cannot be redriven at `now_ms` (AWS's
// redriveStatusReason), "" when it can (redrive.cc).
std::string redrive_block(const Execution& e, int64_t now_ms);
// DescribeExecution's and ListExecutions' redriveCount and redriveDate.
void redrive_fields(const Execution& e, boost::json::object& out);
// A task token: names the execution (so SendTask* find it) and is unique.
std::string new_task_token(const std::string& execution_arn);

// Name rules of state machines and executions (1-80 characters, none of
// whitespace, brackets, wildcards, the special characters AWS lists, or
// control characters).
bool valid_name(std::string_view name);

}  // namespace nimbus::sfn
