// Alarms: evaluation rules (M of N, missing data), the alarm operations,
// evaluation on the simulated clock, actions sent once per transition, a
// restart.
#include <algorithm>
#include <atomic>

#include "common/json_fields.h"
#include "common/mutex.h"
#include "events/subject.h"
#include "services/cloudwatch/alarm_notice.h"
#include "services/cloudwatch/alarm_test_kit.h"
#include "services/cloudwatch/evaluate.h"
#include "services/cloudwatch/test_helpers.h"

namespace nimbus::services::cloudwatch::testing {
namespace {

// ---- evaluate.h, pure ----

Alarm alarm_of(int64_t n, int64_t m, const std::string& treat = "") {
  Alarm a;
  a.name = "a";
  a.metric = {"App", "Latency", {}};
  a.statistic = "Maximum";
  a.period = 60;
  a.evaluation_periods = n;
  a.datapoints_to_alarm = m;
  a.threshold = 5;
  a.comparison = "GreaterThanThreshold";
  a.treat_missing = treat;
  return a;
}

std::vector<PeriodValue> values(std::initializer_list<std::optional<double>> vs) {
  std::vector<PeriodValue> out;
  int64_t t = kMinuteS * 1000;
  for (auto v : vs) {
    out.push_back({t, v, v ? 1.0 : 0.0});
    t += 60'000;
  }
  return out;
}

std::string state_of(const Alarm& a, std::initializer_list<std::optional<double>> vs) {
  auto v = evaluate(a, values(vs), kNowS * 1000);
  return v ? v->state : "(kept)";
}

TEST(AlarmEvaluation, MOutOfN) {
  auto a = alarm_of(3, 2);
  EXPECT_EQ(state_of(a, {9, 1, 9}), "ALARM");
  EXPECT_EQ(state_of(a, {9, 1, 1}), "OK");
  EXPECT_EQ(state_of(a, {1, 1, 1}), "OK");
  EXPECT_EQ(state_of(alarm_of(3, 0), {9, 9, 1}), "OK");  // M defaults to N
  EXPECT_EQ(state_of(alarm_of(3, 0), {9, 9, 9}), "ALARM");
  // The threshold itself does not breach GreaterThanThreshold.
  EXPECT_EQ(state_of(alarm_of(1, 1), {5}), "OK");
}

TEST(AlarmEvaluation, MissingData) {
  std::optional<double> none;
  EXPECT_EQ(state_of(alarm_of(3, 2), {none, none, none}), "INSUFFICIENT_DATA");
  EXPECT_EQ(state_of(alarm_of(3, 2, "missing"), {none, none, none}), "INSUFFICIENT_DATA");
  EXPECT_EQ(state_of(alarm_of(3, 2, "ignore"), {none, none, none}), "(kept)");
  EXPECT_EQ(state_of(alarm_of(3, 2, "breaching"), {none, none, none}), "ALARM");
  EXPECT_EQ(state_of(alarm_of(3, 2, "notBreaching"), {none, none, none}), "OK");
  EXPECT_EQ(state_of(alarm_of(3, 2, "breaching"), {9, none, 1}), "ALARM");
  EXPECT_EQ(state_of(alarm_of(3, 2, "notBreaching"), {9, none, 1}), "OK");
  EXPECT_EQ(state_of(alarm_of(3, 2), {9, none, 9}), "ALARM");
  EXPECT_EQ(state_of(alarm_of(3, 2), {9, none, none}), "OK");
}

TEST(AlarmEvaluation, ReasonAsAwsWritesIt) {
  auto v = evaluate(alarm_of(1, 1), values({9}), kNowS * 1000);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->reason,
            "Threshold Crossed: 1 datapoint [9.0 (14/11/23 22:13:00)] was greater than the "
            "threshold (5.0).");
  auto data = parse_object(v->reason_data);
  ASSERT_TRUE(data);
  EXPECT_EQ(str(*data, "statistic"), "Maximum");
  EXPECT_EQ(data->at("period").as_int64(), 60);
  EXPECT_NE(v->reason_data.find("\"recentDatapoints\":[9.0]"), std::string::npos);
  auto m = evaluate(alarm_of(3, 2), values({9, 1, 9}), kNowS * 1000);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->reason,
            "Threshold Crossed: 2 out of the last 3 datapoints [9.0 (14/11/23 22:15:00), 1.0 "
            "(14/11/23 22:14:00), 9.0 (14/11/23 22:13:00)] were greater than the threshold (5.0) "
            "(minimum 2 datapoints for OK -> ALARM transition).");
  EXPECT_EQ(java_double(0.25), "0.25");
  EXPECT_EQ(java_double(1e20), "1.0E20");
}

