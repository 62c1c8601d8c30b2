// PutEvents to the targets of matching rules (SQS's real engine, a Lambda
// double, another bus), the input forms, retries and dead letters on the
// simulated clock, and schedule rules firing from the clock, also across a
// restart.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "services/events/test_helpers.h"

namespace nimbus::services::eventbridge {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class EventsPutTest : public testing::EventsTest {
 protected:
  std::map<std::string, std::string> attributes(const json::value& m) {
    std::map<std::string, std::string> out;
    if (const auto* a = m.as_object().if_contains("MessageAttributes")) {
      for (const auto& [k, v] : a->as_object()) out[std::string(k)] = s(v.at("StringValue"));
    }
    return out;
  }
};

TEST_F(EventsPutTest, MatchingEventsReachSqsAsTheEnvelope) {
  auto q = queue("q");
  put_rule("orders", R"({"source":["my.app"],"detail":{"n":[{"numeric":[">",1]}]}})");
  put_target("orders", {{"Id", "q"}, {"Arn", arn_of(q)}});
  auto out = put_event("my.app", R"({"n":5})");
  EXPECT_EQ(out["FailedEntryCount"].as_int64(), 0);
  std::string id = s(out["Entries"].as_array()[0].at("EventId"));
  put_event("my.app", R"({"n":0})");
  put_event("other", R"({"n":5})");
  auto got = receive(q, 3, 10ms, 30);
  ASSERT_EQ(got.size(), 1u);
  auto event = json::parse(s(got[0].at("Body"))).as_object();
  EXPECT_EQ(s(event["id"]), id);
  EXPECT_EQ(s(event["version"]), "0");
  EXPECT_EQ(s(event["source"]), "my.app");
  EXPECT_EQ(s(event["detail-type"]), "Order");
  EXPECT_EQ(s(event["account"]), "000000000000");
  EXPECT_EQ(s(event["region"]), "us-east-1");
  EXPECT_EQ(event["detail"].at("n").as_int64(), 5);
  EXPECT_EQ(s(event["time"]).size(), 20u);
}

TEST_F(EventsPutTest, PerEntryErrorsAndLimits) {
  auto entry = [](json::object e) {
    json::object base{{"Source", "a"}, {"DetailType", "t"}, {"Detail", "{}"}};
    for (auto& [k, v] : e) base[k] = v;
    return base;
  };
  auto out = call(
      "PutEvents",
      {{"Entries", json::array{entry({}), entry({{"Source", ""}}), entry({{"Source", "aws.s3"}}),
                               entry({{"Detail", "[1]"}}), entry({{"EventBusName", "nope"}})}}});
  EXPECT_EQ(out["FailedEntryCount"].as_int64(), 4);
  auto& e = out["Entries"].as_array();
  EXPECT_TRUE(e[0].as_object().contains("EventId"));
  EXPECT_EQ(s(e[1].at("ErrorCode")), "InvalidArgument");
  EXPECT_EQ(s(e[1].at("ErrorMessage")),
            "Parameter Source is not valid. Reason: Source is a required argument.");
  EXPECT_EQ(s(e[2].at("ErrorCode")), "NotAuthorizedForSourceException");
  EXPECT_EQ(s(e[3].at("ErrorMessage")), "Detail is malformed.");
  EXPECT_EQ(s(e[4].at("ErrorCode")), "ResourceNotFoundException");
  json::array eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back(entry({}));
  expect_error("PutEvents", {{"Entries", eleven}}, "ValidationException");
  std::string big = "{\"x\":\"" + std::string(260 * 1024, 'a') + "\"}";
  EXPECT_EQ(error_message("PutEvents", {{"Entries", json::array{entry({{"Detail", big}})}}}),
            "Total size of the entries in the request is over the limit.");
}

TEST_F(EventsPutTest, InputInputPathAndTransformer) {
  auto q1 = queue("q1"), q2 = queue("q2"), q3 = queue("q3");
  put_rule("r", R"({"source":["my.app"]})");
  call("PutTargets",
       {{"Rule", "r"},
        {"Targets",
         json::array{
             {{"Id", "a"}, {"Arn", arn_of(q1)}, {"Input", R"({"fixed":true})"}},
             {{"Id", "b"}, {"Arn", arn_of(q2)}, {"InputPath", "$.detail.order"}},
             {{"Id", "c"},
              {"Arn", arn_of(q3)},
              {"InputTransformer",
               {{"InputPathsMap", {{"id", "$.detail.order.id"}, {"src", "$.source"}}},
                {"InputTemplate", R"("order <id> from <src> by <aws.events.rule-name>")"}}}}}}});
  put_event("my.app", R"({"order":{"id":"o-1","qty":2}})");
  EXPECT_EQ(s(receive(q1)[0].at("Body")), R"({"fixed":true})");
  EXPECT_EQ(s(receive(q2)[0].at("Body")), R"({"id":"o-1","qty":2})");
  EXPECT_EQ(s(receive(q3)[0].at("Body")), R"("order o-1 from my.app by r")");
}

TEST_F(EventsPutTest, FifoQueuesGetTheGroupAndOtherBusesRouteAgain) {
  auto fifo = queue("q.fifo", {{"FifoQueue", "true"}});
  auto q = queue("q");
  call("CreateEventBus", {{"Name", "second"}});
  put_rule("to-fifo", R"({"source":["my.app"]})");
  put_target("to-fifo",
             {{"Id", "f"}, {"Arn", arn_of(fifo)}, {"SqsParameters", {{"MessageGroupId", "g1"}}}});
  put_rule("to-bus", R"({"source":["my.app"]})");
  put_target("to-bus",
             {{"Id", "b"}, {"Arn", "arn:aws:events:us-east-1:000000000000:event-bus/second"}});
  put_rule("on-second", R"({"detail":{"k":["v"]}})", "second");
  put_target("on-second", {{"Id", "q"}, {"Arn", arn_of(q)}}, "second");
  put_event("my.app", R"({"k":"v"})");
  auto got = receive(fifo);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Attributes").at("MessageGroupId")), "g1");
  auto via_bus = receive(q);
  ASSERT_EQ(via_bus.size(), 1u);
  EXPECT_EQ(s(json::parse(s(via_bus[0].at("Body"))).at("source")), "my.app");
}

// A standard queue target holds the event when PutEvents answers: sent at
// once, not stored first (TargetQueue::send).
TEST_F(EventsPutTest, AQueueTargetHoldsTheEventWhenPutEventsAnswers) {
  auto q = queue("now");
  put_rule("r", R"({"source":["my.app"]})");
  put_target("r", {{"Id", "q"}, {"Arn", arn_of(q)}});
  put_event("my.app", R"({"n":1})");
  auto out = try_call(service("sqs"), ctx("ReceiveMessage"), {{"QueueUrl", q}});
  ASSERT_TRUE(out.is_ok());
  ASSERT_TRUE(out->contains("Messages"));
  auto event = json::parse(s((*out)["Messages"].as_array()[0].at("Body"))).as_object();
  EXPECT_EQ(event["detail"].at("n").as_int64(), 1);
}

TEST_F(EventsPutTest, UndeliverableEventsGoToTheDeadLetterQueueWithTheirAttributes) {
  auto dlq = queue("dlq");
  put_rule("r", R"({"source":["my.app"]})");
  std::string rule_arn = "arn:aws:events:us-east-1:000000000000:rule/r";
  std::string missing = "arn:aws:sqs:us-east-1:000000000000:missing";
  put_target("r", {{"Id", "gone"}, {"Arn", missing}, {"DeadLetterConfig", {{"Arn", arn_of(dlq)}}}});
  put_event("my.app", R"({"a":1})");
  auto got = receive(dlq);
  ASSERT_EQ(got.size(), 1u);
  auto attrs = attributes(got[0]);
  EXPECT_EQ(attrs["RULE_ARN"], rule_arn);
  EXPECT_EQ(attrs["TARGET_ARN"], missing);
  EXPECT_EQ(attrs["ERROR_CODE"], "QueueDoesNotExist");
  EXPECT_FALSE(attrs["ERROR_MESSAGE"].empty());
  EXPECT_EQ(attrs["RETRY_ATTEMPTS"], "0");  // a missing queue is not retried
  EXPECT_EQ(attrs.count("EXHAUSTED_RETRY_CONDITION"), 0u);
  EXPECT_EQ(s(json::parse(s(got[0].at("Body"))).at("source")), "my.app");
}

// A target AWS reaches through its RoleArn (another bus here) is delivered
// only when the role check allows it; a refusal is not retried and goes to
// the dead-letter queue as NO_PERMISSIONS. Queue targets ignore the role.
TEST_F(EventsPutTest, TargetsWithARoleAreDeliveredOnlyWhenTheRoleAllows) {
  std::atomic<bool> allowed{false};
  std::mutex mu;
  std::vector<std::string> asked;
  svc->engine().set_role_check([&](const std::string& role, const std::string& target,
                                   const ::nimbus::events::Delivery&) -> Status {
    std::lock_guard lock(mu);
    asked.push_back(role + " " + target);
    if (allowed) return Status::ok();
    return Error::make("AccessDenied", "role may not put events", 403);
  });
  auto dlq = queue("dlq");
  auto q = queue("q");
  call("CreateEventBus", {{"Name", "second"}});
  std::string role = "arn:aws:iam::000000000000:role/bus-role";
  std::string second = "arn:aws:events:us-east-1:000000000000:event-bus/second";
  put_rule("to-bus", R"({"source":["my.app"]})");
  put_target("to-bus", {{"Id", "b"},
                        {"Arn", second},
                        {"RoleArn", role},
                        {"DeadLetterConfig", {{"Arn", arn_of(dlq)}}}});
  put_target("to-bus", {{"Id", "q"}, {"Arn", arn_of(q)}, {"RoleArn", role}});
  put_rule("on-second", R"({"source":["my.app"]})", "second");
  put_target("on-second", {{"Id", "q2"}, {"Arn", arn_of(q)}}, "second");
  put_event("my.app", R"({"n":1})");
  auto refused = receive(dlq);
  ASSERT_EQ(refused.size(), 1u);
  auto attrs = attributes(refused[0]);
  EXPECT_EQ(attrs["ERROR_CODE"], "NO_PERMISSIONS");
  EXPECT_EQ(attrs["ERROR_MESSAGE"], "role may not put events");
  EXPECT_EQ(attrs["RETRY_ATTEMPTS"], "0");
  ASSERT_EQ(receive(q).size(), 1u);  // the queue target, by its resource policy
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(asked.size(), 1u);
    EXPECT_EQ(asked[0], role + " " + second);
  }
  allowed = true;
  put_event("my.app", R"({"n":2})");
  EXPECT_EQ(receive(q, 2).size(), 2u);  // direct and via the second bus
}

