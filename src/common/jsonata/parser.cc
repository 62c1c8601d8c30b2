// Tokenizer and Pratt parser for JSONata, then the pass that turns `.`,
// `[ ]`, `{ }` and `^( )` chains into paths with steps, as JSONata's own
// parser does before evaluation. Binding powers are JSONata's.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "common/jsonata/ast.h"
#include "common/jsonata/eval.h"
#include "common/jsonata/jsonata.h"
#include "common/jsonata/regex.h"

namespace nimbus::jsonata {
namespace {

enum class Tok { kEnd, kOperator, kString, kNumber, kName, kVariable, kValue, kRegex };

struct Token {
  Tok type = Tok::kEnd;
  std::string text;  // operator, name, string value, "true"/"false"/"null"
  double number = 0;
  size_t position = 0;                 // just past the token
  std::shared_ptr<const Regex> regex;  // kRegex
};

constexpr int kMaxParseDepth = 300;

int binding_power(const Token& t) {
  if (t.type != Tok::kOperator) return 0;
  static const std::pair<const char*, int> kPowers[] = {
      {".", 75},  {"[", 80},   {"{", 70},  {"(", 80},  {"@", 80},  {"#", 80},  {"?", 20},
      {"+", 50},  {"-", 50},   {"*", 60},  {"/", 60},  {"%", 60},  {"=", 40},  {"<", 40},
      {">", 40},  {"^", 40},   {"**", 60}, {":=", 10}, {"!=", 40}, {"<=", 40}, {">=", 40},
      {"~>", 40}, {"and", 30}, {"or", 25}, {"in", 40}, {"&", 50}};
  for (const auto& [op, bp] : kPowers) {
    if (t.text == op) return bp;
  }
  return 0;
}

bool is_operator_char(char c) {
  return std::strchr(".[]{}(),@#;:?+-*/%|=<>^&!~", c) != nullptr;
}

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src) {}

  std::variant<NodePtr, Error> run() {
    advance(false);
    NodePtr root = expression(0);
    if (!error_ && cur_.type != Tok::kEnd) fail("S0201", "Syntax error: \"" + cur_.text + "\"");
    if (!error_) root = process(root);
    if (!error_ && (root->type == NodeType::kParent || !root->seeking.empty())) {
      fail_at("S0217",
              "The object representing the 'parent' cannot be derived from this expression",
              root->position);
    }
    if (error_) return *error_;
    return root;
  }

