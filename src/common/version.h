#pragma once

namespace nimbus {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace nimbus
