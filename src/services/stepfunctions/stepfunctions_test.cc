#include <gtest/gtest.h>

#include "services/stepfunctions/stepfunctions_service.h"
#include "services/stepfunctions/test_helpers.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;

// clang-format off
const char* kWaitMachine = R"j({"StartAt":"Greet","States":{
  "Greet":{"Type":"Pass","Parameters":{"msg.$":"States.Format('hi {}', $.who)"},"ResultPath":"$.greeting","Next":"Nap"},
  "Nap":{"Type":"Wait","Seconds":3600,"Next":"Route"},
  "Route":{"Type":"Choice","Choices":[{"Variable":"$.who","StringEquals":"ann","Next":"Done"}],"Default":"Nope"},
  "Done":{"Type":"Succeed"},
  "Nope":{"Type":"Fail","Error":"Who","Cause":"unknown"}}})j";
const char* kAdd = R"j({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.a, 1)"},"End":true}}})j";
const char* kSucceed = R"j({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})j";
const char* kUnreachable = R"j({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"},"C":{"Type":"Succeed"}}})j";
const char* kTask = R"j({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","End":true}}})j";
// clang-format on

TEST_F(SfnTest, StandardExecutionWaitsOnATimerAndResumesAfterARestart) {
  std::string m = create("greeter", kWaitMachine);
  auto started = call("StartExecution",
                      {{"stateMachineArn", m}, {"name", "run1"}, {"input", R"({"who":"ann"})"}});
  std::string x = s(started["executionArn"]);
  EXPECT_EQ(x, "arn:aws:states:us-east-1:000000000000:execution:greeter:run1");
  ASSERT_TRUE(eventually([&] { return history_types(x).size() == 4; }));
  EXPECT_EQ(status(x), "RUNNING");
  reopen();
  EXPECT_EQ(status(x), "RUNNING");
  clock.advance(std::chrono::seconds(3590));
  EXPECT_EQ(status(x), "RUNNING");
  ASSERT_TRUE(advance_until([&] { return status(x) == "SUCCEEDED"; }, std::chrono::seconds(1)));
  auto d = call("DescribeExecution", {{"executionArn", x}});
  EXPECT_EQ(json::parse(s(d["output"])),
            json::parse(R"({"who":"ann","greeting":{"msg":"hi ann"}})"));
  EXPECT_EQ(history_types(x),
            (std::vector<std::string>{"ExecutionStarted", "PassStateEntered", "PassStateExited",
                                      "WaitStateEntered", "WaitStateExited", "ChoiceStateEntered",
                                      "ChoiceStateExited", "SucceedStateEntered",
                                      "SucceedStateExited", "ExecutionSucceeded"}));
  auto h =
      call("GetExecutionHistory", {{"executionArn", x}, {"reverseOrder", true}, {"maxResults", 2}});
  ASSERT_EQ(h["events"].as_array().size(), 2u);
  EXPECT_EQ(h["events"].as_array()[0].at("id"), 10);
  EXPECT_EQ(h["events"].as_array()[0].at("previousEventId"), 9);
  auto page2 = call("GetExecutionHistory", {{"executionArn", x},
                                            {"reverseOrder", true},
                                            {"maxResults", 2},
                                            {"nextToken", h["nextToken"]}});
  EXPECT_EQ(page2["events"].as_array()[0].at("id"), 8);
}

TEST_F(SfnTest, FailStateFailsTheExecutionWithItsErrorAndCause) {
  std::string x = start(create("greeter", kWaitMachine), R"({"who":"bob"})");
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::minutes(10)));
  auto d = call("DescribeExecution", {{"executionArn", x}});
  EXPECT_EQ(s(d["status"]), "FAILED");
  EXPECT_EQ(s(d["error"]), "Who");
  EXPECT_EQ(s(d["cause"]), "unknown");
}

