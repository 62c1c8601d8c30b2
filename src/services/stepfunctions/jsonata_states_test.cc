// States in the JSONata query language driven through the Runner on a
// simulated clock: Arguments, Output, Assign and variables, Conditions,
// Items/ItemSelector, Catch's errorOutput, States.QueryEvaluationError, and
// the definition checks that refuse JSONPath fields in JSONata states.
#include <gtest/gtest.h>

#include "services/stepfunctions/asl/definition.h"
#include "services/stepfunctions/runner.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;

using TaskAnswer = std::function<std::variant<json::value, asl::Failure>(const asl::TaskCall&)>;

struct Ended {
  Stop stop;
  std::vector<std::string> calls;  // each task's effective input, as JSON
  std::vector<HistoryEvent> events;
};

Ended run(const std::string& definition, const std::string& input, TaskAnswer answer = nullptr) {
  auto parsed = asl::parse_definition(definition);
  EXPECT_TRUE(parsed.machine) << (parsed.diagnostics.empty() ? "" : parsed.diagnostics[0].message);
  if (!parsed.machine) return {};
  Runner r(*parsed.machine, json::value(), json::parse(R"({"Execution":{"Name":"x"}})"));
  int64_t now = 1'700'000'000'000;
  Ended out;
  out.stop = r.start(json::parse(input), now);
  for (int i = 0; i < 100 && out.stop.kind == Stop::kRunning; ++i) {
    if (!out.stop.tasks.empty()) {
      auto tasks = std::move(out.stop.tasks);
      for (auto& t : tasks) {
        out.calls.push_back(json::serialize(t.call.parameters));
        auto a = answer(t.call);
        if (auto* v = std::get_if<json::value>(&a)) {
          out.stop = r.task_succeeded(t.token, *v, now);
        } else {
          out.stop = r.task_failed(t.token, std::get<asl::Failure>(a), now, 0);
        }
      }
      continue;
    }
    now = std::max(now, out.stop.until_ms);
    out.stop = r.wake(now);
  }
  out.events = r.events();
  return out;
}

std::string diagnostics(const std::string& definition) {
  auto parsed = asl::parse_definition(definition);
  std::string out;
  for (const auto& d : parsed.diagnostics)
    out += d.code + ": " + d.message + " at " + d.location + "\n";
  return out;
}

TEST(JsonataStates, AssignedVariablesAreSeenByLaterStates) {
  const char* def = R"({"QueryLanguage":"JSONata","StartAt":"Init","States":{
    "Init":{"Type":"Pass","Assign":{"total":"{% $sum($states.input.items.price) %}",
                                    "n":"{% $count($states.input.items) %}"},"Next":"Check"},
    "Check":{"Type":"Choice","Choices":[
       {"Condition":"{% $total > 10 %}","Next":"Big","Output":{"size":"big","total":"{% $total %}"}}],
       "Default":"Small"},
    "Big":{"Type":"Succeed","Output":"{% $merge([$states.input, {'n': $n}]) %}"},
    "Small":{"Type":"Fail","Error":"TooSmall","Cause":"{% 'total ' & $total %}"}}})";
  auto big = run(def, R"({"items":[{"price":5},{"price":7}]})");
  ASSERT_EQ(big.stop.kind, Stop::kSucceeded);
  EXPECT_EQ(big.stop.output, json::parse(R"({"size":"big","total":12,"n":2})"));
  // Init's StateExited lists what it assigned, each value as JSON text.
  const HistoryEvent* exited = nullptr;
  for (const auto& e : big.events) {
    if (e.type == "PassStateExited" && e.details.at("name") == "Init") exited = &e;
  }
  ASSERT_NE(exited, nullptr);
  EXPECT_EQ(exited->details.at("assignedVariables"), json::parse(R"({"total":"12","n":"2"})"));
  EXPECT_EQ(exited->details.at("assignedVariablesDetails"), json::parse(R"({"truncated":false})"));
  auto small = run(def, R"({"items":[{"price":1},{"price":2}]})");
  ASSERT_EQ(small.stop.kind, Stop::kFailed);
  EXPECT_EQ(small.stop.failure.error, "TooSmall");
  EXPECT_EQ(small.stop.failure.cause, "total 3");
}

