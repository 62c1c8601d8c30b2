// Schedules firing on the simulated clock: one-time, rate (also from a
// future StartDate) and a time-zone cron, the flexible window's bounds, disabled schedules,
// ActionAfterCompletion DELETE, retries into the dead-letter queue, firings
// due while the server was down, and what each target kind receives.
#include <gtest/gtest.h>

#include "services/cloudwatch/api.h"
#include "services/scheduler/firing.h"
#include "services/scheduler/test_helpers.h"

namespace nimbus::services::scheduler {
namespace {

namespace json = boost::json;
using testing::kFunction;
using namespace std::chrono_literals;

class SchedulerFiringTest : public testing::SchedulerTest {
 protected:
  // The attributes of a received SQS message, name -> string value.
  static std::map<std::string, std::string> attributes(const json::value& m) {
    std::map<std::string, std::string> out;
    if (const auto* a = m.as_object().if_contains("MessageAttributes")) {
      for (const auto& [k, v] : a->as_object()) {
        out[std::string(k)] = s(v.as_object().at("StringValue"));
      }
    }
    return out;
  }
};

TEST_F(SchedulerFiringTest, AOneTimeScheduleFiresOnceAtItsTimeWithItsContext) {
  auto q = queue("q");
  auto in = schedule("once", at_in(60), arn_of(q));
  in["Target"].as_object()["Input"] =
      R"({"arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>",)"
      R"("id":"<aws.scheduler.execution-id>","n":<aws.scheduler.attempt-number>})";
  call("CreateSchedule", in);
  clock.advance(59s);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  clock.advance(1s);
  auto got = receive(q, 1, 10ms, 100);
  ASSERT_EQ(got.size(), 1u);
  auto body = json::parse(s(got[0].at("Body"))).as_object();
  EXPECT_EQ(s(body["arn"]), "arn:aws:scheduler:us-east-1:000000000000:schedule/default/once");
  EXPECT_EQ(s(body["at"]), "2023-11-14T22:14:20Z");
  EXPECT_EQ(s(body["id"]), execution_id(s(body["arn"]), 1700000060));
  EXPECT_EQ(body["n"].to_number<int64_t>(), 1);
  clock.advance(1h);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  // ActionAfterCompletion NONE keeps it.
  call("GetSchedule", {{"Name", "once"}});
  EXPECT_EQ(svc->engine().armed(), 0u);
}

TEST_F(SchedulerFiringTest, ActionAfterCompletionDeleteRemovesTheScheduleAfterItsLastFiring) {
  auto q = queue("q");
  call("CreateSchedule",
       schedule("once", at_in(30), arn_of(q), {{"ActionAfterCompletion", "DELETE"}}));
  auto end = clock.now_millis() / 1000 + 3 * 3600 + 10;
  call("CreateSchedule", schedule("hourly", "rate(1 hour)", arn_of(q),
                                  {{"ActionAfterCompletion", "DELETE"}, {"EndDate", end}}));
  clock.advance(30s);
  ASSERT_EQ(receive(q, 1, 10ms, 100).size(), 1u);
  ASSERT_TRUE(eventually([&] { return error_code("GetSchedule", {{"Name", "once"}}) != "(ok)"; }));
  expect_error("GetSchedule", {{"Name", "once"}}, "ResourceNotFoundException");
  // The rate schedule fires three times before its EndDate, then goes.
  auto fired = receive(q, 3, 1min, 200);
  EXPECT_EQ(fired.size(), 3u);
  ASSERT_TRUE(eventually([&] {
    return error_code("GetSchedule", {{"Name", "hourly"}}) != "(ok)";
  }));
  EXPECT_EQ(svc->engine().armed(), 0u);
}

TEST_F(SchedulerFiringTest, RateSchedulesFireEachPeriodAndDisabledOnesDoNot) {
  auto q = queue("q");
  auto in = schedule("tick", "rate(5 minutes)", arn_of(q));
  call("CreateSchedule", in);
  clock.advance(4min + 59s);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  clock.advance(1s);
  EXPECT_EQ(receive(q, 1, 10ms, 100).size(), 1u);
  clock.advance(5min);
  EXPECT_EQ(receive(q, 1, 10ms, 100).size(), 1u);
  in["State"] = "DISABLED";
  call("UpdateSchedule", in);
  clock.advance(30min);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  in["State"] = "ENABLED";
  call("UpdateSchedule", in);
  clock.advance(5min);
  EXPECT_EQ(receive(q, 1, 10ms, 100).size(), 1u);
}

// A future StartDate holds a rate schedule back and anchors it: the first
// firing is at StartDate, the next ones whole periods after it.
TEST_F(SchedulerFiringTest, AFutureStartDateDelaysAndAnchorsARate) {
  auto q = queue("q");
  int64_t start = clock.now_millis() / 1000 + 3600 + 420;  // 1 h 7 min ahead
  auto in = schedule("later", "rate(10 minutes)", arn_of(q), {{"StartDate", start}});
  in["Target"].as_object()["Input"] = "<aws.scheduler.scheduled-time>";
  call("CreateSchedule", in);
  clock.advance(std::chrono::seconds(start - clock.now_millis() / 1000 - 1));
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());  // no firing before StartDate
  clock.advance(1s);
  auto first = receive(q, 1, 10ms, 100);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(s(first[0].at("Body")), "2023-11-14T23:20:20Z");  // StartDate itself
  clock.advance(9min + 59s);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  clock.advance(1s);
  auto second = receive(q, 1, 10ms, 100);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(s(second[0].at("Body")), "2023-11-14T23:30:20Z");
}

TEST_F(SchedulerFiringTest, ACronScheduleFiresOnTheWallClockOfItsTimeZone) {
  // 09:00 in New York on 2023-11-15 (EST, UTC-5) is 14:00 UTC; the clock
  // starts at 2023-11-14T22:13:20Z.
  auto q = queue("q");
  auto in = schedule("morning", "cron(0 9 * * ? *)", arn_of(q),
                     {{"ScheduleExpressionTimezone", "America/New_York"}});
  in["Target"].as_object()["Input"] = "<aws.scheduler.scheduled-time>";
  call("CreateSchedule", in);
  clock.advance(15h + 46min);  // 13:59:20 UTC
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  clock.advance(40s);
  auto got = receive(q, 1, 10ms, 100);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), "2023-11-15T14:00:00Z");

  auto d = ScheduleDef::parse(in);
  ASSERT_TRUE(d.is_ok());
  // 2024-03-10: New York moves to EDT; 09:00 is then 13:00 UTC.
  EXPECT_EQ(d->next_firing(1710000000, 1710000000), 1710075600);  // 2024-03-10T13:00:00Z
  EXPECT_EQ(d->next_firing(1710075600, 1710075600), 1710162000);  // 2024-03-11T13:00:00Z
}

