// What sandboxing this machine allows, probed once at start-up, and the
// memory cgroup of one environment.
//
// probe_isolation() forks a throw-away child to try the namespaces and looks
// for a writable memory cgroup (v2 with the memory controller, else v1);
// blocking, call it from start-up or a worker thread. Everything degrades:
// no mount namespace → the code dir is used in place and /tmp is a per
// environment directory; no cgroup → RLIMIT_DATA; describe() says which.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace nimbus::runtime {

struct Isolation {
  bool mount_ns = false;  // private rootfs: /var/task ro, tmpfs /tmp
  bool pid_ns = false;    // the runtime is PID 1; its death kills every descendant
  bool ipc_ns = false;
  bool uts_ns = false;
  bool seccomp = false;            // no-new-privs + deny-list filter
  int cgroup_version = 0;          // 0 = none (rlimits), 1 or 2
  std::string cgroup_parent;       // memory cgroup directory we create environments in
  std::string pids_cgroup_parent;  // v1 only: pids controller, empty if unusable

  int clone_flags() const;  // CLONE_NEW* to use
  std::string describe() const;
};

// Probes namespaces, seccomp and cgroups. `want` lets tests and operators
// turn features off (a disabled feature is reported as such).
struct IsolationWant {
  bool namespaces = true;
  bool cgroups = true;
  bool seccomp = true;
};
Isolation probe_isolation(const IsolationWant& want = {});
// Removes the parent cgroups probe_isolation() created (once every
// environment is gone).
void release_isolation(const Isolation& iso);

// A per-environment memory cgroup (and v1 pids cgroup). Not thread-safe;
// owned by one Environment. destroy() kills what is left and removes the
// directories; the destructor calls it.
class Cgroup {
 public:
  Cgroup() = default;
  ~Cgroup();
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  // Swaps: the group moved from is destroyed with whatever this one held.
  Cgroup& operator=(Cgroup&& other) noexcept;

  // Creates <parent>/<name> with the memory limit; swap is limited too where
  // the kernel accounts it, so the limit cannot be escaped by swapping.
  // A zero limit leaves the group unlimited until set_limit().
  [[nodiscard]] Status create(const Isolation& iso, const std::string& name, uint64_t limit_bytes);
  [[nodiscard]] Status set_limit(uint64_t limit_bytes);
  // Forgets the high-water mark so far (cgroup v1; v2's memory.peak cannot
  // be reset on this kernel generation): a spare sandbox's own set-up must
  // not count as the function's Max Memory Used.
  void reset_peak();
  bool active() const { return !mem_dir_.empty(); }
  // File descriptors the child writes "0" to, to join before exec; -1 if none.
  int procs_fd() const { return procs_fd_; }
  int pids_procs_fd() const { return pids_procs_fd_; }
  void close_join_fds();  // after the child is spawned

  uint64_t peak_bytes() const;  // high-water mark of the group
  uint64_t oom_kills() const;   // OOM kills inside the group so far
  void kill_all() const;        // SIGKILL every member
  // Removes the directories; returns false while members remain (retry later).
  bool destroy();

 private:
  int version_ = 0;
  std::string mem_dir_;
  std::string pids_dir_;
  int procs_fd_ = -1;
  int pids_procs_fd_ = -1;
  // The high-water-mark file, opened once: REPORT reads it after every
  // invocation, and a pread() is one syscall where open/read/close is three
  // plus a path walk through the cgroup filesystem.
  int peak_fd_ = -1;
};

}  // namespace nimbus::runtime
