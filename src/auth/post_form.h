// Browser POST uploads to S3: the signature a form carries over its policy
// (the base64 `policy` field's text), checked with the keys every request is
// verified with.
//   SigV4: x-amz-algorithm AWS4-HMAC-SHA256, x-amz-credential
//          AKID/yyyymmdd/region/s3/aws4_request, x-amz-date, x-amz-signature =
//          hex(HMAC-SHA256(signing key of the credential's scope, policy))
//   SigV2: AWSAccessKeyId, signature = base64(HMAC-SHA1(secret, policy))
//          (boto3's generate_presigned_post without s3v4)
//
// Pure; thread-safe as the CredentialProvider is.
#pragma once

#include <string>

#include "auth/sigv4.h"

namespace nimbus::auth {

// The form's fields that take part, as sent (empty when absent).
struct PostForm {
  std::string policy;
  std::string algorithm, credential, date, signature;  // SigV4
  std::string access_key_id, signature_v2;             // SigV2
  std::string security_token;                          // x-amz-security-token
};

// The key that signed the form's policy, or S3's error: InvalidArgument
// naming a missing field ("Bucket POST must contain a field named ..."),
// InvalidAccessKeyId, SignatureDoesNotMatch, InvalidToken / ExpiredToken
// for temporary credentials. The form's policy itself (expiry, conditions)
// is the caller's to check.
Result<Verified> verify_post(const PostForm& form, const CredentialProvider& credentials,
                             Clock::time_point now);

}  // namespace nimbus::auth
