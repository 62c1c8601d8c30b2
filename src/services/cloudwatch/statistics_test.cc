// Statistics, percentiles, periods and metric math, without the service.
#include <gtest/gtest.h>

#include "services/cloudwatch/expression.h"
#include "services/cloudwatch/metric.h"
#include "services/cloudwatch/window.h"

namespace nimbus::services::cloudwatch {
namespace {

Datum values(int64_t ts, std::vector<double> v, std::vector<double> c = {}) {
  Datum d;
  d.timestamp_ms = ts;
  d.values = std::move(v);
  d.counts = c.empty() ? std::vector<double>(d.values.size(), 1) : std::move(c);
  return d;
}

TEST(CloudWatchStats, AggregatesValuesCountsAndSets) {
  Stats s;
  s.add(values(0, {1, 5}, {2, 1}));  // 1, 1, 5
  Datum set;
  set.is_set = true;
  set.sample_count = 2;
  set.sum = 10;
  set.minimum = 0.5;
  set.maximum = 9.5;
  s.add(set);
  EXPECT_EQ(s.sample_count(), 5);
  EXPECT_EQ(s.sum(), 17);
  EXPECT_EQ(s.minimum(), 0.5);
  EXPECT_EQ(s.maximum(), 9.5);
  EXPECT_DOUBLE_EQ(s.average(), 3.4);
  // A statistic set hides its values: no percentile.
  EXPECT_FALSE(s.percentile(50));
}

TEST(CloudWatchStats, NearestRankPercentiles) {
  Stats s;
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  s.add(values(0, v));
  EXPECT_EQ(*s.get("p50"), 50);
  EXPECT_EQ(*s.get("p99"), 99);
  EXPECT_EQ(*s.get("p99.5"), 100);
  EXPECT_EQ(*s.get("p100"), 100);
  EXPECT_EQ(*s.get("p0"), 1);
  Stats weighted;
  weighted.add(values(0, {10, 20}, {9, 1}));
  EXPECT_EQ(*weighted.get("p90"), 10);
  EXPECT_EQ(*weighted.get("p91"), 20);
}

TEST(CloudWatchStats, StatNames) {
  EXPECT_TRUE(valid_stat("p99.99"));
  EXPECT_TRUE(valid_stat("Average"));
  EXPECT_FALSE(valid_stat("p100.01"));
  EXPECT_FALSE(valid_stat("p99.999"));
  EXPECT_FALSE(valid_stat("p"));
  EXPECT_FALSE(valid_stat("p9a"));
  EXPECT_FALSE(valid_stat("average"));
  EXPECT_FALSE(valid_stat("tm99"));
  EXPECT_EQ(*percentile_of("p99.9"), 99.9);
  EXPECT_TRUE(valid_unit("Bytes/Second"));
  EXPECT_FALSE(valid_unit("bytes"));
}

TEST(CloudWatchStats, MetricIdsRoundTripAndSortByNamespaceThenName) {
  MetricKey k{"App", "Latency", {{"Env", "prod"}, {"Host", "a\0b"}}};
  auto back = parse_metric_id(metric_id(k));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->ns, "App");
  EXPECT_EQ(back->dims, k.dims);
  EXPECT_LT(metric_id({"A", "z", {}}), metric_id({"B", "a", {}}));
  EXPECT_FALSE(parse_metric_id("garbage"));
}

constexpr int64_t kNow = 1'699'999'980'000;  // a whole minute

TEST(CloudWatchWindow, StartRoundedByAgeAndPeriodsCounted) {
  auto w = make_window(kNow - 3'600'000 + 34'000, kNow, 60, kNow, "Period");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->start_ms % 60'000, 0);
  EXPECT_EQ(w->periods, 60);
  auto old = make_window(kNow - 20LL * 86'400'000 + 61'000, kNow, 300, kNow, "Period");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->start_ms % 300'000, 0);
  auto ancient = make_window(kNow - 70LL * 86'400'000 + 61'000, kNow, 3600, kNow, "Period");
  ASSERT_TRUE(ancient);
  EXPECT_EQ(ancient->start_ms % 3'600'000, 0);
  auto high = make_window(kNow - 60'000 + 7'000, kNow, 5, kNow, "Period");
  ASSERT_TRUE(high);
  EXPECT_EQ(high->start_ms % 5'000, 0);
}

TEST(CloudWatchWindow, PeriodAndRangeChecks) {
  EXPECT_EQ(make_window(kNow - 60'000, kNow, 90, kNow, "Period").error().message,
            "The parameter Period must be a multiple of 60.");
  EXPECT_EQ(make_window(kNow - 60'000, kNow, 7, kNow, "Period").error().code,
            "InvalidParameterValue");
  EXPECT_EQ(make_window(kNow, kNow, 60, kNow, "Period").error().message,
            "The parameter StartTime must be less than the parameter EndTime.");
  EXPECT_TRUE(make_window(kNow - 60'000, kNow, 30, kNow, "Period"));
}

TEST(CloudWatchWindow, AggregatesPointsIntoTheirPeriodAndUnit) {
  Window w{0, 180'000, 60'000, 3};
  std::vector<Datum> pts = {values(0, {1}), values(59'999, {2}), values(60'000, {4}),
                            values(180'000, {8})};
  pts[2].unit = "Count";
  auto any = aggregate(pts, w, "");
  ASSERT_EQ(any.size(), 2u);
  EXPECT_EQ(any.at(0).sum(), 3);
  EXPECT_EQ(any.at(60'000).sum(), 4);
  auto counts = aggregate(pts, w, "Count");
  ASSERT_EQ(counts.size(), 1u);
}

TEST(CloudWatchExpression, ArithmeticOverSeriesAndNumbers) {
  auto e = parse_expression("(a + b) * 2 - -1 / b");
  ASSERT_TRUE(e) << e.error().message;
  Series a{{0, 1}, {60, 2}, {120, 3}};
  Series b{{0, 1}, {60, 0}};
  Value v =
      evaluate(**e, [&](const std::string& id) -> const Series& { return id == "a" ? a : b; });
  ASSERT_FALSE(v.scalar);
  // t=0: (1+1)*2 + 1/1 = 5; t=60: division by zero drops it; t=120: b has none.
  ASSERT_EQ(v.series.size(), 1u);
  EXPECT_EQ(v.series.at(0), 5);
  std::vector<std::string> ids;
  expression_ids(**e, ids);
  EXPECT_EQ(ids.size(), 3u);
}

TEST(CloudWatchExpression, RefusesFunctionsAndBadSyntax) {
  EXPECT_EQ(parse_expression("SUM(METRICS())").error().code, "ValidationError");
  EXPECT_FALSE(parse_expression("a +"));
  EXPECT_FALSE(parse_expression("(a"));
  EXPECT_FALSE(parse_expression("a $ b"));
  EXPECT_FALSE(parse_expression(""));
  EXPECT_FALSE(parse_expression(std::string(100, '(') + "a" + std::string(100, ')')));
  EXPECT_FALSE(parse_expression("1.2.3"));
}

}  // namespace
}  // namespace nimbus::services::cloudwatch
