// MetricStore: the data points behind the CloudWatch metrics API and the
// in-process MetricPublisher.
//
// Schema (one storage namespace, keys on storage/key_codec.h):
//   cloudwatch.points  (metric id (metric.h), i64 timestamp ms, u64 seq) ->
//                      JSON {u: unit, r: resolution, i: ingest ms,
//                            v: [values], c: [counts] | s: [n, sum, min, max]}
// One PutMetricData is one batch in the partition "cloudwatch:<namespace>".
// Points of a metric are ordered by time: a read is a range of one metric.
//
// Every point of the retention window also lives in memory, by metric (read
// back at start-up): reads never touch the disk. Points older than
// kRetention are dropped from memory and from storage (a range delete in the
// next batch of that metric, and at start-up).
//
// Threads: every method may be called from any thread; none blocks except
// recover(). A put is visible to reads once it is durable; `done` runs on the
// storage committer thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "services/cloudwatch/metric.h"
#include "services/service.h"

namespace nimbus::services::cloudwatch {

// AWS keeps 1-minute data 15 days (then 5-minute data 63 days, hourly 455
// days); nimbus keeps every point 15 days and rolls nothing up.
inline constexpr std::chrono::hours kRetention{15 * 24};

struct MetricInfo {
  std::string id;
  MetricKey key;
  int64_t last_ingest_ms = 0;
};

class MetricStore {
 public:
  using Done = std::function<void(Status)>;

  explicit MetricStore(Environment& env);
  ~MetricStore();  // waits for the commits in flight (their callbacks use it)
  MetricStore(const MetricStore&) = delete;
  MetricStore& operator=(const MetricStore&) = delete;

  // Reads back the points within retention, deletes the older ones.
  // Blocking; called once by the service's start().
  Status recover();

  // Stores points of one namespace (validated; keys with sorted dimensions).
  void put(const std::string& ns, std::vector<std::pair<MetricKey, Datum>> data, Done done);

  // Every metric with a point in retention, in id order.
  std::vector<MetricInfo> metrics() const;
  // The points of metric `id` with from_ms <= timestamp < to_ms, in time order.
  std::vector<Datum> points(const std::string& id, int64_t from_ms, int64_t to_ms) const;

 private:
  struct Series {
    MetricKey key;
    int64_t last_ingest_ms = 0;
    std::multimap<int64_t, Datum> points;  // by timestamp
  };
  int64_t cutoff_ms() const;

  Environment& env_;
  std::atomic<uint64_t> next_seq_{1};
  mutable std::mutex mu_;
  std::condition_variable idle_;
  size_t in_flight_ = 0;                  // commits not yet answered; guarded by mu_
  std::map<std::string, Series> series_;  // by metric id; guarded by mu_
};

// The stored form of a point (schema above), and back.
std::string encode_datum(const Datum& d);
std::optional<Datum> decode_datum(std::string_view text, int64_t timestamp_ms);

}  // namespace nimbus::services::cloudwatch
