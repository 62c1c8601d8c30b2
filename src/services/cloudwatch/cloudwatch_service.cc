// CloudWatch metrics: the service, its operation table and the in-process
// MetricPublisher.
#include "services/cloudwatch/cloudwatch_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace nimbus::services::cloudwatch {

namespace {

class StorePublisher final : public MetricPublisher {
 public:
  StorePublisher(const Clock& clock, MetricStore& store) : clock_(clock), store_(store) {}

  void put(const std::string& ns, std::vector<PublishedDatum> data) override {
    if (data.empty()) return;
    std::vector<std::pair<MetricKey, Datum>> points;
    points.reserve(data.size());
    const int64_t now = clock_.now_millis();
    for (auto& p : data) {
      MetricKey key{ns, std::move(p.metric_name), std::move(p.dimensions)};
      std::sort(key.dims.begin(), key.dims.end());
      Datum d;
      // Standard resolution: stored per minute, as PutMetricData does.
      d.timestamp_ms = p.timestamp_ms - (((p.timestamp_ms % 60000) + 60000) % 60000);
      d.ingest_ms = now;
      d.unit = std::move(p.unit);
      d.values = {p.value};
      d.counts = {1};
      points.emplace_back(std::move(key), std::move(d));
    }
    store_.put(ns, std::move(points), [ns](Status st) {
      if (!st) spdlog::error("cloudwatch: publishing to {}: {}", ns, st.error().message);
    });
  }

 private:
  const Clock& clock_;
  MetricStore& store_;
};

}  // namespace

// CloudWatch's metric actions name no resource type in the service
// authorization reference: they are authorized on "*".
const Operation<CloudWatchService> CloudWatchService::kOperations[] = {
    {"PutMetricData", &CloudWatchService::put_metric_data, no_resources},
    {"ListMetrics", &CloudWatchService::list_metrics, no_resources},
    {"GetMetricStatistics", &CloudWatchService::get_metric_statistics, no_resources},
    {"GetMetricData", &CloudWatchService::get_metric_data, no_resources},
};

CloudWatchService::CloudWatchService(Environment& env)
    : Service("cloudwatch"),
      env_(env),
      store_(std::make_unique<MetricStore>(env)),
      publisher_(std::make_unique<StorePublisher>(env.clock, *store_)) {
  serve(*this, kOperations);
}

CloudWatchService::~CloudWatchService() = default;

MetricPublisher& CloudWatchService::publisher() {
  return *publisher_;
}

Status CloudWatchService::start() {
  return store_->recover();
}

}  // namespace nimbus::services::cloudwatch
