// What other services use of CloudWatch metrics in-process: publishing data
// points (Lambda's AWS/Lambda metrics), no wire in between.
//
// Ownership: the CloudWatch service owns the publisher and outlives every
// service built after it (the registry destroys in reverse order).
// Threads: put() may be called from any thread and never blocks; the points
// are durable a moment later (group commit), and a failure is logged.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::services::cloudwatch {

struct PublishedDatum {
  std::string metric_name;
  std::vector<std::pair<std::string, std::string>> dimensions;  // name, value
  int64_t timestamp_ms = 0;
  double value = 0;
  std::string unit = "None";  // a StandardUnit
};

class MetricPublisher {
 public:
  virtual ~MetricPublisher() = default;
  // Namespaces under "AWS/" are allowed here: this is how AWS's own metrics
  // appear.
  virtual void put(const std::string& ns, std::vector<PublishedDatum> data) = 0;
};

}  // namespace nimbus::services::cloudwatch
