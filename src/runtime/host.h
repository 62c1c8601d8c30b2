// The shared machinery every execution environment uses: the runtime event
// loop (one thread for all environments' Runtime API endpoints, log pipes,
// exit watches and timers), a small worker pool for process spawn and
// directory clean-up, the probed Isolation, and the installed bootstraps.
//
// Create one per server, at start-up (create() blocks: it probes the
// kernel). Callbacks of Environment and Pool run on loop(). The Host must
// outlive every Environment and Pool built on it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/worker_pool.h"
#include "runtime/isolation.h"
#include "runtime/spawn.h"
#include "runtime/types.h"

namespace nimbus::runtime {

class LogSink;

struct HostOptions {
  std::string state_dir;  // scratch space: bootstraps and one directory per environment
  IsolationWant isolation;
  unsigned spawn_threads = 2;
  // Longest init phase (bootstrap start → first /next); Lambda's is 10 s.
  std::chrono::milliseconds init_timeout{10'000};
  LogSink* log_sink = nullptr;  // may be null; must outlive the Host
  // An environment hands its log lines to log_sink at most once per this
  // (LogCapture); 0: at the end of every invocation.
  std::chrono::milliseconds log_batch_interval{0};
  // Time for log-line timestamps, Lambda-Runtime-Deadline-Ms and idle ages:
  // the server's clock, so the Logs service's retention and the lines agree.
  // Null: the machine's. Must outlive the Host.
  const Clock* clock = nullptr;
  std::string python;  // interpreter paths; empty = /usr/bin, then PATH
  std::string node;
  // The execution role's temporary credentials for each new environment
  // (types.h). Null: functions get no credentials at all.
  CredentialSource credentials;
  // With isolation.private_network: serves one connection a function made
  // to its AWS endpoint inside its namespace (a connected TCP socket, owned
  // by the callee from then on) as a connection to the server's endpoint.
  // Called on the runtime loop; must not block. Null: such connections are
  // closed.
  std::function<void(int fd)> serve_endpoint;
  // Sandboxes kept started and in their cgroup ahead of need (spawn.h):
  // a cold start skips the cgroup join. 0 turns them off.
  unsigned spare_sandboxes = 2;
};

// How to start one runtime: the command and what the sandbox must expose.
struct Launch {
  std::vector<std::string> argv;      // paths as seen inside the sandbox
  std::vector<std::string> extra_ro;  // host dirs to bind at the same path
  std::vector<std::string> env;       // runtime-specific NAME=value
  std::string execution_env;          // AWS_EXECUTION_ENV, empty for provided.*
};

// Where nimbus-init (the sandbox's PID 1) lies under a runtime directory.
inline std::string init_path(const std::string& runtime_root) {
  return runtime_root + "/nimbus-init";
}

class Host {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Host>> create(HostOptions options);
  ~Host();  // stops the loop; environments must be gone (Pool::shutdown)
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const HostOptions& options() const { return options_; }
  const Isolation& isolation() const { return isolation_; }
  // One line for the server's start-up log: which isolation applies here.
  std::string describe_isolation() const;

  boost::asio::io_context& loop() { return loop_; }
  bool on_loop() const { return std::this_thread::get_id() == loop_thread_.get_id(); }
  WorkerPool& workers() { return *workers_; }
  const Clock& clock() const { return options_.clock ? *options_.clock : system_clock_; }

  // Host paths of the installed bootstraps (bind-mounted at /var/runtime).
  std::string runtime_dir() const { return options_.state_dir + "/runtime"; }
  std::string env_root() const { return options_.state_dir + "/env"; }
  // Resolves a runtime identifier; errors are InvalidRuntimeException /
  // Runtime.InvalidEntrypoint as Lambda names them. `task_root`,
  // `runtime_root` and `opt_root` (the layers) are the paths the process
  // will see.
  Result<Launch> launch_for(const FunctionSpec& spec, const std::string& task_root,
                            const std::string& runtime_root, const std::string& opt_root) const;

  // Starts `plan` in a spare sandbox (moving its cgroup into `cgroup`) and
  // starts a replacement in the background; nullopt if none is ready.
  // Blocking: call it on a worker thread.
  std::optional<Result<Spawned>> spawn_in_spare(const SpawnPlan& plan, uint64_t limit_bytes,
                                                Cgroup& cgroup);
  size_t spare_sandboxes() const { return spares_ ? spares_->alive() : 0; }

  // Environments alive (started, not yet cleaned up): for leak checks.
  std::atomic<int>& live_environments() { return live_; }

  // The uid (and gid) of a new environment when isolation().switch_user:
  // from a random start, so that two servers on one machine rarely share one.
  uint32_t allocate_uid() { return kSandboxUidBase + uid_serial_.fetch_add(1) % kSandboxUids; }

 private:
  explicit Host(HostOptions options);
  Status install_bootstraps();
  void compile_python();  // blocking: on a worker

  HostOptions options_;
  SystemClock system_clock_;
  Isolation isolation_;
  std::string python_, node_;  // resolved real paths, "" when absent
  boost::asio::io_context loop_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      loop_.get_executor()};
  std::thread loop_thread_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<SpareSandboxes> spares_;
  std::atomic<int> live_{0};
  std::atomic<uint32_t> uid_serial_;
};

}  // namespace nimbus::runtime
