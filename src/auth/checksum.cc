#include "auth/checksum.h"

#include <openssl/evp.h>

#include <array>

#include "common/encoding.h"
#include "http/message.h"

namespace nimbus::auth {

namespace {

// A reflected CRC (init and final xor all ones) by slicing-by-8: eight
// 256-entry tables let the loop take eight bytes per step.
template <typename T, T kPoly>
class ReflectedCrc {
 public:
  ReflectedCrc() {
    for (unsigned i = 0; i < 256; ++i) {
      T c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t_[0][i] = c;
    }
    for (unsigned i = 0; i < 256; ++i) {
      for (size_t s = 1; s < 8; ++s) t_[s][i] = (t_[s - 1][i] >> 8) ^ t_[0][t_[s - 1][i] & 0xff];
    }
  }

  T update(T crc, std::string_view data) const {
    crc = ~crc;
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    size_t n = data.size();
    while (n >= 8) {
      uint64_t word = 0;
      for (int i = 7; i >= 0; --i) word = (word << 8) | p[i];  // little-endian load
      if constexpr (sizeof(T) == 8) {
        word ^= crc;
        crc = 0;
      } else {
        word ^= static_cast<uint32_t>(crc);
        crc = 0;
      }
      for (int i = 0; i < 8; ++i) crc ^= t_[7 - i][(word >> (8 * i)) & 0xff];
      p += 8;
      n -= 8;
    }
    while (n-- > 0) crc = (crc >> 8) ^ t_[0][(crc ^ *p++) & 0xff];
    return ~crc;
  }

 private:
  std::array<std::array<T, 256>, 8> t_{};
};

const ReflectedCrc<uint32_t, 0xEDB88320u>& crc32() {
  static const ReflectedCrc<uint32_t, 0xEDB88320u> t;
  return t;
}
const ReflectedCrc<uint32_t, 0x82F63B78u>& crc32c() {
  static const ReflectedCrc<uint32_t, 0x82F63B78u> t;
  return t;
}
const ReflectedCrc<uint64_t, 0x9A6C9329AC4BC9B5ull>& crc64nvme() {
  static const ReflectedCrc<uint64_t, 0x9A6C9329AC4BC9B5ull> t;
  return t;
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
  std::string n = http::to_lower(name);
  if (n == "x-amz-checksum-crc32") return ChecksumAlgorithm::kCrc32;
  if (n == "x-amz-checksum-crc32c") return ChecksumAlgorithm::kCrc32c;
  if (n == "x-amz-checksum-crc64nvme") return ChecksumAlgorithm::kCrc64Nvme;
  if (n == "x-amz-checksum-sha1") return ChecksumAlgorithm::kSha1;
  if (n == "x-amz-checksum-sha256") return ChecksumAlgorithm::kSha256;
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
      crc_ = crc32().update(static_cast<uint32_t>(crc_), data);
      break;
    case ChecksumAlgorithm::kCrc32c:
      crc_ = crc32c().update(static_cast<uint32_t>(crc_), data);
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
