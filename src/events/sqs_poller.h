// The pollers of one SQS event source mapping: long-poll the queue
// in-process (the QueueSource bound for the queue's ARN, never HTTP), gather a batch, drop and
// delete what no filter matches, invoke the function with the SQS event, then delete what
// succeeded. What Lambda does for SQS sources, simplified where AWS leaves it
// unspecified (see README.md, "SQS poller"):
//
//  - batch: up to BatchSize messages (receives of at most 10), or as many as
//    arrived when MaximumBatchingWindowInSeconds ends; window 0 invokes as
//    soon as a receive returns messages.
//  - outcome: success deletes the batch; a function error deletes nothing
//    (the messages come back after the visibility timeout and reach the
//    queue's DLQ through SQS's own redrive); with ReportBatchItemFailures
//    every message but the listed ones is deleted (an invalid response fails
//    the whole batch; on FIFO queues the failed message's later messages of
//    the same group are kept too). A throttle backs the poller off (1 s,
//    doubling, at most 30 s) and deletes nothing.
//  - scaling: each poller runs one batch at a time. Start with
//    min(5, cap) pollers; a receive that returns a full 10 adds one (up to
//    the cap, ScalingConfig.MaximumConcurrency or 1000); a long poll that
//    ends empty retires one down to the starting number.
//
// Threads: nothing blocks. Work runs in the callbacks of Queues (committer,
// scheduler, or the caller's thread), of the invoker (the runtime loop) and
// of the Scheduler, all of it quick. stop() may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/scheduler.h"
#include "events/pattern.h"
#include "events/source.h"
#include "events/target.h"

namespace nimbus::events {

// What running the function with one batch came to.
struct InvokeOutcome {
  enum class Kind { kOk, kFunctionError, kThrottled, kUnavailable };
  InvokeOutcome() = default;
  InvokeOutcome(Kind k, std::string p, std::string id = {})
      : kind(k), payload(std::move(p)), request_id(std::move(id)) {}
  Kind kind = Kind::kOk;
  std::string payload;     // kOk: the function's response; otherwise a reason
  std::string request_id;  // the invocation's, when the function ran
};
// Runs the mapping's function once with `payload`; `done` from any thread.
using Invoke = std::function<void(std::string payload, std::function<void(InvokeOutcome)> done)>;

struct SqsPollerConfig {
  std::string uuid;
  std::string queue_arn;
  std::string region;
  int batch_size = 10;
  int window_seconds = 0;
  bool report_failures = false;
  std::vector<EventPattern> filters;  // empty: every message
  int max_concurrency = 1000;         // pollers (and so concurrent batches) at most
  int wait_seconds = 20;              // long poll of one receive
};

struct PollerCounters {
  Counter* batches = nullptr;   // invocations made
  Counter* records = nullptr;   // messages handed to the function
  Counter* failures = nullptr;  // messages whose invocation failed (kept for a retry)
  Counter* filtered = nullptr;  // messages no filter matched (deleted)
  // Stream mappings: Lambda's IteratorAge, the age (now - its
  // ApproximateArrivalTimestamp, in ms) of the last record of the last batch
  // handed to the function.
  Gauge* iterator_age_ms = nullptr;
  // The same age, for Lambda's AWS/Lambda IteratorAge metric; may be null.
  std::function<void(int64_t age_ms)> iterator_age = nullptr;
};

class SqsPoller : public std::enable_shared_from_this<SqsPoller> {
 public:
  struct Deps {
    const Targets& targets;  // the queue's QueueSource, looked up at each call
    Scheduler& scheduler;
    const Clock& clock;
    Invoke invoke;
    PollerCounters counters;
    // Whether the mapping may read the queue now (its function's execution
    // role allows it under --iam enforce); checked before each receive
    // that starts a batch. A refusal is LastProcessingResult "PROBLEM:
    // <message>" and a retry 5 s later. Null: always.
    std::function<Status()> may_receive;
  };

  // Starts the pollers. Keep the returned pointer; stop() ends them.
  static std::shared_ptr<SqsPoller> start(Deps deps, SqsPollerConfig config);

  // Takes effect at each poller's next receive (the cap: as pollers retire
  // or grow).
  void reconfigure(SqsPollerConfig config);
  // No further receives; waiting long polls are answered now. Batches already
  // received and not yet invoked are made visible again; batches in flight
  // still delete what succeeded. Idempotent.
  void stop();
  // Server shutdown: from now on nothing touches the queue source (it may
  // be destroyed first); in-flight batches become visible when their timeout ends.
  void detach();

  int pollers() const { return lanes_.load(); }
  // Lambda's LastProcessingResult: "No records processed", "OK",
  // "PROBLEM: Function call failed", ...
  std::string last_result() const;

  struct Lane;
  SqsPoller(Deps deps, SqsPollerConfig config, uint64_t owner);

 private:
  std::shared_ptr<const SqsPollerConfig> config() const;
  void poll(std::shared_ptr<Lane> lane);
  void poll_later(std::shared_ptr<Lane> lane, int64_t delay_ms);
  void on_received(std::shared_ptr<Lane> lane, int asked, std::vector<QueueMessage> got);
  void on_missing(std::shared_ptr<Lane> lane);  // no such queue (or no source bound)
  void invoke(std::shared_ptr<Lane> lane);
  void on_invoked(std::shared_ptr<Lane> lane, std::vector<QueueMessage> batch,
                  InvokeOutcome outcome);
  void remove(std::vector<std::string> handles);
  // Runs f(QueueSource&) for the queue; false when no source is bound.
  template <typename F>
  bool with_source(F&& f) const;
  void set_result(std::string text);

  Deps deps_;
  const uint64_t owner_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> detached_{false};
  std::atomic<int> lanes_{0};
  mutable std::mutex mu_;
  std::shared_ptr<const SqsPollerConfig> config_;     // guarded by mu_
  std::string last_result_ = "No records processed";  // guarded by mu_
};

}  // namespace nimbus::events
