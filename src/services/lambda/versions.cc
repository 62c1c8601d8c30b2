// PublishVersion, ListVersionsByFunction, and the alias operations.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "services/lambda/handlers.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

void Handlers::note_endpoint(LambdaService& s, const CallContext& ctx) {
  if (ctx.endpoint_url.empty()) return;
  std::lock_guard l(s.mu_);
  if (s.endpoint_url_ == ctx.endpoint_url) return;
  s.endpoint_url_ = ctx.endpoint_url;
  for (auto& [n, f] : s.functions_) {
    s.rebuild_spec(*f, f->latest);
    for (auto& [k, v] : f->versions) s.rebuild_spec(*f, v);
  }
}

Result<std::pair<std::shared_ptr<Function>, Version*>> Handlers::version_locked(
    LambdaService& s, const json::object& in) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  std::string q = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
  auto f = s.find_locked(ref.name);
  if (!f) return not_found(s.arn(ref.name));
  if (q.empty() || q == "$LATEST") return std::make_pair(f, &f->latest);
  if (auto a = f->aliases.find(q); a != f->aliases.end()) q = str(a->second, "FunctionVersion");
  if (q == "$LATEST") return std::make_pair(f, &f->latest);
  uint64_t n = 0;
  auto r = std::from_chars(q.data(), q.data() + q.size(), n);
  if (r.ec != std::errc() || r.ptr != q.data() + q.size() || !f->versions.contains(n)) {
    return not_found(s.arn(ref.name) + ":" + q);
  }
  return std::make_pair(f, &f->versions[n]);
}

Status Handlers::check_revision(const json::object& in, const json::object& config) {
  if (has(in, "RevisionId") && str(in, "RevisionId") != str(config, "RevisionId")) {
    return Error::make("PreconditionFailedException",
                       "The Revision Id provided does not match the latest Revision Id. Call the "
                       "GetFunction/GetAlias API to retrieve the latest Revision Id");
  }
  return Status::ok();
}

json::object Handlers::publish_locked(LambdaService& s, Function& f,
                                      const std::string& description) {
  if (!f.versions.empty()) {
    auto& newest = f.versions.rbegin()->second;
    if (str(newest.config, "CodeSha256") == str(f.latest.config, "CodeSha256") &&
        newest.source_revision == str(f.latest.config, "RevisionId")) {
      return newest.config;
    }
  }
  uint64_t n = ++f.last_version;
  Version v;
  v.config = f.latest.config;
  v.config["Version"] = std::to_string(n);
  v.config["FunctionArn"] = s.arn(f.name) + ":" + std::to_string(n);
  v.config["RevisionId"] = new_revision_id();
  if (!description.empty()) v.config["Description"] = description;
  v.code = f.latest.code;
  s.rebuild_spec(f, v);
  v.source_revision = str(f.latest.config, "RevisionId");
  json::object out = v.config;
  f.versions[n] = std::move(v);
  return out;
}

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

void LambdaService::add_version_handlers() {
  on("PublishVersion", [this](const CallContext&, json::object in, Respond respond) {
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    if (auto st = Handlers::check_revision(in, f->latest.config); !st) {
      return respond(st.take_error());
    }
    if (has(in, "CodeSha256") && str(in, "CodeSha256") != str(f->latest.config, "CodeSha256")) {
      return respond(invalid("CodeSHA256 (" + str(in, "CodeSha256") +
                             ") is different from current CodeSHA256 in $LATEST (" +
                             str(f->latest.config, "CodeSha256") + "). Please try again."));
    }
    json::object out = Handlers::publish_locked(*this, *f, str(in, "Description"));
    persist_locked(*f, std::move(respond), std::move(out));
  });

  on("ListVersionsByFunction", [this](const CallContext&, json::object in, Respond respond) {
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    json::array all;
    all.push_back(f->latest.config);
    for (const auto& [n, v] : f->versions) all.push_back(v.config);
    size_t start = 0;
    if (auto m = integer(in, "Marker")) start = static_cast<size_t>(std::max<int64_t>(0, *m));
    size_t max =
        static_cast<size_t>(std::clamp<int64_t>(integer(in, "MaxItems").value_or(50), 1, 10000));
    json::array page;
    for (size_t i = start; i < all.size() && page.size() < max; ++i) page.push_back(all[i]);
    json::object out;
    if (start + page.size() < all.size()) out["NextMarker"] = std::to_string(start + page.size());
    out["Versions"] = std::move(page);
    respond(std::move(out));
  });

  auto put_alias = [this](json::object in, Respond respond, bool create) {
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    std::string alias = str(in, "Name");
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    auto it = f->aliases.find(alias);
    if (create && it != f->aliases.end()) {
      return respond(conflict("Alias already exists: " + arn(name) + ":" + alias));
    }
    if (!create && it == f->aliases.end()) {
      return respond(
          Error::make("ResourceNotFoundException", "Alias not found: " + arn(name) + ":" + alias));
    }
    json::object a = create ? json::object{} : it->second;
    if (!create) {
      if (auto st = Handlers::check_revision(in, a); !st) return respond(st.take_error());
    }
    if (has(in, "FunctionVersion")) {
      std::string v = str(in, "FunctionVersion");
      uint64_t n = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), n);
      bool ok = v == "$LATEST" || (r.ec == std::errc() && f->versions.contains(n));
      if (!ok) return respond(not_found(arn(name) + ":" + v));
      a["FunctionVersion"] = v;
    }
    if (auto st = check_routing(in, *f); !st) return respond(st.take_error());
    a["AliasArn"] = arn(name) + ":" + alias;
    a["Name"] = alias;
    if (has(in, "Description") || create) a["Description"] = str(in, "Description");
    if (const auto* rc = in.if_contains("RoutingConfig"); rc && rc->is_object()) {
      a["RoutingConfig"] = *rc;
    }
    a["RevisionId"] = new_revision_id();
    f->aliases[alias] = a;
    persist_locked(*f, std::move(respond), a);
  };
  on("CreateAlias", [put_alias](const CallContext&, json::object in, Respond respond) {
    put_alias(std::move(in), std::move(respond), true);
  });
  on("UpdateAlias", [put_alias](const CallContext&, json::object in, Respond respond) {
    put_alias(std::move(in), std::move(respond), false);
  });

  on("GetAlias", [this](const CallContext&, json::object in, Respond respond) {
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    auto it = f->aliases.find(str(in, "Name"));
    if (it == f->aliases.end()) {
      return respond(Error::make("ResourceNotFoundException",
                                 "Cannot find alias arn: " + arn(name) + ":" + str(in, "Name")));
    }
    respond(it->second);
  });

  on("ListAliases", [this](const CallContext&, json::object in, Respond respond) {
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    std::string version = str(in, "FunctionVersion");
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    json::array list;
    std::string marker = str(in, "Marker");
    size_t max =
        static_cast<size_t>(std::clamp<int64_t>(integer(in, "MaxItems").value_or(50), 1, 10000));
    std::string next;
    for (auto it = f->aliases.upper_bound(marker); it != f->aliases.end(); ++it) {
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
    respond(std::move(out));
  });

  on("DeleteAlias", [this](const CallContext&, json::object in, Respond respond) {
    std::string name = parse_function_name(str(in, "FunctionName")).name;
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    f->aliases.erase(str(in, "Name"));
    f->event_config.erase(str(in, "Name"));
    persist_locked(*f, std::move(respond), json::object{});
  });
}

}  // namespace nimbus::services::lambda