TEST_F(SchedulerFiringTest, AFlexibleWindowDelaysAFiringWithinItsBounds) {
  auto q = queue("q");
  std::vector<int64_t> bounds;
  int64_t pick = 600;  // the largest delay the window allows
  svc->engine().set_random([&](int64_t bound) {
    bounds.push_back(bound);
    return std::min(pick, bound);
  });
  json::object flexible{
      {"FlexibleTimeWindow", json::object{{"Mode", "FLEXIBLE"}, {"MaximumWindowInMinutes", 10}}}};
  call("CreateSchedule", schedule("late", at_in(60), arn_of(q), flexible));
  ASSERT_EQ(bounds.size(), 1u);
  EXPECT_EQ(bounds[0], 600);
  clock.advance(60s + 599s);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  clock.advance(1s);
  EXPECT_EQ(receive(q, 1, 10ms, 100).size(), 1u);

  pick = 0;  // the earliest: the nominal time itself
  call("CreateSchedule", schedule("early", at_in(60), arn_of(q), flexible));
  clock.advance(59s);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  clock.advance(1s);
  EXPECT_EQ(receive(q, 1, 10ms, 100).size(), 1u);
}

TEST_F(SchedulerFiringTest, FailedDeliveriesAreRetriedThenDeadLettered) {
  {
    MutexLock lock(functions.mu);
    functions.fail = 1'000'000;  // throttled throughout
  }
  auto dlq = queue("dlq");
  auto in = schedule("job", at_in(10), kFunction);
  auto& target = in["Target"].as_object();
  target["Input"] = R"({"k":1,"n":"<aws.scheduler.attempt-number>"})";
  target["RetryPolicy"] = json::object{{"MaximumRetryAttempts", 2}};
  target["DeadLetterConfig"] = json::object{{"Arn", arn_of(dlq)}};
  call("CreateSchedule", in);
  clock.advance(10s);
  auto got = receive(dlq, 1, 500ms, 100);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), R"({"k":1,"n":"3"})");  // the last attempt's payload
  auto attrs = attributes(got[0]);
  EXPECT_EQ(attrs["TARGET_ARN"], kFunction);
  EXPECT_EQ(attrs["ERROR_CODE"], "TooManyRequestsException");
  EXPECT_EQ(attrs["RETRY_ATTEMPTS"], "2");
  EXPECT_EQ(attrs["EXHAUSTED_RETRY_CONDITION"], "MaximumRetryAttempts");
  EXPECT_EQ(attrs["SCHEDULE_ARN"], "arn:aws:scheduler:us-east-1:000000000000:schedule/default/job");
  EXPECT_EQ(attrs["SCHEDULED_TIME"], "2023-11-14T22:13:30Z");
  EXPECT_EQ(attrs["EXECUTION_ID"], execution_id(attrs["SCHEDULE_ARN"], 1700000010));
  MutexLock lock(functions.mu);
  EXPECT_EQ(functions.attempts, 3);  // the first attempt and two retries
}

