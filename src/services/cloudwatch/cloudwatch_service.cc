// CloudWatch metrics: the service, its operation table and the in-process
// MetricPublisher.
#include "services/cloudwatch/cloudwatch_service.h"

#include "services/cloudwatch/publisher.h"

namespace nimbus::services::cloudwatch {

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
      publisher_(std::make_unique<BufferedPublisher>(env, *store_)) {
  serve(*this, kOperations);
}

CloudWatchService::~CloudWatchService() = default;

BufferedPublisher& CloudWatchService::publisher() {
  return *publisher_;
}

void CloudWatchService::begin_shutdown() {
  publisher_->stop();
}

Status CloudWatchService::start() {
  return store_->recover();
}

}  // namespace nimbus::services::cloudwatch
