#include "services/scheduler/universal_target.h"

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/scheduler/errors.h"

namespace nimbus::services::scheduler {

namespace json = boost::json;
using ::nimbus::events::Failure;
using ::nimbus::events::Outcome;

namespace {

// The universal target's service names where nimbus's model folder differs.
std::string model_of(std::string_view service) {
  if (service == "sfn") return "stepfunctions";
  if (service == "eventbridge") return "events";
  if (service == "cloudwatchlogs") return "logs";
  return std::string(service);
}

// The server's own address for the calls' context (what an SQS QueueUrl in
// an answer names), or its default one where no server runs (unit tests).
std::string server_endpoint(const Settings& settings) {
  auto it = settings.service_options.find("server.endpoint_url");
  return it != settings.service_options.end() ? it->second : "http://localhost:4566";
}

bool word(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// How a failed call counts for the retry policy: a server-side failure or a
// throttle may pass; a missing resource or unserved operation will not, nor
// will an input the operation refuses.
Failure failure_of(const Error& e) {
  if (e.code.find("Throttl") != std::string::npos || e.code == "TooManyRequestsException") {
    return Failure::kThrottled;
  }
  if (e.http_status >= 500) return Failure::kUnavailable;
  if (e.http_status == 404 || e.code == "InvalidAction" ||
      e.code.find("NotFound") != std::string::npos ||
      e.code.find("DoesNotExist") != std::string::npos ||
      e.code.find("NoSuch") != std::string::npos) {
    return Failure::kNotFound;
  }
  return Failure::kRejected;
}

}  // namespace

std::optional<UniversalArn> UniversalArn::parse(std::string_view arn) {
  constexpr std::string_view kPrefix = ":scheduler:::aws-sdk:";
  if (arn.rfind("arn:", 0) != 0) return std::nullopt;
  auto at = arn.find(kPrefix);
  if (at == std::string_view::npos || arn.find(':', 4) != at) return std::nullopt;
  auto rest = arn.substr(at + kPrefix.size());
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto service = rest.substr(0, colon);
  auto action = rest.substr(colon + 1);
  if (!word(service) || !word(action)) return std::nullopt;
  UniversalArn u;
  u.model = model_of(service);
  u.operation = std::string(action);
  u.operation[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(u.operation[0])));
  return u;
}

::nimbus::events::RoleCheck role_check(::nimbus::events::RoleCheck targets,
                                       const OperationCalls& calls, const Settings& settings) {
  return [targets = std::move(targets), &calls, &settings](
             const std::string& role_arn, const std::string& target,
             const ::nimbus::events::Delivery& d) -> Status {
    auto u = UniversalArn::parse(target);
    if (!u) return targets ? targets(role_arn, target, d) : Status::ok();
    auto input = parse_object(d.body);
    if (!input) return Status::ok();
    CallContext ctx;
    ctx.region = settings.region;
    ctx.account_id = settings.account_id;
    return calls.authorize_as(role_arn, "scheduler.amazonaws.com", u->model, u->operation, ctx,
                              *input);
  };
}

Status UniversalTarget::check(const std::string& arn) const {
  if (!UniversalArn::parse(arn)) return errors::validation("Invalid target ARN " + arn + ".");
  return Status::ok();
}

void UniversalTarget::deliver(const std::string& arn, ::nimbus::events::Delivery d,
                              ::nimbus::events::DeliverDone done) {
  auto u = UniversalArn::parse(arn);
  if (!u) {
    return done(
        Outcome::failed(Failure::kNotFound, errors::validation("Invalid target ARN " + arn + ".")));
  }
  auto input = parse_object(d.body);
  if (!input) {
    return done(
        Outcome::failed(Failure::kRejected,
                        errors::validation("The universal target's Input is not a JSON object.")));
  }
  CallContext ctx;
  ctx.request_id = d.id.empty() ? new_request_id() : d.id;
  ctx.region = settings_.region;
  ctx.account_id = settings_.account_id;
  ctx.endpoint_url = server_endpoint(settings_);
  call_(u->model, u->operation, std::move(ctx), std::move(*input),
        [done = std::move(done), id = d.id](Output out) {
          if (out) return done(Outcome::ok(id));
          done(Outcome::failed(failure_of(out.error()), out.error()));
        });
}

}  // namespace nimbus::services::scheduler
