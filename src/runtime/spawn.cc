#include "runtime/spawn.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>

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
  kExec
};
const char* stage_name(int s) {
  static const char* names[] = {"redirecting output",    "joining the cgroup",
                                "building the root",     "setting the hostname",
                                "setting rlimits",       "entering the directory",
                                "dropping capabilities", "installing seccomp",
                                "forking the runtime",   "execve"};
  return s >= 0 && s <= kExec ? names[s] : "?";
}

[[noreturn]] void fail(int fd, int stage, int err) {
  int msg[2] = {stage, err};
  ssize_t n = ::write(fd, msg, sizeof msg);
  (void)n;
  _exit(127);
}

int replay(const MountOp& op) {
  switch (op.kind) {
    case MountOp::kMkdir:
      return ::mkdir(op.target.c_str(), 0755) == 0 || errno == EEXIST ? 0 : errno;
    case MountOp::kTouch: {
      int fd = ::open(op.target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) return errno;
      ::close(fd);
      return 0;
    }
    case MountOp::kSymlink:
      return ::symlink(op.source.c_str(), op.target.c_str()) == 0 ? 0 : errno;
    case MountOp::kMount:
      return ::mount(op.source.empty() ? nullptr : op.source.c_str(), op.target.c_str(),
                     op.fstype.empty() ? nullptr : op.fstype.c_str(), op.flags,
                     op.data.empty() ? nullptr : op.data.c_str()) == 0
                 ? 0
                 : errno;
    case MountOp::kPivotRoot: {
      // source = new root, target = where the old root goes (inside it).
      if (syscall(SYS_pivot_root, op.source.c_str(), op.target.c_str()) != 0) return errno;
      if (::chdir("/") != 0) return errno;
      if (::umount2("/.old", MNT_DETACH) != 0) return errno;
      ::rmdir("/.old");
      return 0;
    }
  }
  return EINVAL;
}

[[noreturn]] void init_loop(pid_t runtime, int out_w, int err_w, int status_w) {
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd <= 2; ++fd) ::dup2(null_fd, fd);
  // Keep only the status pipe: every other descriptor (our own pipes, and
  // those of environments spawned concurrently from other threads) must
  // not stay open for the life of the namespace.
  (void)out_w;
  (void)err_w;
  if (status_w > 3) syscall(SYS_close_range, 3u, static_cast<unsigned>(status_w - 1), 0u);
  syscall(SYS_close_range, static_cast<unsigned>(status_w + 1), ~0u, 0u);
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, 0);
    if (pid == runtime) {
      ssize_t n = ::write(status_w, &status, sizeof status);
      (void)n;
      _exit(0);
    }
    if (pid < 0 && errno == ECHILD) _exit(0);
  }
}

void drop_capabilities() {
  for (int cap = 0; cap <= 63; ++cap) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  syscall(SYS_capset, &hdr, data);
}

