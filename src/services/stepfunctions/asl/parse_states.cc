// Reading the fields of each state type.
#include "services/stepfunctions/asl/parse_context.h"
#include "services/stepfunctions/asl/timestamp.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

namespace {

std::optional<StateType> parse_type(std::string_view t) {
  for (int i = 0; i <= static_cast<int>(StateType::kMap); ++i) {
    if (type_name(static_cast<StateType>(i)) == t) return static_cast<StateType>(i);
  }
  return std::nullopt;
}

}  // namespace

void DefinitionParser::state(State& s, const json::object& o, const std::string& loc, int depth) {
  auto type = string_field(o, "Type", loc, true);
  if (!type) return;
  auto t = parse_type(*type);
  if (!t) {
    schema(
        "The value for the field 'Type' must be one of Pass, Task, Choice, Wait, Succeed, "
        "Fail, Parallel, Map",
        loc + "/Type");
    return;
  }
  s.type = *t;
  if (auto ql = string_field(o, "QueryLanguage", loc, false)) {
    if (*ql != "JSONPath" && *ql != "JSONata") {
      schema("The value for the field 'QueryLanguage' must be one of JSONata, JSONPath",
             loc + "/QueryLanguage");
    } else if (*ql == "JSONPath" && jsonata) {
      schema("The QueryLanguage of a state cannot be JSONPath when the state machine's is JSONata",
             loc + "/QueryLanguage");
    }
  }
  if (auto ql = o.if_contains("QueryLanguage"); ql != nullptr ? *ql == "JSONata" : jsonata) {
    return jsonata_state(s, o, loc, depth);
  }
  switch (s.type) {
    case StateType::kPass:
      only_fields(o,
                  {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath",
                   "ResultPath", "Parameters", "Result", "Assign"},
                  loc);
      if (const auto* r = o.if_contains("Result")) s.result = *r;
      break;
    case StateType::kTask:
      only_fields(o,
                  {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath",
                   "ResultPath", "Parameters", "ResultSelector", "Resource", "TimeoutSeconds",
                   "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry",
                   "Catch", "Credentials", "Assign"},
                  loc);
      task(s, o, loc);
      break;
    case StateType::kChoice:
      only_fields(o,
                  {"Type", "Comment", "QueryLanguage", "InputPath", "OutputPath", "Choices",
                   "Default", "Assign"},
                  loc);
      choice(s, o, loc);
      break;
    case StateType::kWait:
      only_fields(o,
                  {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath",
                   "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign"},
                  loc);
      wait(s, o, loc);
      break;
    case StateType::kSucceed:
      only_fields(o, {"Type", "Comment", "QueryLanguage", "InputPath", "OutputPath"}, loc);
      break;
    case StateType::kFail:
      only_fields(
          o, {"Type", "Comment", "QueryLanguage", "Error", "Cause", "ErrorPath", "CausePath"}, loc);
      fail(s, o, loc);
      break;
    case StateType::kParallel: {
      only_fields(
          o,
          {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath",
           "ResultPath", "Parameters", "ResultSelector", "Branches", "Retry", "Catch", "Assign"},
          loc);
      branches(s, o, loc, depth);
      break;
    }
    case StateType::kMap:
      only_fields(o,
                  {"Type",
                   "QueryLanguage",
                   "Comment",
                   "Next",
                   "End",
                   "InputPath",
                   "OutputPath",
                   "ResultPath",
                   "Parameters",
                   "ResultSelector",
                   "Iterator",
                   "ItemProcessor",
                   "ItemsPath",
                   "ItemSelector",
                   "MaxConcurrency",
                   "MaxConcurrencyPath",
                   "ToleratedFailurePercentage",
                   "ToleratedFailureCount",
                   "ItemReader",
                   "ItemBatcher",
                   "ResultWriter",
                   "Label",
                   "Retry",
                   "Catch",
                   "Assign"},
                  loc);
      map(s, o, loc, depth);
      break;
  }
  s.input_path = nullable_path(o, "InputPath", loc, false);
  s.output_path = nullable_path(o, "OutputPath", loc, false);
  s.result_path = nullable_path(o, "ResultPath", loc, true);
  if (s.type != StateType::kMap) s.parameters = template_field(o, "Parameters", loc);
  s.result_selector = template_field(o, "ResultSelector", loc);
  s.assign_paths = assign_field(o, loc);
  bool transitions =
      s.type != StateType::kChoice && s.type != StateType::kSucceed && s.type != StateType::kFail;
  if (transitions) transition(s, o, loc);
  if (s.type == StateType::kTask || s.type == StateType::kParallel || s.type == StateType::kMap) {
    errors_handling(s, o, loc);
  }
}

