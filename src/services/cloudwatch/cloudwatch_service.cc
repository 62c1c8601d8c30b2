// CloudWatch metrics: the service, its operation table and the in-process
// MetricPublisher.
#include "services/cloudwatch/cloudwatch_service.h"

#include "common/json_fields.h"
#include "services/cloudwatch/publisher.h"

namespace nimbus::services::cloudwatch {

namespace {

std::string alarm_arn(const CallContext& ctx, const std::string& name) {
  return "arn:aws:cloudwatch:" + ctx.region + ":" + ctx.account_id + ":alarm:" + name;
}
// The alarm a call names (AlarmName), the alarms (AlarmNames), the resource
// (ResourceARN): the service authorization reference's "alarm" resource.
Resources named_alarm(const CallContext& ctx, const boost::json::object& in) {
  return {alarm_arn(ctx, str(in, "AlarmName"))};
}
Resources named_alarms(const CallContext& ctx, const boost::json::object& in) {
  Resources out;
  for (const auto& n : string_list(in, "AlarmNames")) out.push_back(alarm_arn(ctx, n));
  return out;
}
Resources resource_arn(const CallContext&, const boost::json::object& in) {
  return {str(in, "ResourceARN")};
}

}  // namespace

// CloudWatch's metric actions name no resource type in the service
// authorization reference: they are authorized on "*"; alarm actions name
// the alarm.
const Operation<CloudWatchService> CloudWatchService::kOperations[] = {
    {"PutMetricData", &CloudWatchService::put_metric_data, no_resources},
    {"ListMetrics", &CloudWatchService::list_metrics, no_resources},
    {"GetMetricStatistics", &CloudWatchService::get_metric_statistics, no_resources},
    {"GetMetricData", &CloudWatchService::get_metric_data, no_resources},
    {"PutMetricAlarm", &CloudWatchService::put_metric_alarm, named_alarm},
    {"PutCompositeAlarm", &CloudWatchService::put_composite_alarm, named_alarm},
    {"DescribeAlarms", &CloudWatchService::describe_alarms, no_resources},
    {"DescribeAlarmsForMetric", &CloudWatchService::describe_alarms_for_metric, no_resources},
    {"DeleteAlarms", &CloudWatchService::delete_alarms, named_alarms},
    {"SetAlarmState", &CloudWatchService::set_alarm_state, named_alarm},
    {"EnableAlarmActions", &CloudWatchService::enable_alarm_actions, named_alarms},
    {"DisableAlarmActions", &CloudWatchService::disable_alarm_actions, named_alarms},
    {"DescribeAlarmHistory", &CloudWatchService::describe_alarm_history, no_resources},
    {"TagResource", &CloudWatchService::tag_resource, resource_arn},
    {"UntagResource", &CloudWatchService::untag_resource, resource_arn},
    {"ListTagsForResource", &CloudWatchService::list_tags_for_resource, resource_arn},
};

CloudWatchService::CloudWatchService(Environment& env)
    : Service("cloudwatch"),
      env_(env),
      store_(std::make_unique<MetricStore>(env)),
      publisher_(std::make_unique<BufferedPublisher>(env, *store_)),
      alarm_store_(std::make_unique<AlarmStore>(env)),
      alarms_(std::make_unique<Alarms>(env, *store_, *alarm_store_)) {
  serve(*this, kOperations);
}

CloudWatchService::~CloudWatchService() = default;

BufferedPublisher& CloudWatchService::publisher() {
  return *publisher_;
}

void CloudWatchService::begin_shutdown() {
  publisher_->stop();
  alarms_->stop();
}

Status CloudWatchService::start() {
  if (auto st = store_->recover(); !st) return st;
  if (auto st = alarm_store_->recover(); !st) return st;
  return alarms_->start();
}

}  // namespace nimbus::services::cloudwatch
