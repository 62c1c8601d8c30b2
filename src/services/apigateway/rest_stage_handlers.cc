// apigateway control handlers: deployments (snapshots of the resources and
// their methods, which stages serve) and stages.
#include "common/json_fields.h"
#include "services/apigateway/access_log.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/rest_util.h"
#include "services/apigateway/stage_cache.h"
#include "services/apigateway/tags.h"
#include "services/apigateway/throttling.h"

namespace nimbus::services::apigateway {

namespace {

bool has_methods(const json::object& resources) {
  for (const auto& [id, r] : resources) {
    const auto* m = r.as_object().if_contains("resourceMethods");
    if (m != nullptr && m->is_object() && !m->as_object().empty()) return true;
  }
  return false;
}

json::object& stages_of(json::object& doc) {
  auto& s = doc["stages"];
  if (!s.is_object()) s = json::object();
  return s.as_object();
}

json::object new_stage(const std::string& name, const std::string& deployment, double now) {
  return json::object{{"stageName", name},
                      {"deploymentId", deployment},
                      {"cacheClusterEnabled", false},
                      {"cacheClusterStatus", "NOT_AVAILABLE"},
                      {"methodSettings", json::object()},
                      {"tracingEnabled", false},
                      {"createdDate", now},
                      {"lastUpdatedDate", now}};
}

// cacheClusterEnabled / cacheClusterSize of a CreateStage or
// CreateDeployment input on `stage`, and the cluster's status.
Status apply_cache_cluster(json::object& stage, const json::object& in) {
  if (has(in, "cacheClusterSize")) {
    std::string size = str(in, "cacheClusterSize");
    if (!valid_cache_cluster_size(size)) {
      return errors::bad_request("Invalid cache cluster size specified: " + size);
    }
    stage["cacheClusterSize"] = size;
  }
  if (auto enabled = boolean(in, "cacheClusterEnabled")) stage["cacheClusterEnabled"] = *enabled;
  bool on = boolean(stage, "cacheClusterEnabled").value_or(false);
  // nimbus's cache is there at once: no CREATE_IN_PROGRESS.
  stage["cacheClusterStatus"] = on ? "AVAILABLE" : "NOT_AVAILABLE";
  if (on && !stage.contains("cacheClusterSize")) stage["cacheClusterSize"] = "0.5";
  return Status::ok();
}

// A patch operation on a stage: replace/add/remove of /description,
// /deploymentId, /variables/NAME, /tracingEnabled, /cacheClusterEnabled,
// /cacheClusterSize,
// /accessLogSettings/{destinationArn,format} (remove of /accessLogSettings)
// and method settings (throttling.h).
Status apply_patch(json::object& stage, const json::object& doc, const json::object& op) {
  std::string verb = str(op, "op"), path = str(op, "path"), value = str(op, "value");
  auto invalid = [&] {
    return Status(errors::bad_request("Invalid patch path '" + path + "' specified for op '" +
                                      verb +
                                      "'. Must be one of: [/description, /deploymentId, "
                                      "/variables/*, /tracingEnabled, /cacheClusterEnabled, "
                                      "/cacheClusterSize, "
                                      "/accessLogSettings/destinationArn, "
                                      "/accessLogSettings/format, "
                                      "/{resourcePath}/{httpMethod}/throttling/rateLimit, ...]"));
  };
  if (verb != "replace" && verb != "add" && verb != "remove") {
    return errors::bad_request(
        "Invalid patch operation specified. Must be 'add'|'remove'|'replace'");
  }
  if (path.starts_with("/variables/") && path.size() > 11) {
    auto& vars = stage["variables"];
    if (!vars.is_object()) vars = json::object();
    if (verb == "remove") {
      vars.as_object().erase(path.substr(11));
    } else {
      vars.as_object()[path.substr(11)] = value;
    }
    return Status::ok();
  }
  if (auto st = patch_method_setting(stage, verb, path, value)) return *st;
  if (path == "/accessLogSettings" && verb == "remove") {
    stage.erase("accessLogSettings");
    return Status::ok();
  }
  if (path == "/accessLogSettings/destinationArn" || path == "/accessLogSettings/format") {
    if (verb == "remove") return invalid();
    if (path.ends_with("Arn") && access_log_group(value).empty() &&
        !value.starts_with("arn:aws:firehose:")) {
      return errors::bad_request("Invalid ARN specified in the request");
    }
    auto& settings = stage["accessLogSettings"];
    if (!settings.is_object()) settings = json::object();
    settings.as_object()[path.substr(19)] = value;
    return Status::ok();
  }
  if (verb == "remove") return invalid();
  if (path == "/description") {
    stage["description"] = value;
  } else if (path == "/deploymentId") {
    const auto* deps = doc.if_contains("deployments");
    if (deps == nullptr || !deps->as_object().contains(value)) {
      return errors::bad_request("Invalid deployment identifier specified");
    }
    stage["deploymentId"] = value;
  } else if (path == "/tracingEnabled") {
    stage["tracingEnabled"] = value == "true";
  } else if (path == "/cacheClusterEnabled" || path == "/cacheClusterSize") {
    json::object in;
    if (path == "/cacheClusterSize") {
      in["cacheClusterSize"] = value;
    } else {
      in["cacheClusterEnabled"] = value == "true";
    }
    return apply_cache_cluster(stage, in);
  } else {
    return invalid();
  }
  return Status::ok();
}

}  // namespace

void RestApiService::create_deployment(const CallContext&, json::object in, Respond respond) {
  double now = env_.clock.now_seconds();
  change(
      in,
      [in, now](json::object& doc, json::object& out) {
        const auto& resources = doc["resources"].as_object();
        if (!has_methods(resources)) {
          return Status(errors::bad_request("The REST API doesn't contain any methods"));
        }
        std::string id = new_id(6);
        json::object dep{{"id", id}, {"createdDate", now}};
        if (has(in, "description")) dep["description"] = in.at("description");
        out = dep;
        dep["Snapshot"] = resources;
        // Gateway responses take effect with a deployment, as AWS's.
        if (const auto* g = doc.if_contains("gatewayResponses"); g != nullptr && g->is_object())
          dep["GatewayResponses"] = *g;
        // So does the resource policy ("deploy the API for the policy to
        // take effect").
        if (std::string policy = str(doc["api"].as_object(), "policy"); !policy.empty())
          dep["Policy"] = policy;
        auto& deps = doc["deployments"];
        if (!deps.is_object()) deps = json::object();
        deps.as_object()[id] = std::move(dep);
        if (std::string name = str(in, "stageName"); !name.empty()) {
          auto& stages = stages_of(doc);
          auto* existing = stages.if_contains(name);
          if (existing == nullptr) {
            json::object stage = new_stage(name, id, now);
            if (has(in, "stageDescription")) stage["description"] = in.at("stageDescription");
            stages[name] = std::move(stage);
            existing = stages.if_contains(name);
          }
          auto& stage = existing->as_object();
          stage["deploymentId"] = id;
          stage["lastUpdatedDate"] = now;
          if (has(in, "variables")) stage["variables"] = in.at("variables");
          if (has(in, "cacheClusterEnabled") || has(in, "cacheClusterSize")) {
            if (auto st = apply_cache_cluster(stage, in); !st) return st;
          }
        }
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::delete_deployment(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [in](json::object& doc, json::object&) {
        std::string id = str(in, "deploymentId");
        // stages_of() may add "stages" to doc: look deployments up after it.
        auto& stages = stages_of(doc);
        auto* deps = doc.if_contains("deployments");
        if (deps == nullptr || !deps->as_object().contains(id)) {
          return Status(errors::not_found("Invalid Deployment identifier specified"));
        }
        for (const auto& [name, s] : stages) {
          if (str(s.as_object(), "deploymentId") == id) {
            return Status(errors::bad_request(
                "Active stages pointing to this deployment must be moved or deleted"));
          }
        }
        deps->as_object().erase(id);
        return Status::ok();
      },
      std::move(respond));
}

Output RestApiService::get_deployments(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* deps = api->doc.if_contains("deployments");
  return rest_page(deps != nullptr ? deps->as_object() : json::object(), in);
}

void RestApiService::create_stage(const CallContext& ctx, json::object in, Respond respond) {
  if (auto st = check_new_tags(in, "tags", takes_aws_tags(ctx)); !st)
    return respond(st.take_error());
  double now = env_.clock.now_seconds();
  change(
      in,
      [in, now](json::object& doc, json::object& out) {
        std::string name = str(in, "stageName"), dep = str(in, "deploymentId");
        const auto* deps = doc.if_contains("deployments");
        if (deps == nullptr || !deps->as_object().contains(dep)) {
          return Status(errors::bad_request("Invalid deployment identifier specified"));
        }
        auto& stages = stages_of(doc);
        if (stages.contains(name)) return Status(errors::conflict("Stage already exists"));
        json::object stage = new_stage(name, dep, now);
        for (const char* k : {"description", "variables", "tracingEnabled", "tags"}) {
          if (has(in, k)) stage[k] = in.at(k);
        }
        if (auto st = apply_cache_cluster(stage, in); !st) return st;
        stages[name] = stage;
        out = std::move(stage);
        return Status::ok();
      },
      std::move(respond));
}

Output RestApiService::get_stage(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  const auto* stages = api->doc.if_contains("stages");
  const auto* s =
      stages != nullptr ? stages->as_object().if_contains(str(in, "stageName")) : nullptr;
  if (s == nullptr) return errors::not_found("Invalid Stage identifier specified");
  return s->as_object();
}

Output RestApiService::get_stages(const CallContext& ctx, const json::object& in) const {
  auto api = store_.find(str(in, "restApiId"));
  if (!api) return rest_api_not_found(ctx, str(in, "restApiId"));
  json::array items;
  if (const auto* stages = api->doc.if_contains("stages")) {
    for (const auto& [name, s] : stages->as_object()) {
      if (has(in, "deploymentId") && str(s.as_object(), "deploymentId") != str(in, "deploymentId"))
        continue;
      items.push_back(s);
    }
  }
  return json::object{{"item", std::move(items)}};
}

void RestApiService::update_stage(const CallContext&, json::object in, Respond respond) {
  double now = env_.clock.now_seconds();
  change(
      in,
      [this, in, now](json::object& doc, json::object& out) {
        auto* s = stages_of(doc).if_contains(str(in, "stageName"));
        if (s == nullptr) return Status(errors::not_found("Invalid Stage identifier specified"));
        json::object stage = s->as_object();
        auto cluster = [](const json::object& st) {
          return std::make_pair(boolean(st, "cacheClusterEnabled").value_or(false),
                                str(st, "cacheClusterSize"));
        };
        auto before = cluster(stage);
        if (const auto* ops = in.if_contains("patchOperations");
            ops != nullptr && ops->is_array()) {
          for (const auto& op : ops->as_array()) {
            if (!op.is_object()) continue;
            if (auto st = apply_patch(stage, doc, op.as_object()); !st) return st;
          }
        }
        stage["lastUpdatedDate"] = now;
        // A cluster turned off, on or resized starts empty, as AWS's.
        if (cluster(stage) != before)
          cache_.flush(str(in, "restApiId") + '\n' + str(in, "stageName"));
        *s = stage;
        out = std::move(stage);
        return Status::ok();
      },
      std::move(respond));
}

void RestApiService::delete_stage(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [this, in](json::object& doc, json::object&) {
        if (stages_of(doc).erase(str(in, "stageName")) == 0) {
          return Status(errors::not_found("Invalid Stage identifier specified"));
        }
        cache_.flush(str(in, "restApiId") + '\n' + str(in, "stageName"));
        return Status::ok();
      },
      std::move(respond));
}

}  // namespace nimbus::services::apigateway
