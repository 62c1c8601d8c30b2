// State machines: create, describe, update, delete, list, validate, tags.
#include <algorithm>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "common/tag_keys.h"
#include "services/stepfunctions/stepfunctions_service.h"
#include "services/stepfunctions/tags.h"
#include "storage/storage.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

json::object default_logging() {
  return json::object{{"level", "OFF"}, {"includeExecutionData", false}};
}

// versionDescription goes only with publish.
Status check_publish(const json::object& in) {
  const auto* p = in.if_contains("publish");
  if (has(in, "versionDescription") && (p == nullptr || *p != true)) {
    return errors::validation("Version description can only be set when publish is true");
  }
  return Status::ok();
}

Status check_role(const std::string& role) {
  if (!role.starts_with("arn:")) {
    return Error::make("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: " + role + "'");
  }
  return Status::ok();
}

}  // namespace

void StepFunctionsService::write_machine(const StateMachine& m, Respond respond, json::object out,
                                         std::optional<StateMachine> version) {
  storage::WriteBatch batch(m.arn);
  batch.put("sfn.machines", m.arn, json::serialize(m.encode()));
  if (version) batch.put("sfn.versions", version->arn, json::serialize(version->encode()));
  env_.storage->commit(std::move(batch),
                       [this, m, respond = std::move(respond), out = std::move(out),
                        version = std::move(version), gate = gate_](Status st) {
                         auto in = gate->hold();
                         if (!in)
                           return respond(Error::internal("Step Functions is shutting down"));
                         if (!st) return respond(st.error());
                         {
                           MutexLock lock(mu_);
                           machines_[m.arn] = m;
                           if (version) versions_[version->arn] = *version;
                         }
                         respond(out);
                       });
}

void StepFunctionsService::create_state_machine(const CallContext& ctx, json::object in,
                                                Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "tags", "tagKeys")) {
    return respond(errors::validation(*why));
  }
  StateMachine m;
  m.name = str(in, "name");
  if (!valid_name(m.name)) return respond(errors::invalid_name(m.name));
  m.definition = str(in, "definition");
  m.role_arn = str(in, "roleArn");
  if (auto st = check_role(m.role_arn); !st) return respond(st.error());
  if (has(in, "type")) m.type = str(in, "type");
  auto parsed = asl::parse_definition(m.definition);
  if (!parsed.machine) {
    return respond(errors::invalid_definition(asl::invalid_definition_message(parsed.diagnostics)));
  }
  m.machine = parsed.machine;
  m.arn = arn(ctx, "stateMachine", m.name);
  m.created = m.updated = env_.clock.now_seconds();
  m.revision_id = new_request_id();
  m.logging = in.contains("loggingConfiguration") && in["loggingConfiguration"].is_object()
                  ? in["loggingConfiguration"].as_object()
                  : default_logging();
  m.tracing = in.contains("tracingConfiguration") && in["tracingConfiguration"].is_object()
                  ? in["tracingConfiguration"].as_object()
                  : json::object{{"enabled", false}};
  merge_tags(in, m.tags);
  if (m.tags.size() > kMaxTags) return respond(errors::too_many_tags(m.arn));
  if (auto st = check_publish(in); !st) return respond(st.error());
  std::optional<StateMachine> version;
  {
    MutexLock lock(mu_);
    auto it = machines_.find(m.arn);
    if (it != machines_.end()) {
      // The same request again answers as the first did; anything else conflicts.
      const StateMachine& old = it->second;
      if (old.definition == m.definition && old.role_arn == m.role_arn && old.type == m.type) {
        return respond(json::object{{"stateMachineArn", old.arn}, {"creationDate", old.created}});
      }
      return respond(errors::machine_exists(m.arn));
    }
    if (in["publish"] == true) {
      bool fresh = false;
      auto v = version_of(m, str(in, "versionDescription"), fresh);
      if (!v) return respond(v.take_error());
      version = std::move(*v);
    }
  }
  json::object out{{"stateMachineArn", m.arn}, {"creationDate", m.created}};
  if (version) out["stateMachineVersionArn"] = version->arn;
  write_machine(m, std::move(respond), std::move(out), std::move(version));
}

