#include <gtest/gtest.h>

#include "services/stepfunctions/asl/definition.h"

namespace nimbus::sfn::asl {
namespace {

std::string diagnose(std::string_view text) {
  Parsed p = parse_definition(text);
  if (p.diagnostics.empty()) return "ok";
  return invalid_definition_message(p.diagnostics);
}

TEST(Definition, EveryStateTypeParses) {
  Parsed p = parse_definition(R"({
    "Comment": "all types", "StartAt": "P", "TimeoutSeconds": 60,
    "States": {
      "P": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "T"},
      "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:f",
            "TimeoutSeconds": 10, "HeartbeatSeconds": 5,
            "Retry": [{"ErrorEquals": ["Oops"], "IntervalSeconds": 2, "MaxAttempts": 4,
                       "BackoffRate": 1.5, "MaxDelaySeconds": 9, "JitterStrategy": "FULL"},
                      {"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "F"}],
            "Next": "C"},
      "C": {"Type": "Choice", "Choices": [
              {"And": [{"Variable": "$.n", "NumericGreaterThanEquals": 1},
                       {"Not": {"Variable": "$.s", "StringMatches": "a*"}}], "Next": "W"},
              {"Variable": "$.t", "TimestampLessThanPath": "$.u", "Next": "Par"}],
            "Default": "S"},
      "W": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Par"},
      "Par": {"Type": "Parallel", "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}], "Next": "M"},
      "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
            "ItemSelector": {"v.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I",
                              "States": {"I": {"Type": "Pass", "End": true}}},
            "End": true},
      "S": {"Type": "Succeed"},
      "F": {"Type": "Fail", "Error": "E", "Cause": "because"}
    }})");
  ASSERT_TRUE(p.diagnostics.empty()) << invalid_definition_message(p.diagnostics);
  const State* t = p.machine->find("T");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->retry.size(), 2u);
  EXPECT_EQ(t->retry[0].max_attempts, 4);
  EXPECT_TRUE(t->retry[0].full_jitter);
  EXPECT_EQ(p.machine->find("C")->choices.size(), 2u);
  EXPECT_EQ(p.machine->timeout_seconds, 60);
}

TEST(Definition, DiagnosticsAsAwsWordsThem) {
  EXPECT_EQ(diagnose(""),
            "Invalid State Machine Definition: 'MISSING_DESCRIPTION: Received a null "
            "or empty workflow input at /'");
  EXPECT_EQ(diagnose("{"),
            "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: Malformed "
            "JSON: incomplete JSON at /'");
  EXPECT_EQ(diagnose(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}})"),
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' "
            "target: B at /States/A/Next, MISSING_END_STATE: Workflow has no terminal state at /'");
  EXPECT_EQ(diagnose(R"({"StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}})"),
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: State \"B\" is not "
            "reachable. at /States/B'");
  EXPECT_EQ(diagnose(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Foo":1}}})"),
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field \"Foo\" is "
            "not supported by Step Functions at /States/A'");
  EXPECT_EQ(diagnose(R"({"StartAt":"A","States":{"A":{"Type":"Pass"}}})"),
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are "
            "required: [Next or End] at /States/A'");
  EXPECT_EQ(diagnose(R"({"States":{}})"),
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are "
            "required: [StartAt] at /'");
  EXPECT_EQ(
      diagnose(R"({"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"x","End":true}}})"),
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The value for the field "
      "'InputPath' must be a valid JSONPath at /States/A/InputPath'");
  EXPECT_EQ(
      diagnose(
          R"({"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}}})"),
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The value for the field "
      "'ResultPath' must be a valid ReferencePath at /States/A/ResultPath'");
  EXPECT_EQ(diagnose(R"j({"StartAt":"A","States":{"A":{"Type":"Pass","End":true,
                          "Parameters":{"x.$":"States.Nope(1)"}}}})j"),
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The value for the field "
            "'x.$' must be a valid JSONPath or a valid intrinsic function call at "
            "/States/A/Parameters'");
  EXPECT_EQ(
      diagnose(R"({"StartAt":"A","States":{"A":{"Type":"Task","Resource":"nope","End":true}}})"),
      "Invalid State Machine Definition: 'INVALID_RESOURCE: Value is not a valid resource "
      "ARN at /States/A/Resource'");
}

TEST(Definition, NestedMachinesAreCheckedInTheirOwnScope) {
  std::string d = diagnose(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,
      "Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Outer"}}}]},
      "Outer":{"Type":"Succeed"}}})");
  EXPECT_NE(d.find("Missing 'Next' target: Outer at /States/P/Branches[0]/States/X/Next"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("State \"Outer\" is not reachable."), std::string::npos) << d;
}

TEST(Definition, ChoiceRuleProblems) {
  EXPECT_NE(diagnose(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
               {"Variable":"$.x","NumericEquals":"1","Next":"S"}]},"S":{"Type":"Succeed"}}})")
                .find("at /States/C/Choices[0]"),
            std::string::npos);
  EXPECT_NE(diagnose(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
               {"Variable":"$.x","Bogus":1,"Next":"S"}]},"S":{"Type":"Succeed"}}})")
                .find("The field \"Bogus\" is not supported"),
            std::string::npos);
  EXPECT_NE(diagnose(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
               {"Variable":"$.x","IsNull":true}]},"S":{"Type":"Succeed"}}})")
                .find("These fields are required: [Next]"),
            std::string::npos);
}

// Choices and Branches, in both query languages: required, and a non-empty array.
TEST(Definition, ChoicesAndBranchesAreRequiredNonEmptyArrays) {
  const std::string jsonata = R"("QueryLanguage":"JSONata",)";
  for (const std::string& ql : {std::string(), jsonata}) {
    SCOPED_TRACE(ql);
    auto with = [&](const std::string& state) {
      return diagnose(R"({)" + ql + R"("StartAt":"S","States":{"S":)" + state + "}}");
    };
    std::string d = with(R"({"Type":"Choice","Default":"S"})");
    EXPECT_NE(d.find("These fields are required: [Choices] at /States/S"), std::string::npos) << d;
    d = with(R"({"Type":"Choice","Choices":[],"Default":"S"})");
    EXPECT_NE(d.find("The field 'Choices' must be a non-empty array at /States/S/Choices"),
              std::string::npos)
        << d;
    d = with(R"({"Type":"Parallel","End":true})");
    EXPECT_NE(d.find("These fields are required: [Branches] at /States/S"), std::string::npos) << d;
    d = with(R"({"Type":"Parallel","End":true,"Branches":{}})");
    EXPECT_NE(d.find("The field 'Branches' must be a non-empty array at /States/S/Branches"),
              std::string::npos)
        << d;
  }
}

TEST(Definition, DeepNestingIsRefusedNotRecursedForever) {
  std::string d = R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})";
  for (int i = 0; i < 40; ++i) {
    d = R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[)" + d + "]}}}";
  }
  EXPECT_NE(diagnose(d).find("TOO_DEEPLY_NESTED"), std::string::npos);
}

}  // namespace
}  // namespace nimbus::sfn::asl
