// Reading the fields of a state in the JSONata query language: Arguments,
// Output, Assign, Items, ItemSelector and Choice Conditions hold `{% %}`
// expressions; the JSONPath fields (InputPath, Parameters, ResultSelector,
// ResultPath, OutputPath, ItemsPath and every *Path) are not fields of
// these states, so AWS's schema refuses them like any unknown field.
#include "services/stepfunctions/asl/parse_context.h"
#include "services/stepfunctions/asl/timestamp.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

std::optional<Query> DefinitionParser::query_field(const json::object& o, std::string_view key,
                                                   const std::string& loc) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  auto q = Query::compile(*v);
  if (!q) {
    schema("The value for the field '" + std::string(key) +
               "' must be a valid JSONata expression: " + q.error().message,
           loc + "/" + std::string(key));
    return std::nullopt;
  }
  return std::move(*q);
}

void DefinitionParser::jsonata_state(State& s, const json::object& o, const std::string& loc,
                                     int depth) {
  s.jsonata = true;
  std::string_view common[] = {"Type", "Comment", "QueryLanguage"};
  auto allow = [&](std::initializer_list<std::string_view> more) {
    std::vector<std::string_view> all(std::begin(common), std::end(common));
    all.insert(all.end(), more);
    for (const auto& [k, v] : o) {
      if (std::find(all.begin(), all.end(), std::string_view(k)) == all.end()) {
        schema("The field \"" + std::string(k) + "\" is not supported by Step Functions", loc);
      }
    }
  };
  // A number, or a "{% %}" string giving one.
  auto number_or_query = [&](std::string_view key, std::optional<double>& number,
                             std::optional<Query>& query) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return;
    if (v->is_string() && Query::is_expression(v->as_string())) {
      query = query_field(o, key, loc);
    } else {
      number = number_field(o, key, loc, 0);
    }
  };
  switch (s.type) {
    case StateType::kPass:
      allow({"Next", "End", "Output", "Assign"});
      break;
    case StateType::kTask:
      allow({"Next", "End", "Resource", "Arguments", "Output", "Assign", "TimeoutSeconds",
             "HeartbeatSeconds", "Retry", "Catch", "Credentials"});
      task(s, o, loc);
      break;
    case StateType::kChoice: {
      allow({"Choices", "Default", "Output", "Assign"});
      if (const auto* v = nonempty_array(o, "Choices", loc)) {
        for (size_t i = 0; i < v->size(); ++i) {
          std::string at = loc + "/Choices[" + std::to_string(i) + "]";
          const auto* r = (*v)[i].if_object();
          if (r == nullptr) {
            schema("Expected value of type Object", at);
            continue;
          }
          only_fields(*r, {"Condition", "Next", "Output", "Assign", "Comment"}, at);
          const auto* cond = r->if_contains("Condition");
          if (cond == nullptr) {
            schema("These fields are required: [Condition]", at);
            continue;
          }
          if (!cond->is_bool() && !(cond->is_string() && Query::is_expression(cond->as_string()))) {
            schema("The value for the field 'Condition' must be a JSONata expression or a boolean",
                   at + "/Condition");
            continue;
          }
          auto q = query_field(*r, "Condition", at);
          auto next = string_field(*r, "Next", at, true);
          if (!q || !next) continue;
          s.conditions.push_back(
              {std::move(*q), *next, query_field(*r, "Output", at), query_field(*r, "Assign", at)});
        }
      }
      s.default_next = string_field(o, "Default", loc, false).value_or("");
      break;
    }
    case StateType::kWait: {
      allow({"Next", "End", "Seconds", "Timestamp", "Output", "Assign"});
      if (o.contains("Seconds") == o.contains("Timestamp")) {
        schema("Exactly one of these fields is required: [Seconds, Timestamp]", loc);
      }
      number_or_query("Seconds", s.seconds, s.seconds_query);
      if (const auto* t = o.if_contains("Timestamp")) {
        if (t->is_string() && Query::is_expression(t->as_string())) {
          s.timestamp_query = query_field(o, "Timestamp", loc);
        } else if (auto ts = string_field(o, "Timestamp", loc, false)) {
          if (!parse_timestamp_ms(*ts)) {
            schema("The value for the field 'Timestamp' must be a valid RFC3339 timestamp",
                   loc + "/Timestamp");
          }
          s.timestamp = *ts;
        }
      }
      break;
    }
    case StateType::kSucceed:
      allow({"Output"});
      break;
    case StateType::kFail:
      allow({"Error", "Cause"});
      for (const char* f : {"Error", "Cause"}) {
        const auto* v = o.if_contains(f);
        if (v == nullptr) continue;
        bool error = std::string_view(f) == "Error";
        if (v->is_string() && Query::is_expression(v->as_string())) {
          (error ? s.error_query : s.cause_query) = query_field(o, f, loc);
        } else {
          (error ? s.error : s.cause) = string_field(o, f, loc, false);
        }
      }
      break;
    case StateType::kParallel: {
      allow({"Next", "End", "Branches", "Arguments", "Output", "Assign", "Retry", "Catch"});
      branches(s, o, loc, depth);
      break;
    }
    case StateType::kMap: {
      allow({"Next", "End", "ItemProcessor", "Iterator", "Items", "ItemSelector", "MaxConcurrency",
             "ToleratedFailurePercentage", "ToleratedFailureCount", "ItemReader", "ItemBatcher",
             "ResultWriter", "Label", "Output", "Assign", "Retry", "Catch"});
      const json::value* proc = o.if_contains("ItemProcessor");
      std::string ploc = loc + "/ItemProcessor";
      if (proc == nullptr) {
        proc = o.if_contains("Iterator");
        ploc = loc + "/Iterator";
      }
      if (proc == nullptr) {
        schema("These fields are required: [ItemProcessor]", loc);
        break;
      }
      s.iterator = machine(*proc, ploc, depth + 1, {"ProcessorConfig"});
      distributed(s, o, loc, *proc, ploc);
      s.items = query_field(o, "Items", loc);
      s.item_query = query_field(o, "ItemSelector", loc);
      s.max_concurrency = integer_field(o, "MaxConcurrency", loc, 0).value_or(0);
      s.tolerated_failure_percentage = number_field(o, "ToleratedFailurePercentage", loc, 0);
      s.tolerated_failure_count = integer_field(o, "ToleratedFailureCount", loc, 0);
      break;
    }
  }
  if (s.type != StateType::kFail) s.output = query_field(o, "Output", loc);
  if (s.type != StateType::kFail && s.type != StateType::kSucceed) {
    s.assign = query_field(o, "Assign", loc);
    if (s.assign && !o.at("Assign").is_object()) {
      schema("The value for the field 'Assign' must be a JSON object", loc + "/Assign");
    }
  }
  if (s.type == StateType::kTask || s.type == StateType::kParallel) {
    s.arguments = query_field(o, "Arguments", loc);
  }
  if (s.type != StateType::kChoice && s.type != StateType::kSucceed && s.type != StateType::kFail) {
    transition(s, o, loc);
  }
  if (s.type == StateType::kTask || s.type == StateType::kParallel || s.type == StateType::kMap) {
    errors_handling(s, o, loc);
  }
}

}  // namespace nimbus::sfn::asl
