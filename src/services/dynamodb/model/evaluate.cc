#include "services/dynamodb/model/evaluate.h"

#include <algorithm>

#include "services/dynamodb/model/expression.h"

namespace nimbus::dynamodb {
namespace {

const json::value& payload(const json::value& v) {
  return v.as_object().begin()->value();
}

// The member of a {"M": ...} or element of a {"L": ...} value that `step` names.
template <typename Value>
Value* step_into(Value* v, const PathStep& step) {
  if (v == nullptr || !v->is_object() || v->get_object().size() != 1) return nullptr;
  auto& member = *v->get_object().begin();
  if (step.is_index()) {
    if (member.key() != "L" || !member.value().is_array()) return nullptr;
    auto& list = member.value().get_array();
    return static_cast<size_t>(step.index) < list.size() ? &list[static_cast<size_t>(step.index)]
                                                         : nullptr;
  }
  if (member.key() != "M" || !member.value().is_object()) return nullptr;
  return member.value().get_object().if_contains(step.name);
}

bool is_scalar_key_type(std::optional<Type> t) {
  return t == Type::kN || t == Type::kS || t == Type::kB;
}

// Both present, of one type among N, S, B.
bool comparable(const json::value* a, const json::value* b) {
  if (a == nullptr || b == nullptr) return false;
  auto t = type_of(*a);
  return is_scalar_key_type(t) && t == type_of(*b);
}

bool compare(Comparator op, const json::value* a, const json::value* b) {
  if (op == Comparator::kEq) return a != nullptr && b != nullptr && values_equal(*a, *b);
  if (op == Comparator::kNe) return !(a != nullptr && b != nullptr && values_equal(*a, *b));
  if (!comparable(a, b)) return false;
  int c = compare_values(*a, *b);
  switch (op) {
    case Comparator::kLt:
      return c < 0;
    case Comparator::kLe:
      return c <= 0;
    case Comparator::kGt:
      return c > 0;
    default:
      return c >= 0;
  }
}

bool begins_with(const json::value* a, const json::value* b) {
  if (a == nullptr || b == nullptr) return false;
  auto t = type_of(*a);
  if ((t != Type::kS && t != Type::kB) || t != type_of(*b)) return false;
  return sv(payload(*a).as_string()).starts_with(sv(payload(*b).as_string()));
}

bool contains(const json::value* a, const json::value* b) {
  if (a == nullptr || b == nullptr) return false;
  auto ta = type_of(*a);
  auto tb = type_of(*b);
  if (!ta || !tb) return false;
  const json::value& pa = payload(*a);
  if ((ta == Type::kS || ta == Type::kB) && tb == ta) {
    return sv(pa.as_string()).find(sv(payload(*b).as_string())) != std::string_view::npos;
  }
  if (ta == Type::kL) {
    const auto& list = pa.as_array();
    return std::any_of(list.begin(), list.end(),
                       [&](const json::value& e) { return values_equal(e, *b); });
  }
  Type element = ta == Type::kSS ? Type::kS : (ta == Type::kNS ? Type::kN : Type::kB);
  if ((ta != Type::kSS && ta != Type::kNS && ta != Type::kBS) || tb != element) return false;
  const auto& set = pa.as_array();
  return std::any_of(set.begin(), set.end(), [&](const json::value& e) {
    return values_equal(json::object{{type_name(element), e}}, *b);
  });
}

// size() of an attribute: string and binary lengths in bytes, element counts
// of sets, lists and maps; absent for other types.
bool size_of(const json::value& v, json::value& out) {
  auto t = type_of(v);
  if (!t) return false;
  const json::value& p = payload(v);
  int64_t n = 0;
  switch (*t) {
    case Type::kS:
    case Type::kB:
      n = static_cast<int64_t>(p.as_string().size());
      break;
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
    case Type::kL:
      n = static_cast<int64_t>(p.as_array().size());
      break;
    case Type::kM:
      n = static_cast<int64_t>(p.as_object().size());
      break;
    default:
      return false;
  }
  out = number_value(Decimal::from_int(n));
  return true;
}

}  // namespace

const json::value* resolve_path(const json::object& item, const Path& path) {
  if (path.empty() || path[0].is_index()) return nullptr;
  const json::value* v = item.if_contains(path[0].name);
  for (size_t i = 1; i < path.size() && v != nullptr; ++i) v = step_into(v, path[i]);
  return v;
}

json::value* resolve_path(json::object& item, const Path& path, size_t length) {
  if (path.empty() || length == 0 || path[0].is_index()) return nullptr;
  json::value* v = item.if_contains(path[0].name);
  for (size_t i = 1; i < length && v != nullptr; ++i) v = step_into(v, path[i]);
  return v;
}

const json::value* operand_value(const Operand& o, const json::object& item, json::value& scratch) {
  switch (o.kind) {
    case Operand::Kind::kPath:
      return resolve_path(item, o.path);
    case Operand::Kind::kValue:
      return &o.value;
    case Operand::Kind::kSize: {
      json::value inner_scratch;
      const json::value* v = operand_value(o.args[0], item, inner_scratch);
      return v != nullptr && size_of(*v, scratch) ? &scratch : nullptr;
    }
    default:
      return nullptr;  // update-only operands never reach a condition
  }
}

bool evaluate_condition(const ConditionNode& n, const json::object& item) {
  using Kind = ConditionNode::Kind;
  switch (n.kind) {
    case Kind::kAnd:
      return evaluate_condition(n.children[0], item) && evaluate_condition(n.children[1], item);
    case Kind::kOr:
      return evaluate_condition(n.children[0], item) || evaluate_condition(n.children[1], item);
    case Kind::kNot:
      return !evaluate_condition(n.children[0], item);
    case Kind::kAttributeExists:
      return resolve_path(item, n.operands[0].path) != nullptr;
    case Kind::kAttributeNotExists:
      return resolve_path(item, n.operands[0].path) == nullptr;
    default:
      break;
  }
  json::value s0, s1, s2;
  const json::value* a = operand_value(n.operands[0], item, s0);
  switch (n.kind) {
    case Kind::kCompare:
      return compare(n.op, a, operand_value(n.operands[1], item, s1));
    case Kind::kBetween: {
      const json::value* low = operand_value(n.operands[1], item, s1);
      const json::value* high = operand_value(n.operands[2], item, s2);
      return comparable(a, low) && comparable(a, high) && compare_values(*a, *low) >= 0 &&
             compare_values(*a, *high) <= 0;
    }
    case Kind::kIn:
      if (a == nullptr) return false;
      for (size_t i = 1; i < n.operands.size(); ++i) {
        const json::value* b = operand_value(n.operands[i], item, s1);
        if (b != nullptr && values_equal(*a, *b)) return true;
      }
      return false;
    case Kind::kAttributeType: {
      const json::value* t = operand_value(n.operands[1], item, s1);
      auto actual = a != nullptr ? type_of(*a) : std::nullopt;
      return actual && t != nullptr && type_of(*t) == Type::kS &&
             sv(payload(*t).as_string()) == type_name(*actual);
    }
    case Kind::kBeginsWith:
      return begins_with(a, operand_value(n.operands[1], item, s1));
    case Kind::kContains:
      return contains(a, operand_value(n.operands[1], item, s1));
    default:
      return false;
  }
}

bool Condition::matches(const json::object& item) const {
  return evaluate_condition(*root_, item);
}

}  // namespace nimbus::dynamodb
