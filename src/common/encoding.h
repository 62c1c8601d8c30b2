// Text encodings every layer needs: base64 (blobs on the wire, SigV2
// signatures, MD5 digests) and percent-encoding (query strings, forms, SigV4
// canonical requests). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus {

// Standard alphabet with '=' padding.
std::string base64_encode(std::string_view bytes);
// The same into a caller's buffer of base64_encoded_size(bytes.size())
// characters (a blob written straight into an answer being built).
constexpr size_t base64_encoded_size(size_t byte_count) {
  return (byte_count + 2) / 3 * 4;
}
void base64_encode_to(std::string_view bytes, char* out);
// Accepts the standard and URL-safe alphabets, optional padding, and line
// breaks or spaces between groups (as clients send them). nullopt on any
// other character, data after padding, or a truncated final group.
std::optional<std::string> base64_decode(std::string_view text);
// The same into a caller's buffer of at least base64_decoded_max(text.size())
// bytes (a blob decoded straight into its final string): the decoded size.
constexpr size_t base64_decoded_max(size_t text_size) {
  return text_size / 4 * 3 + 3;
}
std::optional<size_t> base64_decode_to(std::string_view text, char* out);

// RFC 3986 percent-encoding: every byte but the unreserved ones
// (A-Z a-z 0-9 - _ . ~), and '/' when keep_slash, becomes %XX with
// upper-case hex digits. The form SigV4 canonical requests, AWS query
// strings and S3's EncodingType=url all use.
std::string percent_encode(std::string_view text, bool keep_slash = false);

// Decodes %XX escapes; a '%' not followed by two hex digits stays as is.
// With plus_as_space, '+' becomes ' ' (application/x-www-form-urlencoded).
std::string percent_decode(std::string_view text, bool plus_as_space = false);

}  // namespace nimbus
