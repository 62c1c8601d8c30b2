// RFC 3339 timestamps as the States Language accepts them (Wait Timestamp,
// Timestamp* comparisons): 2016-03-14T01:59:00Z, fractions and numeric
// offsets allowed, uppercase T and Z required.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace nimbus::sfn::asl {

// Milliseconds since the epoch; nullopt when `text` is not such a timestamp.
std::optional<int64_t> parse_timestamp_ms(std::string_view text);

}  // namespace nimbus::sfn::asl
