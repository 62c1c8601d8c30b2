// PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayers,
// ListLayerVersions, DeleteLayerVersion, AddLayerVersionPermission,
// GetLayerVersionPolicy, RemoveLayerVersionPermission (state: layers.h).
#include <algorithm>
#include <cctype>
#include <charconv>

#include "services/lambda/errors.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

constexpr const char* kNamePattern =
    "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";

Error validation(const std::string& value, const char* member, const std::string& constraint) {
  return Error::make(code::kValidation, "1 validation error detected: Value '" + value + "' at '" +
                                            member +
                                            "' failed to satisfy constraint: " + constraint);
}

bool plain_name(std::string_view n) {
  return !n.empty() && n.size() <= 140 && std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// LayerName: NAME or arn:aws:lambda:REGION:ACCOUNT:layer:NAME.
Result<std::string> layer_name(const json::object& in) {
  std::string given = str(in, "LayerName");
  std::string_view n = given;
  if (n.starts_with("arn:")) {
    auto at = n.find(":layer:");
    n = at == std::string_view::npos ? std::string_view() : n.substr(at + 7);
  }
  if (!plain_name(n)) {
    return validation(
        given, "layerName",
        std::string("Member must satisfy regular expression pattern: ") + kNamePattern);
  }
  return std::string(n);
}

std::optional<int64_t> number(std::string_view text) {
  int64_t n = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || n < 1) return std::nullopt;
  return n;
}

std::optional<int64_t> version_of(const json::object& in) {
  auto* v = in.if_contains("VersionNumber");
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_string()) return number(v->as_string());
  return std::nullopt;
}

// "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:N" -> (NAME, N).
std::optional<std::pair<std::string, int64_t>> parse_version_arn(std::string_view arn) {
  auto at = arn.find(":layer:");
  if (!arn.starts_with("arn:") || at == std::string_view::npos) return std::nullopt;
  auto rest = arn.substr(at + 7);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto n = number(rest.substr(colon + 1));
  if (!n || !plain_name(rest.substr(0, colon))) return std::nullopt;
  return std::make_pair(std::string(rest.substr(0, colon)), *n);
}

bool lists(const json::object& doc, const char* member, const std::string& value) {
  if (value.empty()) return true;
  auto* a = doc.if_contains(member);
  if (a == nullptr || !a->is_array()) return false;
  return std::any_of(a->as_array().begin(), a->as_array().end(),
                     [&](const json::value& v) { return v.is_string() && v.as_string() == value; });
}

// A stored version as the API shows it.
json::object shown(json::object doc, const CallContext& ctx, const CodeLinks& links) {
  std::string code = str(doc, "Code");
  doc.erase("Code");
  doc.erase("Policy");
  doc.erase("RevisionId");
  if (auto* c = doc.if_contains("Content"); c != nullptr && c->is_object()) {
    c->as_object()["Location"] = links.link(ctx.endpoint_url, code);
  }
  return doc;
}

Result<int64_t> max_items(const json::object& in) {
  int64_t max = integer(in, "MaxItems").value_or(50);
  if (max < 1 || max > 50) {
    return validation(std::to_string(max), "maxItems",
                      max < 1 ? "Member must have value greater than or equal to 1"
                              : "Member must have value less than or equal to 50");
  }
  return max;
}

Error no_version() {
  return resource_not_found("The resource you requested does not exist.");
}

}  // namespace

std::string LambdaService::layer_arn(const std::string& name) const {
  return "arn:aws:lambda:" + env_.settings.region + ":" + env_.settings.account_id +
         ":layer:" + name;
}

void LambdaService::publish_layer_version(const CallContext& ctx, json::object in,
                                          Respond respond) {
  auto name = layer_name(in);
  if (!name) return respond(name.take_error());
  auto* content = in.if_contains("Content");
  if (content == nullptr || !content->is_object()) {
    return respond(validation("null", "content", "Member must not be null"));
  }
  for (const char* member : {"CompatibleRuntimes", "CompatibleArchitectures"}) {
    auto* a = in.if_contains(member);
    if (a == nullptr) continue;
    size_t limit = member[10] == 'R' ? 15 : 2;
    if (!a->is_array() || a->as_array().size() > limit) {
      return respond(validation(
          json::serialize(*a), member[10] == 'R' ? "compatibleRuntimes" : "compatibleArchitectures",
          "Member must have length less than or equal to " + std::to_string(limit)));
    }
    if (member[10] == 'A') {
      for (const auto& v : a->as_array()) {
        if (!v.is_string() || (v.as_string() != "x86_64" && v.as_string() != "arm64")) {
          return respond(validation(json::serialize(*a), "compatibleArchitectures",
                                    "Member must satisfy constraint: [Member must satisfy enum "
                                    "value set: [x86_64, arm64]]"));
        }
      }
    }
  }
  json::object version;
  version["Description"] = str(in, "Description");
  version["CreatedDate"] = lambda_time(env_.clock.now_millis());
  version["Content"] = json::object{};
  for (const char* k : {"CompatibleRuntimes", "CompatibleArchitectures"}) {
    if (auto* a = in.if_contains(k)) version[k] = *a;
  }
  if (has(in, "LicenseInfo")) version["LicenseInfo"] = str(in, "LicenseInfo");
  engine_.code_zip(content->as_object(),
                   [this, ctx, name = *name, version = std::move(version),
                    respond = std::move(respond)](Result<std::string> zip) mutable {
                     if (!zip) return respond(zip.take_error());
                     std::string arn = layer_arn(name);
                     engine_.publish_layer(
                         name, std::move(version), std::move(*zip),
                         [arn](json::object& v, int64_t n) {
                           v["LayerArn"] = arn;
                           v["LayerVersionArn"] = arn + ":" + std::to_string(n);
                           v["Version"] = n;
                         },
                         [this, ctx, name, respond = std::move(respond)](Output out) {
                           if (!out) return respond(out.take_error());
                           respond(shown(std::move(*out), ctx, engine_.links()));
                         });
                   });
}

