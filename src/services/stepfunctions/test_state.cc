// TestState: one state run once, outside any execution. The definition is
// checked by the same parser as a machine's, the state entered with the
// interpreter's step functions (step.h), a Task really calls its resource
// through the integrations; nothing is stored and no history is written.
#include <memory>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "common/time_format.h"
#include "services/stepfunctions/stepfunctions_service.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

// What one run of the state produced, answered as TestStateOutput.
struct TestRun {
  std::shared_ptr<const asl::Machine> machine;  // owns `state`
  const asl::State* state = nullptr;
  json::value input, context;
  json::object vars;
  bool debug = false;
  asl::Inspection inspection;
};

Result<json::value> json_member(const json::object& in, std::string_view key, json::value dflt) {
  if (!has(in, key)) return dflt;
  const std::string text = str(in, key);
  if (text.size() > kMaxPayloadBytes) {
    return errors::invalid_input("Input is larger than the maximum of 262144 bytes");
  }
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return errors::invalid_input("Unexpected " + std::string(key) + ": " + ec.message());
  return v;
}

// Why TestState cannot run `s`, "" when it can (AWS runs these only with
// a mocked result, which nimbus does not take).
std::string unsupported(const asl::State& s) {
  if (s.type == asl::StateType::kParallel || s.type == asl::StateType::kMap) {
    return "TestState does not support " + std::string(asl::type_name(s.type)) + " states";
  }
  if (s.type != asl::StateType::kTask) return "";
  if (is_activity(s.resource)) return "TestState does not support Activity tasks";
  auto target = task_target(s.resource);
  if (!target.pattern.empty()) {
    return "TestState does not support the " + target.pattern + " integration pattern";
  }
  return "";
}

void put_json(json::object& out, std::string_view key, const std::optional<json::value>& v) {
  if (v) out[key] = json::serialize(*v);
}

json::object answer(const TestRun& run, const std::string& status) {
  json::object out{{"status", status}};
  if (run.debug) {
    json::object data{{"input", json::serialize(run.input)}};
    put_json(data, "afterInputPath", run.inspection.after_input_path);
    put_json(data, "afterParameters", run.inspection.after_parameters);
    put_json(data, "result", run.inspection.result);
    put_json(data, "afterResultSelector", run.inspection.after_result_selector);
    put_json(data, "afterResultPath", run.inspection.after_result_path);
    if (run.state->jsonata) data["variables"] = json::serialize(run.vars);
    out["inspectionData"] = std::move(data);
  }
  return out;
}

json::object succeeded(TestRun& run, asl::Transition t, const std::string& status = "SUCCEEDED") {
  for (auto& [k, v] : t.assign) run.vars[k] = std::move(v);
  json::object out = answer(run, status);
  out["output"] = json::serialize(t.output);
  if (!t.next.empty()) out["nextState"] = t.next;
  return out;
}

// A failure of the state's work: a Retrier that would retry it answers
// RETRIABLE, a Catcher CAUGHT_ERROR with its output and next state.
json::object failed(TestRun& run, const asl::Failure& f, bool recoverable, int64_t retry_count,
                    int64_t now_ms) {
  json::object out;
  if (recoverable) {
    std::vector<int64_t> attempts(run.state->retry.size(), retry_count);
    auto r = asl::recover(*run.state, run.input, f, attempts, 0.5, &run.context, &run.vars, now_ms);
    if (std::holds_alternative<asl::RetryAfter>(r)) {
      out = answer(run, "RETRIABLE");
    } else if (auto* t = std::get_if<asl::Transition>(&r)) {
      out = succeeded(run, std::move(*t), "CAUGHT_ERROR");
    } else {
      out = answer(run, "FAILED");
      const auto& last = std::get<asl::Failure>(r);
      out["error"] = last.error;
      out["cause"] = last.cause;
      return out;
    }
  } else {
    out = answer(run, "FAILED");
  }
  out["error"] = f.error;
  out["cause"] = f.cause;
  return out;
}

}  // namespace

