// S3's rules for bucket names and object keys.
#pragma once

#include <string>
#include <string_view>

namespace nimbus::services::s3 {

// 3-63 characters of lower-case letters, digits, '.' and '-', beginning and
// ending with a letter or digit, no "..", not an IP address, none of the
// reserved prefixes (xn--, sthree-, amzn-s3-demo-) and suffixes (-s3alias,
// --ol-s3, .mrap, --x-s3, --table-s3).
bool valid_bucket_name(std::string_view name);

inline constexpr size_t kMaxKeyBytes = 1024;
inline constexpr size_t kMaxMetadataBytes = 2048;

// Listings: a key above every key that starts with `prefix` (keys are at
// most kMaxKeyBytes), where a common prefix's listing continues.
std::string past(const std::string& prefix);

}  // namespace nimbus::services::s3
