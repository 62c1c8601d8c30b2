// The runtime bootstraps nimbus ships, embedded at build time from
// bootstraps/ (see embed.cmake) and written under the state directory by
// Host::create, so the binary needs no install tree.
#pragma once

namespace nimbus::runtime {
extern const char kPythonBootstrap[];  // bootstraps/python/bootstrap.py
extern const char kNodeBootstrap[];    // bootstraps/node/bootstrap.cjs
}  // namespace nimbus::runtime
