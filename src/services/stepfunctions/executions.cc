// The Standard execution driver: each stretch of an execution between two
// wait points runs in the execution's turn (PartitionExecutor keyed by its
// ARN) on the worker pool and is committed as one batch: its history events
// and its new position. A Wait state or a retry delay becomes a "wake" timer
// (storage::Timers), a machine's TimeoutSeconds a "timeout" timer.
#include <algorithm>
#include <chrono>
#include <random>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/request_id.h"
#include "common/time_format.h"
#include "services/stepfunctions/stepfunctions_service.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

constexpr int64_t kMaxEvents = 25000;

// Execution `e`'s new history events into `batch`, numbered from its next.
void put_events(storage::WriteBatch& batch, Execution& e, std::vector<HistoryEvent>& events,
                double now_s) {
  for (auto& ev : events) {
    json::object o{{"timestamp", now_s},
                   {"type", ev.type},
                   {"id", e.next_event},
                   {"previousEventId", e.next_event - 1}};
    if (!ev.details_key.empty()) o[ev.details_key] = std::move(ev.details);
    batch.put("sfn.history", storage::encode_key(e.arn, static_cast<uint64_t>(e.next_event)),
              json::serialize(o));
    ++e.next_event;
  }
}

}  // namespace

double retry_jitter() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

std::string new_task_token(const std::string& execution_arn) {
  return base64_encode(execution_arn) + "." + new_request_id();
}

json::value StepFunctionsService::context_of(const Execution& e) const {
  json::error_code ec;
  json::value input = json::parse(e.input, ec);
  auto colon = e.machine_arn.rfind(':');
  return json::object{
      {"Execution", json::object{{"Id", e.arn},
                                 {"Input", ec ? json::value(nullptr) : input},
                                 {"Name", e.name},
                                 {"RoleArn", e.role_arn},
                                 {"StartTime", utc_millis(static_cast<int64_t>(e.start * 1000))}}},
      {"StateMachine",
       json::object{{"Id", e.machine_arn}, {"Name", e.machine_arn.substr(colon + 1)}}}};
}

void StepFunctionsService::advance(const std::string& arn, Act act,
                                   std::function<void(Status)> done, Prepare prepare) {
  {
    MutexLock lock(mu_);
    auto& queue = advancing_[arn];
    queue.push_back({std::move(act), std::move(done), std::move(prepare)});
    if (queue.size() > 1) return;  // the turn already asked for takes it
  }
  // A turn may come after the service began to stop (the commit that
  // releases the last one answers on the committer): enter the gate before
  // touching anything of the service.
  executor_.submit(arn, [this, gate = gate_, arn](storage::PartitionExecutor::Turn turn) {
    auto in = gate->hold();
    if (!in) return;
    run_advances(arn, std::move(turn));
  });
}

void StepFunctionsService::run_advances(const std::string& arn,
                                        storage::PartitionExecutor::Turn turn) {
  std::vector<Advance> work;
  bool more = false;
  {
    MutexLock lock(mu_);
    auto it = advancing_.find(arn);
    if (it == advancing_.end()) return;
    auto& queue = it->second;
    // One with `prepare` alone; else every one up to the next with one.
    do {
      work.push_back(std::move(queue.front()));
      queue.pop_front();
    } while (!work.front().prepare && !queue.empty() && !queue.front().prepare);
    more = !queue.empty();
    if (!more) advancing_.erase(it);
  }
  // What is left waits for a turn of its own, after this one.
  if (more) {
    executor_.submit(arn, [this, gate = gate_, arn](storage::PartitionExecutor::Turn next) {
      auto in = gate->hold();
      if (!in) return;
      run_advances(arn, std::move(next));
    });
  }
  apply(arn, std::move(work), std::move(turn));
}

