// The parsed form of DynamoDB expressions: document paths, operands,
// condition trees and update actions. Built by parser.cc (and by legacy.cc
// from the pre-expression parameters); placeholders are already resolved,
// so a tree no longer refers to ExpressionAttributeNames/Values.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::dynamodb {

// One step of a document path: a member name, or a list index when
// `index >= 0`. A path starts with an attribute name: a.b[2].c.
struct PathStep {
  std::string name;
  int64_t index = -1;
  bool is_index() const { return index >= 0; }
  bool operator==(const PathStep&) const = default;
};
using Path = std::vector<PathStep>;

// "a.b[2].c", names as written (not re-quoted).
std::string path_to_string(const Path& path);

// A value-producing operand.
struct Operand {
  enum class Kind {
    kPath,         // the value at `path` (absent when the item lacks it)
    kValue,        // `value`, an attribute value from ExpressionAttributeValues
    kSize,         // size(args[0])
    kIfNotExists,  // if_not_exists(args[0] (a path), args[1])
    kListAppend,   // list_append(args[0], args[1])
    kPlus,         // args[0] + args[1]
    kMinus,        // args[0] - args[1]
  };
  Kind kind = Kind::kValue;
  Path path;
  boost::json::value value;
  std::vector<Operand> args;
};

enum class Comparator { kEq, kNe, kLt, kLe, kGt, kGe };

struct ConditionNode {
  enum class Kind {
    kCompare,             // operands[0] <op> operands[1]
    kBetween,             // operands[0] BETWEEN operands[1] AND operands[2]
    kIn,                  // operands[0] IN (operands[1..])
    kAnd,                 // children[0] AND children[1]
    kOr,                  // children[0] OR children[1]
    kNot,                 // NOT children[0]
    kAttributeExists,     // attribute_exists(operands[0])
    kAttributeNotExists,  // attribute_not_exists(operands[0])
    kAttributeType,       // attribute_type(operands[0], operands[1])
    kBeginsWith,          // begins_with(operands[0], operands[1])
    kContains,            // contains(operands[0], operands[1])
  };
  Kind kind = Kind::kCompare;
  Comparator op = Comparator::kEq;
  std::vector<Operand> operands;
  std::vector<ConditionNode> children;
};

// Builders for the parser and the translators (legacy.cc, partiql.cc).
inline Operand path_operand(Path path) {
  Operand o;
  o.kind = Operand::Kind::kPath;
  o.path = std::move(path);
  return o;
}
inline Operand value_operand(boost::json::value v) {
  Operand o;
  o.kind = Operand::Kind::kValue;
  o.value = std::move(v);
  return o;
}
inline ConditionNode condition_node(ConditionNode::Kind kind, std::vector<Operand> operands) {
  ConditionNode n;
  n.kind = kind;
  n.operands = std::move(operands);
  return n;
}

// `left AND right` / `left OR right`.
inline ConditionNode join_conditions(ConditionNode::Kind kind, ConditionNode left,
                                     ConditionNode right) {
  ConditionNode n;
  n.kind = kind;
  n.children.push_back(std::move(left));
  n.children.push_back(std::move(right));
  return n;
}

struct UpdateAction {
  enum class Kind { kSet, kRemove, kAdd, kDelete };
  Kind kind = Kind::kSet;
  Path path;
  Operand value;  // unused for REMOVE
};

}  // namespace nimbus::dynamodb