// Each attempt sends its own number as <aws.scheduler.attempt-number>; the
// number is stored with the delivery, so a restart between attempts goes on
// counting instead of starting again at 1.
TEST_F(SchedulerFiringTest, EachAttemptCarriesItsNumberAlsoAcrossARestart) {
  auto send = [&](const std::string& name, int failures) {
    {
      MutexLock lock(functions.mu);
      functions.fail = failures;
      functions.attempts = 0;
    }
    auto in = schedule(name, at_in(10), kFunction);
    in["Target"].as_object()["Input"] = R"({"n":<aws.scheduler.attempt-number>})";
    call("CreateSchedule", in);
    clock.advance(10s);
  };
  auto attempts = [&] {
    MutexLock lock(functions.mu);
    return functions.attempts;
  };
  send("twice-throttled", 2);
  ASSERT_TRUE(advance_until([&] { return functions.received() == 1; }, 500ms, 100));
  EXPECT_EQ(attempts(), 3);
  EXPECT_EQ(lambda_bodies(), std::vector<std::string>{R"({"n":3})"});

  send("restarted", 1);
  ASSERT_TRUE(eventually([&] { return attempts() == 1; }));
  close();  // the retry is stored, due a second later
  open();
  ASSERT_TRUE(advance_until([&] { return functions.received() == 2; }, 500ms, 100));
  EXPECT_EQ(attempts(), 2);
  EXPECT_EQ(lambda_bodies()[1], R"({"n":2})");
}

// CloudWatch's publisher, recording "NAMESPACE METRIC[ DIMENSION=VALUE]".
struct RecordedMetrics final : cloudwatch::MetricPublisher {
  void put(const std::string& ns, std::vector<cloudwatch::PublishedDatum> data) override {
    MutexLock lock(mu);
    for (const auto& d : data) {
      std::string line = ns + " " + d.metric_name;
      for (const auto& [k, v] : d.dimensions) line += " " + k + "=" + v;
      lines.push_back(line);
    }
  }
  // Whether a line naming `part` was recorded.
  bool any(std::string_view part) {
    MutexLock lock(mu);
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(part) != std::string::npos; });
  }
  // The lines naming `part` ("": all), taken out; the others stay.
  std::vector<std::string> taken(std::string_view part = "") {
    MutexLock lock(mu);
    std::vector<std::string> out, rest;
    for (auto& l : lines) (l.find(part) != std::string::npos ? out : rest).push_back(l);
    lines = std::move(rest);
    return out;
  }
  Mutex mu;
  std::vector<std::string> lines GUARDED_BY(mu);
};

