// Task states calling things: Lambda functions (both forms), optimized and
// SDK integrations, their errors as Retry and Catch see them, and a task in
// flight at a restart. Lambda and the other services are fakes.
#include <gtest/gtest.h>

#include <mutex>

#include "services/stepfunctions/integrations.h"
#include "services/stepfunctions/task_fakes.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;
using fakes::FakeCalls;
using fakes::FakeFunctions;
using fakes::SfnTaskTest;
using services::lambda::SyncInvoke;
using services::lambda::SyncResult;

// clang-format off
const char* kLegacy = R"j({"StartAt":"Double","States":{
  "Double":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:double",
            "Parameters":{"n.$":"$.n"},"ResultPath":"$.r","End":true}}})j";
const char* kInvoke = R"j({"StartAt":"Double","States":{
  "Double":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Parameters":{"FunctionName":"double","Payload":{"n.$":"$.n"}},
            "ResultSelector":{"v.$":"$.Payload.doubled","version.$":"$.ExecutedVersion","code.$":"$.StatusCode"},
            "End":true}}})j";
const char* kRetryCatch = R"j({"StartAt":"Call","States":{
  "Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:flaky",
          "Retry":[{"ErrorEquals":["HandledError"],"IntervalSeconds":2,"MaxAttempts":2,"BackoffRate":1}],
          "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Caught"}],"End":true},
  "Caught":{"Type":"Pass","End":true}}})j";
const char* kSqs = R"j({"StartAt":"Send","States":{
  "Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
          "Parameters":{"QueueUrl":"http://localhost:4566/000000000000/q","MessageBody":{"a.$":"$.a"}},"End":true}}})j";
const char* kPutCatch = R"j({"StartAt":"Put","States":{
  "Put":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem",
         "Parameters":{"TableName":"t","Item":{"id":{"S.$":"$.id"}}},
         "Catch":[{"ErrorEquals":["DynamoDB.ConditionalCheckFailedException"],"Next":"Exists"}],"End":true},
  "Exists":{"Type":"Fail","Error":"Exists"}}})j";
const char* kSdk = R"j({"StartAt":"Describe","States":{
  "Describe":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:describeExecution",
              "Parameters":{"ExecutionArn.$":"$.arn"},"End":true}}})j";
const char* kCallback = R"j({"StartAt":"Ask","States":{
  "Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
         "Parameters":{"QueueUrl":"http://localhost:4566/000000000000/q","MessageBody":{"token.$":"$$.Task.Token"}},
         "TimeoutSeconds":100,"HeartbeatSeconds":10,
         "Catch":[{"ErrorEquals":["Rejected"],"ResultPath":"$.why","Next":"Rejected"}],"End":true},
  "Rejected":{"Type":"Pass","End":true}}})j";
const char* kSlowLambda = R"j({"StartAt":"Double","States":{
  "Double":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:double",
            "TimeoutSeconds":5,"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1}],"End":true}}})j";
// clang-format on

TEST(TaskTarget, TakesResourcesApart) {
  auto legacy = task_target("arn:aws:lambda:us-east-1:000000000000:function:f:1");
  EXPECT_EQ(legacy.kind, TaskTarget::kLambdaFunction);
  auto invoke = task_target("arn:aws:states:::lambda:invoke.waitForTaskToken");
  EXPECT_EQ(invoke.kind, TaskTarget::kLambdaInvoke);
  EXPECT_EQ(invoke.pattern, ".waitForTaskToken");
  auto sqs = task_target("arn:aws:states:::sqs:sendMessage");
  EXPECT_EQ(sqs.kind, TaskTarget::kOptimized);
  EXPECT_EQ(sqs.service, "sqs");
  EXPECT_EQ(sqs.action, "sendMessage");
  auto sdk = task_target("arn:aws:states:::aws-sdk:dynamodb:query.sync:2");
  EXPECT_EQ(sdk.kind, TaskTarget::kSdk);
  EXPECT_EQ(sdk.action, "query");
  EXPECT_EQ(sdk.pattern, ".sync:2");
  EXPECT_EQ(task_target("arn:aws:states:::sqs:purgeQueue").kind, TaskTarget::kUnknown);
  EXPECT_EQ(task_target("arn:aws:states:::aws-sdk:sqs").kind, TaskTarget::kUnknown);
  EXPECT_EQ(function_failure(R"({"errorType":"HandledError","errorMessage":"x"})").error,
            "HandledError");
  EXPECT_EQ(function_failure("not json").error, "Lambda.Unknown");
  EXPECT_EQ(function_failure(R"({"errorMessage":"x"})").error, "Lambda.Unknown");
}

