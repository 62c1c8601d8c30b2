// Lambda Invoke unit tests: sync, errors, log tail, dry run, payload limits,
// alias weights, throttling, async retries and destinations, recovery of
// queued events.
#include <future>
#include <regex>
#include <thread>

#include "common/encoding.h"
#include "services/lambda/test_helpers.h"
#include "services/sqs/queues.h"

namespace nimbus::services::lambda::testing {
namespace {

const char* kInvokeEcho =
    "def handler(event, context):\n"
    "    print('hello from', context.function_name)\n"
    "    if isinstance(event, dict) and event.get('fail'):\n"
    "        raise ValueError('asked to fail')\n"
    "    return event\n";

TEST_F(LambdaTest, InvokeSyncErrorTailDryRun) {
  create("f", python_zip(kInvokeEcho));
  auto ok = call("Invoke", {{"FunctionName", "f"}, {"Payload", "{\"a\": 1}"}, {"LogType", "Tail"}});
  EXPECT_EQ(ok["StatusCode"].as_int64(), 200);
  EXPECT_EQ(s(ok["Payload"]), "{\"a\": 1}");
  EXPECT_EQ(s(ok["ExecutedVersion"]), "$LATEST");
  EXPECT_FALSE(ok.contains("FunctionError"));
  auto log = base64_decode(s(ok["LogResult"]));
  ASSERT_TRUE(log.has_value());
  EXPECT_NE(log->find("hello from f"), std::string::npos) << *log;
  EXPECT_NE(log->find("REPORT RequestId:"), std::string::npos) << *log;

  auto err = call("Invoke", {{"FunctionName", "f"}, {"Payload", "{\"fail\": true}"}});
  EXPECT_EQ(err["StatusCode"].as_int64(), 200);
  EXPECT_EQ(s(err["FunctionError"]), "Unhandled");
  auto doc = json::parse(s(err["Payload"])).as_object();
  EXPECT_EQ(s(doc["errorType"]), "ValueError");
  EXPECT_EQ(s(doc["errorMessage"]), "asked to fail");
  EXPECT_TRUE(doc.contains("stackTrace"));

  auto dry = call("Invoke", {{"FunctionName", "f"}, {"InvocationType", "DryRun"}});
  EXPECT_EQ(dry["StatusCode"].as_int64(), 204);
  EXPECT_EQ(error_code("Invoke", {{"FunctionName", "nope"}}), "ResourceNotFoundException");
  EXPECT_EQ(error_code("Invoke", {{"FunctionName", "f"}, {"Payload", "{not json"}}),
            "InvalidRequestContentException");
  EXPECT_EQ(error_code("Invoke", {{"FunctionName", "f"},
                                  {"Payload", "\"" + std::string(6 * 1024 * 1024, 'x') + "\""}}),
            "RequestTooLargeException");
  // Async payloads: up to 1 MB (Lambda's limit since 2025, was 256 KB).
  auto big_event = call("Invoke", {{"FunctionName", "f"},
                                   {"InvocationType", "Event"},
                                   {"Payload", "\"" + std::string(1000 * 1024, 'x') + "\""}});
  EXPECT_EQ(big_event["StatusCode"].as_int64(), 202);
  EXPECT_EQ(error_code("Invoke", {{"FunctionName", "f"},
                                  {"InvocationType", "Event"},
                                  {"Payload", "\"" + std::string(1024 * 1024, 'x') + "\""}}),
            "RequestTooLargeException");
  EXPECT_GE(metrics.counter("nimbus_lambda_invocations", {{"function", "f"}}).value(), 2u);
  EXPECT_GE(metrics.counter("nimbus_lambda_errors", {{"function", "f"}}).value(), 1u);
}

// API Gateway's calls (Functions::invoke_sync with its execute-api ARN)
// need a permission for apigateway.amazonaws.com under --iam enforce;
// calls through a role (no source ARN) are not checked here.
TEST_F(LambdaTest, GatewayInvocationsNeedAPermissionUnderEnforce) {
  settings.service_options["iam.mode"] = "enforce";
  reopen();
  create("f", python_zip(kInvokeEcho));
  auto invoke = [&](const std::string& fn, const std::string& source_arn) {
    std::promise<Result<SyncResult>> p;
    svc->invoke_sync({fn, "{\"a\": 1}", "req-1", source_arn},
                     [&p](Result<SyncResult> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  };
  const std::string route = "arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/pets/7";
  auto denied = invoke("f", route);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, "AccessDenied");
  EXPECT_EQ(denied.error().message,
            "User: apigateway.amazonaws.com is not authorized to perform: lambda:InvokeFunction "
            "on resource: arn:aws:lambda:us-east-1:000000000000:function:f because no "
            "resource-based policy allows the lambda:InvokeFunction action");
  auto role_call = invoke("f", "");
  ASSERT_TRUE(role_call) << role_call.error().message;
  EXPECT_EQ(role_call->payload, "{\"a\": 1}");

  call("AddPermission",
       {{"FunctionName", "f"},
        {"StatementId", "api1"},
        {"Action", "lambda:InvokeFunction"},
        {"Principal", "apigateway.amazonaws.com"},
        {"SourceArn", "arn:aws:execute-api:us-east-1:000000000000:api1/*/GET/pets/*"}});
  auto allowed = invoke("f", route);
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_EQ(allowed->payload, "{\"a\": 1}");
  // Another method, another API, or an authorizer of the same API: not covered.
  EXPECT_FALSE(invoke("f", "arn:aws:execute-api:us-east-1:000000000000:api1/prod/POST/pets/7"));
  EXPECT_FALSE(invoke("f", "arn:aws:execute-api:us-east-1:000000000000:api2/prod/GET/pets/7"));
  EXPECT_FALSE(invoke("f", "arn:aws:execute-api:us-east-1:000000000000:api1/authorizers/a1"));
  // The permission is for the unqualified function: an alias's ARN needs its own.
  call("PublishVersion", {{"FunctionName", "f"}});
  call("CreateAlias", {{"FunctionName", "f"}, {"Name", "live"}, {"FunctionVersion", "1"}});
  EXPECT_FALSE(invoke("arn:aws:lambda:us-east-1:000000000000:function:f:live", route));

  // Audit answers as off does.
  settings.service_options["iam.mode"] = "audit";
  reopen();
  auto audited = invoke("f", "arn:aws:execute-api:us-east-1:000000000000:api2/prod/GET/pets/7");
  EXPECT_TRUE(audited) << audited.error().message;
}

TEST_F(LambdaTest, NonJsonResponsePassesThroughAndTimeout) {
  create("raw",
         python_zip("import time\ndef handler(e, c):\n    if e == 'sleep':\n        time.sleep(5)\n"
                    "    return 'plain'\n"),
         "python3.11", "app.handler", {{"Timeout", 1}});
  auto r = call("Invoke", {{"FunctionName", "raw"}, {"Payload", "\"x\""}});
  EXPECT_EQ(s(r["Payload"]), "\"plain\"");
  auto t = call("Invoke", {{"FunctionName", "raw"}, {"Payload", "\"sleep\""}});
  EXPECT_EQ(s(t["FunctionError"]), "Unhandled");
  // The time the sandbox ran: never under the timeout, a little over it on a
  // loaded machine (Lambda reports 1.01 and such too).
  EXPECT_TRUE(std::regex_search(s(t["Payload"]),
                                std::regex(R"(Task timed out after 1\.[0-4][0-9] seconds)")))
      << s(t["Payload"]);
}

TEST_F(LambdaTest, AliasWeightsSplitTraffic) {
  create("f", python_zip("def handler(e, c):\n    return 'one'\n"));
  call("PublishVersion", {{"FunctionName", "f"}});
  call("UpdateFunctionCode",
       {{"FunctionName", "f"}, {"ZipFile", python_zip("def handler(e, c):\n    return 'two'\n")}});
  call("PublishVersion", {{"FunctionName", "f"}});
  call("CreateAlias",
       {{"FunctionName", "f"},
        {"Name", "ab"},
        {"FunctionVersion", "1"},
        {"RoutingConfig", json::object{{"AdditionalVersionWeights", json::object{{"2", 0.5}}}}}});
  std::map<std::string, int> seen;
  for (int i = 0; i < 30; ++i) {
    auto r = call("Invoke", {{"FunctionName", "f:ab"}});
    seen[s(r["ExecutedVersion"]) + "=" + s(r["Payload"])]++;
  }
  EXPECT_GT(seen["1=\"one\""], 0);
  EXPECT_GT(seen["2=\"two\""], 0);
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(LambdaTest, ReservedZeroThrottles) {
  create("f", python_zip(kInvokeEcho));
  call("PutFunctionConcurrency", {{"FunctionName", "f"}, {"ReservedConcurrentExecutions", 0}});
  auto r = try_call("Invoke", {{"FunctionName", "f"}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error().code, "TooManyRequestsException");
  ASSERT_NE(r.error().field("Reason"), nullptr);
  EXPECT_EQ(*r.error().field("Reason"), "ReservedFunctionConcurrentInvocationLimitExceeded");
  EXPECT_EQ(metrics.counter("nimbus_lambda_throttles", {{"function", "f"}}).value(), 1u);
}

TEST_F(LambdaTest, AccountLimitThrottles) {
  LambdaOptions o;
  o.account_concurrency = 1;
  reopen_with(o);
  create("slow", python_zip("import time\ndef handler(e, c):\n    time.sleep(1)\n    return 1\n"));
  std::promise<Output> first;
  (*svc->find("Invoke"))(ctx("Invoke"), {{"FunctionName", "slow"}},
                         [&first](Output o) { first.set_value(std::move(o)); });
  ASSERT_TRUE(eventually([&] { return svc->unreserved_in_flight() == 1; }));
  auto second = try_call("Invoke", {{"FunctionName", "slow"}});
  ASSERT_FALSE(second.is_ok());
  ASSERT_NE(second.error().field("Reason"), nullptr);
  EXPECT_EQ(*second.error().field("Reason"), "ConcurrentInvocationLimitExceeded");
  EXPECT_TRUE(first.get_future().get().is_ok());
}

TEST_F(LambdaTest, AsyncRetriesThenOnFailureToSqs) {
  std::promise<Result<sqs::QueuePtr>> made;
  sqs().queues().create("000000000000", "failures", {}, {}, false,
                        [&made](Result<sqs::QueuePtr> q) { made.set_value(std::move(q)); });
  auto q = made.get_future().get();
  ASSERT_TRUE(q.is_ok());
  std::string qarn = "arn:aws:sqs:us-east-1:000000000000:failures";
  create("f", python_zip(kInvokeEcho));
  call("PutFunctionEventInvokeConfig",
       {{"FunctionName", "f"},
        {"MaximumRetryAttempts", 1},
        {"DestinationConfig", json::object{{"OnFailure", json::object{{"Destination", qarn}}}}}});
  auto r =
      call("Invoke",
           {{"FunctionName", "f"}, {"InvocationType", "Event"}, {"Payload", "{\"fail\": true}"}});
  EXPECT_EQ(r["StatusCode"].as_int64(), 202);
  auto& invocations = metrics.counter("nimbus_lambda_invocations", {{"function", "f"}});
  ASSERT_TRUE(eventually([&] { return invocations.value() == 2; }));
  std::vector<sqs::Received> got;
  ASSERT_TRUE(eventually([&] {
    std::promise<Result<std::vector<sqs::Received>>> p;
    sqs::ReceiveRequest req;
    req.max_messages = 1;
    sqs().queues().receive(*q, req, [&p](auto r) { p.set_value(std::move(r)); });
    auto res = p.get_future().get();
    if (res && !res->empty()) got = *res;
    return !got.empty();
  }));
  auto record = json::parse(got[0].data->body).as_object();
  auto& rc = record["requestContext"].as_object();
  EXPECT_EQ(s(rc["condition"]), "RetriesExhausted");
  EXPECT_EQ(rc["approximateInvokeCount"].as_int64(), 2);
  EXPECT_EQ(s(record["responseContext"].as_object()["functionError"]), "Unhandled");
  EXPECT_EQ(record["requestPayload"].as_object()["fail"].as_bool(), true);
}

TEST_F(LambdaTest, AsyncFailureGoesToDeadLetterQueue) {
  std::promise<Result<sqs::QueuePtr>> made;
  sqs().queues().create("000000000000", "dlq", {}, {}, false,
                        [&made](Result<sqs::QueuePtr> q) { made.set_value(std::move(q)); });
  auto q = made.get_future().get();
  ASSERT_TRUE(q.is_ok());
  create("f", python_zip(kInvokeEcho), "python3.11", "app.handler",
         {{"DeadLetterConfig",
           json::object{{"TargetArn", "arn:aws:sqs:us-east-1:000000000000:dlq"}}}});
  call("PutFunctionEventInvokeConfig", {{"FunctionName", "f"}, {"MaximumRetryAttempts", 0}});
  call("Invoke",
       {{"FunctionName", "f"}, {"InvocationType", "Event"}, {"Payload", "{\"fail\": 2}"}});
  std::vector<sqs::Received> got;
  ASSERT_TRUE(eventually([&] {
    std::promise<Result<std::vector<sqs::Received>>> p;
    sqs::ReceiveRequest req;
    sqs().queues().receive(*q, req, [&p](auto r) { p.set_value(std::move(r)); });
    auto res = p.get_future().get();
    if (res && !res->empty()) got = *res;
    return !got.empty();
  }));
  EXPECT_EQ(got[0].data->body, "{\"fail\": 2}");
  std::map<std::string, std::string> attrs;
  for (const auto& a : got[0].data->attributes) attrs[a.name] = a.value;
  EXPECT_EQ(attrs["ErrorCode"], "200");
  EXPECT_EQ(attrs["ErrorMessage"], "asked to fail");
  EXPECT_FALSE(attrs["RequestID"].empty());
}

TEST_F(LambdaTest, ThrottledEventExpiresToOnFailure) {
  std::promise<Result<sqs::QueuePtr>> made;
  sqs().queues().create("000000000000", "expired", {}, {}, false,
                        [&made](Result<sqs::QueuePtr> q) { made.set_value(std::move(q)); });
  auto q = made.get_future().get();
  ASSERT_TRUE(q.is_ok());
  create("f", python_zip(kInvokeEcho));
  call("PutFunctionConcurrency", {{"FunctionName", "f"}, {"ReservedConcurrentExecutions", 0}});
  call("PutFunctionEventInvokeConfig",
       {{"FunctionName", "f"},
        {"MaximumEventAgeInSeconds", 60},
        {"DestinationConfig",
         json::object{
             {"OnFailure",
              json::object{{"Destination", "arn:aws:sqs:us-east-1:000000000000:expired"}}}}}});
  call("Invoke", {{"FunctionName", "f"}, {"InvocationType", "Event"}, {"Payload", "{\"e\": 1}"}});
  auto& throttles = metrics.counter("nimbus_lambda_throttles", {{"function", "f"}});
  ASSERT_TRUE(eventually([&] { return throttles.value() >= 1; }));
  clock.advance(std::chrono::seconds(61));  // the next retry (1 s back-off) finds it too old
  std::vector<sqs::Received> got;
  ASSERT_TRUE(eventually([&] {
    std::promise<Result<std::vector<sqs::Received>>> p;
    sqs().queues().receive(*q, sqs::ReceiveRequest{}, [&p](auto r) { p.set_value(std::move(r)); });
    auto res = p.get_future().get();
    if (res && !res->empty()) got = *res;
    return !got.empty();
  }));
  auto record = json::parse(got[0].data->body).as_object();
  EXPECT_EQ(s(record["requestContext"].as_object()["condition"]), "EventAgeExceeded");
  EXPECT_FALSE(record.contains("responsePayload"));
}

TEST_F(LambdaTest, AsyncDroppedWithoutTarget) {
  create("f", python_zip(kInvokeEcho));
  call("PutFunctionEventInvokeConfig", {{"FunctionName", "f"}, {"MaximumRetryAttempts", 0}});
  call("Invoke",
       {{"FunctionName", "f"}, {"InvocationType", "Event"}, {"Payload", "{\"fail\": 1}"}});
  auto& dropped = metrics.counter("nimbus_lambda_async_events_dropped", {{"function", "f"}});
  EXPECT_TRUE(eventually([&] { return dropped.value() == 1; }));
}

TEST_F(LambdaTest, QueuedEventsSurviveRestart) {
  create("f", python_zip(kInvokeEcho));
  call("PutFunctionConcurrency", {{"FunctionName", "f"}, {"ReservedConcurrentExecutions", 0}});
  for (int i = 0; i < 3; ++i) {
    call("Invoke", {{"FunctionName", "f"}, {"InvocationType", "Event"}, {"Payload", "{}"}});
  }
  reopen();
  call("DeleteFunctionConcurrency", {{"FunctionName", "f"}});
  auto& invocations = metrics.counter("nimbus_lambda_invocations", {{"function", "f"}});
  EXPECT_TRUE(eventually([&] { return invocations.value() == 3; }, std::chrono::seconds(20)))
      << invocations.value();
}

}  // namespace
}  // namespace nimbus::services::lambda::testing