// ---- through the service ----

// An "sns" target that keeps what it is given.
TEST_F(AlarmTest, PutDescribeDelete) {
  call("PutMetricAlarm",
       alarm_input("high",
                   {{"AlarmDescription", "too slow"},
                    {"Tags", json::array{json::object{{"Key", "team"}, {"Value", "ops"}}}}}));
  auto a = describe("high");
  EXPECT_EQ(a["AlarmArn"], "arn:aws:cloudwatch:us-east-1:000000000000:alarm:high");
  EXPECT_EQ(a["StateValue"], "INSUFFICIENT_DATA");
  EXPECT_EQ(a["StateReason"], "Unchecked: Initial alarm creation");
  EXPECT_EQ(a["AlarmDescription"], "too slow");
  EXPECT_EQ(a["Threshold"].as_double(), 5);
  EXPECT_EQ(a["ActionsEnabled"], true);
  EXPECT_EQ(a["StateUpdatedTimestamp"], kNowS);
  auto tags = call("ListTagsForResource", {{"ResourceARN", a["AlarmArn"]}});
  EXPECT_EQ(s(tags["Tags"]), R"([{"Key":"team","Value":"ops"}])");

  call("PutMetricAlarm", alarm_input("low", {{"ComparisonOperator", "LessThanThreshold"}}));
  EXPECT_EQ(call("DescribeAlarms", {}).at("MetricAlarms").as_array().size(), 2u);
  EXPECT_EQ(
      call("DescribeAlarms", {{"AlarmNamePrefix", "hi"}}).at("MetricAlarms").as_array().size(), 1u);
  auto page = call("DescribeAlarms", {{"MaxRecords", 1}});
  EXPECT_EQ(page.at("MetricAlarms").as_array().size(), 1u);
  auto next = call("DescribeAlarms", {{"MaxRecords", 1}, {"NextToken", page.at("NextToken")}});
  EXPECT_EQ(s(next.at("MetricAlarms").as_array()[0].as_object().at("AlarmName")), "low");
  EXPECT_FALSE(next.contains("NextToken"));
  EXPECT_EQ(call("DescribeAlarms", {{"ActionPrefix", "arn:aws:sns"}})
                .at("MetricAlarms")
                .as_array()
                .size(),
            2u);
  EXPECT_EQ(call("DescribeAlarmsForMetric", {{"Namespace", "App"}, {"MetricName", "Latency"}})
                .at("MetricAlarms")
                .as_array()
                .size(),
            2u);

  expect_error("DeleteAlarms", {{"AlarmNames", json::array{"high", "nope"}}}, "ResourceNotFound");
  EXPECT_EQ(call("DescribeAlarms", {}).at("MetricAlarms").as_array().size(), 2u);
  call("DeleteAlarms", {{"AlarmNames", json::array{"high"}}});
  EXPECT_EQ(call("DescribeAlarms", {}).at("MetricAlarms").as_array().size(), 1u);
  auto history = call("DescribeAlarmHistory", {{"AlarmName", "high"}});
  auto items = history.at("AlarmHistoryItems").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].as_object().at("HistorySummary"), "Alarm \"high\" deleted");
  EXPECT_EQ(items[1].as_object().at("HistorySummary"), "Alarm \"high\" created");
  auto data = parse_object(s(items[1].as_object().at("HistoryData")));
  ASSERT_TRUE(data);
  EXPECT_EQ(str(*data, "type"), "Create");
  EXPECT_EQ(s(data->at("createdAlarm").as_object().at("metricName")), "Latency");
}

