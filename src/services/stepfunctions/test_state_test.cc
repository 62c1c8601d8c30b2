// TestState: one state run once, its answer as AWS shapes it (status,
// output, nextState, error and cause, inspectionData at DEBUG), a Task
// calling a (fake) function for real, and the requests AWS refuses.
#include <gtest/gtest.h>

#include "services/stepfunctions/task_fakes.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;
using services::lambda::SyncInvoke;
using services::lambda::SyncResult;

class TestStateTest : public fakes::SfnTaskTest {
 protected:
  json::object test(const std::string& definition, const std::string& input,
                    json::object extra = {}) {
    json::object in{{"definition", definition}, {"roleArn", kRole}, {"input", input}};
    for (auto& [k, v] : extra) in[k] = v;
    return call("TestState", std::move(in));
  }
};

// clang-format off
const char* kPass = R"j({"Type":"Pass","InputPath":"$.order","Parameters":{"id.$":"$.id","n.$":"States.MathAdd($.n, 1)"},
  "ResultPath":"$.out","Next":"Ship"})j";
const char* kTask = R"j({"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:double",
  "Parameters":{"n.$":"$.n"},"ResultSelector":{"d.$":"$.doubled"},"ResultPath":"$.r",
  "Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":2}],
  "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Recover"}],"End":true})j";
// clang-format on

TEST_F(TestStateTest, PassAnswersItsOutputAndNextStateWithEveryStageAtDebug) {
  auto out = test(kPass, R"({"order":{"id":"a1","n":4}})", {{"inspectionLevel", "DEBUG"}});
  EXPECT_EQ(s(out["status"]), "SUCCEEDED");
  EXPECT_EQ(s(out["nextState"]), "Ship");
  EXPECT_EQ(json::parse(s(out["output"])),
            json::parse(R"({"order":{"id":"a1","n":4},"out":{"id":"a1","n":5}})"));
  const auto& data = out["inspectionData"].as_object();
  EXPECT_EQ(json::parse(s(data.at("input"))), json::parse(R"({"order":{"id":"a1","n":4}})"));
  EXPECT_EQ(json::parse(s(data.at("afterInputPath"))), json::parse(R"({"id":"a1","n":4})"));
  EXPECT_EQ(json::parse(s(data.at("afterParameters"))), json::parse(R"({"id":"a1","n":5})"));
  EXPECT_EQ(json::parse(s(data.at("afterResultPath"))),
            json::parse(R"({"order":{"id":"a1","n":4},"out":{"id":"a1","n":5}})"));
  // INFO (the default) answers no inspectionData.
  EXPECT_FALSE(test(kPass, R"({"order":{"id":"a1","n":4}})").contains("inspectionData"));
}

TEST_F(TestStateTest, ChoiceWaitSucceedAndFailAnswerWithoutAnExecution) {
  const char* choice =
      R"({"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":3,"Next":"Big"}]})";
  EXPECT_EQ(s(test(choice, R"({"n":5})")["nextState"]), "Big");
  auto none = test(choice, R"({"n":1})");
  EXPECT_EQ(s(none["status"]), "FAILED");
  EXPECT_EQ(s(none["error"]), "States.NoChoiceMatched");
  // A Wait of a day is not waited: the answer names the next state at once.
  auto before = clock.now();
  auto wait = test(R"({"Type":"Wait","Seconds":86400,"Next":"After"})", R"({"a":1})");
  EXPECT_EQ(s(wait["status"]), "SUCCEEDED");
  EXPECT_EQ(s(wait["nextState"]), "After");
  EXPECT_EQ(json::parse(s(wait["output"])), json::parse(R"({"a":1})"));
  EXPECT_EQ(clock.now(), before);
  auto done = test(R"({"Type":"Succeed","OutputPath":"$.a"})", R"({"a":[1]})");
  EXPECT_EQ(s(done["status"]), "SUCCEEDED");
  EXPECT_FALSE(done.contains("nextState"));
  EXPECT_EQ(s(done["output"]), "[1]");
  auto fail = test(R"({"Type":"Fail","ErrorPath":"$.e","Cause":"because"})", R"({"e":"Bad"})");
  EXPECT_EQ(s(fail["status"]), "FAILED");
  EXPECT_EQ(s(fail["error"]), "Bad");
  EXPECT_EQ(s(fail["cause"]), "because");
  // No execution was created.
  EXPECT_TRUE(call("ListStateMachines", {})["stateMachines"].as_array().empty());
}

