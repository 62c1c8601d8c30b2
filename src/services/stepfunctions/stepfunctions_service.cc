#include "services/stepfunctions/stepfunctions_service.h"
#include "common/json_fields.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "storage/storage.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

services::Resources machine_arn(const CallContext&, const json::object& in) {
  return {str(in, "stateMachineArn")};
}
services::Resources execution_arn(const CallContext&, const json::object& in) {
  return {str(in, "executionArn")};
}
services::Resources map_run_arn(const CallContext&, const json::object& in) {
  return {str(in, "mapRunArn")};
}
services::Resources activity_arn(const CallContext&, const json::object& in) {
  return {str(in, "activityArn")};
}
services::Resources version_arn(const CallContext&, const json::object& in) {
  return {str(in, "stateMachineVersionArn")};
}
services::Resources alias_arn(const CallContext&, const json::object& in) {
  return {str(in, "stateMachineAliasArn")};
}
// What CreateStateMachine and CreateActivity make: the service authorization
// reference lists them on the new resource (statemachine*, activity*), so a
// policy can scope who creates which names.
services::Resources new_machine(const CallContext& ctx, const json::object& in) {
  return {"arn:aws:states:" + ctx.region + ":" + ctx.account_id +
          ":stateMachine:" + str(in, "name")};
}
services::Resources new_activity(const CallContext& ctx, const json::object& in) {
  return {"arn:aws:states:" + ctx.region + ":" + ctx.account_id + ":activity:" + str(in, "name")};
}
// CreateStateMachineAlias is authorized on the state machine its first route's
// version belongs to (the developer guide's "Authorization for versions and
// aliases": the machine's ARN, not the version's or the alias's).
services::Resources alias_machine(const CallContext&, const json::object& in) {
  const auto* rc = in.if_contains("routingConfiguration");
  if (rc == nullptr || !rc->is_array() || rc->as_array().empty() ||
      !rc->as_array()[0].is_object()) {
    return {};
  }
  std::string version = str(rc->as_array()[0].as_object(), "stateMachineVersionArn");
  auto at = version.find(":stateMachine:");
  auto colon = at == std::string::npos ? at : version.find(':', at + 14);
  if (colon == std::string::npos) return {};
  return {version.substr(0, colon)};
}
services::Resources resource_arn(const CallContext&, const json::object& in) {
  return {str(in, "resourceArn")};
}

}  // namespace

