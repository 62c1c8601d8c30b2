#include "runtime/spawn.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <filesystem>

#include "common/thread_role.h"
#include "runtime/init/init_protocol.h"
#include "runtime/netns.h"
#include "runtime/seccomp.h"
#include "runtime/sys.h"

namespace nimbus::runtime {
namespace {

MountOp op(MountOp::Kind kind, std::string source, std::string target, std::string fstype = {},
           std::string data = {}, unsigned long flags = 0) {
  return MountOp{kind, std::move(source), std::move(target), std::move(fstype), std::move(data),
                 flags};
}

void bind_ro(std::vector<MountOp>& ops, const std::string& src, const std::string& dst,
             bool file = false, unsigned long extra = MS_NODEV) {
  ops.push_back(op(file ? MountOp::kTouch : MountOp::kMkdir, "", dst));
  ops.push_back(op(MountOp::kMount, src, dst, "", "", MS_BIND | MS_REC));
  ops.push_back(
      op(MountOp::kMount, "", dst, "", "", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | extra));
}

// The step that failed, reported through the exec pipe.
enum Stage : int {
  kDup,
  kCgroup,
  kMountStep,
  kHostname,
  kRlimit,
  kChdir,
  kCaps,
  kSeccomp,
  kInit,
  kExec,
  kNetwork
};
static_assert(kExec == NIMBUS_INIT_EXEC_STAGE, "init_protocol.h names the exec stage");
const char* stage_name(int s) {
  static const char* names[] = {"redirecting output",    "joining the cgroup",
                                "building the root",     "setting the hostname",
                                "setting rlimits",       "entering the directory",
                                "dropping privileges",   "installing seccomp",
                                "starting nimbus-init",  "execve",
                                "setting up the network"};
  return s >= 0 && s <= kNetwork ? names[s] : "?";
}

[[noreturn]] void fail(int fd, int stage, int err) {
  int msg[2] = {stage, err};
  ssize_t n = ::write(fd, msg, sizeof msg);
  (void)n;
  _exit(127);
}

// The plan as the child reads it: plain pointers into one memory block,
// laid out by the parent (the child of a multi-threaded process must not
// allocate). A spare reads it from memory shared with the parent.
struct FlatMount {
  MountOp::Kind kind;
  const char* source;  // null when empty
  const char* target;
  const char* fstype;
  const char* data;
  unsigned long flags;
};

struct FlatPlan {
  char** argv;
  char** init_argv;  // {init, argv...}; null without an init
  char** envp;
  const FlatMount* mounts;
  size_t mount_count;
  const char* cwd;
  const char* hostname;  // null when not set
  uint64_t memory_rlimit;
  int open_files;
  int max_processes;
  bool switch_user;
  uint32_t uid, gid;
};

constexpr size_t kPlanBytes = 256 * 1024;

// Bump allocation in [base, base + cap); null once full.
class Arena {
 public:
  Arena(char* base, size_t cap) : base_(base), cap_(cap) {}
  void* alloc(size_t n, size_t align = alignof(std::max_align_t)) {
    size_t at = (used_ + align - 1) / align * align;
    if (!base_ || at + n > cap_) return base_ = nullptr;
    used_ = at + n;
    return base_ + at;
  }
  const char* str(const std::string& s, bool null_if_empty = false) {
    if (null_if_empty && s.empty()) return nullptr;
    char* p = static_cast<char*>(alloc(s.size() + 1, 1));
    if (p) std::memcpy(p, s.c_str(), s.size() + 1);
    return p;
  }
  char** strings(const std::vector<std::string>& v) {
    auto* out = static_cast<char**>(alloc((v.size() + 1) * sizeof(char*)));
    if (!out) return nullptr;
    for (size_t i = 0; i < v.size(); ++i) out[i] = const_cast<char*>(str(v[i]));
    out[v.size()] = nullptr;
    return out;
  }
  bool ok() const { return base_ != nullptr; }

