// AWS::Serverless::LayerVersion -> AWS::Lambda::LayerVersion under SAM's
// logical id: the SAM id plus the first 10 hex digits of the SHA-1 of the
// resource as written (parameters read at their defaults, DeletionPolicy,
// UpdateReplacePolicy and Metadata left out), serialised as Python's
// json.dumps(sort_keys=True, separators=(",", ":")) does, so a changed
// layer gets a new id (a new version) and the old one is kept or deleted by
// its RetentionPolicy.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "auth/crypto.h"
#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

namespace {

const char* const kLayerProperties[] = {"LayerName",
                                        "Description",
                                        "ContentUri",
                                        "CompatibleRuntimes",
                                        "CompatibleArchitectures",
                                        "LicenseInfo",
                                        "RetentionPolicy",
                                        "PublishLambdaVersion"};

// Python's json.dumps with sort_keys and ensure_ascii.
void python_json(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      std::vector<std::pair<std::string_view, const json::value*>> items;
      for (const auto& [k, val] : v.as_object()) items.emplace_back(k, &val);
      std::sort(items.begin(), items.end());
      out += '{';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        python_json(json::value(json::string(items[i].first)), out);
        out += ':';
        python_json(*items[i].second, out);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.as_array()) {
        if (!first) out += ',';
        first = false;
        python_json(item, out);
      }
      out += ']';
      return;
    }
    case json::kind::string: {
      out += '"';
      std::string_view s = v.as_string();
      for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        char buf[16];
        if (c == '"' || c == '\\') {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c == '\n') {
          out += "\\n";
        } else if (c == '\r') {
          out += "\\r";
        } else if (c == '\t') {
          out += "\\t";
        } else if (c < 0x20) {
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else {
          // UTF-8 -> \uXXXX (surrogate pairs above the BMP), as ensure_ascii.
          int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
          uint32_t cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0f : 0x1f);
          for (int k = 1; k < len && i + 1 < s.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f);
          if (cp >= 0x10000) {
            cp -= 0x10000;
            std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
                          0xdc00 + (cp & 0x3ff));
          } else {
            std::snprintf(buf, sizeof buf, "\\u%04x", cp);
          }
          out += buf;
        }
      }
      out += '"';
      return;
    }
    case json::kind::bool_:
      out += v.as_bool() ? "true" : "false";
      return;
    case json::kind::null:
      out += "null";
      return;
    default:
      out += json::serialize(v);
  }
}

// Parameter references read at their defaults, in the properties SAM
// resolves before it names and expands a layer.
json::value resolved(const json::value& v, const Expansion& x) {
  if (v.is_array()) {
    json::array out;
    for (const auto& item : v.as_array()) out.push_back(resolved(item, x));
    return out;
  }
  // List parameters stay references (SAM reads scalars only).
  if (v.is_object() && v.as_object().size() == 1) {
    const auto* name = v.as_object().if_contains("Ref");
    const auto* decl = name != nullptr && name->is_string()
                           ? x.parameters.if_contains(name->as_string())
                           : nullptr;
    if (decl != nullptr && decl->is_object()) {
      const auto* type = decl->as_object().if_contains("Type");
      if (type != nullptr && type->is_string() &&
          (type->as_string().find("List") != json::string::npos))
        return v;
    }
  }
  return x.resolve(v);
}

Status check_list(std::string_view id, const json::object& p, const char* key) {
  const auto* v = p.if_contains(key);
  if (v == nullptr || v->is_array() || is_intrinsic(*v)) return Status::ok();
  return invalid_resource(id, "Property '" + std::string(key) + "' should be a list.");
}

}  // namespace

std::string sha1_prefix(const std::string& text) {
  return auth::crypto::hex(auth::crypto::sha1(text)).substr(0, 10);
}

Status expand_layer_version(std::string_view id, const json::object& res, Expansion& x) {
  json::object written = res;
  if (auto* props = written.if_contains("Properties"); props != nullptr && props->is_object()) {
    for (auto& [k, v] : props->as_object()) {
      if (k != "ContentUri") v = resolved(v, x);
    }
  }
  const json::object& p = properties_of(written);
  for (const auto& [k, v] : p) {
    if (std::find(std::begin(kLayerProperties), std::end(kLayerProperties), k) ==
        std::end(kLayerProperties)) {
      return invalid_resource(
          id, "property " + std::string(k) +
                  " not defined for resource of type AWS::Serverless::LayerVersion");
    }
  }
  NIMBUS_TRY(check_list(id, p, "CompatibleRuntimes"));
  NIMBUS_TRY(check_list(id, p, "CompatibleArchitectures"));
  if (const auto* l = p.if_contains("LicenseInfo");
      l != nullptr && !l->is_string() && !is_intrinsic(*l)) {
    return invalid_resource(id, "Property 'LicenseInfo' should be a string.");
  }
  if (const auto* a = p.if_contains("CompatibleArchitectures"); a != nullptr && a->is_array()) {
    for (const auto& arch : a->as_array()) {
      if (arch.is_string() && arch.as_string() != "x86_64" && arch.as_string() != "arm64") {
        return invalid_resource(id,
                                "CompatibleArchitectures needs to be a list of 'x86_64' or "
                                "'arm64'");
      }
    }
  }
  const auto* uri = p.if_contains("ContentUri");
  if (uri == nullptr) return invalid_resource(id, "Missing required property 'ContentUri'.");
  auto content = s3_location(id, *uri, "ContentUri");
  if (!content) return content.take_error();

  // RetentionPolicy (any case) decides; without it the DeletionPolicy
  // attribute, else Retain.
  std::string policy = "Retain";
  if (const auto* rp = p.if_contains("RetentionPolicy")) {
    if (!rp->is_string()) {
      return invalid_resource(id,
                              "'RetentionPolicy' does not accept intrinsic functions, "
                              "please use one of the following options: ['Retain', 'Delete']");
    }
    std::string lower(rp->as_string());
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "retain") {
      policy = "Retain";
    } else if (lower == "delete") {
      policy = "Delete";
    } else {
      return invalid_resource(id,
                              "'RetentionPolicy' must be one of the following options: "
                              "['Retain', 'Delete'].");
    }
  } else if (const auto* dp = res.if_contains("DeletionPolicy"); dp != nullptr && dp->is_string()) {
    policy = std::string(dp->as_string());
  }

  json::object layer;
  layer["Content"] = std::move(*content);
  layer["LayerName"] = p.contains("LayerName") ? p.at("LayerName") : json::value(json::string(id));
  for (auto key : {"Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"}) {
    if (const auto* v = p.if_contains(key)) layer[key] = *v;
  }
  json::object out{{"Type", "AWS::Lambda::LayerVersion"}, {"Properties", std::move(layer)}};
  out["DeletionPolicy"] = policy;
  for (auto attr : {"DependsOn", "UpdateReplacePolicy", "Metadata"}) {
    if (const auto* v = res.if_contains(attr)) out[attr] = *v;
  }

  json::object hashed = written;
  for (auto attr : {"DeletionPolicy", "UpdateReplacePolicy", "Metadata"}) hashed.erase(attr);
  std::string text;
  python_json(json::object{{id, hashed}}, text);
  std::string new_id = std::string(id) + sha1_prefix(text);
  x.refs[std::string(id)] = new_id;
  x.add(new_id, std::move(out), condition_of(res));
  return Status::ok();
}

}  // namespace nimbus::cfn::sam