void StepFunctionsService::apply(const std::string& arn, std::vector<Advance> work,
                                 storage::PartitionExecutor::Turn turn) {
  auto finish = [&work](const Status& st) {
    for (auto& w : work) w.done(st);
  };
  auto in = gate_->hold();
  if (!in) return finish(Error::internal("Step Functions is shutting down"));
  Execution e;
  {
    MutexLock lock(mu_);
    auto it = executions_.find(arn);
    if (it == executions_.end()) return finish(errors::execution_missing(arn));
    e = it->second;
  }
  int64_t now = env_.clock.now_millis();
  if (work.front().prepare) {
    if (auto st = work.front().prepare(e, now); !st) return finish(st);
  }
  if (e.status != "RUNNING") return finish(Status::ok());
  std::vector<std::string> before = task_tokens(e.position);
  Runner r(*e.machine, std::move(e.position), context_of(e));
  r.set_token_source([&arn] { return new_task_token(arn); });
  // Each act sees what the ones before it did; the last stop says where the
  // execution is, the tasks are every act's.
  std::optional<Stop> acted;
  std::vector<NewTask> tasks;
  for (auto& w : work) {
    if (acted && acted->kind != Stop::kRunning) break;  // ended: the rest are stale
    std::optional<Stop> s = w.act(r, now);
    if (!s) continue;  // a stale answer: nothing to do
    std::move(s->tasks.begin(), s->tasks.end(), std::back_inserter(tasks));
    acted = std::move(s);
  }
  if (!acted) return finish(Status::ok());
  Stop stop = std::move(*acted);
  // A task entered by one act and ended or abandoned by a later one is not
  // called.
  std::erase_if(tasks, [&r](const NewTask& t) { return !r.awaits(t.token); });
  storage::WriteBatch batch(arn);
  double now_s = static_cast<double>(now) / 1000.0;
  put_events(batch, e, r.events(), now_s);
  e.position = r.take_position();
  e.wake_ms = 0;
  bool yield = false;
  if (e.next_event > kMaxEvents && stop.kind == Stop::kRunning) {
    stop = Stop{
        Stop::kFailed,
        0,
        {},
        {},
        {"States.Runtime", "The execution reached the maximum number of history events (25000)."}};
    tasks.clear();
  }
  switch (stop.kind) {
    case Stop::kRunning:
      if (stop.until_ms > now) {
        e.wake_ms = stop.until_ms;
      } else if (stop.until_ms != 0) {
        yield = true;
      }
      break;
    case Stop::kSucceeded:
      e.status = "SUCCEEDED";
      e.output = json::serialize(stop.output);
      e.stop = now_s;
      break;
    case Stop::kFailed:
      e.status = "FAILED";
      e.error = stop.failure.error;
      e.cause = stop.failure.cause;
      e.stop = now_s;
      break;
  }
  batch.put("sfn.executions", arn, e.serialize());
  std::vector<Execution> children;
  record_child_runs(r.child_runs(), e, now_s, batch, children);
  // The timers of tasks no longer waited for (answered, aborted with their
  // branch, or their execution ended).
  std::vector<std::string> after = task_tokens(e.position);
  std::erase_if(before, [&after](const std::string& t) {
    return std::find(after.begin(), after.end(), t) != after.end();
  });
  env_.storage->commit(
      std::move(batch),
      [this, turn, e = std::move(e), yield, children = std::move(children), work = std::move(work),
       tasks = std::move(tasks), gone = std::move(before), gate = gate_](Status st) mutable {
        auto finish = [&work](const Status& s) {
          for (auto& w : work) w.done(s);
        };
        auto in = gate->hold();
        if (!in) return finish(Error::internal("Step Functions is shutting down"));
        if (!st) return finish(st);
        {
          // All but the position is copied; the position moves in (what
          // follows does not read it).
          json::value position = std::move(e.position);
          MutexLock lock(mu_);
          auto& stored = executions_[e.arn];
          stored = e;
          stored.position = std::move(position);
          for (const auto& c : children) executions_[c.arn] = c;
        }
        turn.release();
        for (const auto& c : children) {
          if (c.status != "RUNNING") arm_expiry(c.arn, c.stop);
        }
        for (const auto& token : gone) {
          for (const char* kind : {"task", "heartbeat"})
            timers_->cancel(kind, token, [](Status) {});
        }
        if (e.wake_ms != 0)
          timers_->schedule("wake", e.arn, Clock::from_millis(e.wake_ms), "", [](Status) {});
        if (e.status != "RUNNING") {
          for (const char* kind : {"timeout", "task", "heartbeat"}) {
            timers_->cancel(kind, e.arn, [](Status) {});
          }
          arm_expiry(e.arn, e.stop);
          child_ended(e);
        }
        if (yield) {
          advance(
              e.arn, [](Runner& r, int64_t now) { return r.wake(now); }, [](Status) {});
        }
        for (auto& task : tasks) {
          arm_task_timers(task.call, task.token);
          if (is_activity(task.call.resource)) {
            queue_activity(task.call.resource,
                           {task.token, e.arn, json::serialize(task.call.parameters)});
          } else {
            run_task(e.arn, e.role_arn, std::move(task.call), task.token);
          }
        }
        finish(Status::ok());
      });
}

