// The runtime bootstraps nimbus ships, embedded at build time from
// bootstraps/ (see embed.cmake) and written under the state directory by
// Host::create, so the binary needs no install tree.
#pragma once

#include <cstddef>

namespace nimbus::runtime {
extern const char kPythonBootstrap[];  // bootstraps/python/bootstrap.py
extern const char kNodeBootstrap[];    // bootstraps/node/bootstrap.cjs
// The nimbus-init program (init/nimbus_init.cc), installed as
// <runtime dir>/nimbus-init.
extern const unsigned char kInitImage[];
extern const size_t kInitImageSize;
}  // namespace nimbus::runtime
