// CloudWatch metrics through the service: PutMetricData's checks, ListMetrics,
// GetMetricStatistics, GetMetricData, a restart, the publisher.
#include <limits>

#include "services/cloudwatch/test_helpers.h"

namespace nimbus::services::cloudwatch::testing {
namespace {

TEST_F(CloudWatchTest, PutThenStatisticsPerPeriod) {
  put_value("Latency", 10, kMinuteS - 120);
  put_value("Latency", 30, kMinuteS - 100);
  put_value("Latency", 5, kMinuteS - 30);
  put("Latency", {{"Values", json::array{1, 2, 3}},
                  {"Counts", json::array{1, 1, 2}},
                  {"Timestamp", kMinuteS - 20}});
  auto dps = stats("Latency", kMinuteS - 180 + 17, kMinuteS, 60);
  ASSERT_EQ(dps.size(), 2u);
  auto first = dps[0].as_object();
  EXPECT_EQ(first.at("Timestamp"), kMinuteS - 120);
  EXPECT_EQ(first.at("Sum").as_double(), 40);
  EXPECT_EQ(first.at("SampleCount").as_double(), 2);
  EXPECT_EQ(first.at("Average").as_double(), 20);
  EXPECT_EQ(first.at("Unit"), "None");
  auto second = dps[1].as_object();
  EXPECT_EQ(second.at("Timestamp"), kMinuteS - 60);
  EXPECT_EQ(second.at("Sum").as_double(), 14);
  EXPECT_EQ(second.at("SampleCount").as_double(), 5);
  EXPECT_EQ(second.at("Minimum").as_double(), 1);
  EXPECT_EQ(second.at("Maximum").as_double(), 5);
  // One period over everything.
  auto all = stats("Latency", kMinuteS - 180, kMinuteS, 180, {"Sum"});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].as_object().at("Sum").as_double(), 54);
}

TEST_F(CloudWatchTest, ExtendedStatisticsAndUnits) {
  json::array values;
  for (int i = 1; i <= 100; ++i) values.push_back(i);
  put("Latency", {{"Values", values}, {"Unit", "Milliseconds"}, {"Timestamp", kMinuteS - 60}});
  put("Latency", {{"Value", 1000}, {"Unit", "Seconds"}, {"Timestamp", kMinuteS - 60}});
  auto dps = stats("Latency", kMinuteS - 60, kMinuteS, 60, {},
                   {{"ExtendedStatistics", {"p90", "p99.9"}}, {"Unit", "Milliseconds"}});
  ASSERT_EQ(dps.size(), 1u);
  auto ext = dps[0].as_object().at("ExtendedStatistics").as_object();
  EXPECT_EQ(ext.at("p90").as_double(), 90);
  EXPECT_EQ(ext.at("p99.9").as_double(), 100);
  EXPECT_EQ(dps[0].as_object().at("Unit"), "Milliseconds");
  // Without a Unit filter each unit has its own datapoint.
  EXPECT_EQ(stats("Latency", kMinuteS - 60, kMinuteS, 60).size(), 2u);
}

TEST_F(CloudWatchTest, PutMetricDataRefusesWhatAwsRefuses) {
  auto bad = [&](json::object datum, const std::string& code, std::string ns = "App") {
    datum["MetricName"] = "m";
    expect_error("PutMetricData", {{"Namespace", ns}, {"MetricData", json::array{datum}}}, code);
  };
  bad({{"Value", 1}}, "InvalidParameterValue", "AWS/Lambda");
  bad({{"Value", 1}, {"Values", json::array{1}}}, "InvalidParameterCombination");
  bad({{"Value", 1},
       {"StatisticValues", {{"SampleCount", 1}, {"Sum", 1}, {"Minimum", 1}, {"Maximum", 1}}}},
      "InvalidParameterCombination");
  bad({}, "MissingParameter");
  bad({{"Values", json::array{1, 2}}, {"Counts", json::array{1}}}, "InvalidParameterValue");
  bad({{"Value", 1}, {"StorageResolution", 30}}, "InvalidParameterValue");
  bad({{"Value", 1}, {"Unit", "Parsecs"}}, "InvalidParameterValue");
  bad({{"Value", 1e200}}, "InvalidParameterValue");
  bad({{"Value", 1}, {"Timestamp", kNowS - 15 * 86400}}, "InvalidParameterValue");
  bad({{"Value", 1}, {"Timestamp", kNowS + 3 * 3600}}, "InvalidParameterValue");
  bad({{"Value", 1},
       {"Dimensions", json::array{json::object{{"Name", "a"}, {"Value", "1"}},
                                  json::object{{"Name", "a"}, {"Value", "2"}}}}},
      "InvalidParameterValue");
  json::array many;
  for (int i = 0; i < 151; ++i) many.push_back(i);
  bad({{"Values", many}}, "InvalidParameterValue");
  // Nothing of a refused request is stored.
  EXPECT_TRUE(call("ListMetrics", {}).at("Metrics").as_array().empty());
}

