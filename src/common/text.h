// Small text helpers the services share (ASCII only: the AWS names, keys and
// header values they apply to are ASCII, and no locale is consulted).
#pragma once

#include <string>
#include <string_view>

namespace nimbus {

// `s` with A-Z lowered to a-z.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace nimbus
