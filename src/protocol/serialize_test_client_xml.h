// Test-only: botocore's XML response parsing (BaseXMLResponseParser,
// QueryParser, RestXMLParser) over pugixml, for the output conformance test.
#pragma once

#include <map>
#include <pugixml.hpp>
#include <vector>

#include "protocol/serialize_test_client.h"

namespace nimbus::protocol::client {

using Nodes = std::vector<pugi::xml_node>;

inline std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// Children by local name, repeats kept together (_build_name_to_xml_node).
inline std::map<std::string, Nodes, std::less<>> by_name(const pugi::xml_node& parent) {
  std::map<std::string, Nodes, std::less<>> out;
  for (auto c : parent.children()) {
    if (c.type() == pugi::node_element) out[std::string(local_name(c))].push_back(c);
  }
  return out;
}

inline std::string_view text_of(const pugi::xml_node& n) {
  for (auto c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) return c.value();
    if (c.type() == pugi::node_element) break;
  }
  return {};
}

// The key a member is found under (_member_key_name).
inline std::string member_key(const ServiceModel& model, const Ref& m, std::string_view name) {
  if (m.type() == "list" && m.flag("flattened")) {
    auto item = ser::child(model, m, "member").str("locationName");
    if (!item.empty()) return std::string(item);
  }
  return std::string(m.name_or(name));
}

inline boost::json::value from_xml(const ServiceModel& model, const Ref& ref, const Nodes& nodes);

inline boost::json::value xml_structure(const ServiceModel& model, const Ref& ref,
                                        const pugi::xml_node& node) {
  boost::json::object out;
  const auto* members = ref.shape->if_contains("members");
  if (members == nullptr) return out;
  auto children = by_name(node);
  for (const auto& [name, mref] : members->get_object()) {
    Ref m = ser::resolve(model, mref.get_object());
    auto loc = ser::location_of(m);
    if (loc == "header" || loc == "headers" || loc == "statusCode") continue;
    auto it = children.find(member_key(model, m, name));
    if (it != children.end()) {
      out[name] = from_xml(model, m, it->second);
    } else if (m.flag("xmlAttribute")) {
      std::string attr(m.name_or(name));
      if (auto a = node.attribute(attr.c_str()); a) out[name] = boost::json::string(a.value());
    }
  }
  return out;
}

inline boost::json::value from_xml(const ServiceModel& model, const Ref& ref, const Nodes& nodes) {
  std::string_view type = ref.type();
  bool flattened = ref.flag("flattened");
  if (type == "list") {
    Ref item = ser::child(model, ref, "member");
    Nodes items;
    if (flattened) {
      items = nodes;
    } else {
      for (auto c : nodes.front().children()) {
        if (c.type() == pugi::node_element) items.push_back(c);
      }
    }
    boost::json::array out;
    for (const auto& n : items) out.push_back(from_xml(model, item, Nodes{n}));
    return out;
  }
  if (type == "map") {
    Ref key = ser::child(model, ref, "key");
    Ref val = ser::child(model, ref, "value");
    std::string key_name(key.name_or("key")), val_name(val.name_or("value"));
    Nodes entries;
    if (flattened) {
      entries = nodes;
    } else {
      for (auto c : nodes.front().children()) {
        if (c.type() == pugi::node_element) entries.push_back(c);
      }
    }
    boost::json::object out;
    for (const auto& e : entries) {
      std::string k;
      boost::json::value v;
      for (auto c : e.children()) {
        if (c.type() != pugi::node_element) continue;
        if (local_name(c) == key_name) k = std::string(text_of(c));
        if (local_name(c) == val_name) v = from_xml(model, val, Nodes{c});
      }
      out[k] = std::move(v);
    }
    return out;
  }
  if (type == "structure") return xml_structure(model, ref, nodes.front());
  return scalar_from_text(ref, text_of(nodes.front()));
}

inline bool load_xml(pugi::xml_document& doc, std::string_view body) {
  auto res = doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata);
  return static_cast<bool>(res);
}

// QueryParser._do_error_parse / RestXMLParser._parse_error_from_body.
inline Parsed xml_error(const http::Response& r) {
  Parsed p;
  p.is_error = true;
  pugi::xml_document doc;
  if (!load_xml(doc, r.body)) {
    p.code = std::to_string(r.status);
    return p;
  }
  auto root = doc.document_element();
  pugi::xml_node err = local_name(root) == "Error" ? root : root.child("Error");
  if (!err) err = root.child("Errors").child("Error");
  p.code = std::string(text_of(err.child("Code")));
  p.message = std::string(text_of(err.child("Message")));
  return p;
}

}  // namespace nimbus::protocol::client
