// Applying an UpdateExpression / AttributeUpdates to an item.
#include <algorithm>

#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/evaluate.h"
#include "services/dynamodb/model/expression.h"

namespace nimbus::dynamodb {
namespace {

Error invalid_path() {
  return validation_error(
      "The document path provided in the update expression is invalid for update");
}
Error missing_attribute() {
  return validation_error(
      "The provided expression refers to an attribute that does not exist in the item");
}
Error wrong_type() {
  return validation_error("An operand in the update expression has an incorrect data type");
}

json::value& payload(json::value& v) {
  return v.as_object().begin()->value();
}
const json::value& payload(const json::value& v) {
  return v.as_object().begin()->value();
}

Result<json::value> evaluate(const Operand& o, const json::object& item) {
  switch (o.kind) {
    case Operand::Kind::kValue:
      return o.value;
    case Operand::Kind::kPath: {
      const json::value* v = resolve_path(item, o.path);
      if (v == nullptr) return missing_attribute();
      return *v;
    }
    case Operand::Kind::kIfNotExists: {
      const json::value* v = resolve_path(item, o.args[0].path);
      if (v != nullptr) return *v;
      return evaluate(o.args[1], item);
    }
    case Operand::Kind::kListAppend: {
      auto a = evaluate(o.args[0], item);
      if (!a) return a;
      auto b = evaluate(o.args[1], item);
      if (!b) return b;
      if (type_of(*a) != Type::kL || type_of(*b) != Type::kL) return wrong_type();
      json::array out = payload(*a).as_array();
      for (const auto& e : payload(*b).as_array()) out.push_back(e);
      return json::value(json::object{{"L", std::move(out)}});
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      auto a = evaluate(o.args[0], item);
      if (!a) return a;
      auto b = evaluate(o.args[1], item);
      if (!b) return b;
      if (type_of(*a) != Type::kN || type_of(*b) != Type::kN) return wrong_type();
      auto x = number_of(*a);
      auto y = number_of(*b);
      if (!x) return x.take_error();
      if (!y) return y.take_error();
      auto r = o.kind == Operand::Kind::kPlus ? x->add(*y) : x->subtract(*y);
      if (!r) return r.take_error();
      return number_value(*r);
    }
    case Operand::Kind::kSize:
      return wrong_type();  // the parser refuses size() in updates
  }
  return wrong_type();
}

// Levels of M and L in `v`, itself counted (a scalar is 1).
int depth_of(const json::value& v) {
  auto t = type_of(v);
  int inner = 0;
  if (t == Type::kM) {
    for (const auto& [k, e] : payload(v).as_object()) inner = std::max(inner, depth_of(e));
  } else if (t == Type::kL) {
    for (const auto& e : payload(v).as_array()) inner = std::max(inner, depth_of(e));
  }
  return 1 + inner;
}

// The list (for an index) or map (for a member) holding the last step of a
// nested `path`: invalid for update when a step before it is missing or the
// holder has the other type.
Result<json::value*> holder(json::object& item, const Path& path) {
  json::value* parent = resolve_path(item, path, path.size() - 1);
  Type expected = path.back().is_index() ? Type::kL : Type::kM;
  if (parent == nullptr || type_of(*parent) != expected) return invalid_path();
  return &payload(*parent);
}

// Writes `v` at `path` (an index past the end of a list appends).
Status set_at(json::object& item, const Path& path, json::value v) {
  if (path.size() > 1 && depth_of(v) + static_cast<int>(path.size()) - 1 > kMaxNestingDepth) {
    return invalid_parameter("Nesting Levels have exceeded supported limits");
  }
  if (path.size() == 1) {
    item[path[0].name] = std::move(v);
    return Status::ok();
  }
  auto h = holder(item, path);
  if (!h) return h.take_error();
  const PathStep& last = path.back();
  if (!last.is_index()) {
    (*h)->as_object()[last.name] = std::move(v);
    return Status::ok();
  }
  auto& list = (*h)->as_array();
  if (static_cast<size_t>(last.index) < list.size()) {
    list[static_cast<size_t>(last.index)] = std::move(v);
  } else {
    list.push_back(std::move(v));
  }
  return Status::ok();
}

Status remove_at(json::object& item, const Path& path) {
  if (path.size() == 1) {
    item.erase(path[0].name);
    return Status::ok();
  }
  auto h = holder(item, path);
  if (!h) return h.take_error();
  const PathStep& last = path.back();
  if (!last.is_index()) {
    (*h)->as_object().erase(last.name);
    return Status::ok();
  }
  auto& list = (*h)->as_array();
  if (static_cast<size_t>(last.index) < list.size()) {
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(last.index));
  }
  return Status::ok();
}

bool set_contains(const json::array& set, Type set_type, const json::value& element) {
  if (set_type != Type::kNS) {
    return std::any_of(set.begin(), set.end(), [&](const json::value& e) {
      return sv(e.as_string()) == sv(element.as_string());
    });
  }
  auto d = Decimal::parse(sv(element.as_string()));
  return std::any_of(set.begin(), set.end(), [&](const json::value& e) {
    auto x = Decimal::parse(sv(e.as_string()));
    return d && x && *x == *d;
  });
}

Status add(json::object& item, const UpdateAction& a) {
  const json::value& v = a.value.value;
  json::value* existing = resolve_path(item, a.path, a.path.size());
  if (existing == nullptr) return set_at(item, a.path, v);
  auto t = type_of(v);
  if (type_of(*existing) != t) return wrong_type();
  if (t == Type::kN) {
    auto x = number_of(*existing);
    auto y = number_of(v);
    if (!x) return x.take_error();
    if (!y) return y.take_error();
    auto sum = x->add(*y);
    if (!sum) return sum.take_error();
    *existing = number_value(*sum);
    return Status::ok();
  }
  if (t != Type::kSS && t != Type::kNS && t != Type::kBS) return wrong_type();
  auto& set = payload(*existing).as_array();
  for (const auto& e : payload(v).as_array()) {
    if (!set_contains(set, *t, e)) set.push_back(e);
  }
  return Status::ok();
}

Status remove_elements(json::object& item, const UpdateAction& a) {
  const json::value& v = a.value.value;
  json::value* existing = resolve_path(item, a.path, a.path.size());
  if (existing == nullptr) return Status::ok();
  auto t = type_of(v);
  if (type_of(*existing) != t) return wrong_type();
  const auto& remove = payload(v).as_array();
  auto& set = payload(*existing).as_array();
  json::array kept;
  for (const auto& e : set) {
    if (!set_contains(remove, *t, e)) kept.push_back(e);
  }
  if (!kept.empty()) {
    set = std::move(kept);
    return Status::ok();
  }
  return remove_at(item, a.path);  // a set may not be empty
}

}  // namespace

