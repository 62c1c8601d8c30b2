#include "services/kinesis/hash_key.h"

#include <openssl/evp.h>

#include <algorithm>

namespace nimbus::services::kinesis {

std::string to_decimal(HashKey k) {
  if (k == 0) return "0";
  std::string out;
  while (k != 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(k % 10)));
    k /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<HashKey> parse_hash_key(std::string_view text) {
  if (text.empty() || text.size() > 39) return std::nullopt;
  HashKey v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    HashKey digit = static_cast<HashKey>(c - '0');
    if (v > (kMaxHashKey - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

HashKey hash_of_partition_key(std::string_view partition_key) {
  // The algorithm fetched once and a context per thread: EVP_Digest with
  // EVP_md5() fetches it and allocates a context on every call, several
  // times the cost of hashing a short key (PutRecords hashes 500).
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context c;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (md5 == nullptr || c.ctx == nullptr || EVP_DigestInit_ex2(c.ctx, md5, nullptr) != 1 ||
      EVP_DigestUpdate(c.ctx, partition_key.data(), partition_key.size()) != 1 ||
      EVP_DigestFinal_ex(c.ctx, md, &n) != 1) {
    EVP_Digest(partition_key.data(), partition_key.size(), md, &n, EVP_md5(), nullptr);
  }
  HashKey v = 0;
  for (unsigned i = 0; i < 16 && i < n; ++i) v = (v << 8) | md[i];
  return v;
}

std::vector<std::pair<HashKey, HashKey>> split_range(HashKey start, HashKey end, uint32_t count) {
  std::vector<std::pair<HashKey, HashKey>> out;
  if (count == 0 || end < start) return out;
  // The range holds (end - start + 1) keys, which is 2^128 for the whole
  // space: compute floor(size / count) without forming the size.
  HashKey span = end - start;  // size - 1
  HashKey step = span / count + (span % count == count - 1 ? 1 : 0);
  for (uint32_t i = 0; i < count; ++i) {
    HashKey lo = start + step * i;
    HashKey hi = i + 1 == count ? end : start + step * (i + 1) - 1;
    out.emplace_back(lo, hi);
  }
  return out;
}

}  // namespace nimbus::services::kinesis
