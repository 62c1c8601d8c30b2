// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: the answers to a
// task waiting for its token (.waitForTaskToken), and the task timers
// (TimeoutSeconds, HeartbeatSeconds) that end a task nobody answers.
#include <chrono>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/stepfunctions/stepfunctions_service.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

// The execution a token names (new_task_token()), or nullopt when it is
// not a token nimbus made.
std::optional<std::string> token_execution(const std::string& token) {
  auto dot = token.find('.');
  if (dot == std::string::npos) return std::nullopt;
  auto arn = base64_decode(std::string_view(token).substr(0, dot));
  if (!arn || !arn->starts_with("arn:aws:states:")) return std::nullopt;
  return arn;
}

}  // namespace

void StepFunctionsService::send_task_success(const CallContext&, json::object in, Respond respond) {
  json::error_code ec;
  json::value output = json::parse(str(in, "output"), ec);
  if (ec) return respond(errors::invalid_output("Invalid JSON: " + ec.message()));
  if (asl::too_large(output)) {
    return respond(errors::invalid_output("Output is larger than the maximum of 262144 bytes"));
  }
  answer_task(
      str(in, "taskToken"),
      [output](Runner& r, const std::string& token, int64_t now) {
        return r.task_succeeded(token, output, now);
      },
      std::move(respond));
}

void StepFunctionsService::send_task_failure(const CallContext&, json::object in, Respond respond) {
  asl::Failure f{str(in, "error"), str(in, "cause")};
  answer_task(
      str(in, "taskToken"),
      [f](Runner& r, const std::string& token, int64_t now) {
        return r.task_failed(token, f, now, retry_jitter());
      },
      std::move(respond));
}

void StepFunctionsService::send_task_heartbeat(const CallContext&, json::object in,
                                               Respond respond) {
  std::string token = str(in, "taskToken");
  auto arn = token_execution(token);
  if (!arn) return respond(errors::invalid_token(token));
  std::optional<int64_t> heartbeat;
  {
    MutexLock lock(mu_);
    auto it = executions_.find(*arn);
    if (it == executions_.end()) return respond(errors::task_missing());
    if (it->second.status != "RUNNING" || !awaits_token(it->second.position, token)) {
      return respond(errors::task_timed_out());
    }
    heartbeat = task_heartbeat(it->second.position, token);
  }
  if (!heartbeat) return respond(json::object{});
  timers_->schedule("heartbeat", token,
                    Clock::from_millis(env_.clock.now_millis() + *heartbeat * 1000), token,
                    [respond = std::move(respond)](Status st) {
                      if (!st) return respond(st.error());
                      respond(json::object{});
                    });
}

void StepFunctionsService::answer_task(
    const std::string& token, std::function<Stop(Runner&, const std::string&, int64_t)> answer,
    Respond respond) {
  auto arn = token_execution(token);
  if (!arn) return respond(errors::invalid_token(token));
  auto accepted = std::make_shared<bool>(false);
  advance(
      *arn,
      [token, answer = std::move(answer), accepted](Runner& r, int64_t now) -> std::optional<Stop> {
        if (!r.awaits(token)) return std::nullopt;
        *accepted = true;
        return answer(r, token, now);
      },
      [accepted, respond = std::move(respond)](Status st) {
        if (!st && st.error().code == "ExecutionDoesNotExist") {
          return respond(errors::task_missing());
        }
        if (!st) return respond(st.error());
        // Answered already, timed out, or its execution ended.
        if (!*accepted) return respond(errors::task_timed_out());
        respond(json::object{});
      });
}

void StepFunctionsService::on_task_timer(storage::DueTimer t, storage::Timers::Ack ack,
                                         std::string error) {
  std::string token = t.payload;
  // Timers are keyed by the task's token (by the execution's ARN when
  // stored by an earlier version); the token names the execution.
  auto arn = token_execution(token);
  advance(
      arn ? *arn : t.id,
      [token, error](Runner& r, int64_t now) -> std::optional<Stop> {
        if (!r.awaits(token)) return std::nullopt;  // answered in time
        return r.task_failed(token, {error, ""}, now, retry_jitter());
      },
      [ack](Status st) {
        bool gone = !st && st.error().code == "ExecutionDoesNotExist";
        ack(gone ? Status::ok() : st);
      });
}

void StepFunctionsService::arm_task_timers(const asl::TaskCall& task, const std::string& token) {
  int64_t now = env_.clock.now_millis();
  if (task.timeout_seconds) {
    timers_->schedule("task", token, Clock::from_millis(now + *task.timeout_seconds * 1000), token,
                      [](Status) {});
  }
  if (task.heartbeat_seconds) {
    timers_->schedule("heartbeat", token, Clock::from_millis(now + *task.heartbeat_seconds * 1000),
                      token, [](Status) {});
  }
}

}  // namespace nimbus::sfn
