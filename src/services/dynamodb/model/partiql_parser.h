// The recursive-descent parser behind parse_partiql() (partiql.h): statements
// in partiql_statements.cc, conditions and paths in partiql.cc, literals and
// parameters in partiql_values.cc. Internal to the model.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/dynamodb/model/partiql.h"
#include "services/dynamodb/model/partiql_lexer.h"

namespace nimbus::dynamodb {

class PqParser {
 public:
  PqParser(std::string_view text, std::vector<PqToken> tokens, const json::array& parameters)
      : text_(text), tokens_(std::move(tokens)), parameters_(parameters) {}

  Result<PartiqlStatement> statement();

 private:
  static constexpr int kMaxDepth = 200;

  // Statements.
  bool select(PartiqlStatement& out);
  bool insert(PartiqlStatement& out);
  bool update(PartiqlStatement& out);
  bool remove(PartiqlStatement& out);
  bool delete_from(PartiqlStatement& out);
  bool table(PartiqlStatement& out, bool allow_index);
  bool where(PartiqlStatement& out);
  bool returning(PartiqlStatement& out);
  bool set_clause(PartiqlStatement& out);
  bool set_function(const Path& target, UpdateAction& out);
  bool set_expr(Operand& out);
  bool set_term(Operand& out);

  // Conditions and paths.
  bool or_expr(ConditionNode& out);
  bool and_expr(ConditionNode& out);
  bool not_expr(ConditionNode& out);
  bool predicate(ConditionNode& out);
  bool function_condition(ConditionNode& out);
  bool in_list(Operand left, ConditionNode& out);
  bool is_test(Operand left, ConditionNode& out);
  static ConditionNode negate(ConditionNode n);
  bool operand(Operand& out);
  bool starts_path() const;
  bool path(Path& out);

  // Literals and parameters; `where` names the value in messages ("root",
  // "root.a", "root[1]"; "" for an INSERT's item, whose attributes are each
  // "root").
  bool value(json::value& out, const std::string& where);
  bool number(std::string_view text, bool negative, const std::string& where, json::value& out);
  bool tuple(json::value& out, const std::string& where);
  bool bag(json::value& out, const std::string& where);
  bool parameter(json::value& out);

  // Tokens.
  const PqToken& peek(size_t ahead = 0) const;
  void advance();
  bool word(std::string_view keyword) const;
  bool symbol(std::string_view s) const;
  bool at_end() const;
  bool reserved(const PqToken& t) const;
  bool expect_symbol(std::string_view s);
  bool expect_word(std::string_view keyword);
  bool term_error();
  bool enter();
  void leave() { --depth_; }
  bool fail(Error error);
  std::string position(const PqToken& t) const;
  static std::string lower(std::string_view s);
  static bool pq_is_lower(std::string_view word, std::string_view name);

  std::string_view text_;
  std::vector<PqToken> tokens_;
  const json::array& parameters_;
  size_t next_parameter_ = 0;
  size_t pos_ = 0;
  int depth_ = 0;
  std::optional<Error> error_;
};

}  // namespace nimbus::dynamodb
