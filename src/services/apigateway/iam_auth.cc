#include "services/apigateway/iam_auth.h"

#include <boost/json.hpp>

#include "services/apigateway/gateway_responses.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/proxy.h"

namespace nimbus::services::apigateway {

namespace {

http::Response refuse(const char* member, const std::string& message, const char* type) {
  http::Response resp;
  resp.status = 403;
  resp.set_header("Content-Type", "application/json");
  resp.set_header("x-amzn-ErrorType", type);
  resp.body = boost::json::serialize(boost::json::object{{member, message}});
  mark_gateway_error(resp);
  return resp;
}

// The verifier's error as API Gateway words it.
http::Response unverified(const Error& e) {
  if (e.code == "MissingAuthenticationToken") {
    return refuse("message", "Missing Authentication Token", "MissingAuthenticationTokenException");
  }
  if (e.code == "InvalidClientTokenId") {
    return refuse("message", "The security token included in the request is invalid.",
                  "UnrecognizedClientException");
  }
  if (e.code == "SignatureDoesNotMatch") {
    return refuse("message",
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your AWS Secret Access Key and signing method. Consult the "
                  "service documentation for details.",
                  "InvalidSignatureException");
  }
  if (e.code == "IncompleteSignature") {
    return refuse("message", e.message, "IncompleteSignatureException");
  }
  return refuse("message", e.message, "UnrecognizedClientException");
}

}  // namespace

std::optional<http::Response> IamAuth::check(
    http::Request& request, Kind kind, const std::string& action, const std::string& resource,
    const std::string& region, Caller& caller,
    const std::shared_ptr<const nimbus::iam::Policy>& policy, Invoker who) const {
  bool url = kind == Kind::kFunctionUrl;
  auto forbidden = [] { return refuse("Message", "Forbidden", "AccessDeniedException"); };
  if (verifier_ == nullptr) {
    return url ? forbidden() : unverified(Error::make("MissingAuthenticationToken", ""));
  }
  auto verified = verifier_->verify(request, url ? "lambda" : "execute-api");
  if (!verified) return url ? forbidden() : unverified(verified.error());
  caller = std::move(*verified);
  bool enforcing = iam_ != nullptr && iam_->enforcing();
  if (policy) {
    who.principal_arn = caller.principal_arn;
    who.account_id = caller.account_id;
    who.principal_id = caller.principal_id;
    auto verdict = evaluate_rest_policy(*policy, resource, who);
    if (verdict == PolicyVerdict::kExplicitDeny) return policy_refusal(who, resource, true);
    if (!enforcing && verdict != PolicyVerdict::kAllow &&
        !same_account(resource, caller.account_id)) {
      return policy_refusal(who, resource, false);
    }
  }
  if (!enforcing) return std::nullopt;
  iam::AccessRequest access;
  access.access_key_id = caller.root ? "" : caller.access_key_id;
  access.action = action;
  access.resources = {resource};
  if (policy) access.resource_policies = {policy};
  access.source_ip = source_ip(request.remote);
  access.region = region;
  auto decision = iam_->authorize(access);
  if (decision.allowed) return std::nullopt;
  if (url) return forbidden();
  return refuse("Message",
                "User: " + caller.principal_arn + " is not authorized to perform: " + action +
                    " on resource: " + resource,
                "AccessDeniedException");
}

}  // namespace nimbus::services::apigateway
