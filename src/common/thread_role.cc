#include "common/thread_role.h"

#include <cstdio>
#include <cstdlib>

namespace nimbus {

namespace {
thread_local ThreadRole current = ThreadRole::kUnknown;
}  // namespace

void set_thread_role(ThreadRole role) {
  current = role;
}

ThreadRole thread_role() {
  return current;
}

const char* thread_role_name(ThreadRole role) {
  switch (role) {
    case ThreadRole::kUnknown:
      return "unknown";
    case ThreadRole::kMain:
      return "main";
    case ThreadRole::kEventLoop:
      return "event loop";
    case ThreadRole::kWorker:
      return "worker";
    case ThreadRole::kCommitter:
      return "storage committer";
    case ThreadRole::kScheduler:
      return "scheduler";
    case ThreadRole::kRuntimeLoop:
      return "runtime loop";
    case ThreadRole::kRuntimeSpawn:
      return "runtime spawn pool";
  }
  return "?";
}

namespace detail {
void thread_role_violation(const char* what) {
  std::fprintf(stderr, "nimbus: %s called on the %s thread, which must not make this call\n", what,
               thread_role_name(thread_role()));
  std::abort();
}
}  // namespace detail

}  // namespace nimbus
