// Values to CBOR: the document awsJson would carry, with blobs as byte
// strings, floats as float64 and timestamps as tag 1 in the writer's unit
// (epoch milliseconds for application/x-amz-cbor-1.1, seconds for RPC v2
// CBOR; cbor.h).
#include <limits>

#include "protocol/cbor.h"
#include "protocol/serialize_internal.h"

namespace nimbus::protocol::ser {

void write_wire_cbor(cbor::Writer& w, const ServiceModel& model, const Ref& ref,
                     const boost::json::value& v) {
  if (v.is_null() || !ref.valid()) {
    w.json(v);
    return;
  }
  std::string_view type = ref.type();
  if (type == "structure" && v.is_object() && !ref.flag("document")) {
    const auto* members = ref.shape->if_contains("members");
    if (members == nullptr || !members->is_object()) {
      w.map(0);
      return;
    }
    const auto& in = v.get_object();
    std::vector<std::pair<std::string_view, const boost::json::value*>> present;
    for (const auto& [name, mref] : members->get_object()) {
      const auto* value = in.if_contains(name);
      if (mref.is_object() && value != nullptr && !value->is_null()) {
        present.emplace_back(std::string_view(name.data(), name.size()), &mref);
      }
    }
    w.map(present.size());
    for (const auto& [name, mref] : present) {
      Ref m = resolve(model, mref->get_object());
      w.text(uses_json_names(model) ? m.name_or(name) : name);
      write_wire_cbor(w, model, m, in.at(name));
    }
    return;
  }
  if (type == "list" && v.is_array()) {
    Ref item = child(model, ref, "member");
    w.array(v.get_array().size());
    for (const auto& e : v.get_array()) write_wire_cbor(w, model, item, e);
    return;
  }
  if (type == "map" && v.is_object()) {
    Ref val = child(model, ref, "value");
    size_t n = 0;
    for (const auto& [k, e] : v.get_object()) n += e.is_null() ? 0 : 1;
    w.map(n);
    for (const auto& [k, e] : v.get_object()) {
      if (e.is_null()) continue;
      w.text({k.data(), k.size()});
      write_wire_cbor(w, model, val, e);
    }
    return;
  }
  if (type == "blob" && v.is_string()) {
    w.bytes({v.get_string().data(), v.get_string().size()});
    return;
  }
  if (type == "timestamp") {
    w.timestamp(timestamp_seconds(v));
    return;
  }
  if ((type == "float" || type == "double") && v.is_number()) {
    w.float64(v.to_number<double>());
    return;
  }
  if ((type == "float" || type == "double") && v.is_string()) {
    // NaN and the infinities, when a value carries them as awsJson's text.
    const auto& s = v.get_string();
    if (s == "NaN" || s == "Infinity" || s == "-Infinity") {
      w.float64(s == "NaN"        ? std::numeric_limits<double>::quiet_NaN()
                : s == "Infinity" ? std::numeric_limits<double>::infinity()
                                  : -std::numeric_limits<double>::infinity());
      return;
    }
  }
  w.json(v);
}

}  // namespace nimbus::protocol::ser