TEST_F(CloudWatchTest, GetMetricStatisticsChecks) {
  json::object in{{"Namespace", "App"},  {"MetricName", "m"}, {"StartTime", kMinuteS - 86400 * 2},
                  {"EndTime", kMinuteS}, {"Period", 60},      {"Statistics", json::array{"Sum"}}};
  expect_error("GetMetricStatistics", in, "InvalidParameterCombination");  // 2,880 points
  auto out = try_call("GetMetricStatistics", in);
  EXPECT_EQ(out.error().message,
            "You have requested up to 2,880 datapoints, which exceeds the limit of 1,440. You may "
            "reduce the datapoints requested by increasing Period, or decreasing the time range.");
  in["Period"] = 120;
  EXPECT_TRUE(try_call("GetMetricStatistics", in));
  in["Period"] = 90;
  expect_error("GetMetricStatistics", in, "InvalidParameterValue");
  in["Period"] = 120;
  in["Statistics"] = json::array{"Median"};
  expect_error("GetMetricStatistics", in, "InvalidParameterValue");
  in.erase("Statistics");
  expect_error("GetMetricStatistics", in, "MissingParameter");
  in["ExtendedStatistics"] = json::array{"p101"};
  expect_error("GetMetricStatistics", in, "InvalidParameterValue");
  // Extreme numbers are refused or clamped, never overflowed.
  in["ExtendedStatistics"] = json::array{"p99"};
  in["Period"] = std::numeric_limits<int64_t>::max();
  expect_error("GetMetricStatistics", in, "InvalidParameterValue");
  in["Period"] = 3600;
  in["StartTime"] = -1e300;
  in["EndTime"] = 1e300;
  expect_error("GetMetricStatistics", in, "InvalidParameterCombination");
}

TEST_F(CloudWatchTest, ListMetricsFiltersAndPages) {
  auto dims = [](std::string fn) {
    return json::array{json::object{{"Name", "FunctionName"}, {"Value", fn}},
                       json::object{{"Name", "Env"}, {"Value", "prod"}}};
  };
  put("Errors", {{"Value", 1}, {"Dimensions", dims("a")}});
  put("Errors", {{"Value", 1}, {"Dimensions", dims("b")}});
  put("Errors", {{"Value", 1}});
  put("Other", {{"Value", 1}}, "Other/NS");
  EXPECT_EQ(call("ListMetrics", {}).at("Metrics").as_array().size(), 4u);
  EXPECT_EQ(call("ListMetrics", {{"Namespace", "App"}}).at("Metrics").as_array().size(), 3u);
  auto named = call("ListMetrics", {{"Dimensions", json::array{{{"Name", "FunctionName"}}}}});
  EXPECT_EQ(named.at("Metrics").as_array().size(), 2u);
  auto one = call("ListMetrics",
                  {{"Dimensions", json::array{{{"Name", "FunctionName"}, {"Value", "b"}}}}});
  ASSERT_EQ(one.at("Metrics").as_array().size(), 1u);
  // Dimensions come back sorted by name.
  auto m = one.at("Metrics").as_array()[0].as_object();
  EXPECT_EQ(m.at("Dimensions").as_array()[0].as_object().at("Name"), "Env");
  EXPECT_EQ(call("ListMetrics", {{"RecentlyActive", "PT3H"}}).at("Metrics").as_array().size(), 4u);
  clock.advance(std::chrono::hours(4));
  EXPECT_TRUE(call("ListMetrics", {{"RecentlyActive", "PT3H"}}).at("Metrics").as_array().empty());
  EXPECT_EQ(call("ListMetrics", {}).at("Metrics").as_array().size(), 4u);
  expect_error("ListMetrics", {{"RecentlyActive", "PT1H"}}, "InvalidParameterValue");
  expect_error("ListMetrics", {{"NextToken", "zz"}}, "InvalidParameterValue");
}

TEST_F(CloudWatchTest, ListMetricsPagesBy500) {
  json::array data;
  for (int i = 0; i < 1000; ++i) {
    data.push_back(json::object{{"MetricName", "m" + std::to_string(i)}, {"Value", 1}});
  }
  call("PutMetricData", {{"Namespace", "App"}, {"MetricData", data}});
  data.clear();
  data.push_back(json::object{{"MetricName", "last"}, {"Value", 1}});
  call("PutMetricData", {{"Namespace", "App"}, {"MetricData", data}});
  auto page = call("ListMetrics", {});
  EXPECT_EQ(page.at("Metrics").as_array().size(), 500u);
  size_t total = 500;
  while (page.contains("NextToken")) {
    page = call("ListMetrics", {{"NextToken", page.at("NextToken")}});
    total += page.at("Metrics").as_array().size();
  }
  EXPECT_EQ(total, 1001u);
}