TEST_F(SfnTaskTest, AFunctionArnGetsTheEffectiveInputAndReturnsItsOutput) {
  std::string x = start(create("legacy", kLegacy), R"({"n":21,"keep":true})");
  ASSERT_TRUE(eventually([&] { return status(x) == "SUCCEEDED"; }));
  EXPECT_EQ(output(x), json::parse(R"({"n":21,"keep":true,"r":{"doubled":42}})"));
  ASSERT_EQ(functions.count(), 1u);
  EXPECT_EQ(functions.calls[0].function, "arn:aws:lambda:us-east-1:000000000000:function:double");
  EXPECT_EQ(json::parse(functions.calls[0].payload), json::parse(R"({"n":21})"));
  EXPECT_EQ(history_types(x), (std::vector<std::string>{
                                  "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                                  "LambdaFunctionStarted", "LambdaFunctionSucceeded",
                                  "TaskStateExited", "ExecutionSucceeded"}));
  auto scheduled = history(x)[2].as_object().at("lambdaFunctionScheduledEventDetails");
  EXPECT_EQ(s(scheduled.at("resource")), "arn:aws:lambda:us-east-1:000000000000:function:double");
}

TEST_F(SfnTaskTest, LambdaInvokeWrapsThePayloadAsAwsDoes) {
  std::string x = start(create("invoke", kInvoke), R"({"n":5})");
  ASSERT_TRUE(eventually([&] { return status(x) == "SUCCEEDED"; }));
  EXPECT_EQ(output(x), json::parse(R"({"v":10,"version":"$LATEST","code":200})"));
  EXPECT_EQ(functions.calls[0].function, "double");
  auto h = history(x);
  std::vector<std::string> types;
  for (const auto& e : h) types.push_back(s(e.at("type")));
  EXPECT_EQ(types, (std::vector<std::string>{"ExecutionStarted", "TaskStateEntered",
                                             "TaskScheduled", "TaskStarted", "TaskSucceeded",
                                             "TaskStateExited", "ExecutionSucceeded"}));
  auto scheduled = h[2].as_object().at("taskScheduledEventDetails").as_object();
  EXPECT_EQ(s(scheduled.at("resourceType")), "lambda");
  EXPECT_EQ(s(scheduled.at("resource")), "invoke");
  EXPECT_EQ(s(scheduled.at("region")), "us-east-1");
}

TEST_F(SfnTaskTest, FunctionErrorsAreRetriedOnTheClockThenCaught) {
  functions.answer = [](const SyncInvoke&) {
    return Result<SyncResult>(
        SyncResult{true, R"({"errorMessage":"boom","errorType":"HandledError"})", "$LATEST"});
  };
  std::string x = start(create("flaky", kRetryCatch), R"({"n":1})");
  ASSERT_TRUE(eventually([&] { return functions.count() == 1; }));
  EXPECT_EQ(status(x), "RUNNING");  // waiting 2 s for the first retry
  ASSERT_TRUE(advance_until([&] { return status(x) == "SUCCEEDED"; }, std::chrono::seconds(1)));
  EXPECT_EQ(functions.count(), 3u);  // the first attempt and two retries
  auto out = output(x).as_object();
  EXPECT_EQ(s(out.at("error").at("Error")), "HandledError");
  EXPECT_EQ(json::parse(s(out.at("error").at("Cause"))).at("errorMessage"), "boom");
  auto types = history_types(x);
  EXPECT_EQ(std::count(types.begin(), types.end(), "LambdaFunctionFailed"), 3);
}

TEST_F(SfnTaskTest, LambdaServiceErrorsAndCrashesGetLambdasNames) {
  functions.answer = [](const SyncInvoke&) {
    return Result<SyncResult>(
        Error::make("ResourceNotFoundException", "Function not found: double", 404));
  };
  std::string x = start(create("missing", kLegacy), R"({"n":1})");
  ASSERT_TRUE(eventually([&] { return status(x) == "FAILED"; }));
  EXPECT_EQ(s(described(x)["error"]), "Lambda.ResourceNotFoundException");
  functions.answer = [](const SyncInvoke&) {
    return Result<SyncResult>(SyncResult{true, "Runtime exited without providing a reason", ""});
  };
  std::string y = start(create("crash", kInvoke), R"({"n":1})");
  ASSERT_TRUE(eventually([&] { return status(y) == "FAILED"; }));
  EXPECT_EQ(s(described(y)["error"]), "Lambda.Unknown");
  EXPECT_EQ(history_types(y)[4], "TaskFailed");
}