TEST_F(AlarmTest, RefusesWhatAwsRefuses) {
  expect_error("PutMetricAlarm", alarm_input("a", {{"Period", 45}}), "InvalidParameterValue");
  expect_error("PutMetricAlarm", alarm_input("a", {{"EvaluationPeriods", 2000}}),
               "ValidationError");
  // Out of the model's ranges (a client that skips its checks): refused, no
  // overflow.
  expect_error("PutMetricAlarm", alarm_input("a", {{"Period", 9'000'000'000'000'000'000}}),
               "InvalidParameterValue");
  expect_error("PutMetricAlarm",
               alarm_input("a", {{"EvaluationPeriods", 9'000'000'000'000'000'000}}),
               "InvalidParameterValue");
  expect_error("PutMetricAlarm", alarm_input("a", {{"EvaluationPeriods", 0}}),
               "InvalidParameterValue");
  expect_error("PutMetricAlarm", alarm_input("a", {{"DatapointsToAlarm", 0}}),
               "InvalidParameterValue");
  // awsQuery sends numbers as text: NaN and infinities are refused.
  expect_error("PutMetricAlarm", alarm_input("a", {{"Threshold", "NaN"}}), "InvalidParameterValue");
  expect_error("PutMetricAlarm", alarm_input("a", {{"Threshold", "-Infinity"}}),
               "InvalidParameterValue");
  expect_error("PutMetricAlarm",
               alarm_input("a", {{"EvaluationPeriods", 2}, {"DatapointsToAlarm", 3}}),
               "ValidationError");
  expect_error("PutMetricAlarm", alarm_input("a", {{"ExtendedStatistic", "p99"}}),
               "InvalidParameterCombination");
  expect_error("PutMetricAlarm", alarm_input("a", {{"TreatMissingData", "sometimes"}}),
               "InvalidParameterValue");
  expect_error("PutMetricAlarm", alarm_input("a", {{"AlarmActions", json::array{"topic"}}}),
               "ValidationError");
  auto no_metric = alarm_input("a");
  no_metric.erase("MetricName");
  expect_error("PutMetricAlarm", no_metric, "MissingParameter");
  auto no_threshold = alarm_input("a");
  no_threshold.erase("Threshold");
  expect_error("PutMetricAlarm", no_threshold, "MissingParameter");
  auto math = alarm_input(
      "a", {{"Metrics", json::array{json::object{{"Id", "e1"}, {"Expression", "m1*2"}}}}});
  expect_error("PutMetricAlarm", math, "InvalidParameterCombination");
  expect_error("SetAlarmState",
               {{"AlarmName", "nope"}, {"StateValue", "ALARM"}, {"StateReason", "x"}},
               "ResourceNotFound");
  call("PutMetricAlarm", alarm_input("a"));
  expect_error("SetAlarmState",
               {{"AlarmName", "a"},
                {"StateValue", "ALARM"},
                {"StateReason", "x"},
                {"StateReasonData", "{not json"}},
               "InvalidFormat");
  expect_error("ListTagsForResource",
               {{"ResourceARN", "arn:aws:cloudwatch:us-east-1:000000000000:alarm:nope"}},
               "ResourceNotFoundException");
  // Tag keys starting with aws: (in any case) are AWS's.
  for (const char* key : {"aws:x", "AWS:x"}) {
    expect_error(
        "PutMetricAlarm",
        alarm_input("a", {{"Tags", json::array{json::object{{"Key", key}, {"Value", "1"}}}}}),
        "InvalidParameterValue");
  }
  // Nothing changed.
  EXPECT_EQ(state("a"), "INSUFFICIENT_DATA");
  EXPECT_EQ(call("DescribeAlarms", {}).at("MetricAlarms").as_array().size(), 1u);
}