// The dead-letter queue is sent to as the schedule's role, as Scheduler
// documents (sqs:SendMessage on it): refused, the event is dropped and
// InvocationsFailedToBeSentToDeadLetterCount_AccessDenied published;
// allowed, it is sent and InvocationsSentToDeadLetterCount published. A
// dead-letter queue that is gone is AWS's NonExistentQueue.
TEST_F(SchedulerFiringTest, TheDeadLetterQueueIsSentToAsTheSchedulesRole) {
  RecordedMetrics metrics;
  svc->engine().use_metrics(&metrics);
  auto dlq = queue("dlq");
  std::atomic<bool> may_send{false};
  Mutex mu;
  std::vector<std::string> asked;
  svc->engine().set_role_check([&](const std::string& role, const std::string& target,
                                   const ::nimbus::events::Delivery&) -> Status {
    {
      MutexLock lock(mu);
      asked.push_back(role + " " + target);
    }
    if (target != arn_of(dlq) || may_send) return Status::ok();
    return Error::make("AccessDenied", "User: " + role + " is not authorized", 403);
  });
  const std::string missing = "arn:aws:sqs:us-east-1:000000000000:missing";
  auto schedule_to = [&](const std::string& name, const std::string& dead_letter) {
    auto in = schedule(name, at_in(10), missing);
    in["Target"].as_object()["DeadLetterConfig"] = json::object{{"Arn", dead_letter}};
    call("CreateSchedule", in);
    clock.advance(10s);
  };
  auto failed = [](const std::string& code) {
    return std::vector<std::string>{
        "AWS/Scheduler InvocationsFailedToBeSentToDeadLetterCount",
        "AWS/Scheduler InvocationsFailedToBeSentToDeadLetterCount ScheduleGroup=default",
        "AWS/Scheduler InvocationsFailedToBeSentToDeadLetterCount_" + code,
        "AWS/Scheduler InvocationsFailedToBeSentToDeadLetterCount_" + code +
            " ScheduleGroup=default"};
  };

  schedule_to("refused", arn_of(dlq));
  ASSERT_TRUE(eventually([&] { return metrics.any("DeadLetter"); }));
  EXPECT_EQ(metrics.taken("DeadLetter"), failed("AccessDenied"));
  EXPECT_TRUE(receive(dlq, 1, 10ms, 10).empty());
  {
    MutexLock lock(mu);
    EXPECT_EQ(asked, (std::vector<std::string>{std::string(testing::kRole) + " " + missing,
                                               std::string(testing::kRole) + " " + arn_of(dlq)}));
  }

  may_send = true;
  schedule_to("allowed", arn_of(dlq));
  ASSERT_EQ(receive(dlq, 1, 10ms, 100).size(), 1u);
  ASSERT_TRUE(eventually([&] { return metrics.any("DeadLetter"); }));
  EXPECT_EQ(metrics.taken("DeadLetter"),
            (std::vector<std::string>{
                "AWS/Scheduler InvocationsSentToDeadLetterCount",
                "AWS/Scheduler InvocationsSentToDeadLetterCount ScheduleGroup=default"}));

  schedule_to("gone", "arn:aws:sqs:us-east-1:000000000000:no-dlq");
  ASSERT_TRUE(eventually([&] { return metrics.any("DeadLetter"); }));
  EXPECT_EQ(metrics.taken("DeadLetter"), failed("AWS.SimpleQueueService.NonExistentQueue"));
}

// Each attempt on a target is counted for the account and the schedule's
// group: InvocationAttemptCount; TargetErrorCount when it failed, with
// TargetErrorThrottledCount when the target throttled it;
// InvocationDroppedCount when the event is given up.
TEST_F(SchedulerFiringTest, EachAttemptIsCountedInAwsSchedulerMetrics) {
  RecordedMetrics metrics;
  svc->engine().use_metrics(&metrics);
  auto collect = [&](size_t n) {
    std::vector<std::string> got;
    EXPECT_TRUE(eventually([&] {
      for (auto& l : metrics.taken()) got.push_back(std::move(l));
      return got.size() >= n;
    }));
    return got;
  };
  auto both = [](const std::string& name, const std::string& group) {
    return std::vector<std::string>{"AWS/Scheduler " + name,
                                    "AWS/Scheduler " + name + " ScheduleGroup=" + group};
  };
  auto lines = [&](const std::string& group, std::initializer_list<std::string> names) {
    std::vector<std::string> out;
    for (const auto& n : names) {
      for (auto& l : both(n, group)) out.push_back(std::move(l));
    }
    return out;
  };

  call("CreateScheduleGroup", {{"Name", "ops"}});
  {
    MutexLock lock(functions.mu);
    functions.fail = 1;  // throttled once, then taken
  }
  call("CreateSchedule", schedule("job", at_in(10), kFunction, {{"GroupName", "ops"}}));
  clock.advance(10s);
  ASSERT_TRUE(advance_until([&] { return functions.received() == 1; }, 500ms, 100));
  auto want = lines("ops", {"InvocationAttemptCount", "TargetErrorCount",
                            "TargetErrorThrottledCount", "InvocationAttemptCount"});
  EXPECT_EQ(collect(want.size()), want);

  // A queue that does not exist will not change: given up at the first attempt.
  call("CreateSchedule", schedule("lost", at_in(10), "arn:aws:sqs:us-east-1:000000000000:missing"));
  clock.advance(10s);
  want = lines("default", {"InvocationAttemptCount", "TargetErrorCount", "InvocationDroppedCount"});
  EXPECT_EQ(collect(want.size()), want);
}

