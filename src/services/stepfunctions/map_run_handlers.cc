// The Map Runs API: ListMapRuns, DescribeMapRun, UpdateMapRun. A Map Run
// is what a distributed Map state runs (runner_map.cc); the execution's
// position keeps each one by ARN ("map_runs"), and the fork frame of one
// in flight its live counts.
#include "common/json_fields.h"
#include "services/stepfunctions/frames.h"
#include "services/stepfunctions/stepfunctions_service.h"

namespace nimbus::sfn {

namespace json = boost::json;
using frames::int_of;
using frames::str_of;

namespace {

const json::object* map_runs_of(const Execution& e) {
  const auto* p = e.position.if_object();
  const auto* runs = p != nullptr ? p->if_contains("map_runs") : nullptr;
  return runs != nullptr && runs->is_object() ? &runs->as_object() : nullptr;
}

double seconds(const json::value& ms) {
  return ms.is_number() ? ms.to_number<double>() / 1000.0 : 0.0;
}

bool map_run_arn_shape(const std::string& a) {
  return a.starts_with("arn:aws:states:") && a.find(":mapRun:") != std::string::npos;
}

// DescribeMapRun's counts: from the fork frame while it runs, else as the
// Map Run ended.
json::object counts(const Execution& e, const std::string& arn, const json::object& run) {
  int64_t total = int_of(run, "total"), succeeded = int_of(run, "succeeded"),
          failed = int_of(run, "failed"), aborted = int_of(run, "aborted"), running = 0;
  frames::walk_position(e.position, [&](const json::object& f) {
    if (str_of(f, "map_run") != arn || !f.contains("active")) return false;
    failed = int_of(f, "failed");
    succeeded = int_of(f, "done") - failed;
    running = static_cast<int64_t>(f.at("active").as_object().size());
    return true;
  });
  std::string status = str_of(run, "status");
  if (status == "RUNNING" && e.status != "RUNNING") aborted = running, running = 0;
  int64_t pending = std::max<int64_t>(0, total - succeeded - failed - running - aborted);
  return json::object{
      {"pending", pending},
      {"running", running},
      {"succeeded", succeeded},
      {"failed", failed},
      {"timedOut", 0},
      {"aborted", aborted},
      {"total", total},
      {"resultsWritten", run.contains("written") ? succeeded + failed : int64_t{0}}};
}

}  // namespace

Output StepFunctionsService::list_map_runs(const CallContext&, const json::object& in) const {
  std::string arn = str(in, "executionArn");
  if (!arn.starts_with("arn:aws:states:") || arn.find(":execution:") == std::string::npos) {
    return errors::invalid_arn(arn);
  }
  MutexLock lock(mu_);
  auto it = executions_.find(arn);
  if (it == executions_.end()) return errors::execution_missing(arn);
  json::array all;
  if (const auto* runs = map_runs_of(it->second)) {
    for (const auto& [k, v] : *runs) {
      const auto& r = v.as_object();
      json::object item{{"executionArn", arn},
                        {"mapRunArn", std::string(k)},
                        {"stateMachineArn", it->second.machine_arn},
                        {"startDate", seconds(r.at("startDate"))}};
      if (r.contains("stopDate")) item["stopDate"] = seconds(r.at("stopDate"));
      all.push_back(std::move(item));
    }
  }
  size_t offset = 0;
  if (has(in, "nextToken")) {
    auto n = integer(in, "nextToken");
    if (!n || *n < 0) {
      return Error::make("InvalidToken", "Invalid Token: '" + str(in, "nextToken") + "'");
    }
    offset = static_cast<size_t>(*n);
  }
  size_t limit = has(in, "maxResults") && integer(in, "maxResults").value_or(0) > 0
                     ? static_cast<size_t>(*integer(in, "maxResults"))
                     : 100;
  json::array page;
  for (size_t i = offset; i < all.size() && i < offset + limit; ++i) page.push_back(all[i]);
  json::object out{{"mapRuns", std::move(page)}};
  if (offset + limit < all.size()) out["nextToken"] = std::to_string(offset + limit);
  return out;
}

Output StepFunctionsService::describe_map_run(const CallContext&, const json::object& in) const {
  std::string arn = str(in, "mapRunArn");
  if (!map_run_arn_shape(arn)) return errors::invalid_arn(arn);
  MutexLock lock(mu_);
  for (const auto& [x, e] : executions_) {
    const auto* runs = map_runs_of(e);
    const auto* found = runs != nullptr ? runs->if_contains(arn) : nullptr;
    if (found == nullptr) continue;
    const auto& r = found->as_object();
    std::string status = str_of(r, "status");
    if (status == "RUNNING" && e.status != "RUNNING") status = "ABORTED";
    json::object c = counts(e, arn, r);
    json::object out{{"mapRunArn", arn},
                     {"executionArn", x},
                     {"status", status},
                     {"startDate", seconds(r.at("startDate"))},
                     {"maxConcurrency", int_of(r, "maxConcurrency")},
                     {"toleratedFailurePercentage", r.at("toleratedFailurePercentage")},
                     {"toleratedFailureCount", int_of(r, "toleratedFailureCount")},
                     {"itemCounts", c},
                     {"executionCounts", c},
                     {"redriveCount", 0}};
    if (r.contains("stopDate")) out["stopDate"] = seconds(r.at("stopDate"));
    return out;
  }
  return errors::resource_missing(arn);
}

void StepFunctionsService::update_map_run(const CallContext&, json::object in, Respond respond) {
  std::string arn = str(in, "mapRunArn");
  if (!map_run_arn_shape(arn)) return respond(errors::invalid_arn(arn));
  std::optional<int64_t> max_concurrency = integer(in, "maxConcurrency");
  std::optional<int64_t> count = integer(in, "toleratedFailureCount");
  std::optional<double> percentage;
  if (const auto* p = in.if_contains("toleratedFailurePercentage"); p && p->is_number()) {
    percentage = p->to_number<double>();
  }
  if (!max_concurrency && !count && !percentage) {
    return respond(errors::validation(
        "At least one of maxConcurrency, toleratedFailurePercentage or toleratedFailureCount "
        "must be given"));
  }
  if ((max_concurrency && *max_concurrency < 0) || (count && *count < 0) ||
      (percentage && (*percentage < 0 || *percentage > 100))) {
    return respond(
        errors::validation("maxConcurrency and toleratedFailureCount must be at least "
                           "0, toleratedFailurePercentage between 0 and 100"));
  }
  std::string execution;
  {
    MutexLock lock(mu_);
    for (const auto& [x, e] : executions_) {
      const auto* runs = map_runs_of(e);
      if (runs != nullptr && runs->contains(arn)) {
        execution = x;
        break;
      }
    }
  }
  if (execution.empty()) return respond(errors::resource_missing(arn));
  auto updated = std::make_shared<bool>(false);
  advance(
      execution,
      [=](Runner& r, int64_t now) -> std::optional<Stop> {
        *updated = r.update_map_run(arn, max_concurrency, count, percentage);
        if (!*updated) return std::nullopt;
        return r.wake(now);  // a higher MaxConcurrency starts more iterations now
      },
      [arn, updated, respond = std::move(respond)](Status st) {
        if (!st) return respond(st.error());
        if (!*updated) return respond(errors::validation("Map Run '" + arn + "' is not running"));
        respond(json::object{});
      });
}

}  // namespace nimbus::sfn
