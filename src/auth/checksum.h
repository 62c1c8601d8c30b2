// The payload checksums S3 clients send (x-amz-checksum-<algorithm>, as a
// header or an aws-chunked trailer), computed incrementally over a body
// that arrives in pieces. Values are base64 of the big-endian digest, as on
// the wire.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus::auth {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// "x-amz-checksum-crc32" (any case) -> kCrc32; nullopt for other names.
std::optional<ChecksumAlgorithm> checksum_from_header(std::string_view name);
// "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256": as S3's errors name them.
std::string_view checksum_name(ChecksumAlgorithm algorithm);

class Checksum {
 public:
  explicit Checksum(ChecksumAlgorithm algorithm);
  ~Checksum();
  Checksum(Checksum&&) noexcept;
  Checksum& operator=(Checksum&&) noexcept;

  ChecksumAlgorithm algorithm() const { return algorithm_; }
  void update(std::string_view data);
  // The digest of everything given so far (update may go on): raw
  // big-endian bytes, and in base64 as on the wire.
  std::string digest() const;
  std::string base64() const;

 private:
  struct Digest;  // SHA state (OpenSSL), absent for the CRCs
  ChecksumAlgorithm algorithm_;
  uint64_t crc_ = 0;
  std::unique_ptr<Digest> digest_;
};

}  // namespace nimbus::auth
