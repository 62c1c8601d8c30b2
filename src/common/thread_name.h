// Names the current thread, so that top -H, perf and /proc/PID/task/*/comm
// tell nimbus's threads apart: "nimbus-http-0", "nimbus-worker",
// "nimbus-commit". Linux keeps the first 15 bytes.
#pragma once

namespace nimbus {

void set_thread_name(const char* name);

}  // namespace nimbus