 private:
  char* base_;
  size_t cap_;
  size_t used_ = 0;
};

// Lays `plan` out in [block, block + kPlanBytes); null if it does not fit.
const FlatPlan* flatten(const SpawnPlan& plan, char* block) {
  Arena a(block, kPlanBytes);
  auto* fp = static_cast<FlatPlan*>(a.alloc(sizeof(FlatPlan)));
  auto* mounts = static_cast<FlatMount*>(a.alloc(sizeof(FlatMount) * (plan.mounts.size() + 1)));
  if (!fp || !mounts) return nullptr;
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    const MountOp& op = plan.mounts[i];
    mounts[i] = FlatMount{op.kind,
                          a.str(op.source, true),
                          a.str(op.target),
                          a.str(op.fstype, true),
                          a.str(op.data, true),
                          op.flags};
  }
  char** init_argv = nullptr;
  if (!plan.init.empty()) {
    std::vector<std::string> v{plan.init};
    v.insert(v.end(), plan.argv.begin(), plan.argv.end());
    init_argv = a.strings(v);
  }
  *fp = FlatPlan{a.strings(plan.argv),
                 init_argv,
                 a.strings(plan.env),
                 mounts,
                 plan.mounts.size(),
                 a.str(plan.cwd),
                 a.str(plan.hostname, true),
                 plan.memory_rlimit,
                 plan.open_files,
                 plan.max_processes,
                 plan.switch_user,
                 plan.uid,
                 plan.gid};
  return a.ok() ? fp : nullptr;
}

int replay(const FlatMount& op) {
  switch (op.kind) {
    case MountOp::kMkdir:
      return ::mkdir(op.target, 0755) == 0 || errno == EEXIST ? 0 : errno;
    case MountOp::kTouch: {
      int fd = ::open(op.target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) return errno;
      ::close(fd);
      return 0;
    }
    case MountOp::kSymlink:
      return ::symlink(op.source, op.target) == 0 ? 0 : errno;
    case MountOp::kMount:
      return ::mount(op.source, op.target, op.fstype, op.flags, op.data) == 0 ? 0 : errno;
    case MountOp::kPivotRoot: {
      // source = new root, target = where the old root goes (inside it).
      if (syscall(SYS_pivot_root, op.source, op.target) != 0) return errno;
      if (::chdir("/") != 0) return errno;
      if (::umount2("/.old", MNT_DETACH) != 0) return errno;
      ::rmdir("/.old");
      return 0;
    }
  }
  return EINVAL;
}

// Closes every descriptor from 3 up except those in `keep` (no allocation).
void close_all_except(int* keep, size_t n) {
  std::sort(keep, keep + n);
  unsigned from = 3;
  for (size_t i = 0; i < n; ++i) {
    if (keep[i] < static_cast<int>(from)) continue;
    if (static_cast<unsigned>(keep[i]) > from)
      syscall(SYS_close_range, from, static_cast<unsigned>(keep[i] - 1), 0u);
    from = static_cast<unsigned>(keep[i]) + 1;
  }
  syscall(SYS_close_range, from, ~0u, 0u);
}

// Drops every capability, and becomes the function's user when the plan
// says so. Raw system calls: glibc's setuid() would signal threads that the
// clone did not copy. The user switch clears the parent-death signal: set
// it again.
int drop_privileges(const FlatPlan& plan) {
  for (int cap = 0; cap <= 63; ++cap) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  if (plan.switch_user) {
    if (syscall(SYS_setgroups, 0, nullptr) != 0 ||
        syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0 ||
        syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0)
      return errno;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  }
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  syscall(SYS_capset, &hdr, data);
  return 0;
}

// Descriptors of one sandbox's child.
struct ChildFds {
  int out_w, err_w, status_w;
  int go_r;  // a spare waits here for its plan; -1 when the plan is known
  CgroupJoin join;
  // With a private network: where the listeners go (netns.h); a spare's
  // is go_r.
  int net_w = -1;
};

// Runs the plan: the private root, limits, the user, seccomp, then execve
// of nimbus-init (with a PID namespace) or of the runtime itself.
[[noreturn]] void run_plan(const FlatPlan& plan, const Isolation& iso,
                           const std::vector<sock_filter>& filter, const ChildFds& f) {
  int err_w = f.err_w;
  for (size_t i = 0; i < plan.mount_count; ++i)
    if (int e = replay(plan.mounts[i])) fail(err_w, kMountStep, e);
  if (iso.uts_ns && plan.hostname && ::sethostname(plan.hostname, std::strlen(plan.hostname)) != 0)
    fail(err_w, kHostname, errno);
  rlimit nofile{static_cast<rlim_t>(plan.open_files), static_cast<rlim_t>(plan.open_files)};
  rlimit core{0, 0};
  if (::setrlimit(RLIMIT_NOFILE, &nofile) != 0 || ::setrlimit(RLIMIT_CORE, &core) != 0)
    fail(err_w, kRlimit, errno);
  if (plan.memory_rlimit) {
    rlimit data{plan.memory_rlimit, plan.memory_rlimit};
    if (::setrlimit(RLIMIT_DATA, &data) != 0) fail(err_w, kRlimit, errno);
  }
  if (plan.max_processes) {
    rlimit nproc{static_cast<rlim_t>(plan.max_processes), static_cast<rlim_t>(plan.max_processes)};
    if (::setrlimit(RLIMIT_NPROC, &nproc) != 0) fail(err_w, kRlimit, errno);
  }
  if (::chdir(plan.cwd) != 0) fail(err_w, kChdir, errno);
  // Everything inherited beyond stdio (other subsystems' sockets and files)
  // closes at execve; err_w stays open until then to report failures.
  syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
  if (int e = drop_privileges(plan)) fail(err_w, kCaps, e);
  if (iso.seccomp)
    if (int e = install_seccomp(filter)) fail(err_w, kSeccomp, e);
  if (iso.pid_ns && plan.init_argv) {
    // PID 1 of the namespace ignores default-action signals (a runtime's
    // own abort() would not work), so the runtime runs as PID 2 under
    // nimbus-init, a program of its own: a fork of the server would show
    // the server's command line, environment and memory through /proc/1.
    // Its two pipes go to the fixed descriptors of init_protocol.h (moved
    // above them first, so that neither overwrites the other).
    int st = ::fcntl(f.status_w, F_DUPFD_CLOEXEC, 10);
    int er = ::fcntl(err_w, F_DUPFD_CLOEXEC, 10);
    if (st < 0 || er < 0 || ::dup2(st, NIMBUS_INIT_STATUS_FD) < 0 ||
        ::dup2(er, NIMBUS_INIT_EXEC_ERROR_FD) < 0)
      fail(err_w, kInit, errno);
    nimbus_execve(plan.init_argv[0], plan.init_argv, plan.envp);
    fail(NIMBUS_INIT_EXEC_ERROR_FD, kInit, errno);
  }
  ::close(f.status_w);
  nimbus_execve(plan.argv[0], plan.argv, plan.envp);
  fail(err_w, kExec, errno);
}

// The first part, the same for a spare and for a sandbox started on demand:
// stdio, session, cgroups. A spare then waits for its plan in `plan_block`.
[[noreturn]] void child(const FlatPlan* plan, const char* plan_block, const Isolation& iso,
                        const std::vector<sock_filter>& filter, ChildFds f) {
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(f.out_w, 1) < 0 || ::dup2(f.out_w, 2) < 0)
    fail(f.err_w, kDup, errno);
  ::setsid();  // own process group: killable as one even without a PID namespace
  if (f.go_r >= 0) {
    // A spare holds nothing of the server's while it waits (a copy of a
    // client socket would keep that connection open).
    int keep[] = {f.err_w, f.status_w, f.go_r, f.join.fds[0], f.join.fds[1], f.join.fds[2]};
    close_all_except(keep, 6);
  }
  // Still privileged in the new namespace: loopback up, the two listeners
  // to the server (a spare's before it waits: off the cold start's path).
  if (iso.net_ns)
    if (int e = send_listeners(f.net_w, iso.runtime_api_port, iso.endpoint_port))
      fail(f.err_w, kNetwork, e);
  for (int fd : f.join.fds)
    if (fd >= 0 && ::write(fd, "0", 1) != 1) fail(f.err_w, kCgroup, errno);
  if (f.go_r >= 0) {
    for (int fd : f.join.fds)
      if (fd >= 0) ::close(fd);
    char go = 0;
    ssize_t n;
    do n = ::recv(f.go_r, &go, 1, 0);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(0);  // dropped unused
    ::close(f.go_r);
    plan = reinterpret_cast<const FlatPlan*>(plan_block);
  }
  run_plan(*plan, iso, filter, f);
}

