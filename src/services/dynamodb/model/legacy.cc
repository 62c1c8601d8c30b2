#include "services/dynamodb/model/legacy.h"

#include <algorithm>

#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/parser.h"

namespace nimbus::dynamodb {
namespace {

Operand path_operand(std::string_view name) {
  return dynamodb::path_operand(Path{PathStep{std::string(name)}});
}

ConditionNode negate(ConditionNode inner) {
  ConditionNode n;
  n.kind = ConditionNode::Kind::kNot;
  n.children.push_back(std::move(inner));
  return n;
}

ConditionNode compare(std::string_view name, Comparator op, json::value v) {
  auto n = condition_node(ConditionNode::Kind::kCompare,
                          {path_operand(name), value_operand(std::move(v))});
  n.op = op;
  return n;
}

// The normalized values of an AttributeValueList.
Result<std::vector<json::value>> value_list(const json::object& condition) {
  std::vector<json::value> out;
  const auto* list = condition.if_contains("AttributeValueList");
  if (list == nullptr || !list->is_array()) return out;
  for (auto v : list->get_array()) {
    NIMBUS_TRY(normalize_value(v));
    out.push_back(std::move(v));
  }
  return out;
}

// One ComparisonOperator condition on attribute `name`.
Result<ConditionNode> comparison(std::string_view name, std::string_view op,
                                 std::vector<json::value> values) {
  auto count = [&](size_t n) -> Status {
    if (values.size() == n) return Status::ok();
    return invalid_parameter("Invalid number of argument(s) for the " + std::string(op) +
                             " ComparisonOperator");
  };
  auto scalar = [&](std::initializer_list<Type> allowed) -> Status {
    for (const auto& v : values) {
      auto t = type_of(v);
      if (!t || std::find(allowed.begin(), allowed.end(), *t) == allowed.end()) {
        return invalid_parameter("ComparisonOperator " + std::string(op) + " is not valid for " +
                                 std::string(t ? type_name(*t) : "") + " AttributeValue type");
      }
    }
    return Status::ok();
  };
  static constexpr std::pair<std::string_view, Comparator> kComparators[] = {
      {"EQ", Comparator::kEq}, {"NE", Comparator::kNe}, {"LT", Comparator::kLt},
      {"LE", Comparator::kLe}, {"GT", Comparator::kGt}, {"GE", Comparator::kGe}};
  for (const auto& [text, c] : kComparators) {
    if (op != text) continue;
    NIMBUS_TRY(count(1));
    if (c != Comparator::kEq && c != Comparator::kNe) {
      NIMBUS_TRY(scalar({Type::kS, Type::kN, Type::kB}));
    }
    return compare(name, c, std::move(values[0]));
  }
  if (op == "NOT_NULL" || op == "NULL") {
    NIMBUS_TRY(count(0));
    return condition_node(op == "NULL" ? ConditionNode::Kind::kAttributeNotExists
                                       : ConditionNode::Kind::kAttributeExists,
                          {path_operand(name)});
  }
  if (op == "CONTAINS" || op == "NOT_CONTAINS") {
    NIMBUS_TRY(count(1));
    NIMBUS_TRY(scalar({Type::kS, Type::kN, Type::kB}));
    auto n = condition_node(ConditionNode::Kind::kContains,
                            {path_operand(name), value_operand(values[0])});
    if (op == "CONTAINS") return n;
    // NOT_CONTAINS holds for a present attribute without the value.
    return join_conditions(
        ConditionNode::Kind::kAnd,
        condition_node(ConditionNode::Kind::kAttributeExists, {path_operand(name)}),
        negate(std::move(n)));
  }
  if (op == "BEGINS_WITH") {
    NIMBUS_TRY(count(1));
    NIMBUS_TRY(scalar({Type::kS, Type::kB}));
    return condition_node(ConditionNode::Kind::kBeginsWith,
                          {path_operand(name), value_operand(values[0])});
  }
  if (op == "BETWEEN") {
    NIMBUS_TRY(count(2));
    NIMBUS_TRY(scalar({Type::kS, Type::kN, Type::kB}));
    if (type_of(values[0]) != type_of(values[1])) {
      return invalid_parameter("AttributeValues inside AttributeValueList must be of same type");
    }
    if (compare_values(values[0], values[1]) > 0) {
      return validation_error(
          "The BETWEEN condition was provided a range where the lower bound is greater than the "
          "upper bound");
    }
    return condition_node(ConditionNode::Kind::kBetween,
                          {path_operand(name), value_operand(values[0]), value_operand(values[1])});
  }
  if (op == "IN") {
    if (values.empty()) NIMBUS_TRY(count(1));
    NIMBUS_TRY(scalar({Type::kS, Type::kN, Type::kB}));
    std::vector<Operand> operands{path_operand(name)};
    for (auto& v : values) operands.push_back(value_operand(std::move(v)));
    return condition_node(ConditionNode::Kind::kIn, std::move(operands));
  }
  return validation_error("1 validation error detected: Value '" + std::string(op) +
                          "' at 'comparisonOperator' failed to satisfy constraint: Member must "
                          "satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, "
                          "NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");
}

// One Expected entry: Value/Exists, or ComparisonOperator/AttributeValueList.
Result<ConditionNode> expected_entry(std::string_view name, const json::object& e) {
  const auto* value = e.if_contains("Value");
  const auto* exists = e.if_contains("Exists");
  const auto* op = e.if_contains("ComparisonOperator");
  bool has_value = value != nullptr && !value->is_null();
  bool has_exists = exists != nullptr && exists->is_bool();
  if (op != nullptr && op->is_string()) {
    if (has_value) {
      return invalid_parameter(
          "Value and ComparisonOperator cannot be used together for Attribute: " +
          std::string(name));
    }
    if (has_exists) {
      return invalid_parameter(
          "Exists and ComparisonOperator cannot be used together for Attribute: " +
          std::string(name));
    }
    auto values = value_list(e);
    if (!values) return values.take_error();
    return comparison(name, sv(op->get_string()), std::move(*values));
  }
  if (e.contains("AttributeValueList")) {
    return invalid_parameter(
        "AttributeValueList can only be used with a ComparisonOperator for Attribute: " +
        std::string(name));
  }
  bool must_exist = !has_exists || exists->get_bool();
  if (must_exist && !has_value) {
    return invalid_parameter("Value must be provided when Exists is " +
                             std::string(has_exists ? "true" : "null") +
                             " for Attribute: " + std::string(name));
  }
  if (!must_exist) {
    if (has_value) {
      return invalid_parameter("Value cannot be used when Exists is false for Attribute: " +
                               std::string(name));
    }
    return condition_node(ConditionNode::Kind::kAttributeNotExists, {path_operand(name)});
  }
  json::value v = *value;
  NIMBUS_TRY(normalize_value(v));
  return compare(name, Comparator::kEq, std::move(v));
}

// One QueryFilter / ScanFilter entry.
Result<ConditionNode> filter_entry(std::string_view name, const json::object& e,
                                   std::string_view parameter) {
  const auto* op = e.if_contains("ComparisonOperator");
  if (op == nullptr || !op->is_string()) {
    return invalid_parameter("ComparisonOperator is required for " + std::string(parameter));
  }
  auto values = value_list(e);
  if (!values) return values.take_error();
  return comparison(name, sv(op->get_string()), std::move(*values));
}

}  // namespace

Result<std::optional<Condition>> condition_from_legacy(const json::object& conditions,
                                                       std::string_view conditional_operator,
                                                       std::string_view parameter) {
  if (conditional_operator != "" && conditional_operator != "AND" && conditional_operator != "OR") {
    return validation_error("1 validation error detected: Value '" +
                            std::string(conditional_operator) +
                            "' at 'conditionalOperator' failed to satisfy constraint: Member must "
                            "satisfy enum value set: [OR, AND]");
  }
  auto kind = conditional_operator == "OR" ? ConditionNode::Kind::kOr : ConditionNode::Kind::kAnd;
  std::optional<ConditionNode> root;
  for (const auto& [name, entry] : conditions) {
    if (!entry.is_object()) continue;
    auto n = parameter == "Expected" ? expected_entry(name, entry.get_object())
                                     : filter_entry(name, entry.get_object(), parameter);
    if (!n) return n.take_error();
    root = root ? join_conditions(kind, std::move(*root), std::move(*n)) : std::move(*n);
  }
  if (!root) return std::optional<Condition>();
  return std::optional<Condition>(Condition(std::move(*root)));
}

Result<Projection> projection_from_attributes_to_get(const json::array& names) {
  std::vector<Path> paths;
  for (const auto& n : names) {
    if (!n.is_string()) continue;
    Path p{PathStep{std::string(n.get_string())}};
    if (std::find(paths.begin(), paths.end(), p) != paths.end()) {
      return invalid_parameter("Duplicate value in attribute name: " + std::string(n.get_string()));
    }
    paths.push_back(std::move(p));
  }
  return Projection(std::move(paths));
}

Result<KeyCondition> key_condition_from_legacy(const json::object& key_conditions,
                                               const KeySchema& schema) {
  std::optional<ConditionNode> root;
  for (const auto& [name, entry] : key_conditions) {
    if (!entry.is_object()) continue;
    const auto* op = entry.get_object().if_contains("ComparisonOperator");
    std::string_view text = op != nullptr && op->is_string() ? sv(op->get_string()) : "";
    if (text != "EQ" && text != "LE" && text != "LT" && text != "GE" && text != "GT" &&
        text != "BEGINS_WITH" && text != "BETWEEN") {
      return validation_error("Attempted conditional constraint is not an indexable operation");
    }
    auto values = value_list(entry.get_object());
    if (!values) return values.take_error();
    auto n = comparison(name, text, std::move(*values));
    if (!n) return n.take_error();
    root = root ? join_conditions(ConditionNode::Kind::kAnd, std::move(*root), std::move(*n))
                : std::move(*n);
  }
  if (!root) {
    return validation_error("Query condition missed key schema element: " + schema.partition.name);
  }
  return key_condition_from_tree(*root, schema);
}

Result<Update> update_from_attribute_updates(const json::object& updates) {
  std::vector<UpdateAction> actions;
  for (const auto& [name, entry] : updates) {
    if (!entry.is_object()) continue;
    const auto& e = entry.get_object();
    const auto* action = e.if_contains("Action");
    std::string_view kind =
        action != nullptr && action->is_string() ? sv(action->get_string()) : "PUT";
    const auto* value = e.if_contains("Value");
    UpdateAction a;
    a.path.push_back(PathStep{std::string(name)});
    if (value == nullptr || value->is_null()) {
      if (kind != "DELETE") {
        return invalid_parameter(
            "Only DELETE action is allowed when no attribute value is specified");
      }
      a.kind = UpdateAction::Kind::kRemove;
      actions.push_back(std::move(a));
      continue;
    }
    json::value v = *value;
    NIMBUS_TRY(normalize_value(v));
    auto t = type_of(v);
    bool is_set = t == Type::kSS || t == Type::kNS || t == Type::kBS;
    if (kind == "PUT") {
      a.kind = UpdateAction::Kind::kSet;
      a.value = value_operand(std::move(v));
    } else if (kind == "DELETE") {
      if (!is_set) {
        return invalid_parameter("DELETE action with value is not supported for the type " +
                                 std::string(type_name(*t)));
      }
      a.kind = UpdateAction::Kind::kDelete;
      a.value = value_operand(std::move(v));
    } else if (kind == "ADD") {
      if (t == Type::kL) {
        // ADD of a list appends to it (or creates it).
        a.kind = UpdateAction::Kind::kSet;
        Operand existing;
        existing.kind = Operand::Kind::kIfNotExists;
        existing.args = {path_operand(name), value_operand(json::object{{"L", json::array{}}})};
        a.value.kind = Operand::Kind::kListAppend;
        a.value.args = {std::move(existing), value_operand(std::move(v))};
      } else if (t == Type::kN || is_set) {
        a.kind = UpdateAction::Kind::kAdd;
        a.value = value_operand(std::move(v));
      } else {
        return invalid_parameter("ADD action is not supported for the type " +
                                 std::string(type_name(*t)));
      }
    } else {
      return validation_error("1 validation error detected: Value '" + std::string(kind) +
                              "' at 'attributeUpdates." + std::string(name) +
                              ".member.action' failed to satisfy constraint: Member must satisfy "
                              "enum value set: [ADD, PUT, DELETE]");
    }
    actions.push_back(std::move(a));
  }
  return Update(std::move(actions));
}

}  // namespace nimbus::dynamodb
