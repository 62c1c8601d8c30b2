// Executions: start (Standard, durable; Express, in memory), describe,
// history, list, stop.
#include <algorithm>
#include <atomic>
#include <chrono>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/stepfunctions/stepfunctions_service.h"
#include "storage/key_codec.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

bool execution_arn_shape(const std::string& a) {
  return a.starts_with("arn:aws:states:") &&
         (a.find(":execution:") != std::string::npos || a.find(":express:") != std::string::npos);
}

// What StartExecution and StartSyncExecution are given, checked as AWS
// checks it (the machine ARN's shape, the name, the input's size and JSON).
struct StartRequest {
  std::string machine_arn;
  std::string name;
  std::string input;
  json::value parsed_input;
};

Result<StartRequest> start_request(const json::object& in) {
  StartRequest r;
  r.machine_arn = str(in, "stateMachineArn");
  if (!machine_ref(r.machine_arn)) return errors::invalid_arn(r.machine_arn);
  r.name = has(in, "name") ? str(in, "name") : new_request_id();
  if (!valid_name(r.name)) return errors::invalid_name(r.name);
  r.input = has(in, "input") ? str(in, "input") : "{}";
  if (r.input.size() > kMaxPayloadBytes) {
    return errors::invalid_input("Input is larger than the maximum of 262144 bytes");
  }
  json::error_code ec;
  r.parsed_input = json::parse(r.input, ec);
  if (ec) return errors::invalid_input("Unexpected input: " + ec.message());
  return r;
}

}  // namespace

// An Express execution: the runner and what it answers, alive until the end.
struct ExpressRun {
  ExpressRun(std::shared_ptr<const asl::Machine> m, json::value context)
      : machine(std::move(m)), runner(*machine, nullptr, std::move(context)) {}
  std::shared_ptr<const asl::Machine> machine;
  Runner runner;
  std::string arn;
  std::string role_arn;  // the machine's: tasks are authorized as it
  Respond respond;       // null for StartExecution on an Express machine
  json::object out;
  int64_t start_ms = 0;
  Mutex mu;             // held while the runner moves: one thread at a time
  bool ended = false;   // answered
  int64_t wake_at = 0;  // the earliest wake on the Scheduler (0: none)
};

void StepFunctionsService::start_execution(const CallContext& ctx, json::object in,
                                           Respond respond) {
  auto request = start_request(in);
  if (!request) return respond(request.take_error());
  const std::string& machine_arn = request->machine_arn;
  const std::string& name = request->name;
  const std::string& input = request->input;
  const json::value& parsed_input = request->parsed_input;
  Execution e;
  std::optional<int64_t> timeout;
  bool express = false;
  {
    MutexLock lock(mu_);
    auto target = start_target(machine_arn);
    if (!target) return respond(target.take_error());
    const StateMachine& m = *target->machine;
    express = m.type == "EXPRESS";
    e.machine = m.machine;
    e.definition = m.definition;
    e.role_arn = m.role_arn;
    e.version_arn = target->version_arn;
    e.alias_arn = target->alias_arn;
    timeout = e.machine->timeout_seconds;
    e.arn = arn(ctx, "execution", m.name + ":" + name);
    if (!express) {
      auto old = executions_.find(e.arn);
      if (old != executions_.end()) {
        // The same name and input while it runs: the same execution.
        if (old->second.status == "RUNNING" && old->second.input == input) {
          return respond(json::object{{"executionArn", e.arn}, {"startDate", old->second.start}});
        }
        return respond(errors::execution_exists(e.arn));
      }
    }
    e.machine_arn = machine_ref(machine_arn)->machine;
    e.name = name;
    e.input = input;
    e.start = static_cast<double>(env_.clock.now_millis()) / 1000.0;
    if (!express) executions_.emplace(e.arn, e);
  }
  if (express) {
    e.arn = arn(
        ctx, "express",
        e.machine_arn.substr(e.machine_arn.rfind(':') + 1) + ":" + name + ":" + new_request_id());
    auto run = std::make_shared<ExpressRun>(e.machine, context_of(e));
    run->arn = e.arn;
    run->role_arn = e.role_arn;
    run->runner.set_token_source([arn = e.arn] { return new_task_token(arn); });
    int64_t now = env_.clock.now_millis();
    run->start_ms = now;
    MutexLock lock(run->mu);
    drive_express(run, run->runner.start(parsed_input, now));
    return respond(json::object{{"executionArn", e.arn}, {"startDate", e.start}});
  }
  json::object started{{"input", input},
                       {"inputDetails", json::object{{"truncated", false}}},
                       {"roleArn", e.role_arn}};
  advance(
      e.arn,
      [started, parsed_input](Runner& r, int64_t now) {
        r.events().push_back({"ExecutionStarted", "executionStartedEventDetails", started});
        return r.start(parsed_input, now);
      },
      [this, e, timeout, respond = std::move(respond)](Status st) {
        if (!st) {
          MutexLock lock(mu_);
          executions_.erase(e.arn);
          return respond(st.error());
        }
        if (timeout) {
          timers_->schedule(
              "timeout", e.arn,
              Clock::from_millis(static_cast<int64_t>(e.start * 1000) + *timeout * 1000), "",
              [](Status) {});
        }
        respond(json::object{{"executionArn", e.arn}, {"startDate", e.start}});
      });
}

