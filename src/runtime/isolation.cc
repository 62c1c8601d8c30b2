#include "runtime/isolation.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "runtime/netns.h"
#include "runtime/seccomp.h"
#include "runtime/sys.h"

namespace nimbus::runtime {
namespace {

// Runs `body` in a clone with `flags`; true if the child exits 0.
template <typename F>
bool try_in_child(uint64_t flags, F body) {
  int pidfd = -1;
  pid_t pid = sys::clone_with_pidfd(flags, &pidfd);
  if (pid < 0) return false;
  if (pid == 0) _exit(body() ? 0 : 1);
  int status = 0;
  siginfo_t info{};
  waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED);
  ::close(pidfd);
  (void)status;
  return info.si_code == CLD_EXITED && info.si_status == 0;
}

// Mount point of the cgroup2 hierarchy (controller empty) or of the v1
// hierarchy carrying `controller`.
std::string find_mount(const std::string& controller) {
  bool v2 = controller.empty();
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream pre(line.substr(0, dash)), post(line.substr(dash + 3));
    std::string id, parent, dev, root, mnt, fstype, source, opts;
    pre >> id >> parent >> dev >> root >> mnt;
    post >> fstype >> source >> opts;
    if (v2 && fstype == "cgroup2") return mnt;
    if (!v2 && fstype == "cgroup" &&
        ("," + opts + ",").find("," + controller + ",") != std::string::npos)
      return mnt;
  }
  return {};
}

// Our own path in the hierarchy: "0::/x" for v2, "N:memory:/x" for v1.
std::string own_cgroup(const std::string& controller) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string ctl = line.substr(a + 1, b - a - 1);
    if (("," + ctl + ",").find("," + controller + ",") != std::string::npos ||
        (controller.empty() && ctl.empty()))
      return line.substr(b + 1);
  }
  return {};
}

std::string join(const std::string& mount, const std::string& path) {
  return path == "/" ? mount : mount + path;
}

bool make_parent(const std::string& dir) {
  return ::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST;
}

bool try_v2(Isolation& iso) {
  std::string mnt = find_mount("");
  if (mnt.empty()) return false;
  std::string own = join(mnt, own_cgroup(""));
  if (sys::read_file(own + "/cgroup.controllers").find("memory") == std::string::npos) return false;
  // Children may only get the memory controller if we can enable it below us.
  if (!sys::write_file(own + "/cgroup.subtree_control", "+memory")) return false;
  std::string parent = own + "/nimbus-" + std::to_string(::getpid());
  if (!make_parent(parent)) return false;
  if (!sys::write_file(parent + "/cgroup.subtree_control", "+memory")) {
    ::rmdir(parent.c_str());
    return false;
  }
  iso.cgroup_version = 2;
  iso.cgroup_parent = parent;
  // pids and cpu are optional: each where the hierarchy delegates it.
  for (auto [name, flag] : {std::pair{"pids", &iso.v2_pids}, std::pair{"cpu", &iso.v2_cpu}}) {
    std::string plus = std::string("+") + name;
    *flag = sys::write_file(own + "/cgroup.subtree_control", plus) &&
            sys::write_file(parent + "/cgroup.subtree_control", plus);
  }
  return true;
}

bool try_v1(Isolation& iso) {
  std::string mnt = find_mount("memory");
  if (mnt.empty()) return false;
  std::string parent = join(mnt, own_cgroup("memory")) + "/nimbus-" + std::to_string(::getpid());
  if (!make_parent(parent)) return false;
  if (!sys::write_file(parent + "/memory.limit_in_bytes", "-1")) {
    ::rmdir(parent.c_str());
    return false;
  }
  sys::write_file(parent + "/memory.use_hierarchy", "1");
  iso.cgroup_version = 1;
  iso.cgroup_parent = parent;
  // The pids controller bounds fork bombs, the cpu controller a runaway
  // function's share of the machine; each optional.
  for (auto [name, dir] :
       {std::pair{"pids", &iso.pids_cgroup_parent}, std::pair{"cpu", &iso.cpu_cgroup_parent}}) {
    std::string m = find_mount(name);
    if (m.empty()) continue;
    std::string d = join(m, own_cgroup(name)) + "/nimbus-" + std::to_string(::getpid());
    if (make_parent(d)) *dir = d;
  }
  return true;
}

}  // namespace

int Isolation::clone_flags() const {
  return (mount_ns ? CLONE_NEWNS : 0) | (pid_ns ? CLONE_NEWPID : 0) | (ipc_ns ? CLONE_NEWIPC : 0) |
         (uts_ns ? CLONE_NEWUTS : 0) | (net_ns ? CLONE_NEWNET : 0);
}

