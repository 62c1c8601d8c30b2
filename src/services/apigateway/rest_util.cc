#include "services/apigateway/rest_util.h"

#include <charconv>

#include "common/json_fields.h"
#include "services/apigateway/errors.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

Error rest_api_not_found(const CallContext& ctx, const std::string& id) {
  return errors::not_found("Invalid API identifier specified " + ctx.account_id + ":" + id);
}

Output rest_page(const json::object& group, const json::object& in) {
  size_t start = 0;
  if (std::string pos = str(in, "position"); !pos.empty()) {
    auto r = std::from_chars(pos.data(), pos.data() + pos.size(), start);
    if (r.ec != std::errc() || r.ptr != pos.data() + pos.size()) {
      return errors::bad_request("Invalid position parameter");
    }
  }
  int64_t limit = integer(in, "limit").value_or(25);
  if (limit < 1 || limit > 500) return errors::bad_request("Invalid limit parameter");
  json::array items;
  size_t i = 0;
  for (const auto& [id, v] : group) {
    if (i++ < start) continue;
    if (items.size() == static_cast<size_t>(limit)) {
      return json::object{{"items", std::move(items)}, {"position", std::to_string(i - 1)}};
    }
    json::object item = v.as_object();
    item.erase("Snapshot");
    item.erase("GatewayResponses");
    item.erase("Policy");
    items.push_back(std::move(item));
  }
  return json::object{{"items", std::move(items)}};
}

json::value* find_resource(json::object& doc, const json::object& in) {
  auto* resources = doc.if_contains("resources");
  return resources != nullptr ? resources->as_object().if_contains(str(in, "resourceId")) : nullptr;
}

json::object* find_method(json::object& doc, const json::object& in) {
  auto* r = find_resource(doc, in);
  auto* methods = r != nullptr ? r->as_object().if_contains("resourceMethods") : nullptr;
  auto* m = methods != nullptr ? methods->as_object().if_contains(str(in, "httpMethod")) : nullptr;
  return m != nullptr ? &m->as_object() : nullptr;
}

const json::object* find_method(const json::object& doc, const json::object& in) {
  return find_method(const_cast<json::object&>(doc), in);
}

}  // namespace nimbus::services::apigateway