void StepFunctionsService::test_state(const CallContext& ctx, json::object in, Respond respond) {
  if (has(in, "roleArn") && !str(in, "roleArn").starts_with("arn:")) {
    return respond(
        Error::make("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: " + str(in, "roleArn") + "'"));
  }
  for (const char* f : {"mock", "stateConfiguration"}) {
    if (in.contains(f)) {
      return respond(
          errors::validation(std::string("TestState's '") + f + "' is not supported by nimbus"));
    }
  }
  auto input = json_member(in, "input", json::object());
  if (!input) return respond(input.take_error());
  auto vars = json_member(in, "variables", json::object());
  if (!vars) return respond(vars.take_error());
  auto given_context = json_member(in, "context", json::object());
  if (!given_context) return respond(given_context.take_error());
  if (!vars->is_object() || !given_context->is_object()) {
    return respond(errors::validation("'variables' and 'context' must be JSON objects"));
  }
  auto parsed = asl::parse_state(str(in, "definition"), str(in, "stateName"));
  if (!parsed.state) {
    return respond(errors::invalid_definition(asl::invalid_definition_message(parsed.diagnostics)));
  }
  if (auto why = unsupported(*parsed.state); !why.empty()) {
    return respond(errors::validation(why));
  }
  auto run = std::make_shared<TestRun>();
  run->machine = parsed.machine;
  run->state = parsed.state;
  run->input = std::move(*input);
  run->vars = std::move(vars->as_object());
  std::string level = has(in, "inspectionLevel") ? str(in, "inspectionLevel") : "INFO";
  run->debug = level == "DEBUG" || level == "TRACE";

  // The context object of a one-state execution; what the caller gives in
  // `context` replaces its members.
  const int64_t now = env_.clock.now_millis();
  const std::string name = new_request_id();
  const std::string execution = arn(ctx, "execution", "TestStateMachine:" + name);
  json::object context{
      {"Execution", json::object{{"Id", execution},
                                 {"Input", run->input},
                                 {"Name", name},
                                 {"RoleArn", str(in, "roleArn")},
                                 {"StartTime", utc_millis(now)}}},
      {"StateMachine", json::object{{"Id", arn(ctx, "stateMachine", "TestStateMachine")},
                                    {"Name", "TestStateMachine"}}},
      {"State",
       json::object{
           {"Name", run->state->name}, {"EnteredTime", utc_millis(now)}, {"RetryCount", 0}}}};
  for (auto& [k, v] : given_context->as_object()) {
    auto* mine = context.if_contains(k);
    if (mine != nullptr && mine->is_object() && v.is_object()) {
      for (auto& [kk, vv] : v.as_object()) mine->as_object()[kk] = vv;
    } else {
      context[k] = v;
    }
  }
  int64_t retry_count = 0;
  if (const auto* rc = context["State"].as_object().if_contains("RetryCount");
      rc != nullptr && rc->is_int64()) {
    retry_count = std::max<int64_t>(0, rc->as_int64());
  }
  run->context = std::move(context);

  const asl::State& s = *run->state;
  asl::inspect_input(s, run->input, run->context, run->inspection);
  asl::Entered entered = asl::enter(s, run->input, run->context, now, &run->vars);
  if (auto* t = std::get_if<asl::Transition>(&entered)) {
    if (s.type == asl::StateType::kPass && !s.jsonata) {
      asl::inspect_result(s, run->input,
                          s.result ? *s.result : run->inspection.after_parameters.value_or(nullptr),
                          run->context, run->inspection);
    }
    return respond(succeeded(*run, std::move(*t)));
  }
  if (auto* w = std::get_if<asl::WaitUntil>(&entered)) {
    // As AWS's TestState: the wait is not waited; its next state is named.
    return respond(succeeded(*run, std::move(w->then)));
  }
  if (auto* f = std::get_if<asl::Failure>(&entered)) {
    return respond(failed(*run, *f, s.type != asl::StateType::kFail, retry_count, now));
  }
  auto* call = std::get_if<asl::TaskCall>(&entered);
  if (call == nullptr) return respond(errors::validation(unsupported(s)));
  integrations_.call(TaskRequest{call->resource, call->parameters, execution, "", ""},
                     [this, run, retry_count, respond = std::move(respond)](TaskOutcome outcome) {
                       const int64_t at = env_.clock.now_millis();
                       if (!outcome.ok)
                         return respond(failed(*run, outcome.failure, true, retry_count, at));
                       asl::inspect_result(*run->state, run->input, outcome.output, run->context,
                                           run->inspection);
                       auto done = asl::complete(*run->state, run->input, std::move(outcome.output),
                                                 run->context, &run->vars, at);
                       if (auto* f = std::get_if<asl::Failure>(&done)) {
                         return respond(failed(*run, *f, true, retry_count, at));
                       }
                       respond(succeeded(*run, std::get<asl::Transition>(std::move(done))));
                     });
}

}  // namespace nimbus::sfn
