#include "server/s3_post_auth.h"

#include "auth/post_form.h"

namespace nimbus::server {

namespace {

std::string field(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

}  // namespace

Result<services::s3::PostSigner> S3PostAuth::authenticate(
    const std::map<std::string, std::string>& fields) const {
  services::s3::PostSigner signer;
  if (options_.auth == AuthMode::kOff) return signer;  // as other requests: not checked
  auth::PostForm form;
  form.policy = field(fields, "policy");
  form.algorithm = field(fields, "x-amz-algorithm");
  form.credential = field(fields, "x-amz-credential");
  form.date = field(fields, "x-amz-date");
  form.signature = field(fields, "x-amz-signature");
  form.access_key_id = field(fields, "awsaccesskeyid");
  form.signature_v2 = field(fields, "signature");
  form.security_token = field(fields, "x-amz-security-token");
  if (form.policy.empty() && form.algorithm.empty() && form.credential.empty() &&
      form.signature.empty() && form.access_key_id.empty() && form.signature_v2.empty()) {
    signer.anonymous = true;  // bucket policies decide (authorize)
    return signer;
  }
  auto verified = auth::verify_post(form, credentials_, clock_.now());
  if (!verified) return verified.take_error();
  const auto& c = *verified->credentials;
  signer.access_key_id = c.access_key_id;
  signer.account_id = c.account_id;
  signer.principal_arn = c.principal_arn;
  signer.principal_id = c.principal_id;
  return signer;
}

Status S3PostAuth::authorize(const services::s3::PostSigner& signer,
                             const services::CallContext& ctx, std::string_view bucket,
                             std::string_view key) const {
  bool enforcing = access_ != nullptr && access_->mode() == IamMode::kEnforce;
  if (signer.anonymous && !enforcing && options_.auth != AuthMode::kOff) {
    // Unsigned requests are refused unless bucket policies decide them.
    return Error::make("AccessDenied", "Access Denied", 403);
  }
  if (access_ == nullptr || access_->mode() == IamMode::kOff) return Status::ok();
  protocol::Call call;
  call.protocol = protocol::Protocol::kRestXml;
  call.service_name = "s3";
  call.operation_name = "PutObject";
  call.input = boost::json::object{{"Bucket", bucket}, {"Key", key}};
  services::CallContext as = ctx;
  as.operation = "PutObject";
  as.access_key_id = signer.access_key_id;
  if (!signer.account_id.empty()) as.account_id = signer.account_id;
  Principal principal{signer.principal_arn, signer.principal_id, signer.anonymous};
  services::Resources resources{"arn:aws:s3:::" + std::string(bucket) + "/" + std::string(key)};
  if (auto denied = access_->check(call, as, principal, resources, s3_, "")) {
    return std::move(*denied);
  }
  return Status::ok();
}

}  // namespace nimbus::server
