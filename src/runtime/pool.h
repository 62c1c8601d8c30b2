// Warm environments per function version: LIFO reuse (the most recently
// used environment is the warmest), idle reclaim, pre-warming for
// provisioned concurrency, and counters the Lambda service uses for its
// concurrency limits (it decides; the pool only counts and reports).
//
// Scale-up: a request that finds no idle environment waits in its
// function's queue (FIFO); the first environment to be free — one finishing
// its invocation or a new one finishing its init — takes the oldest waiting
// request. New environments start in parallel, one for each waiting request
// that a busy environment would not reach before a new one could be ready
// (from the function's average run and init times), for every waiting
// request when none is busy or no run has been timed yet, and for any
// request that has waited longer than an init: a burst against a slow
// function starts an environment per request, as Lambda scales, while a
// fast one is served by the environments it has instead of paying for cold
// starts (and for that many cold caches and JITs) on shared cores.
// Environments that become ready after their queue emptied stay idle as
// warm spares. An init failure answers the oldest waiting request.
//
// Threading: every method may be called from any thread and never blocks
// (except shutdown()); callbacks run on the Host's loop and must not block.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/environment.h"
#include "runtime/types.h"

namespace nimbus::runtime {

class Host;

struct PoolOptions {
  std::chrono::milliseconds idle_timeout{5 * 60'000};  // reclaim after this long unused
  std::chrono::milliseconds reclaim_interval{10'000};
  size_t max_idle_per_function = 64;
  // A function's init time until one has been measured (scale-up above).
  std::chrono::milliseconds assumed_init{100};
  // Makes each new environment; null: Environment::create (tests put fakes here).
  std::function<std::shared_ptr<Environment>(Host&, std::shared_ptr<const FunctionSpec>)>
      make_environment;
};

// Hooks for metrics and concurrency accounting. Called on the Host's loop.
class PoolObserver {
 public:
  virtual ~PoolObserver() = default;
  virtual void on_invoke_start(const FunctionSpec&, bool cold) {}
  virtual void on_invoke_end(const FunctionSpec&, const InvokeResult&) {}
  virtual void on_environment_created(const FunctionSpec&) {}
  virtual void on_environment_ended(const FunctionSpec&) {}
};

struct PoolStats {
  size_t idle = 0;
  size_t busy = 0;
  size_t starting = 0;  // environments in their init phase
  size_t waiting = 0;   // requests queued for an environment
  uint64_t cold_starts = 0;
  uint64_t warm_starts = 0;
};

class Pool {
 public:
  Pool(Host& host, PoolOptions options = {}, PoolObserver* observer = nullptr);
  ~Pool();  // shutdown()

  // Runs one invocation on a warm environment of this spec's pool_key(), or
  // a new one. `done` gets exactly one result.
  void invoke(std::shared_ptr<const FunctionSpec> spec, InvokeRequest request,
              std::function<void(InvokeResult)> done);
  // Starts `count` environments and keeps them idle (provisioned concurrency).
  void prewarm(std::shared_ptr<const FunctionSpec> spec, size_t count,
               std::function<void(size_t ready)> done);
  // Kills the idle environments of one function version (code or
  // configuration changed, function deleted). Busy ones end after their run.
  void retire(const std::string& pool_key);
  void reclaim_idle_now();

  // Concurrency counters, readable from any thread.
  size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  PoolStats stats(const std::string& pool_key) const;  // blocks briefly on the loop

  // Kills every environment and waits until all are cleaned up. Call from
  // off the loop (for example at server shutdown).
  void shutdown();

 private:
  struct Entry {
    std::shared_ptr<Environment> env;
    std::chrono::nanoseconds idle_since;  // host clock's monotonic()
  };
  struct Waiting {
    std::shared_ptr<const FunctionSpec> spec;
    InvokeRequest request;
    std::function<void(InvokeResult)> done;
    std::chrono::nanoseconds since{};  // host clock's monotonic()
  };
  struct Function {
    std::vector<Entry> idle;    // back() is the most recently used
    std::deque<Waiting> queue;  // front() waited longest
    size_t busy = 0;
    size_t starting = 0;
    uint64_t cold = 0, warm = 0;
    // Moving averages (1/8 weight to each new sample) of how long an
    // environment is taken by one invocation and by its init.
    std::chrono::nanoseconds run_avg{0}, init_avg{0};
    uint64_t runs = 0, inits = 0;
    std::chrono::nanoseconds watchdog_at{0};  // when the scale-up timer fires; 0: not armed
  };
  struct Shared;  // loop-owned state, shared with pending callbacks

  void schedule_reclaim();
  std::shared_ptr<Environment> make_environment(std::shared_ptr<const FunctionSpec> spec);
  // Not dead, and its credentials outlast an invocation of `spec`.
  bool reusable_for(const Environment& env, const FunctionSpec& spec) const;
  // On the loop: runs `w` on `env` (`first`: the environment's first
  // invocation since it was started for the queue).
  void run(const std::string& key, std::shared_ptr<Environment> env, Waiting w, bool first);
  // On the loop: starts the environments `key`'s queue needs now, and arms
  // the timer for the next waiting request's init-time limit.
  void scale_up(const std::string& key);
  void arm_watchdog(const std::string& key, std::chrono::nanoseconds at);
  // On the loop: starts one environment for `key`'s queue.
  void start_for_queue(const std::string& key, std::shared_ptr<const FunctionSpec> spec);
  // On the loop: `env` is free (reusable): the oldest waiting request runs
  // on it, or it goes idle. Returns false when it was not kept.
  bool hand_on(const std::string& key, std::shared_ptr<Environment> env);

  Host& host_;
  PoolOptions options_;
  PoolObserver* observer_;
  std::shared_ptr<Shared> shared_;
  std::atomic<size_t> in_flight_{0};
};

}  // namespace nimbus::runtime
