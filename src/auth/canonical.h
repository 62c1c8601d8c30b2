// The pieces of a SigV4 signature: canonical URI, query and headers, the
// canonical request, the string to sign and the signing key; plus the AWS
// timestamp formats. Internal to nimbus_auth, exposed for tests and the signer.
// Pure functions; thread-safe.
#pragma once

#include "common/encoding.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "http/message.h"

namespace nimbus::auth::detail {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// RFC 3986 percent-encoding as SigV4 wants it (common/encoding.h).
using ::nimbus::percent_encode;
// Decodes %XX escapes (malformed escapes stay as they are); '+' becomes a
// space only when plus_as_space.
using ::nimbus::percent_decode;

// Removes "." and ".." segments and empty segments ("//"), keeping a leading
// and a trailing slash. "" becomes "/".
std::string normalize_path(std::string_view path);

// Canonical URI of a raw (as sent) request path. Other services normalise the
// path and encode the raw path once more (so "%20" signs as "%2520"); S3 does
// not normalise, and signs the object key encoded exactly once.
std::string canonical_uri(std::string_view raw_path, bool s3);

// Canonical query: every parameter decoded and re-encoded, sorted by name
// then value. `drop_signature` leaves out X-Amz-Signature (presigned URLs).
std::string canonical_query(std::string_view raw_query, bool drop_signature,
                            bool plus_as_space = false);

// Splits "host;x-amz-date" into names.
std::vector<std::string_view> split_signed_headers(std::string_view signed_headers);

// "name:value\n" for each signed header, values trimmed, inner runs of
// whitespace folded to one space, repeats joined with ','.
std::string canonical_headers(const http::Headers& headers,
                              const std::vector<std::string_view>& signed_names);

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, std::string_view canonical_headers,
                              std::string_view signed_headers, std::string_view payload_hash);

// "20150830/us-east-1/service/aws4_request"
std::string scope_string(std::string_view date, std::string_view region, std::string_view service);

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);

// Hex HMAC-SHA256 of `string_to_sign` under `key`.
std::string signature(std::string_view key, std::string_view string_to_sign);

// "20150830T123600Z" <-> time.
std::optional<Clock::time_point> parse_amz_date(std::string_view s);
std::string format_amz_date(Clock::time_point t);
// RFC 7231 IMF-fixdate: "Sun, 30 Aug 2015 12:36:00 GMT".
std::optional<Clock::time_point> parse_http_date(std::string_view s);

std::string_view trim(std::string_view s);

}  // namespace nimbus::auth::detail
