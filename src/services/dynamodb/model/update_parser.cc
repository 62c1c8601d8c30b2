// UpdateExpression and ProjectionExpression; parser.cc has the shared rules.
#include <algorithm>
#include <array>

#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/parser.h"

namespace nimbus::dynamodb {
namespace {

// Type words in ADD/DELETE operand messages.
std::string_view type_word(Type t) {
  switch (t) {
    case Type::kS:
      return "STRING";
    case Type::kN:
      return "NUMBER";
    case Type::kB:
      return "BINARY";
    case Type::kBool:
      return "BOOLEAN";
    case Type::kNull:
      return "NULL";
    case Type::kL:
      return "LIST";
    case Type::kM:
      return "MAP";
    default:
      return type_name(t);
  }
}

// "[a, b, [2]]"
std::string path_list(const Path& path) {
  std::string out = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out += ", ";
    out += path[i].is_index() ? "[" + std::to_string(path[i].index) + "]" : path[i].name;
  }
  return out + "]";
}

constexpr std::array<std::string_view, 4> kClauses = {"SET", "REMOVE", "ADD", "DELETE"};

}  // namespace

std::string path_to_string(const Path& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i].is_index()) {
      out += "[" + std::to_string(path[i].index) + "]";
    } else {
      if (i > 0) out += '.';
      out += path[i].name;
    }
  }
  return out;
}

Status check_overlaps(const std::vector<Path>& paths, std::string_view kind) {
  for (size_t j = 1; j < paths.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      const Path& a = paths[i];
      const Path& b = paths[j];
      size_t n = std::min(a.size(), b.size());
      size_t k = 0;
      while (k < n && a[k] == b[k]) ++k;
      std::string which;
      if (k == n) {
        which = "overlap";
      } else if (k > 0 && a[k].is_index() != b[k].is_index()) {
        which = "conflict";
      } else {
        continue;
      }
      return validation_error("Invalid " + std::string(kind) + ": Two document paths " + which +
                              " with each other; must remove or rewrite one of these paths; path "
                              "one: " +
                              path_list(a) + ", path two: " + path_list(b));
    }
  }
  return Status::ok();
}

Result<std::vector<Path>> Parser::projection() {
  std::vector<Path> paths;
  if (empty_expression()) {
    do {
      paths.emplace_back();
      if (!path(paths.back())) break;
      if (!at(Token::Kind::kComma)) {
        if (!at(Token::Kind::kEnd)) syntax_error();
        break;
      }
      advance();
    } while (true);
  }
  if (error_) return *error_;
  NIMBUS_TRY(check_overlaps(paths, kind_));
  return paths;
}

Result<std::vector<UpdateAction>> Parser::update() {
  std::vector<UpdateAction> actions;
  std::array<bool, 4> seen{};
  if (empty_expression()) {
    while (!at(Token::Kind::kEnd)) {
      size_t clause = 0;
      while (clause < kClauses.size() && !at_keyword(kClauses[clause])) ++clause;
      if (clause == kClauses.size()) {
        syntax_error();
        break;
      }
      if (seen[clause]) {
        fail("The \"" + std::string(kClauses[clause]) +
             "\" section can only be used once in an update expression;");
        break;
      }
      seen[clause] = true;
      advance();
      bool ok = true;
      do {
        actions.emplace_back();
        UpdateAction& a = actions.back();
        switch (clause) {
          case 0:
            ok = set_action(a);
            break;
          case 1:
            a.kind = UpdateAction::Kind::kRemove;
            ok = path(a.path);
            break;
          case 2:
            ok = value_action(UpdateAction::Kind::kAdd, a);
            break;
          default:
            ok = value_action(UpdateAction::Kind::kDelete, a);
            break;
        }
        if (!ok || !at(Token::Kind::kComma)) break;
        advance();
      } while (true);
      if (!ok) break;
    }
  }
  if (error_) return *error_;
  std::vector<Path> paths;
  for (const auto& a : actions) paths.push_back(a.path);
  NIMBUS_TRY(check_overlaps(paths, kind_));
  return actions;
}

bool Parser::set_action(UpdateAction& out) {
  out.kind = UpdateAction::Kind::kSet;
  return path(out.path) && expect(Token::Kind::kEq) && set_value(out.value);
}

bool Parser::set_value(Operand& out) {
  Operand left;
  if (!set_operand(left)) return false;
  if (!at(Token::Kind::kPlus) && !at(Token::Kind::kMinus)) {
    out = std::move(left);
    return true;
  }
  bool plus = at(Token::Kind::kPlus);
  advance();
  Operand right;
  if (!set_operand(right)) return false;
  out = Operand{};
  out.kind = plus ? Operand::Kind::kPlus : Operand::Kind::kMinus;
  std::string_view op = plus ? "+" : "-";
  if (!check_literal_type(op, left, {Type::kN}) || !check_literal_type(op, right, {Type::kN})) {
    return false;
  }
  out.args.push_back(std::move(left));
  out.args.push_back(std::move(right));
  return true;
}

bool Parser::set_operand(Operand& out) {
  if (at(Token::Kind::kLParen)) {
    advance();
    if (!enter()) return false;
    bool ok = set_value(out) && expect(Token::Kind::kRParen);
    leave();
    return ok;
  }
  if (at(Token::Kind::kIdentifier) && peek(1).kind == Token::Kind::kLParen) {
    std::string name(peek().text);
    out = Operand{};
    if (name == "if_not_exists") {
      advance();
      out.kind = Operand::Kind::kIfNotExists;
      return arguments(out.args, true) && check_arguments(name, out.args, 2) &&
             require_path(name, out.args[0]);
    }
    if (name == "list_append") {
      advance();
      out.kind = Operand::Kind::kListAppend;
      return arguments(out.args, true) && check_arguments(name, out.args, 2) &&
             check_literal_type(name, out.args[0], {Type::kL}) &&
             check_literal_type(name, out.args[1], {Type::kL});
    }
    if (name == "size" || name == "attribute_exists" || name == "attribute_not_exists" ||
        name == "attribute_type" || name == "begins_with" || name == "contains") {
      return fail("The function is not allowed in an update expression; function: " + name);
    }
    return fail("Invalid function name; function: " + name);
  }
  return operand(out);
}

bool Parser::value_action(UpdateAction::Kind kind, UpdateAction& out) {
  out.kind = kind;
  if (!path(out.path)) return false;
  if (!at(Token::Kind::kValuePlaceholder)) return syntax_error();
  if (!operand(out.value)) return false;
  auto t = type_of(out.value.value);
  bool ok = t == Type::kSS || t == Type::kNS || t == Type::kBS ||
            (kind == UpdateAction::Kind::kAdd && t == Type::kN);
  if (ok) return true;
  return fail(std::string("Incorrect operand type for operator or function; operator: ") +
              (kind == UpdateAction::Kind::kAdd ? "ADD" : "DELETE") +
              ", operand type: " + std::string(t ? type_word(*t) : ""));
}

}  // namespace nimbus::dynamodb
