// AWS Lambda (model lambda/2015-03-31, restJson1): the control API, Invoke
// (sync, async, dry run), concurrency limits, the durable async queue with
// retries and destinations, per-function metrics. Functions run in the
// execution environments of src/runtime (Host + Pool), which this service
// owns. See README.md for what is implemented and how it differs from AWS.
//
// Threads: handlers run on the edge's event loops and never block: code is
// unpacked on env.workers, state changes commit asynchronously and answer from
// the commit callback, invocations answer from the runtime loop. The function
// table is guarded by mu_; concurrency counters are atomics.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/host.h"
#include "runtime/pool.h"
#include "services/lambda/function.h"
#include "services/lambda/log_bridge.h"
#include "services/service.h"

namespace nimbus::services::sqs {
class Queues;
}
namespace nimbus::events {
class Mappings;
}

namespace nimbus::services::lambda {

class AsyncQueue;
class CodeStore;

// Per-function counters and metric handles (shared by every version).
struct FunctionStats {
  std::atomic<int64_t> in_flight{0};
  Counter* invocations = nullptr;
  Counter* errors = nullptr;
  Counter* throttles = nullptr;
  Counter* dead_letter_errors = nullptr;
  Counter* async_dropped = nullptr;
  Histogram* duration = nullptr;
  Gauge* concurrent = nullptr;
};

// One invocation target after the qualifier (and alias weights) resolved.
struct Target {
  std::shared_ptr<const runtime::FunctionSpec> spec;
  std::string code;              // the version's code (CodeStore's SHA-256 hex)
  std::string executed_version;  // "$LATEST" or "N"
  std::string invoked_arn;       // as the caller qualified it
  std::string qualifier;         // as given ("" = $LATEST)
  std::shared_ptr<FunctionStats> stats;
  std::optional<int64_t> reserved;
  int64_t unreserved_cap = 0;  // account limit minus every function's reservation
  json::object event_config;   // the qualifier's FunctionEventInvokeConfig, or {}
  json::object dead_letter;    // DeadLetterConfig of the executed version
};

// Lambda's options. `nimbus serve --lambda-concurrency N --lambda-retry-delays
// MS,MS` reach it as Settings::service_options "lambda.concurrency" and
// "lambda.retry-delays" (from()); the rest are for tests.
struct LambdaOptions {
  int64_t account_concurrency = 1000;                        // the account's concurrency limit
  std::vector<int64_t> retry_delays_ms = {60'000, 120'000};  // after the 1st and 2nd failure
  // Code no version references is removed this long after a delete
  // or code update: past Lambda's 15-minute maximum timeout, so environments
  // still running the old code finish first. At start-up it is removed at once.
  int64_t code_gc_delay_ms = 16 * 60'000;
  runtime::Host* host = nullptr;  // tests share one Host; null = create our own
  runtime::PoolOptions pool;

  static LambdaOptions from(const Settings& settings);
};

class LambdaService final : public Service {
 public:
  // `logs` and `queues` may be null (lines dropped; SQS destinations refused).
  LambdaService(Environment& env, logs::LogWriter* logs, sqs::Queues* queues,
                LambdaOptions options = {});
  ~LambdaService() override;

  void begin_shutdown() override;

  // Resolves NAME + qualifier; ResourceNotFoundException when missing.
  Result<Target> resolve(const std::string& name, const std::string& qualifier);
  // Runs one invocation within the concurrency limits: TooManyRequestsException
  // (with the reason in the message) when throttled. `done` runs on the runtime loop.
  void run(Target target, runtime::InvokeRequest request,
           std::function<void(Result<runtime::InvokeResult>)> done);
  sqs::Queues* queues() const { return queues_; }
  Environment& env() { return env_; }
  const LambdaOptions& options() const { return options_; }
  std::string endpoint_url() const;
  int64_t unreserved_in_flight() const { return unreserved_in_flight_.load(); }

 private:
  friend class Handlers;
  // Handlers by area (functions.cc, versions.cc, settings.cc, invoke.cc).
  void add_function_handlers();
  void add_version_handlers();
  void add_settings_handlers();
  void add_invoke_handlers();
  void add_event_source_handlers();  // event_sources.cc
  void start_event_sources();
  void recover();
  // run() once the invocation is admitted and its code is unpacked.
  void start(Target target, runtime::InvokeRequest request,
             std::function<void(Result<runtime::InvokeResult>)> done);

  // mu_ held for all of these.
  Result<Target> resolve_locked(Function& f, const std::string& qualifier);
  std::shared_ptr<Function> find_locked(const std::string& name) const;
  void rebuild_spec(const Function& f, Version& v) const;
  std::shared_ptr<FunctionStats> stats_locked(const std::string& name);
  // Starts `n` environments for a qualifier's provisioned concurrency.
  void prewarm_locked(Function& f, const std::string& qualifier, int64_t n);
  // Commits the function's document (or its deletion) and answers `respond`
  // with `out` once durable. Called with mu_ held (keeps commit order).
  void persist_locked(const Function& f, Respond respond, json::object out);
  void erase_locked(const std::string& name, Respond respond);
  int64_t reserved_sum_locked() const;
  // Removes, after `delay_ms` (on env.workers), code directories nothing
  // references that were released before this call (call it after
  // CodeStore::released).
  void collect_code_later(int64_t delay_ms);
  std::string arn(const std::string& name) const;

  Environment& env_;
  logs::LogWriter* logs_;
  sqs::Queues* queues_;
  LambdaOptions options_;
  std::shared_ptr<CodeStore> code_;
  LogBridge bridge_;
  std::unique_ptr<runtime::Host> own_host_;
  runtime::Host* host_ = nullptr;
  std::unique_ptr<runtime::Pool> pool_;
  std::unique_ptr<AsyncQueue> async_;
  std::unique_ptr<events::Mappings> esm_;  // SQS event source mappings and their pollers

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Function>> functions_;   // guarded by mu_
  std::map<std::string, std::shared_ptr<FunctionStats>> stats_;  // guarded by mu_
  std::map<std::string, size_t> provisioned_ready_;              // guarded by mu_
  std::string endpoint_url_;                                     // guarded by mu_
  std::atomic<int64_t> unreserved_in_flight_{0};
  std::atomic<int64_t> account_in_flight_{0};
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  // Timer callbacks that read the service hold `mu` and check `alive`; the
  // destructor clears it under `mu` first, so none runs into a dying service
  // (the scheduler may outlive us: tests keep one for several services).
  // Worker tasks (code unpacking and collection touch storage) are counted
  // in `tasks`; the destructor waits for them (post_work()).
  struct Lifetime {
    std::mutex mu;
    std::condition_variable idle;
    bool alive = true;
    int tasks = 0;
  };
  // Runs `work` on env.workers, counted in life_->tasks.
  void post_work(std::function<void()> work);
  void post_work_locked(std::function<void()> work);  // life_->mu held
  std::shared_ptr<Lifetime> life_ = std::make_shared<Lifetime>();
};

}  // namespace nimbus::services::lambda