TEST_F(AlarmTest, BreachGoesToAlarmAndNotifiesOnce) {
  call("PutMetricAlarm", alarm_input("high", {{"OKActions", json::array{kTopic}}}));
  put_value("Latency", 9, kNowS);
  // The minute of the point completes, then a tick evaluates it.
  ASSERT_TRUE(advance_until([&] { return state("high") == "ALARM"; }, std::chrono::seconds(1)));
  ASSERT_TRUE(eventually([&] { return topics.all().size() == 1; }));
  auto got = topics.all()[0];
  EXPECT_EQ(got.arn, kTopic);
  EXPECT_EQ(got.subject, "ALARM: \"high\" in US East (N. Virginia)");
  auto m = parse_object(got.body);
  ASSERT_TRUE(m);
  EXPECT_EQ(str(*m, "NewStateValue"), "ALARM");
  EXPECT_EQ(str(*m, "OldStateValue"), "INSUFFICIENT_DATA");
  EXPECT_EQ(str(*m, "AlarmArn"), "arn:aws:cloudwatch:us-east-1:000000000000:alarm:high");
  EXPECT_EQ(str(*m, "Region"), "US East (N. Virginia)");
  EXPECT_EQ(str(m->at("Trigger").as_object(), "Statistic"), "MAXIMUM");
  EXPECT_NE(got.body.find("\"Threshold\":5.0"), std::string::npos);
  auto a = describe("high");
  EXPECT_NE(s(a["StateReason"]).find("Threshold Crossed: 1 datapoint [9.0"), std::string::npos);
  EXPECT_EQ(a["StateTransitionedTimestamp"], a["StateUpdatedTimestamp"]);

  // More ticks in the same state send nothing more; then no data for the
  // next minute: INSUFFICIENT_DATA (no action for it).
  ASSERT_TRUE(
      advance_until([&] { return state("high") == "INSUFFICIENT_DATA"; }, std::chrono::seconds(1)));
  // A point under the threshold: OK, and the OK action.
  put_value("Latency", 1, clock.now_millis() / 1000);
  ASSERT_TRUE(advance_until([&] { return state("high") == "OK"; }, std::chrono::seconds(1)));
  ASSERT_TRUE(eventually([&] { return topics.all().size() == 2; }));
  EXPECT_EQ(topics.all()[1].subject, "OK: \"high\" in US East (N. Virginia)");

  auto history = call("DescribeAlarmHistory", {{"AlarmName", "high"},
                                               {"HistoryItemType", "StateUpdate"},
                                               {"ScanBy", "TimestampAscending"}});
  auto items = history.at("AlarmHistoryItems").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].as_object().at("HistorySummary"),
            "Alarm updated from INSUFFICIENT_DATA to ALARM");
  auto data = parse_object(s(items[0].as_object().at("HistoryData")));
  ASSERT_TRUE(data);
  EXPECT_EQ(str(data->at("newState").as_object(), "stateValue"), "ALARM");
  ASSERT_TRUE(eventually([&] {
    return call("DescribeAlarmHistory", {{"AlarmName", "high"}, {"HistoryItemType", "Action"}})
               .at("AlarmHistoryItems")
               .as_array()
               .size() == 2;
  }));
}

TEST_F(AlarmTest, SetAlarmStateAndDisabledActions) {
  call("PutMetricAlarm", alarm_input("a"));
  call("DisableAlarmActions", {{"AlarmNames", json::array{"a"}}});
  EXPECT_EQ(describe("a")["ActionsEnabled"], false);
  call("SetAlarmState", {{"AlarmName", "a"}, {"StateValue", "ALARM"}, {"StateReason", "test"}});
  EXPECT_EQ(state("a"), "ALARM");
  EXPECT_EQ(describe("a")["StateReason"], "test");
  call("SetAlarmState", {{"AlarmName", "a"}, {"StateValue", "OK"}, {"StateReason", "back"}});
  call("EnableAlarmActions", {{"AlarmNames", json::array{"a"}}});
  call("SetAlarmState", {{"AlarmName", "a"}, {"StateValue", "ALARM"}, {"StateReason", "again"}});
  ASSERT_TRUE(eventually([&] { return topics.all().size() == 1; }));
  EXPECT_NE(topics.all()[0].body.find("\"NewStateReason\":\"again\""), std::string::npos);
}