void StepFunctionsService::record_child_runs(std::map<std::string, ChildRun>& runs,
                                             const Execution& parent, double now_s,
                                             storage::WriteBatch& batch,
                                             std::vector<Execution>& out) {
  for (auto& [arn, run] : runs) {
    Execution c;
    if (run.started) {
      // arn:aws:states:R:A:mapRun:MACHINE/LABEL:ID runs children of
      // arn:aws:states:R:A:stateMachine:MACHINE/LABEL.
      std::string machine = run.map_run.substr(0, run.map_run.rfind(':'));
      if (auto at = machine.find(":mapRun:"); at != std::string::npos) {
        machine.replace(at, 8, ":stateMachine:");
      }
      c.arn = arn;
      c.machine_arn = machine;
      c.name = arn.substr(arn.rfind(':') + 1);
      c.input = run.input;
      c.start = static_cast<double>(run.start_ms) / 1000.0;
      c.role_arn = parent.role_arn;
      c.parent_arn = parent.arn;
      c.map_run_arn = run.map_run;
      c.items = run.items;
    } else {
      MutexLock lock(mu_);
      auto it = executions_.find(arn);
      // Gone (expired), or stopped by StopExecution: the record stays.
      if (it == executions_.end() || it->second.status != "RUNNING") continue;
      c = it->second;
    }
    put_events(batch, c, run.events, now_s);
    if (run.status != "RUNNING") {
      c.status = run.status;
      c.output = run.output;
      c.error = run.error;
      c.cause = run.cause;
      c.stop = now_s;
    }
    batch.put("sfn.executions", arn, c.serialize());
    out.push_back(std::move(c));
  }
}

void StepFunctionsService::run_task(const std::string& arn, const std::string& role_arn,
                                    asl::TaskCall task, const std::string& token) {
  TaskTarget target = task_target(task.resource);
  bool callback = target.pattern == ".waitForTaskToken";
  bool child = runs_child(target);
  integrations_.call({task.resource, std::move(task.parameters), arn, task.io, role_arn},
                     [this, arn, token, callback, child, gate = gate_](TaskOutcome o) {
                       auto in = gate->hold();
                       if (!in) return;
                       advance(
                           arn,
                           [o = std::move(o), token, callback, child](
                               Runner& r, int64_t now) -> std::optional<Stop> {
                             if (!r.awaits(token)) return std::nullopt;
                             if (!o.ok) return r.task_failed(token, o.failure, now, retry_jitter());
                             // A callback task goes on when its token is answered.
                             if (callback) return r.task_submitted(token, o.output, "", now);
                             if (child) {
                               std::string c = o.output.is_object()
                                                   ? str(o.output.as_object(), "ExecutionArn")
                                                   : "";
                               if (c.find(":execution:") == std::string::npos) {
                                 return r.task_failed(
                                     token,
                                     {"States.Runtime",
                                      "nimbus waits only for Standard executions, not '" + c + "'"},
                                     now, 0);
                               }
                               return r.task_submitted(token, o.output, c, now);
                             }
                             return r.task_succeeded(token, o.output, now);
                           },
                           [this, arn, child](Status st) {
                             if (st && child) watch_child(arn);
                           });
                     });
}

