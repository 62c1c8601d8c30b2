#include "services/apigateway/models.h"

#include <set>
#include <vector>

#include "common/json_fields.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/store.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

// AWS's two default schemas, byte for byte as GetModel shows them.
constexpr const char* kEmptySchema =
    "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty "
    "Schema\",\n  \"type\" : \"object\"\n}";
constexpr const char* kErrorSchema =
    "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error "
    "Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : "
    "\"string\" }\n  }\n}";

constexpr std::string_view kUrlPrefix = "https://apigateway.amazonaws.com/restapis/";
// Where the included models go in the schema validated (a member no
// draft 4 keyword reads).
constexpr std::string_view kIncluded = "x-nimbus-models";

// The model a URL names, or "" when `ref` is no model URL.
std::string model_of_url(std::string_view ref) {
  if (!ref.starts_with(kUrlPrefix)) return "";
  ref.remove_prefix(kUrlPrefix.size());
  size_t slash = ref.find('/');
  if (slash == std::string_view::npos || !ref.substr(slash).starts_with("/models/")) return "";
  std::string_view name = ref.substr(slash + 8);
  if (name.empty() || name.find_first_of("/~#") != std::string_view::npos) return "";
  return std::string(name);
}

void walk(json::value& v, const std::function<std::string(std::string_view)>& to, int depth) {
  if (depth > 64) return;
  if (v.is_array()) {
    for (auto& e : v.as_array()) walk(e, to, depth + 1);
    return;
  }
  if (!v.is_object()) return;
  for (auto& [k, e] : v.as_object()) {
    if (k == "$ref" && e.is_string()) {
      if (std::string r = to(e.as_string()); !r.empty()) e = r;
      continue;
    }
    walk(e, to, depth + 1);
  }
}

// Rewrites each model URL under `v` to a pointer into the included models,
// collecting the names it finds.
void rewrite(json::value& v, std::vector<std::string>& found) {
  rewrite_refs(v, [&](std::string_view ref) -> std::string {
    std::string name = model_of_url(ref);
    if (name.empty()) return "";
    found.push_back(name);
    return "#/" + std::string(kIncluded) + "/" + name;
  });
}

Result<json::value> schema_value(const json::object& models, const std::string& name) {
  const auto* m = models.if_contains(name);
  if (m == nullptr || !m->is_object() || !has(m->as_object(), "schema"))
    return errors::not_found("Invalid model name specified: " + name);
  boost::system::error_code ec;
  json::value v = json::parse(str(m->as_object(), "schema"), ec);
  if (ec || !v.is_object()) return errors::bad_request("Invalid model schema: " + name);
  return v;
}

}  // namespace

json::object default_models() {
  json::object out;
  for (auto [name, description, schema] :
       {std::tuple{"Empty", "This is a default empty schema model", kEmptySchema},
        std::tuple{"Error", "This is a default error schema model", kErrorSchema}}) {
    out[name] = json::object{{"id", new_id(6)},
                             {"name", name},
                             {"description", description},
                             {"schema", schema},
                             {"contentType", "application/json"}};
  }
  return out;
}

void rewrite_refs(json::value& schema, const std::function<std::string(std::string_view)>& to) {
  walk(schema, to, 0);
}

std::string model_url(std::string_view api_id, std::string_view name) {
  return std::string(kUrlPrefix) + std::string(api_id) + "/models/" + std::string(name);
}

Result<JsonSchema> model_schema(const json::object& models, const std::string& name) {
  auto root = schema_value(models, name);
  if (!root) return root.take_error();
  std::vector<std::string> pending;
  rewrite(*root, pending);
  if (pending.empty()) return JsonSchema::parse(json::serialize(*root));
  // The models named, and the ones they name, each once (a cycle ends).
  json::object included;
  std::set<std::string> seen;
  while (!pending.empty()) {
    std::string next = std::move(pending.back());
    pending.pop_back();
    if (!seen.insert(next).second) continue;
    auto v = schema_value(models, next);
    if (!v) continue;  // stays unresolved
    rewrite(*v, pending);
    included[next] = std::move(*v);
  }
  root->as_object()[kIncluded] = std::move(included);
  return JsonSchema::parse(json::serialize(*root));
}

}  // namespace nimbus::services::apigateway