void StepFunctionsService::drive_express(std::shared_ptr<ExpressRun> run, Stop stop) {
  int64_t now = env_.clock.now_millis();
  run->runner.events().clear();
  if (run->ended) return;
  if (stop.kind == Stop::kRunning) {
    for (auto& t : stop.tasks) {
      if (run->ended) return;
      if (!task_target(t.call.resource).pattern.empty()) {
        // As on AWS, Express workflows run no .sync or .waitForTaskToken task.
        drive_express(run, run->runner.task_failed(
                               t.token,
                               {"States.Runtime",
                                "Express state machines do not support '" + t.call.resource + "'"},
                               now, 0));
        continue;
      }
      // The first of the task's answer and its TimeoutSeconds goes on; the
      // other is dropped.
      auto first = std::make_shared<std::atomic<bool>>(false);
      auto finish = [this, run, first, token = t.token, gate = gate_](TaskOutcome o) {
        auto in = gate->hold();
        if (!in || first->exchange(true)) return;
        env_.workers.post([this, run, gate, token, o = std::move(o)] {
          auto in = gate->hold();
          if (!in) return;
          MutexLock lock(run->mu);
          if (run->ended) return;
          int64_t at = env_.clock.now_millis();
          drive_express(run, o.ok ? run->runner.task_succeeded(token, o.output, at)
                                  : run->runner.task_failed(token, o.failure, at, retry_jitter()));
        });
      };
      if (t.call.timeout_seconds) {
        env_.scheduler.after(std::chrono::seconds(*t.call.timeout_seconds), [finish] {
          finish(TaskOutcome{false, nullptr, {"States.Timeout", ""}});
        });
      }
      integrations_.call(
          {t.call.resource, std::move(t.call.parameters), run->arn, t.call.io, run->role_arn},
          finish);
    }
    if (run->ended || stop.until_ms == 0) return;
    if (now - run->start_ms <= 5 * 60 * 1000) {
      // One Scheduler entry for the earliest wait; a later one is armed when
      // that one has run.
      if (run->wake_at != 0 && run->wake_at <= stop.until_ms) return;
      int64_t until = stop.until_ms;
      run->wake_at = until;
      auto resume = [this, run, until, gate = gate_] {
        auto in = gate->hold();
        if (!in) return;
        env_.workers.post([this, run, until, gate] {
          auto in = gate->hold();
          if (!in) return;
          MutexLock lock(run->mu);
          if (run->ended) return;
          if (run->wake_at == until) run->wake_at = 0;
          drive_express(run, run->runner.wake(env_.clock.now_millis()));
        });
      };
      env_.scheduler.at(Clock::from_millis(until), std::move(resume));
      return;
    }
    stop =
        Stop{Stop::kFailed, 0, {}, {}, {"States.Timeout", "The execution has exceeded 5 minutes."}};
  }
  run->ended = true;
  if (!run->respond) return;
  json::object& out = run->out;
  out["stopDate"] = static_cast<double>(now) / 1000.0;
  if (stop.kind == Stop::kSucceeded) {
    out["status"] = "SUCCEEDED";
    out["output"] = json::serialize(stop.output);
    out["outputDetails"] = json::object{{"included", true}};
  } else {
    out["status"] = stop.failure.error == "States.Timeout" ? "TIMED_OUT" : "FAILED";
    out["error"] = stop.failure.error;
    out["cause"] = stop.failure.cause;
  }
  out["billingDetails"] =
      json::object{{"billedMemoryUsedInMB", 64},
                   {"billedDurationInMilliseconds", std::max<int64_t>(100, now - run->start_ms)}};
  run->respond(std::move(out));
}

