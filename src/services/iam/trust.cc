// Who may assume a role: the role's trust policy evaluated as a resource
// policy for the action sts:AssumeRole (and sts:TagSession when session
// tags are passed), against a service principal or the calling principal
// with its own identity policies, as AWS evaluates AssumeRole.
#include "services/iam/authorizer.h"
#include "services/iam/entities.h"
#include "services/iam/errors.h"

namespace nimbus::services::iam {

namespace {}  // namespace

void Authorizer::describe_caller(const Caller& caller, engine::RequestContext& ctx) const {
  const std::string& account = env_.settings.account_id;
  ctx.principal_arn = caller.arn;
  ctx.principal_account = account;
  ctx.set("aws:PrincipalArn", caller.role_arn.empty() ? caller.arn : caller.role_arn);
  ctx.set("aws:PrincipalAccount", account);
  ctx.set("aws:userid", caller.id);
  if (!caller.user.empty() && caller.role.empty()) ctx.set("aws:username", caller.user);
  for (const auto& [key, value] : caller.tags) ctx.set("aws:PrincipalTag/" + key, value);
  ctx.set("aws:PrincipalType", !caller.role.empty()  ? "AssumedRole"
                               : caller.user.empty() ? "Account"
                                                     : "User");
}

Status Authorizer::check_trust(const State& state, const Role& role,
                               const AssumeRoleRequest& request) const {
  auto trust = engine::parse_policy(role.trust_policy, engine::PolicyKind::kTrust);
  engine::RequestContext ctx;
  ctx.resource = role.arn;
  engine::PrincipalPolicies none;
  std::shared_ptr<const Compiled> caller;
  if (!request.federated_principal.empty()) {
    ctx.federated_principal = request.federated_principal;
    ctx.set("aws:FederatedProvider", request.federated_principal);
    for (const auto& [key, value] : request.federated_keys) ctx.add(key, value);
  } else if (!request.service_principal.empty()) {
    ctx.service_principal = request.service_principal;
  } else if (request.caller_access_key.empty()) {
    return errors::access_denied("Roles may not be assumed by root accounts.");
  } else {
    caller = compiled(state, request.caller_access_key);
    if (!caller)
      return errors::access_denied("The security token included in the request is invalid.");
    if (caller->policies->root)
      return errors::access_denied("Roles may not be assumed by root accounts.");
    describe_caller(caller->caller, ctx);
  }
  if (!request.external_id.empty()) ctx.set("sts:ExternalId", request.external_id);
  for (const auto& [key, value] : request.tags) {
    ctx.add("aws:TagKeys", key);
    ctx.set("aws:RequestTag/" + key, value);
  }
  if (!request.source_identity.empty()) ctx.set("sts:SourceIdentity", request.source_identity);
  const engine::PrincipalPolicies& policies = caller ? *caller->policies : none;
  if (!request.federated_principal.empty()) {
    // Only the trust policy decides; AWS does not say why it refuses.
    ctx.action = "sts:AssumeRoleWithWebIdentity";
    bool allowed =
        trust && engine::evaluate(ctx, policies, &*trust).decision == engine::Decision::kAllow;
    if (allowed) return Status::ok();
    return errors::access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity");
  }
  for (const char* action : {"sts:AssumeRole", "sts:TagSession"}) {
    if (action[4] == 'T' && request.tags.empty()) break;
    ctx.action = action;
    // A trust policy that no longer parses trusts no one.
    auto outcome =
        trust ? engine::evaluate(ctx, policies, &*trust)
              : engine::Outcome{engine::Decision::kImplicitDeny, engine::DeniedBy::kResource};
    if (outcome.decision != engine::Decision::kAllow) {
      return errors::access_denied(
          "User: " + (ctx.principal_arn.empty() ? ctx.service_principal : ctx.principal_arn) +
          " is not authorized to perform: " + action + " on resource: " + role.arn);
    }
  }
  return Status::ok();
}

bool Authorizer::trusted_by(std::string_view role_arn, std::string_view service_principal) const {
  auto state = store_.snapshot();
  std::string arn(role_arn);
  const Entity* role = find_entity(*state, Kind::kRole, arn.substr(arn.rfind('/') + 1));
  if (!role || role->arn != arn) return false;
  AssumeRoleRequest request;
  request.service_principal = service_principal;
  return static_cast<bool>(check_trust(*state, static_cast<const Role&>(*role), request));
}

}  // namespace nimbus::services::iam