void StepFunctionsService::watch_child(const std::string& parent) {
  std::vector<Execution> ended;
  {
    MutexLock lock(mu_);
    auto p = executions_.find(parent);
    if (p == executions_.end() || p->second.status != "RUNNING") return;
    for (const auto& child : task_children(p->second.position)) {
      children_[child] = parent;
      auto c = executions_.find(child);
      if (c != executions_.end() && c->second.status != "RUNNING") ended.push_back(c->second);
    }
  }
  for (const auto& c : ended) child_ended(c);
}

void StepFunctionsService::child_ended(const Execution& child) {
  std::string parent;
  {
    MutexLock lock(mu_);
    auto it = children_.find(child.arn);
    if (it == children_.end()) return;
    parent = it->second;
    children_.erase(it);
  }
  advance(
      parent,
      [child](Runner& r, int64_t now) -> std::optional<Stop> {
        std::string token = r.child_token(child.arn);
        if (token.empty()) return std::nullopt;
        json::object out =
            sync_output(child, task_target(r.task_resource(token)).pattern == ".sync:2");
        if (child.status == "SUCCEEDED") return r.task_succeeded(token, std::move(out), now);
        return r.task_failed(token, {"States.TaskFailed", json::serialize(out)}, now,
                             retry_jitter());
      },
      [](Status) {});
}

json::object sync_output(const Execution& c, bool parsed) {
  auto doc = [parsed](const std::string& text) -> json::value {
    if (!parsed) return json::value(text);
    json::error_code ec;
    json::value v = json::parse(text, ec);
    return ec ? json::value(text) : v;
  };
  json::object o{{"ExecutionArn", c.arn},
                 {"StateMachineArn", c.machine_arn},
                 {"Name", c.name},
                 {"Status", c.status},
                 {"StartDate", static_cast<int64_t>(c.start * 1000)},
                 {"StopDate", static_cast<int64_t>(c.stop * 1000)},
                 {"Input", doc(c.input)},
                 {"InputDetails", json::object{{"Included", true}}}};
  if (c.status == "SUCCEEDED") {
    o["Output"] = doc(c.output);
    o["OutputDetails"] = json::object{{"Included", true}};
  }
  if (!c.error.empty()) o["Error"] = c.error;
  if (!c.cause.empty()) o["Cause"] = c.cause;
  return o;
}

void StepFunctionsService::on_wake(storage::DueTimer t, storage::Timers::Ack ack) {
  {
    MutexLock lock(mu_);
    auto it = executions_.find(t.id);
    // Stale (the execution ended or waits for a later time): nothing to do.
    if (it == executions_.end() || it->second.status != "RUNNING" || it->second.wake_ms == 0 ||
        it->second.wake_ms > env_.clock.now_millis()) {
      return ack(Status::ok());
    }
  }
  advance(
      t.id, [](Runner& r, int64_t now) { return r.wake(now); }, [ack](Status st) { ack(st); });
}

void StepFunctionsService::on_timeout(storage::DueTimer t, storage::Timers::Ack ack) {
  end_execution(t.id, "TIMED_OUT", "ExecutionTimedOut", "executionTimedOutEventDetails",
                json::object{{"error", "States.Timeout"},
                             {"cause", "The execution has exceeded its TimeoutSeconds."}},
                [ack](Status st) { ack(st); });
}

namespace {
constexpr int64_t kRetentionMs = int64_t{90} * 24 * 3600 * 1000;

int64_t expires_ms(double stop_s) {
  return static_cast<int64_t>(stop_s * 1000) + kRetentionMs;
}
}  // namespace

void StepFunctionsService::arm_expiry(const std::string& arn, double stop_s) {
  timers_->schedule("expire", arn, Clock::from_millis(expires_ms(stop_s)), "", [](Status) {});
}

