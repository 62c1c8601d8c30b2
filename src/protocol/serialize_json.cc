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

namespace {

// A JSON string literal, escaped as boost::json::serialize escapes it.
void write_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t plain = 0;  // start of the run not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

void write_plain(std::string& out, const boost::json::value& v) {
  if (v.is_string()) return write_string(out, sv(v.get_string()));
  out += boost::json::serialize(v);
}

// A structure's members resolved once for every element of a list of
// them: in the model's order, each with its wire key written out.
struct Member {
  std::string_view name;
  Ref ref;
  std::string key;  // "WireName":
};

std::vector<Member> members_of(const ServiceModel& model, const Ref& structure) {
  std::vector<Member> out;
  const auto* members = structure.shape->if_contains("members");
  if (members == nullptr || !members->is_object()) return out;
  bool json_names = uses_json_names(model);
  for (const auto& [name, mref] : members->get_object()) {
    if (!mref.is_object()) continue;
    Member m{std::string_view(name.data(), name.size()), resolve(model, mref.get_object()), {}};
    write_string(m.key, json_names ? m.ref.name_or(m.name) : m.name);
    m.key += ':';
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

// One element of a list of structures, its members resolved beforehand
// (the same document as the object overload below writes).
static void write_members(std::string& out, const ServiceModel& model,
                          const std::vector<Member>& members, const boost::json::object& in) {
  out += '{';
  bool first = true;
  auto add = [&](const Member& m, const boost::json::value& value) {
    if (value.is_null()) return;
    if (!first) out += ',';
    first = false;
    out += m.key;
    write_wire_json(out, model, m.ref, value);
  };
  if (in.size() <= 1) {
    for (const auto& [name, value] : in) {
      for (const auto& m : members) {
        if (m.name == std::string_view(name.data(), name.size())) {
          add(m, value);
          break;
        }
      }
    }
  } else {
    for (const auto& m : members) {
      if (const auto* value = in.if_contains(m.name)) add(m, *value);
    }
  }
  out += '}';
}

void write_wire_json(std::string& out, const ServiceModel& model, const Ref& structure,
                     const boost::json::object& in) {
  // As to_wire_json: the members in the model's order (the one present
  // when there is at most one), under their wire names.
  const auto* members = structure.shape->if_contains("members");
  out += '{';
  if (members != nullptr && members->is_object()) {
    bool json_names = uses_json_names(model);
    bool first = true;
    auto add = [&](std::string_view name, const boost::json::value& mref,
                   const boost::json::value& value) {
      if (!mref.is_object() || value.is_null()) return;
      Ref m = resolve(model, mref.get_object());
      if (!first) out += ',';
      first = false;
      write_string(out, json_names ? m.name_or(name) : name);
      out += ':';
      write_wire_json(out, model, m, value);
    };
    const auto& all = members->get_object();
    if (in.size() <= 1) {
      for (const auto& [name, value] : in) {
        if (const auto* mref = all.if_contains(name)) add(name, *mref, value);
      }
    } else {
      for (const auto& [name, mref] : all) {
        if (const auto* value = in.if_contains(name)) add(name, mref, *value);
      }
    }
  }
  out += '}';
}

void write_wire_json(std::string& out, const ServiceModel& model, const Ref& ref,
                     const boost::json::value& v) {
  if (v.is_null() || !ref.valid()) return write_plain(out, v);
  std::string_view type = ref.type();
  if (type == "structure") {
    if (ref.flag("document") || !v.is_object()) {
      out += boost::json::serialize(v);
      return;
    }
    return write_wire_json(out, model, ref, v.get_object());
  }
  if (type == "list" && v.is_array()) {
    Ref item = child(model, ref, "member");
    bool structures = item.valid() && item.type() == "structure" && !item.flag("document") &&
                      v.get_array().size() > 1;
    std::vector<Member> members;
    if (structures) members = members_of(model, item);
    out += '[';
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out += ',';
      first = false;
      if (structures && e.is_object()) {
        write_members(out, model, members, e.get_object());
      } else {
        write_wire_json(out, model, item, e);
      }
    }
    out += ']';
    return;
  }
  if (type == "map" && v.is_object()) {
    Ref val = child(model, ref, "value");
    out += '{';
    bool first = true;
    for (const auto& [k, e] : v.get_object()) {
      if (e.is_null()) continue;
      if (!first) out += ',';
      first = false;
      write_string(out, std::string_view(k.data(), k.size()));
      out += ':';
      write_wire_json(out, model, val, e);
    }
    out += '}';
    return;
  }
  if (type == "blob" && v.is_string()) return write_string(out, base64_encode(sv(v.get_string())));
  if (type == "timestamp") return write_plain(out, timestamp_json(ref, v));
  if ((type == "float" || type == "double") && v.is_double() && !std::isfinite(v.get_double())) {
    return write_string(out, format_double(v.get_double()));
  }
  if (type == "list" || type == "map") {
    out += boost::json::serialize(v);
    return;
  }
  write_plain(out, v);
}

}  // namespace nimbus::protocol::ser