// A Lambda function action gets the alarm event; the default bus gets the
// "CloudWatch Alarm State Change" event (whether or not actions are
// enabled); other kinds of action are recorded as failed.
TEST_F(AlarmTest, LambdaEventBridgeAndOtherActions) {
  FakeTopics functions, buses;
  auto lambda = targets.bind("lambda", functions);
  auto events = targets.bind("events", buses);
  const std::string fn = "arn:aws:lambda:us-east-1:000000000000:function:on-alarm";
  call("PutMetricAlarm",
       alarm_input("a", {{"AlarmActions",
                          json::array{json::value(fn), "arn:aws:automate:us-east-1:ec2:stop"}},
                         {"AlarmDescription", "d"}}));
  call("SetAlarmState", {{"AlarmName", "a"}, {"StateValue", "ALARM"}, {"StateReason", "why"}});
  ASSERT_TRUE(eventually([&] { return functions.all().size() == 1 && buses.all().size() == 1; }));
  auto e = parse_object(functions.all()[0].body);
  ASSERT_TRUE(e);
  EXPECT_EQ(functions.all()[0].arn, fn);
  EXPECT_EQ(str(*e, "source"), "aws.cloudwatch");
  EXPECT_EQ(str(*e, "alarmArn"), "arn:aws:cloudwatch:us-east-1:000000000000:alarm:a");
  auto& data = e->at("alarmData").as_object();
  EXPECT_EQ(str(data.at("state").as_object(), "value"), "ALARM");
  EXPECT_EQ(str(data.at("state").as_object(), "reason"), "why");
  EXPECT_EQ(str(data.at("previousState").as_object(), "value"), "INSUFFICIENT_DATA");
  EXPECT_EQ(str(data.at("configuration").as_object(), "description"), "d");
  auto metric = data.at("configuration").as_object().at("metrics").as_array()[0].as_object();
  EXPECT_EQ(s(metric.at("metricStat").as_object().at("metric").as_object().at("name")), "Latency");

  EXPECT_EQ(buses.all()[0].arn, "arn:aws:events:us-east-1:000000000000:event-bus/default");
  auto ev = parse_object(buses.all()[0].body);
  ASSERT_TRUE(ev);
  EXPECT_EQ(str(*ev, "detail-type"), "CloudWatch Alarm State Change");
  EXPECT_EQ(str(*ev, "source"), "aws.cloudwatch");
  EXPECT_EQ(s(ev->at("resources")), R"(["arn:aws:cloudwatch:us-east-1:000000000000:alarm:a"])");
  EXPECT_EQ(str(ev->at("detail").as_object(), "alarmName"), "a");

  ASSERT_TRUE(eventually([&] {
    return call("DescribeAlarmHistory", {{"AlarmName", "a"}, {"HistoryItemType", "Action"}})
               .at("AlarmHistoryItems")
               .as_array()
               .size() == 2;
  }));
  auto items = call("DescribeAlarmHistory", {{"AlarmName", "a"}, {"HistoryItemType", "Action"}})
                   .at("AlarmHistoryItems")
                   .as_array();
  std::vector<std::string> summaries;
  for (const auto& i : items) summaries.push_back(s(i.as_object().at("HistorySummary")));
  std::sort(summaries.begin(), summaries.end());
  EXPECT_EQ(summaries[0], "Failed to execute action arn:aws:automate:us-east-1:ec2:stop");
  EXPECT_EQ(summaries[1], "Successfully executed action " + fn);
  // Nothing went to the topic (not among this alarm's actions).
  EXPECT_TRUE(topics.all().empty());
}

TEST_F(AlarmTest, RestartKeepsAlarmsAndHistory) {
  call("PutMetricAlarm", alarm_input("a", {{"TreatMissingData", "notBreaching"},
                                           {"ActionsEnabled", false},
                                           {"DatapointsToAlarm", 1},
                                           {"EvaluationPeriods", 2}}));
  call("SetAlarmState", {{"AlarmName", "a"}, {"StateValue", "ALARM"}, {"StateReason", "x"}});
  call("TagResource", {{"ResourceARN", "arn:aws:cloudwatch:us-east-1:000000000000:alarm:a"},
                       {"Tags", json::array{json::object{{"Key", "k"}, {"Value", "v"}}}}});
  reopen();
  auto a = describe("a");
  EXPECT_EQ(a["StateValue"], "ALARM");
  EXPECT_EQ(a["TreatMissingData"], "notBreaching");
  EXPECT_EQ(a["DatapointsToAlarm"], 1);
  EXPECT_EQ(a["StateUpdatedTimestamp"], kNowS);
  auto tags = call("ListTagsForResource",
                   {{"ResourceARN", "arn:aws:cloudwatch:us-east-1:000000000000:alarm:a"}});
  EXPECT_EQ(tags.at("Tags").as_array().size(), 1u);
  EXPECT_EQ(
      call("DescribeAlarmHistory", {{"AlarmName", "a"}}).at("AlarmHistoryItems").as_array().size(),
      2u);
  // Evaluation resumes: no data, treated as not breaching → OK.
  ASSERT_TRUE(advance_until([&] { return state("a") == "OK"; }, std::chrono::seconds(1)));
}

}  // namespace
}  // namespace nimbus::services::cloudwatch::testing
