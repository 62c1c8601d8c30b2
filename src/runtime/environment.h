// One execution environment: a sandboxed runtime process, its Runtime API
// endpoint, its log pipe, its memory cgroup and scratch directory.
//
// Lifecycle: create() → start() (optional; invoke() starts a new environment
// itself, as a cold start) → invoke() any number of times, one at a time →
// kill(). A timeout, out-of-memory kill, crash or init failure ends the
// environment: it reports dead() and the next invocation needs a new one.
//
// Threading: every public method may be called from any thread; the work is
// posted to the Host's loop, where all state lives, and every callback runs
// on that loop (it must not block). The object keeps itself alive until its
// process is reaped and its resources are released, even if the caller drops
// its shared_ptr; kill() and Host::live_environments() make that observable.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "runtime/types.h"

namespace nimbus::runtime {

class Host;

class Environment {
 public:
  using InvokeDone = std::function<void(InvokeResult)>;
  using ReadyDone = std::function<void(InvokeResult)>;  // status kOk when initialised

  static std::shared_ptr<Environment> create(Host& host, std::shared_ptr<const FunctionSpec> spec);
  virtual ~Environment() = default;

  // Spawns the runtime and waits for its first /next (pre-warming).
  virtual void start(ReadyDone done) = 0;
  // Runs one invocation (starting the process first if needed). Calling it
  // while another invocation runs answers kInternal.
  virtual void invoke(InvokeRequest request, InvokeDone done) = 0;
  // Kills the process tree and releases everything; an invocation in flight
  // completes with kExitError. Idempotent.
  virtual void kill() = 0;

  // Readable from any thread (relaxed snapshots).
  virtual bool dead() const = 0;
  virtual bool busy() const = 0;
  virtual const FunctionSpec& spec() const = 0;
  virtual const std::string& log_stream() const = 0;
  virtual int pid() const = 0;  // host PID, -1 before spawn / after exit
  // When the credentials in its environment expire (the epoch: none, or
  // they never do). The pool does not reuse an environment past it.
  virtual std::chrono::system_clock::time_point credentials_expiration() const = 0;
};

// The answer to an invocation whose environment's init phase outlasted
// `init_timeout`, as Lambda words it.
std::string init_timeout_document(const std::string& request_id,
                                  std::chrono::milliseconds init_timeout);

}  // namespace nimbus::runtime
