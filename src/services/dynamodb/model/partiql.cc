// The PartiQL statement parser: tokens (partiql_lexer.h) in, a
// PartiqlStatement with the model's condition tree and update actions out;
// literals (partiql_values.cc) are attribute values.
#include "services/dynamodb/model/partiql.h"

#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/partiql_parser.h"

namespace nimbus::dynamodb {
namespace {

using Kind = PqToken::Kind;

constexpr std::string_view kKeywords[] = {
    "SELECT", "FROM", "WHERE", "AND",    "OR",        "NOT",    "BETWEEN", "IN",     "IS",
    "ORDER",  "BY",   "SET",   "REMOVE", "INSERT",    "INTO",   "VALUE",   "UPDATE", "DELETE",
    "AS",     "ASC",  "DESC",  "LIKE",   "RETURNING", "EXISTS", "VALUES"};

bool is_reserved(const PqToken& t) {
  if (t.kind != Kind::kWord) return false;
  for (std::string_view k : kKeywords) {
    if (pq_is(t.text, k)) return true;
  }
  return false;
}

// IS <type> names and the attribute type each tests.
std::optional<std::string_view> is_type(std::string_view word) {
  constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"NULL", "NULL"}, {"BOOLEAN", "BOOL"}, {"BOOL", "BOOL"}, {"STRING", "S"}, {"NUMERIC", "N"},
      {"BLOB", "B"},    {"STRUCT", "M"},     {"TUPLE", "M"},   {"LIST", "L"}};
  for (const auto& [name, type] : kTypes) {
    if (pq_is(word, name)) return type;
  }
  return std::nullopt;
}

}  // namespace

Error partiql_syntax_error(std::string_view detail) {
  return validation_error("Statement wasn't well formed, can't be processed: " +
                          std::string(detail));
}

bool PqParser::reserved(const PqToken& t) const {
  return is_reserved(t);
}

// ---- conditions

bool PqParser::or_expr(ConditionNode& out) {
  if (!enter() || !and_expr(out)) return false;
  while (word("OR")) {
    advance();
    if (at_end())
      return fail(partiql_syntax_error("Missing right-hand side expression of infix operator"));
    ConditionNode right;
    if (!and_expr(right)) return false;
    out = join_conditions(ConditionNode::Kind::kOr, std::move(out), std::move(right));
  }
  leave();
  return true;
}

bool PqParser::and_expr(ConditionNode& out) {
  if (!not_expr(out)) return false;
  while (word("AND")) {
    advance();
    if (at_end())
      return fail(partiql_syntax_error("Missing right-hand side expression of infix operator"));
    ConditionNode right;
    if (!not_expr(right)) return false;
    out = join_conditions(ConditionNode::Kind::kAnd, std::move(out), std::move(right));
  }
  return true;
}

bool PqParser::not_expr(ConditionNode& out) {
  if (!word("NOT")) return predicate(out);
  advance();
  if (!enter()) return false;
  ConditionNode inner;
  if (!not_expr(inner)) return false;
  leave();
  out = ConditionNode{};
  out.kind = ConditionNode::Kind::kNot;
  out.children.push_back(std::move(inner));
  return true;
}

bool PqParser::predicate(ConditionNode& out) {
  if (symbol("(")) {
    advance();
    if (!or_expr(out)) return false;
    return expect_symbol(")");
  }
  if (peek().kind == Kind::kWord && peek(1).kind == Kind::kSymbol && peek(1).text == "(" &&
      !pq_is(peek().text, "SIZE")) {
    return function_condition(out);
  }
  Operand left;
  if (!operand(left)) return false;
  const PqToken& t = peek();
  if (t.kind == Kind::kSymbol) {
    static constexpr std::pair<std::string_view, Comparator> kOps[] = {
        {"=", Comparator::kEq}, {"<>", Comparator::kNe}, {"!=", Comparator::kNe},
        {"<", Comparator::kLt}, {"<=", Comparator::kLe}, {">", Comparator::kGt},
        {">=", Comparator::kGe}};
    for (const auto& [text, op] : kOps) {
      if (t.text != text) continue;
      advance();
      Operand right;
      if (!operand(right)) return false;
      out = condition_node(ConditionNode::Kind::kCompare, {std::move(left), std::move(right)});
      out.op = op;
      return true;
    }
  }
  if (word("BETWEEN")) {
    advance();
    Operand low, high;
    if (!operand(low)) return false;
    if (!word("AND")) return fail(partiql_syntax_error("Expected AND"));
    advance();
    if (!operand(high)) return false;
    out = condition_node(ConditionNode::Kind::kBetween,
                         {std::move(left), std::move(low), std::move(high)});
    return true;
  }
  bool negated = false;
  if (word("NOT") && peek(1).kind == Kind::kWord && pq_is(peek(1).text, "IN")) {
    advance();
    negated = true;
  }
  if (word("IN")) {
    advance();
    if (!in_list(std::move(left), out)) return false;
    if (negated) out = negate(std::move(out));
    return true;
  }
  if (word("IS")) {
    advance();
    return is_test(std::move(left), out);
  }
  if (at_end())
    return fail(
        validation_error("WHERE clause must contain an expression that resolves to a boolean"));
  return fail(partiql_syntax_error("Unexpected token after expression"));
}

