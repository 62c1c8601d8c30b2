// The periods a statistics query asks for (GetMetricStatistics, each
// GetMetricData query): AWS's checks on Period and the time range, the
// rounding of StartTime, and the aggregation of points into periods.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/cloudwatch/metric.h"

namespace nimbus::services::cloudwatch {

struct Window {
  int64_t start_ms = 0;  // rounded down as AWS does
  int64_t end_ms = 0;    // exclusive
  int64_t period_ms = 0;
  int64_t periods = 0;  // how many periods the range holds
};

// `period_name` names the Period parameter in messages ("Period",
// "MetricDataQueries.member.1.MetricStat.Period"). StartTime is rounded
// down by its age: to the minute (to the period below a minute) within 15
// days, to 5 minutes within 63 days, to the hour beyond.
Result<Window> make_window(int64_t start_ms, int64_t end_ms, int64_t period_s, int64_t now_ms,
                           const std::string& period_name);

// The statistics of each period that holds a point of `unit` (any unit when
// empty), keyed by the period's start.
std::map<int64_t, Stats> aggregate(const std::vector<Datum>& points, const Window& w,
                                   const std::string& unit);

}  // namespace nimbus::services::cloudwatch
