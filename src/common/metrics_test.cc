#include "common/metrics.h"

#include <gtest/gtest.h>

#include "common/request_id.h"

namespace nimbus {
namespace {

TEST(Metrics, CounterAndHistogramRenderAsPrometheus) {
  Metrics m;
  m.counter("nimbus_things_total", {{"kind", "a\"b"}}, "things").add(3);
  auto& h = m.histogram("nimbus_latency_seconds", {{"op", "x"}});
  h.observe(0.0002);
  h.observe(2.0);
  std::string text = m.prometheus();
  EXPECT_NE(text.find("# HELP nimbus_things_total things\n"), std::string::npos);
  EXPECT_NE(text.find("nimbus_things_total{kind=\"a\\\"b\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("nimbus_latency_seconds_bucket{op=\"x\",le=\"0.00025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("nimbus_latency_seconds_bucket{op=\"x\",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("nimbus_latency_seconds_count{op=\"x\"} 2\n"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulativeAroundTwoMilliseconds) {
  Metrics m;
  auto& h = m.histogram("nimbus_latency_seconds");
  h.observe(0.0012);
  h.observe(0.0018);
  h.observe(0.0021);
  std::string text = m.prometheus();
  EXPECT_NE(text.find("nimbus_latency_seconds_bucket{le=\"0.001\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("nimbus_latency_seconds_bucket{le=\"0.0015\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("nimbus_latency_seconds_bucket{le=\"0.002\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("nimbus_latency_seconds_bucket{le=\"0.0025\"} 3\n"), std::string::npos);
}

TEST(Metrics, SameNameAndLabelsIsSameCounter) {
  Metrics m;
  m.counter("c", {{"a", "1"}}).add();
  m.counter("c", {{"a", "1"}}).add();
  EXPECT_EQ(m.counter("c", {{"a", "1"}}).value(), 2u);
  EXPECT_EQ(m.counter("c", {{"a", "2"}}).value(), 0u);
}

TEST(RequestId, IsUuidV4Text) {
  std::string id = new_request_id();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[14], '4');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
  EXPECT_NE(id, new_request_id());
}

}  // namespace
}  // namespace nimbus