// JSONPath states take Assign too: `.$` fields read the state's result
// (or its input where it has none) as `$`, and later states read the
// variables as `$name` paths in Parameters, Choice Variables, ItemsPath and
// intrinsic arguments.
TEST(JsonPathVariables, AssignedInOneStateReadInTheNext) {
  // clang-format off
  const char* def = R"j({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Parameters":{"FunctionName":"f","Payload.$":"$"},
            "ResultSelector":{"status.$":"$.Payload.status","items.$":"$.Payload.items"},
            "Assign":{"status.$":"$.status","items.$":"$.items","fixed":"yes",
                      "count.$":"States.ArrayLength($.items)"},
            "ResultPath":null,"Next":"Check"},
    "Check":{"Type":"Choice","Choices":[
       {"Variable":"$status","StringEquals":"ok","Next":"Each","Assign":{"route":"ok"}}],
       "Default":"Bad"},
    "Each":{"Type":"Map","ItemsPath":"$items","ItemProcessor":{"StartAt":"P",
              "States":{"P":{"Type":"Pass","End":true}}},"ResultPath":"$.mapped","Next":"Done"},
    "Done":{"Type":"Pass","Parameters":{"status.$":"$status","route.$":"$route","n.$":"$count",
            "fixed.$":"$fixed","first.$":"$items[0]","mapped.$":"$.mapped",
            "msg.$":"States.Format('{} of {}', $status, $count)"},"End":true},
    "Bad":{"Type":"Fail","Error":"Bad"}}})j";
  // clang-format on
  auto r = run(def, R"({"id":"a1"})",
               [](const asl::TaskCall&) -> std::variant<json::value, asl::Failure> {
                 return json::parse(R"({"Payload":{"status":"ok","items":[1,2,3]}})");
               });
  ASSERT_EQ(r.stop.kind, Stop::kSucceeded) << r.stop.failure.error << " " << r.stop.failure.cause;
  EXPECT_EQ(r.stop.output, json::parse(R"({"status":"ok","route":"ok","n":3,"fixed":"yes",
      "first":1,"mapped":[1,2,3],"msg":"ok of 3"})"));
}

TEST(JsonPathVariables, CatchersAssignTheErrorAndUnsetVariablesFail) {
  // clang-format off
  const char* def = R"j({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f",
            "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"why.$":"$.Error"},
                      "ResultPath":"$.error","Next":"Report"}],"End":true},
    "Report":{"Type":"Pass","Parameters":{"why.$":"$why","cause.$":"$.error.Cause"},"End":true}}})j";
  // clang-format on
  auto r = run(def, "{}", [](const asl::TaskCall&) -> std::variant<json::value, asl::Failure> {
    return asl::Failure{"Boom", "it broke"};
  });
  ASSERT_EQ(r.stop.kind, Stop::kSucceeded);
  EXPECT_EQ(r.stop.output, json::parse(R"({"why":"Boom","cause":"it broke"})"));
  auto unset = run(R"({"StartAt":"P","States":{
    "P":{"Type":"Pass","Parameters":{"x.$":"$nothing"},"End":true}}})",
                   "{}");
  ASSERT_EQ(unset.stop.kind, Stop::kFailed);
  EXPECT_EQ(unset.stop.failure.error, "States.Runtime");
  // Variable names: a letter or _ first, no `states`.
  EXPECT_NE(
      diagnostics(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"1x":1},"End":true}}})")
          .find("SCHEMA_VALIDATION_FAILED"),
      std::string::npos);
  EXPECT_NE(
      diagnostics(
          R"({"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"states":1},"End":true}}})")
          .find("SCHEMA_VALIDATION_FAILED"),
      std::string::npos);
}

TEST(JsonataStates, TaskArgumentsResultAndOutput) {
  const char* def = R"({"QueryLanguage":"JSONata","StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Arguments":{"FunctionName":"f","Payload":{"id":"{% $states.input.id %}","fixed":"$.not"}},
            "Assign":{"status":"{% $states.result.Payload.status %}"},
            "Output":"{% $states.result.Payload.value * 2 %}","Next":"Done"},
    "Done":{"Type":"Pass","Output":{"value":"{% $states.input %}","status":"{% $status %}"},"End":true}}})";
  auto r = run(def, R"({"id":"a1"})",
               [](const asl::TaskCall&) -> std::variant<json::value, asl::Failure> {
                 return json::parse(R"({"Payload":{"status":"ok","value":21}})");
               });
  ASSERT_EQ(r.stop.kind, Stop::kSucceeded);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(json::parse(r.calls[0]),
            json::parse(R"({"FunctionName":"f","Payload":{"id":"a1","fixed":"$.not"}})"));
  EXPECT_EQ(r.stop.output, json::parse(R"({"value":42,"status":"ok"})"));
}

