#include "services/kinesis/iterator.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/encoding.h"

namespace nimbus::services::kinesis {

namespace {

constexpr char kVersion = 1;
constexpr size_t kBodyBytes = 1 + 8 + 4 + 8 + 8;
constexpr size_t kMacBytes = 16;
// base64 of kBodyBytes + kMacBytes (45) bytes, padded.
constexpr size_t kTokenChars = 60;

void put(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

}  // namespace

std::string IteratorCodec::mac(std::string_view bytes) const {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out, &n);
  return std::string(reinterpret_cast<const char*>(out), kMacBytes);
}

std::string IteratorCodec::encode(const ShardPosition& p) const {
  std::string body;
  body.reserve(kBodyBytes + kMacBytes);
  body.push_back(kVersion);
  put(body, p.stream_id, 8);
  put(body, p.shard, 4);
  put(body, p.next_seq, 8);
  put(body, static_cast<uint64_t>(p.issued_ms), 8);
  body += mac(body);
  return base64_encode(body);
}

std::optional<ShardPosition> IteratorCodec::decode(std::string_view token) const {
  if (token.size() != kTokenChars) return std::nullopt;
  auto bytes = base64_decode(token);
  // Only the one spelling encode() writes (base64_decode also takes the
  // URL-safe alphabet and spaces).
  if (!bytes || bytes->size() != kBodyBytes + kMacBytes || (*bytes)[0] != kVersion ||
      base64_encode(*bytes) != token) {
    return std::nullopt;
  }
  std::string_view body(bytes->data(), kBodyBytes);
  std::string expected = mac(body);
  if (CRYPTO_memcmp(expected.data(), bytes->data() + kBodyBytes, kMacBytes) != 0) {
    return std::nullopt;
  }
  ShardPosition p;
  p.stream_id = get(body, 1, 8);
  p.shard = static_cast<uint32_t>(get(body, 9, 4));
  p.next_seq = get(body, 13, 8);
  p.issued_ms = static_cast<int64_t>(get(body, 21, 8));
  return p;
}

}  // namespace nimbus::services::kinesis
