// CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
// UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction.
#include <algorithm>
#include <cctype>

#include "services/lambda/code.h"
#include "services/lambda/config.h"
#include "services/lambda/handlers.h"
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

void set_code(json::object& c, const CodeInfo& code) {
  c["CodeSha256"] = code.sha256_b64;
  c["CodeSize"] = code.size;
}

// What the caller sees right after a create/update: AWS answers Pending /
// InProgress and the waiters poll until Active / Successful, which the
// stored state already is (the code is unpacked before we answer).
json::object as_pending(json::object c, bool create) {
  if (create) {
    c["State"] = "Pending";
    c["StateReason"] = "The function is being created.";
    c["StateReasonCode"] = "Creating";
  } else {
    c["LastUpdateStatus"] = "InProgress";
    c["LastUpdateStatusReason"] = "The function is being created.";
    c["LastUpdateStatusReasonCode"] = "Creating";
  }
  return c;
}

Status check_code_input(const json::object& in) {
  if (str(in, "PackageType") == "Image" || has(in, "ImageUri")) {
    return invalid("Container images are not supported by nimbus; use a .zip file archive.");
  }
  if (has(in, "S3Bucket") || has(in, "S3Key")) {
    return invalid("Code from S3 is not supported by nimbus yet; upload the .zip as ZipFile.");
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
      "ValidationException",
      "1 validation error detected: Value '" + given +
          "' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
          "expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?("
          "\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
}

}  // namespace

