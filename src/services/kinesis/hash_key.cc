#include "services/kinesis/hash_key.h"

// MD5() is deprecated for EVP in OpenSSL 3.0; see hash_of_partition_key.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>

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
  // OpenSSL's one-shot MD5 (deprecated in 3.0 for the EVP interface, kept
  // here on purpose): a key is hashed with no context to set up, where
  // EVP's init and final cost more than hashing a short key (PutRecords
  // hashes 500).
  unsigned char md[MD5_DIGEST_LENGTH];
  MD5(reinterpret_cast<const unsigned char*>(partition_key.data()), partition_key.size(), md);
  const unsigned n = MD5_DIGEST_LENGTH;
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
