#include "services/stepfunctions/asl/step.h"

#include <algorithm>
#include <cmath>

#include "services/stepfunctions/asl/step_jsonata.h"
#include "services/stepfunctions/asl/timestamp.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

namespace {

Failure runtime(std::string cause) {
  return Failure{"States.Runtime", std::move(cause)};
}

Failure from_error(const Error& e) {
  return Failure{e.code == "ValidationError" ? "States.Runtime" : e.code, e.message};
}

// `vars`: the workflow variables a `$name` path reads (JSONPath states).
std::variant<json::value, Failure> apply_path(const OptionalPath& p, const json::value& v,
                                              const json::object* vars = nullptr) {
  static const json::value kNoContext;
  if (p.null) return json::value(json::object());
  if (!p.path) return v;
  auto found = p.path->find_in(v, kNoContext, vars);
  if (!found) {
    return runtime("Invalid path '" + p.path->text() +
                   "' : No results for path: " + p.path->text());
  }
  return std::move(*found);
}

// InputPath, then Parameters.
std::variant<json::value, Failure> effective_input(const State& s, const json::value& input,
                                                   const json::value& context,
                                                   const json::object* vars) {
  auto in = apply_path(s.input_path, input, vars);
  if (auto* f = std::get_if<Failure>(&in)) return *f;
  if (!s.parameters) return in;
  auto v = s.parameters->evaluate(std::get<json::value>(in), context, vars);
  if (!v) return from_error(v.error());
  return std::move(*v);
}

Transition go(const State& s, json::value output) {
  return Transition{s.end ? std::string() : s.next, std::move(output)};
}

// A JSONPath state's Assign: its `.$` fields read `value` as `$` (the
// state's result, or its input where there is none), the context object
// as `$$` and the variables as they were when the state began.
std::variant<json::object, Failure> assigned(const std::optional<Template>& assign,
                                             const json::value& value, const json::value& context,
                                             const json::object* vars) {
  if (!assign) return json::object();
  auto v = assign->evaluate(value, context, vars);
  if (!v) return from_error(v.error());
  if (!v->is_object()) return runtime("The field 'Assign' must be a JSON object");
  return std::move(v->as_object());
}

std::variant<json::value, Failure> place_result(const OptionalPath& rp, const json::value& input,
                                                json::value result) {
  if (rp.null) return input;
  if (!rp.path || rp.path->root()) return result;
  json::value out = input;
  if (auto st = rp.path->assign(out, std::move(result)); !st) {
    return runtime("Unable to apply ReferencePath " + rp.path->text() + " to input '" +
                   json::serialize(input) + "'");
  }
  return out;
}

std::variant<Transition, Failure> finish(const State& s, const json::value& input,
                                         json::value result, const json::value& context,
                                         const json::object* vars) {
  auto assign = assigned(s.assign_paths, result, context, vars);
  if (auto* f = std::get_if<Failure>(&assign)) return *f;
  auto placed = place_result(s.result_path, input, std::move(result));
  if (auto* f = std::get_if<Failure>(&placed)) return *f;
  auto out = apply_path(s.output_path, std::get<json::value>(placed), vars);
  if (auto* f = std::get_if<Failure>(&out)) return *f;
  Transition t = go(s, std::move(std::get<json::value>(out)));
  t.assign = std::move(std::get<json::object>(assign));
  return t;
}

// Seconds from a definition or an execution's input in milliseconds, bounded
// so that huge or infinite values stay far in the future instead of
// converting out of range (undefined) or overflowing now + delay.
int64_t bounded_ms(double seconds) {
  constexpr double kMaxSeconds = 1e15;  // tens of millions of years
  if (!(seconds > 0)) return 0;
  return static_cast<int64_t>(std::min(seconds, kMaxSeconds) * 1000);
}

Entered wait(const State& s, const json::value& input, const json::value& effective, int64_t now_ms,
             const json::value& context, const json::object* vars) {
  int64_t until = now_ms;
  if (s.seconds) {
    until = now_ms + bounded_ms(*s.seconds);
  } else if (s.timestamp) {
    until = parse_timestamp_ms(*s.timestamp).value_or(now_ms);
  } else if (s.seconds_path) {
    auto v = s.seconds_path->find_in(effective, context, vars);
    if (!v || !v->is_number() || v->to_number<double>() < 0) {
      return runtime("The SecondsPath parameter does not reference a valid integer value: " +
                     s.seconds_path->text());
    }
    until = now_ms + bounded_ms(v->to_number<double>());
  } else if (s.timestamp_path) {
    auto v = s.timestamp_path->find_in(effective, context, vars);
    auto ms = v && v->is_string() ? parse_timestamp_ms(v->as_string()) : std::nullopt;
    if (!ms) {
      return runtime(
          "The TimestampPath parameter does not reference a valid ISO-8601 extended "
          "offset date-time format string: " +
          s.timestamp_path->text());
    }
    until = *ms;
  }
  auto assign = assigned(s.assign_paths, effective, context, vars);
  if (auto* f = std::get_if<Failure>(&assign)) return *f;
  auto out = apply_path(s.output_path, effective, vars);
  if (auto* f = std::get_if<Failure>(&out)) return *f;
  (void)input;
  Transition then = go(s, std::move(std::get<json::value>(out)));
  then.assign = std::move(std::get<json::object>(assign));
  return WaitUntil{until, std::move(then)};
}

std::optional<int64_t> seconds_at(const std::optional<int64_t>& fixed,
                                  const std::optional<Path>& path, const json::value& input,
                                  const json::value& context, const json::object* vars,
                                  std::optional<Failure>& failure) {
  if (fixed) return fixed;
  if (!path) return std::nullopt;
  auto v = path->find_in(input, context, vars);
  if (!v || !(v->is_int64() || v->is_uint64()) || v->to_number<int64_t>() <= 0) {
    failure = runtime("The value at " + path->text() + " is not a positive integer");
    return std::nullopt;
  }
  return v->to_number<int64_t>();
}

// The runs of a Map over `items` (its effective input `in`): each item
// through ItemSelector (or Parameters), then ItemBatcher.
Entered fork_items(const State& s, const json::value& in, json::value items,
                   const json::value& context, const json::object* vars) {
  if (!items.is_array()) {
    return runtime("Item selector '" + (s.items_path ? s.items_path->text() : "$") +
                   "' did not return a JSON array.");
  }
  Fork fork;
  fork.max_concurrency = s.max_concurrency;
  if (s.max_concurrency_path) {
    auto v = s.max_concurrency_path->find_in(in, context, vars);
    if (!v || !(v->is_int64() || v->is_uint64()) || v->to_number<int64_t>() < 0) {
      return runtime(
          "The MaxConcurrencyPath field refers to value that is not a non-negative "
          "integer");
    }
    fork.max_concurrency = v->to_number<int64_t>();
  }
  auto& arr = items.as_array();
  json::array selected;
  for (size_t i = 0; i < arr.size(); ++i) {
    json::value item = arr[i];
    if (s.item_selector) {
      json::value ctx = context;
      if (!ctx.is_object()) ctx.emplace_object();
      ctx.as_object()["Map"] = json::object{
          {"Item", json::object{{"Index", static_cast<int64_t>(i)}, {"Value", arr[i]}}}};
      auto v = s.item_selector->evaluate(in, ctx, vars);
      if (!v) return from_error(v.error());
      item = std::move(*v);
    }
    selected.push_back(std::move(item));
  }
  if (s.item_batcher) {
    json::value batch_input;
    if (s.item_batcher->batch_input) {
      auto v = s.item_batcher->batch_input->evaluate(in, context, vars);
      if (!v) return from_error(v.error());
      batch_input = std::move(*v);
    }
    selected = batch_items(s, std::move(batch_input), std::move(selected));
  }
  for (auto& item : selected) fork.runs.push_back({s.iterator.get(), std::move(item)});
  return fork;
}

Entered map_fork(const State& s, const json::value& in, const json::value& context,
                 const json::object* vars) {
  json::value items = in;
  if (s.items_path) {
    auto v = s.items_path->find_in(in, context, vars);
    if (!v) return runtime("Invalid path '" + s.items_path->text() + "' : No results for path");
    items = std::move(*v);
  }
  return fork_items(s, in, std::move(items), context, vars);
}

// A distributed Map with an ItemReader asks for its items first.
Entered read_items(const State& s, const json::value& in, const json::value& context,
                   const json::object* vars) {
  json::value params = json::object();
  if (s.item_reader->parameters) {
    auto v = s.item_reader->parameters->evaluate(in, context, vars);
    if (!v) return from_error(v.error());
    params = std::move(*v);
  }
  if (!params.is_object()) return runtime("The ItemReader's Parameters must be a JSON object");
  json::object config = s.item_reader->config;
  if (const auto* p = config.if_contains("MaxItemsPath"); p != nullptr && p->is_string()) {
    auto path = Path::parse(p->as_string());
    auto v = path ? path->find_in(in, context, vars) : std::nullopt;
    if (!v || !(v->is_int64() || v->is_uint64())) {
      return runtime("The MaxItemsPath field refers to value that is not a non-negative integer");
    }
    config["MaxItems"] = *v;
    config.erase("MaxItemsPath");
  }
  params.as_object()["ReaderConfig"] = std::move(config);
  TaskCall call{s.item_reader->resource, std::move(params), std::nullopt, std::nullopt,
                "ItemReader"};
  return call;
}

}  // namespace