const Operation<StepFunctionsService> StepFunctionsService::kOperations[] = {
    {"CreateStateMachine", &StepFunctionsService::create_state_machine, new_machine},
    {"DescribeStateMachine", &StepFunctionsService::describe_state_machine, machine_arn},
    {"UpdateStateMachine", &StepFunctionsService::update_state_machine, machine_arn},
    {"DeleteStateMachine", &StepFunctionsService::delete_state_machine, machine_arn},
    {"ListStateMachines", &StepFunctionsService::list_state_machines, services::no_resources},
    {"ValidateStateMachineDefinition", &StepFunctionsService::validate_definition,
     services::no_resources},
    {"TagResource", &StepFunctionsService::tag_resource, resource_arn},
    {"UntagResource", &StepFunctionsService::untag_resource, resource_arn},
    {"ListTagsForResource", &StepFunctionsService::list_tags, resource_arn},
    {"PublishStateMachineVersion", &StepFunctionsService::publish_version, machine_arn},
    {"ListStateMachineVersions", &StepFunctionsService::list_versions, machine_arn},
    {"DeleteStateMachineVersion", &StepFunctionsService::delete_version, version_arn},
    {"CreateStateMachineAlias", &StepFunctionsService::create_alias, alias_machine},
    {"DescribeStateMachineAlias", &StepFunctionsService::describe_alias, alias_arn},
    {"UpdateStateMachineAlias", &StepFunctionsService::update_alias, alias_arn},
    {"ListStateMachineAliases", &StepFunctionsService::list_aliases, machine_arn},
    {"DeleteStateMachineAlias", &StepFunctionsService::delete_alias, alias_arn},
    {"StartExecution", &StepFunctionsService::start_execution, machine_arn},
    {"StartSyncExecution", &StepFunctionsService::start_sync_execution, machine_arn},
    {"DescribeExecution", &StepFunctionsService::describe_execution, execution_arn},
    {"DescribeStateMachineForExecution", &StepFunctionsService::describe_machine_for_execution,
     execution_arn},
    {"GetExecutionHistory", &StepFunctionsService::get_execution_history, execution_arn},
    {"ListExecutions", &StepFunctionsService::list_executions, machine_arn},
    {"StopExecution", &StepFunctionsService::stop_execution, execution_arn},
    {"RedriveExecution", &StepFunctionsService::redrive_execution, execution_arn},
    {"TestState", &StepFunctionsService::test_state, services::no_resources},
    {"ListMapRuns", &StepFunctionsService::list_map_runs, execution_arn},
    {"DescribeMapRun", &StepFunctionsService::describe_map_run, map_run_arn},
    {"UpdateMapRun", &StepFunctionsService::update_map_run, map_run_arn},
    {"CreateActivity", &StepFunctionsService::create_activity, new_activity},
    {"DescribeActivity", &StepFunctionsService::describe_activity, activity_arn},
    {"DeleteActivity", &StepFunctionsService::delete_activity, activity_arn},
    {"ListActivities", &StepFunctionsService::list_activities, services::no_resources},
    {"GetActivityTask", &StepFunctionsService::get_activity_task, activity_arn},
    {"SendTaskSuccess", &StepFunctionsService::send_task_success, services::no_resources},
    {"SendTaskFailure", &StepFunctionsService::send_task_failure, services::no_resources},
    {"SendTaskHeartbeat", &StepFunctionsService::send_task_heartbeat, services::no_resources},
};

StepFunctionsService::StepFunctionsService(Environment& env, services::lambda::Functions* functions,
                                           services::OperationCalls* calls)
    : Service("stepfunctions"),
      env_(env),
      integrations_(functions, calls),
      machines_db_(env.storage->records("sfn.machines")),
      executions_db_(env.storage->records("sfn.executions")),
      history_db_(env.storage->records("sfn.history")),
      activities_db_(env.storage->records("sfn.activities")),
      versions_db_(env.storage->records("sfn.versions")),
      aliases_db_(env.storage->records("sfn.aliases")),
      executor_([&env](std::function<void()> task) { env.workers.post(std::move(task)); }) {
  integrations_.use_apis(env.user_apis, env.clock);
  serve(*this, kOperations);
}

StepFunctionsService::~StepFunctionsService() {
  bound_.reset();  // no delivery starts an execution from here on
  gate_->close();
  timers_.reset();
}

