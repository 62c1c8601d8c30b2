// What the CloudWatch unit tests share on top of the services' test kit: the
// service, and PutMetricData / GetMetricStatistics helpers.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "services/cloudwatch/cloudwatch_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::cloudwatch::testing {

namespace json = boost::json;

// The simulated clock's start, 2023-11-14T22:13:20Z, in seconds.
inline constexpr int64_t kNowS = 1'700'000'000;
// The minute it falls in, 22:13:00.
inline constexpr int64_t kMinuteS = kNowS - kNowS % 60;

class CloudWatchTest : public services::testing::ServiceTest<CloudWatchService> {
 protected:
  void put(const std::string& name, json::object datum, const std::string& ns = "App") {
    datum["MetricName"] = name;
    call("PutMetricData", {{"Namespace", ns}, {"MetricData", json::array{datum}}});
  }
  void put_value(const std::string& name, double v, int64_t ts_s, const std::string& ns = "App") {
    put(name, {{"Value", v}, {"Timestamp", ts_s}}, ns);
  }
  json::array stats(const std::string& name, int64_t start_s, int64_t end_s, int64_t period,
                    json::array statistics = {"Sum", "SampleCount", "Average", "Minimum",
                                              "Maximum"},
                    json::object extra = {}) {
    json::object in{{"Namespace", "App"}, {"MetricName", name}, {"StartTime", start_s},
                    {"EndTime", end_s},   {"Period", period},   {"Statistics", statistics}};
    for (auto& [k, v] : extra) in[k] = v;
    auto out = call("GetMetricStatistics", in);
    return out.at("Datapoints").as_array();
  }
};

}  // namespace nimbus::services::cloudwatch::testing
