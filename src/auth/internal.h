// Shared between the files of nimbus_auth; not part of the public contract.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/sigv4.h"

namespace nimbus::auth::detail {

// The decoded value of the first query parameter named `name` (exact case).
std::optional<std::string> query_param(std::string_view raw_query, std::string_view name);

bool starts_with_ci(std::string_view s, std::string_view prefix);

// Temporary credentials: the request must send the key's own session token
// and arrive before the credentials expire.
Status check_session(const Credentials& credentials, std::string_view token, Clock::time_point now,
                     bool s3);

// SigV2 (S3 only): query auth (AWSAccessKeyId/Expires/Signature) and the
// "Authorization: AWS AKID:signature" header.
Result<Verified> verify_v2_query(const http::Request& request, const CredentialProvider& provider,
                                 Clock::time_point now);
Result<Verified> verify_v2_header(const http::Request& request, const CredentialProvider& provider,
                                  Clock::time_point now);
// The SigV2 string to sign; `date` is the Date header or the Expires value.
std::string v2_string_to_sign(const http::Request& request, std::string_view date,
                              std::string_view resource);

// The CanonicalizedResource of a path-style request: raw path plus the
// sub-resources of its query.
std::string v2_resource(const http::Request& request);

}  // namespace nimbus::auth::detail
