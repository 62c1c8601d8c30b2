// DirLock: an exclusive flock(2) on <data_dir>/nimbus.lock holding the owner's
// pid, so that two nimbus processes (or two Storage objects in one process)
// never open the same data directory. The kernel drops the lock when the
// process dies, so a kill -9 never leaves a stale lock behind; descendants
// still holding it for a moment (sandboxes between clone and execve) are
// waited for, up to 5 s, when the pid in the file is gone.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nimbus::storage {

class DirLock {
 public:
  // Fails with a message naming the directory and, when it can be read, the
  // pid of the process that holds it.
  static Result<std::unique_ptr<DirLock>> acquire(const std::string& dir);

 private:
  explicit DirLock(UniqueFd fd) : fd_(std::move(fd)) {}
  // Closing it releases the flock; the file stays (removing it would race
  // with a process that has just opened it).
  UniqueFd fd_;
};

}  // namespace nimbus::storage