TEST_F(SchedulerFiringTest, FiringsDueWhileTheServerWasDownFireOnceAfterRestart) {
  auto q = queue("q");
  call("CreateSchedule", schedule("once", at_in(60), arn_of(q)));
  call("CreateSchedule", schedule("hourly", "rate(1 hour)", arn_of(q)));
  close();
  clock.advance(3h + 30min);
  open();
  auto got = receive(q, 3, 10ms, 100);
  EXPECT_EQ(got.size(), 2u);  // the one-time firing and one of the missed hourly ones
  // The next hourly firing is back on the period: creation + 4 h.
  clock.advance(29min);
  EXPECT_TRUE(receive(q, 1, 1ms, 5).empty());
  clock.advance(1min);
  EXPECT_EQ(receive(q, 1, 10ms, 100).size(), 1u);
}

TEST_F(SchedulerFiringTest, FifoTargetsGetTheGroupAndTheExecutionIdAsDeduplicationId) {
  auto q = queue("q.fifo", {{"FifoQueue", "true"}});
  auto in = schedule("f", at_in(5), arn_of(q));
  in["Target"].as_object()["SqsParameters"] = json::object{{"MessageGroupId", "g1"}};
  call("CreateSchedule", in);
  clock.advance(5s);
  auto got = receive(q, 1, 10ms, 100);
  ASSERT_EQ(got.size(), 1u);
  const auto& a = got[0].at("Attributes").as_object();
  EXPECT_EQ(s(a.at("MessageGroupId")), "g1");
  EXPECT_EQ(
      s(a.at("MessageDeduplicationId")),
      execution_id("arn:aws:scheduler:us-east-1:000000000000:schedule/default/f", 1700000005));
}

TEST(SchedulerDelivery, EventBridgeTargetsGetAnEventWithTheInputAsDetail) {
  json::object in{
      {"Name", "e"},
      {"ScheduleExpression", "rate(1 hour)"},
      {"FlexibleTimeWindow", json::object{{"Mode", "OFF"}}},
      {"Target", json::object{{"Arn",
                               "arn:aws:events:us-east-1:000000000000:"
                               "event-bus/default"},
                              {"RoleArn", testing::kRole},
                              {"Input", R"({"k":"v"})"},
                              {"EventBridgeParameters",
                               json::object{{"DetailType", "Tick"}, {"Source", "my.app"}}}}}};
  auto d = ScheduleDef::parse(in);
  ASSERT_TRUE(d.is_ok());
  d->arn = "arn:aws:scheduler:us-east-1:000000000000:schedule/default/e";
  Settings settings;
  auto q = delivery_for(*d, 1700000000, settings);
  auto event = json::parse(q.delivery.body).as_object();
  EXPECT_EQ(event["source"].as_string(), "my.app");
  EXPECT_EQ(event["detail-type"].as_string(), "Tick");
  EXPECT_EQ(event["time"].as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(json::serialize(event["detail"]), R"({"k":"v"})");
  EXPECT_EQ(event["resources"].as_array()[0].as_string(), d->arn);
  EXPECT_EQ(event["id"].as_string(), q.delivery.id);
  EXPECT_EQ(q.max_retries, 185);
  EXPECT_EQ(q.max_age_ms, 86'400'000);
  // Without Input, other targets receive an empty JSON object.
  in["Target"].as_object()["Arn"] = testing::kFunction;
  d = ScheduleDef::parse(in);
  ASSERT_TRUE(d.is_ok());
  d->target.input.reset();
  EXPECT_EQ(delivery_for(*d, 1700000000, settings).delivery.body, "{}");
}

}  // namespace
}  // namespace nimbus::services::scheduler
