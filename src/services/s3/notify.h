// Notifier: bucket event notifications, sent where the bucket's
// NotificationConfiguration points (SQS queues, Lambda functions, SNS
// topics, through events::Targets), at least once.
//
// It listens to the engine's object events (Objects::on_event: after the
// object change is durable); for each destination that wants the event
// (type and key filters, config/notification.h) it stores the event record
// as a storage::Timers timer (namespace `s3.notify`, kind `n`, id
// `<time>-<n>/<configuration id>`, payload {target, body, first attempt,
// failures}) due at once, and the timer's handler delivers it. A target
// that is throttled or unavailable is retried, backing off from 1 s to
// 5 min, for up to 24 hours; one that will never take it (a deleted queue
// or function) drops the event (counted, logged). The window between the
// object's commit and its events' timers commit is not covered: a crash
// there loses the events (the README says so).
//
// Threads: the listener runs on the committer or a worker and never blocks;
// timers are handed out on the scheduler's thread and only call
// Targets::deliver, which never blocks. The destructor stops hand-outs and
// waits for running ones.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/gate.h"
#include "common/metrics.h"
#include "common/result.h"
#include "services/s3/objects.h"
#include "services/service.h"
#include "storage/timers.h"

namespace nimbus::services::s3 {

class Notifier {
 public:
  Notifier(Environment& env, Objects& objects);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Opens the stored deliveries (start-up); listens to the engine.
  Status start();

  // Queues `body` for `target` (durable when `done` runs ok).
  void queue(const std::string& target, const std::string& bucket, std::string configuration_id,
             std::string body, std::function<void(Status)> done);
  // Events stored and not yet delivered.
  size_t pending() const { return timers_ ? timers_->size() : 0; }

  // Delay before attempt n+1 after n retryable failures.
  static int64_t retry_delay_ms(int64_t failures);

 private:
  void on_event(const ObjectEvent& e);
  void on_timer(storage::DueTimer t, storage::Timers::Ack ack);

  Environment& env_;
  Objects& objects_;
  Counter& delivered_;
  Counter& retried_;
  Counter& dropped_;
  std::atomic<uint64_t> next_{0};
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<storage::Timers> timers_;
};

}  // namespace nimbus::services::s3
