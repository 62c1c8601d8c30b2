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

// Sandbox users: kSandboxUidBase + (n mod kSandboxUids), no passwd entry.
inline constexpr uint32_t kSandboxUidBase = 990'000'000;
inline constexpr uint32_t kSandboxUids = 65'536;
// Processes (and threads) one environment may have, as Lambda's 1,024.
inline constexpr int kMaxProcesses = 1024;
// CPU time per period an environment may use, in microseconds of a 100 ms
// period: Lambda gives one vCPU per 1,769 MB; below that nimbus still gives
// one full core (a fraction would make every small function's cold start
// many times slower than the machine allows), so the bound is what keeps a
// runaway function from taking every core.
uint64_t cpu_quota_us(uint64_t memory_bytes);
inline constexpr uint64_t kCpuPeriodUs = 100'000;
// The Runtime API's port inside a private network namespace, as AWS's
// (127.0.0.1:9001); 9002 when the endpoint takes 9001.
inline constexpr uint16_t kRuntimeApiPort = 9001;

// The cgroup.procs descriptors a child writes "0" to before exec (memory,
// v1 pids, v1 cpu); -1 where none.
struct CgroupJoin {
  int fds[3] = {-1, -1, -1};
};

struct Isolation {
  bool mount_ns = false;  // private rootfs: /var/task ro, tmpfs /tmp
  bool pid_ns = false;    // the runtime is PID 1; its death kills every descendant
  bool ipc_ns = false;
  bool uts_ns = false;
  // A network namespace of each environment's own, with only loopback
  // (IsolationWant::private_network): nimbus listens inside it on
  // `runtime_api_port` for the Runtime API and on `endpoint_port` for its
  // AWS endpoint (spawn.h hands both listeners out); nothing else is
  // reachable. False: the host's network, as the server's.
  bool net_ns = false;
  uint16_t runtime_api_port = 0;
  uint16_t endpoint_port = 0;
  bool seccomp = false;  // no-new-privs + deny-list filter
  // Functions run as an unprivileged user of their own (we are root): one
  // uid/gid per environment from kSandboxUidBase, so that environments
  // cannot signal, trace or read each other even where namespaces are
  // missing, and RLIMIT_NPROC counts one environment's processes only.
  bool switch_user = false;
  int cgroup_version = 0;          // 0 = none (rlimits), 1 or 2
  std::string cgroup_parent;       // memory cgroup directory we create environments in
  std::string pids_cgroup_parent;  // v1 only: pids controller, empty if unusable
  std::string cpu_cgroup_parent;   // v1 only: cpu controller, empty if unusable
  bool v2_pids = false;            // v2: pids.max in the environment's group
  bool v2_cpu = false;             // v2: cpu.max in the environment's group

  int clone_flags() const;  // CLONE_NEW* to use
  bool limits_processes() const { return v2_pids || !pids_cgroup_parent.empty(); }
  bool limits_cpu() const { return v2_cpu || !cpu_cgroup_parent.empty(); }
  std::string describe() const;
};

// Probes namespaces, seccomp and cgroups. `want` lets tests and operators
// turn features off (a disabled feature is reported as such).
struct IsolationWant {
  bool namespaces = true;
  // Functions get no network but nimbus (`nimbus serve --lambda-network
  // none`): a network namespace each. Off by default, as AWS functions
  // outside a VPC reach the internet. `endpoint_port` is the port the
  // function's AWS_ENDPOINT_URL names inside it (the server's own).
  bool private_network = false;
  uint16_t endpoint_port = 0;
  bool switch_user = true;
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
  // The process count (kMaxProcesses) and CPU bandwidth (cpu_quota_us of
  // the memory limit) are limited where the controllers are usable.
  // A zero limit leaves memory and CPU unlimited until set_limit().
  [[nodiscard]] Status create(const Isolation& iso, const std::string& name, uint64_t limit_bytes);
  [[nodiscard]] Status set_limit(uint64_t limit_bytes);
  // Forgets the high-water mark so far (cgroup v1; v2's memory.peak cannot
  // be reset on this kernel generation): a spare sandbox's own set-up must
  // not count as the function's Max Memory Used.
  void reset_peak();
  bool active() const { return !mem_dir_.empty(); }
  // File descriptors the child writes "0" to, to join before exec.
  CgroupJoin join_fds() const { return CgroupJoin{{procs_fd_, pids_procs_fd_, cpu_procs_fd_}}; }
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
  std::string cpu_dir_;  // v1 only; v2 limits CPU in mem_dir_
  bool v2_cpu_ = false;
  int procs_fd_ = -1;
  int pids_procs_fd_ = -1;
  int cpu_procs_fd_ = -1;
  // The high-water-mark file, opened once: REPORT reads it after every
  // invocation, and a pread() is one syscall where open/read/close is three
  // plus a path walk through the cgroup filesystem.
  int peak_fd_ = -1;
};

}  // namespace nimbus::runtime
