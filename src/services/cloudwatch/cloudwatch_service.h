// Amazon CloudWatch metrics (model monitoring/2010-08-01: awsQuery for older
// clients, awsJson 1.0 for current ones; the engine answers each in its own).
// The handlers turn input values into calls on MetricStore (store.h); other
// services publish through publisher() (api.h). See README.md for what is
// implemented and how it differs from AWS.
#pragma once

#include <memory>

#include "services/cloudwatch/alarm_store.h"
#include "services/cloudwatch/alarms.h"
#include "services/cloudwatch/api.h"
#include "services/cloudwatch/publisher.h"
#include "services/cloudwatch/store.h"
#include "services/service.h"

namespace nimbus::services::cloudwatch {

class CloudWatchService final : public Service {
 public:
  explicit CloudWatchService(Environment& env);
  ~CloudWatchService() override;

  // The in-process publisher (AWS/Lambda metrics). Lives as long as the
  // service; put() never blocks.
  BufferedPublisher& publisher();
  // The alarm engine (tests drive its evaluation).
  Alarms& alarms() { return *alarms_; }
  // Reads back the stored points and alarms; starts the alarm ticks.
  Status start() override;
  // Writes what the publisher gathered; no more timers or alarm ticks.
  void begin_shutdown() override;

 private:
  using object = boost::json::object;
  static const Operation<CloudWatchService> kOperations[];

  // put_handler.cc
  void put_metric_data(const CallContext& ctx, object in, Respond respond);
  // read_handlers.cc
  Output list_metrics(const CallContext& ctx, const object& in) const;
  Output get_metric_statistics(const CallContext& ctx, const object& in) const;
  // metric_data_handler.cc
  Output get_metric_data(const CallContext& ctx, const object& in) const;
  // alarm_handlers.cc
  void put_metric_alarm(const CallContext& ctx, object in, Respond respond);
  void put_composite_alarm(const CallContext& ctx, object in, Respond respond);
  // Creates or replaces alarm `a` (metric or composite) with its history.
  void put_alarm(Alarm a, Result<Tags> tags, Respond respond);
  Output describe_alarms(const CallContext& ctx, const object& in) const;
  Output describe_alarms_for_metric(const CallContext& ctx, const object& in) const;
  void delete_alarms(const CallContext& ctx, object in, Respond respond);
  void set_alarm_state(const CallContext& ctx, object in, Respond respond);
  void enable_alarm_actions(const CallContext& ctx, object in, Respond respond);
  void disable_alarm_actions(const CallContext& ctx, object in, Respond respond);
  void set_alarm_actions(object in, bool enabled, Respond respond);
  Output describe_alarm_history(const CallContext& ctx, const object& in) const;
  void tag_resource(const CallContext& ctx, object in, Respond respond);
  void untag_resource(const CallContext& ctx, object in, Respond respond);
  Output list_tags_for_resource(const CallContext& ctx, const object& in) const;

  Environment& env_;
  std::unique_ptr<MetricStore> store_;
  std::unique_ptr<BufferedPublisher> publisher_;
  std::unique_ptr<AlarmStore> alarm_store_;
  std::unique_ptr<Alarms> alarms_;  // uses store_ and alarm_store_: destroyed first
};

}  // namespace nimbus::services::cloudwatch