Entered enter(const State& s, const json::value& input, const json::value& context, int64_t now_ms,
              const json::object* vars) {
  if (s.jsonata) return enter_jsonata(s, input, context, now_ms, vars);
  if (s.type == StateType::kFail) {
    Failure f{s.error.value_or(""), s.cause.value_or("")};
    if (s.error_path) {
      auto v = s.error_path->evaluate(input, context, "ErrorPath", vars);
      if (!v) return from_error(v.error());
      f.error = v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
    }
    if (s.cause_path) {
      auto v = s.cause_path->evaluate(input, context, "CausePath", vars);
      if (!v) return from_error(v.error());
      f.cause = v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
    }
    return f;
  }
  if (s.type == StateType::kMap) {
    auto in = apply_path(s.input_path, input, vars);
    if (auto* f = std::get_if<Failure>(&in)) return *f;
    if (s.item_reader) return read_items(s, std::get<json::value>(in), context, vars);
    return map_fork(s, std::get<json::value>(in), context, vars);
  }
  auto eff = effective_input(s, input, context, vars);
  if (auto* f = std::get_if<Failure>(&eff)) return *f;
  json::value& in = std::get<json::value>(eff);
  switch (s.type) {
    case StateType::kPass: {
      auto r = finish(s, input, s.result ? *s.result : in, context, vars);
      if (auto* f = std::get_if<Failure>(&r)) return *f;
      return std::get<Transition>(std::move(r));
    }
    case StateType::kSucceed:
    case StateType::kChoice: {
      auto out = apply_path(s.output_path, in, vars);
      if (auto* f = std::get_if<Failure>(&out)) return *f;
      if (s.type == StateType::kSucceed) return Transition{"", std::get<json::value>(out)};
      auto state_assign = assigned(s.assign_paths, in, context, vars);
      if (auto* f = std::get_if<Failure>(&state_assign)) return *f;
      for (const auto& rule : s.choices) {
        auto hit = rule.evaluate(in, context, vars);
        if (!hit) return from_error(hit.error());
        if (!*hit) continue;
        // The rule's Assign, then the state's for what the rule leaves.
        auto rule_assign = assigned(rule.assign, in, context, vars);
        if (auto* f = std::get_if<Failure>(&rule_assign)) return *f;
        json::object a = std::move(std::get<json::object>(rule_assign));
        for (auto& [k, v] : std::get<json::object>(state_assign)) {
          if (!a.contains(k)) a[k] = v;
        }
        return Transition{rule.next, std::get<json::value>(std::move(out)), std::move(a)};
      }
      if (s.default_next.empty()) {
        return Failure{"States.NoChoiceMatched",
                       "No Choice Rules matched and no Default is specified"};
      }
      return Transition{s.default_next, std::get<json::value>(std::move(out)),
                        std::move(std::get<json::object>(state_assign))};
    }
    case StateType::kWait:
      return wait(s, input, in, now_ms, context, vars);
    case StateType::kTask: {
      std::optional<Failure> bad;
      TaskCall call{s.resource, std::move(in), std::nullopt, std::nullopt, ""};
      call.timeout_seconds =
          seconds_at(s.timeout_seconds, s.timeout_seconds_path, input, context, vars, bad);
      call.heartbeat_seconds =
          seconds_at(s.heartbeat_seconds, s.heartbeat_seconds_path, input, context, vars, bad);
      if (bad) return *bad;
      if (!call.timeout_seconds) call.timeout_seconds = 99999999;
      return call;
    }
    case StateType::kParallel: {
      Fork fork;
      for (const auto& b : s.branches) fork.runs.push_back({b.get(), in});
      return fork;
    }
    default:
      return runtime("unreachable state type");
  }
}

