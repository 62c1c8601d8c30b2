// REST API resource policies (the API's `policy`): saved as AWS saves them
// (checked as an IAM resource policy, the `execute-api:/STAGE/METHOD/PATH`
// shorthand expanded to the API's ARN) and evaluated on execute-api:Invoke
// for a method's ARN, arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/
// PATH, with IAM's evaluation logic (src/iam): Principal "*", accounts,
// users and roles, service principals, conditions on aws:SourceIp,
// aws:PrincipalArn, aws:SourceArn, aws:CurrentTime, ... A request never
// comes through a VPC endpoint: aws:SourceVpce and aws:SourceVpc are never
// in its context (StringEquals on them never matches; StringNotEquals
// always does). How the verdict combines with the method's authorization
// type is the data plane's (rest_data_plane.cc, AWS's "How API Gateway
// resource policies affect authorization workflow").
//
// Pure functions on values; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"

namespace nimbus::iam {
struct Policy;
}

namespace nimbus::services::apigateway {

// `text` as stored: "" stays ""; anything that is not a resource policy is
// BadRequestException "Invalid policy document. Please check the policy
// syntax and try again."; each Resource and NotResource value starting
// `execute-api:/` becomes `arn:aws:execute-api:REGION:ACCOUNT:API/...`.
Result<std::string> save_rest_policy(std::string_view text, const std::string& region,
                                     const std::string& account, const std::string& api_id);

// A saved policy as GetRestApi (and every answer carrying a RestApi)
// shows it: the text escaped as the inside of a JSON string (`"` as `\"`,
// `\` as `\\`, `/` as `\/`), as AWS answers it: clients read
// `{\"Version\":...}` and unescape it before parsing.
std::string shown_rest_policy(std::string_view saved);

// A stored policy parsed for evaluation; null when `text` is empty or does
// not parse (a policy saved before it was checked: none).
std::shared_ptr<const nimbus::iam::Policy> parse_rest_policy(std::string_view text);

// Who invokes, as the policy sees them.
struct Invoker {
  std::string principal_arn;  // a SigV4 caller's (AWS_IAM methods); "" anonymous
  std::string account_id;     // a SigV4 caller's account (aws:PrincipalAccount)
  std::string principal_id;   // aws:userid
  // A service calling on its own behalf (Step Functions' RESOURCE_POLICY:
  // states.amazonaws.com) and the resource it acts for (aws:SourceArn; its
  // account is aws:SourceAccount).
  std::string service_principal;
  std::string source_arn;
  std::string source_ip;  // aws:SourceIp
  int64_t now_ms = 0;     // aws:CurrentTime, aws:EpochTime
  std::string user_agent, referer;

  // "anonymous", the caller's ARN or the service.
  std::string name() const;
};

enum class PolicyVerdict { kAllow, kExplicitDeny, kSilent };

// The policy's statements on execute-api:Invoke for `method_arn` by `who`.
// A statement naming the caller's account (not the caller) allows only
// together with the caller's own policies, as IAM has it: kSilent here.
PolicyVerdict evaluate_rest_policy(const nimbus::iam::Policy& policy, const std::string& method_arn,
                                   const Invoker& who);

// Whether `method_arn` is of account `account`.
bool same_account(std::string_view method_arn, std::string_view account);

// 403 AccessDeniedException {"Message":"User: WHO is not authorized to
// perform: execute-api:Invoke on resource: ARN with an explicit deny in a
// resource-based policy"} (or "... because no resource-based policy allows
// the execute-api:Invoke action"), marked as the gateway's ACCESS_DENIED.
http::Response policy_refusal(const Invoker& who, const std::string& method_arn,
                              bool explicit_deny);

// One request's verdict and the answer that refuses it.
struct PolicyCheck {
  PolicyVerdict verdict = PolicyVerdict::kSilent;
  http::Response refusal;
};
// nullopt when there is no policy.
std::optional<PolicyCheck> check_rest_policy(const nimbus::iam::Policy* policy,
                                             const std::string& method_arn, const Invoker& who);

}  // namespace nimbus::services::apigateway
