#include <gtest/gtest.h>

#include "services/stepfunctions/asl/test_run.h"

namespace nimbus::sfn::asl {
namespace {

namespace json = boost::json;
using testing::run;
using testing::RunResult;

std::shared_ptr<const Machine> machine(std::string_view text) {
  Parsed p = parse_definition(text);
  EXPECT_TRUE(p.diagnostics.empty()) << invalid_definition_message(p.diagnostics);
  return p.machine;
}

// The input and output processing example of the Step Functions guide:
// every filter in order on one Task.
TEST(Step, InputAndOutputProcessingInOrder) {
  auto m = machine(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:000000000000:function:f",
      "InputPath":"$.library", "Parameters":{"staticValue":"Just a string","catalog":{"myFavoriteItem.$":"$.movies[0]"}},
      "ResultSelector":{"modifiedPayload":{"body.$":"$.Payload.body","statusCode.$":"$.Payload.statusCode"}},
      "ResultPath":"$.taskresult", "OutputPath":"$.taskresult.modifiedPayload", "End":true}}})");
  json::value seen;
  RunResult r = run(*m, json::parse(R"({"library":{"movies":["Jaws","Alien"]}})"),
                    [&](const TaskCall& c) -> std::variant<json::value, Failure> {
                      seen = c.parameters;
                      return json::parse(R"({"Payload":{"body":"hello","statusCode":200},"x":1})");
                    });
  ASSERT_TRUE(r.ok) << r.failure.cause;
  EXPECT_EQ(seen,
            json::parse(R"({"staticValue":"Just a string","catalog":{"myFavoriteItem":"Jaws"}})"));
  EXPECT_EQ(r.output, json::parse(R"({"body":"hello","statusCode":200})"));
}

TEST(Step, PassResultPathNullAndMissingPathFailsWithRuntime) {
  auto m = machine(R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","Result":"ignored","ResultPath":null,"Next":"B"},
      "B":{"Type":"Pass","Result":{"r":1},"ResultPath":"$.deep.er","Next":"C"},
      "C":{"Type":"Pass","InputPath":"$.missing","End":true}}})");
  RunResult r = run(*m, json::parse(R"({"k":1})"));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.error, "States.Runtime");
  EXPECT_EQ(r.failure.cause, "Invalid path '$.missing' : No results for path: $.missing");
  auto ok = machine(R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","Result":"ignored","ResultPath":null,"Next":"B"},
      "B":{"Type":"Pass","Result":{"r":1},"ResultPath":"$.deep.er","End":true}}})");
  EXPECT_EQ(run(*ok, json::parse(R"({"k":1})")).output,
            json::parse(R"({"k":1,"deep":{"er":{"r":1}}})"));
}

std::string choose(std::string_view rule, std::string_view input) {
  auto m = machine(std::string(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[)") +
                   std::string(rule) +
                   R"(],"Default":"No"},"Yes":{"Type":"Succeed"},"No":{"Type":"Succeed"}}})");
  RunResult r = run(*m, json::parse(input));
  if (!r.ok) return r.failure.error;
  return r.visited.back();
}

TEST(Step, ChoiceOperators) {
  EXPECT_EQ(choose(R"({"Variable":"$.s","StringEquals":"a","Next":"Yes"})", R"({"s":"a"})"), "Yes");
  EXPECT_EQ(choose(R"({"Variable":"$.s","StringLessThan":"b","Next":"Yes"})", R"({"s":"a"})"),
            "Yes");
  EXPECT_EQ(choose(R"({"Variable":"$.s","StringGreaterThanEqualsPath":"$.t","Next":"Yes"})",
                   R"({"s":"b","t":"b"})"),
            "Yes");
  EXPECT_EQ(choose(R"({"Variable":"$.s","StringMatches":"log-*.txt","Next":"Yes"})",
                   R"({"s":"log-1.txt"})"),
            "Yes");
  EXPECT_EQ(choose(R"({"Variable":"$.s","StringMatches":"a\\*","Next":"Yes"})", R"({"s":"ab"})"),
            "No");
  EXPECT_EQ(choose(R"({"Variable":"$.n","NumericEquals":2,"Next":"Yes"})", R"({"n":2.0})"), "Yes");
  EXPECT_EQ(
      choose(R"({"Variable":"$.n","NumericLessThanPath":"$.m","Next":"Yes"})", R"({"n":1,"m":2})"),
      "Yes");
  EXPECT_EQ(choose(R"({"Variable":"$.n","NumericGreaterThan":5,"Next":"Yes"})", R"({"n":"7"})"),
            "No");
  EXPECT_EQ(choose(R"({"Variable":"$.b","BooleanEquals":false,"Next":"Yes"})", R"({"b":false})"),
            "Yes");
  EXPECT_EQ(
      choose(R"({"Variable":"$.t","TimestampGreaterThan":"2020-01-01T00:00:00Z","Next":"Yes"})",
             R"({"t":"2021-06-01T10:00:00+02:00"})"),
      "Yes");
  EXPECT_EQ(choose(R"({"Variable":"$.x","IsPresent":false,"Next":"Yes"})", R"({})"), "Yes");
  EXPECT_EQ(choose(R"({"Variable":"$.x","IsNull":true,"Next":"Yes"})", R"({"x":null})"), "Yes");
  EXPECT_EQ(choose(R"({"Variable":"$.x","IsTimestamp":true,"Next":"Yes"})",
                   R"({"x":"2020-01-01T00:00:00Z"})"),
            "Yes");
  EXPECT_EQ(
      choose(
          R"({"Or":[{"Variable":"$.n","NumericEquals":1},{"Variable":"$.n","NumericEquals":2}],"Next":"Yes"})",
          R"({"n":2})"),
      "Yes");
  EXPECT_EQ(choose(R"({"Not":{"Variable":"$.n","IsNumeric":true},"Next":"Yes"})", R"({"n":2})"),
            "No");
  EXPECT_EQ(choose(R"({"Variable":"$.gone","StringEquals":"a","Next":"Yes"})", R"({})"),
            "States.Runtime");
  auto no_default = machine(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
      {"Variable":"$.n","NumericEquals":1,"Next":"S"}]},"S":{"Type":"Succeed"}}})");
  EXPECT_EQ(run(*no_default, json::parse(R"({"n":0})")).failure.error, "States.NoChoiceMatched");
}

