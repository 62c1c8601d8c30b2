// RedriveExecution: a Standard execution that failed, timed out or was
// aborted in the last 14 days runs again from the top-level state it ended
// in, with that state's input, under the same ARN and definition; its
// history goes on after an ExecutionRedriven event. A clientToken one of
// its last redrives used answers with that redrive.
#include <chrono>

#include "common/json_fields.h"
#include "services/stepfunctions/stepfunctions_service.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

constexpr int64_t kRedrivableMs = 14LL * 24 * 3600 * 1000;
constexpr int64_t kMaxRedrives = 1000;
constexpr int64_t kMaxEvents = 24999;
// AWS answers the last 10 client tokens of an execution's successful
// redrives idempotently, each for 15 minutes after its first use.
constexpr size_t kTokensKept = 10;
constexpr double kTokenSeconds = 15 * 60;

}  // namespace

std::string redrive_block(const Execution& e, int64_t now_ms) {
  if (!e.map_run_arn.empty()) {
    return "Execution is a child workflow execution of a Map Run: redrive its parent execution.";
  }
  if (e.status == "RUNNING" || e.status == "SUCCEEDED") {
    return "Execution is " + e.status + " and cannot be redriven.";
  }
  if (now_ms - static_cast<int64_t>(e.stop * 1000) > kRedrivableMs) {
    return "Execution redrivable period exceeded.";
  }
  if (e.next_event > kMaxEvents) return "Execution history event limit exceeded.";
  if (e.redrive_count >= kMaxRedrives) return "Execution redrive count limit exceeded.";
  if (!can_redrive(e.position)) {
    return "Execution was started before the launch of RedriveExecution.";
  }
  return "";
}

void redrive_fields(const Execution& e, json::object& out) {
  out["redriveCount"] = e.redrive_count;
  if (e.redrive_count > 0) out["redriveDate"] = e.redrive_date;
}

void StepFunctionsService::redrive_execution(const CallContext&, json::object in, Respond respond) {
  std::string a = str(in, "executionArn");
  if (!a.starts_with("arn:aws:states:") ||
      (a.find(":execution:") == std::string::npos && a.find(":express:") == std::string::npos)) {
    return respond(errors::invalid_arn(a));
  }
  std::string token = str(in, "clientToken");
  std::optional<int64_t> timeout;
  {
    MutexLock lock(mu_);
    auto it = executions_.find(a);
    if (it == executions_.end()) return respond(errors::execution_missing(a));
    if (it->second.machine) timeout = it->second.machine->timeout_seconds;
    // A token one of its last redrives used within 15 minutes: that redrive.
    double now_s = static_cast<double>(env_.clock.now_millis()) / 1000.0;
    for (const auto& [used, date] : it->second.redrive_tokens) {
      if (!token.empty() && used == token && now_s - date < kTokenSeconds) {
        return respond(json::object{{"redriveDate", date}});
      }
    }
  }
  auto count = std::make_shared<int64_t>(0);
  auto date = std::make_shared<double>(0);
  advance(
      a,
      [count](Runner& r, int64_t now) -> std::optional<Stop> {
        r.events().push_back({"ExecutionRedriven", "executionRedrivenEventDetails",
                              json::object{{"redriveCount", *count}}});
        return r.redrive(now);
      },
      [this, a, timeout, date, respond = std::move(respond)](Status st) {
        if (!st) return respond(st.error());
        if (timeout) {
          auto at = std::chrono::milliseconds(static_cast<int64_t>(*date * 1000) + *timeout * 1000);
          timers_->schedule("timeout", a, Clock::time_point(at), "", [](Status) {});
        }
        respond(json::object{{"redriveDate", *date}});
      },
      [a, count, date, token](Execution& e, int64_t now) -> Status {
        std::string why = redrive_block(e, now);
        if (!why.empty()) return errors::not_redrivable(a, why);
        e.status = "RUNNING";
        e.redrive_count += 1;
        e.redrive_date = static_cast<double>(now) / 1000.0;
        e.stop = 0;
        e.output.clear();
        e.error.clear();
        e.cause.clear();
        if (!token.empty()) {
          e.redrive_tokens.emplace_back(token, e.redrive_date);
          if (e.redrive_tokens.size() > kTokensKept)
            e.redrive_tokens.erase(e.redrive_tokens.begin());
        }
        *count = e.redrive_count;
        *date = e.redrive_date;
        return Status::ok();
      });
}

}  // namespace nimbus::sfn
