// The recursive-descent parser behind parse_condition(), parse_projection()
// and parse_update() (expression.h): tokens in, AST (ast.h) out, with
// placeholders resolved and DynamoDB's messages, each prefixed with
// "Invalid <kind>: ". Internal to the model.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/dynamodb/model/ast.h"
#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/model/lexer.h"

namespace nimbus::dynamodb {

class Parser {
 public:
  Parser(std::string_view text, std::string_view kind, Placeholders& placeholders);

  Result<ConditionNode> condition();
  Result<std::vector<Path>> projection();
  Result<std::vector<UpdateAction>> update();

 private:
  // Grammar rules: false once error_ is set (the first error wins).
  bool or_expr(ConditionNode& out);
  bool and_expr(ConditionNode& out);
  bool not_expr(ConditionNode& out);
  bool primary(ConditionNode& out);
  bool function_condition(ConditionNode& out);
  bool comparison(Operand lhs, ConditionNode& out);
  bool operand(Operand& out);
  bool arguments(std::vector<Operand>& out, bool update_operands);
  bool path(Path& out);
  bool path_element(Path& out);
  bool set_action(UpdateAction& out);
  bool set_value(Operand& out);
  bool set_operand(Operand& out);
  bool value_action(UpdateAction::Kind kind, UpdateAction& out);

  // Semantic checks with DynamoDB's messages.
  bool check_arguments(std::string_view function, const std::vector<Operand>& args, size_t count);
  bool require_path(std::string_view function, const Operand& o);
  bool check_literal_type(std::string_view function, const Operand& o,
                          std::initializer_list<Type> allowed);
  bool check_between(const Operand& low, const Operand& high);

  const Token& peek(size_t ahead = 0) const;
  void advance();
  bool at(Token::Kind kind) const { return peek().kind == kind; }
  bool at_keyword(std::string_view keyword) const;
  bool expect(Token::Kind kind);
  bool enter();  // nesting depth guard
  void leave() { --depth_; }
  bool fail(std::string message);
  bool fail(Error error);
  bool syntax_error();
  bool empty_expression();

  std::string_view text_;
  std::string kind_;
  Placeholders& placeholders_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::pair<size_t, size_t> last_parens_{SIZE_MAX, SIZE_MAX};  // token span of the last (...)
  std::optional<Error> error_;
};

// "Two document paths overlap ..." / "... conflict ..." for any pair of
// `paths` (UpdateExpression targets, ProjectionExpression paths).
Status check_overlaps(const std::vector<Path>& paths, std::string_view kind);

// A key condition from a parsed KeyConditionExpression (or the tree
// KeyConditions make), checked against the schema.
Result<KeyCondition> key_condition_from_tree(const ConditionNode& root, const KeySchema& schema);

}  // namespace nimbus::dynamodb
