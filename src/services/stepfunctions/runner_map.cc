// A distributed Map inside the runner. Its items are read by an
// "ItemReader" call and its results written by a "ResultWriter" call, both
// tasks of the Map's frame (phase "task" with "io"), so that they are
// called, answered, and called again after a restart as any task is. Its
// iterations run as an inline Map's do (the frames under the fork), without
// MapIteration* events: they are the Map Run's child executions (ChildRun),
// each iteration frame naming its child ("run_arn") and the id of its next
// event ("run_next"); the parent records the Map Run's own events
// (MapRunStarted/Succeeded/Failed). Each Map Run is kept in the position's
// "map_runs" (by ARN) for the Map Runs API.
#include "common/request_id.h"
#include "services/stepfunctions/frames.h"
#include "services/stepfunctions/runner.h"

namespace nimbus::sfn {

namespace json = boost::json;
using frames::int_of;
using frames::str_of;

namespace {

std::string context_string(const json::value& context, std::string_view object,
                           std::string_view key) {
  const auto* o = context.is_object() ? context.as_object().if_contains(object) : nullptr;
  const auto* v = o != nullptr && o->is_object() ? o->as_object().if_contains(key) : nullptr;
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:ID, from the
// execution's ARN ($$.Execution.Id).
std::string map_run_arn(const json::value& context, const std::string& label) {
  std::string execution = context_string(context, "Execution", "Id");
  std::string machine = context_string(context, "StateMachine", "Name");
  std::string prefix = "arn:aws:states:us-east-1:000000000000:";
  size_t colon = 0;
  for (int i = 0; i < 5 && colon != std::string::npos; ++i) colon = execution.find(':', colon + 1);
  if (execution.starts_with("arn:aws:states:") && colon != std::string::npos) {
    prefix = execution.substr(0, colon + 1);
  }
  return prefix + "mapRun:" + machine + "/" + label + ":" + new_request_id();
}

// The execution's variables as frame `f` sees them (JSONata's Assign).
const json::object* vars_in(const json::object& f) {
  const auto* v = f.if_contains("vars");
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

json::object& map_runs(json::value& position) {
  auto& p = position.as_object();
  if (!p.contains("map_runs") || !p["map_runs"].is_object()) p["map_runs"] = json::object();
  return p["map_runs"].as_object();
}

}  // namespace

void Runner::map_run_started(json::object& f, const asl::State& s, size_t total, int64_t limit,
                             int64_t now_ms) {
  std::string arn = map_run_arn(context_, s.label);
  f["map_run"] = arn;
  event("MapRunStarted", "mapRunStartedEventDetails", json::object{{"mapRunArn", arn}});
  json::object run{{"executionArn", context_string(context_, "Execution", "Id")},
                   {"state", s.name},
                   {"startDate", now_ms},
                   {"status", "RUNNING"},
                   {"maxConcurrency", s.max_concurrency > 0 ? limit : 0},
                   {"toleratedFailureCount", s.tolerated_failure_count.value_or(0)},
                   {"toleratedFailurePercentage", s.tolerated_failure_percentage.value_or(0.0)},
                   {"total", static_cast<int64_t>(total)}};
  map_runs(position_)[arn] = std::move(run);
}

void Runner::map_run_ended(const json::object& f, const std::string& status,
                           const asl::Failure* failure, int64_t now_ms) {
  std::string arn = str_of(f, "map_run");
  auto& runs = map_runs(position_);
  if (auto* run = runs.if_contains(arn); run != nullptr && run->is_object()) {
    auto& r = run->as_object();
    r["status"] = status;
    r["stopDate"] = now_ms;
    int64_t failed = int_of(f, "failed");
    r["succeeded"] = int_of(f, "done") - failed;
    r["failed"] = failed;
    r["aborted"] =
        f.contains("active") ? static_cast<int64_t>(f.at("active").as_object().size()) : int64_t{0};
  }
  if (failure == nullptr) {
    event("MapRunSucceeded", "", {});
  } else {
    event("MapRunFailed", "mapRunFailedEventDetails",
          json::object{{"error", failure->error}, {"cause", failure->cause}});
  }
}

void Runner::fork_succeeded(json::object& f, const asl::State& s, json::value results,
                            int64_t now_ms) {
  map_run_ended(f, "SUCCEEDED", nullptr, now_ms);
  if (!s.result_writer) {
    end_fork(f, s, false);
    event("MapStateSucceeded", "", {});
    return complete(f, s, std::move(results), now_ms);
  }
  state_context(s, f);
  auto params = asl::writer_parameters(s, f["input"], context_, vars_in(f), now_ms);
  if (auto* failure = std::get_if<asl::Failure>(&params)) {
    end_fork(f, s, false);
    event("MapStateFailed", "", {});
    return fail(f, s, *failure, true, now_ms, 0);
  }
  // What the writer needs for its files: each run's input, and its output
  // or its error.
  json::object call = std::move(std::get<json::value>(params).as_object());
  call["MapRunArn"] = f["map_run"];
  json::array out;
  static const json::array kNone;
  const auto* given = f.if_contains("runs");
  const json::array& inputs = given != nullptr && given->is_array() ? given->as_array() : kNone;
  const auto* failures = f.if_contains("failures");
  for (size_t i = 0; i < inputs.size(); ++i) {
    json::object r{{"Index", static_cast<int64_t>(i)}, {"Input", inputs[i]}};
    const json::value* failed =
        failures != nullptr ? failures->as_object().if_contains(std::to_string(i)) : nullptr;
    if (failed != nullptr) {
      r["Status"] = "FAILED";
      r["Error"] = failed->at("Error");
      r["Cause"] = failed->at("Cause");
    } else {
      r["Status"] = "SUCCEEDED";
      r["Output"] = std::move(results.as_array()[i]);
    }
    out.push_back(std::move(r));
  }
  call["Runs"] = std::move(out);
  end_fork(f, s, false);
  f["writer_call"] = call;
  issue_io(f, s.result_writer->resource, std::move(call), "ResultWriter");
}

void Runner::issue_io(json::object& f, const std::string& resource, json::value params,
                      const std::string& io) {
  std::string token = new_token_ ? new_token_() : std::to_string(event_count()) + "." + io;
  f["phase"] = "task";
  f["io"] = io;
  f["token"] = token;
  asl::TaskCall call{resource, std::move(params), std::nullopt, std::nullopt, io};
  tasks_.push_back({std::move(call), std::move(token)});
}

namespace {

// arn:aws:states:R:A:execution:MACHINE/LABEL:NAME, from the Map Run's
// arn:aws:states:R:A:mapRun:MACHINE/LABEL:ID.
std::string child_arn(const std::string& map_run, const std::string& name) {
  std::string arn = map_run;
  if (auto at = arn.find(":mapRun:"); at != std::string::npos) arn.replace(at, 8, ":execution:");
  return arn.substr(0, arn.rfind(':') + 1) + name;
}

}  // namespace

void Runner::start_child(json::object& it, const json::object& f, const asl::State& s,
                         int64_t now_ms) {
  std::string map_run = str_of(f, "map_run");
  // Express children have no record: their events are dropped, the frame
  // still says it is a child's (child_of).
  it["run_arn"] = "";
  if (map_run.empty() || s.express_children) return;
  std::string arn = child_arn(map_run, new_request_id());
  it["run_arn"] = arn;
  it["run_next"] = 1;
  ChildRun& c = child_runs_[arn];
  c.arn = arn;
  c.map_run = map_run;
  c.started = true;
  c.start_ms = now_ms;
  c.input = json::serialize(it["input"]);
  const auto* batch = s.item_batcher && it["input"].is_object()
                          ? it["input"].as_object().if_contains("Items")
                          : nullptr;
  c.items =
      batch != nullptr && batch->is_array() ? static_cast<int64_t>(batch->as_array().size()) : 1;
  child_event(it, {"ExecutionStarted", "executionStartedEventDetails",
                   json::object{{"input", c.input},
                                {"inputDetails", json::object{{"truncated", false}}},
                                {"roleArn", context_string(context_, "Execution", "RoleArn")}}});
}

void Runner::child_event(json::object& it, HistoryEvent ev) {
  std::string arn = str_of(it, "run_arn");
  if (arn.empty()) return;  // an iteration started before child executions
  int64_t id = int_of(it, "run_next");
  it["run_next"] = id + 1;
  ChildRun& c = child_runs_[arn];
  if (c.arn.empty()) c.arn = arn;
  if (c.events.empty()) c.first_event = id;
  c.events.push_back(std::move(ev));
}

void Runner::end_child(json::object& it, const json::object& end) {
  if (str_of(it, "run_arn").empty()) return;
  ChildRun& c = child_runs_[str_of(it, "run_arn")];
  if (end.at("ok").as_bool()) {
    c.status = "SUCCEEDED";
    c.output = json::serialize(end.at("output"));
    child_event(it, {"ExecutionSucceeded", "executionSucceededEventDetails",
                     json::object{{"output", c.output},
                                  {"outputDetails", json::object{{"truncated", false}}}}});
  } else {
    c.status = "FAILED";
    c.error = str_of(end, "error");
    c.cause = str_of(end, "cause");
    child_event(it, {"ExecutionFailed", "executionFailedEventDetails",
                     json::object{{"error", c.error}, {"cause", c.cause}}});
  }
}

void Runner::abort_child(json::object& it) {
  if (str_of(it, "run_arn").empty()) return;
  child_runs_[str_of(it, "run_arn")].status = "ABORTED";
  child_event(it, {"ExecutionAborted", "", {}});
}

json::object* Runner::child_of(const json::object* target) {
  json::object* found = nullptr;
  std::function<bool(json::object&, json::object*)> go = [&](json::object& f, json::object* child) {
    if (f.contains("run_arn")) child = &f;
    if (&f == target) {
      found = child;
      return true;
    }
    if (auto* a = f.if_contains("active"); a != nullptr && a->is_object()) {
      for (auto& kv : a->as_object()) {
        if (kv.value().is_object() && go(kv.value().as_object(), child)) return true;
      }
    }
    return false;
  };
  go(root_frame(), nullptr);
  return found;
}

Runner::InChild::InChild(Runner& runner, json::object* it)
    : r(runner), saved(runner.child_), on(it != nullptr) {
  if (!on) return;
  ++r.quiet_;
  r.child_ = it;
}

Runner::InChild::~InChild() {
  if (!on) return;
  --r.quiet_;
  r.child_ = saved;
}

std::vector<std::pair<std::string, int64_t>> running_child_runs(const json::value& position) {
  std::vector<std::pair<std::string, int64_t>> out;
  frames::walk_position(position, [&out](const json::object& f) {
    if (!str_of(f, "run_arn").empty()) {
      out.emplace_back(str_of(f, "run_arn"), int_of(f, "run_next"));
    }
    return false;
  });
  return out;
}

bool Runner::update_map_run(const std::string& arn, std::optional<int64_t> max_concurrency,
                            std::optional<int64_t> tolerated_count,
                            std::optional<double> tolerated_percentage) {
  bool found = visit_all([&](json::object& f, const asl::Machine&) {
    if (str_of(f, "map_run") != arn || !f.contains("active")) return false;
    if (max_concurrency) f["limit"] = *max_concurrency > 0 ? *max_concurrency : kMaxInFlight;
    if (tolerated_count) f["tolerated_count"] = *tolerated_count;
    if (tolerated_percentage) f["tolerated_percentage"] = *tolerated_percentage;
    return true;
  });
  if (!found) return false;
  auto& run = map_runs(position_)[arn].as_object();
  if (max_concurrency) run["maxConcurrency"] = *max_concurrency;
  if (tolerated_count) run["toleratedFailureCount"] = *tolerated_count;
  if (tolerated_percentage) run["toleratedFailurePercentage"] = *tolerated_percentage;
  return true;
}

Stop Runner::io_succeeded(json::object& f, const asl::State& s, json::value result,
                          int64_t now_ms) {
  std::string io = str_of(f, "io");
  for (const char* k : {"phase", "token", "io"}) f.erase(k);
  if (io == "ItemReader") {
    state_context(s, f);
    asl::Entered e = asl::map_items(s, f["input"], std::move(result), context_, vars_in(f), now_ms);
    if (auto* fork = std::get_if<asl::Fork>(&e)) {
      start_fork(f, s, std::move(*fork), now_ms);
    } else {
      fail(f, s, std::get<asl::Failure>(std::move(e)), true, now_ms, 0);
    }
    return run(now_ms);
  }
  f.erase("writer_call");
  auto& runs = map_runs(position_);
  if (auto* r = runs.if_contains(str_of(f, "map_run")); r != nullptr && r->is_object()) {
    r->as_object()["written"] = true;
  }
  event("MapStateSucceeded", "", {});
  complete(f, s, std::move(result), now_ms);
  return run(now_ms);
}

Stop Runner::io_failed(json::object& f, const asl::State& s, const asl::Failure& failure,
                       int64_t now_ms) {
  bool writing = str_of(f, "io") == "ResultWriter";
  for (const char* k : {"phase", "token", "io", "writer_call"}) f.erase(k);
  if (writing) event("MapStateFailed", "", {});
  fail(f, s, failure, true, now_ms, 0);
  return run(now_ms);
}

}  // namespace nimbus::sfn
