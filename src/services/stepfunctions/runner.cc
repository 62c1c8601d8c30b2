#include "services/stepfunctions/runner.h"

#include "common/time_format.h"

namespace nimbus::sfn {

namespace json = boost::json;

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

}  // namespace

Runner::Runner(const asl::Machine& root, json::value position, json::value context)
    : root_(root), position_(std::move(position)), context_(std::move(context)) {
  if (!position_.is_object()) position_ = json::object{{"frames", json::array()}};
}

json::object& Runner::top() {
  return position_.as_object()["frames"].as_array().back().as_object();
}

const asl::Machine& Runner::machine_at(size_t depth) const {
  const asl::Machine* m = &root_;
  const auto& frames = position_.as_object().at("frames").as_array();
  for (size_t d = 0; d < depth; ++d) {
    const auto& f = frames[d].as_object();
    const asl::State* s = m->find(f.at("state").as_string());
    if (s->type == asl::StateType::kParallel) {
      m = s->branches[static_cast<size_t>(f.at("run").to_number<int64_t>())].get();
    } else {
      m = s->iterator.get();
    }
  }
  return *m;
}

const asl::State& Runner::state_at(size_t depth) const {
  const auto& f = position_.as_object().at("frames").as_array()[depth].as_object();
  return *machine_at(depth).find(f.at("state").as_string());
}

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
  events_.push_back({std::move(type), std::move(key), std::move(details)});
}

Stop Runner::start(const json::value& input, int64_t now_ms) {
  auto& frames = position_.as_object()["frames"].as_array();
  frames.clear();
  frames.push_back(json::object{{"state", root_.start_at}, {"input", input}});
  return run(now_ms);
}

Stop Runner::run(int64_t now_ms) {
  while (true) {
    // A long stretch without a wait point (a Pass loop) yields, so that its
    // events are committed in pieces and other executions get the pool.
    if (events_.size() >= kYieldEvents) return Stop{Stop::kWait, now_ms, {}, {}, {}};
    if (auto stop = enter_top(now_ms)) return std::move(*stop);
  }
}

std::optional<Stop> Runner::enter_top(int64_t now_ms) {
  size_t depth = position_.as_object()["frames"].as_array().size() - 1;
  const asl::State& s = state_at(depth);
  json::object& f = top();
  if (!f.contains("entered")) {
    f["entered"] = true;
    f["entered_ms"] = now_ms;
    event(type_of(s) + "StateEntered", "stateEnteredEventDetails", io(s.name, "input", f["input"]));
  }
  state_context(s, f);
  bool task = s.type == asl::StateType::kTask && context_.is_object();
  if (s.type == asl::StateType::kTask) {
    // Each attempt is a new task with its own token ($$.Task.Token).
    f["token"] = new_token_ ? new_token_() : std::to_string(events_.size()) + "." + s.name;
  }
  if (task) context_.as_object()["Task"] = json::object{{"Token", f["token"]}};
  asl::Entered e = asl::enter(s, f["input"], context_, now_ms);
  if (task) context_.as_object().erase("Task");
  if (auto* t = std::get_if<asl::Transition>(&e)) return transition(std::move(*t), now_ms);
  if (auto* w = std::get_if<asl::WaitUntil>(&e)) {
    f["phase"] = "wait";
    f["then"] = json::object{{"next", w->then.next}, {"output", w->then.output}};
    return Stop{Stop::kWait, w->until_ms, {}, {}, {}};
  }
  if (auto* c = std::get_if<asl::TaskCall>(&e)) {
    f["phase"] = "task";
    if (c->heartbeat_seconds) f["heartbeat"] = *c->heartbeat_seconds;
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
      return Stop{Stop::kTask, 0, std::move(*c), {}, {}};
    }
    if (legacy_lambda(c->resource)) {
      json::object details{{"resource", c->resource},
                           {"input", json::serialize(c->parameters)},
                           {"inputDetails", json::object{{"truncated", false}}}};
      if (c->timeout_seconds) details["timeoutInSeconds"] = *c->timeout_seconds;
      event("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", std::move(details));
      event("LambdaFunctionStarted", "", {});
      return Stop{Stop::kTask, 0, std::move(*c), {}, {}};
    }
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
    return Stop{Stop::kTask, 0, std::move(*c), {}, {}};
  }
  if (auto* fork = std::get_if<asl::Fork>(&e)) {
    json::array runs;
    for (auto& r : fork->runs) runs.push_back(std::move(r.input));
    if (s.type == asl::StateType::kMap) {
      event("MapStateStarted", "mapStateStartedEventDetails",
            json::object{{"length", static_cast<int64_t>(runs.size())}});
    } else {
      event("ParallelStateStarted", "", {});
    }
    if (runs.empty()) {
      event(s.type == asl::StateType::kMap ? "MapStateSucceeded" : "ParallelStateSucceeded", "",
            {});
      state_context(s, f);
      auto done = asl::complete(s, f["input"], json::array(), context_);
      if (auto* t = std::get_if<asl::Transition>(&done)) return transition(std::move(*t), now_ms);
      return fail(std::get<asl::Failure>(done), true, now_ms, 0);
    }
    f["phase"] = "fork";
    f["run"] = 0;
    f["results"] = json::array();
    f["failed"] = 0;
    json::value first = runs[0];
    f["runs"] = std::move(runs);
    const asl::Machine& child = s.type == asl::StateType::kMap ? *s.iterator : *s.branches[0];
    if (s.type == asl::StateType::kMap) {
      event("MapIterationStarted", "mapIterationStartedEventDetails",
            json::object{{"name", s.name}, {"index", 0}});
    }
    position_.as_object()["frames"].as_array().push_back(
        json::object{{"state", child.start_at}, {"input", std::move(first)}});
    return std::nullopt;
  }
  auto& failure = std::get<asl::Failure>(e);
  return fail(std::move(failure), s.type != asl::StateType::kFail, now_ms, 0);
}

