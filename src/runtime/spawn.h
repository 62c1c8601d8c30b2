// Starting one sandboxed process. The parent prepares a SpawnPlan (all
// allocation happens here); spawn() clones the child into the namespaces
// the Isolation allows, and the child only replays the plan with raw system
// calls (mounts, pivot_root, rlimits, cgroup join, seccomp) before execve.
//
// Blocking (clone + waiting for execve): call it from a worker thread.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/isolation.h"

namespace nimbus::runtime {

// One step of building the private root, replayed in the child in order.
struct MountOp {
  enum Kind { kMkdir, kTouch, kSymlink, kMount, kPivotRoot } kind;
  std::string source;  // kMount source, kSymlink target
  std::string target;
  std::string fstype;
  std::string data;
  unsigned long flags = 0;
};

struct SpawnPlan {
  std::vector<std::string> argv;  // argv[0] is an absolute path inside the sandbox
  std::vector<std::string> env;   // NAME=value
  std::string cwd;                // inside the sandbox
  std::vector<MountOp> mounts;    // empty without a mount namespace
  std::string hostname;           // set in a UTS namespace
  uint64_t memory_rlimit = 0;     // RLIMIT_DATA when no cgroup applies; 0 = none
  int open_files = 1024;          // RLIMIT_NOFILE, as Lambda
  int max_processes = 0;          // RLIMIT_NPROC (of `uid`) when no pids cgroup; 0 = none
  // nimbus-init as the sandbox sees it: with a PID namespace the child execs
  // it (PID 1), and it runs argv as PID 2 (init/init_protocol.h).
  std::string init;
  // The unprivileged user the function runs as (Isolation::switch_user).
  bool switch_user = false;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

// Builds the private root filesystem: read-only /usr, /etc and lib dirs,
// `code_dir` read-only at /var/task, `layers_dir` read-only at /opt (an
// empty /opt when it is ""), `runtime_dir` at /var/runtime, a tmpfs
// /tmp of `tmp_mb`, a minimal /dev, a fresh /proc, and `extra_ro` host paths
// (interpreters outside /usr) at their own paths. `root` is an empty host
// directory the child mounts a tmpfs on (invisible outside the namespace).
std::vector<MountOp> private_root_ops(const std::string& root, const std::string& code_dir,
                                      const std::string& layers_dir, const std::string& runtime_dir,
                                      uint32_t tmp_mb, const std::vector<std::string>& extra_ro);

struct Spawned {
  pid_t pid = -1;
  int pidfd = -1;      // readable when the process exits; owned by the caller
  int output_fd = -1;  // read end of the child's stdout+stderr; owned, non-blocking
  // With a PID namespace the child is a minimal init and the runtime its
  // child; the runtime's wait status arrives here (an int) before init exits.
  int status_fd = -1;
  // With a private network (Isolation::net_ns): listening sockets inside
  // it, on 127.0.0.1 at Isolation::runtime_api_port and endpoint_port
  // (netns.h); owned by the caller. -1 otherwise.
  int runtime_api_fd = -1;
  int endpoint_fd = -1;
};

// Clones and execs. On failure nothing is left behind (the child, if any,
// is reaped) and the error says which step failed.
Result<Spawned> spawn(const SpawnPlan& plan, const Isolation& iso, CgroupJoin join);

// Sandboxes started ahead of need. Joining a cgroup v1 waits for an RCU
// grace period in the kernel (5-20 ms on the project's VM, most of a
// sandbox's set-up), so a spare is cloned into its namespaces and moved into
// a cgroup of its own in the background; take() hands it the plan and sets
// the memory limit. Only with cgroups (without them nothing is slow to
// prepare). A spare holds no descriptor of the server's while it waits.
// Thread-safe; refill() blocks (call it on a worker thread).
class SpareSandboxes {
 public:
  SpareSandboxes(const Isolation& iso, size_t count);
  ~SpareSandboxes();  // kills and reaps the spares, removes their cgroups

  // Starts spares until `count` are ready or starting.
  void refill();
  // Runs `plan` in a ready spare: its cgroup, limited to `limit_bytes`,
  // moves into `cgroup`. nullopt when none is ready (use spawn()).
  std::optional<Result<Spawned>> take(const SpawnPlan& plan, uint64_t limit_bytes, Cgroup& cgroup);
  // Spare processes alive or being started (each with its cgroups).
  size_t alive() const;

 private:
  struct Spare;
  std::unique_ptr<Spare> start();

  const Isolation& iso_;
  const size_t count_;
  const std::vector<sock_filter> filter_;
  std::atomic<uint64_t> serial_{0};  // names the spares' cgroups
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Spare>> ready_;
  size_t starting_ = 0;
};

}  // namespace nimbus::runtime
