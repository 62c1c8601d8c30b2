// What IAM offers the rest of nimbus in-process: the credentials it knows
// (users' access keys, role sessions' temporary credentials), temporary
// credentials minted for a role (Lambda's execution roles, STS), and the
// authorization of one request against the caller's policies.
//
// Threads: every method may be called from any thread. find_key and
// authorize never block (an event loop calls them for every request);
// assume_role answers through `done` once the session is durable.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace nimbus::iam {
struct Policy;
}

namespace nimbus::services::iam {

// The credentials behind one access key id.
struct KeyRecord {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;       // temporary credentials only
  Clock::time_point expiration{};  // temporary credentials only; epoch = never
  std::string account_id;
  // arn:aws:iam::ACCOUNT:user/alice or arn:aws:sts::ACCOUNT:assumed-role/R/session
  std::string principal_arn;
  std::string principal_id;  // AIDA... or AROA...:session (GetCallerIdentity's UserId)
};

struct TemporaryCredentials {
  std::string access_key_id;  // ASIA...
  std::string secret_access_key;
  std::string session_token;
  Clock::time_point expiration;
  std::string assumed_role_arn;  // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
  std::string assumed_role_id;   // AROA...:SESSION
};

// A role session to mint: who asks, for which role, for how long.
struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;
  std::chrono::seconds duration{3600};
  std::string session_policy;               // JSON policy document; empty for none
  std::vector<std::string> policy_arns;     // managed policies as session policies
  std::map<std::string, std::string> tags;  // session tags
  std::string source_identity;
  // Who assumes the role, for its trust policy: a service principal
  // ("lambda.amazonaws.com"), or the verified access key of the caller
  // (empty with no service: the account's root). Checked only when
  // `check_trust` (STS under --iam enforce, Lambda under --iam enforce).
  std::string service_principal;
  std::string caller_access_key;
  std::string external_id;  // sts:ExternalId for the trust policy's conditions
  // AssumeRoleWithWebIdentity: the OIDC provider's ARN as the "Federated"
  // principal and the verified token's condition keys ("host/path:aud",
  // ":sub", ":amr", ...); the trust policy must then allow
  // sts:AssumeRoleWithWebIdentity, and no caller or service is involved.
  std::string federated_principal;
  std::vector<std::pair<std::string, std::string>> federated_keys;
  bool check_trust = false;
  // Mint even when the role does not exist (Lambda under --iam off, where
  // nothing is evaluated): the session authenticates and holds no
  // permission of its own.
  bool missing_role_ok = false;
};

// GetSessionToken: temporary credentials of the caller itself.
struct SessionTokenRequest {
  std::string caller_access_key;  // an IAM user's key; empty: the account's root
  std::chrono::seconds duration{43200};
};

using Minted = std::function<void(Result<TemporaryCredentials>)>;

// An OpenID Connect provider registered in IAM (CreateOpenIDConnectProvider).
struct OidcProviderInfo {
  std::string arn;  // arn:aws:iam::ACCOUNT:oidc-provider/host/path
  std::string url;  // the issuer as registered, with its scheme
  std::vector<std::string> client_ids;
};

// One request to authorize, as the router sees it after SigV4.
struct AccessRequest {
  std::string access_key_id;           // the verified key; empty: the configured root pair
  std::string action;                  // "sqs:SendMessage"
  std::vector<std::string> resources;  // ARNs; empty: the action names none ("*")
  // Each resource's resource-based policy (by index of `resources`; missing
  // or null: none), evaluated beside the caller's identity policies.
  std::vector<std::shared_ptr<const nimbus::iam::Policy>> resource_policies;
  // An unsigned request (S3 under --iam enforce): no identity policies,
  // only a resource policy naming "*" allows.
  bool anonymous = false;
  std::string source_ip;
  bool secure_transport = false;
  std::string region;
  // Condition keys the call's input sets (aws:RequestTag/KEY, aws:TagKeys,
  // s3:prefix, ...); a key that repeats is multi-valued.
  std::vector<std::pair<std::string, std::string>> keys;
  // The keys of one resource its service reads from the call
  // (Service::resource_keys: dynamodb:LeadingKeys per table), appended to
  // the vector; called per resource, only when a policy names such a key.
  std::function<void(const std::string& arn, std::vector<std::pair<std::string, std::string>>&)>
      resource_keys;
};

