// PartiQL statements: SELECT, INSERT, UPDATE (SET / REMOVE / set_add /
// set_delete) and DELETE, with DynamoDB's messages.
#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/parser.h"
#include "services/dynamodb/model/partiql_parser.h"

namespace nimbus::dynamodb {
namespace {

using Kind = PqToken::Kind;

bool valid_table_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 255) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool same_path(const Operand& o, const Path& p) {
  return o.kind == Operand::Kind::kPath && o.path == p;
}

std::string_view returning_text(PartiqlStatement::Returning r) {
  switch (r) {
    case PartiqlStatement::Returning::kAllOld:
      return "ALL OLD";
    case PartiqlStatement::Returning::kModifiedOld:
      return "MODIFIED OLD";
    case PartiqlStatement::Returning::kAllNew:
      return "ALL NEW";
    case PartiqlStatement::Returning::kModifiedNew:
      return "MODIFIED NEW";
    default:
      return "";
  }
}

}  // namespace

Result<PartiqlStatement> parse_partiql(std::string_view statement, const json::array& parameters) {
  auto tokens = pq_tokenize(statement);
  if (!tokens) return partiql_syntax_error("");
  return PqParser(statement, std::move(*tokens), parameters).statement();
}

Result<PartiqlStatement> PqParser::statement() {
  PartiqlStatement out;
  bool ok = false;
  if (word("SELECT")) {
    ok = select(out);
  } else if (word("EXISTS")) {
    // EXISTS(SELECT ...): a condition check in ExecuteTransaction.
    advance();
    ok = expect_symbol("(");
    if (ok && !word("SELECT")) ok = fail(partiql_syntax_error("Expected SELECT in EXISTS"));
    ok = ok && select(out) && expect_symbol(")");
    out.kind = PartiqlStatement::Kind::kExists;
  } else if (word("INSERT")) {
    ok = insert(out);
  } else if (word("UPDATE")) {
    ok = update(out);
  } else if (word("DELETE")) {
    ok = delete_from(out);
  } else {
    ok = fail(partiql_syntax_error("Expected data manipulation"));
  }
  if (ok && symbol(";")) advance();
  if (ok && peek().kind != Kind::kEnd) {
    ok = fail(partiql_syntax_error("Unexpected token after expression"));
  }
  if (!ok) return error_ ? std::move(*error_) : partiql_syntax_error("");
  return out;
}

bool PqParser::select(PartiqlStatement& out) {
  out.kind = PartiqlStatement::Kind::kSelect;
  advance();
  const Error star_and_others = validation_error(
      "Other attributes should not be present in the projection when '*' is used.");
  if (symbol("*")) {
    advance();
    if (symbol(",")) return fail(star_and_others);
  } else {
    while (true) {
      if (symbol("*")) return fail(star_and_others);
      if (peek().kind == Kind::kWord && peek(1).kind == Kind::kSymbol && peek(1).text == "(") {
        return fail(validation_error("Unexpected path component at " + position(peek())));
      }
      Path p;
      if (!path(p)) return false;
      out.projection.push_back(std::move(p));
      if (!symbol(",")) break;
      advance();
    }
  }
  if (!expect_word("FROM")) return false;
  if (!table(out, true) || !where(out)) return false;
  if (word("ORDER")) {
    advance();
    if (!expect_word("BY")) return false;
    if (!out.where) {
      return fail(
          validation_error("Must have WHERE clause in the statement when using ORDER BY clause."));
    }
    Path p;
    if (!path(p)) return false;
    if (p.size() != 1) {
      return fail(validation_error("Variable reference " + path_to_string(p) +
                                   " in ORDER BY clause must be part of the primary key"));
    }
    out.order_by = p[0].name;
    if (word("ASC") || word("DESC")) {
      out.descending = word("DESC");
      advance();
    }
  }
  return true;
}

