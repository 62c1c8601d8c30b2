// GZIP (RFC 1952) of a whole object body, for CompressionFormat GZIP.
#pragma once

#include <string>
#include <string_view>

namespace nimbus::services::firehose {

// The gzip member holding `data` (zlib's deflate, default level).
std::string gzip(std::string_view data);

}  // namespace nimbus::services::firehose
