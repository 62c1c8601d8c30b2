// The universal target: an operation of another service called in-process
// with the schedule's Input, its failures retried and dead-lettered like any
// target's, its ARNs read and checked, and its call decided as the
// schedule's role; and the templated SNS and Step Functions targets, which
// need those services built.
#include <gtest/gtest.h>

#include <atomic>

#include "common/mutex.h"
#include "services/in_process.h"
#include "services/scheduler/test_helpers.h"
#include "services/scheduler/universal_target.h"
#include "services/sns/sns_service.h"
#include "services/stepfunctions/stepfunctions_service.h"

namespace nimbus::services::scheduler {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class SchedulerUniversalTest
    : public services::testing::WithTargets<services::testing::ServiceTest<SchedulerService>> {
 protected:
  SchedulerUniversalTest()
      : WithTargets({build<sqs::SqsService>(), build<sns::SnsService>(),
                     build<sfn::StepFunctionsService>(), [this](Environment& env) {
                       return std::make_unique<SchedulerService>(
                           env, [this](std::string_view model, std::string_view op, CallContext ctx,
                                       json::object in, Respond respond) {
                             calls->call(model, op, std::move(ctx), std::move(in),
                                         std::move(respond));
                           });
                     }}) {}

  void open() override {
    calls = std::make_unique<InProcessCalls>(services);
    WithTargets::open();
  }

  std::unique_ptr<InProcessCalls> calls;
};

TEST_F(SchedulerUniversalTest, AnOperationOfAnotherServiceIsCalledWithTheInput) {
  auto q = queue("q");
  auto dlq = queue("dlq");
  auto in = testing::schedule_input("send", "rate(1 hour)",
                                    "arn:aws:scheduler:::aws-sdk:sqs:sendMessage");
  in["Target"].as_object()["Input"] =
      json::serialize(json::object{{"QueueUrl", q}, {"MessageBody", "from a schedule"}});
  call("CreateSchedule", in);
  auto bad =
      testing::schedule_input("bad", "rate(1 hour)", "arn:aws:scheduler:::aws-sdk:sqs:sendMessage");
  bad["Target"].as_object()["Input"] = R"({"QueueUrl": "http://localhost:4566/000000000000/nope",
                                           "MessageBody": "lost"})";
  bad["Target"].as_object()["DeadLetterConfig"] = json::object{{"Arn", arn_of(dlq)}};
  call("CreateSchedule", bad);
  clock.advance(1h);
  auto got = receive(q, 1, 10ms, 100);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), "from a schedule");
  auto dead = receive(dlq, 1, 10ms, 100);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(s(dead[0].at("MessageAttributes").at("ERROR_CODE").at("StringValue")),
            "QueueDoesNotExist");
}

// Templated SNS and Step Functions targets go through those services' own
// bound targets, as SQS and Lambda do.
TEST_F(SchedulerUniversalTest, TopicsAndStateMachinesGetTheInput) {
  auto q = queue("q");
  auto topic = try_call(service("sns"), ctx("CreateTopic"), {{"Name", "alerts"}});
  ASSERT_TRUE(topic.is_ok());
  auto topic_arn = s((*topic)["TopicArn"]);
  ASSERT_TRUE(try_call(service("sns"), ctx("Subscribe"),
                       {{"TopicArn", topic_arn},
                        {"Protocol", "sqs"},
                        {"Endpoint", arn_of(q)},
                        {"Attributes", json::object{{"RawMessageDelivery", "true"}}}})
                  .is_ok());
  auto in = testing::schedule_input("alert", "rate(1 hour)", topic_arn);
  in["Target"].as_object()["Input"] = "disk almost full";
  call("CreateSchedule", in);

  auto& sfn = service("stepfunctions");
  auto machine =
      try_call(sfn, ctx("CreateStateMachine"),
               {{"name", "m"},
                {"roleArn", "arn:aws:iam::000000000000:role/sfn"},
                {"definition", R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})"}});
  ASSERT_TRUE(machine.is_ok());
  auto machine_arn = s((*machine)["stateMachineArn"]);
  auto run = testing::schedule_input("run", "rate(1 hour)", machine_arn);
  run["Target"].as_object()["Input"] = R"({"k":"<aws.scheduler.execution-id>"})";
  call("CreateSchedule", run);

  clock.advance(1h);
  auto got = receive(q, 1, 10ms, 200);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), "disk almost full");
  json::array executions;
  ASSERT_TRUE(advance_until(
      [&] {
        auto out = try_call(sfn, ctx("ListExecutions"), {{"stateMachineArn", machine_arn}});
        if (out) executions = (*out)["executions"].as_array();
        return !executions.empty();
      },
      10ms, 200));
  ASSERT_EQ(executions.size(), 1u);
  auto described =
      try_call(sfn, ctx("DescribeExecution"), {{"executionArn", executions[0].at("executionArn")}});
  ASSERT_TRUE(described.is_ok());
  auto input = json::parse(s((*described)["input"])).as_object();
  EXPECT_EQ(s(input["k"]).size(), 36u);  // the firing's execution id
}

