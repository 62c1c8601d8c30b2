// ListMetrics and GetMetricStatistics.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "services/cloudwatch/cloudwatch_service.h"
#include "services/cloudwatch/errors.h"
#include "services/cloudwatch/input.h"
#include "services/cloudwatch/window.h"

namespace nimbus::services::cloudwatch {

namespace json = boost::json;

namespace {

constexpr size_t kListPage = 500;
constexpr int64_t kMaxDatapoints = 1440;
constexpr int64_t kRecentlyActiveMs = 3LL * 3600 * 1000;  // PT3H

std::string to_hex(std::string_view s) {
  static const char* const kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// A DimensionFilter: the metric has a dimension of that name (and value,
// when the filter gives one).
bool matches(const Dimensions& dims, const json::array* filters) {
  if (filters == nullptr) return true;
  for (const auto& f : *filters) {
    const auto* o = f.if_object();
    if (o == nullptr) continue;
    std::string name = str(*o, "Name");
    bool value_given = has(*o, "Value");
    std::string value = str(*o, "Value");
    bool found = std::any_of(dims.begin(), dims.end(), [&](const auto& d) {
      return d.first == name && (!value_given || d.second == value);
    });
    if (!found) return false;
  }
  return true;
}

std::string with_commas(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(i, ",");
  return s;
}

}  // namespace

Output CloudWatchService::list_metrics(const CallContext&, const object& in) const {
  const std::string ns = str(in, "Namespace");
  const std::string name = str(in, "MetricName");
  const auto* filters = input::array(in, "Dimensions");
  if (filters != nullptr && filters->size() > 10) {
    return errors::invalid("The collection Dimensions must not have a size greater than 10.");
  }
  bool recent = false;
  if (has(in, "RecentlyActive")) {
    std::string r = str(in, "RecentlyActive");
    if (r != "PT3H") return errors::invalid_value(r, "RecentlyActive");
    recent = true;
  }
  std::string after;
  if (has(in, "NextToken")) {
    auto t = from_hex(str(in, "NextToken"));
    if (!t || t->empty()) return errors::invalid_value(str(in, "NextToken"), "NextToken");
    after = std::move(*t);
  }
  const int64_t now = env_.clock.now_millis();
  json::array metrics;
  std::string last;
  bool more = false;
  for (const auto& m : store_->metrics()) {
    if (!after.empty() && m.id <= after) continue;
    if (!ns.empty() && m.key.ns != ns) continue;
    if (!name.empty() && m.key.name != name) continue;
    if (recent && m.last_ingest_ms < now - kRecentlyActiveMs) continue;
    if (!matches(m.key.dims, filters)) continue;
    if (metrics.size() == kListPage) {
      more = true;
      break;
    }
    metrics.push_back(json::object{{"Namespace", m.key.ns},
                                   {"MetricName", m.key.name},
                                   {"Dimensions", input::dimensions_json(m.key.dims)}});
    last = m.id;
  }
  json::object out{{"Metrics", std::move(metrics)}};
  if (more) out["NextToken"] = to_hex(last);
  return out;
}

Output CloudWatchService::get_metric_statistics(const CallContext&, const object& in) const {
  MetricKey key{str(in, "Namespace"), str(in, "MetricName"), input::dimensions(in, "Dimensions")};
  const auto* stats = input::array(in, "Statistics");
  const auto* extended = input::array(in, "ExtendedStatistics");
  if ((stats == nullptr || stats->empty()) && (extended == nullptr || extended->empty())) {
    return errors::missing("Must specify either Statistics or ExtendedStatistics.");
  }
  std::vector<std::string> names, percentiles;
  if (stats != nullptr) {
    for (size_t i = 0; i < stats->size(); ++i) {
      std::string s = (*stats)[i].is_string() ? std::string((*stats)[i].as_string()) : "";
      if (!valid_stat(s) || percentile_of(s)) {
        return errors::invalid_value(s, "Statistics.member." + std::to_string(i + 1));
      }
      names.push_back(s);
    }
  }
  if (extended != nullptr) {
    for (size_t i = 0; i < extended->size(); ++i) {
      std::string s = (*extended)[i].is_string() ? std::string((*extended)[i].as_string()) : "";
      if (!percentile_of(s)) {
        return errors::invalid_value(s, "ExtendedStatistics.member." + std::to_string(i + 1));
      }
      percentiles.push_back(s);
    }
  }
  std::string unit = str(in, "Unit");
  if (!unit.empty() && !valid_unit(unit)) return errors::invalid_value(unit, "Unit");
  auto start = input::millis(in, "StartTime");
  auto end = input::millis(in, "EndTime");
  if (!start) return errors::missing("The parameter StartTime is required.");
  if (!end) return errors::missing("The parameter EndTime is required.");
  const int64_t now = env_.clock.now_millis();
  auto w = make_window(*start, *end, integer(in, "Period").value_or(0), now, "Period");
  if (!w) return w.take_error();
  if (w->periods > kMaxDatapoints) {
    return errors::combination("You have requested up to " + with_commas(w->periods) +
                               " datapoints, which exceeds the limit of 1,440. You may reduce "
                               "the datapoints requested by increasing Period, or decreasing "
                               "the time range.");
  }
  auto points = store_->points(metric_id(key), w->start_ms, w->end_ms);
  // Without a Unit filter, each unit the metric was published in has its own
  // datapoints.
  std::vector<std::string> units;
  if (!unit.empty()) {
    units.push_back(unit);
  } else {
    for (const auto& p : points) {
      if (std::find(units.begin(), units.end(), p.unit) == units.end()) units.push_back(p.unit);
    }
  }
  json::array datapoints;
  for (const auto& u : units) {
    for (const auto& [ts, s] : aggregate(points, *w, u)) {
      json::object dp{{"Timestamp", input::seconds(ts)}, {"Unit", u}};
      for (const auto& n : names) dp[n] = *s.get(n);
      if (!percentiles.empty()) {
        json::object ext;
        for (const auto& p : percentiles) {
          if (auto v = s.get(p)) ext[p] = *v;
        }
        dp["ExtendedStatistics"] = std::move(ext);
      }
      datapoints.push_back(std::move(dp));
    }
  }
  return json::object{{"Label", key.name}, {"Datapoints", std::move(datapoints)}};
}

}  // namespace nimbus::services::cloudwatch
