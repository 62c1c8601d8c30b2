// The parsed form of a JSONata expression (parser.cc builds it, eval*.cc
// walk it). Paths are already flattened into steps, predicates attached to
// the step they filter, as JSONata's own parser post-processes them.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::jsonata {

class Regex;

enum class NodeType {
  kNumber,
  kString,
  kBool,
  kNull,
  kName,         // field name (a path step)
  kVariable,     // $name; "" is the context, "$" the root
  kWildcard,     // *
  kDescendant,   // **
  kPath,         // steps in `kids`
  kSort,         // ^( ) step: terms in `kids`, descending flags in `flags`
  kBinary,       // op in `text`, lhs = kids[0], rhs = kids[1]
  kNegate,       // unary minus
  kArray,        // [ ... ] constructor
  kObject,       // { k: v, ... } constructor (pairs in kids, key then value)
  kBlock,        // ( a; b; c )
  kCondition,    // a ? b : c (kids[2] may be absent)
  kBind,         // $x := value (name in text)
  kCall,         // kids[0] the function, the rest the arguments
  kLambda,       // params in `params`, body = kids[0]
  kApply,        // a ~> b
  kRange,        // [a..b] inside an array constructor
  kRegex,        // /pattern/flags: compiled in `regex`
  kPlaceholder,  // ? as a call's argument: the call is a partial application
  kTransform,    // | pattern | update [, delete] |: kids in that order
  kParent,       // %: the input of the step `slot` names (slot->label is its variable)
  kIndexStage,   // #$i after a step's predicates: binds $i (text) to each tuple's position
};

// A parent operator's link to the path step whose input it reads, found
// while paths are built (parser.cc): `level` counts the steps still to go
// back, `label` is the variable ("!0", no user name can be it) that a tuple
// step binds its input to.
struct Slot {
  std::string label;
  int level = 1;
};

struct Node {
  NodeType type = NodeType::kNull;
  size_t position = 0;
  std::string text;   // name, variable, string value, operator
  double number = 0;  // kNumber
  bool boolean = false;
  std::vector<std::shared_ptr<Node>> kids;
  std::vector<bool> flags;                        // kSort: descending per term
  std::vector<std::string> params;                // kLambda
  std::vector<std::shared_ptr<Node>> predicates;  // [ ] filters, in order
  std::shared_ptr<Node> group;                    // a{...}: a kObject applied to the result
  bool keep_array = false;                        // a[]
  bool cons_array = false;                        // an array constructor first in a path
  std::shared_ptr<const Regex> regex;             // kRegex
  // Tuple steps (`@`, `#`, `%`): a path with one evaluates as a stream of
  // tuples (the item and the variables bound along the way).
  bool tuple = false;
  std::string focus;               // step@$v: v (the item goes to $v, the context stays)
  std::string index;               // step#$i: i (the item's position in the step's output)
  std::shared_ptr<Slot> ancestor;  // the step binds its input to ancestor->label
  std::shared_ptr<Slot> slot;      // kParent
  std::vector<std::shared_ptr<Slot>> seeking;  // parents under this node not yet resolved
};

using NodePtr = std::shared_ptr<Node>;

}  // namespace nimbus::jsonata
