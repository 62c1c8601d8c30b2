// Lambda's engine: the state behind the API and how it is kept. The function
// table (configuration, versions, aliases, concurrency, async settings,
// policy, tags) and its persistence, function code (CodeStore), the
// execution environments (runtime Host + Pool), concurrency accounting and
// running one invocation. The handlers (lambda_service.h and the *.cc files
// by area) only read inputs, call the engine and shape answers.
//
// Locking: one mutex guards the table. Handlers reach a function through
// read() / change(), which take the lock, find the function (or answer
// ResourceNotFoundException) and call back with the lock held; inside such a
// callback only the *_locked methods may be called. Concurrency counters are
// atomics.
//
// Threads: nothing here blocks an event loop: code is unpacked and collected
// on env.workers, changes commit asynchronously and answer from the commit
// callback, invocations answer from the runtime loop. start() blocks (reads
// storage) and is called once before the first request.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/gate.h"
#include "common/mutex.h"
#include "runtime/host.h"
#include "runtime/pool.h"
#include "services/cloudwatch/api.h"
#include "services/lambda/code_links.h"
#include "services/lambda/function.h"
#include "services/lambda/layers.h"
#include "services/lambda/log_bridge.h"
#include "services/service.h"

namespace nimbus::services::s3 {
class ObjectReader;
}

namespace nimbus::services::lambda {

class CodeStore;

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
  // `--lambda-network none` ("lambda.network"): functions get a network
  // namespace each with nothing but nimbus's endpoint and their Runtime
  // API; start() fails when this machine cannot give one.
  bool no_network = false;

  static LambdaOptions from(const Settings& settings);
};

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
  std::string code;                 // the version's code (CodeStore's SHA-256 hex)
  std::vector<std::string> layers;  // its layers' codes, in order
  std::string executed_version;     // "$LATEST" or "N"
  std::string invoked_arn;          // as the caller qualified it
  std::string qualifier;            // as given ("" = $LATEST)
  std::shared_ptr<FunctionStats> stats;
  std::optional<int64_t> reserved;
  int64_t unreserved_cap = 0;  // account limit minus every function's reservation
  json::object event_config;   // the qualifier's FunctionEventInvokeConfig, or {}
  json::object dead_letter;    // DeadLetterConfig of the executed version
};

using FunctionTable = std::map<std::string, std::shared_ptr<Function>>;

class Engine {
 public:
  // `logs` may be null (function output is dropped).
  Engine(Environment& env, logs::LogWriter* logs, LambdaOptions options);
  ~Engine();  // shutdown()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Reads the code records and the functions, pre-warms provisioned
  // concurrency and schedules the start-up code collection. An error (a
  // storage read that failed) means the state is incomplete: do not serve.
  Status start();
  // Waits for the engine's worker tasks and timers, then ends every
  // environment. Idempotent.
  void shutdown();

  // AWS/Lambda metrics go to `metrics` (CloudWatch's publisher; null:
  // none). Set before serving.
  void use_metrics(cloudwatch::MetricPublisher* metrics) { metrics_ = metrics; }
  cloudwatch::MetricPublisher* metrics() const { return metrics_; }

  Environment& env() { return env_; }
  const LambdaOptions& options() const { return options_; }
  std::string arn(const std::string& name) const;
  std::string endpoint_url() const;
  // Remembers how clients address nimbus (AWS_ENDPOINT_URL for functions).
  void note_endpoint(const std::string& url);
  int64_t unreserved_in_flight() const { return unreserved_in_flight_.load(); }
  // Where functions' execution-role credentials come from (IAM, once it
  // mints them). Until one is set, functions get no credentials: the
  // server's own key pair is never handed to a function.
  void set_role_credentials(runtime::CredentialSource source);
  // Whether a function may name `role` (credentials.h); until one is set,
  // any role is accepted.
  using RoleCheck = std::function<Status(const std::string& role)>;
  void set_role_check(RoleCheck check);
  // Where connections functions make to nimbus's endpoint inside their own
  // network namespace (no_network) are served: the server's edge, which
  // owns each socket from then on. Set before start(); until then they are
  // closed.
  void serve_endpoint_with(std::function<void(int fd)> serve);
  Status check_role(const std::string& role) const;

  // --- Functions (the lock is held while `fn` runs) ---
  // `fn` sees the function NAME; ResourceNotFoundException when missing.
  Output read(const std::string& name, const std::function<Output(const Function&)>& fn) const;
  // `fn` changes the function; its output is answered once the function's
  // document is durable. When `fn` fails nothing is stored, so it must fail
  // before it changes anything.
  void change(const std::string& name, const std::function<Output(Function&)>& fn, Respond respond);
  // Every function, in name order.
  Output read_all(const std::function<Output(const FunctionTable&)>& fn) const;

  // Where code named by S3Bucket / S3Key is read from (S3, in-process);
  // until one is set such code is refused. Set before serving.
  void use_code_objects(s3::ObjectReader& objects) { code_objects_ = &objects; }
  // The zip a FunctionCode (CreateFunction's Code, or UpdateFunctionCode's
  // input) names: ZipFile, or the S3 object S3Bucket / S3Key (at
  // S3ObjectVersion) (code_source.cc). `done` runs once: inline for a
  // ZipFile or an input error, on a worker for an S3 object, with Lambda's
  // InvalidParameterValueException naming S3's error when the read fails.
  // Dropped (never called) once shutdown() began.
  void code_zip(const json::object& code, std::function<void(Result<std::string>)> done);

