// AWS's policy evaluation logic for one request: an explicit deny in any
// policy wins; otherwise, within one account, an allow from an
// identity-based policy or from a resource-based policy naming the caller
// itself allows, within the principal's permissions boundary and session
// policies; a resource of another account (its ARN's account field) needs
// both the caller's identity policies and the resource's policy (naming
// the caller or its account) to allow; otherwise the request is implicitly
// denied.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "iam/context.h"
#include "iam/policy.h"

namespace nimbus::iam {

using PolicyPtr = std::shared_ptr<const Policy>;

// Every identity-side policy of one principal (inline and managed, its
// groups' too; the role's for a role session), built once and cached by
// the IAM service per principal and policy version.
struct PrincipalPolicies {
  bool root = false;  // the account's root user: every identity permission
  std::vector<PolicyPtr> identity;
  PolicyPtr boundary;              // null: no permissions boundary
  std::vector<PolicyPtr> session;  // empty: no session policy
  // One of them reads the resource's own keys (Policy::reads_resource_keys).
  bool reads_resource_keys = false;
  // One of them reads the request's condition keys
  // (Policy::reads_request_keys).
  bool reads_request_keys = false;
  // Which: the keys their conditions name (lower-cased), or any key when
  // one has a policy variable (Policy::condition_keys, reads_variables).
  std::vector<std::string> condition_keys;
  bool reads_variables = false;
};

enum class Decision { kAllow, kExplicitDeny, kImplicitDeny };

// Which kind of policy decided a denial (for AWS's message).
enum class DeniedBy {
  kNone,
  kIdentity,  // explicit deny in an identity-based policy, or none allows
  kResource,
  kBoundary,
  kSession,
};

struct Outcome {
  Decision decision = Decision::kImplicitDeny;
  DeniedBy by = DeniedBy::kNone;
};

// `resource_policy` may be null (the resource has none).
Outcome evaluate(const RequestContext& request, const PrincipalPolicies& principal,
                 const Policy* resource_policy);

// AWS's AccessDenied message: "User: ARN is not authorized to perform:
// ACTION on resource: RESOURCE because no identity-based policy allows the
// ACTION action" / "with an explicit deny in a resource-based policy".
std::string denial_message(const RequestContext& request, const Outcome& outcome);

}  // namespace nimbus::iam
