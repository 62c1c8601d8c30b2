#include "services/stepfunctions/asl/step_jsonata.h"

#include <cmath>

#include "services/stepfunctions/asl/timestamp.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

namespace {

Failure jsonata_failure(const Error& e) {
  return Failure{e.code, e.message};
}

Failure query_failure(std::string cause) {
  return Failure{"States.QueryEvaluationError", std::move(cause)};
}

json::value states(const json::value& input, const json::value& context,
                   const json::value* result = nullptr, const json::value* error_output = nullptr) {
  json::object o{{"input", input}, {"context", context}};
  if (result != nullptr) o["result"] = *result;
  if (error_output != nullptr) o["errorOutput"] = *error_output;
  return o;
}

// Output (or `fallback`) and Assign, to `next`.
std::variant<Transition, Failure> jsonata_finish(const std::optional<Query>& output,
                                                 const std::optional<Query>& assign,
                                                 std::string next, const json::value& st,
                                                 json::value fallback, const json::object* vars,
                                                 int64_t now_ms) {
  Transition t{std::move(next), std::move(fallback), {}};
  if (output) {
    auto v = output->evaluate(st, vars, now_ms, "Output");
    if (!v) return jsonata_failure(v.error());
    t.output = std::move(*v);
  }
  if (assign) {
    auto v = assign->evaluate(st, vars, now_ms, "Assign");
    if (!v) return jsonata_failure(v.error());
    if (!v->is_object()) return query_failure("The field 'Assign' must be a JSON object");
    t.assign = std::move(v->as_object());
  }
  return t;
}

std::variant<Transition, Failure> jsonata_finish(const State& s, const json::value& st,
                                                 json::value fallback, const json::object* vars,
                                                 int64_t now_ms) {
  return jsonata_finish(s.output, s.assign, s.end ? std::string() : s.next, st, std::move(fallback),
                        vars, now_ms);
}

Entered entered(std::variant<Transition, Failure> r) {
  if (auto* f = std::get_if<Failure>(&r)) return std::move(*f);
  return std::get<Transition>(std::move(r));
}

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

Entered choose(const State& s, const json::value& st, const json::value& input,
               const json::object* vars, int64_t now_ms) {
  for (size_t i = 0; i < s.conditions.size(); ++i) {
    const Condition& c = s.conditions[i];
    auto hit = c.condition.evaluate(st, vars, now_ms, "Condition");
    if (!hit) return jsonata_failure(hit.error());
    if (!hit->is_bool()) {
      return query_failure("The Condition of Choices[" + std::to_string(i) +
                           "] did not evaluate to a boolean: " + json::serialize(*hit));
    }
    if (!hit->as_bool()) continue;
    auto r =
        jsonata_finish(c.output ? c.output : s.output, s.assign, c.next, st, input, vars, now_ms);
    if (auto* t = std::get_if<Transition>(&r); t != nullptr && c.assign) {
      auto v = c.assign->evaluate(st, vars, now_ms, "Assign");
      if (!v) return jsonata_failure(v.error());
      if (!v->is_object()) return query_failure("The field 'Assign' must be a JSON object");
      for (auto& [k, x] : v->as_object()) t->assign[k] = std::move(x);
    }
    return entered(std::move(r));
  }
  if (s.default_next.empty()) {
    return Failure{"States.NoChoiceMatched", "No Choice Rules matched and no Default is specified"};
  }
  return entered(jsonata_finish(s.output, s.assign, s.default_next, st, input, vars, now_ms));
}

Entered jsonata_wait(const State& s, const json::value& st, const json::value& input,
                     const json::object* vars, int64_t now_ms) {
  int64_t until = now_ms;
  double seconds = s.seconds.value_or(0);
  if (s.seconds_query) {
    auto v = s.seconds_query->evaluate(st, vars, now_ms, "Seconds");
    if (!v) return jsonata_failure(v.error());
    if (!v->is_number() || v->to_number<double>() < 0) {
      return query_failure("The field 'Seconds' must evaluate to a non-negative number: " +
                           json::serialize(*v));
    }
    seconds = v->to_number<double>();
  }
  if (s.timestamp || s.timestamp_query) {
    std::string text = s.timestamp.value_or("");
    if (s.timestamp_query) {
      auto v = s.timestamp_query->evaluate(st, vars, now_ms, "Timestamp");
      if (!v) return jsonata_failure(v.error());
      text = text_of(*v);
    }
    auto ms = parse_timestamp_ms(text);
    if (!ms) return query_failure("The field 'Timestamp' is not an ISO-8601 timestamp: " + text);
    until = *ms;
  } else {
    until = now_ms + static_cast<int64_t>(std::min(seconds, 1e15) * 1000);
  }
  auto r = jsonata_finish(s, st, input, vars, now_ms);
  if (auto* f = std::get_if<Failure>(&r)) return std::move(*f);
  return WaitUntil{until, std::get<Transition>(std::move(r))};
}

Entered jsonata_fork_items(const State& s, const json::value& input, json::value items,
                           const json::value& context, const json::object* vars, int64_t now_ms) {
  if (!items.is_array()) {
    return query_failure("The field 'Items' must evaluate to a JSON array: " +
                         json::serialize(items));
  }
  Fork fork;
  fork.max_concurrency = s.max_concurrency;
  const auto& arr = items.as_array();
  json::array selected;
  for (size_t i = 0; i < arr.size(); ++i) {
    json::value item = arr[i];
    if (s.item_query) {
      json::value ctx = context.is_object() ? context : json::value(json::object());
      ctx.as_object()["Map"] = json::object{
          {"Item", json::object{{"Index", static_cast<int64_t>(i)}, {"Value", arr[i]}}}};
      auto v = s.item_query->evaluate(states(input, ctx), vars, now_ms, "ItemSelector");
      if (!v) return jsonata_failure(v.error());
      item = std::move(*v);
    }
    selected.push_back(std::move(item));
  }
  if (s.item_batcher) {
    json::value batch_input;
    if (s.item_batcher->batch_query) {
      auto v =
          s.item_batcher->batch_query->evaluate(states(input, context), vars, now_ms, "BatchInput");
      if (!v) return jsonata_failure(v.error());
      batch_input = std::move(*v);
    }
    selected = batch_items(s, std::move(batch_input), std::move(selected));
  }
  for (auto& item : selected) fork.runs.push_back({s.iterator.get(), std::move(item)});
  return fork;
}

Entered jsonata_map_fork(const State& s, const json::value& input, const json::value& context,
                         const json::object* vars, int64_t now_ms) {
  json::value st = states(input, context);
  if (s.item_reader) {  // a distributed Map asks for its items first
    json::value args = json::object();
    if (s.item_reader->arguments) {
      auto v = s.item_reader->arguments->evaluate(st, vars, now_ms, "Arguments");
      if (!v) return jsonata_failure(v.error());
      args = std::move(*v);
    }
    if (!args.is_object()) return query_failure("The ItemReader's Arguments must be an object");
    args.as_object()["ReaderConfig"] = s.item_reader->config;
    return TaskCall{s.item_reader->resource, std::move(args), std::nullopt, std::nullopt,
                    "ItemReader"};
  }
  json::value items = input;
  if (s.items) {
    auto v = s.items->evaluate(st, vars, now_ms, "Items");
    if (!v) return jsonata_failure(v.error());
    items = std::move(*v);
  }
  return jsonata_fork_items(s, input, std::move(items), context, vars, now_ms);
}

}  // namespace