TEST_F(CloudWatchTest, PointsSurviveARestartAndRetentionDropsThem) {
  put_value("Latency", 7, kMinuteS - 60);
  reopen();
  auto dps = stats("Latency", kMinuteS - 60, kMinuteS, 60, {"Sum"});
  ASSERT_EQ(dps.size(), 1u);
  EXPECT_EQ(dps[0].as_object().at("Sum").as_double(), 7);
  clock.advance(std::chrono::hours(24 * 16));
  EXPECT_TRUE(call("ListMetrics", {}).at("Metrics").as_array().empty());
  reopen();
  EXPECT_TRUE(call("ListMetrics", {}).at("Metrics").as_array().empty());
}

json::object stat_query(const std::string& id, const std::string& name, const std::string& stat,
                        int period = 60) {
  return {{"Id", id},
          {"MetricStat",
           {{"Metric", {{"Namespace", "App"}, {"MetricName", name}}},
            {"Period", period},
            {"Stat", stat}}}};
}

TEST_F(CloudWatchTest, GetMetricDataStatsExpressionsAndPages) {
  for (int i = 1; i <= 3; ++i) {
    put_value("Requests", 10 * i, kMinuteS - 60 * i);
    put_value("Errors", i, kMinuteS - 60 * i);
  }
  auto hidden = stat_query("r", "Requests", "Sum");
  hidden["ReturnData"] = false;
  json::object in{{"MetricDataQueries", json::array{hidden, stat_query("e", "Errors", "Sum"),
                                                    json::object{{"Id", "rate"},
                                                                 {"Expression", "100 * e / r"},
                                                                 {"Label", "Error rate"}}}},
                  {"StartTime", kMinuteS - 300},
                  {"EndTime", kMinuteS}};
  auto out = call("GetMetricData", in);
  auto results = out.at("MetricDataResults").as_array();
  ASSERT_EQ(results.size(), 2u);
  auto e = results[0].as_object();
  EXPECT_EQ(e.at("Id"), "e");
  EXPECT_EQ(e.at("Label"), "Errors");
  EXPECT_EQ(e.at("StatusCode"), "Complete");
  // Newest first by default.
  EXPECT_EQ(e.at("Timestamps").as_array()[0], kMinuteS - 60);
  EXPECT_EQ(e.at("Values").as_array()[0].as_double(), 1);
  auto rate = results[1].as_object();
  EXPECT_EQ(rate.at("Label"), "Error rate");
  ASSERT_EQ(rate.at("Values").as_array().size(), 3u);
  EXPECT_EQ(rate.at("Values").as_array()[0].as_double(), 10);

  in["ScanBy"] = "TimestampAscending";
  in["MaxDatapoints"] = 4;
  auto page1 = call("GetMetricData", in);
  ASSERT_TRUE(page1.contains("NextToken"));
  auto r1 = page1.at("MetricDataResults").as_array();
  EXPECT_EQ(r1[0].as_object().at("Timestamps").as_array()[0], kMinuteS - 180);
  EXPECT_EQ(r1[1].as_object().at("StatusCode"), "PartialData");
  EXPECT_EQ(r1[1].as_object().at("Values").as_array().size(), 1u);
  in["NextToken"] = page1.at("NextToken");
  auto page2 = call("GetMetricData", in);
  EXPECT_FALSE(page2.contains("NextToken"));
  EXPECT_EQ(page2.at("MetricDataResults").as_array()[1].as_object().at("Values").as_array().size(),
            2u);
  in["NextToken"] = "bogus";
  expect_error("GetMetricData", in, "InvalidNextToken");
  in["NextToken"] = std::to_string(std::numeric_limits<int64_t>::max());
  expect_error("GetMetricData", in, "InvalidNextToken");
  in.erase("NextToken");
  in["MaxDatapoints"] = std::numeric_limits<int64_t>::max();
  expect_error("GetMetricData", in, "InvalidParameterValue");
}