TEST_F(EventsPutTest, ThrottledTargetsAreRetriedPerTheRetryPolicy) {
  auto dlq = queue("dlq");
  {
    MutexLock lock(functions.mu);
    functions.fail = 1'000'000;  // throttled until told otherwise
  }
  put_rule("r", R"({"source":["my.app"]})");
  put_target("r", {{"Id", "fn"},
                   {"Arn", "arn:aws:lambda:us-east-1:000000000000:function:f"},
                   {"RetryPolicy", {{"MaximumRetryAttempts", 3}}},
                   {"DeadLetterConfig", {{"Arn", arn_of(dlq)}}}});
  put_event("my.app", "{}");
  auto got = receive(dlq, 1, 500ms, 100);
  ASSERT_EQ(got.size(), 1u);
  auto attrs = attributes(got[0]);
  EXPECT_EQ(attrs["ERROR_CODE"], "TooManyRequestsException");
  EXPECT_EQ(attrs["RETRY_ATTEMPTS"], "3");
  EXPECT_EQ(attrs["EXHAUSTED_RETRY_CONDITION"], "MaximumRetryAttempts");
  MutexLock lock(functions.mu);
  EXPECT_EQ(functions.attempts, 4);  // the first attempt and three retries
}

TEST_F(EventsPutTest, RetriedTargetsGetTheEventOnceTheyRecover) {
  {
    MutexLock lock(functions.mu);
    functions.fail = 1'000'000;  // throttled until told otherwise
  }
  put_rule("r", R"({"source":["my.app"]})");
  put_target("r", {{"Id", "fn"}, {"Arn", "arn:aws:lambda:us-east-1:000000000000:function:f"}});
  put_event("my.app", "{}");
  ASSERT_TRUE(advance_until(
      [&] {
        MutexLock l(functions.mu);
        return functions.attempts >= 3;
      },
      500ms));
  {
    MutexLock lock(functions.mu);
    functions.fail = 0;
  }
  ASSERT_TRUE(advance_until(
      [&] {
        MutexLock l(functions.mu);
        return functions.bodies.size() == 1;
      },
      1s));
}