// A service acting as a role, as AWS has it act (an event source mapping
// reading its queue as the function's execution role, an EventBridge target
// or a Scheduler schedule delivering with its RoleArn, a Step Functions
// task calling as the state machine's role).
struct RoleAccessRequest {
  std::string role_arn;
  // The service that assumes the role ("lambda.amazonaws.com",
  // "events.amazonaws.com"): the role's trust policy must allow it
  // sts:AssumeRole. Empty: no trust check.
  std::string service_principal;
  std::string session_name;            // the assumed-role session's name in messages
  std::string action;                  // "sqs:ReceiveMessage"
  std::vector<std::string> resources;  // ARNs; empty: "*"
  // The condition keys of the call made as the role, as AccessRequest has
  // them for a client's same call: those its input sets (aws:RequestTag,
  // dynamodb:Attributes, ...) and those a resource's service reads from it
  // (dynamodb:LeadingKeys); both empty when the action is no call.
  std::vector<std::pair<std::string, std::string>> keys;
  std::function<void(const std::string& arn, std::vector<std::pair<std::string, std::string>>&)>
      resource_keys;
};

struct AccessDecision {
  bool allowed = true;
  std::string message;    // AWS's AccessDenied message when not allowed
  std::string principal;  // the caller's ARN
  // authorize_as_role: false when the role itself could not be assumed
  // (missing, or its trust policy does not allow the service).
  bool assumed = true;
};

class Directory {
 public:
  virtual ~Directory() = default;
  // The credentials of an active access key or a live role session; nullptr
  // for a key IAM does not know, an inactive or deleted key.
  virtual std::shared_ptr<const KeyRecord> find_key(std::string_view access_key_id) const = 0;
  // Mints temporary credentials for a role (a service acting for a
  // function's execution role, STS AssumeRole): the trust policy is checked
  // when the request asks. NoSuchEntityException when the role does not
  // exist, AccessDenied when its trust policy does not allow the caller.
  virtual void assume_role(const AssumeRoleRequest& request, Minted done) = 0;
  // A session of the caller itself (a user, or the root for at most an
  // hour). AccessDenied when called with session credentials.
  virtual void get_session_token(const SessionTokenRequest& request, Minted done) = 0;
  // May `service_principal` assume `role_arn` now (the role exists and its
  // trust policy allows the service sts:AssumeRole)? Never blocks.
  virtual bool trusted_by(std::string_view role_arn, std::string_view service_principal) const = 0;
  // The OIDC provider a token's `iss` names (the registered URL, with or
  // without its scheme); nullopt when none is registered. Never blocks.
  virtual std::optional<OidcProviderInfo> find_oidc_provider(std::string_view issuer) const = 0;
  // `nimbus serve --iam enforce`: policies decide requests, trust policies
  // decide who assumes a role.
  virtual bool enforcing() const = 0;
  // Decides `request` with AWS's evaluation logic against the caller's
  // identity policies (cached per principal and policy version) and the
  // resources' policies.
  virtual AccessDecision authorize(const AccessRequest& request) const = 0;
  // Decides a service's action taken as a role (RoleAccessRequest) with
  // the role's identity policies and permissions boundary: always allowed
  // unless enforcing(). Refused when the role does not exist, its trust
  // policy does not allow the service, or its policies do not allow the
  // action; `message` says which in AWS's words, `principal` is the
  // assumed-role session's ARN. Never blocks.
  virtual AccessDecision authorize_as_role(const RoleAccessRequest& request) const = 0;
  // Where authorize and authorize_as_role read a resource's tags (its
  // service's Service::resource_tags) for aws:ResourceTag/KEY: asked only
  // when a policy of the decision names such a key. Set once, before
  // requests; the function must never block.
  using TagsOf =
      std::function<std::vector<std::pair<std::string, std::string>>(const std::string&)>;
  virtual void use_resource_tags(TagsOf tags_of) {}
  // Where authorize_as_role reads a resource's policy document (its
  // service's Service::resource_policy; "" none): a policy naming the role
  // allows on its own, as AWS's same-account rule has it. Set once, before
  // requests; the function must never block.
  using PolicyOf = std::function<std::string(const std::string&)>;
  virtual void use_resource_policies(PolicyOf policy_of) {}
};

}  // namespace nimbus::services::iam
