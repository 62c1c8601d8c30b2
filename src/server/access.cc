#include "server/access.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/clock.h"
#include "common/time_format.h"
#include "protocol/access_denied.h"
#include "server/condition_keys.h"
#include "services/iam_action.h"
#include "services/resource_info.h"

namespace nimbus::server {

namespace json = boost::json;

namespace {

json::object identity(const services::CallContext& ctx, const Principal& p) {
  if (p.anonymous) {
    return {{"type", "AWSAccount"}, {"principalId", ""}, {"accountId", "ANONYMOUS_PRINCIPAL"}};
  }
  bool root = p.arn.empty();
  std::string type = root                                                ? "Root"
                     : p.arn.find(":assumed-role/") != std::string::npos ? "AssumedRole"
                                                                         : "IAMUser";
  return {{"type", type},
          {"principalId", root ? ctx.account_id : p.id},
          {"arn", root ? "arn:aws:iam::" + ctx.account_id + ":root" : p.arn},
          {"accountId", ctx.account_id},
          {"accessKeyId", ctx.access_key_id}};
}

}  // namespace

// GetCallerIdentity and GetSessionToken need no permission; AssumeRole is
// decided by IAM itself with the role's trust policy beside the caller's
// identity policies (a trust policy naming the caller allows on its own);
// AssumeRoleWithWebIdentity, unsigned, by the trust policy alone.
bool always_allowed(std::string_view service, std::string_view operation) {
  return service == "sts" &&
         (operation == "GetCallerIdentity" || operation == "GetSessionToken" ||
          operation == "AssumeRole" || operation == "AssumeRoleWithWebIdentity");
}

Access::Access(IamMode mode, const services::iam::Directory& directory,
               const std::string& audit_path, const Clock& clock)
    : mode_(mode), directory_(directory), clock_(clock) {
  if (audit_path.empty()) return;
  try {
    audit_ = std::make_shared<spdlog::logger>(
        "audit", std::make_shared<spdlog::sinks::basic_file_sink_mt>(audit_path));
    audit_->set_pattern("%v");
    audit_->flush_on(spdlog::level::info);
  } catch (const std::exception& e) {
    spdlog::warn("audit log {} could not be opened: {}", audit_path, e.what());
  }
}

Access::~Access() = default;

void Access::write(const std::string& line) const {
  if (audit_) audit_->info(line);
}

std::string Access::now_iso() const {
  return utc_millis(clock_.now_millis());
}

std::optional<Error> Access::check(const protocol::Call& call, const services::CallContext& ctx,
                                   const Principal& principal, services::Resources resources,
                                   const services::Service& service,
                                   std::string_view source_ip) const {
  if (mode_ == IamMode::kOff || always_allowed(call.service_name, call.operation_name)) {
    return std::nullopt;
  }
  services::iam::AccessRequest request;
  request.access_key_id = principal.arn.empty() ? "" : ctx.access_key_id;
  request.action = services::iam_action(call.service_name, call.operation_name);
  request.resources = std::move(resources);
  request.anonymous = principal.anonymous;
  for (size_t i = 0; i < request.resources.size(); ++i) {
    auto policy = policies_.get(service.resource_policy(request.resources[i]));
    if (!policy) continue;
    request.resource_policies.resize(request.resources.size());
    request.resource_policies[i] = std::move(policy);
  }
  request.source_ip = std::string(source_ip);
  request.region = ctx.region;
  request.keys = request_condition_keys(call.service_name, call.operation_name, call.input);
  // One pointer, kept in std::function's own storage: no allocation. Called
  // (by authorize, before this returns) only when a policy names such a key.
  struct ThisCall {
    const services::Service& service;
    const protocol::Call& call;
    const services::CallContext& ctx;
  } this_call{service, call, ctx};
  request.resource_keys = [c = &this_call](const std::string& arn, services::KeyPairs& out) {
    services::resource_keys(c->service, c->call.operation_name, c->call.input, arn, c->ctx, out);
  };
  auto decision = directory_.authorize(request);
  if (decision.allowed) return std::nullopt;
  Error denied = protocol::access_denied(call, decision.message);
  json::object event{{"eventVersion", "1.08"},
                     {"userIdentity", identity(ctx, principal)},
                     {"eventTime", now_iso()},
                     {"eventSource", services::iam_prefix(call.service_name) + ".amazonaws.com"},
                     {"eventName", call.operation_name},
                     {"awsRegion", ctx.region},
                     {"sourceIPAddress", source_ip},
                     {"errorCode", denied.code},
                     {"errorMessage", denied.message},
                     {"requestID", ctx.request_id},
                     {"eventType", "AwsApiCall"},
                     {"nimbusIamMode", mode_ == IamMode::kAudit ? "audit" : "enforce"}};
  write(json::serialize(event));
  if (mode_ == IamMode::kAudit) {
    spdlog::info("iam audit: would deny {}: {}", request.action, decision.message);
    return std::nullopt;
  }
  return denied;
}

namespace {

// CloudTrail's responseElements of a call that minted a session (never its
// secret), and its caller when a web identity token was the credential.
void describe_session(std::string_view operation, const json::object& answer, json::object& event) {
  auto text = [](const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  const auto* creds = answer.if_contains("Credentials");
  if (creds == nullptr || !creds->is_object()) return;
  json::object elements{
      {"credentials", json::object{{"accessKeyId", text(creds->as_object(), "AccessKeyId")}}}};
  if (const auto* user = answer.if_contains("AssumedRoleUser"); user && user->is_object()) {
    elements["assumedRoleUser"] =
        json::object{{"arn", text(user->as_object(), "Arn")},
                     {"assumedRoleId", text(user->as_object(), "AssumedRoleId")}};
  }
  event["responseElements"] = std::move(elements);
  if (operation != "AssumeRoleWithWebIdentity") return;
  std::string provider = text(answer, "Provider");
  if (auto at = provider.find("://"); at != std::string::npos) provider.erase(0, at + 3);
  std::string subject = text(answer, "SubjectFromWebIdentityToken");
  event["userIdentity"] =
      json::object{{"type", "WebIdentityUser"},
                   {"principalId", provider + ":" + text(answer, "Audience") + ":" + subject},
                   {"userName", subject},
                   {"identityProvider", provider}};
}

}  // namespace

void Access::record_call(const services::CallContext& ctx, const Principal& principal,
                         std::string_view source_ip, const Error* error,
                         const json::object* answer) const {
  if (ctx.service != "iam" && ctx.service != "sts") return;
  bool read_only = ctx.operation.starts_with("Get") || ctx.operation.starts_with("List");
  if (read_only) return;
  json::object event{
      {"eventVersion", "1.08"},       {"userIdentity", identity(ctx, principal)},
      {"eventTime", now_iso()},       {"eventSource", ctx.service + ".amazonaws.com"},
      {"eventName", ctx.operation},   {"awsRegion", ctx.region},
      {"sourceIPAddress", source_ip}, {"requestID", ctx.request_id},
      {"eventType", "AwsApiCall"}};
  if (error) {
    event["errorCode"] = error->code;
    event["errorMessage"] = error->message;
  } else if (answer && ctx.service == "sts") {
    describe_session(ctx.operation, *answer, event);
  }
  write(json::serialize(event));
}

}  // namespace nimbus::server
