// Globals: properties declared once for every resource of a type. SAM's
// merge: a map merges key by key (recursively), a list is the global items
// then the resource's, anything else (scalars, intrinsic functions) is the
// resource's own when it has one. IgnoreGlobals ('*' or a list of names)
// opts a resource out.
#include <array>
#include <string>

#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

namespace {

// The properties SAM allows in a section (empty: not checked here).
constexpr std::array<std::string_view, 39> kFunction{"Handler",
                                                     "Runtime",
                                                     "CodeUri",
                                                     "DeadLetterQueue",
                                                     "Description",
                                                     "MemorySize",
                                                     "Timeout",
                                                     "VpcConfig",
                                                     "Environment",
                                                     "Tags",
                                                     "PropagateTags",
                                                     "Tracing",
                                                     "KmsKeyArn",
                                                     "AutoPublishAlias",
                                                     "AutoPublishAliasAllProperties",
                                                     "Layers",
                                                     "DeploymentPreference",
                                                     "RolePath",
                                                     "PermissionsBoundary",
                                                     "ReservedConcurrentExecutions",
                                                     "ProvisionedConcurrencyConfig",
                                                     "AssumeRolePolicyDocument",
                                                     "EventInvokeConfig",
                                                     "FileSystemConfigs",
                                                     "CodeSigningConfigArn",
                                                     "Architectures",
                                                     "SnapStart",
                                                     "EphemeralStorage",
                                                     "FunctionUrlConfig",
                                                     "RuntimeManagementConfig",
                                                     "LoggingConfig",
                                                     "RecursiveLoop",
                                                     "SourceKMSKeyArn",
                                                     "TenancyConfig",
                                                     "DurableConfig",
                                                     "CapacityProviderConfig",
                                                     "FunctionScalingConfig",
                                                     "PublishToLatestPublished",
                                                     "VersionDeletionPolicy"};
constexpr std::array<std::string_view, 22> kApi{"Auth",
                                                "Name",
                                                "DefinitionUri",
                                                "CacheClusterEnabled",
                                                "CacheClusterSize",
                                                "MergeDefinitions",
                                                "Variables",
                                                "EndpointConfiguration",
                                                "MethodSettings",
                                                "BinaryMediaTypes",
                                                "MinimumCompressionSize",
                                                "Cors",
                                                "GatewayResponses",
                                                "AccessLogSetting",
                                                "CanarySetting",
                                                "TracingEnabled",
                                                "OpenApiVersion",
                                                "Domain",
                                                "AlwaysDeploy",
                                                "PropagateTags",
                                                "SecurityPolicy",
                                                "EndpointAccessMode"};

template <size_t N>
std::string one_of(const std::array<std::string_view, N>& names) {
  std::string s = "[";
  for (auto n : names) s += (s.size() > 1 ? ", '" : "'") + std::string(n) + "'";
  return s + "]";
}

template <size_t N>
Status check_properties(std::string_view section, const json::object& props,
                        const std::array<std::string_view, N>& allowed) {
  for (const auto& [key, v] : props) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    return invalid_document("'Globals' section is invalid. '" + std::string(key) +
                            "' is not a supported property of '" + std::string(section) +
                            "'. Must be one of the following values - " + one_of(allowed));
  }
  return Status::ok();
}

json::value merge(const json::value& global, const json::value& local) {
  if (is_intrinsic(global) || is_intrinsic(local)) return local;
  if (global.is_object() && local.is_object()) {
    json::object out = global.as_object();
    for (const auto& [k, v] : local.as_object()) {
      const auto* g = out.if_contains(k);
      out[k] = g != nullptr ? merge(*g, v) : v;
    }
    return out;
  }
  if (global.is_array() && local.is_array()) {
    json::array out = global.as_array();
    for (const auto& v : local.as_array()) out.push_back(v);
    return out;
  }
  return local;
}

bool ignored(const json::object& res, std::string_view key) {
  const auto* ig = res.if_contains("IgnoreGlobals");
  if (ig == nullptr) return false;
  if (ig->is_string()) return ig->as_string() == "*";
  if (!ig->is_array()) return false;
  for (const auto& v : ig->as_array()) {
    if (v.is_string() && v.as_string() == key) return true;
  }
  return false;
}

}  // namespace

Status apply_globals(const json::value* globals, json::object& resources) {
  if (globals == nullptr) return Status::ok();
  if (!globals->is_object() || globals->as_object().empty()) {
    return invalid_document("'Globals' section is invalid. It must be a non-empty dictionary");
  }
  static constexpr std::array<std::string_view, 8> kSections{
      "Api",          "CapacityProvider", "Function",     "HttpApi",
      "LayerVersion", "SimpleTable",      "StateMachine", "WebSocketApi"};
  for (const auto& [section, props] : globals->as_object()) {
    if (std::find(kSections.begin(), kSections.end(), section) == kSections.end()) {
      return invalid_document("'Globals' section is invalid. '" + std::string(section) +
                              "' is not supported. Must be one of the following values - " +
                              one_of(kSections));
    }
    if (!props.is_object()) {
      return invalid_document("'Globals' section is invalid. Value of '" + std::string(section) +
                              "' must be a dictionary");
    }
    if (section == "Function") NIMBUS_TRY(check_properties(section, props.as_object(), kFunction));
    if (section == "Api") NIMBUS_TRY(check_properties(section, props.as_object(), kApi));
    std::string type = "AWS::Serverless::" + std::string(section);
    for (auto& [id, res] : resources) {
      if (!res.is_object()) continue;
      auto& r = res.as_object();
      const auto* t = r.if_contains("Type");
      if (t == nullptr || !t->is_string() || t->as_string() != type) continue;
      auto& p = r["Properties"];
      if (p.is_null()) p = json::object{};
      if (!p.is_object()) continue;
      for (const auto& [key, value] : props.as_object()) {
        if (ignored(r, key)) continue;
        const auto* local = p.as_object().if_contains(key);
        p.as_object()[key] = local != nullptr ? merge(value, *local) : value;
      }
    }
  }
  return Status::ok();
}

}  // namespace nimbus::cfn::sam
