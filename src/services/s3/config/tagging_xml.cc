#include "services/s3/config/tagging_xml.h"

#include <pugixml.hpp>

#include "services/s3/config/errors.h"

namespace nimbus::s3config {

Result<boost::json::array> parse_tagging_xml(std::string_view xml) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return malformed_xml();
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "Tagging") return malformed_xml();
  boost::json::array tags;
  pugi::xml_node set = root.child("TagSet");
  if (!set) return malformed_xml();
  for (pugi::xml_node tag : set.children()) {
    if (tag.type() != pugi::node_element) continue;
    if (std::string_view(tag.name()) != "Tag") return malformed_xml();
    pugi::xml_node key = tag.child("Key");
    if (!key) return malformed_xml();
    tags.push_back(boost::json::object{{"Key", key.child_value()},
                                       {"Value", tag.child("Value").child_value()}});
  }
  return tags;
}

}  // namespace nimbus::s3config