Output StepFunctionsService::describe_state_machine(const CallContext&,
                                                    const json::object& in) const {
  std::string a = str(in, "stateMachineArn");
  if (!a.starts_with("arn:aws:states:") || a.find(":stateMachine:") == std::string::npos) {
    return errors::invalid_arn(a);
  }
  MutexLock lock(mu_);
  auto it = machines_.find(a);
  if (it == machines_.end()) it = versions_.find(a);
  if (it == versions_.end()) return errors::machine_missing(a);
  const StateMachine& m = it->second;
  json::object out{{"stateMachineArn", m.arn},
                   {"name", m.name},
                   {"status", "ACTIVE"},
                   {"definition", m.definition},
                   {"roleArn", m.role_arn},
                   {"type", m.type},
                   {"creationDate", m.created},
                   {"loggingConfiguration", m.logging},
                   {"tracingConfiguration", m.tracing},
                   {"revisionId", m.revision_id}};
  if (!m.description.empty()) out["description"] = m.description;
  return out;
}

void StepFunctionsService::update_state_machine(const CallContext&, json::object in,
                                                Respond respond) {
  std::string a = str(in, "stateMachineArn");
  if (!a.starts_with("arn:aws:states:")) return respond(errors::invalid_arn(a));
  if (!has(in, "definition") && !has(in, "roleArn") && !has(in, "loggingConfiguration") &&
      !has(in, "tracingConfiguration")) {
    return respond(Error::make("MissingRequiredParameter",
                               "Either the definition, the role ARN, the LoggingConfiguration, "
                               "or the TracingConfiguration must be specified"));
  }
  if (auto st = check_publish(in); !st) return respond(st.error());
  StateMachine m;
  {
    MutexLock lock(mu_);
    auto it = machines_.find(a);
    if (it == machines_.end()) return respond(errors::machine_missing(a));
    m = it->second;
  }
  if (has(in, "definition")) {
    auto parsed = asl::parse_definition(str(in, "definition"));
    if (!parsed.machine) {
      return respond(
          errors::invalid_definition(asl::invalid_definition_message(parsed.diagnostics)));
    }
    m.definition = str(in, "definition");
    m.machine = parsed.machine;
  }
  if (has(in, "roleArn")) {
    if (auto st = check_role(str(in, "roleArn")); !st) return respond(st.error());
    m.role_arn = str(in, "roleArn");
  }
  if (has(in, "loggingConfiguration")) m.logging = in["loggingConfiguration"].as_object();
  if (has(in, "tracingConfiguration")) m.tracing = in["tracingConfiguration"].as_object();
  m.updated = env_.clock.now_seconds();
  m.revision_id = new_request_id();
  json::object out{{"updateDate", m.updated}, {"revisionId", m.revision_id}};
  std::optional<StateMachine> version;
  if (in["publish"] == true) {
    MutexLock lock(mu_);
    bool fresh = false;
    auto v = version_of(m, str(in, "versionDescription"), fresh);
    if (!v) return respond(v.take_error());
    version = std::move(*v);
    out["stateMachineVersionArn"] = version->arn;
  }
  write_machine(m, std::move(respond), std::move(out), std::move(version));
}

void StepFunctionsService::delete_state_machine(const CallContext&, json::object in,
                                                Respond respond) {
  std::string a = str(in, "stateMachineArn");
  if (!a.starts_with("arn:aws:states:") || a.find(":stateMachine:") == std::string::npos) {
    return respond(errors::invalid_arn(a));
  }
  // Its versions and aliases go with it.
  std::vector<std::string> versions, aliases;
  {
    MutexLock lock(mu_);
    for (auto it = versions_.lower_bound(a + ":");
         it != versions_.end() && it->first.starts_with(a + ":"); ++it) {
      versions.push_back(it->first);
    }
    for (auto it = aliases_.lower_bound(a + ":");
         it != aliases_.end() && it->first.starts_with(a + ":"); ++it) {
      aliases.push_back(it->first);
    }
  }
  storage::WriteBatch batch(a);
  batch.del("sfn.machines", a);
  for (const auto& v : versions) batch.del("sfn.versions", v);
  for (const auto& al : aliases) batch.del("sfn.aliases", al);
  commit_then(std::move(batch),
              [this, a, versions, aliases] {
                MutexLock lock(mu_);
                machines_.erase(a);
                for (const auto& v : versions) versions_.erase(v);
                for (const auto& al : aliases) aliases_.erase(al);
              },
              std::move(respond), {});
}

