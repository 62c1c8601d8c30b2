// Composite alarms: the AlarmRule grammar, and PutCompositeAlarm's alarms
// following their children's states with actions, relatives and history.
#include <gtest/gtest.h>

#include "services/cloudwatch/alarm_rule.h"
#include "services/cloudwatch/alarm_test_kit.h"

namespace nimbus::services::cloudwatch::testing {
namespace {

std::string holds(std::string_view text, std::map<std::string, std::string> states) {
  auto rule = AlarmRule::parse(text);
  if (!rule) return "error: " + rule.error().message;
  return rule->holds([&](const std::string& ref) { return states[ref]; }) ? "TRUE" : "FALSE";
}

TEST(AlarmRule, FunctionsOperatorsAndPrecedence) {
  std::map<std::string, std::string> s{
      {"cpu", "ALARM"}, {"disk", "OK"}, {"net", "OK"}, {"new", "INSUFFICIENT_DATA"}};
  EXPECT_EQ(holds("ALARM(cpu)", s), "TRUE");
  EXPECT_EQ(holds("ALARM(\"disk\")", s), "FALSE");
  EXPECT_EQ(holds("OK( disk ) AND INSUFFICIENT_DATA(new)", s), "TRUE");
  // NOT before AND before OR.
  EXPECT_EQ(holds("ALARM(disk) AND ALARM(cpu) OR OK(net)", s), "TRUE");
  EXPECT_EQ(holds("ALARM(disk) AND (ALARM(cpu) OR OK(net))", s), "FALSE");
  EXPECT_EQ(holds("NOT ALARM(disk) AND NOT OK(cpu)", s), "TRUE");
  EXPECT_EQ(holds("(ALARM(cpu) OR ALARM(disk)) AND OK(net)", s), "TRUE");
  EXPECT_EQ(holds("true", s), "TRUE");
  EXPECT_EQ(holds("FALSE OR false", s), "FALSE");
  // An alarm that does not exist is in no state.
  EXPECT_EQ(holds("OK(gone) OR ALARM(gone) OR INSUFFICIENT_DATA(gone)", s), "FALSE");
  auto rule = AlarmRule::parse(
      "ALARM(arn:aws:cloudwatch:us-east-1:000000000000:alarm:a) AND OK(b) OR ALARM(b)");
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->children(),
            (std::vector<std::string>{"arn:aws:cloudwatch:us-east-1:000000000000:alarm:a", "b"}));
}

TEST(AlarmRule, RefusesWhatIsNotARule) {
  for (const char* bad : {"", "ALARM", "ALARM()", "ALARM(a", "ALARM(\"a)", "MAYBE(a)",
                          "ALARM(a) AND", "ALARM(a) OK(b)", "(ALARM(a)", "NOT", "ALARM(a))"}) {
    auto rule = AlarmRule::parse(bad);
    EXPECT_FALSE(rule) << bad;
  }
  EXPECT_EQ(AlarmRule::parse("ALARM(a) AND").error().code, "ValidationError");
  EXPECT_FALSE(AlarmRule::parse(std::string(10241, ' ')));
  // 101 distinct children, 501 elements, deep nesting: refused, no crash.
  std::string many = "ALARM(a0)";
  for (int i = 1; i <= 100; ++i) many += " OR ALARM(a" + std::to_string(i) + ")";
  EXPECT_FALSE(AlarmRule::parse(many));
  std::string deep(600, '(');
  EXPECT_FALSE(AlarmRule::parse(deep + "TRUE" + std::string(600, ')')));
  std::string nots;
  for (int i = 0; i < 2000; ++i) nots += "NOT ";
  EXPECT_FALSE(AlarmRule::parse(nots + "TRUE"));
}

class CompositeTest : public AlarmTest {
 protected:
  json::object composite(const std::string& name) {
    auto out = call("DescribeAlarms", {{"AlarmNames", json::array{json::value(name)}},
                                       {"AlarmTypes", json::array{"CompositeAlarm"}}});
    auto& list = out.at("CompositeAlarms").as_array();
    return list.empty() ? json::object{} : list[0].as_object();
  }
  void set(const std::string& name, const char* state) {
    call("SetAlarmState", {{"AlarmName", name}, {"StateValue", state}, {"StateReason", "test"}});
  }
};

TEST_F(CompositeTest, FollowsItsChildrenAndNotifies) {
  call("PutMetricAlarm", alarm_input("cpu", {{"AlarmActions", json::array{}}}));
  call("PutMetricAlarm", alarm_input("deploying", {{"AlarmActions", json::array{}}}));
  set("cpu", "OK");
  set("deploying", "OK");
  call("PutCompositeAlarm", {{"AlarmName", "page"},
                             {"AlarmRule", "ALARM(cpu) AND NOT ALARM(\"deploying\")"},
                             {"AlarmDescription", "wake someone"},
                             {"AlarmActions", json::array{kTopic}}});
  // Created INSUFFICIENT_DATA, evaluated at once.
  auto c = composite("page");
  EXPECT_EQ(s(c["StateValue"]), "OK");
  EXPECT_EQ(s(c["AlarmRule"]), "ALARM(cpu) AND NOT ALARM(\"deploying\")");
  EXPECT_EQ(s(c["AlarmArn"]), "arn:aws:cloudwatch:us-east-1:000000000000:alarm:page");
  EXPECT_FALSE(c.contains("MetricName"));
  set("cpu", "ALARM");
  c = composite("page");
  EXPECT_EQ(s(c["StateValue"]), "ALARM");
  EXPECT_EQ(s(c["StateReason"])
                .rfind("arn:aws:cloudwatch:us-east-1:000000000000:alarm:cpu "
                       "transitioned to ALARM at ",
                       0),
            0u);
  EXPECT_NE(s(c["StateReasonData"]).find("\"triggeringAlarms\""), std::string::npos);
  ASSERT_TRUE(eventually([&] { return topics.all().size() == 1; }));
  auto note = json::parse(topics.all()[0].body).as_object();
  EXPECT_EQ(s(note["AlarmName"]), "page");
  EXPECT_EQ(s(note["NewStateValue"]), "ALARM");
  EXPECT_EQ(s(note["AlarmRule"]), "ALARM(cpu) AND NOT ALARM(\"deploying\")");
  EXPECT_FALSE(note.contains("Trigger"));
  // A deployment starting turns it back to OK (no OK actions: no message).
  set("deploying", "ALARM");
  EXPECT_EQ(s(composite("page")["StateValue"]), "OK");
  // Not in DescribeAlarms without AlarmTypes; history says CompositeAlarm.
  auto plain = call("DescribeAlarms", {{"AlarmNames", json::array{"page"}}});
  EXPECT_TRUE(plain["MetricAlarms"].as_array().empty());
  EXPECT_FALSE(plain.contains("CompositeAlarms"));
  auto h = call("DescribeAlarmHistory", {{"AlarmName", "page"},
                                         {"AlarmTypes", json::array{"CompositeAlarm"}},
                                         {"HistoryItemType", "StateUpdate"}});
  ASSERT_EQ(h["AlarmHistoryItems"].as_array().size(), 3u);
  EXPECT_EQ(s(h["AlarmHistoryItems"].as_array()[0].at("AlarmType")), "CompositeAlarm");
  EXPECT_TRUE(call("DescribeAlarmHistory", {{"AlarmName", "page"}})["AlarmHistoryItems"]
                  .as_array()
                  .empty());
}

TEST_F(CompositeTest, CompositesOfCompositesRelativesAndRefusals) {
  call("PutMetricAlarm", alarm_input("a", {{"AlarmActions", json::array{}}}));
  call("PutMetricAlarm", alarm_input("b", {{"AlarmActions", json::array{}}}));
  call("PutCompositeAlarm", {{"AlarmName", "either"}, {"AlarmRule", "ALARM(a) OR ALARM(b)"}});
  call("PutCompositeAlarm",
       {{"AlarmName", "top"},
        {"AlarmRule", "ALARM(arn:aws:cloudwatch:us-east-1:000000000000:alarm:either)"}});
  EXPECT_EQ(s(composite("top")["StateValue"]), "OK");
  set("b", "ALARM");
  EXPECT_EQ(s(composite("either")["StateValue"]), "ALARM");
  EXPECT_EQ(s(composite("top")["StateValue"]), "ALARM");

  auto kids = call("DescribeAlarms", {{"ChildrenOfAlarmName", "either"}});
  ASSERT_EQ(kids["MetricAlarms"].as_array().size(), 2u);
  EXPECT_EQ(kids["MetricAlarms"].as_array()[1].as_object().size(), 4u);  // name, ARN, state, time
  auto parents = call("DescribeAlarms", {{"ParentsOfAlarmName", "either"}});
  ASSERT_EQ(parents["CompositeAlarms"].as_array().size(), 1u);
  EXPECT_EQ(s(parents["CompositeAlarms"].as_array()[0].at("AlarmName")), "top");
  EXPECT_EQ(error_code("DescribeAlarms", {{"ParentsOfAlarmName", "a"}, {"StateValue", "OK"}}),
            "InvalidParameterCombination");

  EXPECT_EQ(error_code("PutCompositeAlarm", {{"AlarmName", "x"}, {"AlarmRule", "ALARM(nope)"}}),
            "ValidationError");
  EXPECT_EQ(error_code("PutCompositeAlarm", {{"AlarmName", "x"}, {"AlarmRule", "ALARM(a"}}),
            "ValidationError");
  EXPECT_EQ(error_code("PutCompositeAlarm", {{"AlarmName", "x"}}), "MissingParameter");
  EXPECT_EQ(error_code("PutCompositeAlarm", {{"AlarmName", "a"}, {"AlarmRule", "TRUE"}}),
            "ValidationError");  // a is a metric alarm
  EXPECT_EQ(composite("x").size(), 0u);

  // A cycle (allowed, as on AWS) is not evaluated: no endless flipping.
  call("PutCompositeAlarm", {{"AlarmName", "c1"}, {"AlarmRule", "FALSE"}});
  call("PutCompositeAlarm", {{"AlarmName", "c2"}, {"AlarmRule", "NOT ALARM(c1)"}});
  EXPECT_EQ(s(composite("c2")["StateValue"]), "ALARM");
  call("PutCompositeAlarm", {{"AlarmName", "c1"}, {"AlarmRule", "ALARM(c2)"}});
  EXPECT_EQ(s(composite("c1")["StateValue"]), "OK");
  clock.advance(std::chrono::minutes(1));
  EXPECT_EQ(s(composite("c1")["StateValue"]), "OK");
}

// The tick re-evaluates composites: a deleted child (which no change
// announces) matches no state any more.
TEST_F(CompositeTest, TheTickCatchesADeletedChild) {
  call("PutMetricAlarm", alarm_input("gone", {{"AlarmActions", json::array{}}}));
  set("gone", "ALARM");
  call("PutCompositeAlarm", {{"AlarmName", "watch"}, {"AlarmRule", "ALARM(gone)"}});
  call("PutCompositeAlarm", {{"AlarmName", "above"}, {"AlarmRule", "OK(watch)"}});
  EXPECT_EQ(s(composite("watch")["StateValue"]), "ALARM");
  EXPECT_EQ(s(composite("above")["StateValue"]), "OK");
  call("DeleteAlarms", {{"AlarmNames", json::array{"gone"}}});
  EXPECT_EQ(s(composite("watch")["StateValue"]), "ALARM");
  ASSERT_TRUE(advance_until([&] { return s(composite("watch")["StateValue"]) == "OK"; },
                            std::chrono::seconds(5), 10));
  // The tick runs on the worker pool: its parents' pass may still be going.
  EXPECT_TRUE(eventually([&] { return s(composite("above")["StateValue"]) == "ALARM"; }));
}

// The suppressor in ALARM at the composite's transition holds its actions
// back; once it leaves ALARM, for the ExtensionPeriod more (across a
// restart), then they run as a state update into the same state.
TEST_F(CompositeTest, SuppressorInAlarmThenExtensionPeriod) {
  // The ticks keep what SetAlarmState sets (no data, ignored).
  json::object quiet{{"AlarmActions", json::array{}}, {"TreatMissingData", "ignore"}};
  call("PutMetricAlarm", alarm_input("cpu", quiet));
  call("PutMetricAlarm", alarm_input("maintenance", quiet));
  set("cpu", "OK");
  set("maintenance", "ALARM");
  call("PutCompositeAlarm", {{"AlarmName", "page"},
                             {"AlarmRule", "ALARM(cpu)"},
                             {"AlarmActions", json::array{kTopic}},
                             {"ActionsSuppressor", "maintenance"},
                             {"ActionsSuppressorWaitPeriod", 120},
                             {"ActionsSuppressorExtensionPeriod", 180}});
  set("cpu", "ALARM");
  auto c = composite("page");
  EXPECT_EQ(s(c["StateValue"]), "ALARM");
  EXPECT_EQ(s(c["ActionsSuppressedBy"]), "Alarm");
  EXPECT_EQ(s(c["ActionsSuppressedReason"]), "Alarm maintenance is in ALARM state");
  EXPECT_EQ(c["ActionsSuppressorWaitPeriod"].as_int64(), 120);
  set("maintenance", "OK");
  c = composite("page");
  EXPECT_EQ(s(c["ActionsSuppressedBy"]), "ExtensionPeriod");
  EXPECT_EQ(s(c["ActionsSuppressedReason"]), "Actions suppressed by ExtensionPeriod");
  reopen();
  EXPECT_EQ(s(composite("page")["ActionsSuppressedBy"]), "ExtensionPeriod");
  // Not before the 180 s are over (ticks every 10 s).
  EXPECT_FALSE(advance_until([&] { return !topics.all().empty(); }, std::chrono::seconds(10), 17));
  ASSERT_TRUE(advance_until([&] { return topics.all().size() == 1; }, std::chrono::seconds(5), 10));
  c = composite("page");
  EXPECT_EQ(s(c["StateValue"]), "ALARM");
  EXPECT_FALSE(c.contains("ActionsSuppressedBy"));
  auto note = json::parse(topics.all()[0].body).as_object();
  EXPECT_EQ(s(note["NewStateValue"]), "ALARM");
  EXPECT_EQ(s(note["OldStateValue"]), "ALARM");
  auto h = call("DescribeAlarmHistory", {{"AlarmName", "page"},
                                         {"AlarmTypes", json::array{"CompositeAlarm"}},
                                         {"HistoryItemType", "StateUpdate"}});
  EXPECT_EQ(s(h["AlarmHistoryItems"].as_array()[0].at("HistorySummary")),
            "Alarm updated from ALARM to ALARM");
  call("DeleteAlarms", {{"AlarmNames", json::array{"page"}}});
  EXPECT_EQ(composite("page").size(), 0u);
}

// Going into ALARM with the suppressor not in ALARM, the composite waits
// WaitPeriod for it: the suppressor coming in time holds the actions back
// (until it leaves: no extension, so at once); not coming, they run when
// the period ends, across a restart.
TEST_F(CompositeTest, WaitPeriodForTheSuppressor) {
  // The ticks keep what SetAlarmState sets (no data, ignored).
  json::object quiet{{"AlarmActions", json::array{}}, {"TreatMissingData", "ignore"}};
  call("PutMetricAlarm", alarm_input("cpu", quiet));
  call("PutMetricAlarm", alarm_input("maintenance", quiet));
  set("cpu", "OK");
  set("maintenance", "OK");
  call("PutCompositeAlarm", {{"AlarmName", "page"},
                             {"AlarmRule", "ALARM(cpu)"},
                             {"AlarmActions", json::array{kTopic}},
                             {"ActionsSuppressor", "maintenance"},
                             {"ActionsSuppressorWaitPeriod", 60},
                             {"ActionsSuppressorExtensionPeriod", 0}});
  set("cpu", "ALARM");
  auto c = composite("page");
  EXPECT_EQ(s(c["StateValue"]), "ALARM");
  EXPECT_EQ(s(c["ActionsSuppressedBy"]), "WaitPeriod");
  EXPECT_EQ(s(c["ActionsSuppressedReason"]), "Actions suppressed by WaitPeriod");
  clock.advance(std::chrono::seconds(30));
  set("maintenance", "ALARM");
  EXPECT_EQ(s(composite("page")["ActionsSuppressedBy"]), "Alarm");
  EXPECT_FALSE(advance_until([&] { return !topics.all().empty(); }, std::chrono::seconds(10), 6));
  set("maintenance", "OK");
  ASSERT_TRUE(eventually([&] { return topics.all().size() == 1; }));
  EXPECT_FALSE(composite("page").contains("ActionsSuppressedBy"));

  // Back to OK and into ALARM again: a new wait, which ends unanswered.
  set("cpu", "OK");
  set("cpu", "ALARM");
  EXPECT_EQ(s(composite("page")["ActionsSuppressedBy"]), "WaitPeriod");
  clock.advance(std::chrono::seconds(40));
  reopen();
  EXPECT_EQ(s(composite("page")["ActionsSuppressedBy"]), "WaitPeriod");
  ASSERT_TRUE(advance_until([&] { return topics.all().size() == 2; }, std::chrono::seconds(5), 10));
  EXPECT_FALSE(composite("page").contains("ActionsSuppressedBy"));
  // Leaving ALARM before the wait ends: OK's (no) actions, the wait dropped.
  set("cpu", "OK");
  set("cpu", "ALARM");
  set("cpu", "OK");
  EXPECT_FALSE(composite("page").contains("ActionsSuppressedBy"));
  EXPECT_FALSE(
      advance_until([&] { return topics.all().size() > 2; }, std::chrono::seconds(10), 12));
}

}  // namespace
}  // namespace nimbus::services::cloudwatch::testing