TEST_F(SfnTaskTest, OptimizedSqsSendsTheBodyAsJsonText) {
  calls.answer = [](std::string_view, std::string_view, const json::object&) {
    return services::Output(json::object{{"MessageId", "m-1"}, {"MD5OfMessageBody", "abc"}});
  };
  std::string x = start(create("send", kSqs), R"({"a":[1,2]})");
  ASSERT_TRUE(eventually([&] { return status(x) == "SUCCEEDED"; }));
  ASSERT_EQ(calls.seen.size(), 1u);
  EXPECT_EQ(calls.seen[0].model, "sqs");
  EXPECT_EQ(calls.seen[0].operation, "SendMessage");
  EXPECT_EQ(s(calls.seen[0].input.at("MessageBody")), R"({"a":[1,2]})");
  auto out = output(x).as_object();
  EXPECT_EQ(s(out.at("MessageId")), "m-1");
  EXPECT_TRUE(out.contains("SdkResponseMetadata"));

  calls.answer = [](std::string_view, std::string_view, const json::object&) {
    return services::Output(
        Error::make("QueueDoesNotExist", "The specified queue does not exist.", 400));
  };
  std::string y = start(create("send2", kSqs), R"({"a":1})");
  ASSERT_TRUE(eventually([&] { return status(y) == "FAILED"; }));
  EXPECT_EQ(s(described(y)["error"]), "SQS.QueueDoesNotExistException");
}

// Tasks act as the state machine's role: each call is first authorized as
// that role (OperationCalls::authorize_as); a refusal fails the task with
// the service's AccessDeniedException and calls nothing.
TEST_F(SfnTaskTest, TasksAreAuthorizedAsTheMachinesRole) {
  calls.answer = [](std::string_view, std::string_view, const json::object&) {
    return services::Output(json::object{{"MessageId", "m-1"}});
  };
  calls.refused =
      "User: arn:aws:sts::000000000000:assumed-role/sfn-role/states is not authorized to "
      "perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:q because no "
      "identity-based policy allows the sqs:SendMessage action";
  std::string x = start(create("send", kSqs), R"({"a":1})");
  ASSERT_TRUE(eventually([&] { return status(x) == "FAILED"; }));
  EXPECT_EQ(s(described(x)["error"]), "SQS.AccessDeniedException");
  EXPECT_NE(s(described(x)["cause"]).find(calls.refused), std::string::npos);
  EXPECT_TRUE(calls.seen.empty());
  {
    std::lock_guard lock(calls.mu);
    ASSERT_EQ(calls.asked.size(), 1u);
    EXPECT_EQ(calls.asked[0], std::string(kRole) + " states.amazonaws.com sqs:SendMessage");
  }
  std::string y = start(create("double", kInvoke), R"({"n":2})");
  ASSERT_TRUE(eventually([&] { return status(y) == "FAILED"; }));
  EXPECT_EQ(s(described(y)["error"]), "Lambda.AccessDeniedException");
  EXPECT_EQ(functions.count(), 0u);
  calls.refused.clear();
  std::string z = start(create("send2", kSqs), R"({"a":1})");
  ASSERT_TRUE(eventually([&] { return status(z) == "SUCCEEDED"; }));
  EXPECT_EQ(calls.seen.size(), 1u);
}

TEST_F(SfnTaskTest, ServiceErrorsAreCaughtByTheirStepFunctionsNames) {
  calls.answer = [](std::string_view, std::string_view, const json::object&) {
    return services::Output(
        Error::make("ConditionalCheckFailedException", "The conditional request failed", 400));
  };
  std::string x = start(create("put", kPutCatch), R"({"id":"a"})");
  ASSERT_TRUE(eventually([&] { return status(x) == "FAILED"; }));
  EXPECT_EQ(s(described(x)["error"]), "Exists");  // the Catch went to the Fail state
  EXPECT_EQ(s(calls.seen[0].input.at("Item").at("id").at("S")), "a");
}

TEST_F(SfnTaskTest, SdkIntegrationsSpeakPascalCaseToCamelCaseModels) {
  calls.answer = [](std::string_view model, std::string_view op, const json::object& in) {
    EXPECT_EQ(model, "stepfunctions");
    EXPECT_EQ(op, "DescribeExecution");
    return services::Output(
        json::object{{"executionArn", in.at("executionArn")}, {"status", "SUCCEEDED"}});
  };
  std::string x = start(create("sdk", kSdk), R"({"arn":"arn:x"})");
  ASSERT_TRUE(eventually([&] { return status(x) == "SUCCEEDED"; }));
  EXPECT_EQ(output(x), json::parse(R"({"ExecutionArn":"arn:x","Status":"SUCCEEDED"})"));
  calls.answer = [](std::string_view, std::string_view, const json::object&) {
    return services::Output(Error::make("ExecutionDoesNotExist", "Execution Does Not Exist", 400));
  };
  std::string y = start(create("sdk2", kSdk), R"({"arn":"arn:y"})");
  ASSERT_TRUE(eventually([&] { return status(y) == "FAILED"; }));
  EXPECT_EQ(s(described(y)["error"]), "Sfn.ExecutionDoesNotExistException");
}

