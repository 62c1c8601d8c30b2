#include <map>

#include "services/dynamodb/model/evaluate.h"
#include "services/dynamodb/model/expression.h"

namespace nimbus::dynamodb {
namespace {

// The requested paths as a tree: a whole value, or some members / elements.
struct Node {
  bool whole = false;
  std::map<std::string, Node> members;
  std::map<int64_t, Node> elements;
};

std::optional<json::value> project(const json::value& v, const Node& node) {
  if (node.whole) return v;
  auto t = type_of(v);
  const json::value& p = v.as_object().begin()->value();
  if (t == Type::kM && !node.members.empty() && p.is_object()) {
    json::object out;
    for (const auto& [name, child] : node.members) {
      const auto* member = p.get_object().if_contains(name);
      if (member == nullptr) continue;
      if (auto projected = project(*member, child)) out[name] = std::move(*projected);
    }
    if (out.empty()) return std::nullopt;
    return json::object{{"M", std::move(out)}};
  }
  if (t == Type::kL && !node.elements.empty() && p.is_array()) {
    json::array out;
    const auto& list = p.get_array();
    for (const auto& [index, child] : node.elements) {
      if (static_cast<size_t>(index) >= list.size()) continue;
      if (auto projected = project(list[static_cast<size_t>(index)], child)) {
        out.push_back(std::move(*projected));
      }
    }
    if (out.empty()) return std::nullopt;
    return json::object{{"L", std::move(out)}};
  }
  return std::nullopt;
}

}  // namespace

json::object Projection::apply(const json::object& item) const {
  Node root;
  for (const auto& path : paths_) {
    if (path.empty() || path[0].is_index()) continue;
    Node* n = &root.members[path[0].name];
    for (size_t i = 1; i < path.size(); ++i) {
      n = path[i].is_index() ? &n->elements[path[i].index] : &n->members[path[i].name];
    }
    n->whole = true;
  }
  json::object out;
  for (const auto& [name, child] : root.members) {
    const auto* v = item.if_contains(name);
    if (v == nullptr) continue;
    if (auto projected = project(*v, child)) out[name] = std::move(*projected);
  }
  return out;
}

}  // namespace nimbus::dynamodb
