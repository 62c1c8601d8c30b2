#include "auth/post_form.h"

#include "auth/canonical.h"
#include "auth/crypto.h"
#include "auth/errors.h"
#include "auth/internal.h"
#include "common/encoding.h"

namespace nimbus::auth {

namespace {

Error missing_field(std::string_view name) {
  return Error::make("InvalidArgument",
                     "Bucket POST must contain a field named '" + std::string(name) +
                         "'.  If it is specified, please check the order of the fields.",
                     400)
      .with("ArgumentName", std::string(name))
      .with("ArgumentValue", "");
}

Error invalid_argument(std::string message, std::string_view name, std::string_view value) {
  return Error::make("InvalidArgument", std::move(message), 400)
      .with("ArgumentName", std::string(name))
      .with("ArgumentValue", std::string(value));
}

// AKID/yyyymmdd/region/service/aws4_request.
std::optional<Scope> parse_credential(std::string_view text) {
  Scope s;
  std::string_view parts[5];
  for (int i = 0; i < 5; ++i) {
    size_t slash = i < 4 ? text.find('/') : text.size();
    if (slash == std::string_view::npos) return std::nullopt;
    parts[i] = text.substr(0, slash);
    text.remove_prefix(i < 4 ? slash + 1 : slash);
  }
  if (parts[0].empty() || parts[1].size() != 8 || parts[4] != "aws4_request") return std::nullopt;
  return Scope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
               std::string(parts[3])};
}

Result<Verified> verify_v4(const PostForm& form, const CredentialProvider& provider,
                           Clock::time_point now) {
  if (form.algorithm.empty()) return missing_field("x-amz-algorithm");
  if (form.credential.empty()) return missing_field("x-amz-credential");
  if (form.date.empty()) return missing_field("x-amz-date");
  if (form.signature.empty()) return missing_field("x-amz-signature");
  if (form.algorithm != "AWS4-HMAC-SHA256") {
    return invalid_argument("POST form's x-amz-algorithm must be AWS4-HMAC-SHA256",
                            "x-amz-algorithm", form.algorithm);
  }
  auto scope = parse_credential(form.credential);
  if (!scope) {
    return invalid_argument("Invalid credential: " + form.credential, "x-amz-credential",
                            form.credential);
  }
  auto credentials = provider.find(scope->access_key_id);
  if (!credentials) return errors::unknown_key(true);
  NIMBUS_TRY(detail::check_session(*credentials, form.security_token, now, true));
  std::string key = detail::signing_key(credentials->secret_access_key, scope->date, scope->region,
                                        scope->service);
  std::string expected = crypto::hex(crypto::hmac_sha256(key, form.policy));
  std::string given = form.signature;
  for (char& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!crypto::equal(expected, given)) return errors::mismatch(true);
  return Verified{std::move(credentials), std::move(*scope), form.security_token};
}

Result<Verified> verify_v2(const PostForm& form, const CredentialProvider& provider,
                           Clock::time_point now) {
  if (form.access_key_id.empty()) return missing_field("AWSAccessKeyId");
  if (form.signature_v2.empty()) return missing_field("Signature");
  auto credentials = provider.find(form.access_key_id);
  if (!credentials) return errors::unknown_key(true);
  NIMBUS_TRY(detail::check_session(*credentials, form.security_token, now, true));
  std::string expected =
      base64_encode(crypto::hmac_sha1(credentials->secret_access_key, form.policy));
  if (!crypto::equal(expected, form.signature_v2)) return errors::mismatch(true);
  Scope scope{form.access_key_id, "", "", "s3"};
  return Verified{std::move(credentials), std::move(scope), form.security_token};
}

}  // namespace

Result<Verified> verify_post(const PostForm& form, const CredentialProvider& credentials,
                             Clock::time_point now) {
  bool v4 = !form.algorithm.empty() || !form.credential.empty() || !form.signature.empty() ||
            !form.date.empty();
  bool v2 = !form.access_key_id.empty() || !form.signature_v2.empty();
  if (form.policy.empty()) {
    // A signature without the policy it signs.
    return missing_field("Policy");
  }
  if (v4 || !v2) return verify_v4(form, credentials, now);
  return verify_v2(form, credentials, now);
}

}  // namespace nimbus::auth