TEST_F(SfnTaskTest, ExpressExecutionsCallTasksToo) {
  std::string m = create("fast", kInvoke, "EXPRESS");
  auto out = call("StartSyncExecution", {{"stateMachineArn", m}, {"input", R"({"n":4})"}});
  EXPECT_EQ(s(out["status"]), "SUCCEEDED");
  EXPECT_EQ(json::parse(s(out["output"])),
            json::parse(R"({"v":8,"version":"$LATEST","code":200})"));
}

TEST_F(SfnTaskTest, ATaskInFlightAtARestartRunsAgain) {
  functions.drop = 1;  // the first invocation never answers: the server dies meanwhile
  std::string x = start(create("legacy", kLegacy), R"({"n":3})");
  ASSERT_TRUE(eventually([&] { return functions.count() == 1; }));
  EXPECT_EQ(status(x), "RUNNING");
  reopen();
  ASSERT_TRUE(eventually([&] { return status(x) == "SUCCEEDED"; }));
  EXPECT_EQ(functions.count(), 2u);
  EXPECT_EQ(output(x), json::parse(R"({"n":3,"r":{"doubled":6}})"));
  auto types = history_types(x);
  EXPECT_EQ(std::count(types.begin(), types.end(), "LambdaFunctionScheduled"), 2);
}

class SfnCallbackTest : public SfnTaskTest {
 protected:
  SfnCallbackTest() {
    calls.answer = [](std::string_view, std::string_view, const json::object&) {
      return services::Output(json::object{{"MessageId", "m-1"}});
    };
  }
  // The token the last message carried.
  std::string token() {
    std::lock_guard lock(calls.mu);
    return s(json::parse(s(calls.seen.back().input.at("MessageBody"))).at("token"));
  }
};

TEST_F(SfnCallbackTest, ATaskTokenIsAnsweredOnceAndSurvivesARestart) {
  std::string x = start(create("ask", kCallback), R"({"q":1})");
  ASSERT_TRUE(eventually([&] { return history_types(x).back() == "TaskSubmitted"; }));
  std::string t = token();
  reopen();  // still waiting, and the message is not sent again
  EXPECT_EQ(status(x), "RUNNING");
  EXPECT_EQ(calls.seen.size(), 1u);
  call("SendTaskHeartbeat", {{"taskToken", t}});
  expect_error("SendTaskSuccess", {{"taskToken", t}, {"output", "{nope"}}, "InvalidOutput");
  call("SendTaskSuccess", {{"taskToken", t}, {"output", R"({"answer":42})"}});
  ASSERT_TRUE(eventually([&] { return status(x) == "SUCCEEDED"; }));
  EXPECT_EQ(output(x), json::parse(R"({"answer":42})"));
  expect_error("SendTaskSuccess", {{"taskToken", t}, {"output", "{}"}}, "TaskTimedOut");
  expect_error("SendTaskSuccess", {{"taskToken", "garbage"}, {"output", "{}"}}, "InvalidToken");
  std::string other = new_task_token("arn:aws:states:us-east-1:000000000000:execution:ask:none");
  expect_error("SendTaskFailure", {{"taskToken", other}}, "TaskDoesNotExist");
  auto types = history_types(x);
  EXPECT_EQ(
      std::vector<std::string>(types.begin() + 2, types.begin() + 6),
      (std::vector<std::string>{"TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"}));
}

TEST_F(SfnCallbackTest, SendTaskFailureIsCaughtByItsError) {
  std::string x = start(create("ask", kCallback), "{}");
  ASSERT_TRUE(eventually([&] { return history_types(x).back() == "TaskSubmitted"; }));
  call("SendTaskFailure", {{"taskToken", token()}, {"error", "Rejected"}, {"cause", "no"}});
  ASSERT_TRUE(eventually([&] { return status(x) == "SUCCEEDED"; }));
  EXPECT_EQ(output(x), json::parse(R"({"why":{"Error":"Rejected","Cause":"no"}})"));
}

