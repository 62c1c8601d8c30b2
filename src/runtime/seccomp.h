// The seccomp deny-list every function runs under: raw classic BPF, built in
// the parent (allocation) and installed in the child (one prctl), so no
// libseccomp. Denied calls fail with EPERM rather than killing the process,
// so a runtime that probes (for example for ptrace) keeps working.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace nimbus::runtime {

// Filter for the build architecture; empty where it is not x86_64/aarch64.
std::vector<sock_filter> seccomp_deny_filter();

// In the child, after the sandbox is set up: no-new-privs, then the filter.
// Async-signal-safe. Returns 0 or an errno.
int install_seccomp(const std::vector<sock_filter>& filter);

}  // namespace nimbus::runtime
