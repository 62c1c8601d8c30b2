#include "auth/errors.h"

#include <chrono>

#include "auth/canonical.h"

namespace nimbus::auth::errors {
namespace {

constexpr auto kSkew = std::chrono::minutes(15);

Error forbidden(std::string code, std::string message) {
  return Error::make(std::move(code), std::move(message), 403);
}

Error bad_request(std::string code, std::string message) {
  return Error::make(std::move(code), std::move(message), 400);
}

}  // namespace

Error missing_authentication() {
  return forbidden("MissingAuthenticationToken", "Request is missing Authentication Token");
}

Error incomplete(bool s3, std::string message) {
  if (s3) return bad_request("AuthorizationHeaderMalformed", std::move(message));
  return forbidden("IncompleteSignature", std::move(message));
}

Error unknown_key(bool s3) {
  if (s3) {
    return forbidden("InvalidAccessKeyId",
                     "The AWS Access Key Id you provided does not exist in our records.");
  }
  return forbidden("InvalidClientTokenId",
                   "The security token included in the request is invalid.");
}

Error invalid_token(bool s3) {
  if (s3)
    return bad_request("InvalidToken", "The provided token is malformed or otherwise invalid.");
  return unknown_key(false);
}

Error expired_token(bool s3) {
  if (s3) return bad_request("ExpiredToken", "The provided token has expired.");
  return forbidden("ExpiredToken", "The security token included in the request is expired");
}

Error mismatch(bool s3) {
  if (s3) {
    return forbidden("SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you "
                     "provided. Check your key and signing method.");
  }
  return forbidden("SignatureDoesNotMatch",
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your AWS Secret Access Key and signing method. Consult the "
                   "service documentation for details.");
}

Error skewed(bool s3, Clock::time_point request_time, Clock::time_point now) {
  if (s3) {
    return forbidden("RequestTimeTooSkewed",
                     "The difference between the request time and the current time is too large.");
  }
  using detail::format_amz_date;
  if (request_time < now) {
    return forbidden("SignatureDoesNotMatch",
                     "Signature expired: " + format_amz_date(request_time) +
                         " is now earlier than " + format_amz_date(now - kSkew) + " (" +
                         format_amz_date(now) + " - 15 min.)");
  }
  return forbidden("SignatureDoesNotMatch",
                   "Signature not yet current: " + format_amz_date(request_time) +
                       " is still later than " + format_amz_date(now + kSkew) + " (" +
                       format_amz_date(now) + " + 15 min.)");
}

Error presign_expired(bool s3) {
  if (s3) return forbidden("AccessDenied", "Request has expired");
  return bad_request("RequestExpired", "Request has expired.");
}

Error presign_not_yet_valid(bool s3, Clock::time_point request_time, Clock::time_point now) {
  if (s3) return forbidden("AccessDenied", "Request is not valid yet");
  return skewed(false, request_time, now);
}

Error query_parameters(bool s3, std::string message) {
  if (s3) return bad_request("AuthorizationQueryParametersError", std::move(message));
  return forbidden("IncompleteSignature", std::move(message));
}

Error content_sha256_mismatch() {
  return bad_request("XAmzContentSHA256Mismatch",
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.");
}

Error invalid_content_sha256() {
  return bad_request("InvalidArgument",
                     "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                     "STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                     "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.");
}

Error incomplete_body(std::string message) {
  return bad_request("IncompleteBody", std::move(message));
}

Error bad_digest(std::string_view algorithm) {
  return bad_request("BadDigest", "The " + std::string(algorithm) +
                                      " you specified did not match the calculated checksum.");
}

Error chunk_signature_mismatch() {
  return forbidden("SignatureDoesNotMatch",
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your key and signing method.");
}

}  // namespace nimbus::auth::errors
