// How a PartiQL WHERE reaches items: a full primary key (UPDATE, DELETE, the
// single-item reads of batches and transactions) or a partition (a SELECT
// that becomes a Query).
#include <optional>

#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/partiql.h"

namespace nimbus::dynamodb {
namespace {

void flatten(const ConditionNode& n, std::vector<const ConditionNode*>& out) {
  if (n.kind == ConditionNode::Kind::kAnd) {
    flatten(n.children[0], out);
    flatten(n.children[1], out);
    return;
  }
  out.push_back(&n);
}

bool is_attribute(const Operand& o, const std::string& name) {
  return o.kind == Operand::Kind::kPath && o.path.size() == 1 && !o.path[0].is_index() &&
         o.path[0].name == name;
}

// The value of `name = value` (either way round), or null.
const json::value* equality(const ConditionNode& n, const std::string& name) {
  if (n.kind != ConditionNode::Kind::kCompare || n.op != Comparator::kEq) return nullptr;
  const auto& a = n.operands[0];
  const auto& b = n.operands[1];
  if (is_attribute(a, name) && b.kind == Operand::Kind::kValue) return &b.value;
  if (is_attribute(b, name) && a.kind == Operand::Kind::kValue) return &a.value;
  return nullptr;
}

std::optional<SortKeyCondition> sort_condition(const ConditionNode& n, const KeyAttribute& key) {
  SortKeyCondition out;
  const auto& ops = n.operands;
  auto typed = [&](const Operand& o) {
    return o.kind == Operand::Kind::kValue && type_of(o.value) == key.type;
  };
  if (n.kind == ConditionNode::Kind::kBetween) {
    if (!is_attribute(ops[0], key.name) || !typed(ops[1]) || !typed(ops[2])) return std::nullopt;
    out.op = SortKeyCondition::Op::kBetween;
    out.value = ops[1].value;
    out.upper = ops[2].value;
    return out;
  }
  if (n.kind == ConditionNode::Kind::kBeginsWith) {
    if (key.type == Type::kN || !is_attribute(ops[0], key.name) || !typed(ops[1])) {
      return std::nullopt;
    }
    out.op = SortKeyCondition::Op::kBeginsWith;
    out.value = ops[1].value;
    return out;
  }
  if (n.kind != ConditionNode::Kind::kCompare || n.op == Comparator::kNe) return std::nullopt;
  bool flipped = !is_attribute(ops[0], key.name);
  const Operand& attribute = flipped ? ops[1] : ops[0];
  const Operand& value = flipped ? ops[0] : ops[1];
  if (!is_attribute(attribute, key.name) || !typed(value)) return std::nullopt;
  using Op = SortKeyCondition::Op;
  switch (n.op) {
    case Comparator::kLt:
      out.op = flipped ? Op::kGt : Op::kLt;
      break;
    case Comparator::kLe:
      out.op = flipped ? Op::kGe : Op::kLe;
      break;
    case Comparator::kGt:
      out.op = flipped ? Op::kLt : Op::kGt;
      break;
    case Comparator::kGe:
      out.op = flipped ? Op::kLe : Op::kGe;
      break;
    default:
      out.op = Op::kEq;
  }
  out.value = value.value;
  return out;
}

}  // namespace

Result<PartiqlKeyLookup> partiql_key_lookup(const std::optional<ConditionNode>& where,
                                            const KeySchema& schema) {
  const Error incomplete =
      validation_error("Where clause does not contain a mandatory equality on all key attributes");
  if (!where) return incomplete;
  std::vector<const ConditionNode*> atoms;
  flatten(*where, atoms);
  std::vector<KeyAttribute> keys{schema.partition};
  if (schema.sort) keys.push_back(*schema.sort);
  PartiqlKeyLookup out;
  std::vector<bool> used(atoms.size(), false);
  for (const auto& key : keys) {
    for (size_t i = 0; i < atoms.size(); ++i) {
      const json::value* v = equality(*atoms[i], key.name);
      if (v == nullptr) continue;
      if (out.key.contains(key.name)) {
        return validation_error("Multiple conditions on same key " + key.name +
                                ". Only single item Update/Insert/Delete are supported");
      }
      NIMBUS_TRY(validate_key_value(key.name, *v, key.type));
      out.key[key.name] = *v;
      used[i] = true;
    }
    if (!out.key.contains(key.name)) return incomplete;
  }
  std::optional<ConditionNode> rest;
  for (size_t i = 0; i < atoms.size(); ++i) {
    if (used[i]) continue;
    rest =
        rest ? join_conditions(ConditionNode::Kind::kAnd, std::move(*rest), *atoms[i]) : *atoms[i];
  }
  if (rest) out.rest.emplace(std::move(*rest));
  return out;
}

std::optional<KeyCondition> partiql_query_plan(const std::optional<ConditionNode>& where,
                                               const KeySchema& schema) {
  if (!where) return std::nullopt;
  std::vector<const ConditionNode*> atoms;
  flatten(*where, atoms);
  KeyCondition out;
  out.partition_key = schema.partition.name;
  if (schema.sort) out.sort_key = schema.sort->name;
  bool found = false;
  for (const ConditionNode* atom : atoms) {
    const json::value* v = equality(*atom, schema.partition.name);
    if (v != nullptr && type_of(*v) == schema.partition.type) {
      out.partition_value = *v;
      found = true;
      break;
    }
  }
  if (!found) return std::nullopt;
  if (schema.sort) {
    for (const ConditionNode* atom : atoms) {
      if (auto sort = sort_condition(*atom, *schema.sort)) {
        out.sort = std::move(*sort);
        break;
      }
    }
  }
  return out;
}

}  // namespace nimbus::dynamodb