// AWS keeps a closed execution 90 days; then it and its history are gone
// and its name may start a new execution (the same ARN).
TEST_F(SfnTest, ClosedExecutionsAreKeptNinetyDaysThenTheirNameIsFree) {
  std::string m = create("brief", R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
  json::object in{{"stateMachineArn", m}, {"name", "nightly"}, {"input", "{}"}};
  // Half a millisecond in: the start and the stop fall in the same
  // millisecond, and the stop must not read before the start.
  clock.advance(std::chrono::microseconds(500));
  std::string x = s(call("StartExecution", in)["executionArn"]);
  ASSERT_TRUE(advance_until([&] { return status(x) == "SUCCEEDED"; }, std::chrono::seconds(1)));
  auto d = call("DescribeExecution", {{"executionArn", x}});
  EXPECT_GE(d["stopDate"].to_number<double>(), d["startDate"].to_number<double>());
  in["input"] = R"({"again":true})";
  expect_error("StartExecution", in, "ExecutionAlreadyExists");
  // A restart on day 89 keeps it and its expiry.
  clock.advance(std::chrono::hours(24 * 89));
  reopen();
  EXPECT_EQ(status(x), "SUCCEEDED");
  ASSERT_TRUE(advance_until(
      [&] {
        return error_code("DescribeExecution", {{"executionArn", x}}) != "(ok)";
      },
      std::chrono::hours(1), 48));
  EXPECT_EQ(error_code("DescribeExecution", {{"executionArn", x}}), "ExecutionDoesNotExist");
  EXPECT_EQ(error_code("GetExecutionHistory", {{"executionArn", x}}), "ExecutionDoesNotExist");
  EXPECT_TRUE(call("ListExecutions", {{"stateMachineArn", m}})["executions"].as_array().empty());
  EXPECT_EQ(s(call("StartExecution", in)["executionArn"]), x);
  ASSERT_TRUE(advance_until([&] { return status(x) == "SUCCEEDED"; }, std::chrono::seconds(1)));
  EXPECT_EQ(history_types(x).front(), "ExecutionStarted");
  EXPECT_EQ(history(x).front().at("id").as_int64(), 1);
  EXPECT_EQ(history(x).size(), 4u);
}

TEST_F(SfnTest, NamesAreUniqueUnlessTheSameRunIsAskedForAgain) {
  std::string m = create("greeter", kWaitMachine);
  json::object in{{"stateMachineArn", m}, {"name", "once"}, {"input", R"({"who":"ann"})"}};
  std::string first = s(call("StartExecution", in)["executionArn"]);
  EXPECT_EQ(s(call("StartExecution", in)["executionArn"]), first);
  in["input"] = R"({"who":"bob"})";
  expect_error("StartExecution", in, "ExecutionAlreadyExists");
  in["name"] = "bad name";
  expect_error("StartExecution", in, "InvalidName");
  in["name"] = "x";
  in["input"] = "{nope";
  expect_error("StartExecution", in, "InvalidExecutionInput");
  expect_error("StartExecution", {{"stateMachineArn", m + "x"}}, "StateMachineDoesNotExist");
  expect_error("StartExecution", {{"stateMachineArn", "nope"}}, "InvalidArn");
}

TEST_F(SfnTest, StopExecutionAbortsAndCancelsTheWait) {
  std::string m = create("greeter", kWaitMachine);
  std::string x = start(m, R"({"who":"ann"})");
  ASSERT_TRUE(eventually([&] { return history_types(x).size() == 4; }));
  call("StopExecution", {{"executionArn", x}, {"error", "Halt"}, {"cause", "test"}});
  EXPECT_EQ(status(x), "ABORTED");
  clock.advance(std::chrono::hours(2));
  EXPECT_EQ(status(x), "ABORTED");
  EXPECT_EQ(history_types(x).back(), "ExecutionAborted");
  auto list = call("ListExecutions", {{"stateMachineArn", m}, {"statusFilter", "ABORTED"}});
  EXPECT_EQ(list["executions"].as_array().size(), 1u);
}

TEST_F(SfnTest, InvalidDefinitionsChangeNothing) {
  expect_error(
      "CreateStateMachine",
      {{"name", "bad"}, {"definition", R"({"StartAt":"A","States":{}})"}, {"roleArn", kRole}},
      "InvalidDefinition");
  auto r = try_call("CreateStateMachine",
                    {{"name", "bad"}, {"definition", kUnreachable}, {"roleArn", kRole}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error().message,
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: State \"C\" is not "
            "reachable. at /States/C'");
  EXPECT_EQ(call("ListStateMachines", {})["stateMachines"].as_array().size(), 0u);
  auto v = call("ValidateStateMachineDefinition", {{"definition", "{}"}});
  EXPECT_EQ(s(v["result"]), "FAIL");
  EXPECT_EQ(s(v["diagnostics"].as_array()[0].at("code")), "SCHEMA_VALIDATION_FAILED");
}

// Tag keys starting with aws: are AWS's: refused from clients
// (ValidationException), changing nothing, taken from CloudFormation.
TEST_F(SfnTest, AwsTagKeysComeFromCloudFormationOnly) {
  auto aws_tag = json::array{json::object{{"key", "aws:x"}, {"value", "1"}}};
  expect_error("CreateStateMachine",
               {{"name", "t"}, {"definition", kSucceed}, {"roleArn", kRole}, {"tags", aws_tag}},
               "ValidationException");
  EXPECT_EQ(call("ListStateMachines", {})["stateMachines"].as_array().size(), 0u);
  std::string m = create("m", kSucceed);
  auto refused = try_call("TagResource", {{"resourceArn", m}, {"tags", aws_tag}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "ValidationException");
  EXPECT_EQ(refused.error().message,
            "The tag key 'aws:x' starts with 'aws:', which is reserved for AWS use.");
  expect_error("UntagResource", {{"resourceArn", m}, {"tagKeys", json::array{"AWS:x"}}},
               "ValidationException");
  EXPECT_TRUE(call("ListTagsForResource", {{"resourceArn", m}})["tags"].as_array().empty());
  services::CallContext stack = ctx("TagResource");
  stack.called_via = "cloudformation.amazonaws.com";
  ASSERT_TRUE(try_call(*svc, stack, {{"resourceArn", m}, {"tags", aws_tag}}));
  EXPECT_EQ(call("ListTagsForResource", {{"resourceArn", m}})["tags"].as_array().size(), 1u);
}

TEST_F(SfnTest, MachinesAreDescribedUpdatedTaggedAndSurviveARestart) {
  std::string m = create("greeter", kWaitMachine);
  EXPECT_EQ(create("greeter", kWaitMachine), m);  // the same request again
  expect_error("CreateStateMachine",
               {{"name", "greeter"}, {"definition", kSucceed}, {"roleArn", kRole}},
               "StateMachineAlreadyExists");
  call("TagResource",
       {{"resourceArn", m}, {"tags", json::array{json::object{{"key", "team"}, {"value", "a"}}}}});
  call("UpdateStateMachine", {{"stateMachineArn", m}, {"definition", kSucceed}});
  reopen();
  auto d = call("DescribeStateMachine", {{"stateMachineArn", m}});
  EXPECT_EQ(s(d["definition"]), kSucceed);
  EXPECT_EQ(s(d["status"]), "ACTIVE");
  EXPECT_EQ(call("ListTagsForResource", {{"resourceArn", m}})["tags"].as_array().size(), 1u);
  call("DeleteStateMachine", {{"stateMachineArn", m}});
  expect_error("DescribeStateMachine", {{"stateMachineArn", m}}, "StateMachineDoesNotExist");
}

TEST_F(SfnTest, ExpressSyncExecutionsRunInMemory) {
  std::string m = create("fast", kAdd, "EXPRESS");
  auto out = call("StartSyncExecution", {{"stateMachineArn", m}, {"input", R"({"a":41})"}});
  EXPECT_EQ(s(out["status"]), "SUCCEEDED");
  EXPECT_EQ(json::parse(s(out["output"])), json::parse(R"({"n":42})"));
  std::string standard = create("slow", kWaitMachine);
  expect_error("StartSyncExecution", {{"stateMachineArn", standard}},
               "StateMachineTypeNotSupported");
}

TEST_F(SfnTest, TasksWithoutAnIntegrationFailNamingTheResource) {
  std::string x = start(create("task", kTask), "{}");
  ASSERT_TRUE(eventually([&] { return status(x) == "FAILED"; }));
  EXPECT_EQ(s(call("DescribeExecution", {{"executionArn", x}})["error"]), "States.Runtime");
}

// IAM decides a create on the ARN it makes and an alias on its machine, as
// the service authorization reference and the developer guide list them, so
// a policy naming stateMachine:team-* lets its user create only those.
TEST_F(SfnTest, CreatesNameTheResourceTheyMakeForIam) {
  const std::string prefix = "arn:aws:states:us-east-1:000000000000:";
  EXPECT_EQ(svc->resources("CreateStateMachine", ctx("CreateStateMachine"), {{"name", "flow"}}),
            services::Resources{prefix + "stateMachine:flow"});
  EXPECT_EQ(svc->resources("CreateActivity", ctx("CreateActivity"), {{"name", "work"}}),
            services::Resources{prefix + "activity:work"});
  json::object alias{
      {"name", "live"},
      {"routingConfiguration",
       json::array{json::object{{"stateMachineVersionArn", prefix + "stateMachine:flow:3"},
                                {"weight", 100}}}}};
  EXPECT_EQ(svc->resources("CreateStateMachineAlias", ctx("CreateStateMachineAlias"), alias),
            services::Resources{prefix + "stateMachine:flow"});
  alias["routingConfiguration"] = json::array{json::object{{"stateMachineVersionArn", "nope"}}};
  EXPECT_EQ(svc->resources("CreateStateMachineAlias", ctx("CreateStateMachineAlias"), alias),
            services::Resources{});
}

}  // namespace
}  // namespace nimbus::sfn
