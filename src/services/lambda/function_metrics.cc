// AWS/Lambda metrics (function_metrics.h).
#include "services/lambda/function_metrics.h"

#include "events/mappings.h"

namespace nimbus::services::lambda {

void publish_function_metrics(cloudwatch::MetricPublisher* publisher, std::string_view function_arn,
                              int64_t now_ms, const std::vector<FunctionMetric>& metrics) {
  if (publisher == nullptr || metrics.empty()) return;
  auto [name, resource] = events::function_dimensions(function_arn);
  std::vector<cloudwatch::PublishedDatum> data;
  for (const auto& m : metrics) {
    data.push_back({m.name, {{"FunctionName", name}}, now_ms, m.value, m.unit});
    if (resource != name) {
      data.push_back(
          {m.name, {{"FunctionName", name}, {"Resource", resource}}, now_ms, m.value, m.unit});
    }
  }
  publisher->put("AWS/Lambda", std::move(data));
}

}  // namespace nimbus::services::lambda
