#include "services/cloudformation/template/template.h"

#include <cmath>
#include <cstdlib>
#include <set>

#include "services/cloudformation/template/document.h"

namespace nimbus::cfn {

namespace json = boost::json;

namespace {

const std::set<std::string, std::less<>> kSections = {"AWSTemplateFormatVersion",
                                                      "Description",
                                                      "Metadata",
                                                      "Parameters",
                                                      "Mappings",
                                                      "Conditions",
                                                      "Transform",
                                                      "Resources",
                                                      "Outputs",
                                                      "Rules",
                                                      "Hooks"};

const std::set<std::string, std::less<>> kResourceAttributes = {
    "Type",           "Properties",          "DependsOn",    "Metadata",       "Condition",
    "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy", "Version"};

const std::set<std::string, std::less<>> kParameterProperties = {
    "Type",        "Default",   "AllowedValues", "AllowedPattern", "ConstraintDescription",
    "Description", "MaxLength", "MinLength",     "MaxValue",       "MinValue",
    "NoEcho"};

const std::set<std::string, std::less<>> kOutputProperties = {"Value", "Description", "Export",
                                                              "Condition"};

std::string join_all(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::optional<double> number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double()) return v.as_double();
  if (v.is_string() && !v.as_string().empty()) {
    std::string s(v.as_string());
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size() && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

bool known_parameter_type(std::string_view t) {
  static const std::set<std::string, std::less<>> kTypes = {"String", "Number", "List<Number>",
                                                            "CommaDelimitedList"};
  if (kTypes.contains(t)) return true;
  // AWS-specific types (AWS::EC2::VPC::Id, List<AWS::EC2::Subnet::Id>,
  // AWS::SSM::Parameter::Value<...>) are strings or lists of strings here.
  return t.starts_with("AWS::") || t.starts_with("List<AWS::");
}

Result<ParameterDecl> parameter_decl(std::string_view name, const json::value& v) {
  if (!v.is_object()) {
    return format_error("Every Parameters object must contain a Type member.");
  }
  const auto& o = v.as_object();
  ParameterDecl p;
  p.name = std::string(name);
  for (const auto& [key, value] : o) {
    if (!kParameterProperties.contains(key)) {
      return format_error("Invalid template parameter property '" + std::string(key) + "'");
    }
  }
  const auto* type = o.if_contains("Type");
  if (type == nullptr || !type->is_string()) {
    return format_error("Every Parameters object must contain a Type member.");
  }
  p.type = std::string(type->as_string());
  if (!known_parameter_type(p.type)) return format_error("Unrecognized parameter type: " + p.type);
  if (const auto* d = o.if_contains("Description"); d && d->is_string()) {
    p.description = std::string(d->as_string());
  }
  if (const auto* d = o.if_contains("ConstraintDescription"); d && d->is_string()) {
    p.constraint_description = std::string(d->as_string());
  }
  if (const auto* d = o.if_contains("Default")) {
    if (d->is_array()) {
      std::string joined;
      for (const auto& item : d->as_array()) {
        auto t = scalar_text(item);
        if (!t) return format_error("Every Default member must be a string.");
        joined += (joined.empty() ? "" : ",") + *t;
      }
      p.default_value = joined;
    } else if (auto t = scalar_text(*d)) {
      p.default_value = *t;
    } else {
      return format_error("Every Default member must be a string.");
    }
  }
  if (const auto* a = o.if_contains("AllowedValues")) {
    if (!a->is_array()) return format_error("Every AllowedValues member must be a list.");
    for (const auto& item : a->as_array()) {
      auto t = scalar_text(item);
      if (!t) return format_error("Every AllowedValues member must be a list of strings.");
      p.allowed_values.push_back(*t);
    }
  }
  if (const auto* a = o.if_contains("AllowedPattern")) {
    auto t = scalar_text(*a);
    if (!t) return format_error("Every AllowedPattern member must be a string.");
    p.allowed_pattern = *t;
  }
  auto bound = [&](const char* key, auto& out) -> Status {
    if (const auto* b = o.if_contains(key)) {
      auto n = number(*b);
      if (!n) return format_error(std::string("Every ") + key + " member must be a number.");
      if (!std::isfinite(*n) || *n > 1e15 || *n < -1e15) {
        return format_error(std::string("Every ") + key + " member must be a number.");
      }
      out = static_cast<std::decay_t<decltype(*out)>>(*n);
    }
    return Status::ok();
  };
  NIMBUS_TRY(bound("MinValue", p.min_value));
  NIMBUS_TRY(bound("MaxValue", p.max_value));
  NIMBUS_TRY(bound("MinLength", p.min_length));
  NIMBUS_TRY(bound("MaxLength", p.max_length));
  if (const auto* n = o.if_contains("NoEcho")) {
    auto t = scalar_text(*n);
    p.no_echo = t && (*t == "true" || *t == "True" || *t == "TRUE");
  }
  return p;
}

// `transformed`: the template declares a Transform, whose own attributes
// (SAM's IgnoreGlobals and Connectors) are the transform's to check.
Status check_resource(std::string_view id, const json::value& v, bool transformed) {
  const std::string where = "[/Resources/" + std::string(id) + "] ";
  if (!v.is_object()) {
    return format_error(where + "Every Resources object must contain a Type member.");
  }
  const auto& o = v.as_object();
  const auto* type = o.if_contains("Type");
  if (type == nullptr || !type->is_string()) {
    return format_error(where + "Every Resources object must contain a Type member.");
  }
  for (const auto& [key, value] : o) {
    if (!kResourceAttributes.contains(key) &&
        !(transformed && (key == "IgnoreGlobals" || key == "Connectors"))) {
      return format_error("Invalid template resource property '" + std::string(key) + "'");
    }
  }
  if (const auto* p = o.if_contains("Properties"); p && !p->is_object() && !p->is_null()) {
    return format_error(where + "Every Properties member must be an object.");
  }
  if (const auto* c = o.if_contains("Condition"); c && !c->is_string()) {
    return format_error("Every Condition member must be a string.");
  }
  if (const auto* d = o.if_contains("DependsOn")) {
    bool ok = d->is_string();
    if (d->is_array()) {
      ok = true;
      for (const auto& item : d->as_array()) ok = ok && item.is_string();
    }
    if (!ok) return format_error("DependsOn must be a string or list of strings.");
  }
  for (const char* policy : {"DeletionPolicy", "UpdateReplacePolicy"}) {
    if (const auto* d = o.if_contains(policy)) {
      bool ok = d->is_string() &&
                (d->as_string() == "Delete" || d->as_string() == "Retain" ||
                 d->as_string() == "Snapshot" || d->as_string() == "RetainExceptOnCreate");
      if (!ok) {
        return format_error(where + "Unrecognized " + policy +
                            " value. Supported values are: Delete, Retain, Snapshot, "
                            "RetainExceptOnCreate.");
      }
    }
  }
  return Status::ok();
}

Status check_outputs(const json::value& v) {
  if (!v.is_object()) return format_error("Outputs must be an object.");
  if (v.as_object().size() > kMaxOutputs) {
    return format_error("Number of outputs (" + std::to_string(v.as_object().size()) +
                        ") exceeded the limit (" + std::to_string(kMaxOutputs) + ")");
  }
  for (const auto& [name, out] : v.as_object()) {
    if (!out.is_object() || !out.as_object().contains("Value")) {
      return format_error("Every Outputs member must contain a Value object");
    }
    for (const auto& [key, value] : out.as_object()) {
      if (!kOutputProperties.contains(key)) {
        return format_error("Invalid template property or properties [" + std::string(key) + "]");
      }
    }
    if (const auto* e = out.as_object().if_contains("Export")) {
      if (!e->is_object() || !e->as_object().contains("Name")) {
        return format_error("Every Export member must contain a Name object");
      }
    }
  }
  return Status::ok();
}

}  // namespace

std::optional<std::string> scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return json::serialize(v);
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return std::nullopt;
}

Error format_error(std::string_view what) {
  return Error::validation("Template format error: " + std::string(what));
}

Error template_error(std::string_view what) {
  return Error::validation("Template error: " + std::string(what));
}

Error unresolved_dependency(std::string_view name) {
  return format_error("Unresolved resource dependencies [" + std::string(name) +
                      "] in the Resources block of the template");
}

bool ParameterDecl::is_list() const {
  return type == "CommaDelimitedList" || type.starts_with("List<");
}

const json::object& Template::section(std::string_view name) const {
  static const json::object kEmpty;
  const auto* v = doc.if_contains(name);
  return v != nullptr && v->is_object() ? v->as_object() : kEmpty;
}

const ParameterDecl* Template::parameter(std::string_view name) const {
  for (const auto& p : parameters) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string Template::resource_type(std::string_view logical_id) const {
  const auto* r = resources().if_contains(logical_id);
  if (r == nullptr || !r->is_object()) return {};
  const auto* t = r->as_object().if_contains("Type");
  return t != nullptr && t->is_string() ? std::string(t->as_string()) : std::string();
}

Result<Template> parse_template(std::string_view text) {
  auto doc = parse_document(text);
  if (!doc) return doc.take_error();
  if (!doc->is_object()) return format_error("unsupported structure.");
  return check_template(std::move(doc->as_object()));
}

Result<Template> check_template(json::object doc) {
  // A transform's template may have the transform's own sections (SAM's
  // Globals); the expanded template has none.
  bool transformed = doc.contains("Transform");
  std::vector<std::string> unknown;
  for (const auto& [key, value] : doc) {
    if (!kSections.contains(key) && !(transformed && key == "Globals")) unknown.emplace_back(key);
  }
  if (!unknown.empty()) {
    return format_error("Invalid template property or properties [" + join_all(unknown) + "]");
  }
  Template t;
  if (const auto* v = doc.if_contains("AWSTemplateFormatVersion")) {
    if (!v->is_string() || v->as_string() != "2010-09-09") {
      auto text = scalar_text(*v);
      return format_error("'" + text.value_or("") +
                          "' is not a supported AWSTemplateFormatVersion value.");
    }
  }
  if (const auto* v = doc.if_contains("Description")) {
    if (!v->is_string()) return format_error("Every Description member must be a string.");
    t.description = std::string(v->as_string());
  }
  if (const auto* v = doc.if_contains("Transform")) {
    if (v->is_string()) {
      t.transforms.emplace_back(v->as_string());
    } else if (v->is_array()) {
      for (const auto& item : v->as_array()) {
        if (item.is_string()) t.transforms.emplace_back(item.as_string());
      }
    }
  }
  for (const char* section : {"Parameters", "Mappings", "Conditions", "Resources", "Outputs"}) {
    const auto* v = doc.if_contains(section);
    if (v != nullptr && !v->is_object()) {
      return format_error(std::string("Every ") + section + " member must be an object.");
    }
  }
  if (const auto* v = doc.if_contains("Parameters")) {
    if (v->as_object().size() > kMaxParameters) {
      return format_error("Parameter count " + std::to_string(v->as_object().size()) +
                          " is greater than max allowed " + std::to_string(kMaxParameters));
    }
    for (const auto& [name, decl] : v->as_object()) {
      auto p = parameter_decl(name, decl);
      if (!p) return p.take_error();
      t.parameters.push_back(std::move(*p));
    }
  }
  if (const auto* v = doc.if_contains("Mappings")) {
    for (const auto& [name, map] : v->as_object()) {
      if (!map.is_object()) {
        return format_error("Every Mappings member " + std::string(name) + " must be a map");
      }
      for (const auto& [key, inner] : map.as_object()) {
        if (!inner.is_object()) {
          return format_error("Every Mappings attribute must be a map: " + std::string(name) + "." +
                              std::string(key));
        }
      }
    }
  }
  const auto* resources = doc.if_contains("Resources");
  if (resources == nullptr || resources->as_object().empty()) {
    return format_error("At least one Resources member must be defined.");
  }
  if (resources->as_object().size() > kMaxResources) {
    return format_error("Number of resources, " + std::to_string(resources->as_object().size()) +
                        ", is greater than maximum allowed, " + std::to_string(kMaxResources));
  }
  for (const auto& [id, r] : resources->as_object()) {
    NIMBUS_TRY(check_resource(id, r, transformed));
  }
  if (const auto* v = doc.if_contains("Outputs")) NIMBUS_TRY(check_outputs(*v));
  t.doc = std::move(doc);
  return t;
}

}  // namespace nimbus::cfn
