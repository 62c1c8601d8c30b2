// Schedule groups and schedules through the API: what it answers,
// Scheduler's errors for bad input (nothing changes), ClientToken
// idempotency, paging, tags, and the state after a restart.
#include <gtest/gtest.h>

#include "services/scheduler/test_helpers.h"

namespace nimbus::services::scheduler {
namespace {

namespace json = boost::json;
using testing::kFunction;

class SchedulerApiTest : public testing::SchedulerTest {};

constexpr const char* kGroupArn = "arn:aws:scheduler:us-east-1:000000000000:schedule-group/";

TEST_F(SchedulerApiTest, GroupsAreCreatedListedTaggedAndDeletedWithTheirSchedules) {
  EXPECT_EQ(s(call("GetScheduleGroup", {{"Name", "default"}})["State"]), "ACTIVE");
  auto out = call("CreateScheduleGroup",
                  {{"Name", "ops"},
                   {"ClientToken", "t1"},
                   {"Tags", json::array{json::object{{"Key", "team"}, {"Value", "a"}}}}});
  EXPECT_EQ(s(out["ScheduleGroupArn"]), std::string(kGroupArn) + "ops");
  // The same token is the same request; another one is a conflict.
  EXPECT_EQ(
      s(call("CreateScheduleGroup", {{"Name", "ops"}, {"ClientToken", "t1"}})["ScheduleGroupArn"]),
      std::string(kGroupArn) + "ops");
  expect_error("CreateScheduleGroup", {{"Name", "ops"}, {"ClientToken", "t2"}},
               "ConflictException");
  EXPECT_EQ(error_message("CreateScheduleGroup", {{"Name", "ops"}}),
            "Schedule group ops already exists.");
  call("CreateScheduleGroup", {{"Name", "other"}});
  EXPECT_EQ(call("ListScheduleGroups", {})["ScheduleGroups"].as_array().size(), 3u);
  auto page = call("ListScheduleGroups", {{"MaxResults", 1}});
  EXPECT_EQ(s(page["ScheduleGroups"].as_array()[0].at("Name")), "default");
  auto rest = call("ListScheduleGroups", {{"NextToken", page["NextToken"]}});
  EXPECT_EQ(rest["ScheduleGroups"].as_array().size(), 2u);
  EXPECT_EQ(call("ListScheduleGroups", {{"NamePrefix", "op"}})["ScheduleGroups"].as_array().size(),
            1u);

  std::string arn = std::string(kGroupArn) + "ops";
  call("TagResource", {{"ResourceArn", arn},
                       {"Tags", json::array{json::object{{"Key", "env"}, {"Value", "prod"}},
                                            json::object{{"Key", "team"}, {"Value", "b"}}}}});
  auto tags = call("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array();
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(s(tags[0].at("Value")), "b");
  call("UntagResource", {{"ResourceArn", arn}, {"TagKeys", json::array{"team"}}});
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array().size(), 1u);
  expect_error("ListTagsForResource", {{"ResourceArn", std::string(kGroupArn) + "nope"}},
               "ResourceNotFoundException");

  call("CreateSchedule", schedule("a", "rate(1 hour)", kFunction, {{"GroupName", "ops"}}));
  call("CreateSchedule", schedule("b", "rate(1 hour)", kFunction));
  EXPECT_EQ(call("ListSchedules", {})["Schedules"].as_array().size(), 2u);

  reopen();
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array().size(), 1u);
  EXPECT_EQ(svc->engine().armed(), 2u);

