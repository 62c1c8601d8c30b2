// The durable queue of asynchronous invocations (Lambda's InvocationType
// Event, and events delivered to a function target), with retries, maximum
// event age, and the on-success / on-failure destinations and dead-letter
// target of events/delivery.h's RetryPolicy.
//
// Durability: an event is committed to storage (namespace `Options::ns`, key
// NAME '/' seq) before enqueue() reports success, and leaves storage in the
// same batch that queues what comes after it (a destination record or a
// dead-letter message in the Outbox), so an accepted event survives kill -9
// and is dispatched again at start-up; at most the attempt that was running
// is repeated (at-least-once).
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
// Threads: enqueue() never blocks. Work runs on the storage committer,
// scheduler and the Functions' callback threads, all of it quick.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/gate.h"
#include "common/metrics.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "events/outbox.h"
#include "events/target.h"

namespace nimbus::storage {
class Storage;
}

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
    std::string ns = "lambda.async";  // storage namespace of queued events
    std::string outbox_ns = "lambda.async.out";
    int64_t recover_delay_ms = 100;  // first dispatch of recovered events
  };
  struct Deps {
    storage::Storage* storage;  // null: memory only
    Scheduler& scheduler;
    const Clock& clock;
    Metrics& metrics;
    const Targets& targets;
    Functions& functions;
  };

  // Reads the stored events and deliveries and schedules them.
  AsyncInvoke(Deps deps, Options options);
  ~AsyncInvoke();
  AsyncInvoke(const AsyncInvoke&) = delete;
  AsyncInvoke& operator=(const AsyncInvoke&) = delete;

  // Queues an invocation of NAME (+ qualifier) with `payload`; `done` once
  // it is durable (then it is dispatched).
  void enqueue(std::string name, std::string qualifier, std::string payload, std::string request_id,
               std::function<void(Status)> done);
  // Stops dispatching (server draining); stored events stay for the next start.
  void stop();
  int64_t pending() const { return pending_.load(); }  // events not yet finished

  struct Event;

 private:
  void dispatch(std::shared_ptr<Event> ev);
  void schedule(std::shared_ptr<Event> ev, int64_t delay_ms);
  void on_run(std::shared_ptr<Event> ev, const ResolvedFunction& fn, RunOutcome r);
  void finish(std::shared_ptr<Event> ev, const ResolvedFunction& fn, const std::string& condition,
              const RunOutcome* result);
  void persist(const Event& ev);
  void commit(storage::WriteBatch batch);
  Counter& counter(const char* name, const std::string& function, const char* help);

  Deps deps_;
  Options options_;
  Outbox outbox_;
  std::atomic<uint64_t> seq_{0};
  std::atomic<int64_t> pending_{0};
  std::shared_ptr<std::atomic<bool>> stopped_ = std::make_shared<std::atomic<bool>>(false);
  // Callbacks enter it before touching `this`; the destructor closes it.
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::events
