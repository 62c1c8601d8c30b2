// The errors request authentication answers with, named and worded as AWS
// does. `s3` selects S3's own codes (RequestTimeTooSkewed, InvalidAccessKeyId,
// AccessDenied for expiry) over the ones every other service shares.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"

namespace nimbus::auth::errors {

Error missing_authentication();
Error incomplete(bool s3, std::string message);
Error unknown_key(bool s3);
Error mismatch(bool s3);
// Temporary credentials sent without their session token, or with another.
Error invalid_token(bool s3);
// Temporary credentials past their expiration.
Error expired_token(bool s3);
// Request time outside the 15-minute window around `now`.
Error skewed(bool s3, Clock::time_point request_time, Clock::time_point now);
Error presign_expired(bool s3);
Error presign_not_yet_valid(bool s3, Clock::time_point request_time, Clock::time_point now);
Error query_parameters(bool s3, std::string message);  // malformed presigned URL
Error content_sha256_mismatch();
Error invalid_content_sha256();
Error incomplete_body(std::string message);
Error chunk_signature_mismatch();
// An x-amz-checksum-* value that does not match the body; `algorithm` as
// S3 names it ("CRC32").
Error bad_digest(std::string_view algorithm);

}  // namespace nimbus::auth::errors
