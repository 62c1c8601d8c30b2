// Small POSIX helpers shared by the runtime's .cc files. Internal.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace nimbus::runtime::sys {

// clone3 without a new stack: behaves like fork() (the child runs on a copy
// of this stack) and returns a pidfd for the child. Returns -1 and errno on
// failure. The child may only make async-signal-safe calls until execve.
pid_t clone_with_pidfd(uint64_t ns_flags, int* pidfd);

// Reaps an exited child through its pidfd without blocking; returns false if
// it has not exited. `status` is a waitpid()-style status.
bool reap(int pidfd, int* status);

std::string read_file(const std::string& path);  // "" when unreadable
bool write_file(const std::string& path, const std::string& data);
std::string errno_text(int err);
// Removes a directory tree; tolerant of missing entries. Never follows symlinks.
void remove_tree(const std::string& path);

}  // namespace nimbus::runtime::sys
