// nimbus-init: PID 1 of a function's sandbox (see init_protocol.h).
//
// A separate program rather than a fork of the server, so that nothing of
// the server is reachable through /proc/1 inside the sandbox: its command
// line is this program's, its environment the function's, its memory this
// small image, its descriptors the two pipes of init_protocol.h. It also
// makes itself non-dumpable, so the function (same uid) cannot open
// /proc/1/{environ,fd,mem,maps} at all.
//
// Only libc, no C++ library (the build links it without libstdc++), so that
// it loads in a fraction of a millisecond.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/init/init_protocol.h"

extern char** environ;

namespace {

void write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 127;
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ::fcntl(NIMBUS_INIT_STATUS_FD, F_SETFD, FD_CLOEXEC);
  ::fcntl(NIMBUS_INIT_EXEC_ERROR_FD, F_SETFD, FD_CLOEXEC);
  pid_t runtime = ::fork();
  if (runtime < 0) return 127;
  if (runtime == 0) {
    // The runtime dies with its init; exec makes it dumpable again, so its
    // own /proc/self works.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    nimbus_execve(argv[1], argv + 1, environ);
    int msg[2] = {NIMBUS_INIT_EXEC_STAGE, errno};
    write_all(NIMBUS_INIT_EXEC_ERROR_FD, msg, sizeof msg);
    _exit(127);
  }
  ::close(NIMBUS_INIT_EXEC_ERROR_FD);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0)
    for (int fd = 0; fd <= 2; ++fd) ::dup2(null_fd, fd);
  ::syscall(SYS_close_range, NIMBUS_INIT_STATUS_FD + 1, ~0u, 0u);
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, 0);
    if (pid == runtime) {
      write_all(NIMBUS_INIT_STATUS_FD, &status, sizeof status);
      _exit(0);
    }
    if (pid < 0 && errno == ECHILD) _exit(0);
  }
}