Result<json::object> Update::apply(const json::object& item) const {
  // Every SET value is computed from the item as it was.
  std::vector<json::value> values;
  for (const auto& a : actions_) {
    if (a.kind != UpdateAction::Kind::kSet) continue;
    auto v = evaluate(a.value, item);
    if (!v) return v.take_error();
    values.push_back(std::move(*v));
  }
  json::object out = item;
  size_t next_value = 0;
  std::vector<const UpdateAction*> removals;
  for (const auto& a : actions_) {
    switch (a.kind) {
      case UpdateAction::Kind::kSet:
        NIMBUS_TRY(set_at(out, a.path, std::move(values[next_value++])));
        break;
      case UpdateAction::Kind::kAdd:
        NIMBUS_TRY(add(out, a));
        break;
      case UpdateAction::Kind::kDelete:
        NIMBUS_TRY(remove_elements(out, a));
        break;
      case UpdateAction::Kind::kRemove:
        removals.push_back(&a);
        break;
    }
  }
  // List elements go from the highest index down, so each index still
  // names the element it named in the item as it was.
  std::stable_sort(removals.begin(), removals.end(), [](const auto* x, const auto* y) {
    return x->path.back().index > y->path.back().index;
  });
  for (const auto* a : removals) NIMBUS_TRY(remove_at(out, a->path));
  return out;
}

Status Update::check_keys(const std::vector<std::string>& key_attributes) const {
  for (const auto& a : actions_) {
    const auto& name = a.path.front().name;
    if (std::find(key_attributes.begin(), key_attributes.end(), name) != key_attributes.end()) {
      return invalid_parameter("Cannot update attribute " + name +
                               ". This attribute is part of the key");
    }
  }
  return Status::ok();
}

Projection Update::updated_paths() const {
  std::vector<Path> paths;
  for (const auto& a : actions_) paths.push_back(a.path);
  return Projection(std::move(paths));
}

}  // namespace nimbus::dynamodb
