// Who may upload through a browser POST form (post_handlers.cc). The form is
// its own credential: its signature over its policy is checked with the keys
// every request is verified with, and IAM decides s3:PutObject on the key
// as for a PutObject. The server implements this (server/s3_post_auth.h) and
// hands it to the service at start-up (S3Service::use_post_auth).
//
// Threads: any; never blocks.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "services/service.h"

namespace nimbus::services::s3 {

// Who signed a form.
struct PostSigner {
  std::string access_key_id;  // empty: anonymous, or authentication is off
  std::string account_id;
  std::string principal_arn;  // empty for the configured root pair
  std::string principal_id;
  bool anonymous = false;  // the form carries no signature (and no policy)
};

class PostAuth {
 public:
  virtual ~PostAuth() = default;
  // `fields`: the form's fields, names lower-cased. The signer of its policy
  // (x-amz-signature or SigV2's signature), an anonymous signer for a form
  // with neither policy nor signature, or S3's error (InvalidArgument for a
  // missing field, InvalidAccessKeyId, SignatureDoesNotMatch, ...).
  virtual Result<PostSigner> authenticate(
      const std::map<std::string, std::string>& fields) const = 0;
  // Whether `signer` may put `bucket`/`key` (s3:PutObject on
  // arn:aws:s3:::bucket/key against its policies and the bucket's):
  // AccessDenied when not.
  virtual Status authorize(const PostSigner& signer, const CallContext& ctx,
                           std::string_view bucket, std::string_view key) const = 0;
};

}  // namespace nimbus::services::s3
