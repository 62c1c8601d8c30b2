// Request authentication: AWS Signature Version 4 (Authorization header and
// presigned query), and Signature Version 2 query auth for S3 presigned URLs.
// One place verifies every AWS API request.
//
// Thread-safety: the functions are pure; CredentialProvider implementations
// must be safe to call from any event loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "http/message.h"

namespace nimbus::auth {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;
  // The signing helpers send it as X-Amz-Security-Token. When a provider's
  // credentials carry one (temporary credentials), verify() requires the
  // request to send exactly it (else InvalidClientTokenId).
  std::string session_token;
  // Temporary credentials stop verifying at this time (ExpiredToken);
  // the epoch (the default) means never.
  Clock::time_point expiration{};
  // Who the key belongs to (an IAM user, a role session, the account root);
  // empty for the configured root pair.
  std::string principal_arn{};
  std::string principal_id{};  // AIDA... / AROA...:session, as GetCallerIdentity's UserId
};

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // nullptr when the access key is unknown (or deleted, or inactive). The
  // answer is shared: a key deleted while a request is verified stays valid
  // for that request.
  virtual std::shared_ptr<const Credentials> find(std::string_view access_key_id) const = 0;
};

// The credential scope a request claims: AKID/20150830/us-east-1/service/aws4_request.
struct Scope {
  std::string access_key_id;
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;  // signing name: "sts", "sqs", "s3", "lambda"
};

// Reads the scope from the Authorization header or the X-Amz-Credential query
// parameter without verifying anything. Cheap; used for protocol detection.
std::optional<Scope> peek_scope(const http::Request& request);

struct Verified {
  std::shared_ptr<const Credentials> credentials;
  Scope scope;                // SigV2 requests report service "s3" and an empty region and date
  std::string session_token;  // X-Amz-Security-Token, when sent
};

// Verifies the request's signature. On success, a body sent as aws-chunked
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], with every chunk signature
// checked, or STREAMING-UNSIGNED-PAYLOAD-TRAILER) has been replaced by the
// decoded payload, its trailers became headers and the content-encoding/
// content-length/x-amz-decoded-content-length headers describe the payload;
// an x-amz-checksum-* value (header or trailer) has been checked (BadDigest).
//
// A streamed body (request.stream, see verifies_streaming) is not read here:
// it is replaced by a stream of the decoded payload that checks the payload
// hash, chunk signatures, decoded length and checksum as it is read, and
// fails the read that finds a mismatch (at the latest, the one reaching the
// end of the body) with the same errors. Its trailers stay in the stream
// (auth/payload.h); content-length is the decoded length when declared. Errors carry AWS's codes
// and a 403 status: IncompleteSignature, MissingAuthenticationToken (missing auth),
// InvalidClientTokenId (unknown key, or a session token that is not the
// key's; S3: InvalidAccessKeyId / InvalidToken), ExpiredToken (temporary
// credentials past their expiration),
// SignatureDoesNotMatch, RequestExpired / RequestTimeTooSkewed (15 min skew),
// XAmzContentSHA256Mismatch (payload hash).
Result<Verified> verify(http::Request& request, const CredentialProvider& credentials,
                        Clock::time_point now);

// True when verify() can check `request` before its body is read: SigV4
// with an x-amz-content-sha256 header, an S3 presigned URL (SigV4's
// UNSIGNED-PAYLOAD or SigV2's query, which boto3 presigns by default) or an
// S3 SigV2 Authorization header. Other requests need their whole body first.
bool verifies_streaming(const http::Request& request);

// Signs `request` in place with an Authorization header (and x-amz-date,
// x-amz-content-sha256 for s3). For tests, benchmarks and the CLI.
// Every header present is signed except user-agent, expect and
// x-amzn-trace-id; the request must already carry its host header. An
// x-amz-content-sha256 already set (UNSIGNED-PAYLOAD, a streaming mode) is
// signed as given instead of the body's hash.
void sign(http::Request& request, const Credentials& credentials, std::string_view region,
          std::string_view service, Clock::time_point now);

// Like sign(), but sends the body as aws-chunked
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) in chunks of `chunk_size` bytes, each
// chunk signed: the body is replaced by its encoded form.
void sign_streaming(http::Request& request, const Credentials& credentials, std::string_view region,
                    std::string_view service, Clock::time_point now, size_t chunk_size = 64 * 1024);

// Presigns `request` in place: appends X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders (host only) and
// X-Amz-Signature to its target. S3 presigned URLs sign UNSIGNED-PAYLOAD,
// other services the body's hash.
void presign(http::Request& request, const Credentials& credentials, std::string_view region,
             std::string_view service, Clock::time_point now, std::chrono::seconds expires);

// S3 SigV2 query auth as boto3 does it (signature_version "s3"): appends
// AWSAccessKeyId, Expires and Signature to the target.
void presign_v2(http::Request& request, const Credentials& credentials,
                Clock::time_point expires_at);

// verify() names errors as the query (and S3) protocols do. JSON protocols
// (awsJson, restJson) name three of them differently; the protocol engine
// maps with this: SignatureDoesNotMatch -> InvalidSignatureException,
// InvalidClientTokenId -> UnrecognizedClientException, IncompleteSignature ->
// IncompleteSignatureException, MissingAuthenticationToken ->
// MissingAuthenticationTokenException. Other codes come back unchanged.
std::string_view json_error_code(std::string_view code);

}  // namespace nimbus::auth
