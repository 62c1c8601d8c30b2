// The OpenAPI document as values: parsing (JSON or YAML) and what both
// importers read from it.
#include "services/apigateway/openapi.h"

#include "common/json_fields.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/openapi_util.h"
#include "services/apigateway/store.h"
#include "services/cloudformation/template/document.h"

namespace nimbus::services::apigateway::openapi {

namespace {

constexpr size_t kMaxDocument = 6 * 1024 * 1024;

Error invalid_input() {
  return errors::bad_request("Invalid OpenAPI input.");
}

}  // namespace

Result<json::object> parse(std::string_view text) {
  if (text.size() > kMaxDocument) {
    return errors::bad_request("API definition file size exceeds the maximum of 6 MB");
  }
  auto v = nimbus::cfn::parse_document(text);
  if (!v) {
    // The parser's position, where it names one: "(line L, column C)".
    const std::string& m = v.error().message;
    size_t at = m.find("(line ");
    if (at == std::string::npos) return invalid_input();
    return errors::bad_request("Invalid OpenAPI input. " + m.substr(at));
  }
  if (!v->is_object()) return invalid_input();
  return std::move(v->as_object());
}

const json::object* resolve(const json::object& doc, const json::value* v) {
  // At most a few hops: a reference to a reference is followed, a cycle is not.
  for (int hops = 0; hops < 8 && v != nullptr && v->is_object(); ++hops) {
    const auto* ref = v->as_object().if_contains("$ref");
    if (ref == nullptr || !ref->is_string()) return &v->as_object();
    std::string_view path = ref->as_string();
    if (!path.starts_with("#/")) return nullptr;
    path.remove_prefix(2);
    const json::value* at = nullptr;
    const json::object* o = &doc;
    while (o != nullptr) {
      size_t slash = path.find('/');
      at = o->if_contains(path.substr(0, slash));
      if (slash == std::string_view::npos || at == nullptr) break;
      path.remove_prefix(slash + 1);
      o = at->is_object() ? &at->as_object() : nullptr;
      at = nullptr;
    }
    v = at;
  }
  return nullptr;
}

Status check_version(const json::object& doc) {
  const auto* swagger = doc.if_contains("swagger");
  const auto* oas = doc.if_contains("openapi");
  bool known =
      (swagger != nullptr && swagger->is_string() && swagger->as_string().starts_with("2.")) ||
      (oas != nullptr && oas->is_string() && oas->as_string().starts_with("3."));
  const auto* paths = doc.if_contains("paths");
  if (!known || (paths != nullptr && !paths->is_object())) return invalid_input();
  return Status::ok();
}

const json::object& part_of(const json::object& doc, std::string_view swagger,
                            std::string_view components) {
  static const json::object none;
  if (const auto* s = object_at(doc, swagger)) return *s;
  if (const auto* c = object_at(doc, "components")) {
    if (const auto* s = object_at(*c, components)) return *s;
  }
  return none;
}

const json::object& security_schemes(const json::object& doc) {
  return part_of(doc, "securityDefinitions", "securitySchemes");
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string operation_method(std::string_view key) {
  if (key == "x-amazon-apigateway-any-method") return "ANY";
  for (std::string_view m : {"get", "put", "post", "delete", "options", "head", "patch"}) {
    if (key == m) return upper(m);
  }
  return "";
}

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

Authorizers authorizers_of(
    const json::object& doc, const char* id_member,
    const std::function<json::object(const std::string& name, const json::object& scheme,
                                     const json::object& extension)>& make,
    Status (*check)(const json::object&), Problems& problems) {
  Authorizers out;
  for (const auto& [key, s] : security_schemes(doc)) {
    std::string name(key);
    const auto* scheme = resolve(doc, &s);
    const auto* ext = scheme != nullptr
                          ? resolve(doc, scheme->if_contains("x-amazon-apigateway-authorizer"))
                          : nullptr;
    if (ext == nullptr) continue;
    json::object a = make(name, *scheme, *ext);
    if (auto st = check(a); !st) {
      problems.errors.push_back("Unable to create authorizer '" + name +
                                "': " + st.error().message);
      continue;
    }
    std::string id = new_id(6, out.by_id);
    a[id_member] = id;
    out.by_id[id] = std::move(a);
    out.ids[name] = id;
  }
  return out;
}

Status Problems::status() const {
  if (errors.empty()) return Status::ok();
  std::string message = "Errors found during import:";
  for (const auto& e : errors) message += "\n\t" + e;
  return errors::bad_request(std::move(message));
}

}  // namespace nimbus::services::apigateway::openapi