TEST_F(SfnCallbackTest, HeartbeatsAndTimeoutsAreDurableTimers) {
  std::string x = start(create("ask", kCallback), "{}");
  ASSERT_TRUE(eventually([&] { return history_types(x).back() == "TaskSubmitted"; }));
  std::string t = token();
  for (int i = 0; i < 3; ++i) {  // 24 s, each heartbeat within HeartbeatSeconds
    clock.advance(std::chrono::seconds(8));
    call("SendTaskHeartbeat", {{"taskToken", t}});
  }
  EXPECT_EQ(status(x), "RUNNING");
  reopen();
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(s(described(x)["error"]), "States.HeartbeatTimeout");
  EXPECT_EQ(history_types(x)[5], "TaskTimedOut");
  expect_error("SendTaskHeartbeat", {{"taskToken", t}}, "TaskTimedOut");

  std::string y = start(create("ask2", kCallback), "{}");
  ASSERT_TRUE(eventually([&] { return history_types(y).back() == "TaskSubmitted"; }));
  std::string u = token();
  ASSERT_TRUE(advance_until(
      [&] {
        if (status(y) != "RUNNING") return true;
        // May meet the timeout falling due meanwhile (TaskTimedOut).
        (void)try_call("SendTaskHeartbeat", {{"taskToken", u}});
        return false;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(s(described(y)["error"]), "States.Timeout");
  EXPECT_EQ(history_types(y)[5], "TaskTimedOut");
}

TEST_F(SfnTaskTest, ATaskThatNeverAnswersTimesOutAndIsRetried) {
  functions.drop = 1;
  std::string x = start(create("slow", kSlowLambda), R"({"n":2})");
  ASSERT_TRUE(eventually([&] { return functions.count() == 1; }));
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(status(x), "SUCCEEDED");
  EXPECT_EQ(output(x), json::parse(R"({"doubled":4})"));
  auto types = history_types(x);
  EXPECT_EQ(std::count(types.begin(), types.end(), "LambdaFunctionTimedOut"), 1);
  EXPECT_EQ(functions.count(), 2u);
}

TEST_F(SfnTaskTest, ExpressMachinesRunNoCallbackTasks) {
  std::string m = create("fastask", kCallback, "EXPRESS");
  auto out = call("StartSyncExecution", {{"stateMachineArn", m}, {"input", "{}"}});
  EXPECT_EQ(s(out["status"]), "FAILED");
  EXPECT_EQ(s(out["error"]), "States.Runtime");
}

TEST_F(SfnTaskTest, StartExecutionSyncWaitsForTheChildAcrossARestart) {
  // clang-format off
  std::string child = create("child", R"j({"StartAt":"Add","States":{
    "Add":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"Nap"},
    "Nap":{"Type":"Wait","Seconds":10,"Next":"Check"},
    "Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":5,"Next":"Big"}],"Default":"Done"},
    "Big":{"Type":"Fail","Error":"TooBig","Cause":"n > 5"},
    "Done":{"Type":"Succeed"}}})j");
  std::string parent = create("parent", R"j({"StartAt":"Run","States":{
    "Run":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
           "Parameters":{"StateMachineArn":")j" + child + R"j(","Input":{"n.$":"$.n"}},
           "ResultSelector":{"out.$":"$.Output","status.$":"$.Status"},"End":true}}})j");
  // clang-format on
  calls.forward = svc;
  std::string x = start(parent, R"({"n":1})");
  ASSERT_TRUE(eventually([&] { return history_types(x).back() == "TaskSubmitted"; }));
  calls.forward = nullptr;
  reopen();  // both wait: the child in its Wait state, the parent for the child
  calls.forward = svc;
  EXPECT_EQ(status(x), "RUNNING");
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(output(x), json::parse(R"({"out":{"n":2},"status":"SUCCEEDED"})"));
  EXPECT_EQ(calls.seen.size(), 1u);  // the child was started once

  std::string y = start(parent, R"({"n":9})");
  ASSERT_TRUE(eventually([&] { return history_types(y).back() == "TaskSubmitted"; }));
  ASSERT_TRUE(advance_until([&] { return status(y) != "RUNNING"; }, std::chrono::seconds(1)));
  auto d = described(y);
  EXPECT_EQ(s(d["error"]), "States.TaskFailed");
  EXPECT_EQ(s(json::parse(s(d["cause"])).at("Error")), "TooBig");
}

