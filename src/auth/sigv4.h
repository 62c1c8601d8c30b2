// Request authentication: AWS Signature Version 4 (Authorization header and
// presigned query), and Signature Version 2 query auth for S3 presigned URLs.
// One place verifies every AWS API request.
//
// Thread-safety: the functions are pure; CredentialProvider implementations
// must be safe to call from any event loop.
#pragma once

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
};

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // nullptr when the access key is unknown.
  virtual const Credentials* find(std::string_view access_key_id) const = 0;
};

// The credential scope a request claims: AKID/20150830/us-east-1/service/aws4_request.
struct Scope {
  std::string access_key_id;
  std::string date;     // yyyymmdd
  std::string region;
  std::string service;  // signing name: "sts", "sqs", "s3", "lambda"
};

// Reads the scope from the Authorization header or the X-Amz-Credential query
// parameter without verifying anything. Cheap; used for protocol detection.
std::optional<Scope> peek_scope(const http::Request& request);

struct Verified {
  const Credentials* credentials = nullptr;
  Scope scope;
};

// Verifies the request's signature. On success, a body sent as aws-chunked
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, with every chunk signature checked, or
// STREAMING-UNSIGNED-PAYLOAD-TRAILER) has been replaced by the decoded
// payload and the content-encoding/x-amz-decoded-content-length headers
// adjusted. Errors carry AWS's codes and a 403 status:
// IncompleteSignature, MissingAuthenticationToken (missing auth),
// InvalidClientTokenId (unknown key; S3: InvalidAccessKeyId),
// SignatureDoesNotMatch, RequestExpired / RequestTimeTooSkewed (15 min skew),
// XAmzContentSHA256Mismatch (payload hash).
Result<Verified> verify(http::Request& request, const CredentialProvider& credentials,
                        Clock::time_point now);

// Signs `request` in place with an Authorization header (and x-amz-date,
// x-amz-content-sha256 for s3). For tests, benchmarks and the CLI.
void sign(http::Request& request, const Credentials& credentials, std::string_view region,
          std::string_view service, Clock::time_point now);

}  // namespace nimbus::auth
