#include "services/sqs/digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <random>

namespace nimbus::services::sqs {

namespace {

std::string hex(const unsigned char* p, unsigned n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (unsigned i = 0; i < n; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 0xf];
  }
  return s;
}

std::string digest_hex(const EVP_MD* md, std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &n, md, nullptr);
  return hex(out, n);
}

void put_len_value(std::string& out, std::string_view v) {
  auto n = static_cast<uint32_t>(v.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out.append(v);
}

}  // namespace

std::string md5_hex(std::string_view bytes) {
  return digest_hex(EVP_md5(), bytes);
}
std::string sha256_hex(std::string_view bytes) {
  return digest_hex(EVP_sha256(), bytes);
}

std::string md5_of_attributes(const std::vector<MessageAttribute>& attributes) {
  if (attributes.empty()) return {};
  std::vector<const MessageAttribute*> sorted;
  sorted.reserve(attributes.size());
  for (const auto& a : attributes) sorted.push_back(&a);
  std::sort(sorted.begin(), sorted.end(),
            [](const MessageAttribute* a, const MessageAttribute* b) { return a->name < b->name; });
  std::string buf;
  for (const auto* a : sorted) {
    put_len_value(buf, a->name);
    put_len_value(buf, a->type);
    buf.push_back(a->binary ? 2 : 1);
    put_len_value(buf, a->value);
  }
  return md5_hex(buf);
}

uint64_t random_u64() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }());
  return rng();
}

std::string random_uuid() {
  uint64_t hi = random_u64();
  uint64_t lo = random_u64();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 15; i >= 0; --i) {
    s += kHex[(hi >> (4 * i)) & 0xf];
    if (i == 8 || i == 4) s += '-';
  }
  s += '-';
  for (int i = 15; i >= 0; --i) {
    s += kHex[(lo >> (4 * i)) & 0xf];
    if (i == 12) s += '-';
  }
  return s;
}

}  // namespace nimbus::services::sqs