std::optional<Stop> Runner::transition(asl::Transition t, int64_t now_ms) {
  size_t depth = position_.as_object()["frames"].as_array().size() - 1;
  const asl::State& s = state_at(depth);
  if (asl::too_large(t.output)) {
    return fail({"States.DataLimitExceeded", "The state/task '" + s.name +
                                                 "' returned a result with a size exceeding the "
                                                 "maximum number of bytes service limit."},
                false, now_ms, 0);
  }
  event(type_of(s) + "StateExited", "stateExitedEventDetails", io(s.name, "output", t.output));
  if (t.next.empty()) return finish_frame(true, std::move(t.output), {}, now_ms);
  top() = json::object{{"state", t.next}, {"input", std::move(t.output)}};
  return std::nullopt;
}

std::optional<Stop> Runner::fail(asl::Failure f, bool recoverable, int64_t now_ms, double jitter) {
  if (!recoverable) return finish_frame(false, nullptr, std::move(f), now_ms);
  size_t depth = position_.as_object()["frames"].as_array().size() - 1;
  const asl::State& s = state_at(depth);
  json::object& fr = top();
  std::vector<int64_t> attempts;
  if (const auto* a = fr.if_contains("attempts")) {
    for (const auto& n : a->as_array()) attempts.push_back(n.to_number<int64_t>());
  }
  asl::Recovery r = asl::recover(s, fr["input"], f, attempts, jitter);
  json::array saved;
  for (int64_t n : attempts) saved.push_back(n);
  fr["attempts"] = std::move(saved);
  if (auto* retry = std::get_if<asl::RetryAfter>(&r)) {
    fr["phase"] = "retry";
    return Stop{Stop::kWait, now_ms + retry->delay_ms, {}, {}, {}};
  }
  if (auto* t = std::get_if<asl::Transition>(&r)) return transition(std::move(*t), now_ms);
  return finish_frame(false, nullptr, std::get<asl::Failure>(std::move(r)), now_ms);
}

