// Multipart uploads as values, and the checks CompleteMultipartUpload makes.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::services::s3 {

struct Upload {
  std::string bucket;
  std::string key;
  std::string id;
  int64_t initiated_ms = 0;
  std::string owner;
  boost::json::object headers;  // as PutObject keeps them
  boost::json::object metadata;
  boost::json::object tags;
  std::string checksum_algorithm;  // CreateMultipartUpload's ChecksumAlgorithm ("" for none)
};

struct PartInfo {
  int number = 0;
  std::string blob;
  uint64_t size = 0;
  std::string etag;  // quoted MD5 of the part
  int64_t modified_ms = 0;
  std::string checksum;  // base64, with the upload's algorithm ("" for none)
};

// A part CompleteMultipartUpload names.
struct CompletedPart {
  int number = 0;
  std::string etag;
  std::string checksum;  // its Checksum<algorithm> member, when given
};

inline constexpr uint64_t kMinPartBytes = 5ull << 20;
inline constexpr int kMaxPartNumber = 10000;

// Checks `asked` against the upload's `stored` parts (ascending by number)
// as S3 does: MalformedXML (none), InvalidPartOrder, InvalidPart (missing,
// or another ETag), EntityTooSmall (a part but the last under 5 MiB).
// Returns the stored parts in the asked order.
Result<std::vector<PartInfo>> select_parts(std::string_view upload_id,
                                           const std::vector<CompletedPart>& asked,
                                           const std::vector<PartInfo>& stored);

// S3's ETag of a completed upload: MD5 of the parts' binary MD5s, "-N".
std::string multipart_etag(const std::vector<PartInfo>& parts);

}  // namespace nimbus::services::s3