void StepFunctionsService::start_sync_execution(const CallContext& ctx, json::object in,
                                                Respond respond) {
  auto request = start_request(in);
  if (!request) return respond(request.take_error());
  const std::string& machine_arn = request->machine_arn;
  const std::string& name = request->name;
  const std::string& input = request->input;
  const json::value& parsed_input = request->parsed_input;
  Execution e;
  {
    MutexLock lock(mu_);
    auto target = start_target(machine_arn);
    if (!target) return respond(target.take_error());
    const StateMachine& m = *target->machine;
    if (m.type != "EXPRESS") {
      return respond(errors::type_not_supported(
          "This operation is not supported by this type of state machine"));
    }
    e.machine = m.machine;
    e.role_arn = m.role_arn;
    e.arn = arn(ctx, "express", m.name + ":" + name + ":" + new_request_id());
  }
  e.machine_arn = machine_ref(machine_arn)->machine;
  e.name = name;
  e.input = input;
  e.start = static_cast<double>(env_.clock.now_millis()) / 1000.0;
  auto run = std::make_shared<ExpressRun>(e.machine, context_of(e));
  run->arn = e.arn;
  run->runner.set_token_source([arn = e.arn] { return new_task_token(arn); });
  run->respond = std::move(respond);
  run->start_ms = env_.clock.now_millis();
  run->out =
      json::object{{"executionArn", e.arn}, {"stateMachineArn", e.machine_arn},
                   {"name", name},          {"startDate", e.start},
                   {"input", input},        {"inputDetails", json::object{{"included", true}}}};
  MutexLock lock(run->mu);
  drive_express(run, run->runner.start(parsed_input, run->start_ms));
}

Output StepFunctionsService::describe_execution(const CallContext&, const json::object& in) const {
  std::string a = str(in, "executionArn");
  if (!execution_arn_shape(a)) return errors::invalid_arn(a);
  MutexLock lock(mu_);
  auto it = executions_.find(a);
  if (it == executions_.end()) return errors::execution_missing(a);
  const Execution& e = it->second;
  json::object out{{"executionArn", e.arn},
                   {"stateMachineArn", e.machine_arn},
                   {"name", e.name},
                   {"status", e.status},
                   {"startDate", e.start},
                   {"input", e.input},
                   {"inputDetails", json::object{{"included", true}}}};
  if (e.status != "RUNNING") out["stopDate"] = e.stop;
  if (e.status == "SUCCEEDED") {
    out["output"] = e.output;
    out["outputDetails"] = json::object{{"included", true}};
  }
  if (!e.error.empty()) out["error"] = e.error;
  if (!e.cause.empty()) out["cause"] = e.cause;
  int64_t now = env_.clock.now_millis();
  redrive_fields(e, out);
  std::string why = redrive_block(e, now);
  out["redriveStatus"] = why.empty() ? "REDRIVABLE" : "NOT_REDRIVABLE";
  if (!why.empty()) out["redriveStatusReason"] = why;
  if (!e.version_arn.empty()) out["stateMachineVersionArn"] = e.version_arn;
  if (!e.alias_arn.empty()) out["stateMachineAliasArn"] = e.alias_arn;
  if (!e.map_run_arn.empty()) out["mapRunArn"] = e.map_run_arn;
  return out;
}