std::optional<Stop> Runner::finish_frame(bool ok, json::value output, asl::Failure failure,
                                         int64_t now_ms) {
  auto& frames = position_.as_object()["frames"].as_array();
  frames.pop_back();
  if (frames.empty()) {
    if (ok) {
      event("ExecutionSucceeded", "executionSucceededEventDetails",
            json::object{{"output", json::serialize(output)},
                         {"outputDetails", json::object{{"truncated", false}}}});
      return Stop{Stop::kSucceeded, 0, {}, std::move(output), {}};
    }
    event("ExecutionFailed", "executionFailedEventDetails",
          json::object{{"error", failure.error}, {"cause", failure.cause}});
    return Stop{Stop::kFailed, 0, {}, {}, std::move(failure)};
  }
  size_t depth = frames.size() - 1;
  const asl::State& s = state_at(depth);
  json::object& p = top();
  bool is_map = s.type == asl::StateType::kMap;
  int64_t run = p["run"].to_number<int64_t>();
  if (is_map) {
    event(ok ? "MapIterationSucceeded" : "MapIterationFailed",
          ok ? "mapIterationSucceededEventDetails" : "mapIterationFailedEventDetails",
          json::object{{"name", s.name}, {"index", run}});
  }
  if (!ok) {
    if (!is_map) {
      event("ParallelStateFailed", "", {});
      p.erase("phase");
      return fail(std::move(failure), true, now_ms, 0);
    }
    p["failed"] = p["failed"].to_number<int64_t>() + 1;
    output = nullptr;
  }
  p["results"].as_array().push_back(std::move(output));
  const auto& runs = p["runs"].as_array();
  if (static_cast<size_t>(run + 1) < runs.size()) {
    p["run"] = run + 1;
    json::value next_input = runs[static_cast<size_t>(run + 1)];
    const asl::Machine& child = is_map ? *s.iterator : *s.branches[static_cast<size_t>(run + 1)];
    if (is_map) {
      event("MapIterationStarted", "mapIterationStartedEventDetails",
            json::object{{"name", s.name}, {"index", run + 1}});
    }
    frames.push_back(json::object{{"state", child.start_at}, {"input", std::move(next_input)}});
    return std::nullopt;
  }
  json::value results = std::move(p["results"]);
  size_t failed = static_cast<size_t>(p["failed"].to_number<int64_t>());
  size_t total = runs.size();
  for (const char* k : {"phase", "run", "results", "failed", "runs"}) p.erase(k);
  if (is_map && !asl::tolerates(s, failed, total)) {
    event("MapStateFailed", "", {});
    return fail({"States.ExceedToleratedFailureThreshold",
                 "The specified tolerated failure threshold was exceeded"},
                true, now_ms, 0);
  }
  event(is_map ? "MapStateSucceeded" : "ParallelStateSucceeded", "", {});
  state_context(s, p);
  auto done = asl::complete(s, p["input"], std::move(results), context_);
  if (auto* t = std::get_if<asl::Transition>(&done)) return transition(std::move(*t), now_ms);
  return fail(std::get<asl::Failure>(std::move(done)), true, now_ms, 0);
}

Stop Runner::wake(int64_t now_ms) {
  json::object& f = top();
  std::string phase = f.contains("phase") ? std::string(f["phase"].as_string()) : "";
  f.erase("phase");
  if (phase == "wait") {
    json::object then = std::move(f["then"].as_object());
    f.erase("then");
    asl::Transition t{std::string(then["next"].as_string()), std::move(then["output"])};
    if (auto stop = transition(std::move(t), now_ms)) return std::move(*stop);
  }
  return run(now_ms);
}

Stop Runner::task_succeeded(json::value result, int64_t now_ms) {
  size_t depth = position_.as_object()["frames"].as_array().size() - 1;
  const asl::State& s = state_at(depth);
  json::object& f = top();
  for (const char* k : {"phase", "token", "heartbeat", "child", "task_input", "started"}) {
    f.erase(k);
  }
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
  state_context(s, f);
  auto done = asl::complete(s, f["input"], std::move(result), context_);
  std::optional<Stop> stop;
  if (auto* t = std::get_if<asl::Transition>(&done)) {
    stop = transition(std::move(*t), now_ms);
  } else {
    stop = fail(std::get<asl::Failure>(std::move(done)), true, now_ms, 0);
  }
  return stop ? std::move(*stop) : run(now_ms);
}

