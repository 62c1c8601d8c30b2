// AssumeRoleWithWebIdentity: an unsigned call (the router lets it through
// without SigV4) that trades an OpenID Connect token for a role session.
// The token's `iss` must name an OIDC provider registered in IAM, its `aud`
// one of the provider's client ids, its `exp`/`nbf`/`iat` must hold now,
// and its signature must verify with a key of the issuer's JSON Web Key Set
// (src/auth/jwks.h: discovery, then jwks_uri). The role's trust policy then
// decides with the provider as the Federated principal and the token's
// keys (`<host/path>:aud`, `:oaud`, `:sub`, `:amr`) in its conditions; the
// session is minted like AssumeRole's.
#include "auth/jwks.h"
#include "auth/jwt.h"
#include "common/json_fields.h"
#include "services/sts/requests.h"
#include "services/sts/sts_service.h"

namespace nimbus::services::sts {

namespace json = boost::json;

namespace {

Error invalid_token(std::string message) {
  return Error::make("InvalidIdentityTokenException", std::move(message), 400);
}

Error not_authorized() {
  return Error::make("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                     403);
}

std::string text_claim(const json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string without_scheme(const std::string& url) {
  auto at = url.find("://");
  return at == std::string::npos ? url : url.substr(at + 3);
}

// What the token says, once its claims hold: the audience it was matched
// by and the trust policy's condition keys.
struct Verified {
  std::string issuer, subject, audience;
  iam::OidcProviderInfo provider;
  std::vector<std::pair<std::string, std::string>> keys;
};

Result<Verified> check_token(const auth::Jwt& jwt, const iam::Directory& iam, int64_t now) {
  Verified v;
  v.issuer = text_claim(jwt.claims, "iss");
  auto provider = iam.find_oidc_provider(v.issuer);
  if (!provider) {
    return invalid_token("No OpenIDConnect provider found in your account for " + v.issuer);
  }
  v.provider = std::move(*provider);
  auto exp = auth::numeric_claim(jwt.claims, "exp");
  if (exp && *exp <= now) {
    return Error::make("ExpiredTokenException",
                       "Token expired: current date/time " + std::to_string(now) +
                           " must be before the expiration date/time " + std::to_string(*exp),
                       400);
  }
  auto audiences = auth::string_claims(jwt.claims, "aud");
  const auto& ids = v.provider.client_ids;
  for (const auto& a : audiences) {
    if (std::find(ids.begin(), ids.end(), a) != ids.end()) {
      v.audience = a;
      break;
    }
  }
  if (v.audience.empty()) return invalid_token("Incorrect token audience");
  auth::JwtRules rules{v.issuer, ids, {}, now};
  if (auto d = auth::check_claims(jwt, rules); d.kind != auth::JwtDecision::kAllow) {
    return invalid_token("Invalid web identity token: " + d.description);
  }
  v.subject = text_claim(jwt.claims, "sub");
  // The provider's keys as IAM names them: "<host/path>:aud" is the azp
  // claim when there is one (the audiences are then ":oaud"), else aud.
  std::string prefix = without_scheme(v.provider.url) + ":";
  std::string azp = text_claim(jwt.claims, "azp");
  if (!azp.empty()) {
    v.keys.emplace_back(prefix + "aud", azp);
    for (const auto& a : audiences) v.keys.emplace_back(prefix + "oaud", a);
  } else {
    for (const auto& a : audiences) v.keys.emplace_back(prefix + "aud", a);
  }
  if (!v.subject.empty()) v.keys.emplace_back(prefix + "sub", v.subject);
  for (const auto& m : auth::string_claims(jwt.claims, "amr"))
    v.keys.emplace_back(prefix + "amr", m);
  return v;
}

}  // namespace

void StsService::assume_role_with_web_identity(const CallContext&, json::object in,
                                               Respond respond) {
  if (!iam_) return respond(Error::internal("IAM is not available"));
  auto input = read_web_identity(in);
  if (!input) return respond(input.take_error());
  auto jwt = auth::decode_jwt(input->token);
  if (!jwt) return respond(invalid_token("The web identity token is not a JSON Web Token"));
  auto now = std::chrono::duration_cast<std::chrono::seconds>(env_.clock.now().time_since_epoch());
  auto verified = check_token(*jwt, *iam_, now.count());
  if (!verified) return respond(verified.take_error());
  std::call_once(jwks_once_, [this] { jwks_ = std::make_unique<auth::JwksCache>(env_.clock); });
  const auto* kid = jwt->header.if_contains("kid");
  std::string key_id = kid && kid->is_string() ? std::string(kid->as_string()) : "";
  std::string url = verified->provider.url;
  iam::AssumeRoleRequest request = std::move(input->assume.request);
  request.federated_principal = verified->provider.arn;
  request.federated_keys = verified->keys;
  request.check_trust = true;
  jwks_->key(
      url, key_id,
      [iam = iam_, jwt = std::move(*jwt), v = std::move(*verified), request = std::move(request),
       report_packed = input->assume.report_packed, packed = input->assume.packed_percent,
       respond = std::move(respond)](auth::KeyLookup found) mutable {
        if (found.unavailable) {
          return respond(Error::make(
              "IDPCommunicationErrorException",
              "Couldn't retrieve verification key from your identity provider " + v.issuer, 400));
        }
        if (!found.key)
          return respond(invalid_token("Invalid web identity token: " + found.reason));
        if (!auth::verify_signature(jwt, *found.key)) {
          return respond(invalid_token("The web identity token's signature is not valid"));
        }
        iam->assume_role(
            request, [v = std::move(v), report_packed, packed,
                      respond = std::move(respond)](Result<iam::TemporaryCredentials> minted) {
              if (!minted) {
                // AWS does not say whether the role exists.
                if (minted.error().code == "NoSuchEntityException") {
                  return respond(not_authorized());
                }
                return respond(minted.take_error());
              }
              json::object out{
                  {"Credentials", credentials_json(*minted)},
                  {"SubjectFromWebIdentityToken", v.subject},
                  {"AssumedRoleUser", json::object{{"AssumedRoleId", minted->assumed_role_id},
                                                   {"Arn", minted->assumed_role_arn}}},
                  {"Provider", v.issuer},
                  {"Audience", v.audience}};
              if (report_packed) out["PackedPolicySize"] = packed;
              respond(std::move(out));
            });
      });
}

}  // namespace nimbus::services::sts