Output StepFunctionsService::describe_machine_for_execution(const CallContext&,
                                                            const json::object& in) const {
  std::string a = str(in, "executionArn");
  if (!execution_arn_shape(a)) return errors::invalid_arn(a);
  MutexLock lock(mu_);
  auto it = executions_.find(a);
  if (it == executions_.end()) return errors::execution_missing(a);
  const Execution& e = it->second;
  json::object out{{"stateMachineArn", e.machine_arn},
                   {"name", e.machine_arn.substr(e.machine_arn.rfind(':') + 1)},
                   {"definition", e.definition},
                   {"roleArn", e.role_arn},
                   {"updateDate", e.start}};
  if (!e.map_run_arn.empty()) {
    // A child of a Map Run: its machine is MACHINE/LABEL, its definition
    // its parent's.
    if (auto p = executions_.find(e.parent_arn); p != executions_.end()) {
      out["definition"] = p->second.definition;
    }
    out["mapRunArn"] = e.map_run_arn;
    out["label"] = e.machine_arn.substr(e.machine_arn.rfind('/') + 1);
  }
  if (auto m = machines_.find(e.machine_arn); m != machines_.end()) {
    out["loggingConfiguration"] = m->second.logging;
    out["tracingConfiguration"] = m->second.tracing;
  }
  return out;
}

Output StepFunctionsService::get_execution_history(const CallContext&,
                                                   const json::object& in) const {
  std::string a = str(in, "executionArn");
  if (!execution_arn_shape(a)) return errors::invalid_arn(a);
  {
    MutexLock lock(mu_);
    if (!executions_.contains(a)) return errors::execution_missing(a);
  }
  int64_t max = integer(in, "maxResults").value_or(0);
  size_t limit = max <= 0 ? 100 : static_cast<size_t>(std::min<int64_t>(max, 1000));
  bool reverse = boolean(in, "reverseOrder").value_or(false);
  bool data = boolean(in, "includeExecutionData").value_or(true);
  std::string prefix = storage::encode_key(a);
  std::string from;
  if (has(in, "nextToken")) {
    auto id = integer(in, "nextToken");
    if (!id) return Error::make("InvalidToken", "Invalid Token: '" + str(in, "nextToken") + "'");
    from = storage::encode_key(a, static_cast<uint64_t>(*id));
  }
  auto rows = reverse ? history_db_.scan_reverse(prefix, limit + 1, from)
                      : history_db_.scan(prefix, limit + 1, from);
  if (!rows) return rows.error();
  json::array events;
  std::string next;
  for (auto& row : *rows) {
    if (events.size() == limit) {
      next = std::to_string(events.back().as_object().at("id").to_number<int64_t>());
      break;
    }
    auto o = parse_object(row.value);
    if (!o) continue;
    if (!data) {
      for (auto& [k, v] : *o) {
        if (!v.is_object()) continue;
        for (const char* f : {"input", "output"}) v.as_object().erase(f);
      }
    }
    events.push_back(std::move(*o));
  }
  json::object out{{"events", std::move(events)}};
  if (!next.empty()) out["nextToken"] = next;
  return out;
}

