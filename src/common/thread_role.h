// Which kind of thread runs now, so that debug builds can check that a
// blocking call (a synchronous commit, a storage write, a process spawn) is
// not made on a thread that must never block: an edge event loop or the
// runtime loop (docs/threading.md lists every kind and what it may do).
//
// A thread says what it is once, where it starts (set_thread_role); a thread
// that never says is kUnknown (tests' own threads, third-party threads) and
// passes every check. The checks cost nothing in release builds (NDEBUG).
#pragma once

#include <cstdint>

namespace nimbus {

enum class ThreadRole : uint8_t {
  kUnknown,
  kMain,          // start-up and shutdown
  kEventLoop,     // an edge (HTTP) loop: never blocks
  kWorker,        // the WorkerPool: may block (storage, files, children)
  kCommitter,     // storage's group committer: runs commit callbacks
  kScheduler,     // the Scheduler's timer thread: callbacks must be quick
  kRuntimeLoop,   // the runtime's loop (Runtime API, log pipes): never blocks
  kRuntimeSpawn,  // the runtime's spawn pool: may block
};

void set_thread_role(ThreadRole role);
ThreadRole thread_role();
const char* thread_role_name(ThreadRole role);

// True on the threads that must never block (the event loops).
inline bool on_event_loop() {
  auto r = thread_role();
  return r == ThreadRole::kEventLoop || r == ThreadRole::kRuntimeLoop;
}

namespace detail {
[[noreturn]] void thread_role_violation(const char* what);
}  // namespace detail

// Debug builds abort (naming `what` and the thread) when called on an event
// loop. `what` names the blocking call, e.g. "Storage::commit_sync".
inline void assert_may_block([[maybe_unused]] const char* what) {
#ifndef NDEBUG
  if (on_event_loop()) detail::thread_role_violation(what);
#endif
}

// Debug builds abort unless the current thread has `role` (or none: tests).
inline void assert_thread_role([[maybe_unused]] ThreadRole role,
                               [[maybe_unused]] const char* what) {
#ifndef NDEBUG
  auto r = thread_role();
  if (r != role && r != ThreadRole::kUnknown) detail::thread_role_violation(what);
#endif
}

}  // namespace nimbus
