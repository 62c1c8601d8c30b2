// Hashes, HMACs and encodings used by request signing, on top of OpenSSL's
// libcrypto. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace nimbus::auth::crypto {

// Raw digests (binary strings) and their lower-case hex form.
std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
// SHA-1: only where a format names it (SAM's logical ids), never for security.
std::string sha1(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
std::string hmac_sha1(std::string_view key, std::string_view data);

std::string hex(std::string_view bytes);

// Constant-time for equal lengths; differing lengths return false at once
// (lengths are public: every signature of one kind has the same length).
bool equal(std::string_view a, std::string_view b);

// True when `s` is 64 lower- or upper-case hex digits.
bool is_sha256_hex(std::string_view s);

}  // namespace nimbus::auth::crypto