std::variant<Transition, Failure> complete(const State& s, const json::value& input,
                                           json::value result, const json::value& context,
                                           const json::object* vars, int64_t now_ms) {
  if (s.jsonata) return complete_jsonata(s, input, std::move(result), context, vars, now_ms);
  if (s.result_selector) {
    auto v = s.result_selector->evaluate(result, context, vars);
    if (!v) return from_error(v.error());
    result = std::move(*v);
  }
  return finish(s, input, std::move(result), context, vars);
}

bool error_matches(const std::vector<std::string>& errors, const std::string& error) {
  bool terminal = error == "States.Runtime" || error == "States.DataLimitExceeded";
  for (const auto& e : errors) {
    if (e == error) return true;
    if (terminal) continue;
    if (e == "States.ALL") return true;
    if (e == "States.TaskFailed" && error != "States.Timeout" &&
        error != "States.HeartbeatTimeout" && error != "States.Runtime" &&
        error != "States.BranchFailed" && error != "States.NoChoiceMatched" &&
        error != "States.IntrinsicFailure" && error != "States.ExceedToleratedFailureThreshold" &&
        error != "States.QueryEvaluationError") {
      return true;
    }
  }
  return false;
}

Recovery recover(const State& s, const json::value& input, const Failure& failure,
                 std::vector<int64_t>& attempts, double jitter, const json::value* context,
                 const json::object* vars, int64_t now_ms) {
  attempts.resize(s.retry.size(), 0);
  for (size_t i = 0; i < s.retry.size(); ++i) {
    const Retrier& r = s.retry[i];
    if (!error_matches(r.errors, failure.error)) continue;
    if (attempts[i] >= r.max_attempts) break;
    double delay = r.interval_seconds * std::pow(r.backoff_rate, static_cast<double>(attempts[i]));
    if (r.max_delay_seconds) delay = std::min(delay, static_cast<double>(*r.max_delay_seconds));
    if (r.full_jitter) delay *= jitter;
    ++attempts[i];
    return RetryAfter{bounded_ms(delay)};
  }
  for (const auto& c : s.catchers) {
    if (!error_matches(c.errors, failure.error)) continue;
    if (s.jsonata) {
      static const json::value kNoContext;
      auto r = catch_jsonata(c, input, failure, context != nullptr ? *context : kNoContext, vars,
                             now_ms);
      if (auto* f = std::get_if<Failure>(&r)) return std::move(*f);
      return std::get<Transition>(std::move(r));
    }
    json::value info = json::object{{"Error", failure.error}, {"Cause", failure.cause}};
    static const json::value kNoContext;
    auto assign = assigned(c.assign_paths, info, context != nullptr ? *context : kNoContext, vars);
    if (auto* f = std::get_if<Failure>(&assign)) return std::move(*f);
    OptionalPath rp{c.result_path, c.null_result_path};
    auto placed = place_result(rp, input, std::move(info));
    if (auto* f = std::get_if<Failure>(&placed)) return *f;
    return Transition{c.next, std::move(std::get<json::value>(placed)),
                      std::move(std::get<json::object>(assign))};
  }
  return failure;
}

