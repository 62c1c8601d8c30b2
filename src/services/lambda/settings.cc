// Concurrency (reserved, provisioned), async invoke configuration, the
// resource policy, account settings.
#include <algorithm>
#include <charconv>

#include "services/lambda/config.h"
#include "services/lambda/destination_access.h"
#include "services/lambda/errors.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

// The qualifier an event-invoke or provisioned config applies to must exist.
Status check_qualifier(const Function& f, const std::string& q, const std::string& arn) {
  if (q.empty() || q == "$LATEST") return Status::ok();
  if (f.aliases.contains(q)) return Status::ok();
  uint64_t n = 0;
  auto r = std::from_chars(q.data(), q.data() + q.size(), n);
  if (r.ec == std::errc() && f.versions.contains(n)) return Status::ok();
  return not_found(arn + ":" + q);
}

// FunctionName's qualifier unless Qualifier is given; "$LATEST" when neither.
std::string event_qualifier(const json::object& in, const FunctionRef& ref) {
  std::string q = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
  return q.empty() ? "$LATEST" : q;
}

Error no_event_invoke_config(const std::string& arn) {
  return resource_not_found("The function " + arn + " doesn't have an EventInvokeConfig");
}

}  // namespace

void LambdaService::put_function_concurrency(const CallContext&, json::object in, Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  int64_t n = integer(in, "ReservedConcurrentExecutions").value_or(0);
  engine_.change(
      name,
      [&](Function& f) -> Output {
        int64_t limit = engine_.options().account_concurrency;
        int64_t min_unreserved = std::min<int64_t>(100, limit / 10);
        int64_t others = engine_.reserved_sum_locked() - f.reserved.value_or(0);
        if (limit - others - n < min_unreserved) {
          return invalid(
              "Specified ReservedConcurrentExecutions for function decreases account's "
              "UnreservedConcurrentExecution below its minimum value of [" +
              std::to_string(min_unreserved) + "].");
        }
        f.reserved = n;
        return json::object{{"ReservedConcurrentExecutions", n}};
      },
      std::move(respond));
}

void LambdaService::get_function_concurrency(const CallContext&, json::object in, Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  respond(engine_.read(name, [](const Function& f) -> Output {
    json::object out;
    if (f.reserved) out["ReservedConcurrentExecutions"] = *f.reserved;
    return out;
  }));
}

void LambdaService::delete_function_concurrency(const CallContext&, json::object in,
                                                Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  engine_.change(
      name,
      [](Function& f) -> Output {
        f.reserved.reset();
        return json::object{};
      },
      std::move(respond));
}

void LambdaService::put_provisioned_concurrency_config(const CallContext&, json::object in,
                                                       Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  std::string q = str(in, "Qualifier");
  int64_t n = integer(in, "ProvisionedConcurrentExecutions").value_or(1);
  engine_.change(
      name,
      [&](Function& f) -> Output {
        if (q == "$LATEST") {
          return invalid(
              "Provisioned Concurrency Configs cannot be applied to unpublished function "
              "versions.");
        }
        NIMBUS_TRY(check_qualifier(f, q, engine_.arn(name)));
        json::object c;
        c["RequestedProvisionedConcurrentExecutions"] = n;
        c["LastModified"] = lambda_time(env_.clock.now_millis());
        f.provisioned[q] = c;
        engine_.prewarm_locked(f, q, n);
        c["AvailableProvisionedConcurrentExecutions"] = 0;
        c["AllocatedProvisionedConcurrentExecutions"] = 0;
        c["Status"] = "IN_PROGRESS";
        return c;
      },
      std::move(respond));
}

void LambdaService::get_provisioned_concurrency_config(const CallContext&, json::object in,
                                                       Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  std::string q = str(in, "Qualifier");
  respond(engine_.read(name, [&](const Function& f) -> Output {
    auto it = f.provisioned.find(q);
    if (it == f.provisioned.end()) {
      return Error::make(code::kProvisionedConfigNotFound,
                         "No Provisioned Concurrency Config found for this function");
    }
    json::object out = it->second;
    int64_t requested = integer(out, "RequestedProvisionedConcurrentExecutions").value_or(0);
    auto ready = static_cast<int64_t>(engine_.provisioned_ready_locked(name, q));
    out["AvailableProvisionedConcurrentExecutions"] = ready;
    out["AllocatedProvisionedConcurrentExecutions"] = ready;
    out["Status"] = ready >= requested ? "READY" : "IN_PROGRESS";
    return out;
  }));
}

void LambdaService::delete_provisioned_concurrency_config(const CallContext&, json::object in,
                                                          Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  std::string q = str(in, "Qualifier");
  engine_.change(
      name,
      [&](Function& f) -> Output {
        f.provisioned.erase(q);
        engine_.unprovision_locked(name, q);
        return json::object{};
      },
      std::move(respond));
}

void LambdaService::put_event_invoke_config(json::object in, Respond respond, bool merge) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  std::string q = event_qualifier(in, ref);
  if (auto st = check_destinations(in, env_.targets); !st) return respond(st.take_error());
  // Outside change(): IAM may read a destination function's policy.
  if (std::string role = role_of(ref.name); !role.empty()) {
    if (auto st = role_may_send_destinations(iam_, role, in); !st) return respond(st.take_error());
  }
  engine_.change(
      ref.name,
      [&](Function& f) -> Output {
        NIMBUS_TRY(check_qualifier(f, q, engine_.arn(ref.name)));
        json::object c = merge && f.event_config.contains(q) ? f.event_config[q] : json::object{};
        for (const char* key :
             {"MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"}) {
          if (has(in, key)) c[key] = in.at(key);
        }
        c["FunctionArn"] = engine_.arn(ref.name) + ":" + q;
        c["LastModified"] = env_.clock.now_seconds();
        f.event_config[q] = c;
        return c;
      },
      std::move(respond));
}

