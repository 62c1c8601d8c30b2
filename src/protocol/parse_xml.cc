// restXml bodies: an XML element read into a value of a shape (members by
// locationName, xmlAttribute members, wrapped or flattened lists and maps).
#include <pugixml.hpp>

#include "protocol/input.h"
#include "protocol/input_values.h"

namespace nimbus::protocol::input {
namespace json = boost::json;
namespace {

std::string_view local_name(const char* name) {
  std::string_view n(name);
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

class XmlReader {
 public:
  explicit XmlReader(const ServiceModel& model) : model_(model) {}

  Result<json::value> read(const json::object& shape, const pugi::xml_node& node,
                           const std::string& where, int depth) {
    if (depth > kMaxDepth) return serialization_error("XML nested too deeply at " + where);
    auto type = type_of(shape);
    if (type == "structure") return read_structure(shape, node, where, depth);
    if (type == "list") {
      const auto* member_ref = object_at(shape, "member");
      auto item = member_ref ? str_of(*member_ref, "locationName") : std::string_view();
      return read_items(shape, node, item.empty() ? "member" : item, where, depth);
    }
    if (type == "map") {
      json::object out;
      for (auto entry : node.children()) {
        if (entry.type() != pugi::node_element || local_name(entry.name()) != "entry") continue;
        auto r = read_entry(shape, entry, out, where, depth);
        if (!r) return r.take_error();
      }
      return json::value(std::move(out));
    }
    return scalar_from_text(shape, node.text().get(), where);
  }

 private:
  // The children of `node` named `item`, each a value of the list's member.
  Result<json::value> read_items(const json::object& list_shape, const pugi::xml_node& node,
                                 std::string_view item, const std::string& where, int depth) {
    const auto* member_ref = object_at(list_shape, "member");
    const auto* member_shape = member_ref ? target(model_, *member_ref) : nullptr;
    json::array out;
    if (member_shape == nullptr) return json::value(std::move(out));
    for (auto child : node.children()) {
      if (child.type() != pugi::node_element || local_name(child.name()) != item) continue;
      auto v = read(*member_shape, child, where, depth + 1);
      if (!v) return v.take_error();
      out.push_back(std::move(*v));
    }
    return json::value(std::move(out));
  }

  Status read_entry(const json::object& map_shape, const pugi::xml_node& entry, json::object& out,
                    const std::string& where, int depth) {
    const auto* key_ref = object_at(map_shape, "key");
    const auto* value_ref = object_at(map_shape, "value");
    const auto* value_shape = value_ref ? target(model_, *value_ref) : nullptr;
    if (key_ref == nullptr || value_shape == nullptr) return Status::ok();
    auto key_name = str_of(*key_ref, "locationName");
    auto value_name = str_of(*value_ref, "locationName");
    if (key_name.empty()) key_name = "key";
    if (value_name.empty()) value_name = "value";
    pugi::xml_node key, value;
    for (auto c : entry.children()) {
      if (c.type() != pugi::node_element) continue;
      if (local_name(c.name()) == key_name) key = c;
      if (local_name(c.name()) == value_name) value = c;
    }
    if (!key) return Status::ok();
    if (!value) {
      out[key.text().get()] = nullptr;
      return Status::ok();
    }
    auto v = read(*value_shape, value, where, depth + 1);
    if (!v) return v.take_error();
    out[key.text().get()] = std::move(*v);
    return Status::ok();
  }

  Result<json::value> read_structure(const json::object& shape, const pugi::xml_node& node,
                                     const std::string& where, int depth) {
    json::object out;
    const auto* members = object_at(shape, "members");
    if (members == nullptr) return json::value(std::move(out));
    for (const auto& [name, ref_v] : *members) {
      if (!ref_v.is_object()) continue;
      const auto& ref = ref_v.get_object();
      const auto* member_shape = target(model_, ref);
      if (member_shape == nullptr || !str_of(ref, "location").empty()) continue;
      auto wire = str_of(ref, "locationName");
      if (wire.empty()) wire = name;
      std::string sub = where.empty() ? std::string(name) : where + "." + std::string(name);
      if (bool_of(ref, "xmlAttribute")) {
        for (auto attr : node.attributes()) {
          if (std::string_view(attr.name()) == wire || local_name(attr.name()) == wire) {
            auto v = scalar_from_text(*member_shape, attr.value(), sub);
            if (!v) return v.take_error();
            out.emplace(name, std::move(*v));
            break;
          }
        }
        continue;
      }
      auto type = type_of(*member_shape);
      bool flat = bool_of(ref, "flattened") || bool_of(*member_shape, "flattened");
      if (flat && type == "list") {
        if (!has_child(node, wire)) continue;
        auto v = read_items(*member_shape, node, wire, sub, depth);
        if (!v) return v.take_error();
        out.emplace(name, std::move(*v));
        continue;
      }
      if (flat && type == "map") {
        if (!has_child(node, wire)) continue;
        json::object map;
        for (auto c : node.children()) {
          if (c.type() != pugi::node_element || local_name(c.name()) != wire) continue;
          auto r = read_entry(*member_shape, c, map, sub, depth);
          if (!r) return r.take_error();
        }
        out.emplace(name, std::move(map));
        continue;
      }
      for (auto c : node.children()) {
        if (c.type() != pugi::node_element || local_name(c.name()) != wire) continue;
        auto v = read(*member_shape, c, sub, depth + 1);
        if (!v) return v.take_error();
        out.emplace(name, std::move(*v));
        break;
      }
    }
    return json::value(std::move(out));
  }

  static bool has_child(const pugi::xml_node& node, std::string_view name) {
    for (auto c : node.children()) {
      if (c.type() == pugi::node_element && local_name(c.name()) == name) return true;
    }
    return false;
  }

  const ServiceModel& model_;
};

}  // namespace

Result<json::value> parse_xml_body(const ServiceModel& model, const json::object& shape,
                                   std::string_view body) {
  pugi::xml_document doc;
  auto parsed =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
  if (!parsed) {
    return Error::make("MalformedXML",
                       "The XML you provided was not well-formed or did not validate against "
                       "our published schema",
                       400);
  }
  auto root = doc.document_element();
  if (!root) return json::value(json::object());
  return XmlReader(model).read(shape, root, "", 0);
}

}  // namespace nimbus::protocol::input