Status StepFunctionsService::start() {
  std::vector<StateMachine> machines;
  std::vector<Execution> executions;
  NIMBUS_TRY(machines_db_.each("", [&](storage::Entry& e) {
    if (auto m = StateMachine::decode(e.value)) machines.push_back(std::move(*m));
  }));
  std::vector<json::object> activities;
  NIMBUS_TRY(activities_db_.each("", [&](storage::Entry& e) {
    if (auto o = parse_object(e.value)) activities.push_back(std::move(*o));
  }));
  std::vector<StateMachine> versions;
  std::vector<Alias> aliases;
  NIMBUS_TRY(versions_db_.each("", [&](storage::Entry& e) {
    if (auto m = StateMachine::decode(e.value)) versions.push_back(std::move(*m));
  }));
  NIMBUS_TRY(aliases_db_.each("", [&](storage::Entry& e) {
    if (auto a = Alias::decode(e.value)) aliases.push_back(std::move(*a));
  }));
  NIMBUS_TRY(executions_db_.each("", [&](storage::Entry& e) {
    if (auto x = Execution::decode(e.value)) executions.push_back(std::move(*x));
  }));
  std::vector<std::string> running, parents;
  std::vector<std::pair<std::string, double>> closed;
  std::vector<std::pair<std::string, int64_t>> waiting;
  {
    MutexLock lock(mu_);
    for (auto& m : machines) machines_.emplace(m.arn, std::move(m));
    for (auto& v : versions) versions_.emplace(v.arn, std::move(v));
    for (auto& a : aliases) aliases_.emplace(a.arn, std::move(a));
    for (const auto& a : activities) activities_[str(a, "arn")] = Activity::decode(a);
    for (auto& x : executions) {
      if (x.status == "RUNNING" && x.machine) {  // (a Map Run's child runs in its parent)
        // Tasks being called go on; a task waiting for its token's answer or
        // a Wait has nothing to resume.
        if (runnable(x.position)) running.push_back(x.arn);
        if (x.wake_ms != 0) waiting.emplace_back(x.arn, x.wake_ms);
        if (!task_children(x.position).empty()) parents.push_back(x.arn);
        // An activity task no worker took before the restart waits again.
        Runner r(*x.machine, x.position, nullptr);
        for (auto& p : r.pending_activities()) {
          pending_[p.resource].push_back({p.token, x.arn, std::move(p.input)});
        }
      }
      if (x.status != "RUNNING") closed.emplace_back(x.arn, x.stop);
      executions_.emplace(x.arn, std::move(x));
    }
  }
  storage::Timers::Options o;
  o.ns = "sfn.timers";
  timers_ = std::make_unique<storage::Timers>(
      *env_.storage, env_.scheduler.clock(), env_.scheduler,
      [this](std::function<void()> f) { env_.workers.post(std::move(f)); }, o);
  timers_->on("wake", [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_wake(std::move(t), std::move(ack));
  });
  timers_->on("timeout", [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_timeout(std::move(t), std::move(ack));
  });
  timers_->on("task", [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_task_timer(std::move(t), std::move(ack), "States.Timeout");
  });
  timers_->on("heartbeat", [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) {
      on_task_timer(std::move(t), std::move(ack), "States.HeartbeatTimeout");
    }
  });
  timers_->on("expire", [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) on_expire(std::move(t), std::move(ack));
  });
  NIMBUS_TRY(timers_->start());
  // A wait whose batch was committed but whose timer was not (a crash in
  // between) gets its timer now.
  for (const auto& [a, ms] : waiting) {
    if (!timers_->contains("wake", a)) {
      timers_->schedule("wake", a, Clock::from_millis(ms), "", [](Status) {});
    }
  }
  // A closed execution whose expiry was not armed (a crash between its
  // last batch and the timer) gets it now.
  for (const auto& [a, stop] : closed) {
    if (!timers_->contains("expire", a)) arm_expiry(a, stop);
  }
  // A .sync task waits for its child again.
  for (const auto& p : parents) watch_child(p);
  // An execution that stopped between two wait points (its last batch was
  // committed, but not the wait it asked for), or whose tasks were being
  // called, goes on from its position.
  for (const auto& a : running) {
    advance(
        a, [](Runner& r, int64_t now) { return r.resume(now); }, [](Status) {});
  }
  return Status::ok();
}

std::string StepFunctionsService::arn(const CallContext& ctx, std::string_view kind,
                                      std::string_view rest) const {
  const std::string& region = ctx.region.empty() ? env_.settings.region : ctx.region;
  const std::string& account = ctx.account_id.empty() ? env_.settings.account_id : ctx.account_id;
  return "arn:aws:states:" + region + ":" + account + ":" + std::string(kind) + ":" +
         std::string(rest);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 80) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || std::isspace(c)) return false;
    if (std::string_view("<>{}[]?*\"#%\\^|~`$&,;:/").find(static_cast<char>(c)) !=
        std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace nimbus::sfn
