// The durable queue of asynchronous invocations (Lambda's InvocationType
// Event, and events delivered to a function target), with retries, maximum
// event age, and the on-success / on-failure destinations and dead-letter
// target of events/delivery.h's RetryPolicy.
//
// Storage (README.md, "Durability"):
//  - accepted events are appended to a storage::Log, one partition per
//    function name (Options::log_ns); enqueue() reports success once the
//    append is durable. A partition is trimmed up to its oldest event still
//    being attempted for the first time.
//  - an event that must wait (a retry after a function error, a backoff
//    after a throttle) moves to a storage::Timers timer of kind "retry"
//    (Options::timers_ns), id PARTITION/SEQ, payload the event with its
//    counts; it leaves the log once the timer is durable.
//  - a finished event's destination record or dead-letter message becomes a
//    timer of kind "deliver" due at once, retried with backoff while the
//    target is throttled, unavailable or not bound yet (six hours at most);
//    the event leaves its log record or retry timer once that is durable.
// So an accepted event is always in the log or a timer, and kill -9 at any
// point loses nothing: at start-up the log is read again and the timers
// fire. At most the attempt or delivery that was running is repeated
// (at-least-once, as on AWS).
//
// Per event, each attempt resolves the function again (Functions::resolve;
// it may have been updated or deleted), then:
//  - older than the policy's max age: fails with "EventAgeExceeded";
//  - function error: retried after retry_delay_ms(n) up to max_retries, then
//    fails with "RetriesExhausted";
//  - throttled (or no environment could run it): backs off (backoff_ms),
//    bounded only by the age;
//  - success: "Success".
// Success goes to on_success; failure to on_failure, else to dead_letter,
// else it is dropped (counted). A function that no longer resolves drops its
// events.
//
// Time: ages and record timestamps come from Deps::clock, due times of the
// timers from the Scheduler's clock, which wakes them. The server has one
// clock for both; tests use one SimulatedClock (or age events on a second).
//
// Threads: enqueue() never blocks. Work runs on the storage committer, the
// scheduler, the worker pool (timer handlers) and the Functions' callback
// threads, all of it quick. start() reads storage: start-up only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/gate.h"
#include "common/metrics.h"
#include "common/mutex.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "common/worker_pool.h"
#include "events/delivery.h"
#include "events/stored_delivery.h"
#include "events/target.h"
#include "events/target_queue.h"
#include "storage/log.h"
#include "storage/timers.h"

namespace nimbus::events {

// One attempt's result.
struct RunOutcome {
  enum class Kind { kOk, kFunctionError, kThrottled };
  Kind kind = Kind::kOk;
  std::string payload;  // the function's response (kOk, kFunctionError)
};

// A function as one attempt sees it.
struct ResolvedFunction {
  std::string function_arn;      // unqualified
  std::string executed_version;  // "$LATEST" or "N"
  // The execution role destination records and dead-letter messages are
  // sent as (set_role_check); "" not checked.
  std::string role_arn;
  RetryPolicy policy;
  // Runs the function once; `done` from any thread.
  std::function<void(std::string request_id, std::string payload,
                     std::function<void(RunOutcome)> done)>
      run;
};

// What the queue needs from the service that owns the functions (Lambda).
class Functions {
 public:
  virtual ~Functions() = default;
  // nullopt when NAME + qualifier no longer names a function.
  virtual std::optional<ResolvedFunction> resolve(const std::string& name,
                                                  const std::string& qualifier) = 0;
};

class AsyncInvoke {
 public:
  struct Options {
    std::string log_ns = "lambda.async.log";        // accepted events
    std::string timers_ns = "lambda.async.timers";  // retries and deliveries
    // Records of data dirs written before the log: moved to timers by start().
    std::string legacy_ns = "lambda.async";
    std::string legacy_outbox_ns = "lambda.async.out";
    int64_t recover_delay_ms = 100;  // first dispatch of events read from the log
    // How destination records and dead-letter messages are retried when the
    // target is throttled, unavailable or not bound yet.
    int64_t delivery_backoff_initial_ms = 1'000;
    int64_t delivery_backoff_max_ms = 300'000;
    int64_t delivery_max_age_ms = 6 * 3600 * 1000;
  };
  struct Deps {
    storage::Storage& storage;
    WorkerPool& workers;  // runs timer handlers
    Scheduler& scheduler;
    const Clock& clock;
    Metrics& metrics;
    const Targets& targets;
    Functions& functions;
  };