ConditionNode PqParser::negate(ConditionNode n) {
  ConditionNode out;
  out.kind = ConditionNode::Kind::kNot;
  out.children.push_back(std::move(n));
  return out;
}

bool PqParser::in_list(Operand left, ConditionNode& out) {
  std::string close = symbol("[") ? "]" : symbol("(") ? ")" : "";
  if (close.empty() || left.kind != Operand::Kind::kPath) {
    return fail(validation_error(
        "IN operator must have a left hand argument of type Variable Reference and right hand "
        "argument of type Seq with at least one member"));
  }
  advance();
  std::vector<Operand> operands{std::move(left)};
  while (!symbol(close)) {
    Operand o;
    if (!operand(o)) return false;
    operands.push_back(std::move(o));
    if (!symbol(",")) break;
    advance();
  }
  if (!expect_symbol(close)) return false;
  if (operands.size() < 2) {
    return fail(validation_error(
        "IN operator must have a left hand argument of type Variable Reference and right hand "
        "argument of type Seq with at least one member"));
  }
  out = condition_node(ConditionNode::Kind::kIn, std::move(operands));
  return true;
}

bool PqParser::is_test(Operand left, ConditionNode& out) {
  bool negated = false;
  if (word("NOT")) {
    advance();
    negated = true;
  }
  if (left.kind != Operand::Kind::kPath) {
    return fail(validation_error(
        "The left hand side argument to IS must be a Variable Reference, Literal, or Path"));
  }
  if (peek().kind != Kind::kWord) return fail(partiql_syntax_error("Expected type name"));
  std::string name = peek().text;
  advance();
  if (pq_is(name, "MISSING")) {
    out = condition_node(
        negated ? ConditionNode::Kind::kAttributeExists : ConditionNode::Kind::kAttributeNotExists,
        {std::move(left)});
    return true;
  }
  auto type = is_type(name);
  if (!type) return fail(partiql_syntax_error("Expected type name"));
  Operand t;
  t.value = json::object{{"S", *type}};
  out = condition_node(ConditionNode::Kind::kAttributeType, {std::move(left), std::move(t)});
  if (negated) out = negate(std::move(out));
  return true;
}

bool PqParser::function_condition(ConditionNode& out) {
  const PqToken name = peek();
  struct Function {
    std::string_view name;
    ConditionNode::Kind kind;
    size_t arity;
  };
  static constexpr Function kFunctions[] = {
      {"attribute_exists", ConditionNode::Kind::kAttributeExists, 1},
      {"attribute_not_exists", ConditionNode::Kind::kAttributeNotExists, 1},
      {"attribute_type", ConditionNode::Kind::kAttributeType, 2},
      {"begins_with", ConditionNode::Kind::kBeginsWith, 2},
      {"contains", ConditionNode::Kind::kContains, 2}};
  const Function* f = nullptr;
  for (const auto& candidate : kFunctions) {
    if (pq_is_lower(name.text, candidate.name)) f = &candidate;
  }
  if (f == nullptr) {
    return fail(
        validation_error("Unrecognized function: " + lower(name.text) + " at " + position(name)));
  }
  advance();
  advance();  // (
  std::vector<Operand> args;
  while (!symbol(")")) {
    Operand o;
    if (!operand(o)) return false;
    args.push_back(std::move(o));
    if (!symbol(",")) break;
    advance();
  }
  if (!expect_symbol(")")) return false;
  std::string fname(f->name);
  if (args.size() != f->arity) {
    return fail(validation_error(
        "Incorrect number of operands for operator or function; operator or function: " + fname +
        ", number of operands: " + std::to_string(args.size())));
  }
  if (args[0].kind != Operand::Kind::kPath &&
      (f->arity == 1 || f->kind == ConditionNode::Kind::kAttributeType)) {
    return fail(validation_error(
        "Operator or function requires a document path; operator or function: " + fname));
  }
  out = condition_node(f->kind, std::move(args));
  return true;
}