struct Pipes {
  int out[2] = {-1, -1}, err[2] = {-1, -1}, st[2] = {-1, -1};
  bool open() {
    return ::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0 &&
           ::pipe2(st, O_CLOEXEC | O_NONBLOCK) == 0;
  }
  void close_all() {
    for (int* p : {out, err, st})
      for (int i : {0, 1})
        if (p[i] >= 0) ::close(p[i]);
  }
};

// Waits for execve (the error pipe closes) or the step that failed.
Result<Spawned> await_exec(pid_t pid, int pidfd, int out_r, int err_r, int st_r) {
  int msg[2];
  ssize_t n;
  do n = ::read(err_r, msg, sizeof msg);
  while (n < 0 && errno == EINTR);
  ::close(err_r);
  if (n == static_cast<ssize_t>(sizeof msg)) {
    siginfo_t info{};
    waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED);
    ::close(pidfd);
    ::close(out_r);
    ::close(st_r);
    std::string text = std::string("sandbox setup failed while ") + stage_name(msg[0]) + ": " +
                       sys::errno_text(msg[1]);
    // A missing or non-executable entry point is the function's fault.
    if (msg[0] == kExec) return Error::make("Runtime.InvalidEntrypoint", text, 502);
    return Error::internal(text);
  }
  ::fcntl(out_r, F_SETFL, ::fcntl(out_r, F_GETFL) | O_NONBLOCK);
  return Spawned{pid, pidfd, out_r, st_r};
}

