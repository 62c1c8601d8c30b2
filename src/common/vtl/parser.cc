// Template text to the tree of ast.h: text, references and directives;
// a recursive-descent parser for the expressions inside directives.
#include <cctype>
#include <charconv>
#include <cstring>
#include <set>

#include "common/vtl/ast.h"

namespace nimbus::vtl {

namespace {

namespace json = boost::json;

constexpr int kMaxDepth = 100;  // nested blocks, expressions and strings

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
// Velocity 1.7 names may hold '-' after their first character
// ($context.responseOverride.header.Retry-After).
bool name_char(char c) {
  return ident_char(c) || c == '-';
}

class Parser {
 public:
  Parser(std::string_view text, int depth) : t_(text), depth_(depth) {}

  // The whole text as one block; anything left over (an #end without its
  // directive) is an error.
  std::variant<Block, Error> top() {
    Block block;
    std::string stop;
    if (!parse_block(block, stop)) return error_;
    if (!stop.empty()) return fail_at(stop_pos_, "#" + stop + " without a matching directive");
    return block;
  }

 private:
  std::string_view t_;
  size_t p_ = 0;

 public:
  std::set<std::string, std::less<>> roots_;  // the variables the text names

 private:
  int depth_;
  Error error_;
  size_t stop_pos_ = 0;

  bool at_end() const { return p_ >= t_.size(); }
  char peek(size_t ahead = 0) const { return p_ + ahead < t_.size() ? t_[p_ + ahead] : '\0'; }

  Error fail_at(size_t pos, std::string message) {
    Error e;
    e.message = std::move(message);
    e.line = 1;
    size_t last_nl = std::string_view::npos;
    for (size_t i = 0; i < pos && i < t_.size(); ++i) {
      if (t_[i] == '\n') {
        ++e.line;
        last_nl = i;
      }
    }
    e.column = last_nl == std::string_view::npos ? pos + 1 : pos - last_nl;
    error_ = e;
    return e;
  }
  bool fail_pos(size_t pos, std::string message) {
    fail_at(pos, std::move(message));
    return false;
  }
  bool fail(std::string message) {
    fail_at(p_, std::move(message));
    return false;
  }
  std::nullptr_t fail_expr(std::string message) {
    fail_at(p_, std::move(message));
    return nullptr;
  }

  // Line and column of `pos` (positions asked for only grow, so counting
  // goes on from the last answer).
  size_t seen_ = 0, seen_line_ = 1, seen_line_start_ = 0;
  void locate(size_t pos, size_t& line, size_t& column) {
    if (pos < seen_) {
      seen_ = 0;
      seen_line_ = 1;
      seen_line_start_ = 0;
    }
    for (; seen_ < pos && seen_ < t_.size(); ++seen_) {
      if (t_[seen_] == '\n') {
        ++seen_line_;
        seen_line_start_ = seen_ + 1;
      }
    }
    line = seen_line_;
    column = pos - seen_line_start_ + 1;
  }