// IAM's side of OperationCalls for scheduler::role_check: refuses until
// `allowed`, and records what it was asked.
struct RoleCalls final : OperationCalls {
  void call(std::string_view, std::string_view, CallContext, json::object,
            Respond respond) override {
    respond(Error::make("InvalidAction", "not here", 400));
  }
  Status authorize_as(const std::string& role_arn, const std::string& principal,
                      std::string_view model, std::string_view operation, const CallContext& ctx,
                      const json::object& input) const override {
    MutexLock lock(mu);
    asked.push_back(role_arn + " " + principal + " " + std::string(model) + ":" +
                    std::string(operation) + " " + ctx.account_id + " " +
                    json::serialize(input.at("QueueUrl")));
    if (allowed) return Status::ok();
    return Error::make("AccessDenied", "User: " + role_arn + " is not authorized", 403);
  }
  mutable Mutex mu;
  mutable std::vector<std::string> asked GUARDED_BY(mu);
  std::atomic<bool> allowed{false};
};

// Under --iam enforce the universal target's call is decided as the
// schedule's role (scheduler::role_check): refused, it is not made and the
// event goes to the dead-letter queue with NO_PERMISSIONS; allowed, it is.
TEST_F(SchedulerUniversalTest, AUniversalTargetCallsAsTheSchedulesRole) {
  RoleCalls roles;
  std::atomic<int> others{0};
  svc->engine().set_role_check(role_check(
      [&others](const std::string&, const std::string&, const ::nimbus::events::Delivery&) {
        ++others;
        return Status::ok();
      },
      roles, settings));
  auto q = queue("q");
  auto dlq = queue("dlq");
  auto schedule = [&](const std::string& name, const std::string& body) {
    auto in = testing::schedule_input(name, "rate(1 hour)",
                                      "arn:aws:scheduler:::aws-sdk:sqs:sendMessage");
    in["Target"].as_object()["Input"] =
        json::serialize(json::object{{"QueueUrl", q}, {"MessageBody", body}});
    in["Target"].as_object()["RetryPolicy"] = json::object{{"MaximumRetryAttempts", 0}};
    in["Target"].as_object()["DeadLetterConfig"] = json::object{{"Arn", arn_of(dlq)}};
    call("CreateSchedule", in);
  };
  schedule("refused", "not sent");
  clock.advance(1h);
  auto dead = receive(dlq, 1, 10ms, 100);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(s(dead[0].at("MessageAttributes").at("ERROR_CODE").at("StringValue")),
            "NO_PERMISSIONS");
  EXPECT_TRUE(receive(q, 1, 10ms, 10).empty());
  {
    MutexLock lock(roles.mu);
    ASSERT_EQ(roles.asked.size(), 1u);
    EXPECT_EQ(roles.asked[0], std::string(testing::kRole) +
                                  " scheduler.amazonaws.com sqs:SendMessage 000000000000 \"" + q +
                                  "\"");
  }
  ASSERT_TRUE(try_call("DeleteSchedule", {{"Name", "refused"}}).is_ok());
  roles.allowed = true;
  schedule("allowed", "sent");
  clock.advance(1h);
  auto got = receive(q, 1, 10ms, 100);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), "sent");
  EXPECT_TRUE(receive(dlq, 1, 10ms, 10).empty());
  // The dead letter is sent as the role too, decided by the targets' check.
  EXPECT_EQ(others, 1);
}

TEST_F(SchedulerUniversalTest, UniversalTargetsNeedAKnownShapeAndAJsonInput) {
  auto in =
      testing::schedule_input("u", "rate(1 hour)", "arn:aws:scheduler:::aws-sdk:sqs:sendMessage");
  EXPECT_EQ(error_code("CreateSchedule", in), "ValidationException");
  in["Target"].as_object()["Input"] = "not json";
  EXPECT_EQ(error_code("CreateSchedule", in), "ValidationException");
  in["Target"].as_object()["Arn"] = "arn:aws:scheduler:::aws-sdk:sqs";
  in["Target"].as_object()["Input"] = "{}";
  EXPECT_EQ(error_code("CreateSchedule", in), "ValidationException");

  auto u = UniversalArn::parse("arn:aws:scheduler:::aws-sdk:sfn:startExecution");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->model, "stepfunctions");
  EXPECT_EQ(u->operation, "StartExecution");
  EXPECT_FALSE(UniversalArn::parse("arn:aws:sqs:::aws-sdk:sqs:sendMessage"));
  EXPECT_FALSE(UniversalArn::parse("arn:aws:scheduler:::aws-sdk:sqs:send/Message"));
}

}  // namespace
}  // namespace nimbus::services::scheduler
