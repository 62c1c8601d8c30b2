// Definitions from the AWS Step Functions developer guide, run with the
// inputs the guide gives and checked against the outputs it documents (a
// Lambda function the guide calls is answered as the guide says it answers;
// where it does not say, the function echoes its input, which shows what
// the state sent it).
#include <gtest/gtest.h>

#include "services/stepfunctions/asl/test_run.h"

namespace nimbus::sfn::asl {
namespace {

namespace json = boost::json;
using testing::run;
using testing::RunResult;

struct Example {
  const char* name;  // the guide's page
  const char* definition;
  const char* input;
  const char* task_answer;  // a task's result as JSON; nullptr: echo; "!Error": fail with Error
  const char* output;       // the documented output; nullptr when the run fails
  const char* error;        // the documented error when it fails
  const char* last_state;   // the state the run ends in
};

// clang-format off
const Example kExamples[] = {
    {"Pass state: Result placed at ResultPath",
     R"({"StartAt":"No-op","States":{"No-op":{"Type":"Pass",
        "Result":{"x-datum":0.381018,"y-datum":622.2269926397355},
        "ResultPath":"$.coords","End":true}}})",
     R"({"georefOf":"Home"})", nullptr,
     R"({"georefOf":"Home","coords":{"x-datum":0.381018,"y-datum":622.2269926397355}})",
     nullptr, "No-op"},
    {"Choice state: Not, NumericEquals and an And range",
     R"({"StartAt":"ChoiceStateX","States":{"ChoiceStateX":{"Type":"Choice","Choices":[
        {"Not":{"Variable":"$.type","StringEquals":"Private"},"Next":"Public"},
        {"Variable":"$.value","NumericEquals":0,"Next":"ValueIsZero"},
        {"And":[{"Variable":"$.value","NumericGreaterThanEquals":20},
                {"Variable":"$.value","NumericLessThan":30}],"Next":"ValueInTwenties"}],
        "Default":"DefaultState"},
      "Public":{"Type":"Succeed"},"ValueIsZero":{"Type":"Succeed"},
      "ValueInTwenties":{"Type":"Succeed"},"DefaultState":{"Type":"Succeed"}}})",
     R"({"type":"Private","value":22})", nullptr, R"({"type":"Private","value":22})", nullptr,
     "ValueInTwenties"},
    {"Map state with Parameters: each iteration gets the item and the courier",
     R"({"StartAt":"Validate-All","States":{"Validate-All":{"Type":"Map",
        "InputPath":"$.detail","ItemsPath":"$.shipped","MaxConcurrency":0,
        "ResultPath":"$.detail.shipped",
        "Parameters":{"parcel.$":"$$.Map.Item.Value","courier.$":"$.delivery-partner"},
        "Iterator":{"StartAt":"Validate","States":{"Validate":{"Type":"Task",
          "Resource":"arn:aws:lambda:us-east-1:123456789012:function:ship-val","End":true}}},
        "End":true}}})",
     R"({"ship-date":"2016-03-14T01:59:00Z","detail":{"delivery-partner":"UQS","shipped":[
        {"prod":"R31","dest-code":9511,"quantity":1344},
        {"prod":"S39","dest-code":9511,"quantity":40}]}})",
     nullptr,
     R"({"ship-date":"2016-03-14T01:59:00Z","detail":{"delivery-partner":"UQS","shipped":[
        {"parcel":{"prod":"R31","dest-code":9511,"quantity":1344},"courier":"UQS"},
        {"parcel":{"prod":"S39","dest-code":9511,"quantity":40},"courier":"UQS"}]}})",
     nullptr, "Validate-All"},
    {"ResultPath: the task's result added to its input",
     R"({"StartAt":"HelloWorld","States":{"HelloWorld":{"Type":"Task",
        "Resource":"arn:aws:lambda:us-east-1:123456789012:function:HelloFunction",
        "ResultPath":"$.taskresult","End":true}}})",
     R"({"comment":"This is a test of the input and output of a Task state.",
        "details":"Default example","who":"AWS Step Functions"})",
     R"("Hello, AWS Step Functions!")",
     R"({"comment":"This is a test of the input and output of a Task state.",
        "details":"Default example","who":"AWS Step Functions",
        "taskresult":"Hello, AWS Step Functions!"})",
     nullptr, "HelloWorld"},
    {"ResultPath null: the input passes through, the result is discarded",
     R"({"StartAt":"HelloWorld","States":{"HelloWorld":{"Type":"Task",
        "Resource":"arn:aws:lambda:us-east-1:123456789012:function:HelloFunction",
        "ResultPath":null,"End":true}}})",
     R"({"comment":"This is a test of the input and output of a Task state.",
        "details":"Default example","who":"AWS Step Functions"})",
     R"("Hello, AWS Step Functions!")",
     R"({"comment":"This is a test of the input and output of a Task state.",
        "details":"Default example","who":"AWS Step Functions"})",
     nullptr, "HelloWorld"},
    {"Catch: a function's custom error goes to its fallback",
     R"({"StartAt":"HelloWorld","States":{"HelloWorld":{"Type":"Task",
        "Resource":"arn:aws:lambda:us-east-1:123456789012:function:FailFunction",
        "Catch":[{"ErrorEquals":["CustomError"],"Next":"CustomErrorFallback"},
                 {"ErrorEquals":["States.TaskFailed"],"Next":"ReservedTypeFallback"},
                 {"ErrorEquals":["States.ALL"],"Next":"CatchAllFallback"}],"End":true},
      "CustomErrorFallback":{"Type":"Pass",
        "Result":"This is a fallback from a custom Lambda function exception","End":true},
      "ReservedTypeFallback":{"Type":"Pass",
        "Result":"This is a fallback from a reserved error code","End":true},
      "CatchAllFallback":{"Type":"Pass",
        "Result":"This is a fallback from any error code","End":true}}})",
     R"({})", "!CustomError",
     R"("This is a fallback from a custom Lambda function exception")", nullptr,
     "CustomErrorFallback"},
    {"Fail state: its Error and Cause end the execution",
     R"({"StartAt":"FailState","States":{"FailState":{"Type":"Fail",
        "Cause":"Invalid response.","Error":"ErrorA"}}})",
     R"({})", nullptr, nullptr, "ErrorA", "FailState"},
    {"Parallel state: each branch's output, in order",
     R"({"StartAt":"LookupCustomerInfo","States":{"LookupCustomerInfo":{"Type":"Parallel",
        "End":true,"Branches":[
          {"StartAt":"LookupAddress","States":{"LookupAddress":{"Type":"Task",
            "Resource":"arn:aws:lambda:us-east-1:123456789012:function:AddressFinder","End":true}}},
          {"StartAt":"LookupPhone","States":{"LookupPhone":{"Type":"Task",
            "Resource":"arn:aws:lambda:us-east-1:123456789012:function:PhoneFinder","End":true}}}]}}})",
     R"({"customer":"c-1"})", nullptr, R"([{"customer":"c-1"},{"customer":"c-1"}])", nullptr,
     "LookupCustomerInfo"},
};
// clang-format on

TEST(GuideExamples, RunAsDocumented) {
  for (const auto& ex : kExamples) {
    SCOPED_TRACE(ex.name);
    Parsed p = parse_definition(ex.definition);
    ASSERT_TRUE(p.diagnostics.empty()) << invalid_definition_message(p.diagnostics);
    auto task = [&ex](const TaskCall& c) -> std::variant<json::value, Failure> {
      if (ex.task_answer == nullptr) return c.parameters;
      std::string answer = ex.task_answer;
      if (answer.starts_with("!")) return Failure{answer.substr(1), "from the function"};
      return json::parse(answer);
    };
    RunResult r = run(*p.machine, json::parse(ex.input), task);
    EXPECT_EQ(r.visited.back(), ex.last_state);
    if (ex.error != nullptr) {
      ASSERT_FALSE(r.ok);
      EXPECT_EQ(r.failure.error, ex.error);
      continue;
    }
    ASSERT_TRUE(r.ok) << r.failure.error << ": " << r.failure.cause;
    EXPECT_EQ(r.output, json::parse(ex.output));
  }
}

}  // namespace
}  // namespace nimbus::sfn::asl