[[noreturn]] void child(const SpawnPlan& plan, const Isolation& iso,
                        const std::vector<sock_filter>& filter, char* const* argv,
                        char* const* envp, int out_w, int err_w, int status_w, int procs_fd,
                        int pids_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_w, 1) < 0 || ::dup2(out_w, 2) < 0)
    fail(err_w, kDup, errno);
  ::setsid();  // own process group: killable as one even without a PID namespace
  if (procs_fd >= 0 && ::write(procs_fd, "0", 1) != 1) fail(err_w, kCgroup, errno);
  if (pids_fd >= 0 && ::write(pids_fd, "0", 1) != 1) fail(err_w, kCgroup, errno);
  for (const MountOp& op : plan.mounts)
    if (int e = replay(op)) fail(err_w, kMountStep, e);
  if (iso.uts_ns && !plan.hostname.empty() &&
      ::sethostname(plan.hostname.data(), plan.hostname.size()) != 0)
    fail(err_w, kHostname, errno);
  rlimit nofile{static_cast<rlim_t>(plan.open_files), static_cast<rlim_t>(plan.open_files)};
  rlimit core{0, 0};
  if (::setrlimit(RLIMIT_NOFILE, &nofile) != 0 || ::setrlimit(RLIMIT_CORE, &core) != 0)
    fail(err_w, kRlimit, errno);
  if (plan.memory_rlimit) {
    rlimit data{plan.memory_rlimit, plan.memory_rlimit};
    if (::setrlimit(RLIMIT_DATA, &data) != 0) fail(err_w, kRlimit, errno);
  }
  if (::chdir(plan.cwd.c_str()) != 0) fail(err_w, kChdir, errno);
  // Everything inherited beyond stdio (other subsystems' sockets and files)
  // closes at execve; err_w stays open until then to report failures.
  syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
  drop_capabilities();
  if (iso.seccomp)
    if (int e = install_seccomp(filter)) fail(err_w, kSeccomp, e);
  if (iso.pid_ns) {
    // We are PID 1 of the namespace, which ignores default-action signals
    // (a runtime's own abort() would not work). Run the runtime as PID 2
    // and stay a minimal init: reap, then report its status and exit,
    // which takes the whole namespace down.
    pid_t runtime = static_cast<pid_t>(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
    if (runtime < 0) fail(err_w, kInit, errno);
    if (runtime > 0) init_loop(runtime, out_w, err_w, status_w);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  }
  ::close(status_w);
  ::execve(argv[0], argv, envp);
  fail(err_w, kExec, errno);
}

}  // namespace

std::vector<MountOp> private_root_ops(const std::string& root, const std::string& code_dir,
                                      const std::string& runtime_dir, uint32_t tmp_mb,
                                      const std::vector<std::string>& extra_ro) {
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
  ops.push_back(op(MountOp::kMkdir, "", root + "/opt"));
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

Result<Spawned> spawn(const SpawnPlan& plan, const Isolation& iso, int cgroup_procs_fd,
                      int pids_procs_fd) {
  std::vector<char*> argv, envp;
  for (const auto& a : plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : plan.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::vector<sock_filter> filter =
      iso.seccomp ? seccomp_deny_filter() : std::vector<sock_filter>{};

  int out[2], err[2], st[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Error::internal("pipe: " + sys::errno_text(errno));
  if (::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(st, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return Error::internal("pipe: " + sys::errno_text(errno));
  }
  int pidfd = -1;
  pid_t pid = sys::clone_with_pidfd(static_cast<uint64_t>(iso.clone_flags()), &pidfd);
  if (pid == 0)
    child(plan, iso, filter, argv.data(), envp.data(), out[1], err[1], st[1], cgroup_procs_fd,
          pids_procs_fd);
  int clone_errno = errno;
  ::close(out[1]);
  ::close(err[1]);
  ::close(st[1]);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    ::close(st[0]);
    return Error::internal("clone3: " + sys::errno_text(clone_errno));
  }
  int msg[2];
  ssize_t n;
  do n = ::read(err[0], msg, sizeof msg);
  while (n < 0 && errno == EINTR);
  ::close(err[0]);
  if (n == static_cast<ssize_t>(sizeof msg)) {
    siginfo_t info{};
    waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED);
    ::close(pidfd);
    ::close(out[0]);
    ::close(st[0]);
    std::string text = std::string("sandbox setup failed while ") + stage_name(msg[0]) + ": " +
                       sys::errno_text(msg[1]);
    // A missing or non-executable entry point is the function's fault.
    if (msg[0] == kExec) return Error::make("Runtime.InvalidEntrypoint", text, 502);
    return Error::internal(text);
  }
  ::fcntl(out[0], F_SETFL, ::fcntl(out[0], F_GETFL) | O_NONBLOCK);
  return Spawned{pid, pidfd, out[0], st[0]};
}

}  // namespace nimbus::runtime
