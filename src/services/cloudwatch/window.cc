// Periods, StartTime rounding and aggregation (window.h).
#include "services/cloudwatch/window.h"

#include "services/cloudwatch/errors.h"

namespace nimbus::services::cloudwatch {

namespace {

int64_t floor_to(int64_t v, int64_t step) {
  int64_t r = v % step;
  return r < 0 ? v - r - step : v - r;
}

}  // namespace

Result<Window> make_window(int64_t start_ms, int64_t end_ms, int64_t period_s, int64_t now_ms,
                           const std::string& period_name) {
  // Beyond a century no range holds a whole period (and period_s * 1000
  // stays far from overflow).
  if (period_s < 1 || period_s > 3'153'600'000) {
    return errors::invalid_value(std::to_string(period_s), period_name);
  }
  if (period_s < 60
          ? (period_s != 1 && period_s != 5 && period_s != 10 && period_s != 20 && period_s != 30)
          : period_s % 60 != 0) {
    return errors::invalid("The parameter " + period_name + " must be a multiple of 60.");
  }
  if (start_ms >= end_ms) {
    return errors::invalid("The parameter StartTime must be less than the parameter EndTime.");
  }
  constexpr int64_t kDay = 24LL * 3600 * 1000;
  const int64_t age = now_ms - start_ms;
  int64_t step = 60'000;
  if (age > 63 * kDay) {
    step = 3'600'000;
  } else if (age > 15 * kDay) {
    step = 300'000;
  } else if (period_s < 60) {
    step = period_s * 1000;
  }
  Window w;
  w.start_ms = floor_to(start_ms, step);
  w.end_ms = end_ms;
  w.period_ms = period_s * 1000;
  w.periods = (end_ms - w.start_ms + w.period_ms - 1) / w.period_ms;
  return w;
}

std::map<int64_t, Stats> aggregate(const std::vector<Datum>& points, const Window& w,
                                   const std::string& unit) {
  std::map<int64_t, Stats> out;
  for (const auto& d : points) {
    if (d.timestamp_ms < w.start_ms || d.timestamp_ms >= w.end_ms) continue;
    if (!unit.empty() && d.unit != unit) continue;
    int64_t bucket = w.start_ms + (d.timestamp_ms - w.start_ms) / w.period_ms * w.period_ms;
    out[bucket].add(d);
  }
  return out;
}

}  // namespace nimbus::services::cloudwatch