TEST_F(EventsPutTest, ScheduleRulesFireFromTheClock) {
  auto q = queue("q");
  call("PutRule", {{"Name", "tick"}, {"ScheduleExpression", "rate(5 minutes)"}});
  put_target("tick", {{"Id", "q"}, {"Arn", arn_of(q)}});
  clock.advance(4min);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  clock.advance(1min);
  auto got = receive(q, 1, 10ms, 50);
  ASSERT_EQ(got.size(), 1u);
  auto event = json::parse(s(got[0].at("Body"))).as_object();
  EXPECT_EQ(s(event["source"]), "aws.events");
  EXPECT_EQ(s(event["detail-type"]), "Scheduled Event");
  EXPECT_EQ(s(event["resources"].as_array()[0]), "arn:aws:events:us-east-1:000000000000:rule/tick");
  clock.advance(5min);
  EXPECT_EQ(receive(q, 1, 10ms, 50).size(), 1u);
  call("DisableRule", {{"Name", "tick"}});
  clock.advance(30min);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
}

TEST_F(EventsPutTest, AScheduleDueWhileTheServerWasDownFiresOnceAfterRestart) {
  auto q = queue("q");
  call("PutRule", {{"Name", "hourly"}, {"ScheduleExpression", "rate(1 hour)"}});
  put_target("hourly", {{"Id", "q"}, {"Arn", arn_of(q)}});
  close();
  clock.advance(3h + 30min);
  open();
  auto got = receive(q, 2, 10ms, 50);
  EXPECT_EQ(got.size(), 1u);
  // The next firing is back on the rule's period.
  clock.advance(30min);
  EXPECT_EQ(receive(q, 1, 10ms, 50).size(), 1u);
}

}  // namespace
}  // namespace nimbus::services::eventbridge