std::string Isolation::describe() const {
  std::string s = "namespaces:";
  auto ns = [&](bool on, const char* n) { s += std::string(" ") + (on ? "" : "no-") + n; };
  ns(mount_ns, "mount");
  ns(pid_ns, "pid");
  ns(ipc_ns, "ipc");
  ns(uts_ns, "uts");
  s += mount_ns ? "; code read-only at /var/task, tmpfs /tmp sized by EphemeralStorage"
                : "; code used in place (not remounted read-only), /tmp is a per-environment "
                  "directory (EphemeralStorage not enforced)";
  if (cgroup_version)
    s += "; memory limit: cgroup v" + std::to_string(cgroup_version) + " (" + cgroup_parent + ")";
  else
    s += "; memory limit: RLIMIT_DATA only (no usable cgroup; child processes not counted)";
  if (limits_processes())
    s += "; processes: pids cgroup (" + std::to_string(kMaxProcesses) + ")";
  else if (switch_user)
    s += "; processes: RLIMIT_NPROC of the environment's uid (" + std::to_string(kMaxProcesses) +
         ")";
  else
    s += "; processes: not limited (no pids cgroup, no uid of its own)";
  s += limits_cpu() ? "; CPU: cgroup bandwidth, max(1, MemorySize/1769 MB) cores"
                    : "; CPU: not limited (no cpu cgroup)";
  s += seccomp ? "; no-new-privs + seccomp deny-list" : "; no seccomp";
  s += switch_user ? "; functions run as uid/gid " + std::to_string(kSandboxUidBase) +
                         "+n (one per environment)"
                   : "; functions run as the server's uid " + std::to_string(::geteuid()) +
                         " (no CAP_SETUID to switch)";
  if (pid_ns) s += "; PID 1 is nimbus-init";
  s += net_ns ? "; network: none but nimbus (a network namespace per environment: loopback "
                "only, the Runtime API and nimbus's endpoint on port " +
                    std::to_string(endpoint_port) + ")"
              : "; network: the host's (functions reach what the server reaches)";
  return s;
}

Isolation probe_isolation(const IsolationWant& want) {
  Isolation iso;
  if (want.namespaces) {
    auto mount_works = [] {
      return ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
             ::mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m") == 0;
    };
    iso.mount_ns = try_in_child(CLONE_NEWNS, mount_works);
    iso.pid_ns = try_in_child(CLONE_NEWPID, [] { return ::getpid() == 1; });
    iso.ipc_ns = try_in_child(CLONE_NEWIPC, [] { return true; });
    iso.uts_ns = try_in_child(CLONE_NEWUTS, [] { return true; });
    if (want.private_network && want.endpoint_port != 0) {
      // The child must be able to bring loopback up and listen on it.
      iso.net_ns = try_in_child(CLONE_NEWNET, [] {
        return loopback_up() == 0 && listen_on_loopback(kRuntimeApiPort) >= 0;
      });
      iso.endpoint_port = want.endpoint_port;
      iso.runtime_api_port =
          want.endpoint_port == kRuntimeApiPort ? kRuntimeApiPort + 1 : kRuntimeApiPort;
    }
  }
  if (want.seccomp) {
    auto filter = seccomp_deny_filter();
    iso.seccomp = !filter.empty() && try_in_child(0, [&filter] {
      return install_seccomp(filter) == 0 && ::mount("none", "/", "tmpfs", 0, nullptr) != 0 &&
             errno == EPERM;
    });
  }
  if (want.switch_user) {
    // setresuid needs CAP_SETUID: in practice, nimbus runs as root.
    iso.switch_user = try_in_child(0, [] {
      return syscall(SYS_setgroups, 0, nullptr) == 0 &&
             syscall(SYS_setresgid, kSandboxUidBase, kSandboxUidBase, kSandboxUidBase) == 0 &&
             syscall(SYS_setresuid, kSandboxUidBase, kSandboxUidBase, kSandboxUidBase) == 0;
    });
  }
  if (want.cgroups && !try_v2(iso)) try_v1(iso);
  return iso;
}

void release_isolation(const Isolation& iso) {
  if (!iso.cgroup_parent.empty()) ::rmdir(iso.cgroup_parent.c_str());
  if (!iso.pids_cgroup_parent.empty()) ::rmdir(iso.pids_cgroup_parent.c_str());
  if (!iso.cpu_cgroup_parent.empty()) ::rmdir(iso.cpu_cgroup_parent.c_str());
}

uint64_t cpu_quota_us(uint64_t memory_bytes) {
  uint64_t mb = memory_bytes >> 20;
  return std::max<uint64_t>(kCpuPeriodUs, kCpuPeriodUs * mb / 1769);
}

// ---- Cgroup ------------------------------------------------------------------

Cgroup::~Cgroup() {
  close_join_fds();
  destroy();
}

