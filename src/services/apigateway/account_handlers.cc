// apigateway control handlers: the account (GetAccount, UpdateAccount).
// The throttle settings are the server's account-level throttle
// (throttling.h), which AWS does not let UpdateAccount change;
// cloudwatchRoleArn is stored, one document (ApiStore kind "account").
#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/errors.h"

namespace nimbus::services::apigateway {

namespace {

constexpr const char* kAccountDoc = "account";

// An IAM role's ARN: arn:aws:iam::ACCOUNT:role/NAME.
bool is_role_arn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (!arn.starts_with(kPrefix)) return false;
  arn.remove_prefix(kPrefix.size());
  auto colon = arn.find(':');
  if (colon != 12 || arn.substr(0, 12).find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  return arn.substr(13).starts_with("role/") && arn.size() > 18;
}

}  // namespace

Output RestApiService::get_account(const CallContext&, const json::object&) const {
  const Throttle& limits = account_throttle_.limits();
  json::object out{
      {"throttleSettings", json::object{{"burstLimit", limits.burst}, {"rateLimit", limits.rate}}},
      {"features", json::array{"UsagePlans"}},
      {"apiKeyVersion", "4"}};
  if (auto account = account_.find(kAccountDoc)) {
    if (std::string role = str(account->doc, "cloudwatchRoleArn"); !role.empty()) {
      out["cloudwatchRoleArn"] = role;
    }
  }
  return out;
}

// `replace` of /cloudwatchRoleArn (an IAM role's ARN; empty: none). The
// throttle settings are the server's (nimbus serve
// --apigateway-account-rate-limit / --apigateway-account-burst-limit).
void RestApiService::update_account(const CallContext& ctx, json::object in, Respond respond) {
  std::optional<std::string> role;
  if (const auto* ops = in.if_contains("patchOperations"); ops != nullptr && ops->is_array()) {
    for (const auto& op_v : ops->as_array()) {
      if (!op_v.is_object()) continue;
      const auto& op = op_v.as_object();
      std::string verb = str(op, "op"), path = str(op, "path"), value = str(op, "value");
      if (verb != "replace" || path != "/cloudwatchRoleArn") {
        return respond(errors::bad_request("Invalid patch path '" + path + "' specified for op '" +
                                           verb + "'. Must be one of: [/cloudwatchRoleArn]"));
      }
      if (!value.empty() && !is_role_arn(value)) {
        return respond(errors::bad_request("Invalid ARN specified in the request"));
      }
      role = value;
    }
  }
  if (!role) return respond(get_account(ctx, in));
  auto answer = [this, ctx, in, respond](Result<ApiPtr> r) {
    if (!r) return respond(r.take_error());
    respond(get_account(ctx, in));
  };
  auto set = [role = *role](json::object& doc) {
    if (role.empty()) {
      doc.erase("cloudwatchRoleArn");
    } else {
      doc["cloudwatchRoleArn"] = role;
    }
    return Status::ok();
  };
  if (account_.find(kAccountDoc)) return account_.update(kAccountDoc, set, std::move(answer));
  json::object doc;
  (void)set(doc);
  account_.create(kAccountDoc, std::move(doc), [this, set, answer](Result<ApiPtr> r) {
    // Two first updates at once: the second applies its change to the first's.
    if (!r && r.error().code == "ConflictException")
      return account_.update(kAccountDoc, set, answer);
    answer(std::move(r));
  });
}

}  // namespace nimbus::services::apigateway
