// Concurrency (reserved, provisioned), async invoke configuration, the
// resource policy, account settings.
#include <algorithm>
#include <charconv>

#include "services/lambda/config.h"
#include "services/lambda/handlers.h"
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

Status check_destinations(const json::object& in, const sqs::Queues* queues) {
  const auto* d = in.if_contains("DestinationConfig");
  if (d == nullptr || !d->is_object()) return Status::ok();
  for (const char* key : {"OnSuccess", "OnFailure"}) {
    const auto* t = d->as_object().if_contains(key);
    if (t == nullptr || !t->is_object()) continue;
    std::string dest = str(t->as_object(), "Destination");
    if (!dest.empty()) NIMBUS_TRY(check_target(dest, queues));
  }
  return Status::ok();
}

}  // namespace

void LambdaService::add_settings_handlers() {
  on("PutFunctionConcurrency", [this](const CallContext&, json::object in, Respond respond) {
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    int64_t n = integer(in, "ReservedConcurrentExecutions").value_or(0);
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    int64_t limit = options_.account_concurrency;
    int64_t min_unreserved = std::min<int64_t>(100, limit / 10);
    int64_t others = reserved_sum_locked() - f->reserved.value_or(0);
    if (limit - others - n < min_unreserved) {
      return respond(
          invalid("Specified ReservedConcurrentExecutions for function decreases account's "
                  "UnreservedConcurrentExecution below its minimum value of [" +
                  std::to_string(min_unreserved) + "]."));
    }
    f->reserved = n;
    persist_locked(*f, std::move(respond), json::object{{"ReservedConcurrentExecutions", n}});
  });

  on("GetFunctionConcurrency", [this](const CallContext&, json::object in, Respond respond) {
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    json::object out;
    if (f->reserved) out["ReservedConcurrentExecutions"] = *f->reserved;
    respond(std::move(out));
  });

  on("DeleteFunctionConcurrency", [this](const CallContext&, json::object in, Respond respond) {
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    f->reserved.reset();
    persist_locked(*f, std::move(respond), json::object{});
  });

  on("PutProvisionedConcurrencyConfig",
     [this](const CallContext&, json::object in, Respond respond) {
       std::string name = parse_function_name(str(in, "FunctionName")).name;
       std::string q = str(in, "Qualifier");
       int64_t n = integer(in, "ProvisionedConcurrentExecutions").value_or(1);
       std::lock_guard l(mu_);
       auto f = find_locked(name);
       if (!f) return respond(not_found(arn(name)));
       if (q == "$LATEST") {
         return respond(
             invalid("Provisioned Concurrency Configs cannot be applied to unpublished "
                     "function versions."));
       }
       if (auto st = check_qualifier(*f, q, arn(name)); !st) return respond(st.take_error());
       json::object c;
       c["RequestedProvisionedConcurrentExecutions"] = n;
       c["LastModified"] = lambda_time(env_.clock.now_millis());
       f->provisioned[q] = c;
       prewarm_locked(*f, q, n);
       json::object out = c;
       out["AvailableProvisionedConcurrentExecutions"] = 0;
       out["AllocatedProvisionedConcurrentExecutions"] = 0;
       out["Status"] = "IN_PROGRESS";
       persist_locked(*f, std::move(respond), std::move(out));
     });

  on("GetProvisionedConcurrencyConfig",
     [this](const CallContext&, json::object in, Respond respond) {
       std::string name = parse_function_name(str(in, "FunctionName")).name;
       std::string q = str(in, "Qualifier");
       std::lock_guard l(mu_);
       auto f = find_locked(name);
       if (!f) return respond(not_found(arn(name)));
       auto it = f->provisioned.find(q);
       if (it == f->provisioned.end()) {
         return respond(Error::make("ProvisionedConcurrencyConfigNotFoundException",
                                    "No Provisioned Concurrency Config found for this function"));
       }
       json::object out = it->second;
       int64_t requested = integer(out, "RequestedProvisionedConcurrentExecutions").value_or(0);
       auto ready = static_cast<int64_t>(provisioned_ready_[name + ":" + q]);
       out["AvailableProvisionedConcurrentExecutions"] = ready;
       out["AllocatedProvisionedConcurrentExecutions"] = ready;
       out["Status"] = ready >= requested ? "READY" : "IN_PROGRESS";
       respond(std::move(out));
     });

  on("DeleteProvisionedConcurrencyConfig",
     [this](const CallContext&, json::object in, Respond respond) {
       std::string name = parse_function_name(str(in, "FunctionName")).name;
       std::lock_guard l(mu_);
       auto f = find_locked(name);
       if (!f) return respond(not_found(arn(name)));
       f->provisioned.erase(str(in, "Qualifier"));
       provisioned_ready_.erase(name + ":" + str(in, "Qualifier"));
       persist_locked(*f, std::move(respond), json::object{});
     });

  auto put_eic = [this](json::object in, Respond respond, bool merge) {
    auto ref = parse_function_name(str(in, "FunctionName"));
    std::string q = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
    if (q.empty()) q = "$LATEST";
    if (auto st = check_destinations(in, queues_); !st) return respond(st.take_error());
    std::lock_guard l(mu_);
    auto f = find_locked(ref.name);
    if (!f) return respond(not_found(arn(ref.name)));
    if (auto st = check_qualifier(*f, q, arn(ref.name)); !st) return respond(st.take_error());
    json::object c = merge && f->event_config.contains(q) ? f->event_config[q] : json::object{};
    for (const char* key :
         {"MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"}) {
      if (has(in, key)) c[key] = in.at(key);
    }
    c["FunctionArn"] = arn(ref.name) + ":" + q;
    c["LastModified"] = env_.clock.now_seconds();
    f->event_config[q] = c;
    persist_locked(*f, std::move(respond), c);
  };
  on("PutFunctionEventInvokeConfig", [put_eic](const CallContext&, json::object in, Respond r) {
    put_eic(std::move(in), std::move(r), false);
  });
  on("UpdateFunctionEventInvokeConfig", [put_eic](const CallContext&, json::object in, Respond r) {
    put_eic(std::move(in), std::move(r), true);
  });
  on("GetFunctionEventInvokeConfig", [this](const CallContext&, json::object in, Respond respond) {
    auto ref = parse_function_name(str(in, "FunctionName"));
    std::string q = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
    if (q.empty()) q = "$LATEST";
    std::lock_guard l(mu_);
    auto f = find_locked(ref.name);
    if (!f) return respond(not_found(arn(ref.name)));
    auto it = f->event_config.find(q);
    if (it == f->event_config.end()) {
      return respond(Error::make(
          "ResourceNotFoundException",
          "The function " + arn(ref.name) + ":" + q + " doesn't have an EventInvokeConfig"));
    }
    respond(it->second);
  });
  on("DeleteFunctionEventInvokeConfig",
     [this](const CallContext&, json::object in, Respond respond) {
       auto ref = parse_function_name(str(in, "FunctionName"));
       std::string q = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
       if (q.empty()) q = "$LATEST";
       std::lock_guard l(mu_);
       auto f = find_locked(ref.name);
       if (!f) return respond(not_found(arn(ref.name)));
       if (f->event_config.erase(q) == 0) {
         return respond(Error::make(
             "ResourceNotFoundException",
             "The function " + arn(ref.name) + ":" + q + " doesn't have an EventInvokeConfig"));
       }
       persist_locked(*f, std::move(respond), json::object{});
     });

  on("AddPermission", [this](const CallContext&, json::object in, Respond respond) {
    auto ref = parse_function_name(str(in, "FunctionName"));
    std::lock_guard l(mu_);
    auto f = find_locked(ref.name);
    if (!f) return respond(not_found(arn(ref.name)));
    std::string sid = str(in, "StatementId");
    for (const auto& s : f->policy) {
      if (s.is_object() && str(s.as_object(), "Sid") == sid) {
        return respond(conflict("The statement id (" + sid +
                                ") provided already exists. Please provide a new statement id, "
                                "or remove the existing statement."));
      }
    }
    std::string principal = str(in, "Principal");
    json::object st;
    st["Sid"] = sid;
    st["Effect"] = "Allow";
    if (principal.find('.') != std::string::npos) {
      st["Principal"] = json::object{{"Service", principal}};
    } else {
      st["Principal"] = json::object{
          {"AWS", principal == "*" ? principal : "arn:aws:iam::" + principal + ":root"}};
    }
    st["Action"] = str(in, "Action");
    std::string q = has(in, "Qualifier") ? ":" + str(in, "Qualifier") : "";
    st["Resource"] = arn(ref.name) + q;
    json::object cond;
    if (has(in, "SourceArn")) {
      cond["ArnLike"] = json::object{{"AWS:SourceArn", str(in, "SourceArn")}};
    }
    if (has(in, "SourceAccount")) {
      cond["StringEquals"] = json::object{{"AWS:SourceAccount", str(in, "SourceAccount")}};
    }
    if (!cond.empty()) st["Condition"] = std::move(cond);
    f->policy.push_back(st);
    persist_locked(*f, std::move(respond), json::object{{"Statement", json::serialize(st)}});
  });

  on("RemovePermission", [this](const CallContext&, json::object in, Respond respond) {
    auto ref = parse_function_name(str(in, "FunctionName"));
    std::lock_guard l(mu_);
    auto f = find_locked(ref.name);
    if (!f) return respond(not_found(arn(ref.name)));
    std::string sid = str(in, "StatementId");
    auto it = std::find_if(f->policy.begin(), f->policy.end(), [&](const json::value& s) {
      return s.is_object() && str(s.as_object(), "Sid") == sid;
    });
    if (it == f->policy.end()) {
      return respond(Error::make("ResourceNotFoundException",
                                 "Statement " + sid + " is not found in resource policy."));
    }
    f->policy.erase(it);
    persist_locked(*f, std::move(respond), json::object{});
  });

  on("GetPolicy", [this](const CallContext&, json::object in, Respond respond) {
    auto ref = parse_function_name(str(in, "FunctionName"));
    std::lock_guard l(mu_);
    auto f = find_locked(ref.name);
    if (!f) return respond(not_found(arn(ref.name)));
    if (f->policy.empty()) {
      return respond(
          Error::make("ResourceNotFoundException", "The resource you requested does not exist."));
    }
    json::object policy{{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", f->policy}};
    respond(json::object{{"Policy", json::serialize(policy)},
                         {"RevisionId", str(f->latest.config, "RevisionId")}});
  });

  on("GetAccountSettings", [this](const CallContext&, json::object, Respond respond) {
    std::lock_guard l(mu_);
    int64_t limit = options_.account_concurrency;
    int64_t code = 0;
    for (const auto& [n, f] : functions_) {
      code += integer(f->latest.config, "CodeSize").value_or(0);
      for (const auto& [k, v] : f->versions) code += integer(v.config, "CodeSize").value_or(0);
    }
    json::object out;
    out["AccountLimit"] =
        json::object{{"TotalCodeSize", 80530636800LL},
                     {"CodeSizeUnzipped", 262144000},
                     {"CodeSizeZipped", 52428800},
                     {"ConcurrentExecutions", limit},
                     {"UnreservedConcurrentExecutions", limit - reserved_sum_locked()}};
    out["AccountUsage"] = json::object{{"TotalCodeSize", code},
                                       {"FunctionCount", static_cast<int64_t>(functions_.size())}};
    respond(std::move(out));
  });
}

}  // namespace nimbus::services::lambda
