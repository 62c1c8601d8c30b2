// Event buses, rules and targets: what the API answers, EventBridge's errors
// for bad input (nothing changes), and the state after a restart.
#include <gtest/gtest.h>

#include "services/events/test_helpers.h"

namespace nimbus::services::eventbridge {
namespace {

namespace json = boost::json;

class EventsRulesTest : public testing::EventsTest {};

TEST_F(EventsRulesTest, BusesAreCreatedDescribedListedAndDeleted) {
  auto out = call("CreateEventBus", {{"Name", "orders"}});
  EXPECT_EQ(s(out["EventBusArn"]), "arn:aws:events:us-east-1:000000000000:event-bus/orders");
  expect_error("CreateEventBus", {{"Name", "orders"}}, "ResourceAlreadyExistsException");
  expect_error("CreateEventBus", {{"Name", "default"}}, "ResourceAlreadyExistsException");
  EXPECT_EQ(s(call("DescribeEventBus", {{"Name", "orders"}})["Name"]), "orders");
  EXPECT_EQ(s(call("DescribeEventBus", {})["Name"]), "default");
  expect_error("DescribeEventBus", {{"Name", "nope"}}, "ResourceNotFoundException");
  EXPECT_EQ(error_message("DescribeEventBus", {{"Name", "nope"}}),
            "Event bus nope does not exist.");
  EXPECT_EQ(call("ListEventBuses", {})["EventBuses"].as_array().size(), 2u);
  EXPECT_EQ(call("ListEventBuses", {{"NamePrefix", "ord"}})["EventBuses"].as_array().size(), 1u);
  expect_error("DeleteEventBus", {{"Name", "default"}}, "ValidationException");
  call("DeleteEventBus", {{"Name", "orders"}});
  expect_error("DescribeEventBus", {{"Name", "orders"}}, "ResourceNotFoundException");
}

TEST_F(EventsRulesTest, UpdateEventBusChangesTheDescription) {
  call("CreateEventBus", {{"Name", "orders"}, {"Description", "old"}});
  auto out = call("UpdateEventBus", {{"Name", "orders"}, {"Description", "new"}});
  EXPECT_EQ(s(out["Arn"]), "arn:aws:events:us-east-1:000000000000:event-bus/orders");
  EXPECT_EQ(s(out["Description"]), "new");
  EXPECT_EQ(s(call("DescribeEventBus", {{"Name", "orders"}})["Description"]), "new");
  EXPECT_EQ(s(call("UpdateEventBus", {{"Description", "d"}})["Name"]), "default");
  expect_error("UpdateEventBus", {{"Name", "nope"}}, "ResourceNotFoundException");
}

TEST_F(EventsRulesTest, RulesKeepTheirPatternScheduleStateAndTargets) {
  auto arn = call("PutRule", {{"Name", "r1"},
                              {"EventPattern", R"({"source":["my.app"]})"},
                              {"Description", "d"}})["RuleArn"];
  EXPECT_EQ(s(arn), "arn:aws:events:us-east-1:000000000000:rule/r1");
  auto q = queue("q");
  put_target("r1", {{"Id", "t1"}, {"Arn", arn_of(q)}});
  call("PutRule", {{"Name", "r1"}, {"EventPattern", R"({"source":["other"]})"}});
  auto d = call("DescribeRule", {{"Name", "r1"}});
  EXPECT_EQ(s(d["EventPattern"]), R"({"source":["other"]})");
  EXPECT_EQ(s(d["State"]), "ENABLED");
  EXPECT_EQ(s(d["EventBusName"]), "default");
  EXPECT_EQ(call("ListTargetsByRule", {{"Rule", "r1"}})["Targets"].as_array().size(), 1u);
  call("DisableRule", {{"Name", "r1"}});
  EXPECT_EQ(s(call("DescribeRule", {{"Name", "r1"}})["State"]), "DISABLED");
  call("PutRule", {{"Name", "r2"}, {"ScheduleExpression", "rate(5 minutes)"}});
  EXPECT_EQ(call("ListRules", {})["Rules"].as_array().size(), 2u);
  EXPECT_EQ(call("ListRules", {{"NamePrefix", "r2"}})["Rules"].as_array().size(), 1u);
  auto page = call("ListRules", {{"Limit", 1}});
  EXPECT_EQ(s(page["NextToken"]), "r1");
  EXPECT_EQ(s(call("ListRules", {{"NextToken", "r1"}})["Rules"].as_array()[0].at("Name")), "r2");

  reopen();
  d = call("DescribeRule", {{"Name", "r1"}});
  EXPECT_EQ(s(d["State"]), "DISABLED");
  EXPECT_FALSE(d.contains("Description"));  // PutRule replaced it
  EXPECT_EQ(s(call("DescribeRule", {{"Name", "r2"}})["ScheduleExpression"]), "rate(5 minutes)");
  auto targets = call("ListTargetsByRule", {{"Rule", "r1"}})["Targets"].as_array();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(s(targets[0].at("Arn")), arn_of(q));

  EXPECT_EQ(error_message("DeleteRule", {{"Name", "r1"}}),
            "Rule can't be deleted since it has targets.");
  call("RemoveTargets", {{"Rule", "r1"}, {"Ids", json::array{"t1"}}});
  call("DeleteRule", {{"Name", "r1"}});
  expect_error("DescribeRule", {{"Name", "r1"}}, "ResourceNotFoundException");
  EXPECT_EQ(error_message("DescribeRule", {{"Name", "r1"}}),
            "Rule r1 does not exist on EventBus default.");
}

TEST_F(EventsRulesTest, BadRulesAndTargetsGetEventBridgesErrorsAndChangeNothing) {
  expect_error("PutRule", {{"Name", "r"}, {"EventPattern", R"({"source":"x"})"}},
               "InvalidEventPatternException");
  expect_error("PutRule", {{"Name", "r"}, {"ScheduleExpression", "cron(0 10 * * * *)"}},
               "ValidationException");
  EXPECT_EQ(error_message("PutRule", {{"Name", "r"}, {"ScheduleExpression", "rate(1 minutes)"}}),
            "Parameter ScheduleExpression is not valid.");
  EXPECT_EQ(error_message("PutRule", {{"Name", "r"}}),
            "Parameter(s) EventPattern or ScheduleExpression must be specified.");
  call("CreateEventBus", {{"Name", "b"}});
  EXPECT_EQ(error_message(
                "PutRule",
                {{"Name", "r"}, {"EventBusName", "b"}, {"ScheduleExpression", "rate(5 minutes)"}}),
            "ScheduleExpression is supported only on the default event bus.");
  expect_error("PutRule", {{"Name", "r"}, {"EventBusName", "nope"}, {"EventPattern", "{}"}},
               "ResourceNotFoundException");
  expect_error("PutRule", {{"Name", "bad name"}, {"EventPattern", R"({"a":["b"]})"}},
               "ValidationException");
  EXPECT_TRUE(call("ListRules", {})["Rules"].as_array().empty());

  put_rule("r", R"({"source":["x"]})");
  auto q = arn_of(queue("q"));
  auto target = [&](json::object extra) {
    json::object t{{"Id", "t"}, {"Arn", q}};
    for (auto& [k, v] : extra) t[k] = v;
    return json::object{{"Rule", "r"}, {"Targets", json::array{t}}};
  };
  expect_error("PutTargets", target({{"Arn", "not-an-arn"}}), "ValidationException");
  expect_error("PutTargets", target({{"Input", "{"}}), "ValidationException");
  EXPECT_EQ(error_message("PutTargets", target({{"Input", "{}"}, {"InputPath", "$.detail"}})),
            "Only one of Input, InputPath, or InputTransformer must be provided.");
  expect_error("PutTargets", target({{"InputPath", "detail"}}), "ValidationException");
  expect_error(
      "PutTargets",
      target({{"InputTransformer", {{"InputPathsMap", {{"a", "x"}}}, {"InputTemplate", "<a>"}}}}),
      "ValidationException");
  expect_error("PutTargets", target({{"Arn", q + ".fifo"}}), "ValidationException");
  expect_error("PutTargets", target({{"RetryPolicy", {{"MaximumEventAgeInSeconds", 10}}}}),
               "ValidationException");
  expect_error("PutTargets",
               {{"Rule", "nope"}, {"Targets", json::array{{{"Id", "t"}, {"Arn", q}}}}},
               "ResourceNotFoundException");
  EXPECT_TRUE(call("ListTargetsByRule", {{"Rule", "r"}})["Targets"].as_array().empty());
  for (int i = 0; i < 5; ++i) put_target("r", {{"Id", "t" + std::to_string(i)}, {"Arn", q}});
  expect_error("PutTargets", target({{"Id", "t9"}}), "LimitExceededException");
  EXPECT_EQ(call("ListTargetsByRule", {{"Rule", "r"}})["Targets"].as_array().size(), 5u);
}

TEST_F(EventsRulesTest, TestEventPattern) {
  std::string event = R"({"id":"1","account":"1","source":"my.app","time":"2026-01-01T00:00:00Z",
                          "region":"us-east-1","resources":[],"detail-type":"x","detail":{"n":5}})";
  EXPECT_TRUE(
      call("TestEventPattern", {{"EventPattern", R"({"detail":{"n":[{"numeric":[">",4]}]}})"},
                                {"Event", event}})["Result"]
          .as_bool());
  EXPECT_FALSE(call("TestEventPattern",
                    {{"EventPattern", R"({"source":["other"]})"}, {"Event", event}})["Result"]
                   .as_bool());
  expect_error("TestEventPattern", {{"EventPattern", R"({"source":["x"]})"}, {"Event", "{}"}},
               "ValidationException");
  expect_error("TestEventPattern", {{"EventPattern", "[]"}, {"Event", event}},
               "InvalidEventPatternException");
}

}  // namespace
}  // namespace nimbus::services::eventbridge