 private:
  // --- tokenizer ---
  void advance(bool infix) {
    if (error_) return;
    cur_ = Token{};
    for (;;) {
      while (pos_ < src_.size() && std::strchr(" \t\n\r\v\f", src_[pos_]) != nullptr) ++pos_;
      if (pos_ + 1 < src_.size() && src_[pos_] == '/' && src_[pos_ + 1] == '*') {
        auto end = src_.find("*/", pos_ + 2);
        if (end == std::string_view::npos)
          return fail_at("S0106", "Comment has no closing tag", pos_);
        pos_ = end + 2;
        continue;
      }
      break;
    }
    if (pos_ >= src_.size()) {
      cur_.type = Tok::kEnd;
      cur_.position = pos_;
      return;
    }
    char c = src_[pos_];
    if (c == '/' && !infix) return regex_token();
    static const char* kTwo[] = {"..", ":=", "!=", ">=", "<=", "**", "~>"};
    for (const char* op : kTwo) {
      if (src_.substr(pos_, 2) == op) return op_token(op, 2);
    }
    if (is_operator_char(c)) return op_token(std::string(1, c), 1);
    if (c == '"' || c == '\'') return string_token(c);
    if (c >= '0' && c <= '9') return number_token();
    if (c == '`') {
      auto end = src_.find('`', pos_ + 1);
      if (end == std::string_view::npos)
        return fail_at("S0105", "Quoted property name must be terminated with a backquote (`)",
                       pos_);
      cur_.type = Tok::kName;
      cur_.text = std::string(src_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      cur_.position = pos_;
      return;
    }
    size_t start = pos_;
    while (pos_ < src_.size() && !is_operator_char(src_[pos_]) &&
           std::strchr(" \t\n\r\v\f", src_[pos_]) == nullptr) {
      ++pos_;
    }
    std::string word(src_.substr(start, pos_ - start));
    cur_.position = pos_;
    if (word[0] == '$') {
      cur_.type = Tok::kVariable;
      cur_.text = word.substr(1);
    } else if (word == "and" || word == "or" || word == "in") {
      cur_.type = Tok::kOperator;
      cur_.text = word;
    } else if (word == "true" || word == "false" || word == "null") {
      cur_.type = Tok::kValue;
      cur_.text = word;
    } else {
      cur_.type = Tok::kName;
      cur_.text = word;
    }
  }

  void op_token(std::string op, size_t len) {
    pos_ += len;
    cur_.type = Tok::kOperator;
    cur_.text = std::move(op);
    cur_.position = pos_;
  }

  void string_token(char quote) {
    size_t start = pos_++;
    std::string out;
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == quote) {
        ++pos_;
        cur_.type = Tok::kString;
        cur_.text = std::move(out);
        cur_.position = pos_;
        return;
      }
      if (c == '\\') {
        if (++pos_ >= src_.size()) break;
        char e = src_[pos_];
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            auto hex4 = [&](size_t at) -> std::optional<uint32_t> {
              if (at + 4 > src_.size()) return std::nullopt;
              uint32_t v = 0;
              for (size_t i = at; i < at + 4; ++i) {
                char h = src_[i];
                v <<= 4;
                if (h >= '0' && h <= '9')
                  v |= static_cast<uint32_t>(h - '0');
                else if (h >= 'a' && h <= 'f')
                  v |= static_cast<uint32_t>(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F')
                  v |= static_cast<uint32_t>(h - 'A' + 10);
                else
                  return std::nullopt;
              }
              return v;
            };
            auto cp = hex4(pos_ + 1);
            if (!cp)
              return fail_at("S0104", "The escape sequence \\u must be followed by 4 hex digits",
                             pos_);
            pos_ += 4;
            if (*cp >= 0xD800 && *cp < 0xDC00 && pos_ + 2 < src_.size() && src_[pos_ + 1] == '\\' &&
                src_[pos_ + 2] == 'u') {
              auto low = hex4(pos_ + 3);
              if (low && *low >= 0xDC00 && *low < 0xE000) {
                *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
                pos_ += 6;
              }
            }
            append_utf8(out, *cp);
            break;
          }
          default:
            return fail_at("S0103", std::string("Unsupported escape sequence: \\") + e, pos_);
        }
        ++pos_;
        continue;
      }
      out += c;
      ++pos_;
    }
    fail_at("S0101", "String literal must be terminated by a matching quote", start);
  }

  // `/pattern/flags` where an operand goes. The closing slash is the first
  // unescaped one outside (), [] and {}, as JSONata scans it; flags are i
  // and m.
  void regex_token() {
    size_t start = ++pos_;
    int depth = 0;
    auto escaped = [&](size_t at) {
      size_t backslashes = 0;
      while (at > start + backslashes && src_[at - backslashes - 1] == '\\') ++backslashes;
      return backslashes % 2 == 1;
    };
    for (; pos_ < src_.size(); ++pos_) {
      char c = src_[pos_];
      if (c == '/' && depth == 0 && !escaped(pos_)) break;
      if (std::strchr("([{", c) != nullptr && !escaped(pos_)) ++depth;
      if (std::strchr(")]}", c) != nullptr && !escaped(pos_)) --depth;
    }
    if (pos_ >= src_.size())
      return fail_at("S0302", "No terminating / in regular expression", pos_);
    std::string_view pattern = src_.substr(start, pos_ - start);
    if (pattern.empty()) return fail_at("S0301", "Empty regular expressions are not allowed", pos_);
    size_t flags_at = ++pos_;
    while (pos_ < src_.size() && (src_[pos_] == 'i' || src_[pos_] == 'm')) ++pos_;
    auto compiled = Regex::compile(pattern, src_.substr(flags_at, pos_ - flags_at));
    if (auto* message = std::get_if<std::string>(&compiled)) {
      return fail_at("S0303", "Invalid regular expression: " + *message, pos_);
    }
    cur_.type = Tok::kRegex;
    cur_.text = std::string(pattern);
    cur_.regex = std::get<std::shared_ptr<const Regex>>(compiled);
    cur_.position = pos_;
  }

  void number_token() {
    size_t start = pos_;
    auto digits = [&] {
      while (pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '9') ++pos_;
    };
    if (src_[pos_] == '0')
      ++pos_;
    else
      digits();
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && src_[pos_ + 1] >= '0' &&
        src_[pos_ + 1] <= '9') {
      ++pos_;
      digits();
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t save = pos_++;
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) ++pos_;
      if (pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '9')
        digits();
      else
        pos_ = save;
    }
    std::string text(src_.substr(start, pos_ - start));
    double d = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(d)) return fail_at("S0102", "Number out of range: " + text, pos_);
    cur_.type = Tok::kNumber;
    cur_.number = d;
    cur_.text = text;
    cur_.position = pos_;
  }

  // --- parser ---
  bool is_op(const char* op) const { return cur_.type == Tok::kOperator && cur_.text == op; }

  void expect(const char* op, bool infix) {
    if (error_) return;
    if (cur_.type == Tok::kEnd) {
      return fail("S0203", std::string("Expected \"") + op + "\" before end of expression");
    }
    if (!is_op(op)) {
      return fail("S0202", std::string("Expected \"") + op + "\", got \"" + cur_.text + "\"");
    }
    advance(infix);
  }

  NodePtr node(NodeType type, size_t position) {
    auto n = std::make_shared<Node>();
    n->type = type;
    n->position = position;
    return n;
  }

  NodePtr expression(int rbp) {
    if (error_) return nullptr;
    if (++depth_ > kMaxParseDepth) {
      fail("U1001", "Expression nested too deeply");
      return nullptr;
    }
    Token t = cur_;
    advance(true);
    NodePtr left = nud(t);
    while (!error_ && rbp < binding_power(cur_)) {
      t = cur_;
      advance(false);
      left = led(t, left);
    }
    --depth_;
    return error_ ? nullptr : left;
  }

  NodePtr nud(const Token& t) {
    if (error_) return nullptr;
    switch (t.type) {
      case Tok::kEnd:
        fail("S0207", "Unexpected end of expression");
        return nullptr;
      case Tok::kNumber: {
        auto n = node(NodeType::kNumber, t.position);
        n->number = t.number;
        return n;
      }
      case Tok::kString: {
        auto n = node(NodeType::kString, t.position);
        n->text = t.text;
        return n;
      }
      case Tok::kValue: {
        if (t.text == "null") return node(NodeType::kNull, t.position);
        auto n = node(NodeType::kBool, t.position);
        n->boolean = t.text == "true";
        return n;
      }
      case Tok::kVariable: {
        auto n = node(NodeType::kVariable, t.position);
        n->text = t.text;
        return n;
      }
      case Tok::kName: {
        if ((t.text == "function" || t.text == "\xCE\xBB") && is_op("(")) return lambda(t);
        auto n = node(NodeType::kName, t.position);
        n->text = t.text;
        return n;
      }
      case Tok::kRegex: {
        auto n = node(NodeType::kRegex, t.position);
        n->text = t.text;
        n->regex = t.regex;
        return n;
      }
      case Tok::kOperator:
        break;
    }
    const std::string& op = t.text;
    if (op == "and" || op == "or" || op == "in") {  // names where an operand goes
      auto n = node(NodeType::kName, t.position);
      n->text = op;
      return n;
    }
    if (op == "-") {
      auto operand = expression(70);
      if (!operand) return nullptr;
      if (operand->type == NodeType::kNumber) {
        operand->number = -operand->number;
        return operand;
      }
      auto n = node(NodeType::kNegate, t.position);
      n->kids.push_back(operand);
      return n;
    }
    if (op == "*") return node(NodeType::kWildcard, t.position);
    if (op == "**") return node(NodeType::kDescendant, t.position);
    if (op == "(") {
      auto n = node(NodeType::kBlock, t.position);
      while (!error_ && !is_op(")")) {
        n->kids.push_back(expression(0));
        if (!is_op(";")) break;
        advance(false);
      }
      expect(")", true);
      return n;
    }
    if (op == "[") {
      auto n = node(NodeType::kArray, t.position);
      if (!is_op("]")) {
        for (;;) {
          auto item = expression(0);
          if (error_) return nullptr;
          if (is_op("..")) {
            auto range = node(NodeType::kRange, cur_.position);
            advance(false);
            range->kids.push_back(item);
            range->kids.push_back(expression(0));
            item = range;
          }
          n->kids.push_back(item);
          if (!is_op(",")) break;
          advance(false);
        }
      }
      expect("]", true);
      return n;
    }
    if (op == "{") return object_pairs(t.position);
    if (op == "|") {  // | pattern | update [, delete] |
      auto n = node(NodeType::kTransform, t.position);
      n->kids.push_back(expression(0));
      expect("|", false);
      n->kids.push_back(expression(0));
      if (is_op(",")) {
        advance(false);
        n->kids.push_back(expression(0));
      }
      expect("|", true);
      return error_ ? nullptr : n;
    }
    if (op == "%") return node(NodeType::kParent, t.position);
    fail_at("S0211", "The symbol \"" + op + "\" cannot be used as a unary operator", t.position);
    return nullptr;
  }

  NodePtr object_pairs(size_t position) {
    auto n = node(NodeType::kObject, position);
    if (!is_op("}")) {
      for (;;) {
        auto key = expression(0);
        expect(":", false);
        auto value = expression(0);
        if (error_) return nullptr;
        n->kids.push_back(key);
        n->kids.push_back(value);
        if (!is_op(",")) break;
        advance(false);
      }
    }
    expect("}", true);
    return n;
  }

  NodePtr lambda(const Token& t) {
    auto n = node(NodeType::kLambda, t.position);
    advance(false);  // (
    while (!error_ && !is_op(")")) {
      if (cur_.type != Tok::kVariable) {
        fail("S0208", "Parameter \"" + cur_.text +
                          "\" of function definition must be a variable name (start with $)");
        return nullptr;
      }
      n->params.push_back(cur_.text);
      advance(true);
      if (!is_op(",")) break;
      advance(false);
    }
    expect(")", true);
    if (error_) return nullptr;
    if (is_op("<")) {  // a signature: checked by JSONata, skipped here
      int nesting = 0;
      while (pos_ < src_.size()) {
        char c = src_[pos_++];
        if (c == '<') ++nesting;
        if (c == '>') {
          if (nesting == 0) break;
          --nesting;
        }
      }
      advance(false);
    }
    expect("{", false);
    n->kids.push_back(expression(0));
    expect("}", true);
    return n;
  }

  NodePtr binary(const Token& t, NodePtr left, NodePtr right) {
    auto n = node(NodeType::kBinary, t.position);
    n->text = t.text;
    n->kids = {std::move(left), std::move(right)};
    return n;
  }

  NodePtr led(const Token& t, NodePtr left) {
    if (error_ || !left) return nullptr;
    const std::string& op = t.text;
    if (t.type != Tok::kOperator) return nullptr;
    if (op == "(") {
      auto n = node(NodeType::kCall, t.position);
      n->kids.push_back(left);
      while (!error_ && !is_op(")")) {
        if (is_op("?")) {
          n->kids.push_back(node(NodeType::kPlaceholder, cur_.position));
          advance(true);
        } else {
          n->kids.push_back(expression(0));
        }
        if (!is_op(",")) break;
        advance(false);
      }
      expect(")", true);
      return n;
    }
    if (op == "[") {
      if (is_op("]")) {
        advance(true);
        return binary(t, left, nullptr);
      }
      auto rhs = expression(0);
      expect("]", true);
      return binary(t, left, rhs);
    }
    if (op == "{") {
      auto pairs = object_pairs(t.position);
      return binary(t, left, pairs);
    }
    if (op == "^") {
      expect("(", false);
      auto n = node(NodeType::kSort, t.position);
      for (;;) {
        bool descending = false;
        if (is_op("<") || is_op(">")) {
          descending = is_op(">");
          advance(false);
        }
        n->kids.push_back(expression(0));
        n->flags.push_back(descending);
        if (error_ || !is_op(",")) break;
        advance(false);
      }
      expect(")", true);
      return binary(t, left, n);
    }
    if (op == "?") {
      auto n = node(NodeType::kCondition, t.position);
      n->kids.push_back(left);
      n->kids.push_back(expression(0));
      if (is_op(":")) {
        advance(false);
        n->kids.push_back(expression(0));
      }
      return n;
    }
    if (op == ":=") {
      if (left->type != NodeType::kVariable) {
        fail_at("S0212", "The left side of := must be a variable name (start with $)", t.position);
        return nullptr;
      }
      auto n = node(NodeType::kBind, t.position);
      n->text = left->text;
      n->kids.push_back(expression(binding_power(t) - 1));
      return n;
    }
    if (op == "~>") {
      auto n = node(NodeType::kApply, t.position);
      n->kids = {left, expression(binding_power(t))};
      return n;
    }
    if (op == "..") {
      auto n = node(NodeType::kRange, t.position);
      n->kids = {left, expression(binding_power(t))};
      return n;
    }
    if (op == "@" || op == "#") {
      auto rhs = expression(binding_power(t));
      if (error_) return nullptr;
      if (rhs->type != NodeType::kVariable) {
        fail_at("S0214", "The right side of " + op + " must be a variable name (start with $)",
                rhs->position);
        return nullptr;
      }
      return binary(t, left, rhs);
    }
    static const char* kBinary[] = {
        ".", "+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "&", "and", "or", "in"};
    for (const char* b : kBinary) {
      if (op == b) return binary(t, left, expression(binding_power(t)));
    }
    fail_at("S0204", "Unknown operator: \"" + op + "\"", t.position);
    return nullptr;
  }

  // --- post-processing into paths ---
  NodePtr as_path(NodePtr n) {
    if (n->type == NodeType::kPath) return n;
    auto p = node(NodeType::kPath, n->position);
    p->kids.push_back(std::move(n));
    return p;
  }

  NodePtr step(NodePtr s) {
    if (s->type == NodeType::kString) {
      s->type = NodeType::kName;
    } else if (s->type == NodeType::kNumber || s->type == NodeType::kBool ||
               s->type == NodeType::kNull) {
      std::string text = s->type == NodeType::kNumber ? format_number(s->number)
                         : s->type == NodeType::kNull ? "null"
                         : s->boolean                 ? "true"
                                                      : "false";
      fail_at("S0213",
              "The literal value " + text + " cannot be used as a step within a path expression",
              s->position);
    }
    return s;
  }

  // --- the parent operator: which step's input each % reads ---
  // Walks back from `node` (a step before the one seeking) by slot->level
  // steps; the step reached binds its input to the slot's label.
  void seek_parent(Node& node, const std::shared_ptr<Slot>& slot) {
    switch (node.type) {
      case NodeType::kName:
      case NodeType::kWildcard:
        if (--slot->level == 0) {
          if (node.ancestor) slot->label = node.ancestor->label;  // one variable for both
          node.ancestor = slot;
          node.tuple = true;
        }
        break;
      case NodeType::kParent:
        ++slot->level;
        break;
      case NodeType::kBlock:
        if (!node.kids.empty()) {
          node.tuple = true;
          seek_parent(*node.kids.back(), slot);
        }
        break;
      case NodeType::kPath: {
        node.tuple = true;
        size_t i = node.kids.size();
        do {
          seek_parent(*node.kids[--i], slot);
        } while (!error_ && slot->level > 0 && i > 0);
        break;
      }
      default:
        fail_at("S0217",
                "The object representing the 'parent' cannot be derived from this expression",
                node.position);
    }
  }

  // `value`'s unresolved parents become `result`'s.
  static void push_ancestry(Node& result, const Node& value) {
    for (const auto& s : value.seeking) result.seeking.push_back(s);
    if (value.type == NodeType::kParent) result.seeking.push_back(value.slot);
  }

  // The parents sought by a path's last step, looked for in the steps
  // before it; those not found there are the path's to pass outwards.
  void resolve_ancestry(Node& path) {
    if (path.type != NodeType::kPath || path.kids.empty()) return;
    const Node& last = *path.kids.back();
    auto slots = last.seeking;
    if (last.type == NodeType::kParent) slots.push_back(last.slot);
    for (const auto& slot : slots) {
      size_t i = path.kids.size() - 1;  // steps before the last
      while (!error_ && slot->level > 0) {
        if (i == 0) {
          path.seeking.push_back(slot);
          break;
        }
        Node* s = path.kids[--i].get();
        // contiguous steps binding a focus count as one
        while (i > 0 && !s->focus.empty() && !path.kids[i - 1]->focus.empty())
          s = path.kids[--i].get();
        seek_parent(*s, slot);
      }
    }
  }

  NodePtr process(NodePtr n) {
    if (error_ || !n) return n;
    if (++depth_ > 2 * kMaxParseDepth) {
      fail("U1001", "Expression nested too deeply");
      return n;
    }
    NodePtr out = n;
    switch (n->type) {
      case NodeType::kName:
        out = as_path(n);
        break;
      case NodeType::kBinary: {
        const std::string& op = n->text;
        if (op == ".") {
          auto lhs = process(n->kids[0]);
          auto rhs = process(n->kids[1]);
          if (error_) break;
          auto p = node(NodeType::kPath, n->position);
          if (lhs->type == NodeType::kPath && !lhs->group) {
            p->kids = lhs->kids;
            p->keep_array = lhs->keep_array;
            p->tuple = lhs->tuple;
            p->seeking = lhs->seeking;
          } else {
            p->kids.push_back(step(lhs));
            if (lhs->type == NodeType::kParent) p->seeking = {lhs->slot};
          }
          if (rhs->type == NodeType::kPath && !rhs->group) {
            for (auto& k : rhs->kids) p->kids.push_back(step(k));
            p->keep_array = p->keep_array || rhs->keep_array;
          } else {
            p->kids.push_back(step(rhs));
          }
          if (p->kids.front()->type == NodeType::kArray) p->kids.front()->cons_array = true;
          if (p->kids.back()->type == NodeType::kArray) p->kids.back()->cons_array = true;
          resolve_ancestry(*p);
          out = p;
        } else if (op == "[") {
          auto lhs = process(n->kids[0]);
          if (error_) break;
          if (!n->kids[1]) {
            lhs->keep_array = true;
            out = lhs;
            break;
          }
          auto pred = process(n->kids[1]);
          if (error_) break;
          Node* target = lhs.get();
          if (lhs->type == NodeType::kPath && !lhs->group && !lhs->kids.empty() &&
              lhs->kids.back()->type != NodeType::kSort) {
            target = lhs->kids.back().get();
          }
          if (!pred->seeking.empty()) {
            for (const auto& slot : pred->seeking) {
              if (slot->level == 1) {
                seek_parent(*target, slot);
              } else {
                --slot->level;
              }
            }
            push_ancestry(*target, *pred);
          }
          target->predicates.push_back(pred);
          out = lhs;
        } else if (op == "{") {
          auto lhs = process(n->kids[0]);
          if (error_) break;
          if (lhs->group) {
            fail_at("S0210", "Each step can only have one grouping expression", n->position);
            break;
          }
          lhs->group = process(n->kids[1]);
          out = lhs;
        } else if (op == "^") {
          auto lhs = as_path(process(n->kids[0]));
          if (lhs->group) lhs = as_path(lhs);  // a fresh path: sort the grouped result
          auto sort = n->kids[1];
          for (auto& k : sort->kids) {
            k = process(k);
            if (error_) return n;
            push_ancestry(*sort, *k);
          }
          if (lhs->keep_array || lhs->group) {
            auto p = node(NodeType::kPath, lhs->position);
            p->kids = {lhs, sort};
            out = p;
          } else {
            lhs->kids.push_back(sort);
            out = lhs;
          }
          resolve_ancestry(*out);
        } else if (op == "@" || op == "#") {
          auto lhs = process(n->kids[0]);
          if (error_) break;
          const std::string& name = n->kids[1]->text;
          Node* target = lhs.get();
          if (lhs->type == NodeType::kPath) {
            target = lhs->kids.back().get();
          } else if (op == "#") {
            lhs = as_path(lhs);
          }
          if (op == "@") {
            if (!target->predicates.empty()) {
              fail_at("S0215", "A context variable binding must precede any predicates on a step",
                      n->position);
              break;
            }
            if (target->type == NodeType::kSort) {
              fail_at("S0216",
                      "A context variable binding must precede the 'order-by' clause on a step",
                      n->position);
              break;
            }
            target->focus = name;
          } else if (target->predicates.empty()) {
            target->index = name;
          } else {
            auto stage = node(NodeType::kIndexStage, n->position);
            stage->text = name;
            target->predicates.push_back(stage);
          }
          target->tuple = true;
          out = lhs;
        } else {
          n->kids[0] = process(n->kids[0]);
          n->kids[1] = process(n->kids[1]);
          if (error_) break;
          push_ancestry(*n, *n->kids[0]);
          push_ancestry(*n, *n->kids[1]);
        }
        break;
      }
      case NodeType::kParent:
        n->slot = std::make_shared<Slot>();
        n->slot->label = "!" + std::to_string(labels_++);
        break;
      case NodeType::kObject:
      case NodeType::kArray:
      case NodeType::kBlock:
      case NodeType::kCondition:
      case NodeType::kBind:
      case NodeType::kCall:
      case NodeType::kLambda:
      case NodeType::kApply:
      case NodeType::kRange:
      case NodeType::kNegate:
      case NodeType::kTransform:
        for (size_t i = 0; i < n->kids.size(); ++i) {
          n->kids[i] = process(n->kids[i]);
          if (error_) break;
          // Which parts' parents are sought through this node, as the
          // reference's parser: not a lambda's body, a transform's parts,
          // the function of a call or of ~>.
          bool passes = n->type != NodeType::kLambda && n->type != NodeType::kApply &&
                        n->type != NodeType::kTransform && !(n->type == NodeType::kCall && i == 0);
          if (passes && n->kids[i]) push_ancestry(*n, *n->kids[i]);
        }
        break;
      default:
        break;
    }
    --depth_;
    return out;
  }

  void fail(std::string code, std::string message) {
    fail_at(std::move(code), std::move(message), cur_.position);
  }
  void fail_at(std::string code, std::string message, size_t position) {
    if (!error_) error_ = Error{std::move(code), std::move(message), position};
    cur_ = Token{};
  }

  std::string_view src_;
  size_t pos_ = 0;
  int depth_ = 0;
  int labels_ = 0;  // parent slots made so far
  Token cur_;
  std::optional<Error> error_;
};

}  // namespace

std::variant<Expression, Error> Expression::parse(std::string_view text) {
  Parser p(text);
  auto r = p.run();
  if (auto* e = std::get_if<Error>(&r)) return *e;
  Expression x;
  x.text_ = std::string(text);
  x.root_ = std::get<NodePtr>(std::move(r));
  return x;
}

}  // namespace nimbus::jsonata