void LambdaService::add_function_handlers() {
  on("CreateFunction", [this](const CallContext& ctx, json::object in, Respond respond) {
    Handlers::note_endpoint(*this, ctx);
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    if (auto st = check_name(name, str(in, "FunctionName")); !st) return respond(st.take_error());
    const auto* code = in.if_contains("Code");
    json::object code_in = code && code->is_object() ? code->as_object() : json::object{};
    if (auto st = check_code_input(code_in); !st) return respond(st.take_error());
    if (auto st = check_code_input(in); !st) return respond(st.take_error());
    if (!has(code_in, "ZipFile")) {
      return respond(invalid("Please provide a source for function code."));
    }
    json::object config = base_config(name, arn(name));
    if (auto st = apply_config(config, in, true, queues_); !st) return respond(st.take_error());
    {
      std::lock_guard l(mu_);
      if (find_locked(name)) return respond(conflict("Function already exist: " + name));
    }
    std::string zip(code_in.at("ZipFile").as_string());
    env_.workers.post([this, name, zip = std::move(zip), config = std::move(config),
                       in = std::move(in), respond = std::move(respond)]() mutable {
      auto installed = code_->install(zip);
      if (!installed) return respond(installed.take_error());
      set_code(config, installed->info);
      config["LastModified"] = lambda_time(env_.clock.now_millis());
      config["RevisionId"] = new_revision_id();
      config["State"] = "Active";
      config["LastUpdateStatus"] = "Successful";
      std::lock_guard l(mu_);
      if (find_locked(name)) return respond(conflict("Function already exist: " + name));
      auto f = std::make_shared<Function>();
      f->name = name;
      f->latest.config = config;
      f->latest.code = installed->info.sha256_hex;
      if (const auto* t = in.if_contains("Tags"); t && t->is_object()) f->tags = t->as_object();
      rebuild_spec(*f, f->latest);
      json::object out = as_pending(config, true);
      if (boolean(in, "Publish").value_or(false)) {
        out = as_pending(Handlers::publish_locked(*this, *f, ""), true);
      }
      functions_[name] = f;
      stats_locked(name);
      persist_locked(*f, std::move(respond), std::move(out));
    });
  });

  on("GetFunction", [this](const CallContext& ctx, json::object in, Respond respond) {
    Handlers::note_endpoint(*this, ctx);
    std::lock_guard l(mu_);
    auto found = Handlers::version_locked(*this, in);
    if (!found) return respond(found.take_error());
    auto [f, v] = *found;
    json::object out;
    out["Configuration"] = v->config;
    out["Code"] = json::object{{"RepositoryType", "S3"},
                               {"Location", ctx.endpoint_url + "/_nimbus/lambda/code/" + f->name}};
    if (!f->tags.empty()) out["Tags"] = f->tags;
    if (f->reserved)
      out["Concurrency"] = json::object{{"ReservedConcurrentExecutions", *f->reserved}};
    respond(std::move(out));
  });

  on("GetFunctionConfiguration", [this](const CallContext&, json::object in, Respond respond) {
    std::lock_guard l(mu_);
    auto found = Handlers::version_locked(*this, in);
    if (!found) return respond(found.take_error());
    respond(found->second->config);
  });

  on("ListFunctions", [this](const CallContext&, json::object in, Respond respond) {
    std::string marker = str(in, "Marker");
    int64_t max = std::clamp<int64_t>(integer(in, "MaxItems").value_or(50), 1, 10000);
    bool all = str(in, "FunctionVersion") == "ALL";
    std::lock_guard l(mu_);
    json::array list;
    std::string next;
    for (auto it = functions_.upper_bound(marker); it != functions_.end(); ++it) {
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
    respond(std::move(out));
  });

  on("UpdateFunctionCode", [this](const CallContext& ctx, json::object in, Respond respond) {
    Handlers::note_endpoint(*this, ctx);
    if (auto st = check_code_input(in); !st) return respond(st.take_error());
    if (!has(in, "ZipFile")) return respond(invalid("Please provide a source for function code."));
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    {
      std::lock_guard l(mu_);
      if (!find_locked(name)) return respond(not_found(arn(name)));
    }
    std::string zip(in.at("ZipFile").as_string());
    env_.workers.post([this, name, zip = std::move(zip), in = std::move(in),
                       respond = std::move(respond)]() mutable {
      auto installed = code_->install(zip);
      if (!installed) return respond(installed.take_error());
      std::lock_guard l(mu_);
      auto f = find_locked(name);
      if (!f) return respond(not_found(arn(name)));
      if (auto st = Handlers::check_revision(in, f->latest.config); !st) {
        return respond(st.take_error());
      }
      if (boolean(in, "DryRun").value_or(false)) {
        json::object c = f->latest.config;
        set_code(c, installed->info);
        collect_code_later(options_.code_gc_delay_ms);  // the code no version took
        return respond(std::move(c));
      }
      auto old_key = f->latest.spec ? f->latest.spec->pool_key() : std::string();
      auto& c = f->latest.config;
      set_code(c, installed->info);
      c["LastModified"] = lambda_time(env_.clock.now_millis());
      c["RevisionId"] = new_revision_id();
      code_->released(f->latest.code);
      f->latest.code = installed->info.sha256_hex;
      rebuild_spec(*f, f->latest);
      if (pool_ && !old_key.empty()) pool_->retire(old_key);
      json::object out = as_pending(c, false);
      if (boolean(in, "Publish").value_or(false)) {
        out = as_pending(Handlers::publish_locked(*this, *f, ""), false);
      }
      persist_locked(*f, std::move(respond), std::move(out));
      collect_code_later(options_.code_gc_delay_ms);
    });
  });

  on("UpdateFunctionConfiguration",
     [this](const CallContext& ctx, json::object in, Respond respond) {
       Handlers::note_endpoint(*this, ctx);
       std::string name = parse_function_name(str(in, "FunctionName")).name;
       std::lock_guard l(mu_);
       auto f = find_locked(name);
       if (!f) return respond(not_found(arn(name)));
       if (auto st = Handlers::check_revision(in, f->latest.config); !st) {
         return respond(st.take_error());
       }
       json::object c = f->latest.config;
       if (auto st = apply_config(c, in, false, queues_); !st) return respond(st.take_error());
       c["LastModified"] = lambda_time(env_.clock.now_millis());
       c["RevisionId"] = new_revision_id();
       auto old_key = f->latest.spec ? f->latest.spec->pool_key() : std::string();
       f->latest.config = c;
       rebuild_spec(*f, f->latest);
       if (pool_ && !old_key.empty()) pool_->retire(old_key);
       persist_locked(*f, std::move(respond), as_pending(c, false));
     });

  on("DeleteFunction", [this](const CallContext&, json::object in, Respond respond) {
    auto ref = parse_function_name(str(in, "FunctionName"));
    std::string qualifier = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
    std::lock_guard l(mu_);
    auto f = find_locked(ref.name);
    if (!f) return respond(not_found(arn(ref.name)));
    if (!qualifier.empty() && qualifier != "$LATEST") {
      uint64_t n = 0;
      try {
        n = std::stoull(qualifier);
      } catch (...) {
        return respond(invalid("Deletion of aliases is not supported by DeleteFunction."));
      }
      auto it = f->versions.find(n);
      if (it == f->versions.end()) return respond(not_found(arn(ref.name) + ":" + qualifier));
      for (const auto& [a, alias] : f->aliases) {
        if (str(alias, "FunctionVersion") == qualifier) {
          return respond(
              conflict("Unable to delete version because the following aliases "
                       "reference it: [" +
                       a + "]"));
        }
      }
      if (pool_ && it->second.spec) pool_->retire(it->second.spec->pool_key());
      code_->released(it->second.code);
      f->versions.erase(it);
      collect_code_later(options_.code_gc_delay_ms);
      return persist_locked(*f, std::move(respond), json::object{});
    }
    if (pool_) {
      if (f->latest.spec) pool_->retire(f->latest.spec->pool_key());
      for (const auto& [n, v] : f->versions) {
        if (v.spec) pool_->retire(v.spec->pool_key());
      }
    }
    code_->released(f->latest.code);
    for (const auto& [n, v] : f->versions) code_->released(v.code);
    functions_.erase(ref.name);
    collect_code_later(options_.code_gc_delay_ms);
    erase_locked(ref.name, std::move(respond));
  });
}

}  // namespace nimbus::services::lambda
