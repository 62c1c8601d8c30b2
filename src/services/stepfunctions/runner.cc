#include "services/stepfunctions/runner.h"

#include <algorithm>

#include "common/time_format.h"
#include "services/stepfunctions/frames.h"

namespace nimbus::sfn {

namespace json = boost::json;
using frames::int_of;
using frames::phase_of;
using frames::str_of;
using frames::walk_position;

namespace {

json::object io(std::string_view name, std::string_view key, const json::value& v) {
  return json::object{{"name", name},
                      {key, json::serialize(v)},
                      {std::string(key) + "Details", json::object{{"truncated", false}}}};
}

std::string type_of(const asl::State& s) {
  return std::string(asl::type_name(s.type));
}

// "arn:aws:states:::sqs:sendMessage" -> ("sqs", "sendMessage"); a Lambda
// function ARN (the legacy form, with its own LambdaFunction* events) ->
// ("lambda", "function").
std::pair<std::string, std::string> resource_parts(const std::string& resource) {
  if (resource.starts_with("arn:aws:states:::")) {
    std::string rest = resource.substr(17);
    auto colon = rest.find(':');
    if (colon == std::string::npos) return {rest, ""};
    return {rest.substr(0, colon), rest.substr(colon + 1)};
  }
  return {"lambda", "function"};
}

// The region of the execution ($$.Execution.Id, arn:aws:states:REGION:...).
std::string region_of(const json::value& context) {
  const auto* e = context.is_object() ? context.as_object().if_contains("Execution") : nullptr;
  const auto* id = e != nullptr && e->is_object() ? e->as_object().if_contains("Id") : nullptr;
  if (id == nullptr || !id->is_string()) return "us-east-1";
  std::string_view arn = id->as_string();
  for (int i = 0; i < 3; ++i) {
    auto colon = arn.find(':');
    if (colon == std::string_view::npos) return "us-east-1";
    arn.remove_prefix(colon + 1);
  }
  return std::string(arn.substr(0, arn.find(':')));
}

bool legacy_lambda(const std::string& resource) {
  return resource.starts_with("arn:aws:lambda:");
}

// The machine a fork frame's run `i` follows.
const asl::Machine& run_machine(const asl::State& s, size_t i) {
  return s.type == asl::StateType::kParallel ? *s.branches[i] : *s.iterator;
}

// A frame replaced by the next (a transition, an end) keeps the child
// execution it runs as (runner_map.cc).
void replace_frame(json::object& f, json::object next) {
  for (const char* k : {"run_arn", "run_next"}) {
    if (const auto* v = f.if_contains(k)) next[k] = *v;
  }
  f = std::move(next);
}

const char* kTaskKeys[] = {"phase", "token", "heartbeat", "child", "task_input", "started", "io"};

}  // namespace

Runner::Runner(const asl::Machine& root, json::value position, json::value context)
    : root_(root), position_(std::move(position)), context_(std::move(context)) {
  if (!position_.is_object()) position_ = json::object{{"frames", json::array()}};
  frames::nest_stack(position_.as_object()["frames"].as_array());
}

json::object& Runner::root_frame() {
  return position_.as_object()["frames"].as_array()[0].as_object();
}

bool Runner::visit(json::object& f, const asl::Machine& m, const Visit& fn) {
  if (f.contains("end")) return false;
  if (fn(f, m)) return true;
  auto* a = f.if_contains("active");
  if (a == nullptr || !a->is_object()) return false;
  const asl::State& s = *m.find(f.at("state").as_string());
  for (auto& kv : a->as_object()) {
    if (visit(kv.value().as_object(), run_machine(s, std::stoul(std::string(kv.key()))), fn)) {
      return true;
    }
  }
  return false;
}

bool Runner::visit_all(const Visit& fn) const {
  auto* self = const_cast<Runner*>(this);  // fn decides whether it changes a frame
  auto& frames = self->position_.as_object()["frames"].as_array();
  return !frames.empty() && self->visit(frames[0].as_object(), root_, fn);
}

std::pair<json::object*, const asl::Machine*> Runner::find(const std::string& token) {
  std::pair<json::object*, const asl::Machine*> found{nullptr, nullptr};
  visit_all([&](json::object& f, const asl::Machine& m) {
    if (str_of(f, "token") != token) return false;
    std::string phase = phase_of(f);
    if (phase != "task" && phase != "callback") return false;
    found = {&f, &m};
    return true;
  });
  return found;
}

namespace {
// The execution's variables as frame `f` sees them (JSONata's Assign).
const json::object* vars_of(const json::object& f) {
  const auto* v = f.if_contains("vars");
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}
}  // namespace

void Runner::state_context(const asl::State& s, const json::object& f) {
  if (!context_.is_object()) return;
  int64_t retries = 0;
  if (const auto* a = f.if_contains("attempts"); a != nullptr && a->is_array()) {
    for (const auto& n : a->as_array()) retries += n.to_number<int64_t>();
  }
  json::object state{{"Name", s.name}, {"RetryCount", retries}};
  if (const auto* t = f.if_contains("entered_ms"); t != nullptr && t->is_int64()) {
    state["EnteredTime"] = utc_millis(t->as_int64());
  }
  context_.as_object()["State"] = std::move(state);
}

void Runner::event(std::string type, std::string key, json::object details) {
  if (quiet_ > 0) {
    ++quiet_events_;
    if (child_ != nullptr)
      child_event(*child_, {std::move(type), std::move(key), std::move(details)});
    return;
  }
  events_.push_back({std::move(type), std::move(key), std::move(details)});
}

Stop Runner::start(const json::value& input, int64_t now_ms) {
  auto& frames = position_.as_object()["frames"].as_array();
  frames.clear();
  frames.push_back(json::object{{"state", root_.start_at}, {"input", input}});
  return run(now_ms);
}

Stop Runner::run(int64_t now_ms) {
  yielded_ = false;
  min_wake_ = 0;
  json::object& root = root_frame();
  if (step(root, root_, now_ms)) {
    tasks_.clear();
    json::object end = root["end"].as_object();
    if (end["ok"].as_bool()) {
      event("ExecutionSucceeded", "executionSucceededEventDetails",
            json::object{{"output", json::serialize(end["output"])},
                         {"outputDetails", json::object{{"truncated", false}}}});
      return Stop{Stop::kSucceeded, 0, {}, std::move(end["output"]), {}};
    }
    asl::Failure failure{str_of(end, "error"), str_of(end, "cause")};
    event("ExecutionFailed", "executionFailedEventDetails",
          json::object{{"error", failure.error}, {"cause", failure.cause}});
    return Stop{Stop::kFailed, 0, {}, {}, std::move(failure)};
  }
  Stop stop{Stop::kRunning, yielded_ ? now_ms : min_wake_, std::move(tasks_), {}, {}};
  tasks_.clear();
  // A task entered by a branch that a failing branch aborted is not called.
  std::erase_if(stop.tasks, [this](const NewTask& t) { return !awaits(t.token); });
  return stop;
}

bool Runner::step(json::object& f, const asl::Machine& m, int64_t now_ms) {
  while (true) {
    if (f.contains("end")) return true;
    // A long stretch without a wait point (a Pass loop) yields, so that its
    // events are committed in pieces and other executions get the pool.
    if (event_count() >= kYieldEvents) {
      yielded_ = true;
      return false;
    }
    const asl::State& s = *m.find(f.at("state").as_string());
    std::string phase = phase_of(f);
    if (phase == "task" || phase == "callback") return false;
    if (phase == "wait" || phase == "retry") {
      int64_t until = int_of(f, "until");
      if (until > now_ms) {
        if (min_wake_ == 0 || until < min_wake_) min_wake_ = until;
        return false;
      }
      f.erase("phase");
      f.erase("until");
      if (phase == "wait") {
        json::object then = std::move(f["then"].as_object());
        f.erase("then");
        json::object assign;
        if (auto* a = then.if_contains("assign"); a != nullptr && a->is_object())
          assign = a->as_object();
        transition(
            f, s,
            {std::string(then["next"].as_string()), std::move(then["output"]), std::move(assign)},
            now_ms);
      } else {
        enter(f, s, now_ms);
      }
      continue;
    }
    if (phase == "fork") {
      step_fork(f, s, now_ms);
      if (phase_of(f) == "fork") return false;
      continue;
    }
    enter(f, s, now_ms);
  }
}

void Runner::enter(json::object& f, const asl::State& s, int64_t now_ms) {
  if (!f.contains("entered")) {
    f["entered"] = true;
    f["entered_ms"] = now_ms;
    event(type_of(s) + "StateEntered", "stateEnteredEventDetails", io(s.name, "input", f["input"]));
  }
  state_context(s, f);
  if (const auto* w = f.if_contains("writer_call")) {  // resumed while writing
    return issue_io(f, s.result_writer->resource, *w, "ResultWriter");
  }
  bool task = s.type == asl::StateType::kTask && context_.is_object();
  if (s.type == asl::StateType::kTask) {
    // Each attempt is a new task with its own token ($$.Task.Token).
    f["token"] = new_token_ ? new_token_() : std::to_string(event_count()) + "." + s.name;
  }
  if (task) context_.as_object()["Task"] = json::object{{"Token", f["token"]}};
  asl::Entered e = asl::enter(s, f["input"], context_, now_ms, vars_of(f));
  if (task) context_.as_object().erase("Task");
  if (auto* t = std::get_if<asl::Transition>(&e)) return transition(f, s, std::move(*t), now_ms);
  if (auto* w = std::get_if<asl::WaitUntil>(&e)) {
    f["phase"] = "wait";
    f["until"] = w->until_ms;
    f["then"] = json::object{{"next", w->then.next}, {"output", w->then.output}};
    if (!w->then.assign.empty()) f["then"].as_object()["assign"] = w->then.assign;
    return;
  }
  if (auto* c = std::get_if<asl::TaskCall>(&e); c != nullptr && !c->io.empty()) {
    return issue_io(f, c->resource, std::move(c->parameters), c->io);
  }
  if (auto* c = std::get_if<asl::TaskCall>(&e)) {
    f["phase"] = "task";
    if (c->heartbeat_seconds) f["heartbeat"] = *c->heartbeat_seconds;
    std::string token(f["token"].as_string());
    if (is_activity(c->resource)) {
      // Waits for a worker (GetActivityTask) and its answer; the input is
      // kept to hand out again after a restart.
      f["phase"] = "callback";
      f["task_input"] = json::serialize(c->parameters);
      json::object details{{"resource", c->resource},
                           {"input", json::serialize(c->parameters)},
                           {"inputDetails", json::object{{"truncated", false}}}};
      if (c->timeout_seconds) details["timeoutInSeconds"] = *c->timeout_seconds;
      if (c->heartbeat_seconds) details["heartbeatInSeconds"] = *c->heartbeat_seconds;
      event("ActivityScheduled", "activityScheduledEventDetails", std::move(details));
    } else if (legacy_lambda(c->resource)) {
      json::object details{{"resource", c->resource},
                           {"input", json::serialize(c->parameters)},
                           {"inputDetails", json::object{{"truncated", false}}}};
      if (c->timeout_seconds) details["timeoutInSeconds"] = *c->timeout_seconds;
      event("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", std::move(details));
      event("LambdaFunctionStarted", "", {});
    } else {
      auto [type, name] = resource_parts(c->resource);
      json::object details{{"resourceType", type},
                           {"resource", name},
                           {"region", region_of(context_)},
                           {"parameters", json::serialize(c->parameters)}};
      if (c->timeout_seconds) details["timeoutInSeconds"] = *c->timeout_seconds;
      if (c->heartbeat_seconds) details["heartbeatInSeconds"] = *c->heartbeat_seconds;
      event("TaskScheduled", "taskScheduledEventDetails", std::move(details));
      event("TaskStarted", "taskStartedEventDetails",
            json::object{{"resourceType", type}, {"resource", name}});
    }
    tasks_.push_back({std::move(*c), std::move(token)});
    return;
  }
  if (auto* fork = std::get_if<asl::Fork>(&e)) return start_fork(f, s, std::move(*fork), now_ms);
  auto& failure = std::get<asl::Failure>(e);
  fail(f, s, std::move(failure), s.type != asl::StateType::kFail, now_ms, 0);
}

void Runner::start_fork(json::object& f, const asl::State& s, asl::Fork fork, int64_t now_ms) {
  bool is_map = s.type == asl::StateType::kMap;
  json::array runs;
  for (auto& r : fork.runs) runs.push_back(std::move(r.input));
  if (is_map) {
    event("MapStateStarted", "mapStateStartedEventDetails",
          json::object{{"length", static_cast<int64_t>(runs.size())}});
  } else {
    event("ParallelStateStarted", "", {});
  }
  int64_t limit = static_cast<int64_t>(runs.size());
  if (is_map) limit = fork.max_concurrency > 0 ? fork.max_concurrency : kMaxInFlight;
  if (s.distributed) map_run_started(f, s, runs.size(), limit, now_ms);
  if (runs.empty()) {
    if (s.distributed) return fork_succeeded(f, s, json::array(), now_ms);
    event(is_map ? "MapStateSucceeded" : "ParallelStateSucceeded", "", {});
    return complete(f, s, json::array(), now_ms);
  }
  f["phase"] = "fork";
  f["results"] = json::array(runs.size(), nullptr);
  f["runs"] = std::move(runs);
  f["next"] = 0;
  f["done"] = 0;
  f["failed"] = 0;
  f["limit"] = limit;
  f["active"] = json::object();
}

void Runner::step_fork(json::object& f, const asl::State& s, int64_t now_ms) {
  bool is_map = s.type == asl::StateType::kMap;
  size_t n = f["runs"].as_array().size();
  auto limit = static_cast<size_t>(std::max<int64_t>(1, int_of(f, "limit")));
  while (true) {
    bool moved = false;
    auto& active = f["active"].as_object();
    auto next = static_cast<size_t>(int_of(f, "next"));
    while (next < n && active.size() < limit) {
      if (const auto* skip = f.if_contains("skip"); skip && skip->as_array()[next] == true) {
        f["next"] = static_cast<int64_t>(++next);  // succeeded before a redrive
        continue;
      }
      if (event_count() >= kYieldEvents) {
        yielded_ = true;
        return;
      }
      if (is_map && !s.distributed) {
        event("MapIterationStarted", "mapIterationStartedEventDetails",
              json::object{{"name", s.name}, {"index", static_cast<int64_t>(next)}});
      }
      active[std::to_string(next)] = json::object{{"state", run_machine(s, next).start_at},
                                                  {"input", f["runs"].as_array()[next]}};
      // A branch or iteration reads the variables its state saw.
      if (const auto* vars = vars_of(f)) active[std::to_string(next)].as_object()["vars"] = *vars;
      if (s.distributed) start_child(active[std::to_string(next)].as_object(), f, s, now_ms);
      f["next"] = static_cast<int64_t>(++next);
      moved = true;
    }
    std::vector<std::string> ended;
    for (auto& kv : active) {
      std::string k(kv.key());
      bool done = false;
      {
        InChild in(*this, s.distributed ? &kv.value().as_object() : nullptr);
        done = step(kv.value().as_object(), run_machine(s, std::stoul(k)), now_ms);
      }
      if (done) ended.push_back(k);
      if (yielded_) break;
    }
    for (const auto& k : ended) {
      if (s.distributed) end_child(active[k].as_object(), active[k].as_object()["end"].as_object());
      json::object end = std::move(active[k].as_object()["end"].as_object());
      active.erase(k);
      auto index = static_cast<int64_t>(std::stoul(k));
      f["done"] = int_of(f, "done") + 1;
      moved = true;
      bool ok = end["ok"].as_bool();
      if (is_map && !s.distributed) {
        event(ok ? "MapIterationSucceeded" : "MapIterationFailed",
              ok ? "mapIterationSucceededEventDetails" : "mapIterationFailedEventDetails",
              json::object{{"name", s.name}, {"index", index}});
      }
      if (ok) {
        f["results"].as_array()[static_cast<size_t>(index)] = std::move(end["output"]);
        if (!f.contains("ok")) f["ok"] = json::array();
        f["ok"].as_array().push_back(index);
        continue;
      }
      asl::Failure failure{str_of(end, "error"), str_of(end, "cause")};
      if (s.distributed) {  // kept for the ResultWriter's FAILED file
        if (!f.contains("failures")) f["failures"] = json::object();
        f["failures"].as_object()[k] =
            json::object{{"Error", failure.error}, {"Cause", failure.cause}};
      }
      if (is_map) {
        f["failed"] = int_of(f, "failed") + 1;
        // UpdateMapRun may have changed a distributed Map's tolerances.
        std::optional<int64_t> count = s.tolerated_failure_count;
        std::optional<double> percentage = s.tolerated_failure_percentage;
        if (f.contains("tolerated_count")) count = int_of(f, "tolerated_count");
        if (const auto* p = f.if_contains("tolerated_percentage"); p && p->is_number()) {
          percentage = p->to_number<double>();
        }
        if (asl::tolerates(count, percentage, static_cast<size_t>(int_of(f, "failed")), n)) {
          continue;
        }
        // With a tolerance set, going over it is its own error; without
        // one, the iteration's failure is the Map's.
        if (count || percentage) {
          failure = {"States.ExceedToleratedFailureThreshold",
                     "The specified tolerated failure threshold was exceeded"};
        }
      }
      // The other branches or iterations in flight stop; what succeeded is
      // kept for a redrive.
      json::value redo = json::object{
          {"runs", f["runs"]}, {"results", f["results"]}, {"ok", f["ok"]}, {"limit", f["limit"]}};
      if (f.contains("map_run")) redo.as_object()["map_run"] = f["map_run"];
      if (s.distributed) map_run_ended(f, "FAILED", &failure, now_ms);
      end_fork(f, s, true);
      event(is_map ? "MapStateFailed" : "ParallelStateFailed", "", {});
      fail(f, s, std::move(failure), true, now_ms, 0);
      if (auto* e = f.if_contains("end")) e->as_object()["redo"] = std::move(redo);
      return;
    }
    if (static_cast<size_t>(int_of(f, "done")) == n) {
      if (s.distributed) return fork_succeeded(f, s, std::move(f["results"]), now_ms);
      json::value results = std::move(f["results"]);
      end_fork(f, s, false);
      event(is_map ? "MapStateSucceeded" : "ParallelStateSucceeded", "", {});
      return complete(f, s, std::move(results), now_ms);
    }
    if (!moved || yielded_) return;
  }
}

void Runner::end_fork(json::object& f, const asl::State& s, bool aborted) {
  if (aborted && s.distributed) {
    for (auto& kv : f["active"].as_object()) abort_child(kv.value().as_object());
  }
  if (aborted && s.type == asl::StateType::kMap && !s.distributed) {
    for (const auto& kv : f["active"].as_object()) {
      auto index = static_cast<int64_t>(std::stoul(std::string(kv.key())));
      event("MapIterationAborted", "mapIterationAbortedEventDetails",
            json::object{{"name", s.name}, {"index", index}});
    }
  }
  for (const char* k : {"phase", "runs", "results", "next", "done", "failed", "limit", "active",
                        "ok", "skip", "failures"}) {
    f.erase(k);
  }
}

void Runner::complete(json::object& f, const asl::State& s, json::value result, int64_t now_ms) {
  state_context(s, f);
  auto done = asl::complete(s, f["input"], std::move(result), context_, vars_of(f), now_ms);
  if (auto* t = std::get_if<asl::Transition>(&done)) return transition(f, s, std::move(*t), now_ms);
  fail(f, s, std::get<asl::Failure>(std::move(done)), true, now_ms, 0);
}

void Runner::transition(json::object& f, const asl::State& s, asl::Transition t, int64_t now_ms) {
  if (asl::too_large(t.output)) {
    return fail(f, s,
                {"States.DataLimitExceeded", "The state/task '" + s.name +
                                                 "' returned a result with a size exceeding the "
                                                 "maximum number of bytes service limit."},
                false, now_ms, 0);
  }
  json::object exited = io(s.name, "output", t.output);
  if (!t.assign.empty()) {
    // Each assigned variable's value as serialized JSON, as AWS shows them.
    json::object assigned;
    for (const auto& [k, v] : t.assign) assigned[k] = json::serialize(v);
    exited["assignedVariables"] = std::move(assigned);
    exited["assignedVariablesDetails"] = json::object{{"truncated", false}};
  }
  event(type_of(s) + "StateExited", "stateExitedEventDetails", std::move(exited));
  if (t.next.empty()) {
    replace_frame(
        f, json::object{{"state", s.name},
                        {"end", json::object{{"ok", true}, {"output", std::move(t.output)}}}});
    return;
  }
  json::value vars = f.contains("vars") ? std::move(f["vars"]) : json::value();
  if (!t.assign.empty()) {
    if (!vars.is_object()) vars = json::object();
    for (auto& [k, v] : t.assign) vars.as_object()[k] = std::move(v);
  }
  json::object next{{"state", t.next}, {"input", std::move(t.output)}};
  if (vars.is_object()) next["vars"] = std::move(vars);
  replace_frame(f, std::move(next));
}

void Runner::fail(json::object& f, const asl::State& s, asl::Failure failure, bool recoverable,
                  int64_t now_ms, double jitter) {
  // The state and its input are kept: a redrive enters it again.
  auto end = [&](asl::Failure x) {
    json::value input = f["input"];
    replace_frame(f, json::object{{"state", s.name},
                                  {"end", json::object{{"ok", false},
                                                       {"error", x.error},
                                                       {"cause", x.cause},
                                                       {"input", std::move(input)}}}});
  };
  if (!recoverable) return end(std::move(failure));
  std::vector<int64_t> attempts;
  if (const auto* a = f.if_contains("attempts")) {
    for (const auto& n : a->as_array()) attempts.push_back(n.to_number<int64_t>());
  }
  asl::Recovery r =
      asl::recover(s, f["input"], failure, attempts, jitter, &context_, vars_of(f), now_ms);
  json::array saved;
  for (int64_t n : attempts) saved.push_back(n);
  f["attempts"] = std::move(saved);
  if (auto* retry = std::get_if<asl::RetryAfter>(&r)) {
    f["phase"] = "retry";
    f["until"] = now_ms + retry->delay_ms;
    return;
  }
  if (auto* t = std::get_if<asl::Transition>(&r)) return transition(f, s, std::move(*t), now_ms);
  end(std::get<asl::Failure>(std::move(r)));
}

Stop Runner::redrive(int64_t now_ms) {
  json::object& root = root_frame();
  json::value input = root.contains("end") ? root["end"].as_object()["input"] : root["input"];
  // A Parallel or Map runs again only the branches or iterations that did
  // not succeed.
  json::value redo;
  if (root.contains("end") && root["end"].as_object().contains("redo")) {
    redo = root["end"].as_object()["redo"];
  } else if (phase_of(root) == "fork") {
    redo = json::object{{"runs", root["runs"]},
                        {"results", root["results"]},
                        {"ok", root["ok"]},
                        {"limit", root["limit"]}};
    if (root.contains("map_run")) redo.as_object()["map_run"] = root["map_run"];
  }
  json::object fresh{{"state", root["state"]}, {"input", std::move(input)}};
  if (redo.is_object() && redo.as_object()["runs"].is_array()) {
    json::object& r = redo.as_object();
    size_t n = r["runs"].as_array().size();
    json::array skip(n, false);
    int64_t done = 0;
    if (r["ok"].is_array()) {
      for (const auto& i : r["ok"].as_array()) {
        skip[static_cast<size_t>(i.to_number<int64_t>())] = true;
        ++done;
      }
    }
    fresh["entered"] = true;
    fresh["entered_ms"] = now_ms;
    fresh["phase"] = "fork";
    fresh["runs"] = std::move(r["runs"]);
    fresh["results"] = std::move(r["results"]);
    fresh["ok"] = r["ok"].is_array() ? r["ok"] : json::array();
    fresh["skip"] = std::move(skip);
    fresh["next"] = 0;
    fresh["done"] = done;
    fresh["failed"] = 0;
    if (r["limit"].is_number()) fresh["limit"] = r["limit"];
    // A redriven distributed Map goes on as its Map Run.
    if (r.contains("map_run")) fresh["map_run"] = r["map_run"];
    fresh["active"] = json::object();
  }
  root = std::move(fresh);
  return run(now_ms);
}

Stop Runner::wake(int64_t now_ms) {
  return run(now_ms);
}

Stop Runner::resume(int64_t now_ms) {
  visit_all([](json::object& f, const asl::Machine&) {
    if (phase_of(f) == "task") {
      for (const char* k : kTaskKeys) f.erase(k);
    }
    return false;
  });
  return run(now_ms);
}

Stop Runner::task_succeeded(const std::string& token, json::value result, int64_t now_ms) {
  auto [f, m] = find(token);
  if (f == nullptr) return run(now_ms);
  const asl::State& s = *m->find(f->at("state").as_string());
  if (f->contains("io")) return io_succeeded(*f, s, std::move(result), now_ms);
  {
    InChild in(*this, child_of(f));
    for (const char* k : kTaskKeys) f->erase(k);
    json::object details{{"output", json::serialize(result)},
                         {"outputDetails", json::object{{"truncated", false}}}};
    if (legacy_lambda(s.resource)) {
      event("LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", std::move(details));
    } else if (is_activity(s.resource)) {
      event("ActivitySucceeded", "activitySucceededEventDetails", std::move(details));
    } else {
      auto [type, name] = resource_parts(s.resource);
      details["resourceType"] = type;
      details["resource"] = name;
      event("TaskSucceeded", "taskSucceededEventDetails", std::move(details));
    }
    complete(*f, s, std::move(result), now_ms);
  }
  return run(now_ms);
}

Stop Runner::task_failed(const std::string& token, const asl::Failure& failure, int64_t now_ms,
                         double jitter) {
  auto [f, m] = find(token);
  if (f == nullptr) return run(now_ms);
  const asl::State& s = *m->find(f->at("state").as_string());
  if (f->contains("io")) return io_failed(*f, s, failure, now_ms);
  {
    InChild in(*this, child_of(f));
    for (const char* k : kTaskKeys) f->erase(k);
    bool timed_out =
        failure.error == "States.Timeout" || failure.error == "States.HeartbeatTimeout";
    json::object details{{"error", failure.error}, {"cause", failure.cause}};
    if (legacy_lambda(s.resource)) {
      event(timed_out ? "LambdaFunctionTimedOut" : "LambdaFunctionFailed",
            timed_out ? "lambdaFunctionTimedOutEventDetails" : "lambdaFunctionFailedEventDetails",
            std::move(details));
    } else if (is_activity(s.resource)) {
      event(timed_out ? "ActivityTimedOut" : "ActivityFailed",
            timed_out ? "activityTimedOutEventDetails" : "activityFailedEventDetails",
            std::move(details));
    } else {
      auto [type, name] = resource_parts(s.resource);
      details["resourceType"] = type;
      details["resource"] = name;
      event(timed_out ? "TaskTimedOut" : "TaskFailed",
            timed_out ? "taskTimedOutEventDetails" : "taskFailedEventDetails", std::move(details));
    }
    fail(*f, s, failure, true, now_ms, jitter);
  }
  return run(now_ms);
}

Stop Runner::task_submitted(const std::string& token, const json::value& output,
                            const std::string& child, int64_t now_ms) {
  auto [f, m] = find(token);
  if (f == nullptr) return run(now_ms);
  {
    InChild in(*this, child_of(f));
    const asl::State& s = *m->find(f->at("state").as_string());
    (*f)["phase"] = "callback";
    if (!child.empty()) (*f)["child"] = child;
    auto [type, name] = resource_parts(s.resource);
    event("TaskSubmitted", "taskSubmittedEventDetails",
          json::object{{"resourceType", type},
                       {"resource", name},
                       {"output", json::serialize(output)},
                       {"outputDetails", json::object{{"truncated", false}}}});
  }
  return run(now_ms);
}

Stop Runner::activity_started(const std::string& token, const std::string& worker, int64_t now_ms) {
  auto [f, m] = find(token);
  if (f == nullptr) return run(now_ms);
  {
    InChild in(*this, child_of(f));
    (*f)["started"] = true;
    json::object details;
    if (!worker.empty()) details["workerName"] = worker;
    event("ActivityStarted", "activityStartedEventDetails", std::move(details));
  }
  return run(now_ms);
}

bool Runner::awaits(const std::string& token) const {
  return awaits_token(position_, token);
}

std::string Runner::task_resource(const std::string& token) const {
  std::string resource;
  visit_all([&](json::object& f, const asl::Machine& m) {
    if (str_of(f, "token") != token || !f.contains("phase")) return false;
    resource = m.find(f.at("state").as_string())->resource;
    return true;
  });
  return resource;
}

std::string Runner::child_token(const std::string& child) const {
  std::string token;
  walk_position(position_, [&](const json::object& f) {
    if (phase_of(f) != "callback" || str_of(f, "child") != child) return false;
    token = str_of(f, "token");
    return true;
  });
  return token;
}

std::vector<PendingActivity> Runner::pending_activities() const {
  std::vector<PendingActivity> out;
  visit_all([&](json::object& f, const asl::Machine& m) {
    if (phase_of(f) == "callback" && !f.contains("started") && f.contains("task_input")) {
      out.push_back({str_of(f, "token"), str_of(f, "task_input"),
                     m.find(f.at("state").as_string())->resource});
    }
    return false;
  });
  return out;
}

}  // namespace nimbus::sfn
