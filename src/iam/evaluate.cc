#include "iam/evaluate.h"

#include "iam/condition.h"
#include "iam/match.h"

namespace nimbus::iam {

namespace {

bool matches_action(const Statement& s, const std::string& action) {
  bool kinds = s.action_kinds.size() == s.actions.size();
  bool hit = false;
  for (size_t i = 0; i < s.actions.size(); ++i) {
    const std::string& a = s.actions[i];
    if (kinds ? pattern_match(s.action_kinds[i], a, action, /*ignore_case=*/true)
              : wildcard_match(a, action, /*ignore_case=*/true)) {
      hit = true;
      break;
    }
  }
  return hit != s.not_action;
}

bool matches_resource(const Statement& s, const RequestContext& request) {
  if (!s.has_resource) return true;  // resource policies may leave it to the resource
  bool kinds = s.resource_kinds.size() == s.resources.size();
  bool hit = false;
  for (size_t i = 0; i < s.resources.size(); ++i) {
    const std::string& r = s.resources[i];
    if (kinds && s.resource_kinds[i] != PatternKind::kVariable) {
      hit = arn_pattern_match(s.resource_kinds[i], r, request.resource);
    } else {
      auto pattern = substitute(r, request);
      hit = pattern && arn_match(*pattern, request.resource);
    }
    if (hit) break;
  }
  return hit != s.not_resource;
}

// Is `id` "arn:aws:iam::ACCOUNT:root"?
bool is_root_of(std::string_view id, std::string_view account) {
  constexpr std::string_view kPrefix = "arn:aws:iam::", kSuffix = ":root";
  return id.size() == kPrefix.size() + account.size() + kSuffix.size() && id.starts_with(kPrefix) &&
         id.ends_with(kSuffix) && id.substr(kPrefix.size(), account.size()) == account;
}

// Does the statement's Principal name the caller? `direct` is set when it
// names the caller itself (its ARN, its role, a service) rather than the
// whole account, which only delegates to the account's own policies.
bool matches_principal(const Statement& s, const RequestContext& request, bool* direct) {
  if (!s.principal) return false;
  const Principal& p = *s.principal;
  bool hit = false, names_caller = false;
  if (p.any) {
    hit = names_caller = true;
  }
  const auto* role = request.find("aws:PrincipalArn");
  for (const auto& [kind, ids] : p.ids) {
    for (const auto& id : ids) {
      if (kind == "Service") {
        if (!request.service_principal.empty() && id == request.service_principal) {
          hit = names_caller = true;
        }
      } else if (kind == "Federated") {
        if (!request.federated_principal.empty() && id == request.federated_principal) {
          hit = names_caller = true;
        }
      } else if (kind == "AWS") {
        if (id == request.principal_arn || (role && !role->empty() && id == role->front())) {
          hit = names_caller = true;
        } else if (!request.principal_account.empty() &&
                   (id == request.principal_account || is_root_of(id, request.principal_account))) {
          hit = true;
          names_caller = request.principal_arn.ends_with(":root");
        }
      }
    }
  }
  if (s.not_principal) {
    if (direct) *direct = !hit;
    return !hit;
  }
  if (direct) *direct = names_caller;
  return hit;
}

bool conditions_hold(const Statement& s, const RequestContext& request) {
  for (const auto& c : s.conditions) {
    if (!condition_matches(c, request)) return false;
  }
  return true;
}

struct Verdict {
  bool deny = false;
  bool allow = false;
  bool direct_allow = false;   // a resource policy naming the caller itself
  bool account_allow = false;  // a resource policy naming the caller or its account
};

// The statements of `policy` that apply to the request.
void scan(const Policy& policy, const RequestContext& request, bool resource_side, Verdict& v) {
  for (const auto& s : policy.statements) {
    if (s.effect == Effect::kAllow && v.deny) continue;
    bool direct = false;
    if (resource_side && !matches_principal(s, request, &direct)) continue;
    if (!matches_action(s, request.action) || !matches_resource(s, request) ||
        !conditions_hold(s, request)) {
      continue;
    }
    if (s.effect == Effect::kDeny) {
      v.deny = true;
      return;
    }
    if (resource_side) v.account_allow = true;
    if (resource_side && !direct) continue;  // the account delegates: identity must allow
    v.allow = true;
    if (resource_side) v.direct_allow = true;
  }
}

Verdict scan_all(const std::vector<PolicyPtr>& policies, const RequestContext& request) {
  Verdict v;
  for (const auto& p : policies) {
    scan(*p, request, false, v);
    if (v.deny) break;
  }
  return v;
}

}  // namespace

Outcome evaluate(const RequestContext& request, const PrincipalPolicies& principal,
                 const Policy* resource_policy) {
  Verdict identity = scan_all(principal.identity, request);
  if (identity.deny) return {Decision::kExplicitDeny, DeniedBy::kIdentity};
  Verdict resource;
  if (resource_policy) {
    scan(*resource_policy, request, true, resource);
    if (resource.deny) return {Decision::kExplicitDeny, DeniedBy::kResource};
  }
  Verdict boundary;
  if (principal.boundary) {
    scan(*principal.boundary, request, false, boundary);
    if (boundary.deny) return {Decision::kExplicitDeny, DeniedBy::kBoundary};
  }
  Verdict session;
  if (!principal.session.empty()) {
    session = scan_all(principal.session, request);
    if (session.deny) return {Decision::kExplicitDeny, DeniedBy::kSession};
  }
  std::string_view owner = arn_account(request.resource);
  if (!owner.empty() && !request.principal_account.empty() && owner != request.principal_account) {
    // Another account's resource: its policy must allow the caller (or the
    // caller's account) and the caller's own policies must allow too.
    if (!principal.root && !identity.allow) return {Decision::kImplicitDeny, DeniedBy::kIdentity};
    if (!resource.account_allow) return {Decision::kImplicitDeny, DeniedBy::kResource};
  }
  bool allowed = principal.root || identity.allow || resource.direct_allow;
  if (!allowed) return {Decision::kImplicitDeny, DeniedBy::kIdentity};
  // A resource policy naming the caller itself is not limited by the
  // caller's boundary; everything else is.
  if (principal.boundary && !boundary.allow && !resource.direct_allow) {
    return {Decision::kImplicitDeny, DeniedBy::kBoundary};
  }
  if (!principal.session.empty() && !session.allow && !resource.direct_allow) {
    return {Decision::kImplicitDeny, DeniedBy::kSession};
  }
  return {Decision::kAllow, DeniedBy::kNone};
}

std::string denial_message(const RequestContext& request, const Outcome& outcome) {
  std::string who =
      request.principal_arn.empty() ? request.service_principal : request.principal_arn;
  std::string m = "User: " + who + " is not authorized to perform: " + request.action +
                  " on resource: " + request.resource + " ";
  bool explicit_deny = outcome.decision == Decision::kExplicitDeny;
  const char* kind = "identity-based policy";
  switch (outcome.by) {
    case DeniedBy::kResource:
      kind = "resource-based policy";
      break;
    case DeniedBy::kBoundary:
      kind = "permissions boundary";
      break;
    case DeniedBy::kSession:
      kind = "session policy";
      break;
    default:
      break;
  }
  if (explicit_deny) {
    const char* article = outcome.by == DeniedBy::kIdentity ? "an " : "a ";
    return m + "with an explicit deny in " + article + kind;
  }
  return m + "because no " + kind + " allows the " + request.action + " action";
}

}  // namespace nimbus::iam