// A condition operand: a path, a literal, a parameter or size(path).
bool PqParser::operand(Operand& out) {
  if (!enter()) return false;
  if (peek().kind == Kind::kWord && pq_is(peek().text, "SIZE") && peek(1).text == "(") {
    advance();
    advance();
    Operand inner;
    if (!operand(inner) || !expect_symbol(")")) return false;
    if (inner.kind != Operand::Kind::kPath) {
      return fail(validation_error(
          "Operator or function requires a document path; operator or function: size"));
    }
    out = Operand{};
    out.kind = Operand::Kind::kSize;
    out.args.push_back(std::move(inner));
    leave();
    return true;
  }
  if (starts_path()) {
    Path p;
    if (!path(p)) return false;
    out = path_operand(std::move(p));
    leave();
    return true;
  }
  json::value v;
  if (!value(v, "root")) return false;
  out = Operand{};
  out.kind = Operand::Kind::kValue;
  out.value = std::move(v);
  leave();
  return true;
}

bool PqParser::starts_path() const {
  const PqToken& t = peek();
  if (t.kind == Kind::kQuoted) return true;
  if (t.kind != Kind::kWord || reserved(t)) return false;
  return !pq_is(t.text, "TRUE") && !pq_is(t.text, "FALSE") && !pq_is(t.text, "NULL") &&
         !pq_is(t.text, "MISSING");
}

bool PqParser::path(Path& out) {
  if (!starts_path()) return term_error();
  out.push_back(PathStep{peek().text, -1});
  advance();
  while (true) {
    if (symbol(".")) {
      advance();
      if (peek().kind != Kind::kQuoted && peek().kind != Kind::kWord) {
        return fail(partiql_syntax_error("Invalid path dot component"));
      }
      out.push_back(PathStep{peek().text, -1});
      advance();
    } else if (symbol("[")) {
      advance();
      const PqToken& t = peek();
      bool digits = t.kind == Kind::kNumber &&
                    t.text.find_first_not_of("0123456789") == std::string::npos &&
                    t.text.size() <= 9;
      if (t.kind == Kind::kString) {
        out.push_back(PathStep{t.text, -1});
      } else if (digits) {
        out.push_back(PathStep{"", std::stoll(t.text)});
      } else {
        return fail(partiql_syntax_error("Invalid path component"));
      }
      advance();
      if (!expect_symbol("]")) return false;
    } else {
      return true;
    }
  }
}

// ---- tokens

const PqToken& PqParser::peek(size_t ahead) const {
  return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
}

void PqParser::advance() {
  if (pos_ + 1 < tokens_.size()) ++pos_;
}

bool PqParser::word(std::string_view keyword) const {
  return peek().kind == Kind::kWord && pq_is(peek().text, keyword);
}

bool PqParser::symbol(std::string_view s) const {
  return peek().kind == Kind::kSymbol && peek().text == s;
}

bool PqParser::at_end() const {
  return peek().kind == Kind::kEnd || symbol(";");
}

bool PqParser::expect_symbol(std::string_view s) {
  if (symbol(s)) {
    advance();
    return true;
  }
  if (at_end()) return term_error();
  return fail(partiql_syntax_error("Unexpected token after expression"));
}

bool PqParser::expect_word(std::string_view keyword) {
  if (word(keyword)) {
    advance();
    return true;
  }
  return term_error();
}

// Something other than a term where one must start.
bool PqParser::term_error() {
  const PqToken& t = peek();
  constexpr std::string_view kOperators[] = {"IS", "LIKE", "BETWEEN", "IN", "AND", "OR"};
  for (std::string_view op : kOperators) {
    if (t.kind == Kind::kWord && pq_is(t.text, op)) {
      return fail(partiql_syntax_error("Unexpected operator"));
    }
  }
  if (reserved(t)) return fail(partiql_syntax_error("Unexpected keyword"));
  if (t.kind == Kind::kSymbol && t.text != "(" && t.text != ";") {
    return fail(partiql_syntax_error("Unexpected operator"));
  }
  return fail(partiql_syntax_error("Unexpected term"));
}

bool PqParser::enter() {
  if (++depth_ > kMaxDepth) return fail(partiql_syntax_error("Too many nested levels"));
  return true;
}

bool PqParser::fail(Error error) {
  if (!error_) error_ = std::move(error);
  return false;
}

// "<line>:<column>:<length>", from 1.
std::string PqParser::position(const PqToken& t) const {
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < t.offset && i < text_.size(); ++i) {
    if (text_[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(t.offset - line_start + 1) + ":" +
         std::to_string(t.length);
}

std::string PqParser::lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool PqParser::pq_is_lower(std::string_view word, std::string_view name) {
  return lower(word) == name;
}

}  // namespace nimbus::dynamodb
