#include "auth/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>

namespace nimbus::auth::crypto {
namespace {

// OpenSSL 3's one-shot SHA256() and HMAC() look their algorithm up in the
// provider store on every call (a fetch, a lock, property matching) and
// allocate a context: that was most of what a signature check cost. The
// algorithms are fetched once per process and the contexts kept per thread.
// Every call of a request's verification runs on one thread, start to end.

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

enum Algorithm { kSha256, kSha1, kAlgorithms };

EVP_MD* fetched_md(Algorithm a) {
  static EVP_MD* const kMds[kAlgorithms] = {EVP_MD_fetch(nullptr, "SHA256", nullptr),
                                            EVP_MD_fetch(nullptr, "SHA1", nullptr)};
  return kMds[a];
}

EVP_MAC* fetched_hmac() {
  static EVP_MAC* const kMac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return kMac;
}

struct ThreadContexts {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_MAC_CTX* mac[kAlgorithms] = {};
  // The key each mac context was last keyed with: a request's signature is
  // an HMAC under the day's signing key, the same key as the last request's,
  // and a context re-initialised without a key keeps its padded key state
  // (two compression rounds saved per HMAC).
  std::string mac_key[kAlgorithms];
  bool mac_keyed[kAlgorithms] = {};
  ThreadContexts() {
    for (int a = 0; a < kAlgorithms; ++a) {
      mac[a] = EVP_MAC_CTX_new(fetched_hmac());
      char name[8];
      std::strcpy(name, a == kSha256 ? "SHA256" : "SHA1");
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0),
                             OSSL_PARAM_construct_end()};
      EVP_MAC_CTX_set_params(mac[a], params);
    }
  }
  ~ThreadContexts() {
    EVP_MD_CTX_free(md);
    for (auto* m : mac) EVP_MAC_CTX_free(m);
  }
  ThreadContexts(const ThreadContexts&) = delete;
  ThreadContexts& operator=(const ThreadContexts&) = delete;
};

ThreadContexts& contexts() {
  thread_local ThreadContexts t;
  return t;
}

// The digest of `data` into `out` (EVP_MAX_MD_SIZE bytes); its length.
size_t digest_to(Algorithm a, std::string_view data, unsigned char* out) {
  unsigned int len = 0;
  EVP_MD_CTX* ctx = contexts().md;
  EVP_DigestInit_ex(ctx, fetched_md(a), nullptr);
  EVP_DigestUpdate(ctx, data.data(), data.size());
  EVP_DigestFinal_ex(ctx, out, &len);
  return len;
}

size_t hmac_to(Algorithm a, std::string_view key, std::string_view data, unsigned char* out) {
  size_t len = 0;
  // A key of length 0 still needs a non-null pointer for OpenSSL.
  static const unsigned char kEmpty = 0;
  ThreadContexts& t = contexts();
  EVP_MAC_CTX* ctx = t.mac[a];
  // Compared in constant time: both are secrets.
  if (t.mac_keyed[a] && equal(t.mac_key[a], key)) {
    EVP_MAC_init(ctx, nullptr, 0, nullptr);
  } else {
    t.mac_keyed[a] =
        EVP_MAC_init(ctx, key.empty() ? &kEmpty : bytes(key), key.size(), nullptr) == 1;
    t.mac_key[a].assign(key);
  }
  EVP_MAC_update(ctx, bytes(data), data.size());
  EVP_MAC_final(ctx, out, &len, EVP_MAX_MD_SIZE);
  return len;
}

std::string as_string(const unsigned char* bytes, size_t n) {
  return std::string(reinterpret_cast<const char*>(bytes), n);
}

// The digests are hexed from the stack: one string per answer, not two.
std::string hex_of(const unsigned char* bytes, size_t n) {
  return hex(std::string_view(reinterpret_cast<const char*>(bytes), n));
}

}  // namespace

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  return as_string(out, digest_to(kSha256, data, out));
}

std::string sha1(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  return as_string(out, digest_to(kSha1, data, out));
}

std::string sha256_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  return hex_of(out, digest_to(kSha256, data, out));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  return as_string(out, hmac_to(kSha256, key, data, out));
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  return hex_of(out, hmac_to(kSha256, key, data, out));
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  return as_string(out, hmac_to(kSha1, key, data, out));
}

std::string hex(std::string_view in) {
  static constexpr char kDigits[] = "0123456789abcdef";
  // Sized once and written by index: push_back checks the capacity per digit.
  std::string out(in.size() * 2, '\0');
  char* o = out.data();
  for (unsigned char c : in) {
    *o++ = kDigits[c >> 4];
    *o++ = kDigits[c & 15];
  }
  return out;
}

bool equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

}  // namespace nimbus::auth::crypto
