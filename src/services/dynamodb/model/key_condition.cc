// KeyConditionExpression: a condition restricted to the key schema, turned
// into what a range read needs.
#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/evaluate.h"
#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/model/parser.h"

namespace nimbus::dynamodb {
namespace {

constexpr std::string_view kKind = "KeyConditionExpression";

Error invalid(const std::string& message) {
  return validation_error("Invalid " + std::string(kKind) + ": " + message);
}

std::string_view operator_name(const ConditionNode& n) {
  switch (n.kind) {
    case ConditionNode::Kind::kOr:
      return "OR";
    case ConditionNode::Kind::kNot:
      return "NOT";
    case ConditionNode::Kind::kIn:
      return "IN";
    case ConditionNode::Kind::kCompare:
      return "<>";
    case ConditionNode::Kind::kAttributeExists:
      return "attribute_exists";
    case ConditionNode::Kind::kAttributeNotExists:
      return "attribute_not_exists";
    case ConditionNode::Kind::kAttributeType:
      return "attribute_type";
    case ConditionNode::Kind::kContains:
      return "contains";
    default:
      return "";
  }
}

Status flatten(const ConditionNode& n, std::vector<const ConditionNode*>& out) {
  if (n.kind == ConditionNode::Kind::kAnd) {
    NIMBUS_TRY(flatten(n.children[0], out));
    return flatten(n.children[1], out);
  }
  bool allowed = n.kind == ConditionNode::Kind::kBetween ||
                 n.kind == ConditionNode::Kind::kBeginsWith ||
                 (n.kind == ConditionNode::Kind::kCompare && n.op != Comparator::kNe);
  if (!allowed) {
    // DynamoDB words this one without the "Invalid KeyConditionExpression:" prefix.
    return validation_error("Invalid operator used in KeyConditionExpression: " +
                            std::string(operator_name(n)));
  }
  out.push_back(&n);
  return Status::ok();
}

SortKeyCondition::Op sort_op(const ConditionNode& n) {
  if (n.kind == ConditionNode::Kind::kBetween) return SortKeyCondition::Op::kBetween;
  if (n.kind == ConditionNode::Kind::kBeginsWith) return SortKeyCondition::Op::kBeginsWith;
  switch (n.op) {
    case Comparator::kLt:
      return SortKeyCondition::Op::kLt;
    case Comparator::kLe:
      return SortKeyCondition::Op::kLe;
    case Comparator::kGt:
      return SortKeyCondition::Op::kGt;
    case Comparator::kGe:
      return SortKeyCondition::Op::kGe;
    default:
      return SortKeyCondition::Op::kEq;
  }
}

Status check_type(const json::value& v, Type expected) {
  if (type_of(v) == expected) return Status::ok();
  return invalid_parameter("Condition parameter type does not match schema type");
}

}  // namespace

Result<KeyCondition> key_condition_from_tree(const ConditionNode& root, const KeySchema& schema) {
  std::vector<const ConditionNode*> atoms;
  NIMBUS_TRY(flatten(root, atoms));
  KeyCondition out;
  out.partition_key = schema.partition.name;
  if (schema.sort) out.sort_key = schema.sort->name;
  bool have_partition = false;
  bool stray = false;
  for (const ConditionNode* atom : atoms) {
    const auto& ops = atom->operands;
    // The key attribute on the left, values on the right.
    bool shaped = ops[0].kind == Operand::Kind::kPath && ops[0].path.size() == 1;
    for (size_t i = 1; i < ops.size(); ++i) shaped = shaped && ops[i].kind == Operand::Kind::kValue;
    if (!shaped) return validation_error("Query key condition not supported");
    const std::string& name = ops[0].path[0].name;
    if (name == schema.partition.name) {
      if (have_partition) {
        return invalid("KeyConditionExpressions must only contain one condition per key");
      }
      if (atom->kind != ConditionNode::Kind::kCompare || atom->op != Comparator::kEq) {
        return validation_error("Query key condition not supported");
      }
      NIMBUS_TRY(check_type(ops[1].value, schema.partition.type));
      have_partition = true;
      out.partition_value = ops[1].value;
    } else if (schema.sort && name == schema.sort->name) {
      if (out.sort) {
        return invalid("KeyConditionExpressions must only contain one condition per key");
      }
      SortKeyCondition sort;
      sort.op = sort_op(*atom);
      if (sort.op == SortKeyCondition::Op::kBeginsWith && schema.sort->type == Type::kN) {
        return invalid(
            "Incorrect operand type for operator or function; operator or function: begins_with, "
            "operand type: N");
      }
      NIMBUS_TRY(check_type(ops[1].value, schema.sort->type));
      sort.value = ops[1].value;
      if (sort.op == SortKeyCondition::Op::kBetween) {
        NIMBUS_TRY(check_type(ops[2].value, schema.sort->type));
        sort.upper = ops[2].value;
      }
      out.sort = std::move(sort);
    } else {
      stray = true;
    }
  }
  if (!have_partition) {
    return validation_error("Query condition missed key schema element: " + schema.partition.name);
  }
  if (stray) {
    if (schema.sort && !out.sort) {
      return validation_error("Query condition missed key schema element: " + schema.sort->name);
    }
    return validation_error("Query key condition not supported");
  }
  return out;
}

Result<KeyCondition> parse_key_condition(std::string_view text, const KeySchema& schema,
                                         Placeholders& placeholders) {
  auto tree = Parser(text, kKind, placeholders).condition();
  if (!tree) return tree.take_error();
  return key_condition_from_tree(*tree, schema);
}

bool KeyCondition::matches(const json::object& item) const {
  const auto* pk = item.if_contains(partition_key);
  if (pk == nullptr || !values_equal(*pk, partition_value)) return false;
  if (!sort) return true;
  const auto* sk = item.if_contains(sort_key);
  if (sk == nullptr || type_of(*sk) != type_of(sort->value)) return false;
  int c = compare_values(*sk, sort->value);
  switch (sort->op) {
    case SortKeyCondition::Op::kEq:
      return c == 0;
    case SortKeyCondition::Op::kLt:
      return c < 0;
    case SortKeyCondition::Op::kLe:
      return c <= 0;
    case SortKeyCondition::Op::kGt:
      return c > 0;
    case SortKeyCondition::Op::kGe:
      return c >= 0;
    case SortKeyCondition::Op::kBetween:
      return c >= 0 && compare_values(*sk, sort->upper) <= 0;
    case SortKeyCondition::Op::kBeginsWith: {
      const auto& a = sk->as_object().begin()->value().as_string();
      const auto& b = sort->value.as_object().begin()->value().as_string();
      return std::string_view(a.data(), a.size()).starts_with(std::string_view(b.data(), b.size()));
    }
  }
  return false;
}

}  // namespace nimbus::dynamodb