// Gives a started sandbox its private network's listeners (`got` of them
// received); without them it is killed: nothing could reach it.
Result<Spawned> with_listeners(Result<Spawned> spawned, const Isolation& iso, bool got,
                               const int (&fds)[kListenerCount]) {
  if (spawned && (!iso.net_ns || got)) {
    spawned->runtime_api_fd = got ? fds[0] : -1;
    spawned->endpoint_fd = got ? fds[1] : -1;
    return spawned;
  }
  if (got)
    for (int fd : fds) ::close(fd);
  if (!spawned) return spawned;
  ::syscall(SYS_pidfd_send_signal, spawned->pidfd, SIGKILL, nullptr, 0);
  siginfo_t info{};
  waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(spawned->pidfd), &info, WEXITED);
  for (int fd : {spawned->pidfd, spawned->output_fd, spawned->status_fd}) ::close(fd);
  return Error::internal("sandbox setup failed: its network's listeners did not arrive");
}

}  // namespace

std::vector<MountOp> private_root_ops(const std::string& root, const std::string& code_dir,
                                      const std::string& layers_dir, const std::string& runtime_dir,
                                      uint32_t tmp_mb, const std::vector<std::string>& extra_ro) {
  namespace fs = std::filesystem;
  std::vector<MountOp> ops;
  ops.push_back(op(MountOp::kMount, "", "/", "", "", MS_REC | MS_PRIVATE));
  ops.push_back(
      op(MountOp::kMount, "tmpfs", root, "tmpfs", "size=1m,mode=755", MS_NOSUID | MS_NODEV));
  bind_ro(ops, "/usr", root + "/usr");
  bind_ro(ops, "/etc", root + "/etc");
  for (const char* top : {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
    fs::path host = fs::path("/") / top;
    std::error_code ec;
    auto st = fs::symlink_status(host, ec);
    if (ec) continue;
    if (fs::is_symlink(st))
      ops.push_back(op(MountOp::kSymlink, fs::read_symlink(host, ec).string(), root + "/" + top));
    else if (fs::is_directory(st))
      bind_ro(ops, host.string(), root + "/" + top);
  }
  for (const std::string& extra : extra_ro) {
    fs::path acc = root;
    for (const auto& part : fs::path(extra).relative_path()) {
      acc /= part;
      ops.push_back(op(MountOp::kMkdir, "", acc.string()));
    }
    bind_ro(ops, extra, root + extra);
  }
  ops.push_back(op(MountOp::kMkdir, "", root + "/var"));
  bind_ro(ops, code_dir, root + "/var/task");
  bind_ro(ops, runtime_dir, root + "/var/runtime");
  if (layers_dir.empty())
    ops.push_back(op(MountOp::kMkdir, "", root + "/opt"));
  else
    bind_ro(ops, layers_dir, root + "/opt");
  ops.push_back(op(MountOp::kMkdir, "", root + "/tmp"));
  ops.push_back(op(MountOp::kMount, "tmpfs", root + "/tmp", "tmpfs",
                   "size=" + std::to_string(tmp_mb) + "m,mode=1777", MS_NOSUID | MS_NODEV));
  ops.push_back(op(MountOp::kMkdir, "", root + "/proc"));
  ops.push_back(
      op(MountOp::kMount, "proc", root + "/proc", "proc", "", MS_NOSUID | MS_NODEV | MS_NOEXEC));
  ops.push_back(op(MountOp::kMkdir, "", root + "/dev"));
  ops.push_back(
      op(MountOp::kMount, "tmpfs", root + "/dev", "tmpfs", "size=64k,mode=755", MS_NOSUID));
  for (const char* dev : {"null", "zero", "full", "random", "urandom"})
    bind_ro(ops, std::string("/dev/") + dev, root + "/dev/" + dev, true, 0);
  ops.push_back(op(MountOp::kSymlink, "/proc/self/fd", root + "/dev/fd"));
  ops.push_back(op(MountOp::kSymlink, "/proc/self/fd/0", root + "/dev/stdin"));
  ops.push_back(op(MountOp::kSymlink, "/proc/self/fd/1", root + "/dev/stdout"));
  ops.push_back(op(MountOp::kSymlink, "/proc/self/fd/2", root + "/dev/stderr"));
  ops.push_back(op(MountOp::kMkdir, "", root + "/.old"));
  ops.push_back(op(MountOp::kPivotRoot, root, root + "/.old"));
  ops.push_back(
      op(MountOp::kMount, "", "/", "", "", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV));
  return ops;
}

Result<Spawned> spawn(const SpawnPlan& plan, const Isolation& iso, CgroupJoin join) {
  assert_may_block("runtime::spawn");  // clone, exec and waits: the spawn pool
  std::vector<char> block(kPlanBytes);
  const FlatPlan* fp = flatten(plan, block.data());
  if (!fp) return Error::internal("sandbox plan too large");
  std::vector<sock_filter> filter =
      iso.seccomp ? seccomp_deny_filter() : std::vector<sock_filter>{};
  Pipes p;
  int net[2] = {-1, -1};
  if (!p.open() ||
      (iso.net_ns && ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, net) != 0)) {
    int e = errno;
    p.close_all();
    return Error::internal("pipe: " + sys::errno_text(e));
  }
  int pidfd = -1;
  pid_t pid = sys::clone_with_pidfd(static_cast<uint64_t>(iso.clone_flags()), &pidfd);
  if (pid == 0)
    child(fp, nullptr, iso, filter, ChildFds{p.out[1], p.err[1], p.st[1], -1, join, net[1]});
  int clone_errno = errno;
  ::close(p.out[1]);
  ::close(p.err[1]);
  ::close(p.st[1]);
  if (net[1] >= 0) ::close(net[1]);
  if (pid < 0) {
    ::close(p.out[0]);
    ::close(p.err[0]);
    ::close(p.st[0]);
    if (net[0] >= 0) ::close(net[0]);
    return Error::internal("clone3: " + sys::errno_text(clone_errno));
  }
  // The child sends them before it execs, or fails (its end then closes).
  int listeners[kListenerCount] = {-1, -1};
  bool got = net[0] >= 0 && receive_listeners(net[0], listeners);
  if (net[0] >= 0) ::close(net[0]);
  return with_listeners(await_exec(pid, pidfd, p.out[0], p.err[0], p.st[0]), iso, got, listeners);
}