Stop Runner::task_failed(const asl::Failure& failure, int64_t now_ms, double jitter) {
  size_t depth = position_.as_object()["frames"].as_array().size() - 1;
  const asl::State& s = state_at(depth);
  for (const char* k : {"phase", "token", "heartbeat", "child", "task_input", "started"}) {
    top().erase(k);
  }
  bool timed_out = failure.error == "States.Timeout" || failure.error == "States.HeartbeatTimeout";
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
  auto stop = fail(failure, true, now_ms, jitter);
  return stop ? std::move(*stop) : run(now_ms);
}

bool Runner::awaits(const std::string& token) const {
  return awaits_token(position_, token);
}

bool is_activity(const std::string& resource) {
  return resource.starts_with("arn:aws:states:") &&
         resource.find(":activity:") != std::string::npos;
}

Stop Runner::activity_started(const std::string& worker) {
  top()["started"] = true;
  json::object details;
  if (!worker.empty()) details["workerName"] = worker;
  event("ActivityStarted", "activityStartedEventDetails", std::move(details));
  return Stop{Stop::kIdle, 0, {}, {}, {}};
}

namespace {

const json::object* top_frame(const json::value& position) {
  const auto* frames = position.is_object() ? position.as_object().if_contains("frames") : nullptr;
  if (frames == nullptr || !frames->is_array() || frames->as_array().empty()) return nullptr;
  return frames->as_array().back().if_object();
}

}  // namespace

bool awaits_token(const json::value& position, const std::string& token) {
  const json::object* f = top_frame(position);
  if (f == nullptr) return false;
  const auto* phase = f->if_contains("phase");
  const auto* t = f->if_contains("token");
  return phase != nullptr && (*phase == "task" || *phase == "callback") && t != nullptr &&
         t->is_string() && t->as_string() == token;
}

bool awaits_callback(const json::value& position) {
  const json::object* f = top_frame(position);
  const auto* phase = f != nullptr ? f->if_contains("phase") : nullptr;
  return phase != nullptr && *phase == "callback";
}

std::optional<int64_t> task_heartbeat(const json::value& position) {
  const json::object* f = top_frame(position);
  const auto* h = f != nullptr ? f->if_contains("heartbeat") : nullptr;
  if (h == nullptr || !h->is_int64()) return std::nullopt;
  return h->as_int64();
}

std::optional<PendingActivity> pending_activity(const json::value& position) {
  const json::object* f = top_frame(position);
  if (f == nullptr || !awaits_callback(position) || f->contains("started")) return std::nullopt;
  const auto* input = f->if_contains("task_input");
  const auto* token = f->if_contains("token");
  if (input == nullptr || !input->is_string() || token == nullptr || !token->is_string()) {
    return std::nullopt;
  }
  return PendingActivity{std::string(token->as_string()), std::string(input->as_string())};
}

std::string task_child(const json::value& position) {
  const json::object* f = top_frame(position);
  const auto* c = f != nullptr ? f->if_contains("child") : nullptr;
  return c != nullptr && c->is_string() ? std::string(c->as_string()) : std::string();
}

Stop Runner::task_submitted(const json::value& output, const std::string& child) {
  size_t depth = position_.as_object()["frames"].as_array().size() - 1;
  const asl::State& s = state_at(depth);
  top()["phase"] = "callback";
  if (!child.empty()) top()["child"] = child;
  auto [type, name] = resource_parts(s.resource);
  event("TaskSubmitted", "taskSubmittedEventDetails",
        json::object{{"resourceType", type},
                     {"resource", name},
                     {"output", json::serialize(output)},
                     {"outputDetails", json::object{{"truncated", false}}}});
  return Stop{Stop::kIdle, 0, {}, {}, {}};
}

const std::string& Runner::task_resource() const {
  return state_at(position_.as_object().at("frames").as_array().size() - 1).resource;
}

std::string Runner::task_token() const {
  const auto& frames = position_.as_object().at("frames").as_array();
  if (frames.empty()) return {};
  const auto* t = frames.back().as_object().if_contains("token");
  return t != nullptr && t->is_string() ? std::string(t->as_string()) : std::string();
}

}  // namespace nimbus::sfn