bool PqParser::table(PartiqlStatement& out, bool allow_index) {
  const PqToken& t = peek();
  if (t.kind != Kind::kQuoted && (t.kind != Kind::kWord || reserved(t))) {
    if (out.kind == PartiqlStatement::Kind::kSelect) return term_error();
    return fail(partiql_syntax_error("Expected identifier for simple path"));
  }
  out.table = t.text;
  advance();
  if (allow_index && symbol(".")) {
    advance();
    if (peek().kind != Kind::kQuoted && peek().kind != Kind::kWord) {
      return fail(validation_error(
          "Invalid path dot component in this operation, expecting either an IDENTIFIER or STAR."));
    }
    out.index = peek().text;
    advance();
    if (symbol(".")) {
      return fail(validation_error("A path may contain at most 2 components in the FROM clause"));
    }
  }
  if (!valid_table_name(out.table) || (!out.index.empty() && !valid_table_name(out.index))) {
    return fail(validation_error(
        "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', "
        "'-', '_', '.'."));
  }
  bool alias = word("AS") || peek().kind == Kind::kQuoted ||
               (peek().kind == Kind::kWord && !reserved(peek()));
  if (alias && out.kind != PartiqlStatement::Kind::kInsert) {
    return fail(validation_error("Aliasing is not supported"));
  }
  return true;
}

bool PqParser::where(PartiqlStatement& out) {
  if (!word("WHERE")) return true;
  advance();
  ConditionNode root;
  if (!or_expr(root)) return false;
  out.where = std::move(root);
  return true;
}

bool PqParser::returning(PartiqlStatement& out) {
  if (!word("RETURNING")) return true;
  if (out.kind == PartiqlStatement::Kind::kInsert) {
    return fail(validation_error("RETURNING is not supported in INSERT"));
  }
  advance();
  bool all = word("ALL");
  if (!all && !word("MODIFIED")) return term_error();
  advance();
  bool old = word("OLD");
  if (!old && !word("NEW")) return term_error();
  advance();
  if (!symbol("*")) {
    return fail(validation_error(
        "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"));
  }
  advance();
  using R = PartiqlStatement::Returning;
  out.returning = all ? (old ? R::kAllOld : R::kAllNew) : (old ? R::kModifiedOld : R::kModifiedNew);
  if (out.kind == PartiqlStatement::Kind::kDelete && out.returning != R::kAllOld) {
    return fail(validation_error("Invalid returning clause: RETURNING " +
                                 std::string(returning_text(out.returning)) +
                                 " *. Only RETURNING ALL OLD * is allowed in DELETE statements."));
  }
  return true;
}

bool PqParser::insert(PartiqlStatement& out) {
  out.kind = PartiqlStatement::Kind::kInsert;
  advance();
  if (!expect_word("INTO")) return false;
  if (!table(out, false)) return false;
  if (!word("VALUE")) return fail(partiql_syntax_error("Unexpected token after expression"));
  advance();
  if (!symbol("{")) {
    return fail(validation_error(
        "Unsupported format in item expression. Please use struct format {...} to express item "
        "values for insert statement."));
  }
  json::value item;
  if (!value(item, "")) return false;  // "" is the item: its attributes are each "root"
  out.item = std::move(item.as_object().begin()->value().as_object());
  auto st = normalize_item(out.item);
  if (!st) return fail(st.take_error());
  return returning(out);
}

bool PqParser::update(PartiqlStatement& out) {
  out.kind = PartiqlStatement::Kind::kUpdate;
  advance();
  if (!table(out, false)) return false;
  if (!word("SET") && !word("REMOVE")) return term_error();
  while (word("SET") || word("REMOVE")) {
    if (!(word("SET") ? set_clause(out) : remove(out))) return false;
  }
  std::vector<Path> targets;
  for (const auto& a : out.actions) targets.push_back(a.path);
  auto overlaps = check_overlaps(targets, "UpdateExpression");
  if (!overlaps) return fail(overlaps.take_error());
  return where(out) && returning(out);
}

bool PqParser::remove(PartiqlStatement& out) {
  advance();
  while (true) {
    UpdateAction a;
    a.kind = UpdateAction::Kind::kRemove;
    if (!path(a.path)) return false;
    out.actions.push_back(std::move(a));
    if (!symbol(",")) return true;
    advance();
  }
}