// ---- SpareSandboxes -----------------------------------------------------------

struct SpareSandboxes::Spare {
  pid_t pid = -1;
  int pidfd = -1, out_r = -1, err_r = -1, st_r = -1, go_w = -1;
  char* block = nullptr;  // shared with the child: the plan goes here
  Cgroup cgroup;

  ~Spare() {
    for (int fd : {go_w, out_r, err_r, st_r})
      if (fd >= 0) ::close(fd);
    if (pidfd >= 0) {
      ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
      siginfo_t info{};
      waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED);
      ::close(pidfd);
    }
    if (block) ::munmap(block, kPlanBytes);
    for (int i = 0; i < 200 && !cgroup.destroy(); ++i) ::usleep(5000);
  }
};

SpareSandboxes::SpareSandboxes(const Isolation& iso, size_t count)
    : iso_(iso),
      count_(iso.cgroup_version ? count : 0),
      filter_(iso.seccomp ? seccomp_deny_filter() : std::vector<sock_filter>{}) {}

SpareSandboxes::~SpareSandboxes() {
  std::lock_guard lock(mu_);
  ready_.clear();
}

size_t SpareSandboxes::alive() const {
  std::lock_guard lock(mu_);
  return ready_.size() + starting_;
}

void SpareSandboxes::refill() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (ready_.size() + starting_ >= count_) return;
      ++starting_;
    }
    std::unique_ptr<Spare> s = start();
    std::lock_guard lock(mu_);
    --starting_;
    if (!s) return;  // not now; take() falls back to spawn()
    ready_.push_back(std::move(s));
  }
}

