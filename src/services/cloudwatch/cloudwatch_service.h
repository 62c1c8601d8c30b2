// Amazon CloudWatch metrics (model monitoring/2010-08-01: awsQuery for older
// clients, awsJson 1.0 for current ones; the engine answers each in its own).
// The handlers turn input values into calls on MetricStore (store.h); other
// services publish through publisher() (api.h). See README.md for what is
// implemented and how it differs from AWS.
#pragma once

#include <memory>

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
  // Reads back the stored points (MetricStore::recover).
  Status start() override;
  // Writes what the publisher gathered; no more timers.
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

  Environment& env_;
  std::unique_ptr<MetricStore> store_;
  std::unique_ptr<BufferedPublisher> publisher_;
};

}  // namespace nimbus::services::cloudwatch