  EXPECT_EQ(error_message("DeleteScheduleGroup", {{"Name", "default"}}),
            "The default schedule group cannot be deleted.");
  call("DeleteScheduleGroup", {{"Name", "ops"}});
  EXPECT_EQ(error_message("GetScheduleGroup", {{"Name", "ops"}}),
            "Schedule group ops does not exist.");
  expect_error("DeleteScheduleGroup", {{"Name", "ops"}}, "ResourceNotFoundException");
  auto left = call("ListSchedules", {})["Schedules"].as_array();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(s(left[0].at("Name")), "b");
  EXPECT_EQ(svc->engine().armed(), 1u);
  reopen();
  EXPECT_EQ(call("ListSchedules", {})["Schedules"].as_array().size(), 1u);
}

// Tag keys starting with aws: are AWS's: refused from clients
// (ValidationException), changing nothing, and taken from CloudFormation.
TEST_F(SchedulerApiTest, AwsTagKeysComeFromCloudFormationOnly) {
  auto aws_tag =
      json::array{json::object{{"Key", "aws:cloudformation:stack-name"}, {"Value", "s"}}};
  EXPECT_EQ(error_message("CreateScheduleGroup", {{"Name", "t"}, {"Tags", aws_tag}}),
            "The tag key 'aws:cloudformation:stack-name' starts with 'aws:', which is reserved "
            "for AWS use.");
  expect_error("GetScheduleGroup", {{"Name", "t"}}, "ResourceNotFoundException");
  std::string arn = std::string(kGroupArn) + "g";
  call("CreateScheduleGroup", {{"Name", "g"}});
  expect_error(
      "TagResource",
      {{"ResourceArn", arn}, {"Tags", json::array{json::object{{"Key", "AWS:x"}, {"Value", "1"}}}}},
      "ValidationException");
  expect_error("UntagResource", {{"ResourceArn", arn}, {"TagKeys", json::array{"aws:x"}}},
               "ValidationException");
  EXPECT_TRUE(call("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array().empty());
  CallContext stack = ctx("TagResource");
  stack.called_via = "cloudformation.amazonaws.com";
  ASSERT_TRUE(try_call(*svc, stack, {{"ResourceArn", arn}, {"Tags", aws_tag}}));
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceArn", arn}})["Tags"].as_array().size(), 1u);
}

TEST_F(SchedulerApiTest, SchedulesAreCreatedDescribedUpdatedListedAndDeleted) {
  auto q = queue("q");
  auto in = schedule(
      "nightly", "cron(0 2 * * ? *)", arn_of(q),
      {{"ScheduleExpressionTimezone", "Europe/Paris"},
       {"Description", "d"},
       {"ClientToken", "c1"},
       {"FlexibleTimeWindow", json::object{{"Mode", "FLEXIBLE"}, {"MaximumWindowInMinutes", 15}}}});
  in["Target"].as_object()["Input"] = R"({"job":"report"})";
  auto arn = s(call("CreateSchedule", in)["ScheduleArn"]);
  EXPECT_EQ(arn, "arn:aws:scheduler:us-east-1:000000000000:schedule/default/nightly");
  EXPECT_EQ(s(call("CreateSchedule", in)["ScheduleArn"]), arn);  // same ClientToken
  in["ClientToken"] = "c2";
  EXPECT_EQ(error_message("CreateSchedule", in), "Schedule nightly already exists.");
  expect_error("CreateSchedule", in, "ConflictException");

  auto d = call("GetSchedule", {{"Name", "nightly"}});
  EXPECT_EQ(s(d["Arn"]), arn);
  EXPECT_EQ(s(d["GroupName"]), "default");
  EXPECT_EQ(s(d["State"]), "ENABLED");
  EXPECT_EQ(s(d["ScheduleExpressionTimezone"]), "Europe/Paris");
  EXPECT_EQ(s(d["ActionAfterCompletion"]), "NONE");
  EXPECT_EQ(s(d["FlexibleTimeWindow"].at("Mode")), "FLEXIBLE");
  EXPECT_EQ(d["FlexibleTimeWindow"].at("MaximumWindowInMinutes").to_number<int64_t>(), 15);
  EXPECT_EQ(s(d["Target"].at("Input")), R"({"job":"report"})");
  EXPECT_EQ(d["Target"].at("RetryPolicy").at("MaximumRetryAttempts").to_number<int64_t>(), 185);
  EXPECT_EQ(d["CreationDate"].to_number<double>(), 1700000000.0);

  // UpdateSchedule replaces everything: what it leaves out returns to defaults.
  call("UpdateSchedule",
       schedule("nightly", "rate(5 minutes)", arn_of(q), {{"State", "DISABLED"}}));
  d = call("GetSchedule", {{"Name", "nightly"}});
  EXPECT_EQ(s(d["ScheduleExpression"]), "rate(5 minutes)");
  EXPECT_EQ(s(d["State"]), "DISABLED");
  EXPECT_EQ(s(d["ScheduleExpressionTimezone"]), "UTC");
  EXPECT_FALSE(d.contains("Description"));
  EXPECT_FALSE(d["Target"].as_object().contains("Input"));
  EXPECT_EQ(svc->engine().armed(), 0u);
  expect_error("UpdateSchedule", schedule("nope", "rate(5 minutes)", arn_of(q)),
               "ResourceNotFoundException");

  for (auto name : {"b1", "b2", "c1"})
    call("CreateSchedule", schedule(name, "rate(1 day)", kFunction));
  EXPECT_EQ(call("ListSchedules", {{"NamePrefix", "b"}})["Schedules"].as_array().size(), 2u);
  EXPECT_EQ(call("ListSchedules", {{"State", "DISABLED"}})["Schedules"].as_array().size(), 1u);
  EXPECT_EQ(call("ListSchedules", {{"GroupName", "default"}})["Schedules"].as_array().size(), 4u);
  EXPECT_EQ(error_message("ListSchedules", {{"GroupName", "nope"}}),
            "Schedule group nope does not exist.");
  json::array names;
  std::string token;
  do {
    json::object req{{"MaxResults", 3}};
    if (!token.empty()) req["NextToken"] = token;
    auto page = call("ListSchedules", req);
    for (auto& e : page["Schedules"].as_array()) names.push_back(e.at("Name"));
    token = page.contains("NextToken") ? s(page["NextToken"]) : "";
  } while (!token.empty());
  EXPECT_EQ(json::serialize(names), R"(["b1","b2","c1","nightly"])");
  auto summary =
      call("ListSchedules", {{"NamePrefix", "c"}})["Schedules"].as_array()[0].as_object();
  EXPECT_EQ(s(summary["Target"].at("Arn")), kFunction);

  reopen();
  EXPECT_EQ(s(call("GetSchedule", {{"Name", "nightly"}})["State"]), "DISABLED");
  EXPECT_EQ(svc->engine().armed(), 3u);
  call("DeleteSchedule", {{"Name", "b1"}});
  EXPECT_EQ(error_message("GetSchedule", {{"Name", "b1"}}), "Schedule b1 does not exist.");
  expect_error("DeleteSchedule", {{"Name", "b1"}}, "ResourceNotFoundException");
  EXPECT_EQ(svc->engine().armed(), 2u);
}

TEST_F(SchedulerApiTest, BadSchedulesGetSchedulersErrorsAndChangeNothing) {
  auto q = queue("q");
  auto bad = [&](json::object in) {
    auto out = try_call("CreateSchedule", std::move(in));
    EXPECT_FALSE(out.is_ok());
    return out ? std::string("(ok)") : out.error().code + ": " + out.error().message;
  };
  EXPECT_EQ(bad(schedule("s", "rate(1 minutes)", kFunction))
                .rfind("ValidationException: Invalid Schedule Expression rate(1 minutes).", 0),
            0u);
  EXPECT_EQ(bad(schedule("s", "at(2026-13-01T00:00:00)", kFunction))
                .rfind("ValidationException: Invalid Schedule Expression", 0),
            0u);
  EXPECT_EQ(bad(schedule("s", "rate(1 hour)", kFunction,
                         {{"ScheduleExpressionTimezone", "Mars/Olympus"}})),
            "ValidationException: Invalid Schedule Expression Timezone Mars/Olympus.");
  EXPECT_EQ(bad(schedule("s", "rate(1 hour)", kFunction,
                         {{"FlexibleTimeWindow", json::object{{"Mode", "FLEXIBLE"}}}})),
            "ValidationException: MaximumWindowInMinutes must be provided when "
            "FlexibleTimeWindow Mode is FLEXIBLE.");
  EXPECT_EQ(bad(schedule("s", "rate(1 hour)", kFunction,
                         {{"FlexibleTimeWindow",
                           json::object{{"Mode", "OFF"}, {"MaximumWindowInMinutes", 5}}}})),
            "ValidationException: MaximumWindowInMinutes must not be provided when "
            "FlexibleTimeWindow Mode is OFF.");
  EXPECT_EQ(bad(schedule("s", "rate(1 hour)", "arn:aws:sqs:us-east-1:000000000000:q.fifo")),
            "ValidationException: SqsParameters.MessageGroupId is required for FIFO queue "
            "targets.");
  EXPECT_EQ(
      bad(schedule("s", "rate(1 hour)", "arn:aws:events:us-east-1:000000000000:event-bus/default")),
      "ValidationException: EventBridgeParameters is required for EventBridge targets.");
  EXPECT_EQ(bad(schedule("s", "rate(1 hour)", "not-an-arn")),
            "ValidationException: Invalid target ARN not-an-arn.");
  EXPECT_EQ(bad(schedule("s", "rate(1 hour)", kFunction,
                         {{"StartDate", 1700003600}, {"EndDate", 1700000000 + 60}})),
            "ValidationException: The StartDate must come before the EndDate.");
  EXPECT_EQ(bad(schedule("s", "rate(1 hour)", kFunction, {{"StartDate", 1700000000 - 3600}})),
            "ValidationException: The StartDate you specify cannot be earlier than 5 minutes "
            "ago.");
  auto dlq = schedule("s", "rate(1 hour)", kFunction);
  dlq["Target"].as_object()["DeadLetterConfig"] =
      json::object{{"Arn", "arn:aws:sns:us-east-1:000000000000:t"}};
  EXPECT_EQ(bad(dlq).rfind("ValidationException: Invalid DeadLetterConfig ARN", 0), 0u);
  EXPECT_EQ(bad(schedule("s", "rate(1 hour)", kFunction, {{"GroupName", "nope"}})),
            "ResourceNotFoundException: Schedule group nope does not exist.");
  EXPECT_EQ(call("ListSchedules", {})["Schedules"].as_array().size(), 0u);
  EXPECT_EQ(svc->engine().armed(), 0u);
}

}  // namespace
}  // namespace nimbus::services::scheduler