bool tolerates(const State& s, size_t failed, size_t total) {
  return tolerates(s.tolerated_failure_count, s.tolerated_failure_percentage, failed, total);
}

bool tolerates(std::optional<int64_t> count, std::optional<double> percentage, size_t failed,
               size_t total) {
  if (failed == 0) return true;
  if (count && static_cast<int64_t>(failed) <= *count) return true;
  return percentage && total > 0 &&
         100.0 * static_cast<double>(failed) / static_cast<double>(total) <= *percentage;
}

json::array batch_items(const State& s, json::value batch_input, json::array items) {
  const State::Batcher& b = *s.item_batcher;
  json::array out;
  json::array current;
  size_t bytes = 0;
  auto flush = [&] {
    if (current.empty()) return;
    json::object batch;
    if (!batch_input.is_null()) batch["BatchInput"] = batch_input;
    batch["Items"] = std::move(current);
    out.push_back(std::move(batch));
    current = json::array();
    bytes = 0;
  };
  for (auto& item : items) {
    size_t size = json::serialize(item).size() + 1;
    bool full_count = b.max_items && static_cast<int64_t>(current.size()) >= *b.max_items;
    bool full_bytes = b.max_bytes && static_cast<int64_t>(bytes + size) > *b.max_bytes;
    if (full_count || full_bytes) flush();
    bytes += size;
    current.push_back(std::move(item));
  }
  flush();
  return out;
}