void DefinitionParser::transition(State& s, const json::object& o, const std::string& loc) {
  auto next = string_field(o, "Next", loc, false);
  const auto* end = o.if_contains("End");
  if (end != nullptr && !end->is_bool()) {
    schema("Expected value of type Boolean", loc + "/End");
    return;
  }
  s.end = end != nullptr && end->as_bool();
  if (next && s.end) {
    schema("Only one of these fields is allowed: [Next, End]", loc);
  } else if (!next && !s.end) {
    schema("These fields are required: [Next or End]", loc);
  } else if (next) {
    s.next = *next;
  }
}

void DefinitionParser::task(State& s, const json::object& o, const std::string& loc) {
  auto resource = string_field(o, "Resource", loc, true);
  if (resource) {
    if (!resource->starts_with("arn:")) {
      error("INVALID_RESOURCE", "Value is not a valid resource ARN", loc + "/Resource");
    }
    s.resource = *resource;
  }
  s.timeout_seconds = integer_field(o, "TimeoutSeconds", loc, 1);
  s.heartbeat_seconds = integer_field(o, "HeartbeatSeconds", loc, 1);
  s.timeout_seconds_path = path_field(o, "TimeoutSecondsPath", loc, true);
  s.heartbeat_seconds_path = path_field(o, "HeartbeatSecondsPath", loc, true);
  if (s.timeout_seconds && s.timeout_seconds_path) {
    schema("Only one of these fields is allowed: [TimeoutSeconds, TimeoutSecondsPath]", loc);
  }
  if (s.heartbeat_seconds && s.heartbeat_seconds_path) {
    schema("Only one of these fields is allowed: [HeartbeatSeconds, HeartbeatSecondsPath]", loc);
  }
  if (s.timeout_seconds && s.heartbeat_seconds && *s.heartbeat_seconds >= *s.timeout_seconds) {
    schema("The value of the field 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'",
           loc + "/HeartbeatSeconds");
  }
}

void DefinitionParser::errors_handling(State& s, const json::object& o, const std::string& loc) {
  auto error_list = [&](const json::object& e, const std::string& at,
                        std::vector<std::string>& out) {
    const auto* v = e.if_contains("ErrorEquals");
    if (v == nullptr) return schema("These fields are required: [ErrorEquals]", at);
    if (!v->is_array() || v->as_array().empty()) {
      return schema("The field 'ErrorEquals' must be a non-empty array of strings",
                    at + "/ErrorEquals");
    }
    for (const auto& x : v->as_array()) {
      if (!x.is_string()) return schema("Expected value of type String", at + "/ErrorEquals");
      out.emplace_back(x.as_string());
    }
    bool all = std::find(out.begin(), out.end(), "States.ALL") != out.end();
    if (all && out.size() > 1) {
      schema("States.ALL must appear alone in ErrorEquals", at + "/ErrorEquals");
    }
  };
  for (const char* field : {"Retry", "Catch"}) {
    const auto* v = o.if_contains(field);
    if (v == nullptr) continue;
    if (!v->is_array()) {
      schema("Expected value of type Array", loc + "/" + field);
      continue;
    }
    const auto& arr = v->as_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string at = loc + "/" + field + "[" + std::to_string(i) + "]";
      const auto* e = arr[i].if_object();
      if (e == nullptr) {
        schema("Expected value of type Object", at);
        continue;
      }
      std::vector<std::string> errs;
      error_list(*e, at, errs);
      bool all = std::find(errs.begin(), errs.end(), "States.ALL") != errs.end();
      if (all && i + 1 != arr.size()) {
        schema("States.ALL must appear in the last " +
                   std::string(field == std::string("Retry") ? "Retrier" : "Catcher"),
               at);
      }
      if (field == std::string("Retry")) {
        only_fields(*e,
                    {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
                     "MaxDelaySeconds", "JitterStrategy", "Comment"},
                    at);
        Retrier r;
        r.errors = std::move(errs);
        r.interval_seconds =
            static_cast<double>(integer_field(*e, "IntervalSeconds", at, 1).value_or(1));
        r.max_attempts = integer_field(*e, "MaxAttempts", at, 0).value_or(3);
        r.backoff_rate = number_field(*e, "BackoffRate", at, 1.0).value_or(2.0);
        r.max_delay_seconds = integer_field(*e, "MaxDelaySeconds", at, 1);
        if (auto j = string_field(*e, "JitterStrategy", at, false)) {
          if (*j != "FULL" && *j != "NONE") {
            schema("The value for the field 'JitterStrategy' must be one of FULL, NONE",
                   at + "/JitterStrategy");
          }
          r.full_jitter = *j == "FULL";
        }
        s.retry.push_back(std::move(r));
      } else {
        Catcher c;
        c.errors = std::move(errs);
        c.next = string_field(*e, "Next", at, true).value_or("");
        if (s.jsonata) {
          only_fields(*e, {"ErrorEquals", "Next", "Output", "Assign", "Comment"}, at);
          c.output = query_field(*e, "Output", at);
          c.assign = query_field(*e, "Assign", at);
        } else {
          only_fields(*e, {"ErrorEquals", "Next", "ResultPath", "Comment", "Assign"}, at);
          c.assign_paths = assign_field(*e, at);
          auto rp = nullable_path(*e, "ResultPath", at, true);
          c.result_path = std::move(rp.path);
          c.null_result_path = rp.null;
        }
        s.catchers.push_back(std::move(c));
      }
    }
  }
}