TEST(Step, WaitComputesItsDeadline) {
  auto m = machine(R"({"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","Next":"T"},
      "T":{"Type":"Wait","Timestamp":"2030-01-01T00:00:00Z","End":true}}})");
  RunResult r = run(*m, json::parse(R"({"s":30})"), nullptr, 1'700'000'000'000);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.now_ms, 1'893'456'000'000);
  auto bad =
      machine(R"({"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}})");
  EXPECT_EQ(run(*bad, json::parse(R"({"s":"x"})")).failure.error, "States.Runtime");
  // A huge wait stays huge rather than converting out of range.
  RunResult far = run(*bad, json::parse(R"({"s":1e300})"), nullptr, 1'700'000'000'000);
  ASSERT_TRUE(far.ok);
  EXPECT_EQ(far.now_ms, 1'700'000'000'000 + 1'000'000'000'000'000'000);
}

TEST(Step, RetryBacksOffThenCatchRoutesTheError) {
  auto m = machine(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:000000000000:function:f",
      "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":2,"MaxDelaySeconds":3}],
      "Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.error","Next":"Handled"}],
      "End":true},
      "Handled":{"Type":"Pass","End":true}}})");
  int calls = 0;
  RunResult r = run(*m, json::parse(R"({"in":1})"),
                    [&](const TaskCall&) -> std::variant<json::value, Failure> {
                      ++calls;
                      return Failure{"Flaky", "try again"};
                    });
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(r.now_ms - 1'700'000'000'000, 1000 + 2000 + 3000);  // capped by MaxDelaySeconds
  EXPECT_EQ(r.output, json::parse(R"({"in":1,"error":{"Error":"Flaky","Cause":"try again"}})"));
  EXPECT_FALSE(error_matches({"States.ALL"}, "States.Runtime"));
  EXPECT_FALSE(error_matches({"States.TaskFailed"}, "States.Timeout"));
  EXPECT_TRUE(error_matches({"States.ALL"}, "States.Timeout"));
}

TEST(Step, ParallelAndMapCollectOutputsInOrder) {
  auto m = machine(R"j({"StartAt":"P","States":{
      "P":{"Type":"Parallel","ResultPath":"$.par","Next":"M","Branches":[
        {"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
        {"StartAt":"B","States":{"B":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.base, 1)"},"End":true}}}]},
      "M":{"Type":"Map","ItemsPath":"$.items","ResultPath":"$.mapped",
           "ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","b.$":"$.base"},
           "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}})j");
  RunResult r = run(*m, json::parse(R"({"base":10,"items":["x","y"]})"));
  ASSERT_TRUE(r.ok) << r.failure.cause;
  EXPECT_EQ(r.output.at("par"), json::parse(R"(["a",{"n":11}])"));
  EXPECT_EQ(r.output.at("mapped"),
            json::parse(R"([{"i":0,"v":"x","b":10},{"i":1,"v":"y","b":10}])"));
}

TEST(Step, MapToleratesFailuresUpToItsThreshold) {
  std::string def = R"({"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
      "ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
        {"Variable":"$","NumericEquals":0,"Next":"Bad"}],"Default":"Ok"},
        "Bad":{"Type":"Fail","Error":"Zero"},"Ok":{"Type":"Succeed"}}},"End":true}}})";
  auto m = machine(def);
  RunResult one = run(*m, json::parse("[1,0,2]"));
  ASSERT_TRUE(one.ok);
  EXPECT_EQ(one.output, json::parse("[1,null,2]"));
  EXPECT_EQ(run(*m, json::parse("[0,0]")).failure.error, "States.ExceedToleratedFailureThreshold");
}

TEST(Step, FailStateTakesErrorAndCauseFromPaths) {
  auto m = machine(R"j({"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e",
      "CausePath":"States.Format('code {}', $.c)"}}})j");
  RunResult r = run(*m, json::parse(R"({"e":"Custom","c":7})"));
  EXPECT_EQ(r.failure.error, "Custom");
  EXPECT_EQ(r.failure.cause, "code 7");
}

}  // namespace
}  // namespace nimbus::sfn::asl