TEST_F(CloudWatchTest, GetMetricDataChecks) {
  auto query = [&](json::array queries, const std::string& code) {
    expect_error("GetMetricData",
                 {{"MetricDataQueries", queries}, {"StartTime", kNowS - 600}, {"EndTime", kNowS}},
                 code);
  };
  query({stat_query("E1", "m", "Sum")}, "ValidationError");
  query({stat_query("a", "m", "Sum"), stat_query("a", "m", "Sum")}, "ValidationError");
  query({stat_query("a", "m", "Median")}, "InvalidParameterValue");
  query({stat_query("a", "m", "Sum", 61)}, "InvalidParameterValue");
  query({json::object{{"Id", "x"}, {"Expression", "SUM(METRICS())"}}}, "ValidationError");
  query({json::object{{"Id", "x"}, {"Expression", "y * 2"}}}, "ValidationError");
  query({json::object{{"Id", "x"}, {"Expression", "y"}},
         json::object{{"Id", "y"}, {"Expression", "x"}}},
        "ValidationError");
  query({json::object{{"Id", "x"}}}, "ValidationError");
}

TEST_F(CloudWatchTest, ServicesPublishThroughThePublisher) {
  for (double age : {1500.0, 1500.0, 700.0}) {
    svc->publisher().put(
        "AWS/Lambda",
        {{"IteratorAge", {{"FunctionName", "f"}}, kNowS * 1000, age, "Milliseconds"}});
  }
  // Gathered for a second, then written as one point of values with counts.
  EXPECT_TRUE(call("ListMetrics", {{"Namespace", "AWS/Lambda"}}).at("Metrics").as_array().empty());
  clock.advance(std::chrono::seconds(1));
  ASSERT_TRUE(eventually([&] {
    return !call("ListMetrics", {{"Namespace", "AWS/Lambda"}}).at("Metrics").as_array().empty();
  }));
  auto out = call("GetMetricStatistics",
                  {{"Namespace", "AWS/Lambda"},
                   {"MetricName", "IteratorAge"},
                   {"Dimensions", json::array{{{"Name", "FunctionName"}, {"Value", "f"}}}},
                   {"StartTime", kMinuteS},
                   {"EndTime", kMinuteS + 60},
                   {"Period", 60},
                   {"Statistics", json::array{"Maximum", "SampleCount"}},
                   {"ExtendedStatistics", json::array{"p50"}}});
  ASSERT_EQ(out.at("Datapoints").as_array().size(), 1u);
  auto dp = out.at("Datapoints").as_array()[0].as_object();
  EXPECT_EQ(dp.at("Maximum").as_double(), 1500);
  EXPECT_EQ(dp.at("SampleCount").as_double(), 3);
  EXPECT_EQ(dp.at("ExtendedStatistics").as_object().at("p50").as_double(), 1500);
  EXPECT_EQ(dp.at("Unit"), "Milliseconds");
}

// Many distinct values are written as data of at most 150 values each.
TEST_F(CloudWatchTest, PublisherSplitsManyDistinctValues) {
  std::vector<PublishedDatum> data;
  for (int i = 0; i < 400; ++i) {
    data.push_back({"Duration", {{"FunctionName", "f"}}, kNowS * 1000, i + 0.5, "Milliseconds"});
  }
  svc->publisher().put("AWS/Lambda", std::move(data));
  svc->publisher().flush();
  ASSERT_TRUE(eventually([&] {
    return !call("ListMetrics", {{"Namespace", "AWS/Lambda"}}).at("Metrics").as_array().empty();
  }));
  auto out = call("GetMetricStatistics",
                  {{"Namespace", "AWS/Lambda"},
                   {"MetricName", "Duration"},
                   {"Dimensions", json::array{{{"Name", "FunctionName"}, {"Value", "f"}}}},
                   {"StartTime", kMinuteS},
                   {"EndTime", kMinuteS + 60},
                   {"Period", 60},
                   {"Statistics", json::array{"SampleCount", "Maximum", "Minimum"}},
                   {"ExtendedStatistics", json::array{"p50"}}});
  ASSERT_EQ(out.at("Datapoints").as_array().size(), 1u);
  auto dp = out.at("Datapoints").as_array()[0].as_object();
  EXPECT_EQ(dp.at("SampleCount").as_double(), 400);
  EXPECT_EQ(dp.at("Minimum").as_double(), 0.5);
  EXPECT_EQ(dp.at("Maximum").as_double(), 399.5);
  EXPECT_EQ(dp.at("ExtendedStatistics").as_object().at("p50").as_double(), 199.5);
}

// What is gathered and not yet written is written at shutdown.
TEST_F(CloudWatchTest, PublisherWritesWhatItGatheredAtShutdown) {
  svc->publisher().put("AWS/Lambda", {{"Invocations", {}, kNowS * 1000, 1, "Count"}});
  reopen();
  EXPECT_EQ(call("ListMetrics", {{"Namespace", "AWS/Lambda"}}).at("Metrics").as_array().size(), 1u);
}

}  // namespace
}  // namespace nimbus::services::cloudwatch::testing
