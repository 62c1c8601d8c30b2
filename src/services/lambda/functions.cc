// CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
// UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "services/lambda/config.h"
#include "services/lambda/destination_access.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_layers.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

json::object base_config(const std::string& name, const std::string& arn) {
  json::object c;
  c["FunctionName"] = name;
  c["FunctionArn"] = arn;
  c["Role"] = "";
  c["Handler"] = "";
  c["Description"] = "";
  c["Timeout"] = 3;
  c["MemorySize"] = 128;
  c["Version"] = "$LATEST";
  c["TracingConfig"] = json::object{{"Mode", "PassThrough"}};
  c["PackageType"] = "Zip";
  c["Architectures"] = json::array{"x86_64"};
  c["EphemeralStorage"] = json::object{{"Size", 512}};
  c["SnapStart"] = json::object{{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}};
  return c;
}

Status check_code_input(const json::object& in) {
  if (str(in, "PackageType") == "Image" || has(in, "ImageUri")) {
    return invalid("Container images are not supported by nimbus; use a .zip file archive.");
  }
  return Status::ok();
}

// Lambda's FunctionName rule: 1-64 of [a-zA-Z0-9-_] once the ARN parts are gone.
Status check_name(const std::string& name, const std::string& given) {
  bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (ok) return Status::ok();
  return Error::make(
      code::kValidation,
      "1 validation error detected: Value '" + given +
          "' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
          "expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?("
          "\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
}

}  // namespace

Result<FunctionLayers> LambdaService::function_layers(const json::object& in) const {
  const auto* given = in.if_contains("Layers");
  if (given == nullptr) return FunctionLayers{};
  return resolve_function_layers(*given, engine_.layers(), env_.settings.region,
                                 env_.settings.account_id);
}

void LambdaService::create_function(const CallContext& ctx, json::object in, Respond respond) {
  engine_.note_endpoint(ctx.endpoint_url);
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  if (auto st = check_name(name, str(in, "FunctionName")); !st) return respond(st.take_error());
  const auto* code = in.if_contains("Code");
  json::object code_in = code && code->is_object() ? code->as_object() : json::object{};
  if (auto st = check_code_input(code_in); !st) return respond(st.take_error());
  if (auto st = check_code_input(in); !st) return respond(st.take_error());
  json::object config = base_config(name, engine_.arn(name));
  if (auto st = apply_config(config, in, true, env_.targets); !st) return respond(st.take_error());
  if (auto st = engine_.check_role(str(config, "Role")); !st) return respond(st.take_error());
  if (auto st = role_may_send_dead_letters(iam_, config); !st) return respond(st.take_error());
  auto layers = function_layers(in);
  if (!layers) return respond(layers.take_error());
  if (!layers->shown.empty()) config["Layers"] = std::move(layers->shown);
  json::object tags;
  if (const auto* t = in.if_contains("Tags"); t && t->is_object()) tags = t->as_object();
  if (auto st = check_tags(tags, takes_aws_tags(ctx)); !st) return respond(st.take_error());
  bool publish = boolean(in, "Publish").value_or(false);
  // Before reading code from S3: the conflict is the answer then (create
  // checks again once the code is stored).
  if (engine_.read(name, [](const Function&) -> Output { return json::object{}; })) {
    return respond(conflict("Function already exist: " + name));
  }
  engine_.code_zip(code_in, [this, name, config = std::move(config),
                             codes = std::move(layers->codes), tags = std::move(tags), publish,
                             respond = std::move(respond)](Result<std::string> zip) mutable {
    if (!zip) return respond(zip.take_error());
    engine_.create(name, std::move(config), std::move(codes), std::move(*zip), std::move(tags),
                   publish, std::move(respond));
  });
}

// The function and version an input's FunctionName (+ Qualifier) names;
// aliases resolve to their primary version.
namespace {
template <typename F>
Output with_version(const Function& f, const json::object& in, const std::string& arn, F fn) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  std::string q = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
  if (q.empty() || q == "$LATEST") return fn(f.latest);
  if (auto a = f.aliases.find(q); a != f.aliases.end()) q = str(a->second, "FunctionVersion");
  if (q == "$LATEST") return fn(f.latest);
  uint64_t n = 0;
  auto r = std::from_chars(q.data(), q.data() + q.size(), n);
  auto it = f.versions.find(n);
  if (r.ec != std::errc() || r.ptr != q.data() + q.size() || it == f.versions.end()) {
    return not_found(arn + ":" + q);
  }
  return fn(it->second);
}
}  // namespace

