// Values to XML, shared by awsQuery and restXml responses. Element names,
// flattening and namespaces follow the model traits the way botocore's XML
// parsers read them (botocore/parsers.py BaseXMLResponseParser): lists wrap
// their items in <member> (or the member's locationName) unless flattened,
// maps use <entry><key/><value/></entry> unless flattened.
#include "protocol/serialize_internal.h"

namespace nimbus::protocol::ser {
namespace {

// ` xmlns="uri"` or ` xmlns:prefix="uri"` from an xmlNamespace trait.
void append_namespace(std::string& out, const boost::json::value* ns) {
  if (ns == nullptr) return;
  std::string_view uri, prefix;
  if (ns->is_string()) {
    uri = sv(ns->get_string());
  } else if (ns->is_object()) {
    const auto& o = ns->get_object();
    if (const auto* u = o.if_contains("uri"); u != nullptr && u->is_string())
      uri = sv(u->get_string());
    if (const auto* p = o.if_contains("prefix"); p != nullptr && p->is_string()) {
      prefix = sv(p->get_string());
    }
  }
  if (uri.empty()) return;
  out += prefix.empty() ? " xmlns" : " xmlns:";
  out += prefix;
  out += "=\"";
  xml_escape(out, uri, true);
  out += '"';
}

void open(std::string& out, std::string_view tag, const Ref& ref) {
  out += '<';
  out += tag;
  append_namespace(out, ref.trait("xmlNamespace"));
  out += '>';
}

void close(std::string& out, std::string_view tag) {
  out += "</";
  out += tag;
  out += '>';
}

void write_map_entry(std::string& out, const ServiceModel& model, const Ref& key_ref,
                     const Ref& value_ref, std::string_view key, const boost::json::value& value) {
  write_xml_value(out, model, key_ref, key_ref.name_or("key"), boost::json::value(key));
  write_xml_value(out, model, value_ref, value_ref.name_or("value"), value);
}

}  // namespace

std::string xml_struct_attributes(const ServiceModel& model, const Ref& structure,
                                  const boost::json::object* v) {
  std::string out;
  append_namespace(out, structure.trait("xmlNamespace"));
  const auto* members = members_of(structure);
  if (members == nullptr || v == nullptr) return out;
  for (const auto& [name, mref] : *members) {
    if (!mref.is_object()) continue;
    Ref m = resolve(model, mref.get_object());
    if (!m.valid() || !m.flag("xmlAttribute")) continue;
    const auto* value = v->if_contains(name);
    std::string text;
    if (value == nullptr || value->is_null() || !scalar_text(m, *value, "iso8601", text)) continue;
    // A prefixed attribute (xsi:type) needs its namespace declared here.
    if (const auto* ns = m.trait("xmlNamespace"); ns != nullptr && ns->is_object()) {
      append_namespace(out, ns);
    }
    out += ' ';
    out += m.name_or(name);
    out += "=\"";
    xml_escape(out, text, true);
    out += '"';
  }
  return out;
}

void write_xml_members(std::string& out, const ServiceModel& model, const Ref& structure,
                       const boost::json::object& v) {
  const auto* members = members_of(structure);
  if (members == nullptr) return;
  for (const auto& [name, mref] : *members) {
    if (!mref.is_object()) continue;
    Ref m = resolve(model, mref.get_object());
    if (!m.valid() || !location_of(m).empty() || m.flag("xmlAttribute")) continue;
    const auto* value = v.if_contains(name);
    if (value == nullptr || value->is_null()) continue;
    std::string_view type = m.type();
    if (type == "list" && m.flag("flattened") && value->is_array()) {
      // Items repeat in place, named by the list member's locationName if any.
      Ref item = child(model, m, "member");
      std::string_view tag = item.str("locationName");
      if (tag.empty()) tag = m.name_or(name);
      for (const auto& e : value->get_array()) {
        if (!e.is_null()) write_xml_value(out, model, item, tag, e);
      }
    } else if (type == "map" && m.flag("flattened") && value->is_object()) {
      Ref key = child(model, m, "key");
      Ref val = child(model, m, "value");
      std::string_view tag = m.name_or(name);
      for (const auto& [k, e] : value->get_object()) {
        if (e.is_null()) continue;
        open(out, tag, m);
        write_map_entry(out, model, key, val, k, e);
        close(out, tag);
      }
    } else {
      write_xml_value(out, model, m, m.name_or(name), *value);
    }
  }
}

void write_xml_value(std::string& out, const ServiceModel& model, const Ref& ref,
                     std::string_view tag, const boost::json::value& v) {
  std::string_view type = ref.type();
  if (type == "structure") {
    if (!v.is_object()) return;
    out += '<';
    out += tag;
    out += xml_struct_attributes(model, ref, &v.get_object());
    out += '>';
    write_xml_members(out, model, ref, v.get_object());
    close(out, tag);
  } else if (type == "list") {
    if (!v.is_array()) return;
    open(out, tag, ref);
    Ref item = child(model, ref, "member");
    std::string_view item_tag = item.name_or("member");
    for (const auto& e : v.get_array()) {
      if (!e.is_null()) write_xml_value(out, model, item, item_tag, e);
    }
    close(out, tag);
  } else if (type == "map") {
    if (!v.is_object()) return;
    open(out, tag, ref);
    Ref key = child(model, ref, "key");
    Ref val = child(model, ref, "value");
    for (const auto& [k, e] : v.get_object()) {
      if (e.is_null()) continue;
      out += "<entry>";
      write_map_entry(out, model, key, val, k, e);
      out += "</entry>";
    }
    close(out, tag);
  } else {
    std::string text;
    if (!scalar_text(ref, v, "iso8601", text)) return;
    open(out, tag, ref);
    xml_escape(out, text, false);
    close(out, tag);
  }
}

}  // namespace nimbus::protocol::ser