  // CreateFunction once the input is checked: unpacks and stores `zip`
  // (on a worker), then registers the function built from `config`.
  // `layers`: the codes of config's Layers (function_layers.h).
  void create(const std::string& name, json::object config, std::vector<std::string> layers,
              std::string zip, json::object tags, bool publish, Respond respond);
  // UpdateFunctionCode: as create, then swaps $LATEST's code (RevisionId,
  // DryRun and Publish from `in`).
  void update_code(const std::string& name, std::string zip, json::object in, Respond respond);
  // DeleteFunction: the whole function, or one published version.
  void remove(const std::string& name, const std::string& qualifier, Respond respond);

  // Download links for stored code (Code.Location, Content.Location) and
  // their answers (code_download.cc).
  const CodeLinks& links() const { return links_; }
  // Blocking (worker): the stored zip of code `sha`; NoSuchKey when no blob
  // holds it.
  Result<std::shared_ptr<http::BodySource>> code_body(const std::string& sha);
  // Answers `reply` with that zip from a worker (S3's 404 / 503 errors).
  void serve_code(const std::string& sha, std::function<void(http::Response)> reply);

  // --- Layers (layers.h; handlers in layer_handlers.cc) ---
  Layers& layers() { return *layers_; }
  const Layers& layers() const { return *layers_; }
  // PublishLayerVersion once the input is checked: unpacks and stores `zip`
  // (on a worker) as CodeStore code, then records the next version of
  // `name` from `version` (Content gets CodeSha256 and CodeSize; `fill`
  // adds the number and ARN).
  void publish_layer(const std::string& name, json::object version, std::string zip,
                     std::function<void(json::object&, int64_t)> fill, Respond respond);
  // DeleteLayerVersion: removes the version (nothing when it does not
  // exist) and releases its code.
  void delete_layer_version(const std::string& name, int64_t version, Respond respond);

  // --- Inside read() / change() only ---
  // Publishes $LATEST as the next version (or returns the newest version
  // when nothing changed since it); answers its configuration.
  json::object publish_locked(Function& f, const std::string& description);
  // $LATEST's configuration changed: rebuild its spec, retire its environments.
  void reconfigured_locked(Function& f);
  // $LATEST now runs with the layer codes `layers` (UpdateFunctionConfiguration
  // Layers); the ones it leaves are released for collection.
  void set_layers_locked(Function& f, std::vector<std::string> layers);
  void prewarm_locked(Function& f, const std::string& qualifier, int64_t n);
  void unprovision_locked(const std::string& name, const std::string& qualifier);
  size_t provisioned_ready_locked(const std::string& name, const std::string& qualifier) const;
  int64_t reserved_sum_locked() const;

  // --- Invocations (for Invoke, the async queue and event source mappings) ---
  // Resolves NAME + qualifier; ResourceNotFoundException when missing.
  Result<Target> resolve(const std::string& name, const std::string& qualifier);
  // Runs one invocation within the concurrency limits: TooManyRequestsException
  // (with the reason in the message) when throttled. `done` runs on the runtime
  // loop (or a worker when the code had to be unpacked first).
  void run(Target target, runtime::InvokeRequest request,
           std::function<void(Result<runtime::InvokeResult>)> done);

 private:
  Result<Target> resolve_locked(Function& f, const std::string& qualifier);
  std::shared_ptr<Function> find_locked(const std::string& name) const;
  void rebuild_spec(const Function& f, Version& v) const;
  // `v` stops using its code (when `code`) and layers: collection may take
  // them once nothing else references them.
  void release_locked(const Version& v, bool code = true);
  std::shared_ptr<FunctionStats> stats_locked(const std::string& name);
  // Commits the function's document (or its deletion) and answers `respond`
  // with `out` once durable. Called with mu_ held (keeps commit order).
  void persist_locked(const Function& f, Respond respond, json::object out);
  void erase_locked(const std::string& name, Respond respond);
  // run() once the invocation is admitted and its code is unpacked.
  void start_invoke(Target target, runtime::InvokeRequest request,
                    std::function<void(Result<runtime::InvokeResult>)> done);
  // Removes, after `delay_ms` (on env.workers), code nothing references
  // that was released before this call (call it after CodeStore::released).
  void collect_code_later(int64_t delay_ms);
  // Runs `work` on env.workers inside gate_, so shutdown() waits for it;
  // dropped once shutdown() began.
  void post_work(std::function<void()> work);

  Environment& env_;
  LambdaOptions options_;
  std::shared_ptr<CodeStore> code_;
  CodeLinks links_;
  std::unique_ptr<Layers> layers_;
  s3::ObjectReader* code_objects_ = nullptr;        // set before serving
  cloudwatch::MetricPublisher* metrics_ = nullptr;  // set before serving
  LogBridge bridge_;
  std::unique_ptr<runtime::Host> own_host_;
  runtime::Host* host_ = nullptr;
  std::string host_error_;  // why own_host_ could not be created

  Mutex endpoint_mu_;
  std::function<void(int)> serve_endpoint_ GUARDED_BY(endpoint_mu_);
  std::unique_ptr<runtime::Pool> pool_;

  mutable std::mutex credentials_mu_;
  runtime::CredentialSource role_credentials_;  // guarded by credentials_mu_
  RoleCheck role_check_;                        // guarded by credentials_mu_

  mutable std::mutex mu_;
  FunctionTable functions_;                                      // guarded by mu_
  std::map<std::string, std::shared_ptr<FunctionStats>> stats_;  // guarded by mu_
  std::map<std::string, size_t> provisioned_ready_;              // guarded by mu_
  std::string endpoint_url_;                                     // guarded by mu_
  std::atomic<int64_t> unreserved_in_flight_{0};
  // Worker tasks and timer callbacks that use the engine enter it (timers
  // when they fire: the scheduler and workers outlive us, and tests keep
  // them for several services); shutdown() closes it, waiting for work
  // inside, so none runs into a dying engine. Pool callbacks (on the runtime
  // loop) check it too: after shutdown() they leave the counters alone.
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::services::lambda
