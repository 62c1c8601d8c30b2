#include "auth/checksum.h"

#include <isa-l/crc.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "common/crc32c.h"
#include "common/encoding.h"
#include "http/message.h"

namespace nimbus::auth {

namespace {

// CRC-64/NVME by slicing-by-8: eight 256-entry tables let the loop take
// eight bytes per step. (CRC32 and CRC32C come from ISA-L, which folds with
// carry-less multiplication at 10-25 GB/s; its 2.30 in Debian 12 has no
// NVMe polynomial.) Init and final xor are all ones.
class Crc64Nvme {
 public:
  static constexpr uint64_t kPoly = 0x9A6C9329AC4BC9B5ull;  // reflected
  Crc64Nvme() {
    for (unsigned i = 0; i < 256; ++i) {
      uint64_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t_[0][i] = c;
    }
    for (unsigned i = 0; i < 256; ++i) {
      for (size_t s = 1; s < 8; ++s) t_[s][i] = (t_[s - 1][i] >> 8) ^ t_[0][t_[s - 1][i] & 0xff];
    }
  }

  uint64_t update(uint64_t crc, std::string_view data) const {
    crc = ~crc;
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    size_t n = data.size();
    while (n >= 8) {
      uint64_t word = 0;
      for (int i = 7; i >= 0; --i) word = (word << 8) | p[i];  // little-endian load
      word ^= crc;
      crc = 0;
      for (int i = 0; i < 8; ++i) crc ^= t_[7 - i][(word >> (8 * i)) & 0xff];
      p += 8;
      n -= 8;
    }
    while (n-- > 0) crc = (crc >> 8) ^ t_[0][(crc ^ *p++) & 0xff];
    return ~crc;
  }

 private:
  std::array<std::array<uint64_t, 256>, 8> t_{};
};

const Crc64Nvme& crc64nvme() {
  static const Crc64Nvme t;
  return t;
}

const unsigned char* bytes_of(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

std::string big_endian(uint64_t v, size_t bytes) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) out[bytes - 1 - i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

}  // namespace

struct Checksum::Digest {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Digest() { EVP_MD_CTX_free(ctx); }
};

std::optional<ChecksumAlgorithm> checksum_from_header(std::string_view name) {
  // Asked of every header of every signed request: no copy of the name.
  constexpr std::string_view kPrefix = "x-amz-checksum-";
  if (name.size() <= kPrefix.size() || !http::iequals(name.substr(0, kPrefix.size()), kPrefix)) {
    return std::nullopt;
  }
  std::string_view n = name.substr(kPrefix.size());
  if (http::iequals(n, "crc32")) return ChecksumAlgorithm::kCrc32;
  if (http::iequals(n, "crc32c")) return ChecksumAlgorithm::kCrc32c;
  if (http::iequals(n, "crc64nvme")) return ChecksumAlgorithm::kCrc64Nvme;
  if (http::iequals(n, "sha1")) return ChecksumAlgorithm::kSha1;
  if (http::iequals(n, "sha256")) return ChecksumAlgorithm::kSha256;
  return std::nullopt;
}

std::string_view checksum_name(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
  }
  return "";
}

Checksum::Checksum(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {
  if (algorithm == ChecksumAlgorithm::kSha1 || algorithm == ChecksumAlgorithm::kSha256) {
    digest_ = std::make_unique<Digest>();
    EVP_DigestInit_ex(digest_->ctx,
                      algorithm == ChecksumAlgorithm::kSha1 ? EVP_sha1() : EVP_sha256(), nullptr);
  }
}

Checksum::~Checksum() = default;
Checksum::Checksum(Checksum&&) noexcept = default;
Checksum& Checksum::operator=(Checksum&&) noexcept = default;

void Checksum::update(std::string_view data) {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      // Pre- and post-inverts itself: chains on the previous value.
      crc_ = crc32_gzip_refl(static_cast<uint32_t>(crc_), bytes_of(data), data.size());
      break;
    case ChecksumAlgorithm::kCrc32c:
      crc_ = crc32c_extend(static_cast<uint32_t>(crc_), data);
      break;
    case ChecksumAlgorithm::kCrc64Nvme:
      crc_ = crc64nvme().update(crc_, data);
      break;
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
      EVP_DigestUpdate(digest_->ctx, data.data(), data.size());
      break;
  }
}

std::string Checksum::base64() const {
  return base64_encode(digest());
}

std::string Checksum::digest() const {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
    case ChecksumAlgorithm::kCrc32c:
      return big_endian(crc_, 4);
    case ChecksumAlgorithm::kCrc64Nvme:
      return big_endian(crc_, 8);
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256: {
      // Finish a copy, so that update() may continue on the original.
      EVP_MD_CTX* copy = EVP_MD_CTX_new();
      EVP_MD_CTX_copy_ex(copy, digest_->ctx);
      unsigned char out[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      EVP_DigestFinal_ex(copy, out, &len);
      EVP_MD_CTX_free(copy);
      return std::string(reinterpret_cast<const char*>(out), len);
    }
  }
  return {};
}

}  // namespace nimbus::auth