TEST_F(SfnTaskTest, ApiGatewayTasksHandTheirRequestToTheApiInProcess) {
  std::vector<services::UserRequest> seen;
  std::mutex mu;
  user_apis.handlers[static_cast<int>(services::UserApi::kExecuteApi)] =
      [&](services::UserRequest r, services::UserReply reply) {
        http::Response out;
        out.status = r.path.ends_with("/denied") ? 403 : 200;
        out.set_header("Content-Type", "application/json");
        out.set_header("X-Seen", "yes");
        out.body = out.status == 200 ? R"({"ok":true})" : R"({"message":"Forbidden"})";
        {
          std::lock_guard lock(mu);
          seen.push_back(std::move(r));
        }
        reply(std::move(out));
      };
  // clang-format off
  std::string m = create("gateway", R"j({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:states:::apigateway:invoke",
            "Parameters":{"ApiEndpoint.$":"$.endpoint","Method":"POST","Stage":"prod",
                          "Path.$":"$.path","QueryParameters":{"q":["a b","c"]},
                          "Headers":{"X-Tenant":["north"]},
                          "RequestBody":{"id":1,"gone":null,"list":[null]}},
            "Catch":[{"ErrorEquals":["ApiGateway.403"],"Next":"Denied"}],"End":true},
    "Denied":{"Type":"Pass","End":true}}})j");
  // clang-format on
  std::string x =
      start(m, R"({"endpoint":"abc123.execute-api.eu-west-1.amazonaws.com","path":"/items/7"})");
  ASSERT_TRUE(eventually([&] { return status(x) != "RUNNING"; }));
  ASSERT_EQ(status(x), "SUCCEEDED");
  EXPECT_EQ(output(x), json::parse(R"({"Headers":{"Content-Type":["application/json"],
      "X-Seen":["yes"]},"ResponseBody":{"ok":true},"StatusCode":200,"StatusText":"OK"})"));
  auto calls_seen = [&] {
    std::lock_guard lock(mu);
    return seen;
  };
  ASSERT_EQ(calls_seen().size(), 1u);
  const auto r = calls_seen()[0];
  EXPECT_EQ(r.id, "abc123");
  EXPECT_EQ(r.region, "eu-west-1");
  EXPECT_EQ(r.path, "/prod/items/7");
  EXPECT_EQ(r.request.method, "POST");
  EXPECT_EQ(r.request.target, "/prod/items/7?q=a%20b&q=c");
  EXPECT_EQ(r.request.header("x-tenant"), "north");
  EXPECT_EQ(r.request.header("host"), "abc123.execute-api.eu-west-1.amazonaws.com");
  EXPECT_EQ(r.request.header("content-type"), "application/json");
  EXPECT_EQ(json::parse(r.request.body), json::parse(R"({"id":1,"list":[null]})"));
  EXPECT_EQ(r.service_principal, "");  // NO_AUTH: anonymous

  // Outside 2xx: ApiGateway.<status>, the body its cause; the region
  // defaults to the execution's.
  std::string y = start(m, R"({"endpoint":"abc123.execute-api.localhost","path":"denied"})");
  ASSERT_TRUE(eventually([&] { return status(y) != "RUNNING"; }));
  EXPECT_EQ(status(y), "SUCCEEDED");
  EXPECT_EQ(output(y).at("Error"), "ApiGateway.403");
  EXPECT_EQ(output(y).at("Cause"), R"({"message":"Forbidden"})");
  EXPECT_EQ(calls_seen().back().region, "us-east-1");
  EXPECT_EQ(calls_seen().back().path, "/prod/denied");

  // Not an API's host: refused before any call.
  std::string z = start(m, R"({"endpoint":"example.com","path":"x"})");
  ASSERT_TRUE(eventually([&] { return status(z) != "RUNNING"; }));
  EXPECT_EQ(s(described(z)["error"]), "States.Runtime");
  EXPECT_EQ(calls_seen().size(), 2u);

  // .waitForTaskToken: the API's answer only submits the task; the token's
  // success ends it.
  // clang-format off
  std::string w = create("gateway-token", R"j({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:states:::apigateway:invoke.waitForTaskToken",
            "Parameters":{"ApiEndpoint":"abc123.execute-api.localhost","Method":"POST",
                          "Headers":{"TaskToken.$":"States.Array($$.Task.Token)"}},"End":true}}})j");
  // clang-format on
  std::string t = start(w, "{}");
  ASSERT_TRUE(eventually([&] { return history_types(t).back() == "TaskSubmitted"; }));
  EXPECT_EQ(status(t), "RUNNING");
  std::string token(calls_seen().back().request.header("tasktoken"));
  ASSERT_FALSE(token.empty());
  call("SendTaskSuccess", {{"taskToken", token}, {"output", R"({"approved":true})"}});
  ASSERT_TRUE(eventually([&] { return status(t) != "RUNNING"; }));
  EXPECT_EQ(output(t), json::parse(R"({"approved":true})"));

  // RESOURCE_POLICY: unsigned, as states.amazonaws.com for the state
  // machine, for the API's resource policy to decide.
  // clang-format off
  std::string p = create("gateway-policy", R"j({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:states:::apigateway:invoke",
            "Parameters":{"ApiEndpoint":"abc123.execute-api.localhost","Method":"GET",
                          "AuthType":"RESOURCE_POLICY"},"End":true}}})j");
  // clang-format on
  std::string u = start(p, "{}");
  ASSERT_TRUE(eventually([&] { return status(u) != "RUNNING"; }));
  EXPECT_EQ(status(u), "SUCCEEDED");
  EXPECT_EQ(calls_seen().back().service_principal, "states.amazonaws.com");
  EXPECT_EQ(calls_seen().back().source_arn, p);
  EXPECT_EQ(calls_seen().back().request.header("authorization"), "");
}

