// Services acting as a role (Directory::authorize_as_role): the role's trust
// policy must let the service assume it, then the action is decided with
// the role's policies as for a session of that role, without minting one.
#include "services/iam/authorizer.h"
#include "services/iam/entities.h"

namespace nimbus::services::iam {

AccessDecision Authorizer::authorize_as_role(const RoleAccessRequest& request) const {
  AccessDecision decision;
  std::string session = request.session_name.empty() ? "nimbus" : request.session_name;
  const std::string& arn = request.role_arn;
  std::string name = arn.substr(arn.rfind('/') + 1);
  decision.principal =
      "arn:aws:sts::" + env_.settings.account_id + ":assumed-role/" + name + "/" + session;
  if (!enforcing_) return decision;
  auto state = store_.snapshot();
  const Entity* role =
      arn.find(":role/") == std::string::npos ? nullptr : find_entity(*state, Kind::kRole, name);
  auto refuse_assume = [&] {
    decision.allowed = false;
    decision.assumed = false;
    decision.message =
        "User: " +
        (request.service_principal.empty() ? decision.principal : request.service_principal) +
        " is not authorized to perform: sts:AssumeRole on resource: " + arn;
    return decision;
  };
  if (role == nullptr || role->arn != arn) return refuse_assume();
  if (!request.service_principal.empty()) {
    AssumeRoleRequest assume;
    assume.service_principal = request.service_principal;
    if (!check_trust(*state, static_cast<const Role&>(*role), assume)) return refuse_assume();
  }
  std::shared_ptr<const Compiled> compiled_role;
  std::string key = "role:" + lower(name);
  {
    MutexLock lock(mu_);
    if (cache_generation_ != state->generation) {
      cache_.clear();
      keys_.clear();
      cache_generation_ = state->generation;
    }
    if (auto it = cache_.find(key); it != cache_.end()) compiled_role = it->second;
  }
  if (!compiled_role) {
    Caller caller;
    caller.arn =
        "arn:aws:sts::" + env_.settings.account_id + ":assumed-role/" + role->name + "/" + session;
    caller.id = role->id + ":" + session;
    caller.role = role->name;
    caller.role_arn = role->arn;
    for (const auto& [k, v] : role->tags) caller.tags[k] = v;
    compiled_role = compile(*state, std::move(caller), key);
  }
  engine::RequestContext ctx;
  ctx.base = &compiled_role->context;
  // The session name differs per request; the cached context has the first.
  ctx.principal_arn = decision.principal;
  ctx.principal_account = env_.settings.account_id;
  ctx.set("aws:userid", role->id + ":" + session);
  AccessRequest access;
  access.action = request.action;
  access.resources = request.resources;
  access.keys = request.keys;
  access.resource_keys = request.resource_keys;
  // The resources' own policies: one naming the role allows on its own.
  for (size_t i = 0; policy_of_ && i < access.resources.size(); ++i) {
    auto policy = resource_policies_.get(policy_of_(access.resources[i]));
    if (!policy) continue;
    access.resource_policies.resize(access.resources.size());
    access.resource_policies[i] = std::move(policy);
  }
  describe_request(access, *compiled_role->policies, ctx);
  decide_each(access, *compiled_role->policies, ctx, decision);
  return decision;
}

}  // namespace nimbus::services::iam