TEST(JsonataStates, EvaluationErrorsAreCaughtWithTheirErrorOutput) {
  const char* def = R"({"QueryLanguage":"JSONata","StartAt":"Bad","States":{
    "Bad":{"Type":"Parallel","Arguments":"{% $states.input.n + 'x' %}",
           "Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}],
           "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handled",
                     "Assign":{"why":"{% $states.errorOutput.Error %}"},
                     "Output":{"error":"{% $states.errorOutput.Error %}"}}],"End":true},
    "Handled":{"Type":"Pass","Output":{"e":"{% $states.input.error %}","why":"{% $why %}"},"End":true}}})";
  auto r = run(def, R"({"n":1})");
  ASSERT_EQ(r.stop.kind, Stop::kSucceeded);
  EXPECT_EQ(
      r.stop.output,
      json::parse(R"({"e":"States.QueryEvaluationError","why":"States.QueryEvaluationError"})"));
  auto uncaught = run(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{
    "P":{"Type":"Pass","Output":"{% $states.input.missing %}","End":true}}})",
                      "{}");
  ASSERT_EQ(uncaught.stop.kind, Stop::kFailed);
  EXPECT_EQ(uncaught.stop.failure.error, "States.QueryEvaluationError");
  EXPECT_NE(uncaught.stop.failure.cause.find("$states.input.missing"), std::string::npos);
}

TEST(JsonataStates, MapItemsSelectorAndWaitOnTheClock) {
  const char* def = R"({"QueryLanguage":"JSONata","StartAt":"Set","States":{
    "Set":{"Type":"Pass","Assign":{"factor":10},"Next":"Each"},
    "Each":{"Type":"Map","Items":"{% $states.input.values %}",
            "ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}"},
            "ItemProcessor":{"StartAt":"W","States":{
               "W":{"Type":"Wait","Seconds":"{% $states.input.i + 1 %}","Next":"M"},
               "M":{"Type":"Pass","Output":"{% $states.input.v * $factor %}","End":true}}},
            "Output":{"sum":"{% $sum($states.result) %}","all":"{% $states.result %}"},"End":true}}})";
  auto r = run(def, R"({"values":[1,2,3]})");
  ASSERT_EQ(r.stop.kind, Stop::kSucceeded);
  EXPECT_EQ(r.stop.output, json::parse(R"({"sum":60,"all":[10,20,30]})"));
}

TEST(JsonataStates, DefinitionsRefuseJsonPathFieldsAndBadExpressions) {
  EXPECT_NE(diagnostics(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{
    "P":{"Type":"Pass","InputPath":"$.a","End":true}}})")
                .find("SCHEMA_VALIDATION_FAILED: The field \"InputPath\" is not supported by Step "
                      "Functions at /States/P"),
            std::string::npos);
  EXPECT_NE(diagnostics(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{
    "P":{"Type":"Pass","Output":"{% 1 + %}","End":true}}})")
                .find("The value for the field 'Output' must be a valid JSONata expression"),
            std::string::npos);
  EXPECT_NE(diagnostics(R"({"StartAt":"P","States":{
    "P":{"Type":"Pass","Output":"{% 1 %}","End":true}}})")
                .find("The field \"Output\" is not supported by Step Functions"),
            std::string::npos);
  EXPECT_NE(
      diagnostics(
          R"({"QueryLanguage":"SQL","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})")
          .find("QueryLanguage"),
      std::string::npos);
  // A state may choose JSONata in a JSONPath machine.
  EXPECT_EQ(diagnostics(R"({"StartAt":"P","States":{
    "P":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.a %}","Next":"Q"},
    "Q":{"Type":"Pass","QueryLanguage":"JSONPath","InputPath":"$","End":true}}})"),
            "");
}

TEST(JsonataStates, StepFunctionsOwnFunctions) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{
    "parts":"{% $partition([1,2,3,4,5], 2) %}","range":"{% $range(0, 10, 5) %}",
    "hash":"{% $hash('input', 'SHA-256') %}","parsed":"{% $parse('{\"a\":[1]}').a %}",
    "uuid":"{% $length($uuid()) %}"},"End":true}}})",
               "{}");
  ASSERT_EQ(r.stop.kind, Stop::kSucceeded);
  EXPECT_EQ(r.stop.output, json::parse(R"({"parts":[[1,2],[3,4],[5]],"range":[0,5,10],
    "hash":"c96c6d5be8d08a12e7b5cdc1b207fa6b2430974c86803d8891675e76fd992c20","parsed":[1],"uuid":36})"));
}

}  // namespace
}  // namespace nimbus::sfn
