// Lambda's side of asynchronous invocation. The queue itself, with its
// durability, retries, maximum event age, destinations and dead-letter
// target, is events::AsyncInvoke (events/async_invoke.h); this class runs it
// on this service's functions: each attempt resolves the function and reads
// its FunctionEventInvokeConfig (MaximumRetryAttempts, default 2;
// MaximumEventAgeInSeconds, default 6 h; DestinationConfig) and the executed
// version's DeadLetterConfig into an events::RetryPolicy, with the retry
// delays of LambdaOptions (Lambda's ~1 then ~2 minutes).
//
// Deliveries to functions, versions and aliases (the "lambda" target of
// target.cc, which LambdaService binds) queue asynchronous invocations here,
// so destinations, SNS subscriptions and rules reach Lambda without knowing
// it.
//
// Threads: enqueue() never blocks; see events/async_invoke.h.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "events/async_invoke.h"
#include "services/lambda/lambda_service.h"

namespace nimbus::services::lambda {

class AsyncQueue {
 public:
  explicit AsyncQueue(LambdaService& service);
  ~AsyncQueue();
  // Recovers and schedules stored events.
  // Blocking: start-up.
  Status start();
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  void enqueue(const Target& target, std::string name, std::string qualifier, std::string payload,
               std::string request_id, std::function<void(Status)> done);
  // Queues a delivery to the function `name` (resolved by the caller) as an
  // asynchronous invocation with the delivery's body as its event.
  void deliver(std::string name, std::string qualifier, events::Delivery d,
               events::DeliverDone done);
  // Stops dispatching (server draining); stored events stay for the next start.
  void stop() {
    if (queue_) queue_->stop();
  }
  int64_t pending() const { return queue_ ? queue_->pending() : 0; }
  // Destinations and dead-letter targets are sent to as the function's
  // execution role when `check` allows it (events::AsyncInvoke::set_role_check).
  void set_role_check(events::RoleCheck check) {
    if (queue_) queue_->set_role_check(std::move(check));
  }

 private:
  class Functions;
  LambdaService& s_;
  std::unique_ptr<Functions> functions_;
  std::unique_ptr<events::AsyncInvoke> queue_;
};

// The "lambda" delivery target over `queue` (target.cc).
std::unique_ptr<events::Target> make_target(
    LambdaService& service, std::function<void(std::string name, std::string qualifier,
                                               events::Delivery d, events::DeliverDone done)>
                                enqueue);

}  // namespace nimbus::services::lambda