Entered map_items(const State& s, const json::value& input, json::value items,
                  const json::value& context, const json::object* vars, int64_t now_ms) {
  if (s.jsonata) return map_items_jsonata(s, input, std::move(items), context, vars, now_ms);
  auto in = apply_path(s.input_path, input, vars);
  if (auto* f = std::get_if<Failure>(&in)) return *f;
  return fork_items(s, std::get<json::value>(in), std::move(items), context, vars);
}

std::variant<json::value, Failure> writer_parameters(const State& s, const json::value& input,
                                                     const json::value& context,
                                                     const json::object* vars, int64_t now_ms) {
  if (s.jsonata) return writer_arguments_jsonata(s, input, context, vars, now_ms);
  auto in = apply_path(s.input_path, input, vars);
  if (auto* f = std::get_if<Failure>(&in)) return *f;
  if (!s.result_writer || !s.result_writer->parameters) return json::value(json::object());
  auto v = s.result_writer->parameters->evaluate(std::get<json::value>(in), context, vars);
  if (!v) return from_error(v.error());
  if (!v->is_object()) return runtime("The ResultWriter's Parameters must be a JSON object");
  return std::move(*v);
}

void inspect_input(const State& s, const json::value& input, const json::value& context,
                   Inspection& out) {
  if (s.jsonata) return;
  auto in = apply_path(s.input_path, input);
  if (std::holds_alternative<Failure>(in)) return;
  out.after_input_path = std::get<json::value>(in);
  if (!s.parameters) {
    out.after_parameters = out.after_input_path;
  } else if (auto v = s.parameters->evaluate(*out.after_input_path, context)) {
    out.after_parameters = std::move(*v);
  }
}

void inspect_result(const State& s, const json::value& input, json::value result,
                    const json::value& context, Inspection& out) {
  out.result = result;
  if (s.jsonata) return;
  if (s.result_selector) {
    auto v = s.result_selector->evaluate(result, context);
    if (!v) return;
    result = std::move(*v);
  }
  out.after_result_selector = result;
  auto placed = place_result(s.result_path, input, std::move(result));
  if (auto* v = std::get_if<json::value>(&placed)) out.after_result_path = std::move(*v);
}

bool too_large(const json::value& v) {
  return json::serialize(v).size() > 256 * 1024;
}

}  // namespace nimbus::sfn::asl
