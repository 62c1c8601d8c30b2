// The parsed form of a template (parser.cc builds it, evaluator.cc walks
// it). Immutable once parsed; nodes are shared, never copied.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/vtl/vtl.h"

namespace nimbus::vtl {

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;
using Block = std::vector<Node>;

// $name.step.step[...]: what a reference names.
struct Ref {
  struct Step {
    enum class Kind { kProperty, kMethod, kIndex } kind = Kind::kProperty;
    std::string name;           // property or method
    std::vector<ExprPtr> args;  // method arguments
    ExprPtr index;              // [index]
  };
  std::string root;
  std::vector<Step> steps;
  bool quiet = false;  // $!name
  std::string source;  // the text as written (rendered when it resolves to nothing)
  size_t line = 0, column = 0;
};

struct Expr {
  enum class Kind {
    kLiteral,  // literal
    kString,   // "interpolated": body
    kRef,      // ref
    kList,     // [items]
    kRange,    // [a..b]: a, b
    kMap,      // {k: v}: items as key, value, key, value
    kNot,      // !a
    kNeg,      // -a
    kBinary,   // a op b
  } kind = Kind::kLiteral;
  boost::json::value literal;
  std::shared_ptr<const Block> body;
  Ref ref;
  std::vector<ExprPtr> items;
  std::string op;  // || && == != < <= > >= + - * / %
  ExprPtr a, b;
};

struct Node {
  enum class Kind { kText, kRef, kSet, kIf, kForeach, kBreak, kStop } kind = Kind::kText;
  std::string text;  // kText
  Ref ref;           // kRef; kSet's target
  ExprPtr value;     // kSet's value; kForeach's collection
  // kIf: conditions[i] guards blocks[i]; a last block without a condition is #else.
  std::vector<ExprPtr> conditions;
  std::vector<Block> blocks;  // kIf's branches; kForeach's body is blocks[0]
  std::string var;            // kForeach's loop variable
};

}  // namespace nimbus::vtl
