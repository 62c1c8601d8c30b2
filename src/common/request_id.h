// AWS-style request ids (UUID version 4 text), cheap enough for every request:
// a per-thread generator seeded once from the OS. Thread-safe.
#pragma once

#include <string>

namespace nimbus {

std::string new_request_id();

}  // namespace nimbus