  void skip_space() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(peek()))) ++p_;
  }

  std::string identifier() {
    size_t start = p_;
    while (!at_end() && name_char(peek())) ++p_;
    return std::string(t_.substr(start, p_ - start));
  }

  // The directive name after '#' (or "#{"), without moving; empty when none.
  std::string directive_at(size_t pos, size_t& end) const {
    size_t q = pos + 1;
    bool braced = q < t_.size() && t_[q] == '{';
    if (braced) ++q;
    size_t start = q;
    while (q < t_.size() && std::isalpha(static_cast<unsigned char>(t_[q]))) ++q;
    std::string name(t_.substr(start, q - start));
    static const char* const kNames[] = {"set", "if",      "elseif", "else",
                                         "end", "foreach", "break",  "stop"};
    bool known = false;
    for (const char* n : kNames) known = known || name == n;
    if (!known) return "";
    if (braced) {
      if (q >= t_.size() || t_[q] != '}') return "";
      ++q;
    }
    end = q;
    return name;
  }

  // Velocity's line rule: a directive alone on its line (blanks around it)
  // takes the line's indentation and line break with it.
  void gobble_line(Block& block, size_t directive_start) {
    size_t line_start = directive_start;
    while (line_start > 0 && (t_[line_start - 1] == ' ' || t_[line_start - 1] == '\t'))
      --line_start;
    if (line_start > 0 && t_[line_start - 1] != '\n') return;
    size_t q = p_;
    while (q < t_.size() && (t_[q] == ' ' || t_[q] == '\t')) ++q;
    if (q < t_.size() && t_[q] == '\r') ++q;
    if (q < t_.size() && t_[q] != '\n') return;
    p_ = q < t_.size() ? q + 1 : q;
    size_t indent = directive_start - line_start;
    if (indent > 0 && !block.empty() && block.back().kind == Node::Kind::kText) {
      auto& text = block.back().text;
      text.resize(text.size() - std::min(indent, text.size()));
      if (text.empty()) block.pop_back();
    }
  }

  void add_text(Block& block, std::string_view s) {
    if (s.empty()) return;
    if (block.empty() || block.back().kind != Node::Kind::kText) {
      Node n;
      n.kind = Node::Kind::kText;
      block.push_back(std::move(n));
    }
    block.back().text.append(s);
  }

  // Parses nodes until the end or an #end/#else/#elseif (named in `stop`,
  // consumed, with stop_pos_ where it began).
  bool parse_block(Block& block, std::string& stop) {
    if (++depth_ > kMaxDepth) return fail("the template nests too deeply");
    while (!at_end()) {
      char c = peek();
      if (c == '#') {
        if (peek(1) == '#') {
          while (!at_end() && peek() != '\n') ++p_;
          if (!at_end()) ++p_;
          continue;
        }
        if (peek(1) == '*') {
          size_t end = t_.find("*#", p_ + 2);
          if (end == std::string_view::npos) return fail("unterminated #* comment");
          p_ = end + 2;
          continue;
        }
        if (peek(1) == '[' && peek(2) == '[') {
          size_t end = t_.find("]]#", p_ + 3);
          if (end == std::string_view::npos) return fail("unterminated #[[ block");
          add_text(block, t_.substr(p_ + 3, end - p_ - 3));
          p_ = end + 3;
          continue;
        }
        size_t end = 0;
        std::string name = directive_at(p_, end);
        if (name.empty()) {
          add_text(block, "#");
          ++p_;
          continue;
        }
        size_t start = p_;
        p_ = end;
        if (name == "end" || name == "else" || name == "elseif") {
          stop = name;
          stop_pos_ = start;
          if (name != "elseif") gobble_line(block, start);
          --depth_;
          return true;
        }
        if (!directive(block, name, start)) return false;
        continue;
      }
      if (c == '$') {
        size_t q = p_ + 1;
        if (q < t_.size() && t_[q] == '!') ++q;
        if (q < t_.size() && t_[q] == '{') ++q;
        if (q < t_.size() && ident_start(t_[q])) {
          Node n;
          n.kind = Node::Kind::kRef;
          if (!reference(n.ref)) return false;
          block.push_back(std::move(n));
          continue;
        }
        add_text(block, "$");
        ++p_;
        continue;
      }
      size_t next = t_.find_first_of("#$", p_);
      if (next == std::string_view::npos) next = t_.size();
      add_text(block, t_.substr(p_, next - p_));
      p_ = next;
    }
    --depth_;
    return true;
  }

  bool expect(char c, const char* what) {
    skip_space();
    if (peek() != c) return fail(std::string("expected ") + what);
    ++p_;
    return true;
  }

  bool directive(Block& block, const std::string& name, size_t start) {
    Node n;
    if (name == "break" || name == "stop") {
      n.kind = name == "break" ? Node::Kind::kBreak : Node::Kind::kStop;
      gobble_line(block, start);
      block.push_back(std::move(n));
      return true;
    }
    skip_space();
    if (!expect('(', "'(' after the directive")) return false;
    if (name == "set") {
      n.kind = Node::Kind::kSet;
      skip_space();
      if (peek() != '$') return fail("#set needs a reference to assign");
      if (!reference(n.ref)) return false;
      for (const auto& s : n.ref.steps) {
        if (s.kind == Ref::Step::Kind::kMethod) return fail("#set cannot assign to a method call");
      }
      if (!expect('=', "'=' in #set")) return false;
      n.value = expression();
      if (!n.value) return false;
      if (!expect(')', "')' closing #set")) return false;
      gobble_line(block, start);
      block.push_back(std::move(n));
      return true;
    }
    if (name == "foreach") {
      n.kind = Node::Kind::kForeach;
      skip_space();
      if (peek() != '$') return fail("#foreach needs a loop variable");
      Ref var;
      if (!reference(var)) return false;
      if (!var.steps.empty()) return fail("#foreach's loop variable is a plain name");
      n.var = var.root;
      skip_space();
      if (t_.substr(p_, 2) != "in" || ident_char(peek(2))) return fail("expected 'in' in #foreach");
      p_ += 2;
      n.value = expression();
      if (!n.value) return false;
      if (!expect(')', "')' closing #foreach")) return false;
      gobble_line(block, start);
      n.blocks.emplace_back();
      std::string stop;
      if (!parse_block(n.blocks[0], stop)) return false;
      if (stop != "end") return fail_pos(stop.empty() ? p_ : stop_pos_, "#foreach without #end");
      block.push_back(std::move(n));
      return true;
    }
    // #if (#elseif ...)* (#else)? #end
    n.kind = Node::Kind::kIf;
    ExprPtr cond = expression();
    if (!cond) return false;
    if (!expect(')', "')' closing #if")) return false;
    gobble_line(block, start);
    for (;;) {
      n.conditions.push_back(std::move(cond));
      n.blocks.emplace_back();
      std::string stop;
      if (!parse_block(n.blocks.back(), stop)) return false;
      if (stop == "end") break;
      if (stop == "elseif") {
        size_t here = stop_pos_;
        if (!expect('(', "'(' after #elseif")) return false;
        cond = expression();
        if (!cond) return false;
        if (!expect(')', "')' closing #elseif")) return false;
        gobble_line(n.blocks.back(), here);
        continue;
      }
      if (stop == "else") {
        n.blocks.emplace_back();
        std::string last;
        if (!parse_block(n.blocks.back(), last)) return false;
        if (last != "end") return fail_pos(last.empty() ? p_ : stop_pos_, "#else without #end");
        break;
      }
      return fail("#if without #end");
    }
    block.push_back(std::move(n));
    return true;
  }

  // $name, $!name, ${name}, $!{name}, then .property, .method(args), [index].
  bool reference(Ref& ref) {
    size_t start = p_;
    locate(start, ref.line, ref.column);
    ++p_;  // '$'
    if (peek() == '!') {
      ref.quiet = true;
      ++p_;
    }
    bool braced = peek() == '{';
    if (braced) ++p_;
    if (!ident_start(peek())) return fail("expected a name after '$'");
    ref.root = identifier();
    roots_.insert(ref.root);
    if (++depth_ > kMaxDepth) return fail("the template nests too deeply");
    for (;;) {
      if (peek() == '.' && ident_start(peek(1))) {
        ++p_;
        Ref::Step step;
        step.name = identifier();
        if (peek() == '(') {
          ++p_;
          step.kind = Ref::Step::Kind::kMethod;
          skip_space();
          if (peek() != ')') {
            for (;;) {
              ExprPtr arg = expression();
              if (!arg) return false;
              step.args.push_back(std::move(arg));
              skip_space();
              if (peek() == ',') {
                ++p_;
                continue;
              }
              break;
            }
          }
          if (!expect(')', "')' closing the arguments")) return false;
        }
        ref.steps.push_back(std::move(step));
        continue;
      }
      if (peek() == '[') {
        ++p_;
        Ref::Step step;
        step.kind = Ref::Step::Kind::kIndex;
        step.index = expression();
        if (!step.index) return false;
        if (!expect(']', "']' closing the index")) return false;
        ref.steps.push_back(std::move(step));
        continue;
      }
      break;
    }
    --depth_;
    if (braced && !expect('}', "'}' closing the reference")) return false;
    ref.source = std::string(t_.substr(start, p_ - start));
    return true;
  }

  // Expressions, lowest precedence first.
  bool word(const char* w) {
    size_t n = std::strlen(w);
    if (t_.substr(p_, n) != w || ident_char(peek(n))) return false;
    p_ += n;
    return true;
  }
  bool symbol(const char* s) {
    size_t n = std::strlen(s);
    if (t_.substr(p_, n) != s) return false;
    p_ += n;
    return true;
  }

  ExprPtr binary(std::string op, ExprPtr a, ExprPtr b) {
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kBinary;
    e->op = std::move(op);
    e->a = std::move(a);
    e->b = std::move(b);
    return e;
  }

  ExprPtr expression() {
    if (++depth_ > kMaxDepth) return fail_expr("the template nests too deeply");
    ExprPtr e = or_expr();
    --depth_;
    return e;
  }

  ExprPtr or_expr() {
    ExprPtr a = and_expr();
    while (a) {
      skip_space();
      if (!symbol("||") && !word("or")) return a;
      ExprPtr b = and_expr();
      if (!b) return nullptr;
      a = binary("||", a, b);
    }
    return a;
  }
  ExprPtr and_expr() {
    ExprPtr a = equality();
    while (a) {
      skip_space();
      if (!symbol("&&") && !word("and")) return a;
      ExprPtr b = equality();
      if (!b) return nullptr;
      a = binary("&&", a, b);
    }
    return a;
  }
  ExprPtr equality() {
    ExprPtr a = relational();
    while (a) {
      skip_space();
      std::string op;
      if (symbol("==") || word("eq"))
        op = "==";
      else if (symbol("!=") || word("ne"))
        op = "!=";
      else
        return a;
      ExprPtr b = relational();
      if (!b) return nullptr;
      a = binary(op, a, b);
    }
    return a;
  }
  ExprPtr relational() {
    ExprPtr a = additive();
    while (a) {
      skip_space();
      std::string op;
      if (symbol("<=") || word("le"))
        op = "<=";
      else if (symbol(">=") || word("ge"))
        op = ">=";
      else if (symbol("<") || word("lt"))
        op = "<";
      else if (symbol(">") || word("gt"))
        op = ">";
      else
        return a;
      ExprPtr b = additive();
      if (!b) return nullptr;
      a = binary(op, a, b);
    }
    return a;
  }
  ExprPtr additive() {
    ExprPtr a = multiplicative();
    while (a) {
      skip_space();
      char c = peek();
      if (c != '+' && c != '-') return a;
      ++p_;
      ExprPtr b = multiplicative();
      if (!b) return nullptr;
      a = binary(std::string(1, c), a, b);
    }
    return a;
  }
  ExprPtr multiplicative() {
    ExprPtr a = unary();
    while (a) {
      skip_space();
      char c = peek();
      if (c != '*' && c != '/' && c != '%') return a;
      ++p_;
      ExprPtr b = unary();
      if (!b) return nullptr;
      a = binary(std::string(1, c), a, b);
    }
    return a;
  }
  ExprPtr unary() {
    skip_space();
    if (++depth_ > kMaxDepth) return fail_expr("the template nests too deeply");
    ExprPtr result;
    if ((peek() == '!' && peek(1) != '=') || word("not")) {
      if (peek() == '!') ++p_;
      ExprPtr a = unary();
      if (a) {
        auto e = std::make_shared<Expr>();
        e->kind = Expr::Kind::kNot;
        e->a = std::move(a);
        result = e;
      }
    } else if (peek() == '-' && !std::isdigit(static_cast<unsigned char>(peek(1)))) {
      ++p_;
      ExprPtr a = unary();
      if (a) {
        auto e = std::make_shared<Expr>();
        e->kind = Expr::Kind::kNeg;
        e->a = std::move(a);
        result = e;
      }
    } else {
      result = primary();
    }
    --depth_;
    return result;
  }

  ExprPtr literal(json::value v) {
    auto e = std::make_shared<Expr>();
    e->literal = std::move(v);
    return e;
  }

  ExprPtr number() {
    size_t start = p_;
    if (peek() == '-') ++p_;
    while (std::isdigit(static_cast<unsigned char>(peek()))) ++p_;
    bool decimal = peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)));
    if (decimal) {
      ++p_;
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++p_;
    }
    std::string_view s = t_.substr(start, p_ - start);
    if (decimal) {
      double d = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), d);
      if (r.ec != std::errc()) return fail_expr("a number out of range");
      return literal(d);
    }
    int64_t i = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), i);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      return fail_expr("a number out of range");
    return literal(i);
  }

  ExprPtr string_literal() {
    char quote = peek();
    size_t start = ++p_;
    std::string text;
    for (;;) {
      if (at_end()) {
        fail_at(start - 1, "unterminated string");
        return nullptr;
      }
      char c = peek();
      if (c == '\\' && quote == '"' && peek(1) == '"') {
        text += "\\\"";
        p_ += 2;
        continue;
      }
      if (c == quote) {
        if (peek(1) == quote) {  // doubled: the quote itself
          text += quote;
          p_ += 2;
          continue;
        }
        ++p_;
        break;
      }
      text += c;
      ++p_;
    }
    if (quote == '\'' || text.find_first_of("$#") == std::string::npos)
      return literal(json::string(text));
    Parser inner(text, depth_);
    auto parsed = inner.top();
    roots_.merge(inner.roots_);
    if (auto* e = std::get_if<Error>(&parsed)) return fail_expr("in a string: " + e->message);
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kString;
    e->body = std::make_shared<const Block>(std::move(std::get<Block>(parsed)));
    return e;
  }

  ExprPtr primary() {
    skip_space();
    char c = peek();
    if (c == '(') {
      ++p_;
      ExprPtr e = expression();
      if (!e || !expect(')', "')'")) return nullptr;
      return e;
    }
    if (c == '$') {
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kRef;
      if (!reference(e->ref)) return nullptr;
      return e;
    }
    if (c == '"' || c == '\'') return string_literal();
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '-' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
      return number();
    }
    if (word("true")) return literal(true);
    if (word("false")) return literal(false);
    if (word("null")) return literal(nullptr);
    if (c == '[') return list();
    if (c == '{') return map();
    return fail_expr(at_end() ? "unexpected end of the template"
                              : "unexpected character in an expression");
  }

  ExprPtr list() {
    ++p_;  // '['
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kList;
    skip_space();
    if (peek() == ']') {
      ++p_;
      return e;
    }
    for (;;) {
      ExprPtr item = expression();
      if (!item) return nullptr;
      skip_space();
      if (e->items.empty() && symbol("..")) {
        e->kind = Expr::Kind::kRange;
        e->a = item;
        e->b = expression();
        if (!e->b || !expect(']', "']' closing the range")) return nullptr;
        return e;
      }
      e->items.push_back(std::move(item));
      skip_space();
      if (peek() == ',') {
        ++p_;
        continue;
      }
      if (!expect(']', "']' closing the list")) return nullptr;
      return e;
    }
  }

  ExprPtr map() {
    ++p_;  // '{'
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kMap;
    skip_space();
    if (peek() == '}') {
      ++p_;
      return e;
    }
    for (;;) {
      ExprPtr key = expression();
      if (!key || !expect(':', "':' after a map key")) return nullptr;
      ExprPtr value = expression();
      if (!value) return nullptr;
      e->items.push_back(std::move(key));
      e->items.push_back(std::move(value));
      skip_space();
      if (peek() == ',') {
        ++p_;
        continue;
      }
      if (!expect('}', "'}' closing the map")) return nullptr;
      return e;
    }
  }
};

}  // namespace

std::variant<Template, Error> Template::parse(std::string_view text) {
  Parser parser(text, 0);
  auto parsed = parser.top();
  if (auto* e = std::get_if<Error>(&parsed)) return *e;
  Template t;
  t.body_ = std::make_shared<const Block>(std::move(std::get<Block>(parsed)));
  t.roots_ = std::make_shared<const std::set<std::string, std::less<>>>(std::move(parser.roots_));
  return t;
}

}  // namespace nimbus::vtl
