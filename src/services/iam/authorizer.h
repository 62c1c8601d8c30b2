// IAM's Directory (api.h): access keys and role sessions by key id, role
// sessions minted for services, and requests decided against the caller's
// policies, compiled once per principal and state version.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "common/mutex.h"
#include "iam/evaluate.h"
#include "iam/policy_cache.h"
#include "services/iam/api.h"
#include "services/iam/store.h"

namespace nimbus::services::iam {

namespace engine = ::nimbus::iam;  // the policy engine (src/iam/)

// Times as IAM stores them: seconds since the epoch.
inline double to_seconds(Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}
inline Clock::time_point from_seconds(double s) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::time_point::duration>(std::chrono::duration<double>(s)));
}

// Who holds a key: a user, a role session, or the root user (a session of
// GetSessionToken called by root).
struct Caller {
  std::string arn;
  std::string id;
  std::string user;  // user name for users and their GetSessionToken sessions
  std::string role;  // role name for role sessions
  std::string role_arn;
  std::map<std::string, std::string> tags;  // aws:PrincipalTag/KEY
  const Session* session = nullptr;
};

class Authorizer final : public Directory {
 public:
  // `nimbus serve --iam enforce` reaches it as Settings::service_options
  // "iam.mode" = "enforce".
  Authorizer(Environment& env, Store& store);

  std::shared_ptr<const KeyRecord> find_key(std::string_view access_key_id) const override;
  void assume_role(const AssumeRoleRequest& request, Minted done) override;
  AccessDecision authorize(const AccessRequest& request) const override;
  void get_session_token(const SessionTokenRequest& request, Minted done) override;
  bool trusted_by(std::string_view role_arn, std::string_view service_principal) const override;
  AccessDecision authorize_as_role(const RoleAccessRequest& request) const override;
  bool enforcing() const override { return enforcing_; }
  std::optional<OidcProviderInfo> find_oidc_provider(std::string_view issuer) const override;
  void use_resource_tags(TagsOf tags_of) override { tags_of_ = std::move(tags_of); }
  void use_resource_policies(PolicyOf policy_of) override { policy_of_ = std::move(policy_of); }

  // Mints a session for `role` into the draft (sessions.cc).
  Result<TemporaryCredentials> mint(Draft& draft, const Role& role,
                                    const AssumeRoleRequest& request) const;
  // Stores `session`, valid for `duration` from now, and drops expired ones.
  TemporaryCredentials store_session(Draft& draft, Session session,
                                     std::chrono::seconds duration) const;
  // AccessDenied (AWS's message) unless `role`'s trust policy lets the
  // request's caller assume it (trust.cc).
  Status check_trust(const State& state, const Role& role, const AssumeRoleRequest& request) const;

 private:
  struct Compiled {
    uint64_t generation = 0;
    double expiration = 0;  // a session's; 0 = never
    Caller caller;
    std::shared_ptr<const engine::PrincipalPolicies> policies;
    // The caller's ARN, account and global keys (describe_caller), the base
    // of each of its requests' contexts.
    engine::RequestContext context;
  };
  // The compiled policies of the key's principal (cached); nullptr for an
  // unknown key.
  std::shared_ptr<const Compiled> compiled(const State& state, const std::string& akid) const;
  // Compiles `caller`'s policies and caches them under `key` (an access key
  // id, or "role:" + a role's name for services acting as the role).
  std::shared_ptr<const Compiled> compile(const State& state, Caller caller,
                                          const std::string& key) const;
  // The principal's ARN, account and global keys into a request context.
  void describe_caller(const Caller& caller, engine::RequestContext& ctx) const;
  // The request's action and its own keys (source IP, time, region, the
  // call's), the keys only when `policies` or a resource policy reads them.
  void describe_request(const AccessRequest& request, const engine::PrincipalPolicies& policies,
                        engine::RequestContext& ctx) const;
  // Evaluates each resource with its resource policy; the first denial wins.
  void decide_each(const AccessRequest& request, const engine::PrincipalPolicies& policies,
                   engine::RequestContext& ctx, AccessDecision& decision) const;
  AccessDecision authorize_anonymous(const AccessRequest& request) const;
  // The keys of `ctx.resource` itself, replacing the previous resource's:
  // aws:ResourceTag/KEY (and iam:ResourceTag/KEY on IAM's own resources)
  // and the request's resource_keys (dynamodb:LeadingKeys).
  void describe_resource(const AccessRequest& request, engine::RequestContext& ctx) const;

  Environment& env_;
  Store& store_;
  bool enforcing_ = false;
  TagsOf tags_of_;                         // set once, before requests
  PolicyOf policy_of_;                     // set once, before requests
  engine::PolicyCache resource_policies_;  // what policy_of_ answers, parsed once
  mutable Mutex mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const Compiled>> cache_ GUARDED_BY(mu_);
  mutable std::unordered_map<std::string, std::shared_ptr<const KeyRecord>> keys_ GUARDED_BY(mu_);
  mutable uint64_t cache_generation_ GUARDED_BY(mu_) = ~uint64_t{0};
};

// The caller a key id belongs to in `state`; nullopt when IAM has no such
// active key or live session.
std::optional<Caller> caller_of(const State& state, const std::string& akid,
                                const std::string& account, double now);

}  // namespace nimbus::services::iam