void DefinitionParser::choice(State& s, const json::object& o, const std::string& loc) {
  const auto* v = nonempty_array(o, "Choices", loc);
  if (v == nullptr) return;
  for (size_t i = 0; i < v->size(); ++i) {
    auto r = ChoiceRule::parse((*v)[i], true);
    if (!r) {
      schema(r.error().message, loc + "/Choices[" + std::to_string(i) + "]");
      continue;
    }
    s.choices.push_back(std::move(*r));
  }
  s.default_next = string_field(o, "Default", loc, false).value_or("");
}

void DefinitionParser::wait(State& s, const json::object& o, const std::string& loc) {
  int given = 0;
  for (const char* f : {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}) {
    given += o.contains(f) ? 1 : 0;
  }
  if (given != 1) {
    return schema(
        "Exactly one of these fields is required: [Seconds, SecondsPath, Timestamp, "
        "TimestampPath]",
        loc);
  }
  if (o.contains("Seconds")) s.seconds = number_field(o, "Seconds", loc, 0);
  s.seconds_path = path_field(o, "SecondsPath", loc, true);
  s.timestamp_path = path_field(o, "TimestampPath", loc, true);
  if (auto ts = string_field(o, "Timestamp", loc, false)) {
    if (!parse_timestamp_ms(*ts)) {
      schema("The value for the field 'Timestamp' must be a valid RFC3339 timestamp",
             loc + "/Timestamp");
    }
    s.timestamp = *ts;
  }
}

void DefinitionParser::fail(State& s, const json::object& o, const std::string& loc) {
  s.error = string_field(o, "Error", loc, false);
  s.cause = string_field(o, "Cause", loc, false);
  for (const char* f : {"ErrorPath", "CausePath"}) {
    auto text = string_field(o, f, loc, false);
    if (!text) continue;
    auto e = Expression::compile(*text);
    if (!e) {
      schema(std::string("The value for the field '") + f +
                 "' must be a valid JSONPath or a valid intrinsic function call",
             loc + "/" + f);
      continue;
    }
    (std::string_view(f) == "ErrorPath" ? s.error_path : s.cause_path) = std::move(*e);
  }
  if (s.error && s.error_path)
    schema("Only one of these fields is allowed: [Error, ErrorPath]", loc);
  if (s.cause && s.cause_path)
    schema("Only one of these fields is allowed: [Cause, CausePath]", loc);
}

void DefinitionParser::branches(State& s, const json::object& o, const std::string& loc,
                                int depth) {
  const auto* b = nonempty_array(o, "Branches", loc);
  if (b == nullptr) return;
  for (size_t i = 0; i < b->size(); ++i) {
    auto m = machine((*b)[i], loc + "/Branches[" + std::to_string(i) + "]", depth + 1);
    if (m) s.branches.push_back(std::move(m));
  }
}

void DefinitionParser::map(State& s, const json::object& o, const std::string& loc, int depth) {
  const json::value* proc = o.if_contains("ItemProcessor");
  std::string ploc = loc + "/ItemProcessor";
  if (proc == nullptr) {
    proc = o.if_contains("Iterator");
    ploc = loc + "/Iterator";
  }
  if (proc == nullptr) return schema("These fields are required: [ItemProcessor]", loc);
  s.iterator = machine(*proc, ploc, depth + 1, {"ProcessorConfig"});
  distributed(s, o, loc, *proc, ploc);
  s.items_path = path_field(o, "ItemsPath", loc, false);
  if (s.items_path && s.item_reader) {
    schema("Only one of these fields is allowed: [ItemsPath, ItemReader]", loc);
  }
  s.item_selector =
      template_field(o, o.contains("ItemSelector") ? "ItemSelector" : "Parameters", loc);
  s.max_concurrency = integer_field(o, "MaxConcurrency", loc, 0).value_or(0);
  s.max_concurrency_path = path_field(o, "MaxConcurrencyPath", loc, true);
  s.tolerated_failure_percentage = number_field(o, "ToleratedFailurePercentage", loc, 0);
  s.tolerated_failure_count = integer_field(o, "ToleratedFailureCount", loc, 0);
}

}  // namespace nimbus::sfn::asl
