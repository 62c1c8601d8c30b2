#include "services/lambda/config.h"

#include <string>

#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

bool supported_runtime(const std::string& r) {
  return r.starts_with("python3") || r.starts_with("nodejs") || r.starts_with("provided");
}

Error range_error(int64_t value, const char* member, const char* constraint) {
  return Error::make("ValidationException",
                     "1 validation error detected: Value '" + std::to_string(value) + "' at '" +
                         member + "' failed to satisfy constraint: Member must have value " +
                         constraint);
}

}  // namespace

Status check_target(const std::string& arn, const events::Targets& targets) {
  // The services Lambda sends destination records and dead-letter messages to.
  std::string kind = events::target_kind(arn);
  bool lambda_kind = kind == "sqs" || kind == "sns" || kind == "lambda" || kind == "events";
  if (!lambda_kind) return invalid("The destination ARN " + arn + " is invalid.");
  if (!targets.has(kind)) {
    return invalid("The destination ARN " + arn +
                   " is not supported by this nimbus server: it "
                   "has no " +
                   kind + " service.");
  }
  if (auto st = targets.check(arn); !st) {
    return invalid("The destination ARN " + arn + " is invalid: " + st.error().message);
  }
  return Status::ok();
}

Status check_destinations(const json::object& in, const events::Targets& targets) {
  const auto* d = in.if_contains("DestinationConfig");
  if (d == nullptr || !d->is_object()) return Status::ok();
  for (const char* key : {"OnSuccess", "OnFailure"}) {
    const auto* t = d->as_object().if_contains(key);
    if (t == nullptr || !t->is_object()) continue;
    std::string dest = str(t->as_object(), "Destination");
    if (!dest.empty()) NIMBUS_TRY(check_target(dest, targets));
  }
  return Status::ok();
}

Status apply_config(json::object& config, const json::object& in, bool create,
                    const events::Targets& targets) {
  std::string runtime = has(in, "Runtime") ? str(in, "Runtime") : str(config, "Runtime");
  if (create && (runtime.empty() || (!runtime.starts_with("provided") && !has(in, "Handler")))) {
    return invalid(
        "Runtime and Handler are mandatory parameters for functions created with deployment "
        "packages.");
  }
  if (has(in, "Runtime") && !supported_runtime(runtime)) {
    return invalid("The runtime parameter of " + runtime +
                   " is not supported by nimbus. Use python3.x, nodejs18.x/20.x/22.x, "
                   "provided.al2 or provided.al2023.");
  }
  if (auto t = integer(in, "Timeout")) {
    if (*t < 1) return range_error(*t, "timeout", "greater than or equal to 1");
    if (*t > 900) return range_error(*t, "timeout", "less than or equal to 900");
    config["Timeout"] = *t;
  }
  if (auto m = integer(in, "MemorySize")) {
    if (*m < 128) return range_error(*m, "memorySize", "greater than or equal to 128");
    if (*m > 10240) return range_error(*m, "memorySize", "less than or equal to 10240");
    config["MemorySize"] = *m;
  }
  if (const auto* e = in.if_contains("EphemeralStorage"); e && e->is_object()) {
    auto size = integer(e->as_object(), "Size").value_or(512);
    if (size < 512)
      return range_error(size, "ephemeralStorage.size", "greater than or equal to 512");
    if (size > 10240)
      return range_error(size, "ephemeralStorage.size", "less than or equal to 10240");
    config["EphemeralStorage"] = json::object{{"Size", size}};
  }
  if (const auto* e = in.if_contains("Environment"); e && e->is_object()) {
    json::object vars;
    size_t bytes = 0;
    if (const auto* v = e->as_object().if_contains("Variables"); v && v->is_object()) {
      vars = v->as_object();
      for (const auto& [k, val] : vars) {
        bytes += k.size() + (val.is_string() ? val.as_string().size() : 0);
        std::string key(k);
        if (key.starts_with("AWS_") && key != "AWS_ENDPOINT_URL") {
          // Lambda reserves these keys.
          static const char* reserved[] = {"AWS_REGION",        "AWS_DEFAULT_REGION",
                                           "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                           "AWS_SESSION_TOKEN", "AWS_LAMBDA_FUNCTION_NAME"};
          for (const char* r : reserved) {
            if (key == r) {
              return invalid(
                  "Lambda was unable to configure your environment variables because the "
                  "environment variables you have provided contains reserved keys that are "
                  "currently not supported for modification. Reserved keys used in this request: " +
                  key);
            }
          }
        }
      }
    }
    if (bytes > 4096) {
      return invalid(
          "Lambda was unable to configure your environment variables because the environment "
          "variables you have provided exceeded the 4KB limit. String measured: " +
          json::serialize(vars));
    }
    config["Environment"] = json::object{{"Variables", std::move(vars)}};
  }
  if (const auto* d = in.if_contains("DeadLetterConfig"); d && d->is_object()) {
    std::string target = str(d->as_object(), "TargetArn");
    if (target.empty()) {
      config.erase("DeadLetterConfig");
    } else {
      if (!target.starts_with("arn:aws:sqs:") && !target.starts_with("arn:aws:sns:")) {
        return invalid("The provided target arn " + target + " is invalid");
      }
      NIMBUS_TRY(check_target(target, targets));
      config["DeadLetterConfig"] = json::object{{"TargetArn", target}};
    }
  }
  if (const auto* t = in.if_contains("TracingConfig"); t && t->is_object()) {
    std::string mode = str(t->as_object(), "Mode");
    config["TracingConfig"] = json::object{{"Mode", mode.empty() ? "PassThrough" : mode}};
  }
  if (has(in, "Runtime")) config["Runtime"] = runtime;
  if (has(in, "Role")) config["Role"] = str(in, "Role");
  if (has(in, "Handler")) config["Handler"] = str(in, "Handler");
  if (has(in, "Description")) config["Description"] = str(in, "Description");
  return Status::ok();
}

}  // namespace nimbus::services::lambda