Output StepFunctionsService::list_executions(const CallContext&, const json::object& in) const {
  // A machine's executions, or those started on one of its versions or
  // aliases.
  std::string machine = str(in, "stateMachineArn");
  std::string map_run = str(in, "mapRunArn");
  if (!map_run.empty() && !machine.empty()) {
    return errors::validation("Only one of stateMachineArn and mapRunArn can be specified");
  }
  std::optional<MachineRef> ref;
  if (map_run.empty()) {
    ref = machine_ref(machine);
    if (!ref) return errors::invalid_arn(machine);
  } else if (!map_run.starts_with("arn:aws:states:") ||
             map_run.find(":mapRun:") == std::string::npos) {
    return errors::invalid_arn(map_run);
  }
  std::string status = str(in, "statusFilter");
  std::string redriven = str(in, "redriveFilter");
  int64_t max = integer(in, "maxResults").value_or(0);
  size_t limit = max <= 0 ? 100 : static_cast<size_t>(std::min<int64_t>(max, 1000));
  size_t offset = 0;
  if (has(in, "nextToken")) {
    auto n = integer(in, "nextToken");
    if (!n || *n < 0)
      return Error::make("InvalidToken", "Invalid Token: '" + str(in, "nextToken") + "'");
    offset = static_cast<size_t>(*n);
  }
  std::vector<const Execution*> found;
  MutexLock lock(mu_);
  if (!map_run.empty()) {
    // A Map Run is in its parent's position ("map_runs").
    bool known = std::any_of(executions_.begin(), executions_.end(), [&map_run](const auto& x) {
      const auto* p = x.second.position.if_object();
      const auto* runs = p != nullptr ? p->if_contains("map_runs") : nullptr;
      return runs != nullptr && runs->is_object() && runs->as_object().contains(map_run);
    });
    if (!known) return errors::resource_missing(map_run);
  } else if (ref->version() ? !versions_.contains(machine)
             : ref->alias() ? !aliases_.contains(machine)
                            : !machines_.contains(machine)) {
    return ref->alias() ? errors::resource_missing(machine) : errors::machine_missing(machine);
  }
  for (const auto& [a, e] : executions_) {
    const std::string& by = !map_run.empty() ? e.map_run_arn
                            : ref->version() ? e.version_arn
                            : ref->alias()   ? e.alias_arn
                                             : e.machine_arn;
    if (!map_run.empty()) {
      if (by == map_run && (status.empty() || e.status == status)) found.push_back(&e);
      continue;
    }
    bool redrive_ok = redriven.empty() || (redriven == "REDRIVEN") == (e.redrive_count > 0);
    if (by == machine && (status.empty() || e.status == status) && redrive_ok) {
      found.push_back(&e);
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const Execution* x, const Execution* y) { return x->start > y->start; });
  json::array list;
  for (size_t i = offset; i < found.size() && list.size() < limit; ++i) {
    const Execution& e = *found[i];
    json::object o{{"executionArn", e.arn},
                   {"stateMachineArn", e.machine_arn},
                   {"name", e.name},
                   {"status", e.status},
                   {"startDate", e.start}};
    if (e.status != "RUNNING") o["stopDate"] = e.stop;
    redrive_fields(e, o);
    if (!e.version_arn.empty()) o["stateMachineVersionArn"] = e.version_arn;
    if (!e.alias_arn.empty()) o["stateMachineAliasArn"] = e.alias_arn;
    if (!map_run.empty()) {
      o["mapRunArn"] = e.map_run_arn;
      o["itemCount"] = e.items;
    }
    list.push_back(std::move(o));
  }
  json::object out{{"executions", std::move(list)}};
  if (offset + limit < found.size()) out["nextToken"] = std::to_string(offset + limit);
  return out;
}

void StepFunctionsService::stop_execution(const CallContext&, json::object in, Respond respond) {
  std::string a = str(in, "executionArn");
  if (!execution_arn_shape(a)) return respond(errors::invalid_arn(a));
  {
    MutexLock lock(mu_);
    if (!executions_.contains(a)) return respond(errors::execution_missing(a));
  }
  json::object details;
  if (has(in, "error")) details["error"] = str(in, "error");
  if (has(in, "cause")) details["cause"] = str(in, "cause");
  end_execution(a, "ABORTED", "ExecutionAborted", "executionAbortedEventDetails",
                std::move(details), [this, a, respond = std::move(respond)](Status st) {
                  if (!st) return respond(st.error());
                  MutexLock lock(mu_);
                  auto it = executions_.find(a);
                  respond(json::object{{"stopDate", it->second.stop}});
                });
}

}  // namespace nimbus::sfn
