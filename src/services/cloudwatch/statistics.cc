// Metric identities and the statistics of a period (metric.h).
#include <algorithm>
#include <charconv>
#include <cmath>

#include "services/cloudwatch/metric.h"
#include "storage/key_codec.h"

namespace nimbus::services::cloudwatch {

std::string metric_id(const MetricKey& key) {
  storage::KeyBuilder b;
  b.str(key.ns).str(key.name).u64(key.dims.size());
  for (const auto& [n, v] : key.dims) b.str(n).str(v);
  return std::move(b).bytes();
}

std::optional<MetricKey> parse_metric_id(std::string_view id, size_t* consumed) {
  storage::KeyReader r(id);
  MetricKey k;
  auto ns = r.str();
  auto name = r.str();
  auto n = r.u64();
  if (!ns || !name || !n || *n > 30) return std::nullopt;
  k.ns = std::move(*ns);
  k.name = std::move(*name);
  for (uint64_t i = 0; i < *n; ++i) {
    auto dn = r.str();
    auto dv = r.str();
    if (!dn || !dv) return std::nullopt;
    k.dims.emplace_back(std::move(*dn), std::move(*dv));
  }
  std::string_view rest = r.tail();
  if (consumed != nullptr) {
    *consumed = id.size() - rest.size();
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  return k;
}

void Stats::add(const Datum& d) {
  double n = 0, sum = 0, lo = 0, hi = 0;
  if (d.is_set) {
    n = d.sample_count;
    sum = d.sum;
    lo = d.minimum;
    hi = d.maximum;
    raw_only_ = false;
  } else {
    bool first = true;
    for (size_t i = 0; i < d.values.size(); ++i) {
      double c = i < d.counts.size() ? d.counts[i] : 1;
      if (c <= 0) continue;
      double v = d.values[i];
      n += c;
      sum += v * c;
      lo = first ? v : std::min(lo, v);
      hi = first ? v : std::max(hi, v);
      first = false;
      values_.emplace_back(v, c);
      sorted_ = false;
    }
    if (first) return;  // only zero counts
  }
  if (!seen_) {
    min_ = lo;
    max_ = hi;
  } else {
    min_ = std::min(min_, lo);
    max_ = std::max(max_, hi);
  }
  seen_ = true;
  sample_count_ += n;
  sum_ += sum;
}

std::optional<double> Stats::percentile(double p) const {
  if (!raw_only_ || values_.empty()) return std::nullopt;
  if (!sorted_) {
    std::sort(values_.begin(), values_.end());
    sorted_ = true;
  }
  double total = 0;
  for (const auto& vc : values_) total += vc.second;
  // Nearest rank: the smallest value with at least p% of the samples at or
  // below it.
  double rank = std::max(1.0, std::ceil(p / 100.0 * total));
  double seen = 0;
  for (const auto& [v, c] : values_) {
    seen += c;
    if (seen >= rank) return v;
  }
  return values_.back().first;
}

std::optional<double> Stats::get(const std::string& stat) const {
  if (stat == "SampleCount") return sample_count();
  if (stat == "Average") return average();
  if (stat == "Sum") return sum();
  if (stat == "Minimum") return minimum();
  if (stat == "Maximum") return maximum();
  if (auto p = percentile_of(stat)) return percentile(*p);
  return std::nullopt;
}

std::optional<double> percentile_of(const std::string& stat) {
  if (stat.size() < 2 || stat[0] != 'p') return std::nullopt;
  std::string_view s(stat);
  s.remove_prefix(1);
  auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 3 || (dot != std::string_view::npos && frac.empty()) ||
      frac.size() > 2) {
    return std::nullopt;
  }
  auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(whole) || !digits(frac)) return std::nullopt;
  int w = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), w);
  int f = 0;
  if (!frac.empty()) std::from_chars(frac.data(), frac.data() + frac.size(), f);
  if (frac.size() == 1) f *= 10;
  double p = w + f / 100.0;
  if (p > 100) return std::nullopt;
  return p;
}

bool valid_stat(const std::string& stat) {
  return stat == "SampleCount" || stat == "Average" || stat == "Sum" || stat == "Minimum" ||
         stat == "Maximum" || percentile_of(stat).has_value();
}

bool valid_unit(const std::string& unit) {
  static const char* const kUnits[] = {"Seconds",
                                       "Microseconds",
                                       "Milliseconds",
                                       "Bytes",
                                       "Kilobytes",
                                       "Megabytes",
                                       "Gigabytes",
                                       "Terabytes",
                                       "Bits",
                                       "Kilobits",
                                       "Megabits",
                                       "Gigabits",
                                       "Terabits",
                                       "Percent",
                                       "Count",
                                       "Bytes/Second",
                                       "Kilobytes/Second",
                                       "Megabytes/Second",
                                       "Gigabytes/Second",
                                       "Terabytes/Second",
                                       "Bits/Second",
                                       "Kilobits/Second",
                                       "Megabits/Second",
                                       "Gigabits/Second",
                                       "Terabits/Second",
                                       "Count/Second",
                                       "None"};
  return std::any_of(std::begin(kUnits), std::end(kUnits),
                     [&](const char* u) { return unit == u; });
}

}  // namespace nimbus::services::cloudwatch