void LambdaService::put_function_event_invoke_config(const CallContext&, json::object in,
                                                     Respond respond) {
  put_event_invoke_config(std::move(in), std::move(respond), false);
}

void LambdaService::update_function_event_invoke_config(const CallContext&, json::object in,
                                                        Respond respond) {
  put_event_invoke_config(std::move(in), std::move(respond), true);
}

void LambdaService::get_function_event_invoke_config(const CallContext&, json::object in,
                                                     Respond respond) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  std::string q = event_qualifier(in, ref);
  respond(engine_.read(ref.name, [&](const Function& f) -> Output {
    auto it = f.event_config.find(q);
    if (it == f.event_config.end()) return no_event_invoke_config(engine_.arn(ref.name) + ":" + q);
    return it->second;
  }));
}

void LambdaService::delete_function_event_invoke_config(const CallContext&, json::object in,
                                                        Respond respond) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  std::string q = event_qualifier(in, ref);
  engine_.change(
      ref.name,
      [&](Function& f) -> Output {
        if (f.event_config.erase(q) == 0) {
          return no_event_invoke_config(engine_.arn(ref.name) + ":" + q);
        }
        return json::object{};
      },
      std::move(respond));
}

void LambdaService::add_permission(const CallContext&, json::object in, Respond respond) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  engine_.change(
      ref.name,
      [&](Function& f) -> Output {
        std::string sid = str(in, "StatementId");
        for (const auto& s : f.policy) {
          if (s.is_object() && str(s.as_object(), "Sid") == sid) {
            return conflict("The statement id (" + sid +
                            ") provided already exists. Please provide a new statement id, or "
                            "remove the existing statement.");
          }
        }
        std::string principal = str(in, "Principal");
        json::object st;
        st["Sid"] = sid;
        st["Effect"] = "Allow";
        if (principal.starts_with("arn:")) {  // a user or role of IAM
          st["Principal"] = json::object{{"AWS", principal}};
        } else if (principal.find('.') != std::string::npos) {
          st["Principal"] = json::object{{"Service", principal}};
        } else {
          st["Principal"] = json::object{
              {"AWS", principal == "*" ? principal : "arn:aws:iam::" + principal + ":root"}};
        }
        st["Action"] = str(in, "Action");
        std::string q = has(in, "Qualifier") ? ":" + str(in, "Qualifier") : "";
        st["Resource"] = engine_.arn(ref.name) + q;
        json::object cond;
        if (has(in, "SourceArn")) {
          cond["ArnLike"] = json::object{{"AWS:SourceArn", str(in, "SourceArn")}};
        }
        if (has(in, "SourceAccount")) {
          cond["StringEquals"] = json::object{{"AWS:SourceAccount", str(in, "SourceAccount")}};
        }
        if (!cond.empty()) st["Condition"] = std::move(cond);
        f.policy.push_back(st);
        return json::object{{"Statement", json::serialize(st)}};
      },
      std::move(respond));
}

void LambdaService::remove_permission(const CallContext&, json::object in, Respond respond) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  std::string sid = str(in, "StatementId");
  engine_.change(
      ref.name,
      [&](Function& f) -> Output {
        auto it = std::find_if(f.policy.begin(), f.policy.end(), [&](const json::value& s) {
          return s.is_object() && str(s.as_object(), "Sid") == sid;
        });
        if (it == f.policy.end()) {
          return resource_not_found("Statement " + sid + " is not found in resource policy.");
        }
        f.policy.erase(it);
        return json::object{};
      },
      std::move(respond));
}

void LambdaService::get_policy(const CallContext&, json::object in, Respond respond) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  respond(engine_.read(ref.name, [](const Function& f) -> Output {
    if (f.policy.empty()) return resource_not_found("The resource you requested does not exist.");
    json::object policy{{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", f.policy}};
    return json::object{{"Policy", json::serialize(policy)},
                        {"RevisionId", str(f.latest.config, "RevisionId")}};
  }));
}

void LambdaService::get_account_settings(const CallContext&, json::object, Respond respond) {
  respond(engine_.read_all([this](const FunctionTable& functions) -> Output {
    int64_t limit = engine_.options().account_concurrency;
    int64_t code = 0;
    for (const auto& [n, f] : functions) {
      code += integer(f->latest.config, "CodeSize").value_or(0);
      for (const auto& [k, v] : f->versions) code += integer(v.config, "CodeSize").value_or(0);
    }
    json::object out;
    out["AccountLimit"] =
        json::object{{"TotalCodeSize", 80530636800LL},
                     {"CodeSizeUnzipped", 262144000},
                     {"CodeSizeZipped", 52428800},
                     {"ConcurrentExecutions", limit},
                     {"UnreservedConcurrentExecutions", limit - engine_.reserved_sum_locked()}};
    out["AccountUsage"] = json::object{{"TotalCodeSize", code},
                                       {"FunctionCount", static_cast<int64_t>(functions.size())}};
    return out;
  }));
}

}  // namespace nimbus::services::lambda
