// Object checksums (x-amz-checksum-*): which algorithm a write asks for,
// the stored value, and the output members that carry it. The bytes are
// digested where the body is written (blob_sink.h); `auth/` has already
// checked a claimed header or trailer value against the same bytes on the
// way in, and the engine checks a claimed header value again (requests
// made in-process do not pass auth/).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/checksum.h"
#include "common/result.h"

namespace nimbus::services::s3 {

// What a write asks for: the algorithm and, when a header carried it, the
// value it claims (base64).
struct ChecksumRequest {
  auth::ChecksumAlgorithm algorithm;
  std::string claimed;
};

// From a PutObject / UploadPart input: a ChecksumCRC32 / CRC32C / SHA1 /
// SHA256 / CRC64NVME member, else ChecksumAlgorithm (the value then comes in
// a trailer, or not at all). nullopt when neither is there; InvalidRequest
// for two values or an unknown algorithm.
Result<std::optional<ChecksumRequest>> checksum_request(const boost::json::object& in);

// "CRC32" -> kCrc32 (S3's names, any case); nullopt for others.
std::optional<auth::ChecksumAlgorithm> checksum_algorithm(std::string_view name);

// The output member of an algorithm: "ChecksumCRC32", ...
std::string checksum_member(std::string_view algorithm);

// A multipart object's checksum from its parts' (base64) values: the
// digest of their raw digests, "-N" appended (S3's COMPOSITE type).
// nullopt when a part has none or a value does not decode.
std::optional<std::string> composite_checksum(auth::ChecksumAlgorithm algorithm,
                                              const std::vector<std::string>& parts);

// S3's ChecksumType of a stored value: "COMPOSITE" (a multipart object's
// "-N" value) or "FULL_OBJECT".
std::string checksum_type(std::string_view value);

// 400 BadDigest as S3 answers a value that does not match the body.
Error checksum_mismatch(std::string_view algorithm);

}  // namespace nimbus::services::s3
