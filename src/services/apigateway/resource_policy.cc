#include "services/apigateway/resource_policy.h"

#include <boost/json.hpp>

#include "common/time_format.h"
#include "iam/evaluate.h"
#include "iam/match.h"
#include "iam/policy.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/gateway_responses.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

constexpr std::string_view kShorthand = "execute-api:/";
constexpr const char* kAction = "execute-api:Invoke";

Error invalid_policy() {
  return errors::bad_request(
      "Invalid policy document. Please check the policy syntax and try again.");
}

// `v` (a string or a list of them) with the shorthand expanded.
void expand(json::value& v, const std::string& prefix) {
  auto one = [&](json::value& s) {
    if (!s.is_string()) return;
    std::string_view text = s.as_string();
    if (text.starts_with(kShorthand)) {
      s = json::string(prefix + std::string(text.substr(kShorthand.size())));
    }
  };
  if (v.is_array()) {
    for (auto& s : v.as_array()) one(s);
  } else {
    one(v);
  }
}

}  // namespace

bool same_account(std::string_view method_arn, std::string_view account) {
  return nimbus::iam::arn_account(method_arn) == account;
}

Result<std::string> save_rest_policy(std::string_view text, const std::string& region,
                                     const std::string& account, const std::string& api_id) {
  if (text.empty()) return std::string();
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return invalid_policy();
  std::string prefix = "arn:aws:execute-api:" + region + ":" + account + ":" + api_id + "/";
  if (auto* statements = doc.as_object().if_contains("Statement")) {
    auto each = [&](json::value& s) {
      if (!s.is_object()) return;
      for (const char* member : {"Resource", "NotResource"}) {
        if (auto* r = s.as_object().if_contains(member)) expand(*r, prefix);
      }
    };
    if (statements->is_array()) {
      for (auto& s : statements->as_array()) each(s);
    } else {
      each(*statements);
    }
  }
  std::string saved = json::serialize(doc);
  if (!nimbus::iam::parse_policy(saved, nimbus::iam::PolicyKind::kResource)) {
    return invalid_policy();
  }
  return saved;
}

std::string shown_rest_policy(std::string_view saved) {
  std::string out;
  out.reserve(saved.size() + saved.size() / 4);
  for (char c : saved) {
    if (c == '"' || c == '\\' || c == '/') out += '\\';
    out += c;
  }
  return out;
}

std::shared_ptr<const nimbus::iam::Policy> parse_rest_policy(std::string_view text) {
  if (text.empty()) return nullptr;
  auto parsed = nimbus::iam::parse_policy(text, nimbus::iam::PolicyKind::kResource);
  if (!parsed) return nullptr;
  return std::make_shared<const nimbus::iam::Policy>(std::move(*parsed));
}

std::string Invoker::name() const {
  if (!principal_arn.empty()) return principal_arn;
  if (!service_principal.empty()) return service_principal;
  return "anonymous";
}

PolicyVerdict evaluate_rest_policy(const nimbus::iam::Policy& policy, const std::string& method_arn,
                                   const Invoker& who) {
  nimbus::iam::RequestContext ctx;
  ctx.action = kAction;
  ctx.resource = method_arn;
  ctx.principal_arn = who.principal_arn;
  ctx.principal_account = who.account_id;
  ctx.service_principal = who.service_principal;
  if (!who.principal_arn.empty()) {
    ctx.set("aws:PrincipalArn", who.principal_arn);
    ctx.set("aws:PrincipalAccount", who.account_id);
    if (!who.principal_id.empty()) ctx.set("aws:userid", who.principal_id);
  }
  if (!who.service_principal.empty()) {
    ctx.set("aws:PrincipalServiceName", who.service_principal);
    if (!who.source_arn.empty()) {
      ctx.set("aws:SourceArn", who.source_arn);
      if (auto account = nimbus::iam::arn_account(who.source_arn); !account.empty())
        ctx.set("aws:SourceAccount", std::string(account));
    }
  }
  if (!who.source_ip.empty()) ctx.set("aws:SourceIp", who.source_ip);
  if (!who.user_agent.empty()) ctx.set("aws:UserAgent", who.user_agent);
  if (!who.referer.empty()) ctx.set("aws:Referer", who.referer);
  ctx.set("aws:SecureTransport", "false");
  ctx.set("aws:EpochTime", std::to_string(who.now_ms / 1000));
  ctx.set("aws:CurrentTime", utc_millis(who.now_ms / 1000 * 1000));
  auto outcome = nimbus::iam::evaluate(ctx, nimbus::iam::PrincipalPolicies{}, &policy);
  switch (outcome.decision) {
    case nimbus::iam::Decision::kAllow:
      return PolicyVerdict::kAllow;
    case nimbus::iam::Decision::kExplicitDeny:
      return PolicyVerdict::kExplicitDeny;
    default:
      return PolicyVerdict::kSilent;
  }
}

http::Response policy_refusal(const Invoker& who, const std::string& method_arn,
                              bool explicit_deny) {
  std::string message = "User: " + who.name() + " is not authorized to perform: " + kAction +
                        " on resource: " + method_arn +
                        (explicit_deny ? " with an explicit deny in a resource-based policy"
                                       : " because no resource-based policy allows the " +
                                             std::string(kAction) + " action");
  http::Response resp;
  resp.status = 403;
  resp.set_header("Content-Type", "application/json");
  resp.set_header("x-amzn-ErrorType", "AccessDeniedException");
  resp.body = json::serialize(json::object{{"Message", message}});
  mark_gateway_error(resp);
  return resp;
}

std::optional<PolicyCheck> check_rest_policy(const nimbus::iam::Policy* policy,
                                             const std::string& method_arn, const Invoker& who) {
  if (policy == nullptr) return std::nullopt;
  PolicyCheck check;
  check.verdict = evaluate_rest_policy(*policy, method_arn, who);
  if (check.verdict != PolicyVerdict::kAllow) {
    check.refusal = policy_refusal(who, method_arn, check.verdict == PolicyVerdict::kExplicitDeny);
  }
  return check;
}

}  // namespace nimbus::services::apigateway
