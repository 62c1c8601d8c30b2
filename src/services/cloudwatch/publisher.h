// The MetricPublisher (api.h) other services publish through: points are
// gathered in memory per (metric, minute, unit) as values with counts, and
// written as one batch per namespace a second after the first one arrived
// (a timer), so a busy function costs a few records a second, not one per
// invocation. What is gathered and not yet written is lost on kill -9 (at
// most a second of AWS/ metrics); stop() writes it at shutdown.
//
// Threads: put() from any thread, never blocks. The timer runs on the
// Scheduler's thread and only queues a storage commit.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "common/gate.h"
#include "common/mutex.h"
#include "services/cloudwatch/api.h"
#include "services/cloudwatch/store.h"

namespace nimbus::services::cloudwatch {

class BufferedPublisher final : public MetricPublisher {
 public:
  BufferedPublisher(Environment& env, MetricStore& store);
  ~BufferedPublisher() override;  // stop()

  void put(const std::string& ns, std::vector<PublishedDatum> data) override;
  // Writes what is gathered now (tests, shutdown).
  void flush();
  // No more timers (the Scheduler may go first); writes what is gathered.
  void stop();

 private:
  struct Pending {
    std::string ns;
    MetricKey key;
    int64_t ingest_ms = 0;
    std::map<double, double> counts;  // value -> how many times; split per 150 at flush
  };
  void arm_locked() REQUIRES(mu_);

  Environment& env_;
  MetricStore& store_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  Mutex mu_;
  // By (metric id, minute, unit).
  std::map<std::tuple<std::string, int64_t, std::string>, Pending> pending_ GUARDED_BY(mu_);
  bool armed_ GUARDED_BY(mu_) = false;
  bool stopped_ GUARDED_BY(mu_) = false;
};

}  // namespace nimbus::services::cloudwatch
