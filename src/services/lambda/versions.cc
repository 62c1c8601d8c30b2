// PublishVersion, ListVersionsByFunction, and the alias operations.
#include <algorithm>
#include <charconv>

#include "services/lambda/errors.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

Status check_routing(const json::object& in, const Function& f) {
  const auto* rc = in.if_contains("RoutingConfig");
  if (rc == nullptr || !rc->is_object()) return Status::ok();
  const auto* w = rc->as_object().if_contains("AdditionalVersionWeights");
  if (w == nullptr || !w->is_object()) return Status::ok();
  if (w->as_object().size() > 1) {
    return invalid("Number of items in AdditionalVersionWeights cannot be greater than 1");
  }
  for (const auto& [k, v] : w->as_object()) {
    uint64_t n = 0;
    auto key = std::string(k);
    auto r = std::from_chars(key.data(), key.data() + key.size(), n);
    if (r.ec != std::errc() || !f.versions.contains(n)) {
      return invalid("Alias routing config version " + key + " is not a published version");
    }
    double weight = v.is_number() ? v.to_number<double>() : -1;
    if (weight < 0 || weight > 1) return invalid("Invalid weight for version " + key);
  }
  return Status::ok();
}

}  // namespace

void LambdaService::publish_version(const CallContext&, json::object in, Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  engine_.change(
      name,
      [&](Function& f) -> Output {
        NIMBUS_TRY(check_revision(in, f.latest.config));
        if (has(in, "CodeSha256") && str(in, "CodeSha256") != str(f.latest.config, "CodeSha256")) {
          return invalid("CodeSHA256 (" + str(in, "CodeSha256") +
                         ") is different from current CodeSHA256 in $LATEST (" +
                         str(f.latest.config, "CodeSha256") + "). Please try again.");
        }
        return engine_.publish_locked(f, str(in, "Description"));
      },
      std::move(respond));
}

void LambdaService::list_versions_by_function(const CallContext&, json::object in,
                                              Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  respond(engine_.read(name, [&](const Function& f) -> Output {
    json::array all;
    all.push_back(f.latest.config);
    for (const auto& [n, v] : f.versions) all.push_back(v.config);
    size_t start = 0;
    if (auto m = integer(in, "Marker")) start = static_cast<size_t>(std::max<int64_t>(0, *m));
    size_t max =
        static_cast<size_t>(std::clamp<int64_t>(integer(in, "MaxItems").value_or(50), 1, 10000));
    json::array page;
    for (size_t i = start; i < all.size() && page.size() < max; ++i) page.push_back(all[i]);
    json::object out;
    if (start + page.size() < all.size()) out["NextMarker"] = std::to_string(start + page.size());
    out["Versions"] = std::move(page);
    return out;
  }));
}

void LambdaService::put_alias(json::object in, Respond respond, bool create) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  std::string alias = str(in, "Name");
  std::string alias_arn = engine_.arn(name) + ":" + alias;
  engine_.change(
      name,
      [&](Function& f) -> Output {
        auto it = f.aliases.find(alias);
        if (create && it != f.aliases.end()) return conflict("Alias already exists: " + alias_arn);
        if (!create && it == f.aliases.end()) {
          return resource_not_found("Alias not found: " + alias_arn);
        }
        json::object a = create ? json::object{} : it->second;
        if (!create) NIMBUS_TRY(check_revision(in, a));
        if (has(in, "FunctionVersion")) {
          std::string v = str(in, "FunctionVersion");
          uint64_t n = 0;
          auto r = std::from_chars(v.data(), v.data() + v.size(), n);
          bool ok = v == "$LATEST" || (r.ec == std::errc() && f.versions.contains(n));
          if (!ok) return not_found(engine_.arn(name) + ":" + v);
          a["FunctionVersion"] = v;
        }
        NIMBUS_TRY(check_routing(in, f));
        a["AliasArn"] = alias_arn;
        a["Name"] = alias;
        if (has(in, "Description") || create) a["Description"] = str(in, "Description");
        if (const auto* rc = in.if_contains("RoutingConfig"); rc && rc->is_object()) {
          a["RoutingConfig"] = *rc;
        }
        a["RevisionId"] = new_revision_id();
        f.aliases[alias] = a;
        return a;
      },
      std::move(respond));
}

void LambdaService::create_alias(const CallContext&, json::object in, Respond respond) {
  put_alias(std::move(in), std::move(respond), true);
}

void LambdaService::update_alias(const CallContext&, json::object in, Respond respond) {
  put_alias(std::move(in), std::move(respond), false);
}

void LambdaService::get_alias(const CallContext&, json::object in, Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  respond(engine_.read(name, [&](const Function& f) -> Output {
    auto it = f.aliases.find(str(in, "Name"));
    if (it == f.aliases.end()) {
      return resource_not_found("Cannot find alias arn: " + engine_.arn(name) + ":" +
                                str(in, "Name"));
    }
    return it->second;
  }));
}

void LambdaService::list_aliases(const CallContext&, json::object in, Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  std::string version = str(in, "FunctionVersion");
  std::string marker = str(in, "Marker");
  size_t max =
      static_cast<size_t>(std::clamp<int64_t>(integer(in, "MaxItems").value_or(50), 1, 10000));
  respond(engine_.read(name, [&](const Function& f) -> Output {
    json::array list;
    std::string next;
    for (auto it = f.aliases.upper_bound(marker); it != f.aliases.end(); ++it) {
      if (!version.empty() && str(it->second, "FunctionVersion") != version) continue;
      if (list.size() >= max) {
        next = std::prev(it)->first;
        break;
      }
      list.push_back(it->second);
    }
    json::object out;
    out["Aliases"] = std::move(list);
    if (!next.empty()) out["NextMarker"] = next;
    return out;
  }));
}

void LambdaService::delete_alias(const CallContext&, json::object in, Respond respond) {
  std::string name = parse_function_name(str(in, "FunctionName")).name;
  engine_.change(
      name,
      [&](Function& f) -> Output {
        f.aliases.erase(str(in, "Name"));
        f.event_config.erase(str(in, "Name"));
        return json::object{};
      },
      std::move(respond));
}

}  // namespace nimbus::services::lambda
