// Conditions, operands and paths; update_parser.cc has UpdateExpression and
// ProjectionExpression.
#include "services/dynamodb/model/parser.h"

#include <algorithm>

#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/reserved_words.h"

namespace nimbus::dynamodb {
namespace {

constexpr size_t kMaxExpressionSize = 4096;
constexpr int kMaxDepth = 100;
constexpr size_t kMaxInOperands = 100;

bool is_condition_function(std::string_view name) {
  return name == "attribute_exists" || name == "attribute_not_exists" || name == "attribute_type" ||
         name == "begins_with" || name == "contains";
}

// "{N:5}", as DynamoDB quotes an operand in messages.
std::string quote_value(const json::value& v) {
  auto t = type_of(v);
  if (!t) return "{}";
  const auto& p = v.as_object().begin()->value();
  std::string text = p.is_string() ? std::string(p.get_string()) : json::serialize(p);
  return "{" + std::string(type_name(*t)) + ":" + text + "}";
}

}  // namespace

Parser::Parser(std::string_view text, std::string_view kind, Placeholders& placeholders)
    : text_(text), kind_(kind), placeholders_(placeholders) {
  // An oversized expression is refused by empty_expression() before any parsing.
  tokens_ = text.size() <= kMaxExpressionSize ? tokenize(text) : std::vector<Token>{Token{}};
}

const Token& Parser::peek(size_t ahead) const {
  return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
}

void Parser::advance() {
  if (pos_ + 1 < tokens_.size()) ++pos_;
}

bool Parser::at_keyword(std::string_view keyword) const {
  return at(Token::Kind::kIdentifier) && is_keyword(peek().text, keyword);
}

bool Parser::expect(Token::Kind kind) {
  if (!at(kind)) return syntax_error();
  advance();
  return true;
}

bool Parser::enter() {
  if (++depth_ > kMaxDepth) {
    return fail("The expression has too many nested levels; maximum: " + std::to_string(kMaxDepth));
  }
  return true;
}

bool Parser::fail(std::string message) {
  if (!error_) error_ = validation_error("Invalid " + kind_ + ": " + message);
  return false;
}

bool Parser::fail(Error error) {
  if (!error_) error_ = std::move(error);
  return false;
}

// DynamoDB quotes the offending token and the text from the token before it
// to the token after it.
bool Parser::syntax_error() {
  const Token& t = tokens_[pos_];
  bool end = t.kind == Token::Kind::kEnd;
  size_t from = pos_ > 0 ? tokens_[pos_ - 1].offset : t.offset;
  size_t to = t.offset + t.text.size();
  if (!end && pos_ + 1 < tokens_.size())
    to = tokens_[pos_ + 1].offset + tokens_[pos_ + 1].text.size();
  return fail("Syntax error; token: \"" + (end ? std::string("<EOF>") : std::string(t.text)) +
              "\", near: \"" + std::string(text_.substr(from, to - from)) + "\"");
}

bool Parser::empty_expression() {
  if (text_.size() > kMaxExpressionSize) {
    return fail("Expression size has exceeded the maximum allowed size; expression size: " +
                std::to_string(text_.size()));
  }
  if (tokens_.size() == 1) return fail("The expression can not be empty;");
  return true;
}

Result<ConditionNode> Parser::condition() {
  ConditionNode root;
  if (empty_expression() && or_expr(root) && !at(Token::Kind::kEnd)) syntax_error();
  if (error_) return *error_;
  return root;
}

bool Parser::or_expr(ConditionNode& out) {
  if (!and_expr(out)) return false;
  while (at_keyword("OR")) {
    advance();
    ConditionNode right;
    if (!and_expr(right)) return false;
    out = join_conditions(ConditionNode::Kind::kOr, std::move(out), std::move(right));
  }
  return true;
}

bool Parser::and_expr(ConditionNode& out) {
  if (!not_expr(out)) return false;
  while (at_keyword("AND")) {
    advance();
    ConditionNode right;
    if (!not_expr(right)) return false;
    out = join_conditions(ConditionNode::Kind::kAnd, std::move(out), std::move(right));
  }
  return true;
}

bool Parser::not_expr(ConditionNode& out) {
  if (!at_keyword("NOT")) return primary(out);
  advance();
  if (!enter()) return false;
  ConditionNode inner;
  bool ok = not_expr(inner);
  leave();
  if (!ok) return false;
  out = ConditionNode{};
  out.kind = ConditionNode::Kind::kNot;
  out.children.push_back(std::move(inner));
  return true;
}

bool Parser::primary(ConditionNode& out) {
  if (at(Token::Kind::kLParen)) {
    size_t open = pos_;
    advance();
    if (!enter()) return false;
    bool ok = or_expr(out) && expect(Token::Kind::kRParen);
    leave();
    if (!ok) return false;
    size_t close = pos_ - 1;
    if (last_parens_ == std::pair{open + 1, close - 1}) {
      return fail("The expression has redundant parentheses;");
    }
    last_parens_ = {open, close};
    return true;
  }
  if (at(Token::Kind::kIdentifier) && peek(1).kind == Token::Kind::kLParen &&
      is_condition_function(peek().text)) {
    return function_condition(out);
  }
  Operand left;
  if (!operand(left)) return false;
  return comparison(std::move(left), out);
}

bool Parser::function_condition(ConditionNode& out) {
  std::string name(peek().text);
  advance();
  out = ConditionNode{};
  if (!arguments(out.operands, false)) return false;
  auto& args = out.operands;
  if (name == "attribute_exists" || name == "attribute_not_exists") {
    out.kind = name == "attribute_exists" ? ConditionNode::Kind::kAttributeExists
                                          : ConditionNode::Kind::kAttributeNotExists;
    return check_arguments(name, args, 1) && require_path(name, args[0]);
  }
  if (name == "attribute_type") {
    out.kind = ConditionNode::Kind::kAttributeType;
    if (!check_arguments(name, args, 2) || !require_path(name, args[0])) return false;
    if (args[1].kind != Operand::Kind::kValue || type_of(args[1].value) != Type::kS) {
      return check_literal_type(name, args[1], {Type::kS});
    }
    const auto& type = args[1].value.as_object().begin()->value().as_string();
    if (!type_from_name(std::string_view(type.data(), type.size()))) {
      return fail("Invalid attribute type name found; type: " + std::string(type) +
                  ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
    }
    return true;
  }
  out.kind =
      name == "begins_with" ? ConditionNode::Kind::kBeginsWith : ConditionNode::Kind::kContains;
  if (!check_arguments(name, args, 2)) return false;
  if (name == "begins_with") {
    return check_literal_type(name, args[0], {Type::kS, Type::kB}) &&
           check_literal_type(name, args[1], {Type::kS, Type::kB});
  }
  return true;
}

bool Parser::comparison(Operand left, ConditionNode& out) {
  out = ConditionNode{};
  out.operands.push_back(std::move(left));
  static constexpr std::pair<Token::Kind, Comparator> kComparators[] = {
      {Token::Kind::kEq, Comparator::kEq}, {Token::Kind::kNe, Comparator::kNe},
      {Token::Kind::kLt, Comparator::kLt}, {Token::Kind::kLe, Comparator::kLe},
      {Token::Kind::kGt, Comparator::kGt}, {Token::Kind::kGe, Comparator::kGe}};
  for (const auto& [token, op] : kComparators) {
    if (!at(token)) continue;
    advance();
    out.kind = ConditionNode::Kind::kCompare;
    out.op = op;
    out.operands.emplace_back();
    return operand(out.operands.back());
  }
  if (at_keyword("BETWEEN")) {
    advance();
    out.kind = ConditionNode::Kind::kBetween;
    out.operands.resize(3);
    if (!operand(out.operands[1])) return false;
    if (!at_keyword("AND")) return syntax_error();
    advance();
    return operand(out.operands[2]) && check_between(out.operands[1], out.operands[2]);
  }
  if (at_keyword("IN")) {
    advance();
    out.kind = ConditionNode::Kind::kIn;
    if (!expect(Token::Kind::kLParen)) return false;
    do {
      out.operands.emplace_back();
      if (!operand(out.operands.back())) return false;
      if (!at(Token::Kind::kComma)) break;
      advance();
    } while (true);
    if (!expect(Token::Kind::kRParen)) return false;
    if (out.operands.size() - 1 > kMaxInOperands) {
      return fail(
          "Too many operands for the IN function; the maximum is 100, number of operands: " +
          std::to_string(out.operands.size() - 1));
    }
    return true;
  }
  return syntax_error();
}

bool Parser::operand(Operand& out) {
  out = Operand{};
  if (at(Token::Kind::kValuePlaceholder)) {
    auto v = placeholders_.value(peek().text, kind_);
    if (!v) return fail(v.take_error());
    out.kind = Operand::Kind::kValue;
    out.value = std::move(*v);
    advance();
    return true;
  }
  if (at(Token::Kind::kIdentifier) && peek(1).kind == Token::Kind::kLParen) {
    std::string name(peek().text);
    if (name == "size") {
      advance();
      out.kind = Operand::Kind::kSize;
      return arguments(out.args, false) && check_arguments(name, out.args, 1) &&
             require_path(name, out.args[0]);
    }
    if (is_condition_function(name)) {
      return fail("The function is not allowed to be used this way in an expression; function: " +
                  name);
    }
    if (name == "if_not_exists" || name == "list_append") {
      return fail("The function is not allowed in a condition expression; function: " + name);
    }
    return fail("Invalid function name; function: " + name);
  }
  out.kind = Operand::Kind::kPath;
  return path(out.path);
}

bool Parser::arguments(std::vector<Operand>& out, bool update_operands) {
  if (!expect(Token::Kind::kLParen) || !enter()) return false;
  do {
    out.emplace_back();
    bool ok = update_operands ? set_value(out.back()) : operand(out.back());
    if (!ok) return false;
    if (!at(Token::Kind::kComma)) break;
    advance();
  } while (true);
  leave();
  return expect(Token::Kind::kRParen);
}

bool Parser::path(Path& out) {
  if (!path_element(out)) return false;
  while (true) {
    if (at(Token::Kind::kDot)) {
      advance();
      if (!path_element(out)) return false;
    } else if (at(Token::Kind::kLBracket)) {
      advance();
      if (!at(Token::Kind::kNumber)) return syntax_error();
      auto digits = peek().text;
      if (digits.size() > 9) return fail("List index is too large; index: " + std::string(digits));
      PathStep step;
      step.index = 0;
      for (char c : digits) step.index = step.index * 10 + (c - '0');
      advance();
      if (!expect(Token::Kind::kRBracket)) return false;
      out.push_back(std::move(step));
    } else {
      return true;
    }
  }
}

bool Parser::path_element(Path& out) {
  if (at(Token::Kind::kNamePlaceholder)) {
    auto name = placeholders_.name(peek().text, kind_);
    if (!name) return fail(name.take_error());
    out.push_back(PathStep{std::move(*name)});
    advance();
    return true;
  }
  if (!at(Token::Kind::kIdentifier)) return syntax_error();
  if (is_reserved_word(peek().text)) {
    return fail("Attribute name is a reserved keyword; reserved keyword: " +
                std::string(peek().text));
  }
  out.push_back(PathStep{std::string(peek().text)});
  advance();
  return true;
}

bool Parser::check_arguments(std::string_view function, const std::vector<Operand>& args,
                             size_t count) {
  if (args.size() == count) return true;
  return fail("Incorrect number of operands for operator or function; operator or function: " +
              std::string(function) + ", number of operands: " + std::to_string(args.size()));
}

bool Parser::require_path(std::string_view function, const Operand& o) {
  if (o.kind == Operand::Kind::kPath) return true;
  return fail("Operator or function requires a document path; operator or function: " +
              std::string(function));
}

bool Parser::check_literal_type(std::string_view function, const Operand& o,
                                std::initializer_list<Type> allowed) {
  if (o.kind != Operand::Kind::kValue) return true;
  auto t = type_of(o.value);
  if (t && std::find(allowed.begin(), allowed.end(), *t) != allowed.end()) return true;
  return fail("Incorrect operand type for operator or function; operator or function: " +
              std::string(function) + ", operand type: " + std::string(t ? type_name(*t) : ""));
}

bool Parser::check_between(const Operand& low, const Operand& high) {
  if (low.kind != Operand::Kind::kValue || high.kind != Operand::Kind::kValue) return true;
  auto t = type_of(low.value);
  if (!t || t != type_of(high.value) || (*t != Type::kN && *t != Type::kS && *t != Type::kB)) {
    return true;
  }
  if (compare_values(low.value, high.value) <= 0) return true;
  return fail(
      "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
      "lower bound operand: AttributeValue: " +
      quote_value(low.value) + ", upper bound operand: AttributeValue: " + quote_value(high.value));
}

}  // namespace nimbus::dynamodb
