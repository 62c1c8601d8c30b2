// AssumeRole and GetSessionToken: the input read and checked
// (requests.h), then a session minted by IAM (Directory), durable before it
// is answered. Who may assume which role is IAM's decision (the trust
// policy under --iam enforce).
#include "common/json_fields.h"
#include "services/sts/requests.h"
#include "services/sts/sts_service.h"

namespace nimbus::services::sts {

namespace json = boost::json;

namespace {

Error access_denied(std::string message) {
  return Error::make("AccessDenied", std::move(message), 403);
}

// The caller as IAM knows it (an empty key: the account's root) and its ARN.
struct Caller {
  std::string key;
  std::string arn;
  bool session = false;
};

Caller caller_of(const iam::Directory& iam, const CallContext& ctx, const std::string& account) {
  Caller c;
  if (auto k = ctx.access_key_id.empty() ? nullptr : iam.find_key(ctx.access_key_id)) {
    c.key = k->access_key_id;
    c.arn = k->principal_arn;
    c.session = !k->session_token.empty();
  } else {
    c.arn = "arn:aws:iam::" + account + ":root";
  }
  return c;
}

}  // namespace

json::object credentials_json(const iam::TemporaryCredentials& c) {
  return {{"AccessKeyId", c.access_key_id},
          {"SecretAccessKey", c.secret_access_key},
          {"SessionToken", c.session_token},
          {"Expiration", std::chrono::duration<double>(c.expiration.time_since_epoch()).count()}};
}

void StsService::assume_role(const CallContext& ctx, json::object in, Respond respond) {
  if (!iam_) return respond(Error::internal("IAM is not available"));
  auto input = read_assume_role(in);
  if (!input) return respond(input.take_error());
  iam::AssumeRoleRequest r = std::move(input->request);
  Caller caller = caller_of(*iam_, ctx, env_.settings.account_id);
  if (caller.session && caller.arn.find(":assumed-role/") != std::string::npos &&
      r.duration.count() > 3600) {
    return respond(Error::validation(
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
        "chaining."));
  }
  r.caller_access_key = caller.key;
  r.check_trust = iam_->enforcing();
  std::string role_arn = r.role_arn, source_identity = r.source_identity;
  iam_->assume_role(r, [respond = std::move(respond), caller, role_arn, source_identity,
                        report_packed = input->report_packed,
                        packed_percent =
                            input->packed_percent](Result<iam::TemporaryCredentials> minted) {
    if (!minted) {
      if (minted.error().code == "NoSuchEntityException") {
        // AWS does not say whether the role exists.
        return respond(access_denied(
            "User: " + caller.arn +
            " is not authorized to perform: sts:AssumeRole on resource: " + role_arn));
      }
      return respond(minted.take_error());
    }
    json::object out{{"Credentials", credentials_json(*minted)},
                     {"AssumedRoleUser", json::object{{"AssumedRoleId", minted->assumed_role_id},
                                                      {"Arn", minted->assumed_role_arn}}}};
    if (report_packed) out["PackedPolicySize"] = packed_percent;
    if (!source_identity.empty()) out["SourceIdentity"] = source_identity;
    respond(std::move(out));
  });
}

void StsService::get_session_token(const CallContext& ctx, json::object in, Respond respond) {
  if (!iam_) return respond(Error::internal("IAM is not available"));
  auto r = read_session_token(in);
  if (!r) return respond(r.take_error());
  r->caller_access_key = caller_of(*iam_, ctx, env_.settings.account_id).key;
  iam_->get_session_token(*r, [respond = std::move(respond)](Result<iam::TemporaryCredentials> c) {
    if (!c) return respond(c.take_error());
    respond(json::object{{"Credentials", credentials_json(*c)}});
  });
}

}  // namespace nimbus::services::sts