void StepFunctionsService::on_expire(storage::DueTimer t, storage::Timers::Ack ack) {
  executor_.submit(t.id, [this, arn = t.id, ack = std::move(ack),
                          gate = gate_](storage::PartitionExecutor::Turn turn) {
    auto in = gate->hold();
    if (!in) return ack(Error::internal("Step Functions is shutting down"));
    {
      MutexLock lock(mu_);
      auto it = executions_.find(arn);
      // Gone already, redriven (running again), or closed again later: the
      // timer its last close armed decides.
      if (it == executions_.end() || it->second.status == "RUNNING" ||
          expires_ms(it->second.stop) > env_.clock.now_millis()) {
        return ack(Status::ok());
      }
    }
    storage::WriteBatch batch(arn);
    batch.del("sfn.executions", arn);
    std::string prefix = storage::encode_key(arn);
    batch.del_range("sfn.history", prefix, storage::prefix_successor(prefix));
    env_.storage->commit(std::move(batch), [this, turn, arn, ack, gate](Status st) {
      auto in = gate->hold();
      if (!in) return ack(Error::internal("Step Functions is shutting down"));
      if (st) {
        MutexLock lock(mu_);
        executions_.erase(arn);
      }
      ack(st);
    });
  });
}

void StepFunctionsService::end_execution(const std::string& arn, std::string status,
                                         std::string type, std::string key, json::object details,
                                         std::function<void(Status)> done) {
  executor_.submit(arn, [this, arn, status, type, key, details, done = std::move(done),
                         gate = gate_](storage::PartitionExecutor::Turn turn) {
    auto in = gate->hold();
    if (!in) return done(Error::internal("Step Functions is shutting down"));
    Execution e;
    {
      MutexLock lock(mu_);
      auto it = executions_.find(arn);
      if (it == executions_.end()) return done(errors::execution_missing(arn));
      e = it->second;
    }
    if (e.status != "RUNNING") return done(Status::ok());
    int64_t now = env_.clock.now_millis();
    double now_s = static_cast<double>(now) / 1000.0;
    json::object o{{"timestamp", now_s},
                   {"type", type},
                   {"id", e.next_event},
                   {"previousEventId", e.next_event - 1},
                   {key, details}};
    storage::WriteBatch batch(arn);
    batch.put("sfn.history", storage::encode_key(arn, static_cast<uint64_t>(e.next_event)),
              json::serialize(o));
    ++e.next_event;
    e.status = status;
    e.stop = now_s;
    e.wake_ms = 0;
    if (const auto* err = details.if_contains("error")) e.error = err->as_string();
    if (const auto* c = details.if_contains("cause")) e.cause = c->as_string();
    batch.put("sfn.executions", arn, e.serialize());
    // The distributed Maps' child executions in flight end with it.
    std::map<std::string, ChildRun> runs;
    for (const auto& found : running_child_runs(e.position)) {
      const std::string& child = found.first;
      auto& run = runs[child];
      run.arn = child;
      run.status = "ABORTED";
      run.events.push_back({"ExecutionAborted", "", {}});
    }
    std::vector<Execution> children;
    record_child_runs(runs, e, now_s, batch, children);
    // The executions its `.sync` tasks wait for are stopped after it (the
    // role a .sync StartExecution needs holds states:StopExecution for
    // this).
    std::vector<std::string> sync_children = task_children(e.position);
    env_.storage->commit(
        std::move(batch),
        [this, turn, e, done, gate, children = std::move(children),
         sync_children = std::move(sync_children), tokens = task_tokens(e.position)](Status st) {
          auto in = gate->hold();
          if (!in) return done(Error::internal("Step Functions is shutting down"));
          if (!st) return done(st);
          {
            MutexLock lock(mu_);
            executions_[e.arn] = e;
            for (const auto& c : children) executions_[c.arn] = c;
          }
          for (const auto& c : children) arm_expiry(c.arn, c.stop);
          for (const char* kind : {"wake", "timeout", "task", "heartbeat"}) {
            timers_->cancel(kind, e.arn, [](Status) {});
          }
          for (const auto& token : tokens) {
            for (const char* kind : {"task", "heartbeat"})
              timers_->cancel(kind, token, [](Status) {});
          }
          arm_expiry(e.arn, e.stop);
          child_ended(e);
          for (const auto& child : sync_children) {
            end_execution(child, "ABORTED", "ExecutionAborted", "executionAbortedEventDetails", {},
                          [](Status) {});
          }
          done(Status::ok());
        });
  });
}

}  // namespace nimbus::sfn
