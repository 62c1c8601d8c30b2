#include "services/apigateway/model_template.h"

#include <cctype>

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

constexpr int kMaxDepth = 16;

struct Writer {
  const std::function<json::value(const std::string&)>& model_schema;
  std::string out;

  // The schema a `$ref` to another model names ("…/models/Name"), else itself.
  json::value resolved(const json::value& schema) const {
    if (!schema.is_object()) return schema;
    const auto* ref = schema.as_object().if_contains("$ref");
    if (ref == nullptr || !ref->is_string()) return schema;
    std::string_view r = ref->as_string();
    size_t at = r.rfind("/models/");
    if (at == std::string_view::npos) return json::object();
    return model_schema(std::string(r.substr(at + 8)));
  }

  static std::string type_of(const json::object& schema) {
    const auto* t = schema.if_contains("type");
    if (t != nullptr && t->is_string()) return std::string(t->as_string());
    if (schema.contains("properties")) return "object";
    if (schema.contains("items")) return "array";
    return "";
  }

  static std::string member(const std::string& ref, std::string_view name) {
    bool plain = !name.empty() && std::isalpha(static_cast<unsigned char>(name.front()));
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') plain = false;
    }
    if (plain) return ref + "." + std::string(name);
    std::string quoted;
    for (char c : name) {
      if (c == '\'') quoted += '\'';
      quoted += c;
    }
    return ref + ".get('" + quoted + "')";
  }

  void value(const json::value& raw, const std::string& ref, size_t indent, int depth) {
    json::value schema = resolved(raw);
    if (!schema.is_object() || depth > kMaxDepth) {
      out += ref;
      return;
    }
    const auto& o = schema.as_object();
    std::string type = type_of(o);
    std::string pad(indent, ' ');
    if (type == "object") {
      const auto* props = o.if_contains("properties");
      if (props == nullptr || !props->is_object() || props->as_object().empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& [name, prop] : props->as_object()) {
        if (!first) out += ",\n";
        first = false;
        out += pad + "  " + json::serialize(json::string(name)) + " : ";
        value(prop, member(ref, name), indent + 2, depth + 1);
      }
      out += "\n" + pad + "}";
    } else if (type == "array") {
      std::string elem = depth == 0 ? "$elem" : "$elem" + std::to_string(depth);
      out += "[\n#foreach(" + elem + " in " + ref + ")\n" + pad + "  ";
      const auto* items = o.if_contains("items");
      value(items != nullptr ? *items : json::value(), elem, indent + 2, depth + 1);
      out += "#if($foreach.hasNext),#end\n#end\n" + pad + "]";
    } else if (type == "string") {
      out += "\"" + ref + "\"";
    } else {
      out += ref;
    }
  }
};

}  // namespace

std::string model_template(const json::value& schema,
                           const std::function<json::value(const std::string&)>& model_schema) {
  Writer w{model_schema, "#set($inputRoot = $input.path('$'))\n"};
  w.value(schema, "$inputRoot", 0, 0);
  w.out += '\n';
  return w.out;
}

}  // namespace nimbus::services::apigateway
