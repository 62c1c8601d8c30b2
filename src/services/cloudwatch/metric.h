// The values of CloudWatch metrics: a metric's identity, a stored data point,
// and the statistics of a period (statistics.cc).
//
// A metric is (namespace, name, dimensions); dimensions are kept sorted by
// name, so the same set in any order is one metric. `metric_id` encodes it
// with storage/key_codec.h: the order ListMetrics pages in and the prefix of
// its points' keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::services::cloudwatch {

using Dimensions = std::vector<std::pair<std::string, std::string>>;  // name, value

struct MetricKey {
  std::string ns;
  std::string name;
  Dimensions dims;  // sorted by name
};

// (ns, name, u64 count, dim name, dim value, ...) as key_codec tuples.
std::string metric_id(const MetricKey& key);
std::optional<MetricKey> parse_metric_id(std::string_view id, size_t* consumed = nullptr);

// One published datum: a single value, values with counts, or a statistic
// set (then no percentile can be computed from it).
struct Datum {
  int64_t timestamp_ms = 0;
  int64_t ingest_ms = 0;
  std::string unit = "None";
  int resolution = 60;         // StorageResolution: 1 or 60
  std::vector<double> values;  // with counts (1 each when not given)
  std::vector<double> counts;  // same size as values
  bool is_set = false;         // a StatisticSet: the four below
  double sample_count = 0, sum = 0, minimum = 0, maximum = 0;
};

// The statistics of the points of one period.
class Stats {
 public:
  void add(const Datum& d);
  bool empty() const { return sample_count_ == 0 && !seen_; }
  double sample_count() const { return sample_count_; }
  double sum() const { return sum_; }
  double minimum() const { return min_; }
  double maximum() const { return max_; }
  double average() const { return sample_count_ > 0 ? sum_ / sample_count_ : 0; }
  // The nearest-rank percentile p (0..100) of the raw values, nullopt when a
  // statistic set contributed (its values are unknown) or nothing did.
  std::optional<double> percentile(double p) const;
  // A statistic by name: SampleCount, Average, Sum, Minimum, Maximum, pNN.NN.
  std::optional<double> get(const std::string& stat) const;

 private:
  bool seen_ = false;
  bool raw_only_ = true;
  double sample_count_ = 0, sum_ = 0, min_ = 0, max_ = 0;
  mutable std::vector<std::pair<double, double>> values_;  // value, count
  mutable bool sorted_ = true;
};

// The percentile a statistic names ("p99", "p99.9" up to two decimals,
// 0..100), nullopt when it names none.
std::optional<double> percentile_of(const std::string& stat);
// One of SampleCount, Average, Sum, Minimum, Maximum, or a percentile.
bool valid_stat(const std::string& stat);
// One of the model's StandardUnit values.
bool valid_unit(const std::string& unit);

}  // namespace nimbus::services::cloudwatch
