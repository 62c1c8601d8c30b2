#include "storage/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

namespace nimbus::storage {

namespace {

std::string read_pid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return "?";
  std::string pid(buf, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "?" : pid;
}

// The pid in the lock file names no process (it was killed).
bool owner_gone(int fd) {
  std::string pid = read_pid(fd);
  char* end = nullptr;
  long n = std::strtol(pid.c_str(), &end, 10);
  if (n <= 0 || end == pid.c_str() || *end != '\0') return false;
  return ::kill(static_cast<pid_t>(n), 0) != 0 && errno == ESRCH;
}

constexpr int kOrphanWaitSteps = 500;  // 5 s
constexpr useconds_t kOrphanWaitStepMicros = 10000;

}  // namespace

Result<std::unique_ptr<DirLock>> DirLock::acquire(const std::string& dir) {
  std::string path = dir + "/nimbus.lock";
  UniqueFd owned(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  int fd = owned.get();
  if (!owned) {
    return Error::internal("cannot open lock file " + path + ": " + std::strerror(errno));
  }
  int locked = flock(fd, LOCK_EX | LOCK_NB);
  int err = locked == 0 ? 0 : errno;
  // Held, but by a nimbus that is gone: the lock lives on in its sandboxes'
  // children until they exit (a child holds the server's descriptors from
  // its clone to its execve, and a parent's death reaches it as SIGKILL a
  // moment later). A restart right after a kill -9 waits for them, up to
  // 5 s; a live owner is refused at once.
  for (int i = 0; err == EWOULDBLOCK && i < kOrphanWaitSteps && owner_gone(fd); ++i) {
    ::usleep(kOrphanWaitStepMicros);
    locked = flock(fd, LOCK_EX | LOCK_NB);
    err = locked == 0 ? 0 : errno;
  }
  if (locked != 0) {
    std::string pid = read_pid(fd);
    if (err == EWOULDBLOCK) {
      return Error::internal("data directory " + dir + " is in use by another nimbus (pid " + pid +
                             "); stop it or choose another --data-dir");
    }
    return Error::internal("cannot lock " + path + ": " + std::strerror(err));
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    err = errno;
    return Error::internal("cannot write " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<DirLock>(new DirLock(std::move(owned)));
}

}  // namespace nimbus::storage