Status Cgroup::create(const Isolation& iso, const std::string& name, uint64_t limit_bytes) {
  if (!iso.cgroup_version) return Status::ok();
  std::string dir = iso.cgroup_parent + "/" + name;
  if (::mkdir(dir.c_str(), 0755) != 0)
    return Error::internal("cgroup mkdir " + dir + ": " + sys::errno_text(errno));
  version_ = iso.cgroup_version;
  mem_dir_ = dir;
  if (version_ == 2)
    sys::write_file(dir + "/memory.swap.max", "0");
  else
    sys::write_file(dir + "/memory.swappiness", "0");
  peak_fd_ = ::open((dir + (version_ == 2 ? "/memory.peak" : "/memory.max_usage_in_bytes")).c_str(),
                    O_RDONLY | O_CLOEXEC);
  procs_fd_ = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (procs_fd_ < 0) return Error::internal("cgroup: cannot open " + dir + "/cgroup.procs");
  if (version_ == 2 && iso.v2_pids)
    sys::write_file(dir + "/pids.max", std::to_string(kMaxProcesses));
  v2_cpu_ = version_ == 2 && iso.v2_cpu;
  if (!iso.pids_cgroup_parent.empty()) {
    std::string p = iso.pids_cgroup_parent + "/" + name;
    if (::mkdir(p.c_str(), 0755) == 0) {
      pids_dir_ = p;
      sys::write_file(p + "/pids.max", std::to_string(kMaxProcesses));
      pids_procs_fd_ = ::open((p + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    }
  }
  if (!iso.cpu_cgroup_parent.empty()) {
    std::string p = iso.cpu_cgroup_parent + "/" + name;
    if (::mkdir(p.c_str(), 0755) == 0) {
      cpu_dir_ = p;
      cpu_procs_fd_ = ::open((p + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    }
  }
  if (limit_bytes) NIMBUS_TRY(set_limit(limit_bytes));
  return Status::ok();
}

Status Cgroup::set_limit(uint64_t limit_bytes) {
  if (mem_dir_.empty()) return Status::ok();
  std::string limit = std::to_string(limit_bytes);
  bool ok;
  if (version_ == 2) {
    ok = sys::write_file(mem_dir_ + "/memory.max", limit);
  } else {
    // memsw (absent without swap accounting) may not go below the limit.
    ok = sys::write_file(mem_dir_ + "/memory.limit_in_bytes", limit);
    sys::write_file(mem_dir_ + "/memory.memsw.limit_in_bytes", limit);
  }
  if (!ok) return Error::internal("cgroup: cannot set the memory limit in " + mem_dir_);
  std::string quota = std::to_string(cpu_quota_us(limit_bytes));
  if (v2_cpu_) sys::write_file(mem_dir_ + "/cpu.max", quota + " " + std::to_string(kCpuPeriodUs));
  if (!cpu_dir_.empty()) {
    sys::write_file(cpu_dir_ + "/cpu.cfs_period_us", std::to_string(kCpuPeriodUs));
    sys::write_file(cpu_dir_ + "/cpu.cfs_quota_us", quota);
  }
  return Status::ok();
}

void Cgroup::reset_peak() {
  if (version_ == 1 && !mem_dir_.empty())
    sys::write_file(mem_dir_ + "/memory.max_usage_in_bytes", "0");
}

Cgroup& Cgroup::operator=(Cgroup&& other) noexcept {
  if (this != &other) {
    std::swap(version_, other.version_);
    std::swap(mem_dir_, other.mem_dir_);
    std::swap(pids_dir_, other.pids_dir_);
    std::swap(cpu_dir_, other.cpu_dir_);
    std::swap(v2_cpu_, other.v2_cpu_);
    std::swap(procs_fd_, other.procs_fd_);
    std::swap(pids_procs_fd_, other.pids_procs_fd_);
    std::swap(cpu_procs_fd_, other.cpu_procs_fd_);
    std::swap(peak_fd_, other.peak_fd_);
  }
  return *this;
}

void Cgroup::close_join_fds() {
  if (procs_fd_ >= 0) ::close(procs_fd_);
  if (pids_procs_fd_ >= 0) ::close(pids_procs_fd_);
  if (cpu_procs_fd_ >= 0) ::close(cpu_procs_fd_);
  procs_fd_ = pids_procs_fd_ = cpu_procs_fd_ = -1;
}

uint64_t Cgroup::peak_bytes() const {
  if (peak_fd_ < 0) return 0;
  char buf[32];
  ssize_t n = ::pread(peak_fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return std::strtoull(buf, nullptr, 10);
}

uint64_t Cgroup::oom_kills() const {
  if (mem_dir_.empty()) return 0;
  std::istringstream in(
      sys::read_file(mem_dir_ + (version_ == 2 ? "/memory.events" : "/memory.oom_control")));
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return 0;
}

void Cgroup::kill_all() const {
  if (mem_dir_.empty()) return;
  if (version_ == 2 && sys::write_file(mem_dir_ + "/cgroup.kill", "1")) return;
  std::istringstream in(sys::read_file(mem_dir_ + "/cgroup.procs"));
  pid_t pid;
  while (in >> pid) ::kill(pid, SIGKILL);
}

bool Cgroup::destroy() {
  if (peak_fd_ >= 0) ::close(peak_fd_);
  peak_fd_ = -1;
  bool done = true;
  if (!mem_dir_.empty()) {
    if (::rmdir(mem_dir_.c_str()) == 0 || errno == ENOENT)
      mem_dir_.clear();
    else
      done = false;
  }
  for (std::string* d : {&pids_dir_, &cpu_dir_}) {
    if (d->empty()) continue;
    if (::rmdir(d->c_str()) == 0 || errno == ENOENT)
      d->clear();
    else
      done = false;
  }
  return done;
}

}  // namespace nimbus::runtime