bool PqParser::set_clause(PartiqlStatement& out) {
  advance();
  while (true) {
    UpdateAction a;
    if (!path(a.path) || !expect_symbol("=")) return false;
    bool set_fn = (word("SET_ADD") || word("SET_DELETE")) && peek(1).text == "(";
    if (set_fn) {
      if (!set_function(a.path, a)) return false;
    } else {
      a.kind = UpdateAction::Kind::kSet;
      if (!set_expr(a.value)) return false;
    }
    out.actions.push_back(std::move(a));
    if (!symbol(",")) return true;
    advance();
  }
}

// target = set_add(target, <<..>>) is ADD; set_delete is DELETE.
bool PqParser::set_function(const Path& target, UpdateAction& out) {
  const PqToken name = peek();
  bool add = word("SET_ADD");
  std::string label = add ? "SET_ADD" : "SET_DELETE";
  advance();
  advance();  // (
  const PqToken first = peek();
  std::vector<Operand> args;
  while (!symbol(")")) {
    Operand o;
    if (!set_expr(o)) return false;
    args.push_back(std::move(o));
    if (!symbol(",")) break;
    advance();
  }
  if (!expect_symbol(")")) return false;
  if (args.size() != 2) {
    return fail(validation_error(label + " must have exactly two arguments at " + position(name)));
  }
  if (!same_path(args[0], target)) {
    return fail(validation_error("The first argument to " + label +
                                 " must equal the assignment value at " + position(name)));
  }
  auto t = args[1].kind == Operand::Kind::kValue ? type_of(args[1].value) : std::nullopt;
  if (t != Type::kSS && t != Type::kNS && t != Type::kBS) {
    return fail(validation_error("The second argument to " + label +
                                 " must be a value with type SET at " + position(first)));
  }
  out.kind = add ? UpdateAction::Kind::kAdd : UpdateAction::Kind::kDelete;
  out.value = std::move(args[1]);
  return true;
}

bool PqParser::set_expr(Operand& out) {
  if (!enter() || !set_term(out)) return false;
  while (symbol("+") || symbol("-")) {
    Operand o;
    o.kind = symbol("+") ? Operand::Kind::kPlus : Operand::Kind::kMinus;
    advance();
    Operand right;
    if (!set_term(right)) return false;
    o.args.push_back(std::move(out));
    o.args.push_back(std::move(right));
    out = std::move(o);
  }
  leave();
  return true;
}

bool PqParser::set_term(Operand& out) {
  if (symbol("(")) {
    advance();
    return set_expr(out) && expect_symbol(")");
  }
  if (peek().kind == Kind::kWord && peek(1).kind == Kind::kSymbol && peek(1).text == "(" &&
      !reserved(peek())) {
    const PqToken name = peek();
    bool append = pq_is_lower(name.text, "list_append");
    if (!append && !pq_is_lower(name.text, "if_not_exists")) {
      return fail(
          validation_error("Unrecognized function: " + lower(name.text) + " at " + position(name)));
    }
    advance();
    advance();
    out = Operand{};
    out.kind = append ? Operand::Kind::kListAppend : Operand::Kind::kIfNotExists;
    while (!symbol(")")) {
      Operand o;
      if (!set_expr(o)) return false;
      out.args.push_back(std::move(o));
      if (!symbol(",")) break;
      advance();
    }
    if (!expect_symbol(")")) return false;
    std::string fname = append ? "list_append" : "if_not_exists";
    if (out.args.size() != 2) {
      return fail(validation_error(
          "Incorrect number of operands for operator or function; operator or function: " + fname +
          ", number of operands: " + std::to_string(out.args.size())));
    }
    if (!append && out.args[0].kind != Operand::Kind::kPath) {
      return fail(validation_error(
          "Operator or function requires a document path; operator or function: " + fname));
    }
    return true;
  }
  if (starts_path()) {
    out = Operand{};
    out.kind = Operand::Kind::kPath;
    return path(out.path);
  }
  out = Operand{};
  out.kind = Operand::Kind::kValue;
  return value(out.value, "root");
}

bool PqParser::delete_from(PartiqlStatement& out) {
  out.kind = PartiqlStatement::Kind::kDelete;
  advance();
  if (!word("FROM")) return fail(partiql_syntax_error("Expected identifier for simple path"));
  advance();
  return table(out, false) && where(out) && returning(out);
}

}  // namespace nimbus::dynamodb
