// The 128-bit hash key space Kinesis routes records by: a partition key's
// MD5 read as a big-endian unsigned integer, or an ExplicitHashKey given in
// decimal; shards own contiguous ranges of it. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::services::kinesis {

__extension__ typedef unsigned __int128 HashKey;

inline constexpr HashKey kMaxHashKey = ~HashKey{0};  // 2^128 - 1

// Decimal text of `k` (no leading zeros; "0" for zero).
std::string to_decimal(HashKey k);
// A decimal string of 1-39 digits that fits in 128 bits; nullopt otherwise.
std::optional<HashKey> parse_hash_key(std::string_view text);
// MD5 of the partition key as a 128-bit big-endian integer.
HashKey hash_of_partition_key(std::string_view partition_key);
// `count` contiguous ranges covering [start, end], as even as integer division
// makes them (the first ones get the rounding, as AWS splits a new stream).
std::vector<std::pair<HashKey, HashKey>> split_range(HashKey start, HashKey end, uint32_t count);

}  // namespace nimbus::services::kinesis