  AsyncInvoke(Deps deps, Options options);
  ~AsyncInvoke();
  AsyncInvoke(const AsyncInvoke&) = delete;
  AsyncInvoke& operator=(const AsyncInvoke&) = delete;

  // Opens the log and timers, moves legacy records, and dispatches what is
  // stored. Blocking (start-up). An error means stored events cannot be read.
  Status start();

  // Queues an invocation of NAME (+ qualifier) with `payload`; `done` once
  // it is durable (then it is dispatched). Fails (unavailable) before start().
  void enqueue(std::string name, std::string qualifier, std::string payload, std::string request_id,
               std::function<void(Status)> done);
  // Stops dispatching and delivering (server draining); what is stored stays
  // for the next start.
  void stop();
  // Decides whether a function's role may send its record to the
  // destination (or its message to the dead-letter target): as on AWS, a
  // refused one is not sent, and counted as a failed delivery. Set once,
  // before start(); unset: every one is sent.
  void set_role_check(RoleCheck check) { role_check_ = std::move(check); }
  // Events being attempted now (not those waiting in a retry timer).
  int64_t pending() const { return pending_.load(); }
  // Timers stored: events waiting for a retry and deliveries not yet made.
  size_t waiting() const;

  struct Event;

 private:
  Status migrate_legacy();
  Status recover_log();
  void dispatch(std::shared_ptr<Event> ev);
  void on_run(std::shared_ptr<Event> ev, const ResolvedFunction& fn, RunOutcome r);
  void finish(std::shared_ptr<Event> ev, const ResolvedFunction& fn, const std::string& condition,
              const RunOutcome* result);
  // Moves the event to a retry timer due in `delay_ms`.
  void park(std::shared_ptr<Event> ev, int64_t delay_ms);
  // The event is stored elsewhere now (or done): drops its log record or
  // acknowledges its timer.
  void leave(const Event& ev);
  // The callback of the timer write that moves `ev` on: leave() once it is
  // durable; else log (`doing` names the step) and fail the event's ack. The
  // event stays where it was: a timer hands it out again; a log record waits
  // for the next start (storage refuses writes until then).
  storage::Timers::Done left_once_stored(std::shared_ptr<Event> ev, const char* doing);
  void release_log(const std::string& partition, uint64_t seq);
  void on_retry_timer(storage::DueTimer t, storage::Timers::Ack ack);
  void on_deliver_timer(storage::DueTimer t, storage::Timers::Ack ack);
  void delivery_failed(const StoredDelivery& d);
  Counter& counter(const char* name, const std::string& function, const char* help);

  // Per log partition: the events read or appended and not yet moved on.
  struct Partition {
    std::set<uint64_t> open;
    uint64_t last_seen = 0;  // highest sequence taken into `open`
    uint64_t trimmed_to = 0;
  };

  Deps deps_;
  Options options_;
  RoleCheck role_check_;
  std::unique_ptr<storage::Log> log_;
  std::unique_ptr<storage::Timers> timers_;
  std::atomic<int64_t> pending_{0};
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  mutable Mutex mu_;
  std::map<std::string, Partition> partitions_ GUARDED_BY(mu_);
  // Callbacks (commits, timers, function runs, deliveries) enter it before
  // touching `this`; the destructor closes it (docs/threading.md).
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::events
