// The durable queue behind InvocationType=Event. An event is committed to
// storage (namespace "lambda.async", key NAME '/' seq) before Invoke answers
// 202, and deleted only once it has succeeded, been delivered to a
// destination / dead-letter target, or been dropped; so queued events survive
// kill -9 and are dispatched again at start-up.
//
// Per event: run it within the concurrency limits; on a function error retry
// up to MaximumRetryAttempts (default 2) after the configured delays (Lambda's
// ~1 then ~2 minutes by default); on a throttle retry with exponential backoff
// (1 s doubling, at most 5 min) until MaximumEventAgeInSeconds (default 6 h).
// Then OnSuccess / OnFailure destinations, else the version's
// DeadLetterConfig, else it is dropped and AsyncEventsDropped counted.
//
// Threads: enqueue() never blocks. Work runs on the storage committer,
// scheduler and runtime loop threads, all of it quick.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/types.h"
#include "services/lambda/lambda_service.h"
#include "services/sqs/types.h"

namespace nimbus::services::lambda {

class AsyncQueue {
 public:
  explicit AsyncQueue(LambdaService& service);  // recovers and schedules stored events
  ~AsyncQueue();
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  void enqueue(const Target& target, std::string name, std::string qualifier, std::string payload,
               std::string request_id, std::function<void(Status)> done);
  // Stops dispatching (server draining); stored events stay for the next start.
  void stop() { stopped_->store(true); }
  int64_t pending() const { return pending_.load(); }

  struct Event;

 private:
  void dispatch(std::shared_ptr<Event> ev);
  void schedule(std::shared_ptr<Event> ev, int64_t delay_ms);
  void on_result(std::shared_ptr<Event> ev, Target target, Result<runtime::InvokeResult> r);
  void finish(std::shared_ptr<Event> ev, const Target* target, const std::string& condition,
              const runtime::InvokeResult* result);
  void deliver(const std::string& arn, std::string body, std::shared_ptr<FunctionStats> stats,
               std::vector<sqs::MessageAttribute> attributes = {});
  void persist(const Event& ev);
  void remove(const Event& ev);

  LambdaService& s_;
  std::atomic<uint64_t> seq_{0};
  std::atomic<int64_t> pending_{0};
  std::shared_ptr<std::atomic<bool>> stopped_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace nimbus::services::lambda