void LambdaService::get_layer_version(const CallContext& ctx, json::object in, Respond respond) {
  auto name = layer_name(in);
  if (!name) return respond(name.take_error());
  auto n = version_of(in);
  auto doc = n ? engine_.layers().get(*name, *n) : std::nullopt;
  if (!doc) return respond(no_version());
  respond(shown(std::move(*doc), ctx, engine_.links()));
}

void LambdaService::get_layer_version_by_arn(const CallContext& ctx, json::object in,
                                             Respond respond) {
  std::string arn = str(in, "Arn");
  auto parsed = parse_version_arn(arn);
  if (!parsed) {
    return respond(validation(
        arn, "arn",
        "Member must satisfy regular expression pattern: "
        "(arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:"
        "layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"));
  }
  auto doc = engine_.layers().get(parsed->first, parsed->second);
  if (!doc) return respond(no_version());
  respond(shown(std::move(*doc), ctx, engine_.links()));
}

void LambdaService::list_layer_versions(const CallContext& ctx, json::object in, Respond respond) {
  auto name = layer_name(in);
  if (!name) return respond(name.take_error());
  auto max = max_items(in);
  if (!max) return respond(max.take_error());
  std::string runtime = str(in, "CompatibleRuntime");
  std::string arch = str(in, "CompatibleArchitecture");
  auto marker = number(str(in, "Marker"));
  json::array list;
  std::string next;
  if (auto layer = engine_.layers().layer(*name)) {
    // Newest first, as AWS lists them; the marker is the last number shown.
    for (auto it = layer->versions.rbegin(); it != layer->versions.rend(); ++it) {
      if (marker && it->first >= *marker) continue;
      if (!lists(it->second, "CompatibleRuntimes", runtime) ||
          !lists(it->second, "CompatibleArchitectures", arch)) {
        continue;
      }
      if (static_cast<int64_t>(list.size()) >= *max) {
        next = std::to_string(list.back().as_object().at("Version").as_int64());
        break;
      }
      json::object v = shown(it->second, ctx, engine_.links());
      v.erase("Content");
      list.push_back(std::move(v));
    }
  }
  json::object out{{"LayerVersions", std::move(list)}};
  if (!next.empty()) out["NextMarker"] = next;
  respond(std::move(out));
}

void LambdaService::list_layers(const CallContext& ctx, json::object in, Respond respond) {
  auto max = max_items(in);
  if (!max) return respond(max.take_error());
  std::string runtime = str(in, "CompatibleRuntime");
  std::string arch = str(in, "CompatibleArchitecture");
  std::string marker = str(in, "Marker");
  json::array list;
  std::string next;
  for (const auto& layer : engine_.layers().all()) {
    if (!marker.empty() && layer.name <= marker) continue;
    const json::object* match = nullptr;
    for (auto it = layer.versions.rbegin(); it != layer.versions.rend(); ++it) {
      if (lists(it->second, "CompatibleRuntimes", runtime) &&
          lists(it->second, "CompatibleArchitectures", arch)) {
        match = &it->second;
        break;
      }
    }
    if (match == nullptr) continue;
    if (static_cast<int64_t>(list.size()) >= *max) {
      next = str(list.back().as_object(), "LayerName");
      break;
    }
    json::object latest = shown(*match, ctx, engine_.links());
    latest.erase("Content");
    latest.erase("LayerArn");
    list.push_back(json::object{{"LayerName", layer.name},
                                {"LayerArn", layer_arn(layer.name)},
                                {"LatestMatchingVersion", std::move(latest)}});
  }
  json::object out{{"Layers", std::move(list)}};
  if (!next.empty()) out["NextMarker"] = next;
  respond(std::move(out));
}