TEST_F(TestStateTest, TaskCallsItsFunctionThenRetryAndCatchAnswerRetriableAndCaught) {
  auto out = test(kTask, R"({"n":21})", {{"inspectionLevel", "DEBUG"}});
  ASSERT_EQ(functions.count(), 1u);
  EXPECT_EQ(s(out["status"]), "SUCCEEDED");
  EXPECT_FALSE(out.contains("nextState"));
  EXPECT_EQ(json::parse(s(out["output"])), json::parse(R"({"n":21,"r":{"d":42}})"));
  const auto& data = out["inspectionData"].as_object();
  EXPECT_EQ(json::parse(s(data.at("result"))), json::parse(R"({"doubled":42})"));
  EXPECT_EQ(json::parse(s(data.at("afterResultSelector"))), json::parse(R"({"d":42})"));

  std::string error = "Flaky";
  functions.answer = [&](const SyncInvoke&) {
    return Result<SyncResult>(
        SyncResult{true, R"({"errorType":")" + error + R"(","errorMessage":"x"})", "$LATEST"});
  };
  auto retriable = test(kTask, R"({"n":1})");
  EXPECT_EQ(s(retriable["status"]), "RETRIABLE");
  EXPECT_EQ(s(retriable["error"]), "Flaky");
  // The retrier's attempts are spent: the catcher takes it.
  auto spent = test(kTask, R"({"n":1})", {{"context", R"({"State":{"RetryCount":2}})"}});
  EXPECT_EQ(s(spent["status"]), "CAUGHT_ERROR");
  error = "Other";
  auto caught = test(kTask, R"({"n":1})");
  EXPECT_EQ(s(caught["status"]), "CAUGHT_ERROR");
  EXPECT_EQ(s(caught["nextState"]), "Recover");
  EXPECT_EQ(s(caught["error"]), "Other");
  EXPECT_EQ(json::parse(s(caught["output"])).at("error").at("Error"), "Other");
  EXPECT_EQ(functions.count(), 4u);
}

TEST_F(TestStateTest, AStateOfAWholeMachineAndJsonataVariables) {
  const char* machine = R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
    "A":{"Type":"Pass","Assign":{"total":"{% $states.input.n + $base %}"},
         "Output":"{% {'seen': $base} %}","Next":"B"},
    "B":{"Type":"Succeed"}}})";
  auto out =
      test(machine, R"({"n":2})",
           {{"stateName", "A"}, {"variables", R"({"base":10})"}, {"inspectionLevel", "DEBUG"}});
  EXPECT_EQ(s(out["status"]), "SUCCEEDED");
  EXPECT_EQ(s(out["nextState"]), "B");
  EXPECT_EQ(json::parse(s(out["output"])), json::parse(R"({"seen":10})"));
  EXPECT_EQ(json::parse(s(out["inspectionData"].as_object().at("variables"))),
            json::parse(R"({"base":10,"total":12})"));
}

TEST_F(TestStateTest, BadRequestsAreRefusedAsAwsRefusesThem) {
  expect_error("TestState", {{"definition", R"({"Type":"Pass"})"}, {"roleArn", kRole}},
               "InvalidDefinition");
  expect_error("TestState", {{"definition", R"({"Type":"Nope","End":true})"}, {"roleArn", kRole}},
               "InvalidDefinition");
  expect_error("TestState", {{"definition", "{"}, {"roleArn", kRole}}, "InvalidDefinition");
  expect_error(
      "TestState",
      {{"definition", R"({"Type":"Pass","End":true})"}, {"roleArn", kRole}, {"input", "{"}},
      "InvalidExecutionInput");
  expect_error("TestState", {{"definition", R"({"Type":"Pass","End":true})"}, {"roleArn", "role"}},
               "InvalidArn");
  expect_error("TestState",
               {{"definition", R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})"},
                {"roleArn", kRole},
                {"stateName", "B"}},
               "InvalidDefinition");
  const char* map = R"({"Type":"Map","ItemProcessor":{"StartAt":"P","States":{
    "P":{"Type":"Pass","End":true}}},"End":true})";
  expect_error("TestState", {{"definition", map}, {"roleArn", kRole}}, "ValidationException");
  const char* callback =
      R"({"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters":{"QueueUrl":"q","MessageBody":"m"},"End":true})";
  expect_error("TestState", {{"definition", callback}, {"roleArn", kRole}}, "ValidationException");
  EXPECT_EQ(functions.count(), 0u);
}

}  // namespace
}  // namespace nimbus::sfn