void StepFunctionsService::commit_then(storage::WriteBatch batch, std::function<void()> apply,
                                       Respond respond, json::object out) {
  env_.storage->commit(std::move(batch), [apply = std::move(apply), respond = std::move(respond),
                                          out = std::move(out), gate = gate_](Status st) {
    auto in = gate->hold();
    if (!in) return respond(Error::internal("Step Functions is shutting down"));
    if (!st) return respond(st.error());
    apply();
    respond(out);
  });
}

Output StepFunctionsService::list_state_machines(const CallContext&, const json::object& in) const {
  size_t limit =
      static_cast<size_t>(std::clamp<int64_t>(integer(in, "maxResults").value_or(100), 1, 1000));
  if (integer(in, "maxResults").value_or(100) == 0) limit = 100;
  std::string after = str(in, "nextToken");
  json::array list;
  std::string next;
  MutexLock lock(mu_);
  for (auto it = after.empty() ? machines_.begin() : machines_.upper_bound(after);
       it != machines_.end(); ++it) {
    if (list.size() == limit) {
      next = std::prev(it)->first;
      break;
    }
    const StateMachine& m = it->second;
    list.push_back(json::object{{"stateMachineArn", m.arn},
                                {"name", m.name},
                                {"type", m.type},
                                {"creationDate", m.created}});
  }
  json::object out{{"stateMachines", std::move(list)}};
  if (!next.empty()) out["nextToken"] = next;
  return out;
}

Output StepFunctionsService::validate_definition(const CallContext&, const json::object& in) const {
  auto parsed = asl::parse_definition(str(in, "definition"));
  json::array diags;
  for (const auto& d : parsed.diagnostics) {
    diags.push_back(json::object{
        {"severity", "ERROR"}, {"code", d.code}, {"message", d.message}, {"location", d.location}});
  }
  return json::object{{"result", parsed.machine ? "OK" : "FAIL"},
                      {"diagnostics", std::move(diags)},
                      {"truncated", false}};
}

void StepFunctionsService::tag_resource(const CallContext& ctx, json::object in, Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "tags", "tagKeys")) {
    return respond(errors::validation(*why));
  }
  std::string a = str(in, "resourceArn");
  if (a.find(":activity:") != std::string::npos) return tag_activity(in, std::move(respond));
  StateMachine m;
  {
    MutexLock lock(mu_);
    auto it = machines_.find(a);
    if (it == machines_.end()) return respond(errors::resource_missing(a));
    m = it->second;
  }
  merge_tags(in, m.tags);
  if (m.tags.size() > kMaxTags) return respond(errors::too_many_tags(a));
  write_machine(m, std::move(respond), json::object{});
}

void StepFunctionsService::untag_resource(const CallContext& ctx, json::object in,
                                          Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "tags", "tagKeys")) {
    return respond(errors::validation(*why));
  }
  std::string a = str(in, "resourceArn");
  if (a.find(":activity:") != std::string::npos) return tag_activity(in, std::move(respond));
  StateMachine m;
  {
    MutexLock lock(mu_);
    auto it = machines_.find(a);
    if (it == machines_.end()) return respond(errors::resource_missing(a));
    m = it->second;
  }
  for (const auto& k : string_list(in, "tagKeys")) m.tags.erase(k);
  write_machine(m, std::move(respond), json::object{});
}

Output StepFunctionsService::list_tags(const CallContext&, const json::object& in) const {
  std::string a = str(in, "resourceArn");
  MutexLock lock(mu_);
  if (auto act = activities_.find(a); act != activities_.end()) {
    return json::object{{"tags", tag_list(act->second.tags)}};
  }
  auto it = machines_.find(a);
  if (it == machines_.end()) return errors::resource_missing(a);
  return json::object{{"tags", tag_list(it->second.tags)}};
}

}  // namespace nimbus::sfn
