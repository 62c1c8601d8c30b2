// Values to their wire JSON form, shared by awsJson and restJson responses:
// member names from locationName (botocore's jsonName) in JSON-native models, blobs base64,
// timestamps as epoch-second numbers unless timestampFormat says otherwise,
// non-finite floats as the strings "NaN", "Infinity", "-Infinity".
#include <algorithm>
#include <cmath>

#include "protocol/serialize_internal.h"

namespace nimbus::protocol::ser {
namespace {

std::string_view sv(const boost::json::string& s) {
  return {s.data(), s.size()};
}

boost::json::value epoch_number(double seconds) {
  double whole = std::floor(seconds);
  if (whole == seconds && std::fabs(seconds) < 9e15) return static_cast<int64_t>(whole);
  // Millisecond precision, as AWS sends it.
  return std::round(seconds * 1000.0) / 1000.0;
}

boost::json::value timestamp_json(const Ref& ref, const boost::json::value& v) {
  double seconds = timestamp_seconds(v);
  auto fmt = ref.str("timestampFormat");
  if (fmt.empty() || fmt == "unixTimestamp") return epoch_number(seconds);
  return boost::json::value(format_timestamp(seconds, fmt));
}

}  // namespace

bool uses_json_names(const ServiceModel& model) {
  auto p = model.protocol();
  return p == Protocol::kJson10 || p == Protocol::kJson11 || p == Protocol::kRestJson ||
         p == Protocol::kRpcV2Cbor;
}

boost::json::value to_wire_json(const ServiceModel& model, const Ref& ref,
                                const boost::json::value& v, bool body_only) {
  if (v.is_null() || !ref.valid()) return v;
  std::string_view type = ref.type();
  if (type == "structure") {
    if (ref.flag("document") || !v.is_object()) return v;
    boost::json::object out;
    const auto* members = ref.shape->if_contains("members");
    if (members == nullptr || !members->is_object()) return out;
    const auto& in = v.get_object();
    const auto& all = members->get_object();
    bool json_names = uses_json_names(model);
    out.reserve(std::min(in.size(), all.size()));
    auto add = [&](std::string_view name, const boost::json::value& mref,
                   const boost::json::value& value) {
      if (!mref.is_object() || value.is_null()) return;
      Ref m = resolve(model, mref.get_object());
      if (body_only && !location_of(m).empty()) return;
      std::string_view key = json_names ? m.name_or(name) : name;
      out.emplace(key, to_wire_json(model, m, value));
    };
    // A union such as DynamoDB's AttributeValue has ten members and one set,
    // once per attribute of every item: look the one up instead of the ten.
    // (One member comes out in the model's order either way.)
    if (in.size() <= 1) {
      for (const auto& [name, value] : in) {
        if (const auto* mref = all.if_contains(name)) add(name, *mref, value);
      }
      return out;
    }
    for (const auto& [name, mref] : all) {
      const auto* value = in.if_contains(name);
      if (value != nullptr) add(name, mref, *value);
    }
    return out;
  }
  if (type == "list") {
    if (!v.is_array()) return v;
    Ref item = child(model, ref, "member");
    boost::json::array out;
    out.reserve(v.get_array().size());
    for (const auto& e : v.get_array()) out.push_back(to_wire_json(model, item, e));
    return out;
  }
  if (type == "map") {
    if (!v.is_object()) return v;
    Ref val = child(model, ref, "value");
    boost::json::object out;
    out.reserve(v.get_object().size());
    for (const auto& [k, e] : v.get_object()) {
      if (!e.is_null()) out.emplace(k, to_wire_json(model, val, e));
    }
    return out;
  }
  if (type == "blob" && v.is_string()) return boost::json::value(base64_encode(sv(v.get_string())));
  if (type == "timestamp") return timestamp_json(ref, v);
  if ((type == "float" || type == "double") && v.is_double() && !std::isfinite(v.get_double())) {
    return boost::json::value(format_double(v.get_double()));
  }
  return v;
}

}  // namespace nimbus::protocol::ser
