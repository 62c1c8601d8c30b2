#include "events/stored_delivery.h"

#include "common/encoding.h"
#include "common/json_fields.h"

namespace nimbus::events {

namespace json = boost::json;

std::string StoredDelivery::encode() const {
  return json::serialize(to_json());
}

std::optional<StoredDelivery> StoredDelivery::decode(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  return from_json(*o);
}

json::object StoredDelivery::to_json() const {
  json::array attrs;
  for (const auto& a : delivery.attributes) {
    attrs.push_back(json::object{{"name", a.name},
                                 {"type", a.type},
                                 {"value", a.binary ? base64_encode(a.value) : a.value},
                                 {"binary", a.binary}});
  }
  return json::object{{"target", target},
                      {"body", delivery.body},
                      {"attributes", std::move(attrs)},
                      {"group_id", delivery.group_id},
                      {"dedup_id", delivery.dedup_id},
                      {"source_arn", delivery.source_arn},
                      {"id", delivery.id},
                      {"first_ms", first_ms},
                      {"failures", failures}};
}

StoredDelivery StoredDelivery::from_json(const json::object& o) {
  StoredDelivery s;
  s.target = str(o, "target");
  s.delivery.body = str(o, "body");
  if (const auto* list = o.if_contains("attributes"); list && list->is_array()) {
    for (const auto& v : list->as_array()) {
      if (!v.is_object()) continue;
      const auto& a = v.as_object();
      bool binary = boolean(a, "binary").value_or(false);
      std::string value = str(a, "value");
      if (binary) value = base64_decode(value).value_or("");
      s.delivery.attributes.push_back({str(a, "name"), str(a, "type"), value, binary});
    }
  }
  s.delivery.group_id = str(o, "group_id");
  s.delivery.dedup_id = str(o, "dedup_id");
  s.delivery.source_arn = str(o, "source_arn");
  s.delivery.id = str(o, "id");
  s.first_ms = integer(o, "first_ms").value_or(0);
  s.failures = integer(o, "failures").value_or(0);
  return s;
}

}  // namespace nimbus::events
