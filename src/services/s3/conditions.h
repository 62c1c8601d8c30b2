// HTTP read semantics as S3 applies them: the Range header (one range;
// anything S3 ignores serves the whole object), the conditional headers
// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, and the
// x-amz-copy-source header. Parsers of client input: fuzzed (fuzz/s3_request_fuzz.cc).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::services::s3 {

struct ByteRange {
  enum Kind { kWhole, kPart, kUnsatisfiable } kind = kWhole;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// "bytes=0-9", "bytes=10-", "bytes=-10" against an object of `size` bytes.
// kWhole for no range or one S3 ignores (bad syntax, several ranges, last <
// first); kUnsatisfiable when the first byte is past the end (416).
ByteRange parse_range(std::string_view header, uint64_t size);

// What x-amz-copy-source names: "bucket/key", "/bucket/key",
// "bucket/key?versionId=v", percent-encoded; nullopt when it names no key.
struct CopySource {
  std::string bucket;
  std::string key;
  std::string version_id;
};
std::optional<CopySource> parse_copy_source(std::string_view text);

// Whether an If-Match / If-None-Match list ("*", "\"a\", \"b\"", W/"a",
// unquoted) names `etag` (quoted, as stored).
bool etag_matches(std::string_view list, std::string_view etag);

// The GET/HEAD preconditions of `in` (IfMatch, IfNoneMatch, IfModifiedSince,
// IfUnmodifiedSince as the model names them) against an object: nullopt to
// serve it, else 412 PreconditionFailed or 304 NotModified, in S3's order.
std::optional<Error> check_read_conditions(const boost::json::object& in, std::string_view etag,
                                           int64_t modified_ms);

}  // namespace nimbus::services::s3
