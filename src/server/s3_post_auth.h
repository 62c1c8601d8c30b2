// S3's browser POST uploads, authenticated and authorized as every AWS API
// request is (services/s3/post_auth.h): the form's signature over its policy
// with the server's credentials (auth/post_form.h), and IAM's decision on
// s3:PutObject of the key through Access (--iam enforce / audit), the
// bucket's policy included.
#pragma once

#include "auth/sigv4.h"
#include "common/clock.h"
#include "server/access.h"
#include "server/options.h"
#include "services/s3/post_auth.h"

namespace nimbus::server {

class S3PostAuth final : public services::s3::PostAuth {
 public:
  // `access` may be null (nothing evaluated); `s3` names the bucket
  // policies. All must outlive this.
  S3PostAuth(const ServeOptions& options, const auth::CredentialProvider& credentials,
             const Clock& clock, const Access* access, const services::Service& s3)
      : options_(options), credentials_(credentials), clock_(clock), access_(access), s3_(s3) {}

  Result<services::s3::PostSigner> authenticate(
      const std::map<std::string, std::string>& fields) const override;
  Status authorize(const services::s3::PostSigner& signer, const services::CallContext& ctx,
                   std::string_view bucket, std::string_view key) const override;

 private:
  const ServeOptions& options_;
  const auth::CredentialProvider& credentials_;
  const Clock& clock_;
  const Access* access_;
  const services::Service& s3_;
};

}  // namespace nimbus::server
