// Shared helpers for the runtime tests and benchmark: one Host per process
// (probing isolation once), code directories written on the fly, and
// synchronous wrappers around the asynchronous API.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "runtime/environment.h"
#include "runtime/host.h"
#include "runtime/log_capture.h"
#include "runtime/pool.h"

namespace nimbus::runtime::testing {

// Collects every log line (thread-safe).
class MemorySink final : public LogSink {
 public:
  void write(const std::string& group, const std::string& stream,
             std::vector<LogLine> lines) override;
  std::vector<std::string> lines() const;
  std::vector<LogLine> entries() const;  // lines with their times
  std::string joined() const;
  uint64_t bytes() const;
  void clear();

 private:
  struct State;
  std::shared_ptr<State> s_ = make_state();
  static std::shared_ptr<State> make_state();
};

MemorySink& sink();
// The hosts' clock: simulated, starting at the real time (the functions'
// SDKs compare Lambda-Runtime-Deadline-Ms with their own clock).
SimulatedClock& test_clock();
Host& host();  // created on first use; init timeout 3 s; runs on test_clock()
std::string scratch_dir();

// Writes files (path → content) into a fresh directory; "+x" suffix on the
// name makes the file executable.
std::string make_code(const std::map<std::string, std::string>& files);

std::shared_ptr<FunctionSpec> spec(const std::string& runtime, const std::string& handler,
                                   const std::string& code_dir);
std::shared_ptr<FunctionSpec> echo_spec();  // the C++ sample as provided.al2023
std::string echo_function_path();

InvokeRequest request(const std::string& payload);
InvokeResult invoke(Environment& env, const std::string& payload);
InvokeResult invoke(Environment& env, InvokeRequest request);
// A fresh environment for one invocation, killed afterwards.
InvokeResult invoke_once(std::shared_ptr<FunctionSpec> f, const std::string& payload);
InvokeResult invoke(Pool& pool, std::shared_ptr<const FunctionSpec> f, const std::string& payload);

// Waits until every environment is cleaned up (true) or `limit` passes.
bool wait_quiet(std::chrono::milliseconds limit = std::chrono::milliseconds(5000));

// Leak probes of this process.
int child_processes();  // processes whose parent is us, zombies included
int mount_count();      // lines of /proc/self/mountinfo
int open_fds();
int cgroup_children();  // directories under the environments' cgroup parent
int env_dirs();         // per-environment scratch directories

}  // namespace nimbus::runtime::testing
