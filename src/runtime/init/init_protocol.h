// What the sandbox's PID 1 (nimbus-init, init/nimbus_init.cc) and the server
// agree on. Plain C-compatible constants: the init program includes this and
// nothing else of nimbus.
//
// The server's child execs `nimbus-init RUNTIME_PATH ARGS...` with the
// runtime's environment, after the sandbox is built and the user switched.
// Descriptors 0-2 are the runtime's stdio; kStatusFd and kExecErrorFd are the
// only others open. init forks the runtime (PID 2), which execs
// RUNTIME_PATH; if that fails, the runtime writes {kExecStage, errno} as two
// ints to kExecErrorFd (which closes on a successful exec, as the server's
// own exec-error pipe does). init reaps every orphan; when the runtime ends it
// writes the runtime's wait status (an int) to kStatusFd and exits, which
// ends the PID namespace.
#pragma once

#include <errno.h>
#include <time.h>
#include <unistd.h>

#define NIMBUS_INIT_STATUS_FD 3
#define NIMBUS_INIT_EXEC_ERROR_FD 4
// The stage number the server's spawn() reports as "execve" (Stage kExec).
#define NIMBUS_INIT_EXEC_STAGE 9

// execve, retried while the file is busy (ETXTBSY): a bootstrap written a
// moment ago may still be open for writing in a child that another thread
// of the server forked meanwhile (the descriptor closes at that child's own
// execve), Linux's known race between writing an executable and running it.
// Returns only when execve failed otherwise or stayed busy for a second.
static inline void nimbus_execve(const char* path, char* const argv[], char* const envp[]) {
  for (int i = 0; i < 100; ++i) {
    execve(path, argv, envp);
    if (errno != ETXTBSY) return;
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, 0);
  }
}