Entered map_items_jsonata(const State& s, const json::value& input, json::value items,
                          const json::value& context, const json::object* vars, int64_t now_ms) {
  return jsonata_fork_items(s, input, std::move(items), context, vars, now_ms);
}

std::variant<json::value, Failure> writer_arguments_jsonata(const State& s,
                                                            const json::value& input,
                                                            const json::value& context,
                                                            const json::object* vars,
                                                            int64_t now_ms) {
  if (!s.result_writer || !s.result_writer->arguments) return json::value(json::object());
  auto v = s.result_writer->arguments->evaluate(states(input, context), vars, now_ms, "Arguments");
  if (!v) return jsonata_failure(v.error());
  if (!v->is_object()) return query_failure("The ResultWriter's Arguments must be an object");
  return std::move(*v);
}

Entered enter_jsonata(const State& s, const json::value& input, const json::value& context,
                      int64_t now_ms, const json::object* vars) {
  json::value st = states(input, context);
  switch (s.type) {
    case StateType::kFail: {
      Failure f{s.error.value_or(""), s.cause.value_or("")};
      if (s.error_query) {
        auto v = s.error_query->evaluate(st, vars, now_ms, "Error");
        if (!v) return jsonata_failure(v.error());
        f.error = text_of(*v);
      }
      if (s.cause_query) {
        auto v = s.cause_query->evaluate(st, vars, now_ms, "Cause");
        if (!v) return jsonata_failure(v.error());
        f.cause = text_of(*v);
      }
      return f;
    }
    case StateType::kPass:
      return entered(jsonata_finish(s, st, input, vars, now_ms));
    case StateType::kSucceed: {
      auto r = jsonata_finish(s, st, input, vars, now_ms);
      if (auto* t = std::get_if<Transition>(&r)) t->next.clear();
      return entered(std::move(r));
    }
    case StateType::kChoice:
      return choose(s, st, input, vars, now_ms);
    case StateType::kWait:
      return jsonata_wait(s, st, input, vars, now_ms);
    case StateType::kMap:
      return jsonata_map_fork(s, input, context, vars, now_ms);
    case StateType::kTask:
    case StateType::kParallel: {
      json::value args = input;
      if (s.arguments) {
        auto v = s.arguments->evaluate(st, vars, now_ms, "Arguments");
        if (!v) return jsonata_failure(v.error());
        args = std::move(*v);
      }
      if (s.type == StateType::kParallel) {
        Fork fork;
        for (const auto& b : s.branches) fork.runs.push_back({b.get(), args});
        return fork;
      }
      TaskCall call{s.resource, std::move(args), s.timeout_seconds, s.heartbeat_seconds, ""};
      if (!call.timeout_seconds) call.timeout_seconds = 99999999;
      return call;
    }
  }
  return Failure{"States.Runtime", "unreachable state type"};
}

std::variant<Transition, Failure> complete_jsonata(const State& s, const json::value& input,
                                                   json::value result, const json::value& context,
                                                   const json::object* vars, int64_t now_ms) {
  json::value st = states(input, context, &result);
  return jsonata_finish(s, st, std::move(result), vars, now_ms);
}

std::variant<Transition, Failure> catch_jsonata(const Catcher& c, const json::value& input,
                                                const Failure& failure, const json::value& context,
                                                const json::object* vars, int64_t now_ms) {
  json::value error_output = json::object{{"Error", failure.error}, {"Cause", failure.cause}};
  json::value st = states(input, context, nullptr, &error_output);
  return jsonata_finish(c.output, c.assign, c.next, st, std::move(error_output), vars, now_ms);
}

}  // namespace nimbus::sfn::asl