TEST_F(SfnTaskTest, StoppingAParentStopsTheChildItWaitsFor) {
  // clang-format off
  std::string child = create("sleeper", R"j({"StartAt":"Nap","States":{
    "Nap":{"Type":"Wait","Seconds":1000,"End":true}}})j");
  std::string parent = create("waiter", R"j({"StartAt":"Run","States":{
    "Run":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
           "Parameters":{"StateMachineArn":")j" + child + R"j("},"End":true}}})j");
  // clang-format on
  calls.forward = svc;
  std::string x = start(parent, "{}");
  ASSERT_TRUE(eventually([&] { return history_types(x).back() == "TaskSubmitted"; }));
  auto runs = call("ListExecutions", {{"stateMachineArn", child}})["executions"].as_array();
  ASSERT_EQ(runs.size(), 1u);
  std::string c = s(runs[0].at("executionArn"));
  EXPECT_EQ(status(c), "RUNNING");
  call("StopExecution", {{"executionArn", x}});
  EXPECT_EQ(status(x), "ABORTED");
  ASSERT_TRUE(eventually([&] { return status(c) == "ABORTED"; }));
  EXPECT_EQ(history_types(c).back(), "ExecutionAborted");
  EXPECT_EQ(history_types(x).back(), "ExecutionAborted");  // the child's end changes nothing

  // A parent that times out stops its child too.
  // clang-format off
  std::string hasty = create("hasty", R"j({"TimeoutSeconds":5,"StartAt":"Run","States":{
    "Run":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
           "Parameters":{"StateMachineArn":")j" + child + R"j("},"End":true}}})j");
  // clang-format on
  std::string y = start(hasty, "{}");
  ASSERT_TRUE(eventually([&] { return history_types(y).back() == "TaskSubmitted"; }));
  runs = call("ListExecutions",
              {{"stateMachineArn", child}, {"statusFilter", "RUNNING"}})["executions"]
             .as_array();
  ASSERT_EQ(runs.size(), 1u);
  std::string d = s(runs[0].at("executionArn"));
  ASSERT_TRUE(advance_until([&] { return status(y) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(status(y), "TIMED_OUT");
  ASSERT_TRUE(eventually([&] { return status(d) == "ABORTED"; }));
}

TEST_F(SfnTest, ActivityTasksGoToPollingWorkersAndSurviveARestart) {
  std::string a = s(call("CreateActivity", {{"name", "review"}})["activityArn"]);
  EXPECT_EQ(a, "arn:aws:states:us-east-1:000000000000:activity:review");
  EXPECT_EQ(s(call("CreateActivity", {{"name", "review"}})["activityArn"]), a);
  EXPECT_EQ(s(call("DescribeActivity", {{"activityArn", a}})["name"]), "review");
  EXPECT_EQ(call("ListActivities", {})["activities"].as_array().size(), 1u);
  // clang-format off
  std::string m = create("reviewed", R"j({"StartAt":"Review","States":{
    "Review":{"Type":"Task","Resource":")j" + a + R"j(","Parameters":{"doc.$":"$.doc"},"End":true}}})j");
  // clang-format on

  // A worker polling before there is a task gets it when it comes.
  auto early = call_async("GetActivityTask", {{"activityArn", a}, {"workerName", "w1"}});
  std::string x = start(m, R"({"doc":"a"})");
  ASSERT_EQ(early.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto got = early.get();
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(json::parse(s((*got)["input"])), json::parse(R"({"doc":"a"})"));
  ASSERT_TRUE(eventually([&] { return history_types(x).back() == "ActivityStarted"; }));
  call("SendTaskSuccess", {{"taskToken", (*got)["taskToken"]}, {"output", R"({"ok":true})"}});
  ASSERT_TRUE(eventually([&] { return status(x) == "SUCCEEDED"; }));
  EXPECT_EQ(history_types(x),
            (std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                      "ActivityStarted", "ActivitySucceeded", "TaskStateExited",
                                      "ExecutionSucceeded"}));
  EXPECT_EQ(s(history(x)[3].as_object().at("activityStartedEventDetails").at("workerName")), "w1");

  // A task nobody took before a restart is handed out after it.
  std::string y = start(m, R"({"doc":"b"})");
  ASSERT_TRUE(eventually([&] { return history_types(y).back() == "ActivityScheduled"; }));
  reopen();
  auto later = call("GetActivityTask", {{"activityArn", a}, {"workerName", "w2"}});
  EXPECT_EQ(json::parse(s(later["input"])), json::parse(R"({"doc":"b"})"));

  // A poll with nothing to do ends after 60 s without a task.
  auto idle = call_async("GetActivityTask", {{"activityArn", a}});
  clock.advance(std::chrono::seconds(61));
  ASSERT_EQ(idle.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(idle.get()->contains("taskToken"));

  expect_error("GetActivityTask", {{"activityArn", a + "x"}}, "ActivityDoesNotExist");
  call("DeleteActivity", {{"activityArn", a}});
  expect_error("DescribeActivity", {{"activityArn", a}}, "ActivityDoesNotExist");
}

TEST_F(SfnTest, ActivitiesHaveTags) {
  auto tag = [](const char* k, const char* v) { return json::object{{"key", k}, {"value", v}}; };
  std::string a =
      s(call("CreateActivity",
             {{"name", "tagged"}, {"tags", json::array{tag("team", "a")}}})["activityArn"]);
  auto tags = [&] { return call("ListTagsForResource", {{"resourceArn", a}})["tags"]; };
  EXPECT_EQ(tags(), (json::array{tag("team", "a")}));
  call("TagResource",
       {{"resourceArn", a}, {"tags", json::array{tag("cost", "7"), tag("team", "b")}}});
  EXPECT_EQ(tags(), (json::array{tag("cost", "7"), tag("team", "b")}));
  call("UntagResource", {{"resourceArn", a}, {"tagKeys", json::array{"team"}}});
  reopen();  // tags are stored with the activity
  EXPECT_EQ(tags(), (json::array{tag("cost", "7")}));
  expect_error("TagResource", {{"resourceArn", a + "x"}, {"tags", json::array{tag("k", "v")}}},
               "ResourceNotFound");
  json::array many;
  for (int i = 0; i < 51; ++i) many.push_back(tag(("k" + std::to_string(i)).c_str(), "v"));
  expect_error("TagResource", {{"resourceArn", a}, {"tags", many}}, "TooManyTags");
  expect_error("CreateActivity", {{"name", "crowded"}, {"tags", many}}, "TooManyTags");
}

TEST_F(SfnTaskTest, TheStateContextNamesTheStateItsEntryAndItsRetries) {
  // clang-format off
  const char* def = R"j({"StartAt":"Double","States":{
    "Double":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:double",
              "Parameters":{"n.$":"$.n","state.$":"$$.State.Name","retry.$":"$$.State.RetryCount",
                            "at.$":"$$.State.EnteredTime"},
              "Retry":[{"ErrorEquals":["HandledError"],"IntervalSeconds":1,"MaxAttempts":1}],"End":true}}})j";
  // clang-format on
  auto doubling = functions.answer;
  functions.answer = [&](const SyncInvoke& c) {
    if (functions.calls.size() == 1) {
      return Result<SyncResult>(SyncResult{true, R"({"errorType":"HandledError"})", ""});
    }
    return doubling(c);
  };
  std::string x = start(create("ctx", def), R"({"n":1})");
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  EXPECT_EQ(status(x), "SUCCEEDED");
  ASSERT_EQ(functions.count(), 2u);
  auto first = json::parse(functions.calls[0].payload).as_object();
  auto second = json::parse(functions.calls[1].payload).as_object();
  EXPECT_EQ(s(first.at("state")), "Double");
  EXPECT_EQ(first.at("retry"), 0);
  EXPECT_EQ(second.at("retry"), 1);
  EXPECT_EQ(first.at("at"), second.at("at"));  // entered once, retried in place
  EXPECT_TRUE(s(first.at("at")).ends_with("Z"));
}