void LambdaService::get_function(const CallContext& ctx, json::object in, Respond respond) {
  engine_.note_endpoint(ctx.endpoint_url);
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  respond(engine_.read(name, [&](const Function& f) {
    return with_version(f, in, engine_.arn(name), [&](const Version& v) -> Output {
      json::object out;
      out["Configuration"] = v.config;
      out["Code"] = json::object{{"RepositoryType", "S3"},
                                 {"Location", engine_.links().link(ctx.endpoint_url, v.code)}};
      if (!f.tags.empty()) out["Tags"] = f.tags;
      if (f.reserved) {
        out["Concurrency"] = json::object{{"ReservedConcurrentExecutions", *f.reserved}};
      }
      return out;
    });
  }));
}

void LambdaService::get_function_configuration(const CallContext&, json::object in,
                                               Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  respond(engine_.read(name, [&](const Function& f) {
    return with_version(f, in, engine_.arn(name),
                        [](const Version& v) -> Output { return v.config; });
  }));
}

void LambdaService::list_functions(const CallContext&, json::object in, Respond respond) {
  std::string marker = str(in, "Marker");
  int64_t max = std::clamp<int64_t>(integer(in, "MaxItems").value_or(50), 1, 10000);
  bool all = str(in, "FunctionVersion") == "ALL";
  respond(engine_.read_all([&](const FunctionTable& functions) -> Output {
    json::array list;
    std::string next;
    for (auto it = functions.upper_bound(marker); it != functions.end(); ++it) {
      if (static_cast<int64_t>(list.size()) >= max) {
        next = std::prev(it)->first;
        break;
      }
      list.push_back(it->second->latest.config);
      if (all) {
        for (const auto& [n, v] : it->second->versions) list.push_back(v.config);
      }
    }
    json::object out;
    out["Functions"] = std::move(list);
    if (!next.empty()) out["NextMarker"] = next;
    return out;
  }));
}

void LambdaService::update_function_code(const CallContext& ctx, json::object in, Respond respond) {
  engine_.note_endpoint(ctx.endpoint_url);
  if (auto st = check_code_input(in); !st) return respond(st.take_error());
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  if (auto found = engine_.read(name, [](const Function&) -> Output { return json::object{}; });
      !found) {
    return respond(found.take_error());
  }
  json::object source;
  for (const char* k : {"ZipFile", "S3Bucket", "S3Key", "S3ObjectVersion"}) {
    if (auto* v = in.if_contains(k)) {
      source[k] = std::move(*v);
      in.erase(k);
    }
  }
  engine_.code_zip(source, [this, name, in = std::move(in),
                            respond = std::move(respond)](Result<std::string> zip) mutable {
    if (!zip) return respond(zip.take_error());
    engine_.update_code(name, std::move(*zip), std::move(in), std::move(respond));
  });
}

void LambdaService::update_function_configuration(const CallContext& ctx, json::object in,
                                                  Respond respond) {
  engine_.note_endpoint(ctx.endpoint_url);
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  std::optional<FunctionLayers> layers;
  if (has(in, "Layers")) {
    auto resolved = function_layers(in);
    if (!resolved) return respond(resolved.take_error());
    layers = std::move(*resolved);
  }
  engine_.change(
      name,
      [&](Function& f) -> Output {
        NIMBUS_TRY(check_revision(in, f.latest.config));
        json::object c = f.latest.config;
        NIMBUS_TRY(apply_config(c, in, false, env_.targets));
        if (has(in, "Role")) NIMBUS_TRY(engine_.check_role(str(c, "Role")));
        // A dead-letter target is a queue or a topic: IAM reads its policy
        // without Lambda's lock.
        if (has(in, "Role") || has(in, "DeadLetterConfig")) {
          NIMBUS_TRY(role_may_send_dead_letters(iam_, c));
        }
        if (layers) {
          if (layers->shown.empty())
            c.erase("Layers");
          else
            c["Layers"] = layers->shown;
          engine_.set_layers_locked(f, std::move(layers->codes));
        }
        c["LastModified"] = lambda_time(env_.clock.now_millis());
        c["RevisionId"] = new_revision_id();
        f.latest.config = c;
        engine_.reconfigured_locked(f);
        return as_pending(std::move(c), false);
      },
      std::move(respond));
}

void LambdaService::delete_function(const CallContext&, json::object in, Respond respond) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  std::string qualifier = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
  // 204 No Content, as Lambda answers: older models say so with the
  // operation's responseCode, newer ones bind the output's StatusCode member
  // to the HTTP status (and say 200 otherwise).
  engine_.remove(ref.name, qualifier, [respond = std::move(respond)](Output out) {
    if (out) out->insert_or_assign("StatusCode", 204);
    respond(std::move(out));
  });
}

}  // namespace nimbus::services::lambda