void LambdaService::delete_layer_version(const CallContext&, json::object in, Respond respond) {
  auto name = layer_name(in);
  if (!name) return respond(name.take_error());
  auto n = version_of(in);
  if (!n) return respond(json::object{});  // deleting what does not exist succeeds, as in AWS
  engine_.delete_layer_version(*name, *n, std::move(respond));
}

void LambdaService::add_layer_version_permission(const CallContext&, json::object in,
                                                 Respond respond) {
  auto name = layer_name(in);
  if (!name) return respond(name.take_error());
  auto n = version_of(in);
  if (!n) return respond(no_version());
  std::string sid = str(in, "StatementId");
  std::string action = str(in, "Action");
  std::string principal = str(in, "Principal");
  if (action != "lambda:GetLayerVersion") {
    return respond(validation(action, "action",
                              "Member must satisfy regular expression pattern: "
                              "lambda:GetLayerVersion"));
  }
  bool account = principal.size() == 12 && std::all_of(principal.begin(), principal.end(),
                                                       [](char c) { return std::isdigit(c); });
  bool root = principal.starts_with("arn:aws:iam::") && principal.ends_with(":root") &&
              principal.size() == 30;
  if (principal != "*" && !account && !root) {
    return respond(validation(principal, "principal",
                              "Member must satisfy regular expression pattern: "
                              "\\d{12}|\\*|arn:aws:iam::\\d{12}:root"));
  }
  if (has(in, "OrganizationId") && principal != "*") {
    return respond(invalid("OrganizationId can only be used when Principal is '*'."));
  }
  std::string resource = layer_arn(*name) + ":" + std::to_string(*n);
  engine_.layers().change(
      *name, *n,
      [&](json::object& v) -> Output {
        if (has(in, "RevisionId") && str(in, "RevisionId") != str(v, "RevisionId")) {
          return stale_revision();
        }
        json::array policy;
        if (auto* p = v.if_contains("Policy"); p != nullptr && p->is_array()) {
          policy = p->as_array();
        }
        for (const auto& s : policy) {
          if (s.is_object() && str(s.as_object(), "Sid") == sid) {
            return conflict("The statement id (" + sid +
                            ") provided already exists. Please provide a new statement id, or "
                            "remove the existing statement.");
          }
        }
        json::object st{{"Sid", sid}, {"Effect", "Allow"}};
        if (principal == "*") {
          st["Principal"] = "*";
        } else {
          st["Principal"] =
              json::object{{"AWS", root ? principal : "arn:aws:iam::" + principal + ":root"}};
        }
        st["Action"] = action;
        st["Resource"] = resource;
        if (has(in, "OrganizationId")) {
          st["Condition"] = json::object{
              {"StringEquals", json::object{{"aws:PrincipalOrgID", str(in, "OrganizationId")}}}};
        }
        policy.push_back(st);
        v["Policy"] = std::move(policy);
        v["RevisionId"] = new_revision_id();
        return json::object{{"Statement", json::serialize(st)}, {"RevisionId", v["RevisionId"]}};
      },
      std::move(respond));
}

void LambdaService::get_layer_version_policy(const CallContext&, json::object in, Respond respond) {
  auto name = layer_name(in);
  if (!name) return respond(name.take_error());
  auto n = version_of(in);
  auto doc = n ? engine_.layers().get(*name, *n) : std::nullopt;
  if (!doc) return respond(no_version());
  auto* p = doc->if_contains("Policy");
  if (p == nullptr || !p->is_array() || p->as_array().empty()) {
    return respond(resource_not_found("No policy is associated with the given resource."));
  }
  json::object policy{{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", *p}};
  respond(
      json::object{{"Policy", json::serialize(policy)}, {"RevisionId", str(*doc, "RevisionId")}});
}

void LambdaService::remove_layer_version_permission(const CallContext&, json::object in,
                                                    Respond respond) {
  auto name = layer_name(in);
  if (!name) return respond(name.take_error());
  auto n = version_of(in);
  if (!n) return respond(no_version());
  std::string sid = str(in, "StatementId");
  engine_.layers().change(
      *name, *n,
      [&](json::object& v) -> Output {
        if (has(in, "RevisionId") && str(in, "RevisionId") != str(v, "RevisionId")) {
          return stale_revision();
        }
        auto* p = v.if_contains("Policy");
        json::array policy = p != nullptr && p->is_array() ? p->as_array() : json::array{};
        auto it = std::find_if(policy.begin(), policy.end(), [&](const json::value& s) {
          return s.is_object() && str(s.as_object(), "Sid") == sid;
        });
        if (it == policy.end()) {
          return resource_not_found("Statement " + sid + " is not found in resource policy.");
        }
        policy.erase(it);
        v["Policy"] = std::move(policy);
        v["RevisionId"] = new_revision_id();
        return json::object{};
      },
      std::move(respond));
}

}  // namespace nimbus::services::lambda
