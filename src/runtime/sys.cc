#include "runtime/sys.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nimbus::runtime::sys {
namespace {
// struct clone_args from <linux/sched.h> (v2 layout); spelled out here so
// that header's CLONE_* macros do not clash with <sched.h>.
struct CloneArgs {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
  uint64_t set_tid;
  uint64_t set_tid_size;
  uint64_t cgroup;
};
constexpr uint64_t kClonePidfd = 0x00001000;
}  // namespace

pid_t clone_with_pidfd(uint64_t ns_flags, int* pidfd) {
  CloneArgs args{};
  args.flags = ns_flags | kClonePidfd;
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = SIGCHLD;
  return static_cast<pid_t>(syscall(SYS_clone3, &args, sizeof args));
}

bool reap(int pidfd, int* status) {
  siginfo_t info{};
  if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG) !=
      0)
    return errno == ECHILD;  // already reaped elsewhere: treat as gone
  if (info.si_pid == 0) return false;
  if (info.si_code == CLD_EXITED)
    *status = W_EXITCODE(info.si_status, 0);
  else
    *status = info.si_status & 0x7f;  // killed: WIFSIGNALED form
  return true;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool write_file(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ::close(fd);
  return ok;
}

std::string errno_text(int err) {
  return std::strerror(err);
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace nimbus::runtime::sys