TEST_F(SfnTaskTest, TasksInsideMapAndParallelStates) {
  // clang-format off
  const char* def = R"j({"StartAt":"Each","States":{
    "Each":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"n.$":"$$.Map.Item.Value"},
            "ItemProcessor":{"StartAt":"Double","States":{
              "Double":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:double","End":true}}},
            "ResultPath":"$.mapped","Next":"Both"},
    "Both":{"Type":"Parallel","Branches":[
              {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                 "Parameters":{"FunctionName":"double","Payload":{"n":10}},"OutputPath":"$.Payload","End":true}}},
              {"StartAt":"B","States":{"B":{"Type":"Pass","Result":{"doubled":0},"End":true}}}],
            "ResultPath":"$.both","End":true}}})j";
  // clang-format on
  std::string x = start(create("nested", def), R"({"items":[1,2,3]})");
  ASSERT_TRUE(eventually([&] { return status(x) != "RUNNING"; }));
  EXPECT_EQ(status(x), "SUCCEEDED");
  EXPECT_EQ(output(x), json::parse(R"({"items":[1,2,3],
      "mapped":[{"doubled":2},{"doubled":4},{"doubled":6}],
      "both":[{"doubled":20},{"doubled":0}]})"));
  EXPECT_EQ(functions.count(), 4u);
}

TEST_F(SfnTaskTest, ExpressTasksTimeOutToo) {
  functions.drop = 1;
  std::string m = create("fastslow", kSlowLambda, "EXPRESS");
  auto out = call_async("StartSyncExecution", {{"stateMachineArn", m}, {"input", R"({"n":5})"}});
  ASSERT_TRUE(eventually([&] { return functions.count() == 1; }));
  ASSERT_TRUE(advance_until(
      [&] { return out.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
      std::chrono::seconds(1)));
  auto r = out.get();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(s((*r)["status"]), "SUCCEEDED");  // timed out once, then retried
  EXPECT_EQ(json::parse(s((*r)["output"])), json::parse(R"({"doubled":10})"));
  EXPECT_EQ(functions.count(), 2u);
}

}  // namespace
}  // namespace nimbus::sfn