std::unique_ptr<SpareSandboxes::Spare> SpareSandboxes::start() {
  auto s = std::make_unique<Spare>();
  void* block =
      ::mmap(nullptr, kPlanBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (block == MAP_FAILED) return nullptr;
  s->block = static_cast<char*>(block);
  if (!s->cgroup.create(iso_,
                        "spare-" + std::to_string(++serial_) + "-" + std::to_string(::getpid()), 0))
    return nullptr;
  Pipes p;
  int go[2] = {-1, -1};
  if (!p.open() || ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, go) != 0) {
    p.close_all();
    return nullptr;
  }
  pid_t pid = sys::clone_with_pidfd(static_cast<uint64_t>(iso_.clone_flags()), &s->pidfd);
  if (pid == 0)
    child(nullptr, s->block, iso_, filter_,
          ChildFds{p.out[1], p.err[1], p.st[1], go[1], s->cgroup.join_fds(), go[1]});
  ::close(p.out[1]);
  ::close(p.err[1]);
  ::close(p.st[1]);
  ::close(go[1]);
  s->cgroup.close_join_fds();
  s->out_r = p.out[0];
  s->err_r = p.err[0];
  s->st_r = p.st[0];
  s->go_w = go[0];
  if (pid < 0) return nullptr;
  s->pid = pid;
  return s;
}

std::optional<Result<Spawned>> SpareSandboxes::take(const SpawnPlan& plan, uint64_t limit_bytes,
                                                    Cgroup& cgroup) {
  std::unique_ptr<Spare> s;
  {
    std::lock_guard lock(mu_);
    if (ready_.empty()) return std::nullopt;
    s = std::move(ready_.back());
    ready_.pop_back();
  }
  // Its network's listeners, sent as soon as it started (a spare that
  // failed to make them is dropped).
  int listeners[kListenerCount] = {-1, -1};
  bool got = iso_.net_ns && receive_listeners(s->go_w, listeners);
  if (iso_.net_ns && !got) return std::nullopt;
  if (!flatten(plan, s->block) || !s->cgroup.set_limit(limit_bytes)) {
    if (got)
      for (int fd : listeners) ::close(fd);
    return std::nullopt;
  }
  s->cgroup.reset_peak();
  char go = 1;
  // The spare died (it is then dropped) or is told to go.
  if (::send(s->go_w, &go, 1, MSG_NOSIGNAL) != 1) {
    if (got)
      for (int fd : listeners) ::close(fd);
    return std::nullopt;
  }
  cgroup = std::move(s->cgroup);
  auto spawned = await_exec(s->pid, s->pidfd, s->out_r, s->err_r, s->st_r);
  s->pidfd = s->out_r = s->err_r = s->st_r = -1;  // owned by the result now
  return with_listeners(std::move(spawned), iso_, got, listeners);
}

}  // namespace nimbus::runtime
